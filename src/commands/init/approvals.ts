import {ProvisionTableCommand} from '../../lib/provision-command.js'
import {tableCommandDescription, tableFlag} from '../../lib/table-flags.js'
import {APPROVALS_TABLE} from '../../lib/tables.js'

export default class InitApprovals extends ProvisionTableCommand {
  static summary = 'Provision the DynamoDB table for Sentinel approval requests.'
  static description = tableCommandDescription(APPROVALS_TABLE)
  static examples = [
    {command: '<%= config.bin %> <%= command.id %> --local --yes', description: 'Create the table on an embedded DynamoDB Local.'},
    {command: '<%= config.bin %> <%= command.id %> --region us-east-1 --kms-key alias/sentinel --yes', description: 'Encrypt with a customer-managed key.'},
  ]

  static flags = tableFlag(APPROVALS_TABLE)
  readonly definition = APPROVALS_TABLE
}
