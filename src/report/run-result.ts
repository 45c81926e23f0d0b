/**
 * The run service: turns what a run read (inspections) and did (apply outcomes) into its typed
 * result and, when a table falls short, the error that carries that result. Plain functions, no
 * oclif, no AWS and no printing: the commands print what these return, and the unit tests call
 * them directly (test/unit/run-result.test.ts).
 */
import type {Inspection, ProvisionOutcome} from '../provisioning/provisioner.js'

import {type ErrorCode, ResultError, SentinelError} from '../errors.js'
import {combinedPlan, hasPendingWork} from '../provisioning/global-table.js'
import {AppliedThenFailed, driftError} from '../provisioning/provisioner.js'
import {commandLine, nextSteps, type RunContext} from './next-steps.js'
import {
  describeState, type Outcome, type RunResult, tableResult, type TableResult, type Target,
} from './report.js'

/** The account a run must reach, and which flag or env var named it (--account-id, SENTINEL_ACCOUNT_ID). */
export interface ExpectedAccount {
  id: string
  source: string
}

/** Who ran and where: what every result of a run repeats. */
export interface RunFacts {
  command: string
  context: RunContext
  target: Target
}

/** How the run was asked for, for the rerun its failure suggests. */
export interface RunAsked {
  /** --json: the failure points at result.tables rather than the text above it. */
  json: boolean
  /** --yes was given: the rerun repeats it. */
  confirmed: boolean
}

/** What a run applied to one table: its outcome, the error it failed with, or nothing (not pending). */
export type Applied = ProvisionOutcome | SentinelError | undefined

/**
 * The flags that name every replica no --replica-region names and that lacks what apply sets
 * (deletion protection, PITR, tags), each region once: apply sets them only in the regions named.
 */
function namingFlags(inspections: readonly Inspection[]): {flags: string[]; regions: string[]} {
  const byRegion = new Map<string, string[]>()
  for (const replica of inspections.flatMap(inspection => inspection.replicas ?? [])) {
    if (replica.nameWith && !byRegion.has(replica.region)) byRegion.set(replica.region, replica.nameWith)
  }

  return {flags: [...byRegion.values()].flat(), regions: [...byRegion.keys()]}
}

/** The command that names the replicas falling short, so that it sets what they lack; undefined if none. */
function namingStep(facts: RunFacts, inspections: readonly Inspection[], command: string, extra: string[] = []) {
  const {flags, regions} = namingFlags(inspections)
  if (regions.length === 0) return undefined
  const which = `${regions.length === 1 ? 'The replica' : 'The replicas'} in ${regions.join(', ')}`
  return `${which}, not named by --replica-region, ${regions.length === 1 ? 'lacks' : 'lack'} what apply sets ` +
    `only in the regions named; name ${regions.length === 1 ? 'it' : 'them'} (a replica is never removed): ` +
    commandLine(facts.context, command, [...flags, ...extra])
}

/** The result of an apply or --plan run before anything is applied: every table as planned. */
export function plannedResult(facts: RunFacts, mode: 'apply' | 'plan', inspections: readonly Inspection[]): RunResult {
  const gaps = endpointGaps(inspections.map(inspection => inspection.plan.endpointGaps))
  const naming = namingStep(facts, inspections, facts.command)
  return {
    command: facts.command,
    mode,
    nextSteps: [...(naming ? [naming] : []), ...nextSteps(facts.context)],
    tables: inspections.map(inspection => tableResult(inspection, 'planned')),
    target: facts.target,
    ...(gaps.length > 0 ? {endpointGaps: gaps} : {}),
  }
}

/** True when apply has something to do for any table. */
function pendingChanges(inspections: readonly Inspection[]): boolean {
  return inspections.some(inspection => hasPendingWork(inspection))
}

/**
 * --plan's result: the apply command as the one next step when anything is pending ("Apply it: …",
 * also printed), and the failure when a table could not be read.
 */
export function planOnly(
  facts: RunFacts,
  planned: RunResult,
  inspections: readonly Inspection[],
  asked: RunAsked,
): {applyLine?: string; failure?: ResultError<RunResult>; result: RunResult} {
  const applyLine = pendingChanges(inspections) ? `Apply it: ${commandLine(facts.context, facts.command)}` : undefined
  const naming = namingStep(facts, inspections, facts.command, ['--plan'])
  const result = {...planned, nextSteps: [...(applyLine ? [applyLine] : []), ...(naming ? [naming] : [])]}
  const unread = result.tables.filter(table => table.error)
  const failure = unread.length > 0
    ? runFailure(facts, result, {asked, errors: readErrors(inspections), failed: unread})
    : undefined
  return {applyLine, failure, result}
}

