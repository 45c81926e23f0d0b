import type {SentinelError} from '../errors.js'
/**
 * What a run reports: the typed result behind --json, and its rendering as text. Pure functions.
 */
import type {PolicyDocument} from '../iam/policy.js'
import type {RoleResult} from '../iam/role-check.js'
import type {ReplicaPlan} from '../provisioning/replica-plan.js'
import type {TableKind} from '../tables/definitions.js'
import type {DesiredTable} from '../tables/desired.js'

import {partitionOf} from '../aws/partitions.js'
import {type LiveTable} from '../provisioning/live-table.js'
import {
  type Drift, isConverged, type PlannedDrift, type TablePlan,
} from '../provisioning/plan.js'
import {STATE_LINE, type StateField, TABLE_SETTINGS} from '../provisioning/settings/index.js'

export type Outcome = 'created' | 'declined' | 'failed' | 'planned' | 'refused' | 'status' | 'unchanged' | 'updated'

/**
 * A table as `init status` reports it: each setting's state (the settings' `state`, by StateField),
 * its indexes and items. Published (schemas/result.json): a setting's new field is added here too.
 */
export interface TableState {
  ttl: string
  pitr: string
  deletionProtection: string
  encryption: string
  billingMode: string
  indexes: {name: string; status: string}[]
  itemCount: null | number
}

type Holds<T extends true> = T
/** The settings' state fields are TableState's, no more and no fewer: the compiler holds the two together. */
export type StateFieldsAgree = Holds<[StateField] extends [Exclude<keyof TableState, 'indexes' | 'itemCount'>]
  ? ([Exclude<keyof TableState, 'indexes' | 'itemCount'>] extends [StateField] ? true : false)
  : false>

export interface TableResult {
  kind: TableKind
  table: string
  arn: null | string
  /** Live TableStatus, MISSING, or UNKNOWN when the table could not be read. */
  status: string
  converged: boolean
  outcome: Outcome
  actions: {summary: string; type: string}[]
  applied: string[]
  drift: Drift[]
  notices: string[]
  state?: TableState
  error?: {code: string; exitCode: number; message: string; suggestion?: string}
  /** A global table's replicas: the named ones (in the order given), then any not named. */
  replicas?: ReplicaResult[]
}

export interface ReplicaResult {
  region: string
  /** False: no --replica-region names it; reported, left alone. */
  named: boolean
  /** ReplicaStatus, or MISSING. */
  status: string
  arn: null | string
  converged: boolean
  actions: {summary: string; type: string}[]
  drift: Drift[]
  notices: string[]
  applied: string[]
}

export interface Target {
  account: null | string
  /** Why the account is null, when it is. */
  accountNote?: string
  region: string
  partition: string
  endpoint: null | string
  /** True for the embedded DynamoDB Local (--local): the region and account are nominal. */
  local?: boolean
}

export interface RunResult {
  command: string
  mode: 'apply' | 'export' | 'generate-iam' | 'plan' | 'status'
  /** Null for an export, which reaches no account. */
  target: null | Target
  tables: TableResult[]
  /** What the endpoint does not implement (an emulator), so was not checked: said once. */
  endpointGaps?: string[]
  policy?: PolicyDocument
  /** init:status --server-role / --provisioner-role: what each role may do (issue 23). */
  roles?: RoleResult[]
  /** --export: the format and the document printed. */
  export?: {format: string; document: string}
  nextSteps: string[]
}

export interface TargetInput {
  region: string
  account?: string
  endpoint?: string
  /** Why the account is unknown, when it is. */
  accountNote?: string
  local?: boolean
}

export function makeTarget({account, accountNote, endpoint, local, region}: TargetInput): Target {
  const target: Target = {
    account: account ?? null,
    accountNote: account ? undefined : accountNote,
    endpoint: endpoint ?? null,
    partition: partitionOf(region).name,
    region,
  }
  return local ? {...target, local: true} : target
}

