import {tableSettingsFlags} from '../../lib/desired.js'
import {ResultError, SentinelCommand} from '../../lib/sentinel-command.js'
import {describeState, renderStatus, renderTarget, type RunResult, tableResult} from '../../lib/report.js'
import {allTableFlags, tablesFromFlags} from '../../lib/table-flags.js'

export default class InitStatus extends SentinelCommand {
  static summary = 'Check all three Sentinel tables; change nothing.'
  static description = `Reads each table (names from the flags, else SENTINEL_SESSION_TABLE, SENTINEL_BREAKGLASS_TABLE and SENTINEL_REQUEST_TABLE, else the defaults) and reports whether it exists, its status, drift, TTL, point-in-time recovery, deletion protection, encryption and approximate item count. Exits 0 when every table matches Sentinel's definition and 6 when any is missing, needs a change or has drifted, so CI can gate on it. Makes only read calls.`
  static examples = [
    {command: '<%= config.bin %> <%= command.id %> --region eu-west-1', description: 'Check the tables in eu-west-1.'},
    {command: '<%= config.bin %> <%= command.id %> --region eu-west-1 --json', description: 'Gate a CI job on the tables being correct.'},
  ]

  static flags = {...allTableFlags, ...tableSettingsFlags}

  async run(): Promise<RunResult> {
    const {flags} = await this.parse(InitStatus)
    const {connection, desired} = await this.prepare(tablesFromFlags(flags), flags)
    const {inspections, target} = await this.inspectAll(connection, desired, flags, {full: true, iamHint: 'sentinel init:all --generate-iam'})
    const tables = inspections.map(({desired: table, live, plan}) => ({
      ...tableResult(table.definition, table.tableName, plan, live, 'status'),
      ...(live ? {state: describeState(live)} : {}),
    }))
    const result: RunResult = {command: this.id ?? 'init:status', mode: 'status', nextSteps: [], tables, target}
    this.out(renderTarget(target))
    for (const table of tables) this.out(renderStatus(table).join('\n'))
    const failing = tables.filter((table) => !table.converged)
    if (failing.length === 0) return result
    result.nextSteps = ['sentinel init:all --plan shows what would be changed; sentinel init:all brings the tables to spec (drift needs a human).']
    this.out(`\n${failing.length} of ${tables.length} tables need attention. ${result.nextSteps[0]}`)
    throw new ResultError('NOT_CONVERGED', `${failing.map((table) => `${table.table} (${table.status === 'MISSING' ? 'missing' : table.drift.length > 0 ? 'drift' : 'needs changes'})`).join(', ')} do not match Sentinel's definition.`, {
      result,
      suggestion: 'Run sentinel init:all --plan to see the changes.',
    })
  }
}
