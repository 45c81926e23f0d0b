import type {TableChoice} from '../../lib/desired.js'
import {ProvisionCommand} from '../../lib/provision-command.js'
import {allTableFlags, tablesFromFlags} from '../../lib/table-flags.js'

export default class InitAll extends ProvisionCommand {
  static summary = 'Provision all three Sentinel tables: sessions, break-glass events and approval requests.'
  static description = `Plans the three tables, shows one combined plan, asks once, then applies them concurrently (the total time is about the slowest table's, not the sum) and reports each table's outcome. A table that fails or has drift does not stop the others; the exit code is non-zero if any failed. With --generate-iam, prints one policy covering all three tables.`
  static examples = [
    {command: '<%= config.bin %> <%= command.id %> --local --yes', description: 'Create all three tables on an embedded DynamoDB Local.'},
    {command: '<%= config.bin %> <%= command.id %> --region eu-west-1 --plan', description: 'Show the combined plan.'},
    {command: '<%= config.bin %> <%= command.id %> --region eu-west-1 --account-id 123456789012 --generate-iam > policy.json', description: 'One IAM policy for all three tables.'},
  ]

  static flags = allTableFlags

  protected chooseTables(flags: Record<string, unknown>): TableChoice[] {
    return tablesFromFlags(flags)
  }
}
