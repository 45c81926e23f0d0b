import type {AwsSession} from '../aws/session.js'
/**
 * ProvisionTableCommand owns the flags, the confirmation prompt and the orchestration of the
 * DynamoDB calls (after Heroku's PGSettingsCommand: the base owns run(), a subclass fills in a few
 * members). A table command declares only its tables and texts. The run:
 *
 *   1. check the input locally (names, region, key, tags, flag combinations) — no AWS call;
 *   2. --export / --generate-iam: print what the export and IAM modules make, and stop;
 *   3. read every table and plan (TableCommand.readTables), beside the account lookup;
 *   4. --plan: report and stop;
 *   5. show target and plan, confirm (unless --yes), apply concurrently, report.
 *
 * What the result and its errors are is the run service's (report/run-result.ts); the steps it shares
 * with init:status are TableCommand's.
 */
import type {Inspection} from '../provisioning/provisioner.js'

import {validateRegion} from '../aws/connection.js'
import {ResultError, SentinelError} from '../errors.js'
import {
  checkExportable, existingTables, type ExportFormat, renderExport,
} from '../export/index.js'
import {buildPolicy, policyNaming} from '../iam/policy.js'
import {GlobalTables, hasPendingWork} from '../provisioning/global-table.js'
import {
  EndpointCapabilities, failureAtDeadline, readLiveTable, UNREAD,
} from '../provisioning/live-table.js'
import {commandLine, commandWords} from '../report/next-steps.js'
import {
  makeTarget, type Outcome, renderEndpointGaps, renderOutcome, renderPlan, renderTarget, type RunResult, tableResult,
  type Target,
} from '../report/report.js'
import {
  type Applied, appliedResult, decidedResult, guardAccount, plannedResult, planOnly, type RunFacts, runFailure,
} from '../report/run-result.js'
import {type DesiredTable, desiredTables, type TableChoice} from '../tables/desired.js'
import {
  connectionFlags, replicaFlags, runModeFlags, tableSettingsFlags,
} from './flags.js'
import {
  localRegion, rolesOf, type RunFlags, settingsOf,
} from './run-input.js'
import {toSentinelError} from './sentinel-command.js'
import {type Run, TableCommand} from './table-command.js'

export abstract class ProvisionTableCommand extends TableCommand {
  static baseFlags = {
    ...connectionFlags, ...runModeFlags, ...tableSettingsFlags, ...replicaFlags,
  }

  async run(): Promise<RunResult> {
    const {flags} = await this.parse(this.constructor as typeof ProvisionTableCommand)
    this.startRun(flags)
    // 1. Everything local first: bad input never reaches AWS.
    const choices = this.chooseTables(flags)
    if (flags.export && !flags['import-existing']) return this.exportOnly(flags.export, flags, choices)
    const run = await this.settle(flags, choices)
    // 2. A policy, or an export adopting the tables that exist.
    if (flags['generate-iam']) return this.generateIam(run)
    if (flags.export) return this.exportWithImports(flags.export, run)
    // 3-5.
    const {globalTables, inspections, target} = await this.readTables(run, {full: false})
    return this.planAndApply(run, globalTables, inspections, target)
  }

  protected checkDesired(flags: RunFlags, desired: readonly DesiredTable[]): void {
    if (flags.export) checkExportable(desired)
  }