/** A table's result as planned: what the plan says, before apply. */
export function tableResult(
  {desired, error, live, plan, replicas}: {
    desired: DesiredTable
    error?: SentinelError
    live: LiveTable | undefined
    plan: TablePlan
    replicas?: readonly ReplicaPlan[]
  },
  outcome: Outcome,
): TableResult {
  if (error) {
    return {
      actions: [], applied: [], arn: null, converged: false, drift: [], error: error.toJSON(),
      kind: desired.definition.kind, notices: [], outcome: 'failed', status: 'UNKNOWN', table: desired.tableName,
    }
  }

  const replicaResults = replicas?.map(replica => replicaResult(replica))
  return {
    actions: plan.actions.map(({summary, type}) => ({summary, type})),
    applied: [],
    arn: live?.arn ?? null,
    converged: isConverged(plan) && (replicaResults ?? []).every(replica => replica.converged),
    drift: plan.drift.map(drift => publicDrift(drift)),
    kind: desired.definition.kind,
    notices: plan.notices,
    outcome,
    status: live?.status ?? 'MISSING',
    table: desired.tableName,
    ...(replicaResults ? {replicas: replicaResults} : {}),
  }
}

/** Drift as the --json result publishes it: its type, summary and remedy. */
function publicDrift({remedy, summary, type}: PlannedDrift): Drift {
  return {remedy, summary, type}
}

function replicaResult(plan: ReplicaPlan): ReplicaResult {
  return {
    actions: plan.actions.map(({summary, type}) => ({summary, type})),
    applied: [],
    arn: plan.arn ?? null,
    // A replica not named is held to the same: it holds all of Sentinel's data.
    converged: plan.actions.length === 0 && plan.drift.length === 0,
    drift: plan.drift.map(drift => publicDrift(drift)),
    named: plan.named,
    notices: plan.notices,
    region: plan.region,
    status: plan.status,
  }
}

/** A replica's heading: "Replica eu-west-1: ACTIVE" ("does not exist", "not named"). */
function replicaHeading(replica: ReplicaResult): string {
  const status = replica.status === 'MISSING' ? 'does not exist' : replica.status
  return `Replica ${replica.region}: ${status}${replica.named ? '' : ' (not named by --replica-region)'}`
}

function replicaLines(result: TableResult, mode: 'outcome' | 'plan' | 'status'): string[] {
  const lines: string[] = []
  for (const replica of result.replicas ?? []) {
    // After apply, a replica not named that falls short is shown as in a status: apply left it as it was.
    const checked = mode === 'status' || (mode === 'outcome' && !replica.named && !replica.converged)
    const mark = checked ? `${replica.converged ? '✔' : '✖'} ` : ''
    const matches = mode === 'status' && replica.converged ? ', matches' : ''
    lines.push(`  ${mark}${replicaHeading(replica)}${matches}`)
    if (mode === 'outcome' && !checked) {
      for (const applied of replica.applied) lines.push(`    + ${applied}`)
      for (const notice of replica.notices) lines.push(`    - ${notice}`)
      continue
    }

    const needs = mode === 'plan' ? '' : 'needs: '
    for (const action of replica.actions) lines.push(`    + ${needs}${action.summary}`)
    for (const drift of replica.drift) lines.push(`    ! Drift: ${drift.summary}`, `        Fix: ${drift.remedy}`)
    for (const notice of replica.notices) lines.push(`    - ${notice}`)
  }

  return lines
}

/** The live table as `init status` reports it: each setting's state (settings/), its indexes and items. */
export function describeState(live: LiveTable): TableState {
  const settings = TABLE_SETTINGS.flatMap(({state}) => (state ? [state] : []))
  const entries: [string, unknown][] = [
    ...settings.map(({field, text}): [string, unknown] => [field, text(live)]),
    ['indexes', live.indexes.map(gsi => ({name: gsi.name, status: gsi.status ?? 'UNKNOWN'}))],
    ['itemCount', live.itemCount ?? null],
  ]
  // In name order, as the --json result has always had them.
  return Object.fromEntries(entries.sort(([a], [b]) => (a < b ? -1 : 1))) as unknown as TableState
}

/** The one line about what the endpoint lacks, for all tables at once. */
export function renderEndpointGaps(gaps: readonly string[]): string[] {
  if (gaps.length === 0) return []
  return [`Not checked, because the endpoint does not implement or report it: ${gaps.join(', ')}.`]
}