/** The result when the run stops before applying (declined, nothing to confirm on): pending tables say why. */
export function decidedResult(
  planned: RunResult,
  inspections: readonly Inspection[],
  outcome: Outcome,
): RunResult {
  return {
    ...planned,
    tables: inspections.map((inspection, index) =>
      finalResult(inspection, planned.tables[index], hasPendingWork(inspection) ? outcome : undefined)),
  }
}

/** The result after apply: each table's outcome and the endpoint gaps apply learnt; the errors as raised. */
export function appliedResult(
  planned: RunResult,
  inspections: readonly Inspection[],
  applied: readonly Applied[],
): {errors: SentinelError[]; result: RunResult} {
  const tables = inspections.map((inspection, index) => finalResult(inspection, planned.tables[index], applied[index]))
  const learnt = applied.flatMap(outcome =>
    (outcome && !(outcome instanceof SentinelError) ? [outcome.endpointGaps] : []))
  const gaps = endpointGaps([planned.endpointGaps ?? [], ...learnt])
  // Each failed table's error as raised, in the tables' order: a read's, else apply's.
  const errors = inspections.flatMap((inspection, index) => {
    const failure = inspection.error ?? applied[index]
    return failure instanceof SentinelError ? [failure] : []
  })
  // The gaps after apply include the planned ones, so a planned result's endpointGaps keeps its place.
  return {errors, result: {...planned, tables, ...(gaps.length > 0 ? {endpointGaps: gaps} : {})}}
}

/** Which failures a run's error reports, and how the run was asked for. */
export interface FailureInput {
  asked: RunAsked
  /** The failures as raised, kept as the cause for SENTINEL_DEBUG. */
  errors?: readonly SentinelError[]
  /** The tables to report as failed; by default every table with an error. */
  failed?: readonly TableResult[]
}

/**
 * The error for a run in which some tables failed (a read or an apply) while the others were done;
 * undefined when none failed. One table: its own error, carrying the result.
 */
export function runFailure(
  facts: RunFacts,
  result: RunResult,
  {asked, errors = [], failed = result.tables.filter(table => table.error)}: FailureInput,
): ResultError<RunResult> | undefined {
  if (failed.length === 0) return undefined
  const first = failed[0].error!
  const original = errors[0] ?? new SentinelError(first.code as ErrorCode, first.message, first)
  if (result.tables.length === 1) return new ResultError(original, result)

  const list = failed.map(table => `${table.table} (${table.error?.code})`).join(', ')
  const rerun = commandLine(facts.context, facts.command, asked.confirmed ? ['--yes'] : [])
  // A table refused for drift was never changed: it is counted as refused, not as failed.
  const refused = failed.filter(table => table.outcome === 'refused').length
  const failedOnly = failed.length - refused
  const drift = 'refused (drift sentinel cannot fix in place)'
  const counts = failedOnly > 0
    ? `${failedOnly} of ${result.tables.length} tables failed${refused > 0 ? ` and ${refused} ${drift}` : ''}`
    : `${refused} of ${result.tables.length} tables ${drift}`
  const changed = result.mode === 'apply' ? ' (finished tables are left as they are)' : ''
  const where = asked.json ? 'See result.tables' : 'See each table above'
  return new ResultError(new SentinelError('PARTIAL_FAILURE', `${counts}: ${list}.`, {
    cause: original,
    exitCode: first.exitCode,
    suggestion: `${where}; fix the cause and rerun${changed}: ${rerun}`,
  }), result)
}

/**
 * init:status's verdict: every table matches, or which do not and why (exit 6), or which could not be
 * read (never reported as matching). `applyCommand` is what makes the changes (init:all).
 */
