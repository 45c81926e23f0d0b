import {tableNameFlag} from '../../shared/flags.js'
import {ProvisionTableCommand} from '../../shared/provision-table-command.js'
import {tableCommandDescription} from '../../shared/texts.js'
import {usageOf} from '../../shared/usage.js'
import {APPROVALS_TABLE} from '../../tables/definitions.js'

export default class InitApprovals extends ProvisionTableCommand {
  static summary = 'Provision the DynamoDB table for Sentinel approval requests.'
  static description = tableCommandDescription(APPROVALS_TABLE)
  static examples = [
    {
      command: '<%= config.bin %> <%= command.id %> --local --yes',
      description: 'Create the table on an embedded DynamoDB Local.',
    },
    {
      command: '<%= config.bin %> <%= command.id %> --region us-east-1 --kms-key alias/sentinel --yes',
      description: 'Encrypt with a customer-managed key.',
    },
  ]
  static flags = tableNameFlag(APPROVALS_TABLE)
  static usage = usageOf(this)
  protected readonly tables = [APPROVALS_TABLE]
}
