import type {RunResult} from '../../report/report.js'

import {renderEndpointGaps, renderStatus, renderTarget} from '../../report/report.js'
import {statusVerdict} from '../../report/run-result.js'
import {
  accountIdFlag, checkedSettingsFlags, connectionFlags, replicaFlags, tableNameFlags,
} from '../../shared/flags.js'
import {TableCommand} from '../../shared/table-command.js'
import {usageOf} from '../../shared/usage.js'
import {ALL_TABLES} from '../../tables/definitions.js'

/** The read-only path: read every table in full, report, exit 6 unless every table matches. */
export default class InitStatus extends TableCommand {
  static summary = 'Check all four Sentinel tables; change nothing.'
  static description = 'Reads each table (names from the flags, else the env vars the Lambda TVM reads, else the ' +
    'defaults) and reports whether it exists, its status, drift, TTL, point-in-time recovery, deletion protection, ' +
    'encryption and approximate item count. Exits 0 when every table matches Sentinel\'s definition and 6 when any ' +
    'is missing, needs a change or has drifted, so CI can gate on it. Makes only read calls.\n\n' +
    'The table settings flags (--kms-key, --tag, --no-pitr, --no-deletion-protection) say what to check against, ' +
    'exactly as they would be given to init all; init status never changes them.\n\n' +
    'With --replica-region, each named replica is checked in its own region too: present, ACTIVE, deletion ' +
    'protection, PITR, tags and key; exit 6 if any falls short. A replica not named is checked the same way ' +
    '(all but its key) and the suggested commands name it; a multi-Region strongly consistent (MRSC) table is ' +
    'drift (MRSC does not support TTL).'
  static examples = [
    {
      command: '<%= config.bin %> <%= command.id %> --region eu-west-1',
      description: 'Check the tables in eu-west-1.',
    },
    {
      command: '<%= config.bin %> <%= command.id %> --region us-east-1 --replica-region eu-west-1',
      description: 'Check the tables and their replicas in eu-west-1.',
    },
    {
      command: '<%= config.bin %> <%= command.id %> --region eu-west-1 --json',
      description: 'Gate a CI job on the tables being correct.',
    },
  ]
  static baseFlags = {
    ...connectionFlags, ...accountIdFlag, ...checkedSettingsFlags, ...replicaFlags,
  }
  static flags = tableNameFlags(ALL_TABLES)
  static tables = ALL_TABLES
  static usage = usageOf(this)

  /** What makes the changes status finds missing: init:all, in every command it suggests. */
  protected get applyCommandId(): string {
    return 'init:all'
  }

  async run(): Promise<RunResult> {
    const {flags} = await this.parse(InitStatus)
    this.startRun(flags)
    const run = await this.settle(flags, this.chooseTables(flags))
    const {inspections, target} = await this.readTables(run, {full: true})
    const verdict = statusVerdict(this.facts(run, target), inspections, this.applyCommandId, this.asked())
    this.out(renderTarget(target))
    for (const table of verdict.result.tables) this.out(renderStatus(table).join('\n'))
    for (const line of renderEndpointGaps(verdict.result.endpointGaps ?? [])) this.out(line)
    this.out(`\n${verdict.summary}`)
    if (verdict.failure) throw verdict.failure
    return verdict.result
  }
}