  /** 4 and 5: show the plan; stop there for --plan; else confirm, apply concurrently and report. */
  private async planAndApply(
    run: Run,
    globalTables: GlobalTables,
    inspections: Inspection[],
    target: Target,
  ): Promise<RunResult> {
    const {flags} = run
    const facts = this.facts(run, target)
    const planned = plannedResult(facts, flags.plan ? 'plan' : 'apply', inspections)
    this.out(renderTarget(target))
    for (const table of planned.tables) this.out(renderPlan(table).join('\n'))
    if (flags.plan) {
      const {failure, result} = planOnly(facts, planned, inspections, this.asked())
      // Said once: a run that applies says it with the outcome.
      for (const line of renderEndpointGaps(planned.endpointGaps ?? [])) this.out(line)
      // The apply command, then how to name replicas that fall short, if any.
      if (result.nextSteps.length > 0) this.out(`\n${result.nextSteps.join('\n')}`)
      if (failure) throw failure
      return result
    }

    // Drifted tables are refused; the rest are applied once confirmed, concurrently.
    const pending = inspections.filter(inspection => hasPendingWork(inspection))
    const decided = (outcome: Outcome) => decidedResult(planned, inspections, outcome)
    if (pending.length > 0) await this.confirm(run, pending, target, decided)
    // On the provisioning service's clock, the one its waits and pauses compare the deadline with.
    const deadline = globalTables.home.faults.clock.now() + ((flags['wait-timeout'] ?? 600) * 1000)
    const applied = await Promise.all(inspections.map(inspection =>
      (pending.includes(inspection) ? this.applyOne(globalTables, inspection, deadline) : undefined)))
    const {errors, result} = appliedResult(planned, inspections, applied)
    this.progress.stop(result.tables.some(table => table.error) ? 'failed' : 'done')
    return this.report(facts, result, errors)
  }

  private async confirm(
    run: Run,
    pending: Inspection[],
    target: Target,
    decided: (outcome: Outcome) => RunResult,
  ): Promise<void> {
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
      (inspection.replicas ?? []).filter(replica => replica.named)
      .reduce((replicaSum, replica) => replicaSum + replica.actions.length, 0), 0)
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

