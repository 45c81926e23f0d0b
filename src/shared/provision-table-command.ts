/**
 * ProvisionTableCommand owns the flags, the confirmation prompt and the orchestration of the
 * DynamoDB calls (after Heroku's PGSettingsCommand: the base owns run(), a subclass fills in a few
 * members). A table command declares only its tables and texts. The run:
 *
 *   1. check the input locally (names, region, key, tags, flag combinations) — no AWS call;
 *   2. --export / --generate-iam: print and stop;
 *   3. read every table and plan (the provisioning service), beside the account lookup;
 *   4. --plan or init:status: report and stop;
 *   5. show target and plan, confirm (unless --yes), apply concurrently, report.
 */
import type {Interfaces} from '@oclif/core'

import type {TableDefinition} from '../tables/definitions.js'

import {
  type Connection, regionNotice, resolveConnection, validateRegion,
} from '../aws/connection.js'
import {type AwsSession, LOCAL_CREDENTIALS} from '../aws/session.js'
import {type ErrorCode, invalidInput, SentinelError} from '../errors.js'
import {checkExportable, type ExportFormat, renderExport} from '../export/index.js'
import {buildPolicy, type PolicyFor} from '../iam/policy.js'
import {
  combinedPlan, GlobalTables, hasPendingWork,
} from '../provisioning/global-table.js'
import {describeTable, EndpointCapabilities} from '../provisioning/live-table.js'
import {
  driftError, type Inspection, Provisioner, type ProvisionOutcome, unreadInspection,
} from '../provisioning/provisioner.js'
import {
  commandLine, commandWords, nextSteps, type RunContext, shellQuote,
} from '../report/next-steps.js'
import {
  describeState, makeTarget, renderEndpointGaps, renderOutcome, renderPlan, renderStatus, renderTarget, type RunResult,
  tableResult, type TableResult, type Target,
} from '../report/report.js'
import {
  type DesiredTable, desiredTables, type TableChoice, validateChoices,
} from '../tables/desired.js'
import {validateAccountId} from '../tables/validate.js'
import {
  connectionFlags, replicaFlags, runModeFlags, tableSettingsFlags,
} from './flags.js'
import {Progress} from './progress.js'
import {
  chooseTables, localDataDir, localRegion, runContext, type RunFlags, settingsOf,
} from './run-input.js'
import {ResultError, SentinelCommand, toSentinelError} from './sentinel-command.js'
import {CLI_SERVICES, type RunServices} from './services.js'

/** Everything a run has settled locally, before any AWS call. */
interface Run {
  flags: RunFlags
  connection: Connection
  desired: DesiredTable[]
  context: RunContext
}

type Decided = (outcome: TableResult['outcome']) => RunResult

/** Where a silent Progress writes: nowhere. */
function writeNothing(): void {}

export abstract class ProvisionTableCommand extends SentinelCommand<RunResult> {
  static baseFlags: Interfaces.FlagInput = {
    ...connectionFlags, ...runModeFlags, ...tableSettingsFlags, ...replicaFlags,
  }
  /** The tables this command provisions (one for init:sessions, all four for init:all). */
  static tables: readonly TableDefinition[] = []
  /** init:status: read and report, change nothing, exit 6 unless every table matches. */
  static readOnly = false
  /** Where runs reach AWS and the operator: the SDK and the terminal; fakes in the command tests. */
  static services: RunServices = CLI_SERVICES
  protected progress = new Progress('silent', writeNothing)
  /** For --local: where DynamoDB Local keeps this run's data (an interrupt says so, not "AWS"). */
  private localDir?: string
  private session?: AwsSession

  private get definitions(): readonly TableDefinition[] {
    return (this.constructor as typeof ProvisionTableCommand).tables
  }

  private get readOnly(): boolean {
    return (this.constructor as typeof ProvisionTableCommand).readOnly
  }

  private get services(): RunServices {
    return (this.constructor as typeof ProvisionTableCommand).services
  }

  private get commandId(): string {
    return this.id ?? ''
  }

