import {ProvisionTableCommand} from '../../lib/provision-command.js'
import {tableFlag} from '../../lib/table-flags.js'
import {SESSIONS_TABLE} from '../../lib/tables.js'

export default class InitSessions extends ProvisionTableCommand {
  static summary = 'Provision the DynamoDB table for Sentinel server sessions.'
  static description = `Creates the sessions table (key id; indexes gsi-user, gsi-status, gsi-profile, gsi-server-instance, gsi-device-id; TTL on ttl; on-demand; KMS encryption; deletion protection; point-in-time recovery), or brings an existing one to that definition in place. Reads the live table first, shows the plan and asks before changing anything. Never deletes or replaces anything: drift it cannot fix in place is reported.`
  static examples = [
    {command: '<%= config.bin %> <%= command.id %> --local --yes', description: 'Create the table on an embedded DynamoDB Local (no AWS account needed).'},
    {command: '<%= config.bin %> <%= command.id %> --region eu-west-1 --plan', description: 'Show what would change in AWS, change nothing.'},
    {command: '<%= config.bin %> <%= command.id %> --region eu-west-1 --aws-profile prod --yes --json', description: 'Apply in CI; one JSON document on stdout.'},
    {command: '<%= config.bin %> <%= command.id %> --region eu-west-1 --account-id 123456789012 --generate-iam > policy.json', description: 'Write the IAM policy for this table.'},
  ]

  static flags = tableFlag(SESSIONS_TABLE)
  readonly definition = SESSIONS_TABLE
}
