import {
  accountIdFlag, checkedSettingsFlags, connectionFlags, tableNameFlags,
} from '../../shared/flags.js'
import {ProvisionTableCommand} from '../../shared/provision-table-command.js'
import {usageOf} from '../../shared/usage.js'
import {ALL_TABLES} from '../../tables/definitions.js'

export default class InitStatus extends ProvisionTableCommand {
  static summary = 'Check all four Sentinel tables; change nothing.'
  static description = 'Reads each table (names from the flags, else the env vars the Lambda TVM reads, else the ' +
    'defaults) and reports whether it exists, its status, drift, TTL, point-in-time recovery, deletion protection, ' +
    'encryption and approximate item count. Exits 0 when every table matches Sentinel\'s definition and 6 when any ' +
    'is missing, needs a change or has drifted, so CI can gate on it. Makes only read calls.\n\n' +
    'The table settings flags (--kms-key, --tag, --no-pitr, --no-deletion-protection) say what to check against, ' +
    'exactly as they would be given to init all; init status never changes them.'
  static examples = [
    {
      command: '<%= config.bin %> <%= command.id %> --region eu-west-1',
      description: 'Check the tables in eu-west-1.',
    },
    {
      command: '<%= config.bin %> <%= command.id %> --region eu-west-1 --json',
      description: 'Gate a CI job on the tables being correct.',
    },
  ]
  static baseFlags = {...connectionFlags, ...accountIdFlag, ...checkedSettingsFlags}
  static flags = tableNameFlags(ALL_TABLES)
  static readOnly = true
  static tables = ALL_TABLES
  static usage = usageOf(this)
}
