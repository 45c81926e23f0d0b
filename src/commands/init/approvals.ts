import {ProvisionTableCommand} from '../../lib/provision-command.js'
import {tableFlag} from '../../lib/table-flags.js'
import {APPROVALS_TABLE} from '../../lib/tables.js'

export default class InitApprovals extends ProvisionTableCommand {
  static summary = 'Provision the DynamoDB table for Sentinel approval requests.'
  static description = `Creates the approval-requests table (key id; indexes gsi-requester, gsi-status, gsi-profile; TTL on ttl; on-demand; KMS encryption; deletion protection; point-in-time recovery), or brings an existing one to that definition in place. Reads the live table first, shows the plan and asks before changing anything. Never deletes or replaces anything: drift it cannot fix in place is reported.`
  static examples = [
    {command: '<%= config.bin %> <%= command.id %> --local --yes', description: 'Create the table on an embedded DynamoDB Local.'},
    {command: '<%= config.bin %> <%= command.id %> --region us-east-1 --kms-key alias/sentinel --yes', description: 'Encrypt with a customer-managed key.'},
  ]

  static flags = tableFlag(APPROVALS_TABLE)
  readonly definition = APPROVALS_TABLE
}