  private async applyOne(tables: GlobalTables, inspection: Inspection, deadline: number): Promise<Applied> {
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
  private report(facts: RunFacts, result: RunResult, errors: SentinelError[]): RunResult {
    this.out()
    for (const table of result.tables) this.out(renderOutcome(table).join('\n'))
    for (const line of renderEndpointGaps(result.endpointGaps ?? [])) this.out(line)
    const failure = runFailure(facts, result, {asked: this.asked(), errors})
    if (failure) throw failure
    this.out('\nNext steps:')
    for (const step of result.nextSteps) this.out(`  • ${step}`)
    return result
  }

  /** --generate-iam: the policy (iam/policy.ts) for the account named, else the one STS names. */
  private async generateIam(run: Run): Promise<RunResult> {
    const {connection, desired, flags} = run
    const {endpoint, region} = connection
    // The roles init status will check (checked before any call): the policy grants what that check reads.
    const roles = rolesOf(flags, region)
    // --account-id names the policy's account (SENTINEL_ACCOUNT_ID only guards a run that reaches AWS).
    const accountId = flags['account-id'] ? run.expectedAccount?.id : undefined
    const target = accountId ? makeTarget({account: accountId, endpoint, region}) : await this.target(connection)
    if (!target.account) {
      // Mid-sentence: "No AWS credentials…" becomes "no AWS credentials…"; "STS is…" stays as it is.
      const why = (target.accountNote ?? '').replace(/^[A-Z](?=[a-z])/, letter => letter.toLowerCase())
      const unknown = (could: string) => `${could} not determine the AWS account (${why}); ` +
        'the policy uses "*" for it. Pass --account-id to name it.'
      this.warning({code: 'UNKNOWN_ACCOUNT', message: unknown('Could')}, `Warning: ${unknown('could')}`)
    }

    const policyFor = flags['policy-for'] ?? 'both'
    const checkedRoles = roles.map(role => role.arn)
    const policy = buildPolicy({account: target.account ?? '*', region}, desired, {checkedRoles, policyFor})
    this.out(JSON.stringify(policy, null, 2))
    const {file, policyName} = policyNaming(policyFor)
    // Copyable as it is, also under --json (where no policy.json was written): this run, without
    // --json, into the file that create-policy reads.
    const again = commandLine(run.context, this.commandId, [
      '--generate-iam',
      ...(flags['policy-for'] ? ['--policy-for', flags['policy-for']] : []),
      ...(accountId ? ['--account-id', accountId] : []),
      ...roles.flatMap(role => [`--${role.kind}-role`, role.arn]),
    ])
    return {
      command: this.commandId,
      mode: 'generate-iam',
      nextSteps: [
        `${again} > ${file} && aws iam create-policy --policy-name ${policyName} --policy-document file://${file}`,
      ],
      policy,
      tables: [],
      target,
    }
  }

  /** --export without --import-existing: no credentials, no call; the region only checks a key ARN. */
  private exportOnly(format: ExportFormat, flags: RunFlags, choices: TableChoice[]): RunResult {
    const [region, source] = localRegion(flags)
    const checked = source === 'default' ? undefined : validateRegion(region, source)
    return this.printExport(format, desiredTables(choices, settingsOf(flags), checked), new Map())
  }

  /**
   * --export --import-existing: the tables read as the plan reads them, then the export adopts those
   * that exist. It prints what an account holds, so SENTINEL_ACCOUNT_ID guards it as it guards a run:
   * checked beside the reads.
   */
  private async exportWithImports(format: ExportFormat, run: Run): Promise<RunResult> {
    const session = await this.connect(run)
    this.progress.status(`Reading ${run.desired.map(table => table.tableName).join(', ')}`)
    const [target, read] = await Promise.all([
      run.expectedAccount ? this.target(run.connection) : undefined,
      readForAdoption(session, run.desired).then(live => ({live}), (error: unknown) => ({error})),
    ])
    this.progress.stop('read')
    if (target) guardAccount(run.expectedAccount, target)
    if ('error' in read) throw read.error
    const {live} = read
    const existing = existingTables(run.desired, live, run.connection.region)
    // What a refused adoption suggests: the check that shows each difference and its remedy, as for this run.
    const {context} = run
    const checkCommand = context.multiTable
      ? commandLine(context, 'init:status')
      : commandLine(context, this.commandId, ['--plan'])
    return this.printExport(format, run.desired, existing, checkCommand)
  }

  private printExport(
    format: ExportFormat,
    desired: DesiredTable[],
    existing: ReadonlyMap<string, {arn?: string}>,
    checkCommand?: string,
  ): RunResult {
    const statusCommand = [this.config.bin, ...commandWords('init:status', this.config.topicSeparator)].join(' ')
    const document = renderExport(format, desired, {checkCommand, existing, statusCommand})
    if (!this.jsonEnabled()) process.stdout.write(document.endsWith('\n') ? document : `${document}\n`)
    return {
      command: this.commandId, export: {document, format}, mode: 'export', nextSteps: [], tables: [], target: null,
    }
  }
}

/**
 * The tables as the plan reads them (tags and TTL too), so the export carries what the plan leaves
 * alone; and the tags of each replica the template names, read in its region (AWS copies none).
 */
async function readForAdoption(session: AwsSession, desired: readonly DesiredTable[]) {
  const home = new EndpointCapabilities(session.port)
  const regional = new Map<string, Promise<EndpointCapabilities>>()
  const inRegion = (region: string) => {
    if (!regional.has(region)) {
      regional.set(region, session.regionalPort(region).then(port => new EndpointCapabilities(port)))
    }

    return regional.get(region)!
  }

  const read = async (table: DesiredTable) => {
    const found = await readLiveTable(home, table.tableName, {pitr: false, tags: true})
    const named = (table.replicas ?? []).filter(({region}) => found?.replicas?.some(live => live.region === region))
    const replicaTags = new Map(await Promise.all(named.map(async ({region}) => {
      // Only its tags are taken; TTL is the global table's, read at home.
      const what = {pitr: false, tags: true, ttl: false}
      const replica = await readLiveTable(await inRegion(region), table.tableName, what)
      return [region, replica?.tags ?? UNREAD] as const
    })))
    return found && {...found, replicaTags}
  }

  return Promise.all(desired.map(table => read(table).catch(error => {
    throw failureAtDeadline(error)
  })))
}

/** Where the prompt says the change goes: DynamoDB Local, or the account, region and endpoint. */
function describeWhere(target: Target): string {
  if (target.local) return `DynamoDB Local at ${target.endpoint}`
  const endpoint = target.endpoint ? `, endpoint ${target.endpoint}` : ''
  return `account ${target.account ?? 'unknown'}, region ${target.region}${endpoint}`
}
