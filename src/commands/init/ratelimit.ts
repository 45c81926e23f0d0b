import {tableNameFlag} from '../../shared/flags.js'
import {ProvisionTableCommand} from '../../shared/provision-table-command.js'
import {tableCommandDescription} from '../../shared/texts.js'
import {usageOf} from '../../shared/usage.js'
import {RATE_LIMIT_TABLE} from '../../tables/definitions.js'

export default class InitRatelimit extends ProvisionTableCommand {
  static summary = 'Provision the DynamoDB table for the Sentinel TVM\'s distributed rate limiter.'
  static description = tableCommandDescription(RATE_LIMIT_TABLE)
  static examples = [
    {
      command: '<%= config.bin %> <%= command.id %> --local --yes',
      description: 'Create the table on an embedded DynamoDB Local.',
    },
    {
      command: '<%= config.bin %> <%= command.id %> --region eu-west-1 --plan',
      description: 'Show what would change in AWS.',
    },
  ]
  static flags = tableNameFlag(RATE_LIMIT_TABLE)
  static usage = usageOf(this)
  protected readonly tables = [RATE_LIMIT_TABLE]
}
