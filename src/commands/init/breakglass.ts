import {ProvisionTableCommand} from '../../lib/provision-command.js'
import {tableFlag} from '../../lib/table-flags.js'
import {BREAKGLASS_TABLE} from '../../lib/tables.js'

export default class InitBreakglass extends ProvisionTableCommand {
  static summary = 'Provision the DynamoDB table for Sentinel break-glass events.'
  static description = `Creates the break-glass table (key id; indexes gsi-invoker, gsi-status, gsi-profile; TTL on ttl; on-demand; KMS encryption; deletion protection; point-in-time recovery), or brings an existing one to that definition in place. Reads the live table first, shows the plan and asks before changing anything. Never deletes or replaces anything: drift it cannot fix in place is reported.`
  static examples = [
    {command: '<%= config.bin %> <%= command.id %> --local --yes', description: 'Create the table on an embedded DynamoDB Local.'},
    {command: '<%= config.bin %> <%= command.id %> --region us-east-1 --table prod-breakglass --plan', description: 'Plan a table with a custom name.'},
  ]

  static flags = tableFlag(BREAKGLASS_TABLE)
  readonly definition = BREAKGLASS_TABLE
}