export function renderTarget(target: Target): string {
  if (target.local) return `Target: embedded DynamoDB Local at ${target.endpoint}`
  const account = target.account ?? `unknown${target.accountNote ? ` (${target.accountNote})` : ''}`
  return `Target: account ${account}, region ${target.region}${target.endpoint ? `, endpoint ${target.endpoint}` : ''}`
}

const OUTCOME_TEXT: Record<Outcome, string> = {
  created: 'created',
  declined: 'not changed (declined)',
  failed: 'failed',
  planned: 'plan only, nothing changed',
  refused: 'refused: drift sentinel cannot fix in place; nothing changed',
  status: '',
  unchanged: 'unchanged (already matches Sentinel\'s definition)',
  updated: 'updated',
}

/** The plan for one table: what apply will do, what it will not touch, what to know. */
export function renderPlan(result: TableResult): string[] {
  if (result.status === 'UNKNOWN' && result.error) return renderUnread(result)
  const status = result.status === 'MISSING' ? 'does not exist' : result.status
  const lines = [`Table ${result.table} (${result.kind}): ${status}`]
  if (result.actions.length === 0 && result.drift.length === 0) {
    // With replica work below, only the table itself is said to need nothing: never "matches".
    const replicaWork = (result.replicas ?? []).some(replica => replica.actions.length > 0 || replica.drift.length > 0)
    lines.push(replicaWork
      ? '  No changes to the table in its own region; its replicas:'
      : '  No changes: the table matches Sentinel\'s definition.')
  }

  for (const action of result.actions) lines.push(`  + ${action.summary}`)
  for (const drift of result.drift) lines.push(`  ! Drift: ${drift.summary}`, `      Fix: ${drift.remedy}`)
  for (const notice of result.notices) lines.push(`  - ${notice}`)
  lines.push(...replicaLines(result, 'plan'))
  return lines
}

export function renderOutcome(result: TableResult): string[] {
  const failure = result.outcome === 'refused' ? OUTCOME_TEXT.refused : 'failed'
  // Done as asked, but a replica not named falls short: never said to match.
  const short = !result.error && !result.converged
  const done = short
    ? `${result.outcome}; a replica not named by --replica-region falls short and was left alone (below)`
    : OUTCOME_TEXT[result.outcome]
  const what = result.error ? `${failure}: ${result.error.message}` : done
  const lines = [`${result.error ? '✖' : (short ? '!' : '✔')} ${result.table}: ${what}`]
  if (result.arn && !result.error) lines.push(`  ARN: ${result.arn}`)
  for (const applied of result.applied) lines.push(`  + ${applied}`)
  for (const notice of result.notices) lines.push(`  - ${notice}`)
  if (!result.error) lines.push(...replicaLines(result, 'outcome'))
  if (result.error?.suggestion) lines.push(`  ${result.error.suggestion}`)
  return lines
}

/** A table that could not be read: why, and what to do; the other tables go on. */
function renderUnread(result: TableResult): string[] {
  const lines = [`✖ ${result.table} (${result.kind}): could not be read: ${result.error?.message}`]
  if (result.error?.suggestion) lines.push(`  ${result.error.suggestion}`)
  return lines
}

export function renderStatus(result: TableResult): string[] {
  if (result.status === 'UNKNOWN' && result.error) return renderUnread(result)
  const status = result.status === 'MISSING' ? 'does not exist' : result.status
  const matches = result.converged ? ', matches' : ''
  const lines = [`${result.converged ? '✔' : '✖'} ${result.table} (${result.kind}): ${status}${matches}`]
  const {state} = result
  if (state) {
    const settings = STATE_LINE.map(({field, label}) => `${label} ${state[field]}`)
    lines.push(
      `    ${[...settings, `~${state.itemCount ?? '?'} items`].join('; ')}`,
      `    indexes: ${state.indexes.map(gsi => `${gsi.name} ${gsi.status}`).join(', ') || 'none'}`,
    )
  }

  for (const action of result.actions) lines.push(`  + needs: ${action.summary}`)
  for (const drift of result.drift) lines.push(`  ! drift: ${drift.summary}`, `      Fix: ${drift.remedy}`)
  for (const notice of result.notices) lines.push(`  - ${notice}`)
  lines.push(...replicaLines(result, 'status'))
  return lines
}