  async run(): Promise<RunResult> {
    const {flags: parsed} = await this.parse(this.constructor as typeof ProvisionTableCommand)
    const flags = parsed as unknown as RunFlags
    const mode = this.jsonEnabled() ? 'silent' : (process.stderr.isTTY ? 'spinner' : 'line')
    this.progress = new Progress(mode, line => this.info(line))
    if (flags.local) this.localDir = localDataDir(flags)

    // 1. Everything local first: bad input never reaches AWS.
    refuseReplicasOnLocal(flags)
    const choices = validateChoices(chooseTables(this.definitions, flags))
    if (flags.export && !flags['import-existing']) return this.exportOnly(flags, choices)
    if (flags.local && !flags['generate-iam'] && !flags.export) refuseAccountWithLocal(flags)
    const connection = await this.resolveTarget(flags)
    const unknownRegion = regionNotice(connection.region)
    if (unknownRegion) this.info(`Warning: ${unknownRegion}`)
    const desired = desiredTables(choices, settingsOf(flags), connection.region)
    if (flags.export) checkExportable(desired)
    const accountId = flags['account-id'] ? validateAccountId(flags['account-id']) : undefined
    const expectedAccount = expectedAccountOf(flags)
    const multiTable = this.definitions.length > 1
    const command = {
      bin: this.config.bin, id: this.commandId, multiTable, topicSeparator: this.config.topicSeparator,
    }
    const context = runContext(command, flags, choices, connection)
    const creator = this.readOnly ? 'init:all' : this.commandId
    const run: Run = {
      connection, context, desired: withSuggestions(desired, {connection, context, flags}, creator), flags,
    }
    if (flags['generate-iam']) return this.generateIam(run, accountId)
    if (flags.export) return this.exportWithImports(run)

    // 3. Read the live state and plan, every table at once, beside the account lookup.
    const session = await this.connect(run)
    const provisioner = new Provisioner(new EndpointCapabilities(session.port), {
      resolveKey: this.services.kmsKeyResolver(session.connection),
    })
    // A replica's region has its own client (and KMS for its key), and its own learning of what the
    // endpoint lacks.
    const regional = new Map<string, Promise<Provisioner>>()
    const tables = new GlobalTables(provisioner, region => {
      let made = regional.get(region)
      if (!made) {
        made = session.regionalPort(region).then(port => new Provisioner(new EndpointCapabilities(port), {
          resolveKey: this.services.kmsKeyResolver({...session.connection, region}),
        }))
        regional.set(region, made)
      }

      return made
    })
    this.progress.status(`Reading ${desired.map(table => table.tableName).join(', ')}`)
    const [target, inspections] = await Promise.all([
      this.target(session.connection),
      Promise.all(run.desired.map(table => this.inspectOne(tables, table))),
    ])
    this.progress.stop('read')
    // One table that cannot be read is reported on its own; if none can be read, that is the error,
    // unless STS named an account the guard refuses (credentials of the wrong account read nothing).
    const unread = inspections.filter(inspection => inspection.error)
    const noneRead = unread.length === inspections.length
    if (noneRead && !target.account) throw unread[0].error
    guardAccount(expectedAccount, target)
    if (noneRead) throw unread[0].error
    if (this.readOnly) return this.status(inspections, target, context)
    return this.planAndApply(run, tables, inspections, target)
  }

  /** Reads and plans one table; a failure is kept with the table, so the others go on. */
  private async inspectOne(tables: GlobalTables, table: DesiredTable): Promise<Inspection> {
    try {
      return await tables.inspect(table, {full: this.readOnly})
    } catch (error) {
      return unreadInspection(table, toSentinelError(error as Error))
    }
  }

  protected inFlight(): string | undefined {
    return this.progress.inFlight()
  }

  protected leftBehind(): string {
    if (this.localDir === undefined) return super.leftBehind()
    // DynamoDB Local runs only during this run: nothing goes on after it, in AWS or locally.
    return `Nothing was sent to AWS; DynamoDB Local stops with this run, its data stays in ${this.localDir}.`
  }

  protected beforeError(): void {
    this.progress.stop('failed')
  }

  protected async release(): Promise<void> {
    await this.session?.close()
  }

