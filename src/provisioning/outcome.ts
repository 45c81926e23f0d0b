/**
 * What the provisioning service takes and gives for one table (provisioner.ts, table-apply.ts,
 * global-table.ts): the inspection it plans from, the progress it reports, the outcome of an apply,
 * and the failures that say what was done first.
 */
import type {LiveTable} from './live-table.js'
import type {EndpointGap, TablePlan} from './plan.js'
import type {ReplicaPlan} from './replica-plan.js'
import type {TableSetting} from './settings/setting.js'

import {CarryingError, SentinelError, unexpectedError} from '../errors.js'
import {type DesiredTable} from '../tables/desired.js'

/** Progress of one table, as the provisioning service tells it. */
export interface TableReporter {
  /** A new step for this table ("Creating table x"). */
  phase(message: string): void
  /** Progress within the step (a poll); a terminal may show each, a CI log only a heartbeat. */
  progress(message: string): void
  /** What is under way in AWS for this table right now (for an interrupt message); undefined: nothing. */
  inFlight(what: string | undefined): void
}

export const SILENT_REPORTER: TableReporter = {inFlight() {}, phase() {}, progress() {}}

export interface Inspection {
  readonly desired: DesiredTable
  readonly live: LiveTable | undefined
  readonly plan: TablePlan
  /** A global table's replicas: the named ones in order, then those not named (global-table.ts). */
  readonly replicas?: readonly ReplicaPlan[]
  /** The table could not be read (AccessDenied, retries spent...): nothing is planned or applied for it. */
  readonly error?: SentinelError
}

/** A table whose read failed: reported on its own, while the run goes on with the others. */
export function unreadInspection(desired: DesiredTable, error: SentinelError): Inspection {
  const plan: TablePlan = {
    actions: [], drift: [], endpointGaps: [], exists: false, notices: [], tableName: desired.tableName,
  }
  return {
    desired, error, live: undefined, plan,
  }
}

/** Plans a table from its live state; planTable unless a replica's settings are planned. */
export type Planner = (desired: DesiredTable, live: LiveTable | undefined) => TablePlan

export type ApplyOutcome = 'created' | 'unchanged' | 'updated'

export interface ProvisionOutcome {
  readonly outcome: ApplyOutcome
  readonly live: LiveTable
  /** What was done, in order, one line each. */
  readonly applied: readonly string[]
  readonly notices: readonly string[]
  /** What the endpoint does not implement (an emulator), so was skipped. */
  readonly endpointGaps: readonly EndpointGap[]
  /** A global table's named replicas, as apply left them. */
  readonly replicas?: readonly ReplicaOutcome[]
}

export interface ReplicaOutcome {
  readonly region: string
  readonly status: string
  readonly arn?: string
  readonly applied: readonly string[]
  readonly notices: readonly string[]
}

export interface ApplyOptions {
  /** Absolute deadline (ms since epoch) for every wait of the run. */
  deadline: number
  reporter?: TableReporter
  /** Default planTable; a replica's region plans only its own settings. */
  planner?: Planner
  /** A reporter for each replica of a global table. */
  replicaReporter?: (region: string) => TableReporter
  /**
   * The settings this apply reads and compares (default TABLE_SETTINGS). A replica's region:
   * PER_REGION_SETTINGS, so TTL (the global table's) is never read there, and the key, which the
   * replica's planner leaves out, needs no KMS call.
   */
  settings?: readonly TableSetting[]
}

/**
 * A failure after this run had changed the table: what it did stays with the error, so that the
 * report lists it instead of saying nothing changed. Code, message, exit code and suggestion are
 * the failure's own.
 */
export class AppliedThenFailed extends CarryingError {
  constructor(
    failure: SentinelError,
    readonly applied: readonly string[],
    /** The table as last read by this run, when it was. */
    readonly live?: LiveTable,
  ) {
    super(failure)
  }
}

/** The error with `before` (what was done first) added to what it already says was done; as it is when nothing was. */
export function withApplied(error: unknown, before: readonly string[], live?: LiveTable): unknown {
  if (error instanceof AppliedThenFailed) {
    return before.length === 0 && (error.live || !live)
      ? error
      : new AppliedThenFailed(error.failure, [...before, ...error.applied], error.live ?? live)
  }

  if (before.length === 0) return error
  return new AppliedThenFailed(error instanceof SentinelError ? error : unexpectedError(error), before, live)
}

/** Drift refuses a table; `applied` is what this run had already done to it (drift seen after a change). */
export function driftError(plan: TablePlan, applied: readonly string[] = []): SentinelError {
  const deleting = plan.drift.find(drift => drift.type === 'table-deleting')
  if (deleting) return new SentinelError('TABLE_DELETING', deleting.summary, {suggestion: deleting.remedy})
  const count = plan.drift.length
  const what = `${count} drift item${count === 1 ? '' : 's'}`
  const summaries = plan.drift.map(drift => drift.summary).join(' ')
  const message = `Table ${plan.tableName} has ${what} that sentinel cannot fix in place: ${summaries}`
  // What was done is reported with the table (its applied steps), not repeated here.
  const changed = applied.length === 0
    ? 'Nothing was changed on this table.'
    : 'This run had changed the table before the drift was seen; what it did is listed with the table.'
  return new SentinelError('DRIFT', message, {suggestion: `${changed} ${plan.drift[0].remedy}`})
}
