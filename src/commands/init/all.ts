import {tableNameFlags} from '../../shared/flags.js'
import {ProvisionTableCommand} from '../../shared/provision-table-command.js'
import {usageOf} from '../../shared/usage.js'
import {ALL_TABLES} from '../../tables/definitions.js'

export default class InitAll extends ProvisionTableCommand {
  static summary = 'Provision all four Sentinel tables: ' +
    'sessions, break-glass events, approval requests and the rate limiter.'
  static description = 'Plans the four tables, shows one combined plan, asks once, then applies them concurrently ' +
    '(the total time is about the slowest table\'s, not the sum) and reports each table\'s outcome. A table that ' +
    'fails or has drift does not stop the others; the exit code is non-zero if any failed. With --generate-iam, ' +
    'prints one policy covering all four tables; with --export, one template.\n\n' +
    'With --replica-region, each table becomes a global table (version 2019.11.21, eventual consistency) with a ' +
    'replica in each region named, for a Lambda TVM there: the table converges in its own region first, then ' +
    'its replicas are added one after another, each with deletion protection, PITR and tags set in its own ' +
    'region. Replicas are never removed. Strong consistency (MRSC) is not offered: it does not support TTL, which ' +
    'every Sentinel table needs.'
  static examples = [
    {
      command: '<%= config.bin %> <%= command.id %> --local --yes',
      description: 'Create all four tables on an embedded DynamoDB Local.',
    },
    {
      command: '<%= config.bin %> <%= command.id %> --region eu-west-1 --plan',
      description: 'Show the combined plan.',
    },
    {
      command: '<%= config.bin %> <%= command.id %> --region eu-west-1 --account-id 123456789012 --generate-iam ' +
        '--policy-for server > server-policy.json',
      description: 'One IAM policy for the Sentinel server role, all four tables.',
    },
    {
      command: '<%= config.bin %> <%= command.id %> --region us-east-1 --replica-region eu-west-1 --yes',
      description: 'The four tables as global tables with a replica in eu-west-1, for a TVM there.',
    },
    {
      command: '<%= config.bin %> <%= command.id %> --export terraform > sentinel-tables.tf',
      description: 'The four tables as Terraform; no AWS access needed.',
    },
  ]
  static flags = tableNameFlags(ALL_TABLES)
  static usage = usageOf(this)
  protected readonly tables = ALL_TABLES
}