  /** 4 and 5: show the plan; stop there for --plan; else confirm, apply concurrently and report. */
  private async planAndApply(
    run: Run,
    globalTables: GlobalTables,
    inspections: Inspection[],
    target: Target,
  ): Promise<RunResult> {
    const {context, flags} = run
    const planned = inspections.map(inspection => tableResult(inspection, 'planned'))
    const gaps = endpointGaps(inspections.map(inspection => inspection.plan.endpointGaps))
    const result: RunResult = {
      command: this.commandId,
      mode: flags.plan ? 'plan' : 'apply',
      nextSteps: nextSteps(context),
      tables: planned,
      target,
      ...(gaps.length > 0 ? {endpointGaps: gaps} : {}),
    }
    this.out(renderTarget(target))
    for (const table of planned) this.out(renderPlan(table).join('\n'))
    if (flags.plan) {
      // Said once: a run that applies says it with the outcome.
      for (const line of renderEndpointGaps(gaps)) this.out(line)
      const apply = `Apply it: ${commandLine(context, this.commandId)}`
      if (pendingChanges(inspections)) this.out(`\n${apply}`)
      const planResult = {...result, nextSteps: pendingChanges(inspections) ? [apply] : []}
      const unread = planned.filter(table => table.error)
      if (unread.length > 0) throw this.partialFailure(planResult, context, [], unread)
      return planResult
    }

    // Drifted tables are refused; the rest are applied once confirmed, concurrently.
    const pending = inspections.filter(inspection => hasPendingWork(inspection))
    const decided: Decided = outcome => ({
      ...result,
      tables: inspections.map((inspection, index) =>
        finalResult(inspection, planned[index], pending.includes(inspection) ? outcome : undefined)),
    })
    if (pending.length > 0) await this.confirm(run, pending, target, decided)
    const deadline = Date.now() + ((flags['wait-timeout'] ?? 600) * 1000)
    const outcomes = await Promise.all(inspections.map(inspection =>
      pending.includes(inspection) ? this.applyOne(globalTables, inspection, deadline) : undefined))
    const tables = inspections.map((inspection, index) => finalResult(inspection, planned[index], outcomes[index]))
    this.progress.stop(tables.some(table => table.error) ? 'failed' : 'done')
    const learnt = outcomes.flatMap(outcome =>
      (outcome && !(outcome instanceof SentinelError) ? [outcome.endpointGaps] : []))
    const finalGaps = endpointGaps([gaps, ...learnt])
    const errors = outcomes.filter((outcome): outcome is SentinelError => outcome instanceof SentinelError)
    return this.report({...result, tables, ...(finalGaps.length > 0 ? {endpointGaps: finalGaps} : {})}, context, errors)
  }

  /** Region, profile and endpoint, checked locally; no AWS call and nothing started. */
  private async resolveTarget(flags: RunFlags): Promise<Connection> {
    if (!flags.local) {
      return resolveConnection({
        endpointUrl: flags['endpoint-url'],
        // A policy for a named account makes no call at all.
        needsEndpoint: !(flags['generate-iam'] && flags['account-id']),
        profile: flags['aws-profile'],
        region: flags.region,
      })
    }

    // DynamoDB Local ignores the region (-sharedDb), so no AWS config is read; ARNs still name one.
    const [region, source] = localRegion(flags)
    return {
      credentials: LOCAL_CREDENTIALS, local: true, region: validateRegion(region, source), regionSource: source,
    }
  }

  private async connect(run: Run): Promise<AwsSession> {
    const policyCommand = this.readOnly ? 'init:all' : this.commandId
    this.session = await this.services.openSession(run.connection, {
      debug: line => this.debugLine(line),
      iamHint: commandLine(run.context, policyCommand, ['--generate-iam', '--policy-for', 'provisioner']),
      localDir: run.connection.local ? localDataDir(run.flags) : undefined,
      localWaitMs: (run.flags['wait-timeout'] ?? 600) * 1000,
      onLocalNotice: line => this.info(line),
      onLocalStarting: () => this.progress.status('Starting DynamoDB Local'),
      onLocalWaiting: line => this.progress.status(line),
      onSilence: line => this.progress.status(line),
    })
    if (this.session.local) {
      this.progress.stop()
      this.info(`DynamoDB Local on ${this.session.local.endpoint}, data in ${this.session.local.dataDir ?? 'memory'}`)
    }

    return this.session
  }

