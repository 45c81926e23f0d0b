import {tableNameFlag} from '../../shared/flags.js'
import {ProvisionTableCommand} from '../../shared/provision-table-command.js'
import {tableCommandDescription} from '../../shared/texts.js'
import {usageOf} from '../../shared/usage.js'
import {BREAKGLASS_TABLE} from '../../tables/definitions.js'

export default class InitBreakglass extends ProvisionTableCommand {
  static summary = 'Provision the DynamoDB table for Sentinel break-glass events.'
  static description = tableCommandDescription(BREAKGLASS_TABLE)
  static examples = [
    {
      command: '<%= config.bin %> <%= command.id %> --local --yes',
      description: 'Create the table on an embedded DynamoDB Local.',
    },
    {
      command: '<%= config.bin %> <%= command.id %> --region us-east-1 --table prod-breakglass --plan',
      description: 'Plan a table with a custom name.',
    },
  ]
  static flags = tableNameFlag(BREAKGLASS_TABLE)
  static usage = usageOf(this)
  protected readonly tables = [BREAKGLASS_TABLE]
}
