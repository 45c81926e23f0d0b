/**
 * What a run reports: the typed result behind --json, and its rendering as text. Pure functions.
 */
import type {PolicyDocument} from './iam.js'
import {type Drift, isConverged, type LiveTable, type TablePlan, UNREAD, UNSUPPORTED} from './plan.js'
import type {TableDefinition, TableKind} from './tables.js'
import {partitionOf} from './validate.js'

export type Outcome = 'created' | 'declined' | 'failed' | 'planned' | 'refused' | 'status' | 'unchanged' | 'updated'

export interface TableState {
  ttl: string
  pitr: string
  deletionProtection: string
  encryption: string
  billingMode: string
  indexes: {name: string; status: string}[]
  itemCount: number | null
}

export interface TableResult {
  kind: TableKind
  table: string
  arn: string | null
  /** Live TableStatus, or MISSING. */
  status: string
  converged: boolean
  outcome: Outcome
  actions: {summary: string; type: string}[]
  applied: string[]
  drift: Drift[]
  notices: string[]
  state?: TableState
  error?: {code: string; exitCode: number; message: string; suggestion?: string}
}

export interface Target {
  account: string | null
  /** Why the account is null, when it is. */
  accountNote?: string
  region: string
  partition: string
  endpoint: string | null
}

export interface RunResult {
  command: string
  mode: 'apply' | 'generate-iam' | 'plan' | 'status'
  target: Target
  tables: TableResult[]
  policy?: PolicyDocument
  nextSteps: string[]
}

export function makeTarget(region: string, account: string | undefined, endpoint: string | undefined, accountNote?: string): Target {
  return {account: account ?? null, accountNote: account ? undefined : accountNote, endpoint: endpoint ?? null, partition: partitionOf(region), region}
}

export function tableResult(definition: TableDefinition, tableName: string, plan: TablePlan, live: LiveTable | undefined, outcome: Outcome): TableResult {
  return {
    actions: plan.actions.map(({summary, type}) => ({summary, type})),
    applied: [],
    arn: live?.arn ?? null,
    converged: isConverged(plan),
    drift: plan.drift,
    kind: definition.kind,
    notices: plan.notices,
    outcome,
    status: live?.status ?? 'MISSING',
    table: tableName,
  }
}

export function describeState(live: LiveTable): TableState {
  const text = (value: string) => (value === UNSUPPORTED ? 'not supported by endpoint' : value === UNREAD ? 'not read' : value)
  return {
    billingMode: live.billingMode,
    deletionProtection: live.deletionProtection === UNSUPPORTED ? text(UNSUPPORTED) : live.deletionProtection ? 'ENABLED' : 'DISABLED',
    encryption: live.encryption.kind === 'kms' ? `KMS ${live.encryption.kmsKeyArn ?? ''}`.trim() : live.encryption.kind === 'unreported' ? 'not reported by endpoint' : 'AWS-owned key',
    indexes: live.indexes.map((gsi) => ({name: gsi.name, status: gsi.status ?? 'UNKNOWN'})),
    itemCount: live.itemCount ?? null,
    pitr: text(live.pitr),
    ttl: live.ttl.status === UNSUPPORTED ? text(UNSUPPORTED) : `${live.ttl.status}${live.ttl.attribute ? ` on "${live.ttl.attribute}"` : ''}`,
  }
}

export function nextSteps(definition: TableDefinition, tableName: string, command: string, region: string): string[] {
  const name = tableName === definition.defaultTableName ? '' : ` --table ${tableName}`
  return [
    `Point Sentinel at the ${definition.purpose} table: export ${definition.envVar}=${tableName} (or sentinel exec --server ${definition.serverFlag} ${tableName}).`,
    `IAM policy for the server and this CLI: sentinel ${command}${name} --region ${region} --generate-iam`,
  ]
}

export function renderTarget(target: Target): string {
  const account = target.account ?? `unknown${target.accountNote ? ` (${target.accountNote})` : ''}`
  return `Target: account ${account}, region ${target.region}${target.endpoint ? `, endpoint ${target.endpoint}` : ''}`
}

const OUTCOME_TEXT: Record<Outcome, string> = {
  created: 'created',
  declined: 'not changed (declined)',
  failed: 'failed',
  planned: 'plan only, nothing changed',
  refused: 'refused: drift, nothing changed',
  status: '',
  unchanged: 'unchanged: already matches, no changes',
  updated: 'updated',
}

/** The plan for one table: what apply will do, what it will not touch, what to know. */
export function renderPlan(result: TableResult): string[] {
  const lines = [`Table ${result.table} (${result.kind}): ${result.status === 'MISSING' ? 'does not exist' : result.status}`]
  if (result.actions.length === 0 && result.drift.length === 0) lines.push('  No changes: the table matches Sentinel\'s definition.')
  for (const action of result.actions) lines.push(`  + ${action.summary}`)
  for (const drift of result.drift) lines.push(`  ! Drift: ${drift.summary}`, `      Fix: ${drift.remedy}`)
  for (const notice of result.notices) lines.push(`  - ${notice}`)
  return lines
}

export function renderOutcome(result: TableResult): string[] {
  const lines = [`${result.error ? '✖' : '✔'} ${result.table}: ${result.error ? `failed: ${result.error.message}` : OUTCOME_TEXT[result.outcome]}`]
  if (result.arn && !result.error) lines.push(`  ARN: ${result.arn}`)
  for (const applied of result.applied) lines.push(`  + ${applied}`)
  for (const notice of result.notices) lines.push(`  - ${notice}`)
  if (result.error?.suggestion) lines.push(`  ${result.error.suggestion}`)
  return lines
}

export function renderStatus(result: TableResult): string[] {
  const lines = [`${result.converged ? '✔' : '✖'} ${result.table} (${result.kind}): ${result.status === 'MISSING' ? 'does not exist' : result.status}${result.converged ? ', matches' : ''}`]
  const {state} = result
  if (state) {
    lines.push(
      `    TTL ${state.ttl}; PITR ${state.pitr}; deletion protection ${state.deletionProtection}; encryption ${state.encryption}; billing ${state.billingMode}; ~${state.itemCount ?? '?'} items`,
      `    indexes: ${state.indexes.map((gsi) => `${gsi.name} ${gsi.status}`).join(', ') || 'none'}`,
    )
  }

  for (const action of result.actions) lines.push(`  + needs: ${action.summary}`)
  for (const drift of result.drift) lines.push(`  ! drift: ${drift.summary}`, `      Fix: ${drift.remedy}`)
  for (const notice of result.notices) lines.push(`  - ${notice}`)
  return lines
}