  /** The account to show before a change: from STS when it can be had, else null with the reason. */
  private async target(connection: Connection): Promise<Target> {
    const {endpoint, local, region} = connection
    try {
      return makeTarget({
        account: await this.services.lookupAccount(connection), endpoint, local, region,
      })
    } catch (error) {
      const accountNote = toSentinelError(error as Error).message.replace(/\.$/, '')
      return makeTarget({
        accountNote, endpoint, local, region,
      })
    }
  }

  private async confirm(run: Run, pending: Inspection[], target: Target, decided: Decided): Promise<void> {
    const {context, flags} = run
    if (flags.yes) return
    const names = pending.map(inspection => inspection.desired.tableName).join(', ')
    const rerun = commandLine(context, this.commandId, ['--yes', ...(flags.json ? ['--json'] : [])])
    // Under --json the plan is not on the screen, so nothing is asked: a blind prompt is no consent.
    if (flags.json || !process.stdin.isTTY) {
      const why = flags.json ? '--json never asks' : 'there is no terminal to confirm on'
      const where = flags.json ? ' in result.tables[].actions' : ' above'
      throw new ResultError(new SentinelError('NON_INTERACTIVE', `Not changing ${names}: ${why}.`, {
        suggestion: `Review the plan${where}, then rerun with --yes: ${rerun}`,
      }), decided('planned'))
    }

    const count = pending.reduce((sum, inspection) => sum + inspection.plan.actions.length +
      (inspection.replicas ?? []).reduce((replicaSum, replica) => replicaSum + replica.actions.length, 0), 0)
    const changes = `${count} change${count === 1 ? '' : 's'}`
    // With stdout sent to a file, the target and the plan are not on the screen: show them where the
    // question is.
    const plan = process.stdout.isTTY
      ? []
      : [renderTarget(target), ...pending.map(inspection => renderPlan(tableResult(inspection, 'planned')).join('\n'))]
    if (!(await this.services.promptYesNo(`Apply ${changes} to ${names} (${describeWhere(target)})?`, plan))) {
      throw new ResultError(new SentinelError('DECLINED', 'Declined at the prompt; nothing was changed.', {
        suggestion: `Rerun and answer yes, or pass --yes: ${rerun}`,
      }), decided('declined'))
    }
  }

  private async applyOne(
    tables: GlobalTables,
    inspection: Inspection,
    deadline: number,
  ): Promise<ProvisionOutcome | SentinelError> {
    try {
      const name = inspection.desired.tableName
      const reporter = this.progress.forTable(name)
      const replicaReporter = (region: string) => this.progress.forTable(`${name} in ${region}`)
      return await tables.apply(inspection, {deadline, replicaReporter, reporter})
    } catch (error) {
      return toSentinelError(error as Error)
    } finally {
      this.progress.finished(inspection.desired.tableName)
      for (const replica of inspection.desired.replicas ?? []) {
        this.progress.finished(`${inspection.desired.tableName} in ${replica.region}`)
      }
    }
  }

  /** The outcome of every table; `errors` are the failures as raised, kept for SENTINEL_DEBUG. */
  private report(result: RunResult, context: RunContext, errors: SentinelError[]): RunResult {
    this.out()
    for (const table of result.tables) this.out(renderOutcome(table).join('\n'))
    for (const line of renderEndpointGaps(result.endpointGaps ?? [])) this.out(line)
    const failed = result.tables.filter(table => table.error)
    if (failed.length === 0) {
      this.out('\nNext steps:')
      for (const step of result.nextSteps) this.out(`  • ${step}`)
      return result
    }

    throw this.partialFailure(result, context, errors, failed)
  }

