/**
 * The provisioning service for one table, on the model of the CDK's bootstrap: inspect() reads the
 * live state and plans; apply() carries the plan out in the order AWS requires, reads the table
 * again and re-plans, and returns an immutable outcome — converged, or an error. It talks to AWS
 * only through the DynamoDB port and reports progress through its own per-table reporter.
 *
 * The apply of one table is table-apply.ts; what it takes and gives, outcome.ts.
 *
 * Apply order: CreateTable (keys, indexes, billing, encryption, deletion protection, tags: what each
 * setting carries of the table's spec, tables/table-spec.ts, which the exports write too) → wait for
 * the table and every index → one index per UpdateTable → encryption → deletion protection → TTL →
 * PITR → tags: the settings' actions in the settings' order (settings/), each applied by its setting.
 * Nothing is ever deleted, disabled or replaced. A table another process is creating is joined; a
 * busy table is waited for and the call sent again. CreateTable and UpdateTable are never blindly
 * re-sent: after an unclear answer the table is read first.
 */
import type {KeyResolver} from '../aws/kms.js'

import {SentinelError} from '../errors.js'
import {type DesiredTable, kmsKeyId} from '../tables/desired.js'
import {type Clock, FaultPolicy, SYSTEM_CLOCK} from './fault-policy.js'
import {
  EndpointCapabilities,
  type LivePart,
  type LiveTable,
  readLiveTable,
  type ReadOptions,
  rereadLiveTable,
} from './live-table.js'
import {
  type ApplyOptions, driftError, type Inspection, type ProvisionOutcome, SILENT_REPORTER, withApplied,
} from './outcome.js'
import {planTable} from './plan.js'
import {encryption} from './settings/encryption.js'
import {partsToRead, TABLE_SETTINGS} from './settings/index.js'
import {TableApply} from './table-apply.js'
import {POLL_INTERVAL_MS} from './wait.js'

// What the service takes and gives, and how a table is created, as its callers have always imported them.
export {
  AppliedThenFailed, type ApplyOptions, type ApplyOutcome, driftError, type Inspection, type Planner,
  type ProvisionOutcome, type ReplicaOutcome, SILENT_REPORTER, type TableReporter, unreadInspection, withApplied,
} from './outcome.js'
export {createTableInput} from './table-apply.js'

/** Re-plans after applying; a table still needing work after this many rounds is being fought over. */
const MAX_ROUNDS = 4

/** The service's pauses; unit tests shorten them to run every path in milliseconds. */
export interface ProvisionerTiming {
  /** Between DescribeTable polls while waiting for ACTIVE. */
  pollMs: number
  /** Between reads while AWS does not show a table or tags just written. */
  rereadMs: number
  /** How long to keep reading tags just written before trusting the accepted write. */
  tagSettleMs: number
  /** How long to keep reading while AWS does not show in every read a table just created. */
  visibilityMs: number
  /** With no other creation of this run to wait for, before asking CreateTable again. */
  limitRetryMs: number
  /** Between DescribeTable polls while a replica is being created: at most one a second per replica. */
  replicaPollMs: number
}

export const DEFAULT_TIMING: ProvisionerTiming = {
  limitRetryMs: 2000,
  pollMs: POLL_INTERVAL_MS,
  replicaPollMs: 1000,
  rereadMs: 500,
  tagSettleMs: 10_000,
  visibilityMs: 10_000,
}

/**
 * DynamoDB refuses CreateTable with LimitExceededException while other tables with secondary
 * indexes are being created. The gate lets a refused create wait for this run's other creates
 * instead of failing, so init:all still ends with every table created.
 */
export class CreationGate {
  private readonly creating = new Set<Promise<unknown>>()

  /** Registers a creation AWS accepted, until `done` (its table ACTIVE) settles. */
  track(done: Promise<unknown>): void {
    const settled = done.catch(() => {})
    this.creating.add(settled)
    settled.then(() => this.creating.delete(settled))
  }

  /** Resolves when one of this run's other creations finishes, or after `fallback` if none runs. */
  async waitForOthers(fallback: () => Promise<unknown>): Promise<void> {
    await (this.creating.size > 0 ? Promise.race(this.creating) : fallback())
  }
}

export class Provisioner {
  readonly capabilities: EndpointCapabilities
  /** Shared by every table of one run (init:all). */
  readonly creationGate: CreationGate
  readonly timing: ProvisionerTiming
  /** The faults every call of this service rides out (fault-policy.ts), on this service's timing. */
  readonly faults: FaultPolicy
  /** KMS DescribeKey, for --kms-key; without it an alias cannot be compared nor a key's state known. */
  private readonly resolveKey?: KeyResolver
  /** One DescribeKey per key for the whole run (init:all names one key for four tables). */
  private readonly resolvedKeys = new Map<string, Promise<NonNullable<DesiredTable['resolvedKmsKey']>>>()

  constructor(
    capabilities: EndpointCapabilities,
    /** clock: the one the deadlines given to this service are on, with its pauses (a fake in unit tests). */
    options: {
      clock?: Clock; gate?: CreationGate; resolveKey?: KeyResolver; timing?: Partial<ProvisionerTiming>
    } = {},
  ) {
    this.capabilities = capabilities
    this.creationGate = options.gate ?? new CreationGate()
    this.resolveKey = options.resolveKey
    this.timing = {...DEFAULT_TIMING, ...options.timing}
    this.faults = new FaultPolicy(this.timing, options.clock ?? SYSTEM_CLOCK)
  }

