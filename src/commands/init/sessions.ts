import {tableNameFlag} from '../../shared/flags.js'
import {ProvisionTableCommand} from '../../shared/provision-table-command.js'
import {tableCommandDescription} from '../../shared/texts.js'
import {usageOf} from '../../shared/usage.js'
import {SESSIONS_TABLE} from '../../tables/definitions.js'

export default class InitSessions extends ProvisionTableCommand {
  static summary = 'Provision the DynamoDB table for Sentinel server sessions.'
  static description = tableCommandDescription(SESSIONS_TABLE)
  static examples = [
    {
      command: '<%= config.bin %> <%= command.id %> --local --yes',
      description: 'Create the table on an embedded DynamoDB Local (no AWS account needed).',
    },
    {
      command: '<%= config.bin %> <%= command.id %> --region eu-west-1 --plan',
      description: 'Show what would change in AWS, change nothing.',
    },
    {
      command: '<%= config.bin %> <%= command.id %> --region eu-west-1 --aws-profile prod --yes --json',
      description: 'Apply in CI; one JSON document on stdout.',
    },
    {
      command: '<%= config.bin %> <%= command.id %> --region eu-west-1 --account-id 123456789012 --generate-iam ' +
        '--policy-for server > server-policy.json',
      description: 'Write the IAM policy for the Sentinel server role.',
    },
  ]
  static flags = tableNameFlag(SESSIONS_TABLE)
  static usage = usageOf(this)
  protected readonly tables = [SESSIONS_TABLE]
}