  /** The error for a run in which some tables failed (a read or an apply); the others were done. */
  private partialFailure(
    result: RunResult,
    context: RunContext,
    errors: SentinelError[],
    failed: TableResult[],
  ): ResultError {
    const first = failed[0].error!
    const original = errors[0] ?? new SentinelError(first.code as ErrorCode, first.message, first)
    if (result.tables.length === 1) return new ResultError(original, result)

    const list = failed.map(table => `${table.table} (${table.error?.code})`).join(', ')
    const confirmed = this.argv.includes('--yes') || this.argv.includes('-y')
    const rerun = commandLine(context, this.commandId, confirmed ? ['--yes'] : [])
    // A table refused for drift was never tried: it is counted as refused, not as failed.
    const refused = failed.filter(table => table.outcome === 'refused').length
    const failedOnly = failed.length - refused
    const drift = 'refused (drift sentinel cannot fix in place)'
    const counts = failedOnly > 0
      ? `${failedOnly} of ${result.tables.length} tables failed${refused > 0 ? ` and ${refused} ${drift}` : ''}`
      : `${refused} of ${result.tables.length} tables ${drift}`
    const message = `${counts}: ${list}.`
    const changed = result.mode === 'apply' ? ' (finished tables are left as they are)' : ''
    const where = this.jsonEnabled() ? 'See result.tables' : 'See each table above'
    return new ResultError(new SentinelError('PARTIAL_FAILURE', message, {
      cause: original,
      exitCode: first.exitCode,
      suggestion: `${where}; fix the cause and rerun${changed}: ${rerun}`,
    }), result)
  }

  private status(inspections: Inspection[], target: Target, context: RunContext): RunResult {
    const tables = inspections.map(inspection => ({
      ...tableResult(inspection, 'status'),
      ...(inspection.live ? {state: describeState(inspection.live)} : {}),
    }))
    const gaps = endpointGaps(inspections.map(inspection => inspection.plan.endpointGaps))
    this.out(renderTarget(target))
    for (const table of tables) this.out(renderStatus(table).join('\n'))
    for (const line of renderEndpointGaps(gaps)) this.out(line)
    const result: RunResult = {
      command: this.commandId,
      mode: 'status',
      nextSteps: [],
      tables,
      target,
      ...(gaps.length > 0 ? {endpointGaps: gaps} : {}),
    }
    const failing = tables.filter(table => !table.converged)
    const total = `${tables.length} table${tables.length === 1 ? '' : 's'}`
    if (failing.length === 0) {
      this.out(`\nAll ${total} match Sentinel's definition.`)
      return result
    }

    // A table that could not be read is never reported as matching: the verdict names why.
    const unread = tables.filter(table => table.error)
    if (unread.length > 0) {
      const others = failing.filter(table => !table.error)
      const also = others.length > 0
        ? ` Also: ${others.map(table => `${table.table} (${whatIsWrong(table)})`).join(', ')}.`
        : ''
      this.out(`\n${unread.length} of ${total} could not be read.${also}`)
      throw this.partialFailure(result, context, [], unread)
    }

    const plan = commandLine(context, 'init:all', ['--plan'])
    result.nextSteps = [
      `See the changes: ${plan}`,
      `Make them: ${commandLine(context, 'init:all')} (drift needs a human)`,
    ]
    const needs = failing.length === 1 ? 'needs' : 'need'
    this.out(`\n${failing.length} of ${total} ${needs} attention. See the changes: ${plan}`)
    const which = failing.map(table => `${table.table} (${whatIsWrong(table)})`).join(', ')
    const verb = failing.length === 1 ? 'does' : 'do'
    throw new ResultError(new SentinelError('NOT_CONVERGED', `${which} ${verb} not match Sentinel's definition.`, {
      suggestion: `See the changes: ${plan}`,
    }), result)
  }

  private async generateIam(run: Run, accountId: string | undefined): Promise<RunResult> {
    const {connection, desired, flags} = run
    const {endpoint, region} = connection
    const target = accountId ? makeTarget({account: accountId, endpoint, region}) : await this.target(connection)
    if (!target.account) {
      // Mid-sentence: "No AWS credentials…" becomes "no AWS credentials…"; "STS is…" stays as it is.
      const why = (target.accountNote ?? '').replace(/^[A-Z](?=[a-z])/, letter => letter.toLowerCase())
      this.info(`Warning: could not determine the AWS account (${why}); ` +
        'the policy uses "*" for it. Pass --account-id to name it.')
    }

    const policyFor = (flags['policy-for'] ?? 'both') as PolicyFor
    const policy = buildPolicy({account: target.account ?? '*', region}, desired, {policyFor})
    this.out(JSON.stringify(policy, null, 2))
    const name = {both: 'SentinelTables', provisioner: 'SentinelProvisioner', server: 'SentinelServer'}[policyFor]
    // Copyable as it is, also under --json (where no policy.json was written): this run, without
    // --json, into the file that create-policy reads.
    const file = policyFor === 'both' ? 'policy.json' : `${policyFor}-policy.json`
    const again = commandLine(run.context, this.commandId, [
      '--generate-iam',
      ...(flags['policy-for'] ? ['--policy-for', flags['policy-for']] : []),
      ...(accountId ? ['--account-id', accountId] : []),
    ])
    return {
      command: this.commandId,
      mode: 'generate-iam',
      nextSteps: [`${again} > ${file} && aws iam create-policy --policy-name ${name} --policy-document file://${file}`],
      policy,
      tables: [],
      target,
    }
  }