  /**
   * Reads the live table and plans: DescribeTable, DescribeTimeToLive and (when PITR is wanted, or
   * `full`) DescribeContinuousBackups at once, then every page of ListTagsOfResource. A rerun on a
   * correct table makes these reads and no write.
   */
  async inspect(desired: DesiredTable, options: {full?: boolean} = {}): Promise<Inspection> {
    // Tags are always read, every page: a sentinel:table tag of another kind (or none) is as much
    // part of the plan as the indexes, and init:status and apply must agree on it.
    const live = await this.read(desired.tableName, partsToRead(desired, {full: options.full}))
    const compared = await this.withResolvedKey(desired, live)
    return {desired: compared, live, plan: planTable(compared, live)}
  }

  /**
   * --kms-key described by KMS (DescribeKey, once per key per run): an alias names a key only in KMS,
   * so the plan compares key ARNs; and a key's state (Disabled, PendingDeletion...) decides whether
   * a table on it, or about to be put on it, stays readable. Asked when the table is missing or
   * reports its encryption (an emulator that says nothing about SSE is not compared). A failure is
   * kept, not thrown: the plan then refuses to call the table converged.
   */
  async withResolvedKey(desired: DesiredTable, live: LiveTable | undefined): Promise<DesiredTable> {
    const {kmsKey} = desired
    if (!kmsKey || live?.encryption.kind === 'unreported') return desired
    const resolved = await this.resolveKeyArn(kmsKeyId(kmsKey))
    return resolved ? {...desired, resolvedKmsKey: resolved} : desired
  }

  /**
   * A key ID, alias or ARN as KMS (DescribeKey, in this provisioner's region, once per key per run)
   * describes it: its key ARN and state; a failure is kept, not thrown. Undefined with no KMS to ask.
   */
  async resolveKeyArn(keyId: string): Promise<DesiredTable['resolvedKmsKey']> {
    const {resolveKey} = this
    if (!resolveKey) return undefined
    let resolved = this.resolvedKeys.get(keyId)
    if (!resolved) {
      resolved = resolveKey(keyId).then(
        key => key,
        (error: Error) => ({
          error: error.message,
          ...(error instanceof SentinelError ? {code: error.code, suggestion: error.suggestion} : {}),
        }),
      )
      this.resolvedKeys.set(keyId, resolved)
    }

    return resolved
  }

  /**
   * Applies the plan, then re-reads and re-plans until converged; throws a SentinelError otherwise
   * (an AppliedThenFailed when this run had changed the table first).
   */
  async apply(inspection: Inspection, options: ApplyOptions): Promise<ProvisionOutcome> {
    const run = new TableApply(this, inspection.desired, options.deadline, options.reporter ?? SILENT_REPORTER)
    run.planner = options.planner ?? planTable
    run.settings = options.settings ?? TABLE_SETTINGS
    run.read = inspection.live
    try {
      return await this.converge(inspection, options, run)
    } catch (error) {
      throw withApplied(error, run.applied, run.lastSeen)
    }
  }

  private async converge(inspection: Inspection, options: ApplyOptions, run: TableApply): Promise<ProvisionOutcome> {
    const {planner} = run
    const {desired} = inspection
    let {plan} = inspection
    for (let round = 1; ; round++) {
      if (plan.drift.length > 0) throw driftError(plan, run.applied)
      for (const action of plan.actions) {
        await run.execute(action)
        // The rest of the plan was made before another process created the table: plan again.
        if (run.joined) {
          run.joined = false
          break
        }
      }

      run.reporter.inFlight(undefined)
      const live = await run.recheck()
      run.lastSeen = live
      run.read = live
      // A table created (or switched) on a key named by alias: its key ARN is compared, as in inspect().
      const compared = run.settings.includes(encryption) ? await this.withResolvedKey(desired, live) : desired
      plan = planner(compared, live)
      const remaining = plan.actions.filter(action => !run.skipped.has(action.type))
      if (plan.drift.length === 0 && remaining.length === 0) {
        const outcome = run.created ? 'created' : (run.applied.length > 0 ? 'updated' : 'unchanged')
        return Object.freeze({
          applied: Object.freeze([...run.applied]),
          endpointGaps: Object.freeze([...plan.endpointGaps]),
          live,
          notices: Object.freeze([...new Set([...plan.notices, ...run.notices])]),
          outcome,
        })
      }

      if (round >= MAX_ROUNDS) {
        const needs = remaining.map(action => action.summary).join('; ')
        throw new SentinelError('NOT_CONVERGED', `Table ${desired.tableName} still needs: ${needs}.`, {
          suggestion: 'Another process keeps changing it; rerun when it is done.',
        })
      }

      plan = {...plan, actions: remaining}
    }
  }

  /** readLiveTable, reading again while AWS does not show a table it has just created. */
  async read(
    tableName: string,
    what: ReadOptions,
    deadline = this.faults.clock.now() + this.timing.visibilityMs,
  ): Promise<LiveTable | undefined> {
    return this.untilVisible(() => readLiveTable(this.capabilities, tableName, what), deadline)
  }

  /** rereadLiveTable (only `parts` of `previous` read again), reading again while AWS does not show them yet. */
  async reread(previous: LiveTable, parts: ReadonlySet<LivePart>, deadline: number): Promise<LiveTable | undefined> {
    return this.untilVisible(() => rereadLiveTable(this.capabilities, previous, parts), deadline)
  }

  private async untilVisible(
    read: () => Promise<LiveTable | undefined>,
    deadline: number,
  ): Promise<LiveTable | undefined> {
    return this.faults.ride(read, {call: 'read', deadline})
  }
}
