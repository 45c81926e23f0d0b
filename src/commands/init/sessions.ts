import {ProvisionTableCommand} from '../../lib/provision-command.js'
import {tableCommandDescription, tableFlag} from '../../lib/table-flags.js'
import {SESSIONS_TABLE} from '../../lib/tables.js'

export default class InitSessions extends ProvisionTableCommand {
  static summary = 'Provision the DynamoDB table for Sentinel server sessions.'
  static description = tableCommandDescription(SESSIONS_TABLE)
  static examples = [
    {command: '<%= config.bin %> <%= command.id %> --local --yes', description: 'Create the table on an embedded DynamoDB Local (no AWS account needed).'},
    {command: '<%= config.bin %> <%= command.id %> --region eu-west-1 --plan', description: 'Show what would change in AWS, change nothing.'},
    {command: '<%= config.bin %> <%= command.id %> --region eu-west-1 --aws-profile prod --yes --json', description: 'Apply in CI; one JSON document on stdout.'},
    {command: '<%= config.bin %> <%= command.id %> --region eu-west-1 --account-id 123456789012 --generate-iam > policy.json', description: 'Write the IAM policy for this table.'},
  ]

  static flags = tableFlag(SESSIONS_TABLE)
  readonly definition = SESSIONS_TABLE
}