  /** --export without --import-existing: no credentials, no call; the region only checks a key ARN. */
  private exportOnly(flags: RunFlags, choices: TableChoice[]): RunResult {
    const [region, source] = localRegion(flags)
    const checked = source === 'default' ? undefined : validateRegion(region, source)
    return this.printExport(flags.export as ExportFormat, desiredTables(choices, settingsOf(flags), checked), new Map())
  }

  /** --export terraform --import-existing: one read per table, then import blocks for those that exist. */
  private async exportWithImports(run: Run): Promise<RunResult> {
    const session = await this.connect(run)
    this.progress.status(`Reading ${run.desired.map(table => table.tableName).join(', ')}`)
    const live = await Promise.all(run.desired.map(table => describeTable(session.port, table.tableName)))
    this.progress.stop('read')
    const existing = new Map(run.desired.flatMap((table, index) => {
      const found = live[index]
      if (!found) return []
      const replicaRegions = (found.Replicas ?? []).map(replica => replica.RegionName ?? '')
      return [[table.tableName, {arn: found.TableArn, region: run.connection.region, replicaRegions}] as const]
    }))
    return this.printExport(run.flags.export as ExportFormat, run.desired, existing)
  }

  private printExport(
    format: ExportFormat,
    desired: DesiredTable[],
    existing: ReadonlyMap<string, {arn?: string}>,
  ): RunResult {
    const statusCommand = [this.config.bin, ...commandWords('init:status', this.config.topicSeparator)].join(' ')
    const document = renderExport(format, desired, {existing, statusCommand})
    if (!this.jsonEnabled()) process.stdout.write(document.endsWith('\n') ? document : `${document}\n`)
    return {
      command: this.commandId, export: {document, format}, mode: 'export', nextSteps: [], tables: [], target: null,
    }
  }
}

/** What a drift fix prints for each table: AWS CLI commands and this CLI's, in the run's context. */
function withSuggestions(
  desired: DesiredTable[],
  {connection, context, flags}: Omit<Run, 'desired'>,
  creator: string,
): DesiredTable[] {
  const awsCliArgs = [
    '--region',
    connection.region,
    ...(flags['aws-profile'] ? ['--profile', flags['aws-profile']] : []),
    ...(flags['endpoint-url'] ? ['--endpoint-url', flags['endpoint-url']] : []),
  ].map(part => shellQuote(part)).join(' ')
  return desired.map(table => {
    const renamed = context.tables.map(choice =>
      (choice.tableName === table.tableName ? {...choice, tableName: `${table.tableName}-v2`} : choice))
    const newTableCommand = commandLine({...context, tables: renamed}, creator)
    return {...table, suggest: {awsCliArgs, newTableCommand}}
  })
}

/** Checked here rather than declared exclusive: the USAGE line keeps --local beside --endpoint-url. */
function refuseReplicasOnLocal(flags: RunFlags): void {
  if (!flags.local || (flags['replica-region'] ?? []).length === 0) return
  throw new SentinelError('INVALID_INPUT', '--replica-region cannot be used with --local: DynamoDB Local has no ' +
    'global tables (replicas).', {suggestion: 'Leave out --replica-region, or run against AWS with --region.'})
}