export function statusVerdict(
  facts: RunFacts,
  inspections: readonly Inspection[],
  applyCommand: string,
  asked: RunAsked,
): {failure?: ResultError<RunResult>; result: RunResult; summary: string} {
  const tables = inspections.map(inspection => ({
    ...tableResult(inspection, 'status'),
    ...(inspection.live ? {state: describeState(inspection.live)} : {}),
  }))
  const gaps = endpointGaps(inspections.map(inspection => inspection.plan.endpointGaps))
  const result: RunResult = {
    command: facts.command,
    mode: 'status',
    nextSteps: [],
    tables,
    target: facts.target,
    ...(gaps.length > 0 ? {endpointGaps: gaps} : {}),
  }
  const failing = tables.filter(table => !table.converged)
  const total = `${tables.length} table${tables.length === 1 ? '' : 's'}`
  if (failing.length === 0) return {result, summary: `All ${total} match Sentinel's definition.`}

  const unread = tables.filter(table => table.error)
  if (unread.length > 0) {
    const others = failing.filter(table => !table.error)
    const also = others.length > 0
      ? ` Also: ${others.map(table => `${table.table} (${whatIsWrong(table)})`).join(', ')}.`
      : ''
    return {
      failure: runFailure(facts, result, {asked, errors: readErrors(inspections), failed: unread}),
      result,
      summary: `${unread.length} of ${total} could not be read.${also}`,
    }
  }

  // Replicas not named that fall short are named in the commands, so that apply sets what they lack.
  const {flags: naming, regions} = namingFlags(inspections)
  const plan = commandLine(facts.context, applyCommand, [...naming, '--plan'])
  result.nextSteps = [
    `See the changes: ${plan}`,
    `Make them: ${commandLine(facts.context, applyCommand, naming)} (drift needs a human)`,
    ...(regions.length > 0
      ? [`These name the replicas in ${regions.join(', ')} with --replica-region: apply sets deletion protection, ` +
        'PITR and tags only in the regions named, and adds a replica there to any table without one.']
      : []),
  ]
  const needs = failing.length === 1 ? 'needs' : 'need'
  const which = failing.map(table => `${table.table} (${whatIsWrong(table)})`).join(', ')
  const verb = failing.length === 1 ? 'does' : 'do'
  const message = `${which} ${verb} not match Sentinel's definition.`
  const failure = new ResultError(new SentinelError('NOT_CONVERGED', message, {
    suggestion: `See the changes: ${plan}`,
  }), result)
  return {failure, result, summary: `${failing.length} of ${total} ${needs} attention. See the changes: ${plan}`}
}

/** The errors the tables that could not be read were kept with, in the tables' order. */
function readErrors(inspections: readonly Inspection[]): SentinelError[] {
  return inspections.flatMap(inspection => (inspection.error ? [inspection.error] : []))
}

/** Every table's gaps, each said once. */
function endpointGaps(perTable: readonly (readonly string[])[]): string[] {
  return [...new Set(perTable.flat())]
}

/** A table's final result: its plan, plus what apply did (or why it did not). */
function finalResult(inspection: Inspection, planned: TableResult, applied: Applied | Outcome): TableResult {
  if (inspection.error) return planned
  const plan = combinedPlan(inspection)
  if (plan.drift.length > 0) {
    return {...planned, error: driftError(plan).toJSON(), outcome: 'refused'}
  }

  if (applied === undefined) {
    return {...planned, outcome: hasPendingWork(inspection) ? planned.outcome : 'unchanged'}
  }

  if (typeof applied === 'string') return {...planned, outcome: applied}
  if (applied instanceof AppliedThenFailed) {
    // Changed, then stopped: what was done is reported, and the table counts as failed, never as untouched.
    const {live} = applied
    return {
      ...planned,
      applied: [...applied.applied],
      error: applied.toJSON(),
      outcome: 'failed',
      ...(live ? {arn: live.arn ?? planned.arn, status: live.status} : {}),
    }
  }

  if (applied instanceof SentinelError) {
    return {...planned, error: applied.toJSON(), outcome: applied.code === 'DRIFT' ? 'refused' : 'failed'}
  }

  const replicas = planned.replicas ? appliedReplicas(planned.replicas, applied) : undefined
  return {
    ...planned,
    applied: [...applied.applied],
    arn: applied.live.arn ?? planned.arn,
    // Apply leaves a replica not named as it was: the table converged only if every replica is.
    converged: (replicas ?? []).every(replica => replica.converged),
    notices: [...applied.notices],
    outcome: applied.outcome,
    status: applied.live.status,
    ...(replicas ? {replicas} : {}),
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

function whatIsWrong(table: TableResult): string {
  if (table.error) return `not read: ${table.error.code}`
  if (table.status === 'MISSING') return 'missing'
  const replicas = table.replicas ?? []
  const drift = table.drift.length > 0 || replicas.some(replica => replica.drift.length > 0)
  const what = drift ? 'drift' : 'needs changes'
  // A replica nobody named is the one an operator would not look for: said by region.
  const unnamed = replicas.filter(replica => !replica.named && !replica.converged).map(replica => replica.region)
  return unnamed.length > 0 ? `${what}: replica in ${unnamed.join(', ')} not named by --replica-region` : what
}

/**
 * As Terraform's allowed_account_ids: credentials of another account, or an account that cannot be
 * confirmed, stop the run before any write, naming both. (--local with an account is refused earlier.)
 */
export function guardAccount(expected: ExpectedAccount | undefined, target: Target): void {
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