/** A table's final result: its plan, plus what apply did (or why it did not). */
function finalResult(
  inspection: Inspection,
  planned: TableResult,
  applied: ProvisionOutcome | SentinelError | TableResult['outcome'] | undefined,
): TableResult {
  if (inspection.error) return planned
  const plan = combinedPlan(inspection)
  if (plan.drift.length > 0) {
    return {...planned, error: driftError(plan).toJSON(), outcome: 'refused'}
  }

  if (applied === undefined) {
    return {...planned, outcome: hasPendingWork(inspection) ? planned.outcome : 'unchanged'}
  }

  if (typeof applied === 'string') return {...planned, outcome: applied}
  if (applied instanceof SentinelError) {
    return {...planned, error: applied.toJSON(), outcome: applied.code === 'DRIFT' ? 'refused' : 'failed'}
  }

  return {
    ...planned,
    applied: [...applied.applied],
    arn: applied.live.arn ?? planned.arn,
    converged: true,
    notices: [...applied.notices],
    outcome: applied.outcome,
    status: applied.live.status,
    ...(planned.replicas ? {replicas: appliedReplicas(planned.replicas, applied)} : {}),
  }
}

/** The replicas as apply left them: the named ones converged, the others as they were. */
function appliedReplicas(planned: NonNullable<TableResult['replicas']>, applied: ProvisionOutcome) {
  return planned.map(replica => {
    const done = applied.replicas?.find(outcome => outcome.region === replica.region)
    if (!done) return replica
    return {
      ...replica,
      applied: [...done.applied],
      arn: done.arn ?? replica.arn,
      converged: true,
      notices: [...done.notices],
      status: done.status,
    }
  })
}

function pendingChanges(inspections: Inspection[]): boolean {
  return inspections.some(inspection => hasPendingWork(inspection))
}

/** Every table's gaps, each said once. */
function endpointGaps(perTable: readonly (readonly string[])[]): string[] {
  return [...new Set(perTable.flat())]
}

function whatIsWrong(table: TableResult): string {
  if (table.error) return `not read: ${table.error.code}`
  if (table.status === 'MISSING') return 'missing'
  return table.drift.length > 0 ? 'drift' : 'needs changes'
}

function describeWhere(target: Target): string {
  if (target.local) return `DynamoDB Local at ${target.endpoint}`
  const endpoint = target.endpoint ? `, endpoint ${target.endpoint}` : ''
  return `account ${target.account ?? 'unknown'}, region ${target.region}${endpoint}`
}

/** The account a run must reach: --account-id, else SENTINEL_ACCOUNT_ID (for CI), checked locally. */
function expectedAccountOf(flags: RunFlags): undefined | {id: string; source: string} {
  if (flags['account-id']) return {id: validateAccountId(flags['account-id']), source: '--account-id'}
  const fromEnv = process.env.SENTINEL_ACCOUNT_ID
  return fromEnv ? {id: validateAccountId(fromEnv, 'SENTINEL_ACCOUNT_ID'), source: 'SENTINEL_ACCOUNT_ID'} : undefined
}

/**
 * DynamoDB Local has no AWS account, so an account to guard cannot be checked: said, not skipped.
 * (With --generate-iam, --account-id only names the account in the policy's ARNs.)
 */
function refuseAccountWithLocal(flags: RunFlags): void {
  const source = flags['account-id'] ? '--account-id' : (process.env.SENTINEL_ACCOUNT_ID ? 'SENTINEL_ACCOUNT_ID' : '')
  if (!source) return
  throw invalidInput(
    `${source} cannot be checked with --local: DynamoDB Local has no AWS account.`,
    source === '--account-id'
      ? 'Leave out --account-id with --local, or leave out --local to check the account in AWS.'
      : 'Unset SENTINEL_ACCOUNT_ID for --local runs, or leave out --local to check the account in AWS.',
  )
}

/**
 * As Terraform's allowed_account_ids: credentials of another account, or an account that cannot be
 * confirmed, stop the run before any write, naming both. (--local with an account is refused earlier.)
 */
function guardAccount(expected: undefined | {id: string; source: string}, target: Target): void {
  if (!expected || target.local || target.account === expected.id) return
  const fix = `Use credentials for account ${expected.id} (--aws-profile, AWS_PROFILE), or correct ${expected.source}.`
  if (!target.account) {
    const message = `Cannot confirm that the credentials belong to account ${expected.id} (from ${expected.source}): ` +
      `${target.accountNote ?? 'the account is unknown'}; nothing was changed.`
    throw new SentinelError('WRONG_ACCOUNT', message, {suggestion: fix})
  }

  const message = `The credentials belong to account ${target.account}, ` +
    `not ${expected.id} (from ${expected.source}); nothing was changed.`
  throw new SentinelError('WRONG_ACCOUNT', message, {suggestion: fix})
}
