/**
 * The provisioning service for one table, on the model of the CDK's bootstrap: inspect() reads the
 * live state and plans; apply() carries the plan out in the order AWS requires, reads the table
 * again and re-plans, and returns an immutable outcome — converged, or an error. It talks to AWS
 * only through the DynamoDB port and reports progress through its own per-table reporter.
 *
 * Apply order: CreateTable (keys, indexes, billing, encryption, deletion protection, tags: what each
 * setting carries of the table's spec, tables/table-spec.ts, which the exports write too) → wait for
 * the table and every index → one index per UpdateTable → encryption → deletion protection → TTL →
 * PITR → tags: the settings' actions in the settings' order (settings/), each applied by its setting.
 * Nothing is ever deleted, disabled or replaced. A table another process is creating is joined; a
 * busy table is waited for and the call sent again. CreateTable and UpdateTable are never blindly
 * re-sent: after an unclear answer the table is read first.
 */
import type {CreateTableCommandInput, UpdateTableCommandInput} from '@aws-sdk/client-dynamodb'

import type {KeyResolver} from '../aws/kms.js'
import type {ReplicaPlan} from './replica-plan.js'

import {CarryingError, SentinelError, unexpectedError} from '../errors.js'
import {type DesiredTable, kmsKeyId} from '../tables/desired.js'
import {type TableSpec, tableSpec} from '../tables/table-spec.js'
import {type Clock, FaultPolicy, SYSTEM_CLOCK} from './fault-policy.js'
import {
  describeBusy,
  describeTable,
  EndpointCapabilities,
  isEmulatorArn,
  isTableActive,
  type LivePart,
  type LiveTable,
  NotVisibleYet,
  readLiveTable,
  type ReadOptions,
  rereadLiveTable,
  UNREAD,
  UNSUPPORTED,
} from './live-table.js'
import {
  type Action, type EndpointGap, planTable, sameAction, type TablePlan,
} from './plan.js'
import {type ApplyStep, settingOf, TABLE_SETTINGS} from './settings/index.js'
import {POLL_INTERVAL_MS, waitForActive} from './wait.js'

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
  /** False when the planner leaves the key out (a replica's settings): no KMS call to compare it. */
  comparesKey?: boolean
  /** False in a replica's region: TTL is the global table's, never read there (ReadOptions.ttl). */
  readsTtl?: boolean
}

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
    const live = await this.read(desired.tableName, {pitr: desired.pitr || Boolean(options.full), tags: true})
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
    run.readsTtl = options.readsTtl ?? true
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
      const compared = options.comparesKey === false ? desired : await this.withResolvedKey(desired, live)
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
    deadline = Date.now() + this.timing.visibilityMs,
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

/**
 * What an action can change, read again after it: a setting's part (UpdateTable's changes show in
 * DescribeTable; TTL, PITR and tags each in their own call); a creation (or the wait for one) all.
 */
function partsChangedBy(action: Action): readonly ('all' | LivePart)[] {
  const setting = settingOf(action.type)
  return setting ? [setting.part] : ['all']
}

/** One table's apply: the actions, in order, and what they did. */
class TableApply {
  readonly applied: string[] = []
  readonly notices: string[] = []
  /** The table as this run last read it after applying. */
  lastSeen?: LiveTable
  /** The table as last read, before applying too (as inspected): what a read after a change starts from. */
  read?: LiveTable
  /** False in a replica's region (ApplyOptions.readsTtl). */
  readsTtl = true
  /**
   * What the actions since the last read can have changed, so the read after them reads only that;
   * 'all' after a table is created or joined (nothing read before counts).
   */
  private readonly changed = new Set<'all' | LivePart>()
  /** Actions the endpoint cannot do; not retried. */
  readonly skipped = new Set<Action['type']>()
  created = false
  /** Tags a TagResource or CreateTable wrote; ListTagsOfResource may not show them for a while. */
  private readonly writtenTags = new Map<string, string>()
  /** Another process created the table: the rest of the first plan is stale. */
  joined = false
  /** The table was just created: "not found" means "not visible yet". */
  private justCreated = false
  /** How the table is planned again after an unclear answer (a replica's region: its own settings). */
  planner: Planner = planTable
  /** Known once a wait has seen the table; saves a DescribeTable before TagResource. */
  private arn?: string

  constructor(
    private readonly provisioner: Provisioner,
    private readonly desired: DesiredTable,
    private readonly deadline: number,
    readonly reporter: TableReporter,
  ) {}

  private get name(): string {
    return this.desired.tableName
  }

  /** What CreateTable and an encryption UpdateTable send, as the exports write it. */
  private get description(): TableSpec {
    return tableSpec(this.desired)
  }

  private get port() {
    return this.provisioner.capabilities.port
  }

  /** The table's own steps (create, wait) here; a setting's action by its setting (settings/). */
  async execute(action: Action): Promise<void> {
    for (const part of partsChangedBy(action)) this.changed.add(part)
    if (action.type === 'create-table') {
      await this.createTable()
    } else if (action.type === 'wait-for-table') {
      this.justCreated = true
      await this.waitActive()
    } else {
      const setting = settingOf(action.type)
      if (!setting?.apply) throw new Error(`No setting applies ${action.type}.`)
      await setting.apply(action, this.step)
    }
  }

  /** What a setting's apply may do to this table. */
  private get step(): ApplyStep {
    return {
      desired: this.desired,
      enablePitr: action => this.enablePitr(action),
      notice: text => this.notices.push(text),
      optional: (action, operation, send) => this.optional(action, operation, send),
      port: this.port,
      spec: this.description,
      tableArn: () => this.tableArn(),
      updateTable: (action, input) => this.updateTable(action, input),
      wroteTags: tags => {
        for (const [key, value] of tags) this.writtenTags.set(key, value)
      },
    }
  }

  /**
   * Reads the table after applying: only what the actions applied can have changed (every part after
   * a creation, or with nothing read before). Tags this run wrote that ListTagsOfResource does not
   * show yet (it is eventually consistent) are read again for a while, never written again; after
   * that the accepted write is trusted.
   */
  async recheck(): Promise<LiveTable> {
    const wantTags = this.desired.tags.size > 0 || this.applied.length > 0
    const settleBy = Math.min(this.deadline, Date.now() + this.provisioner.timing.tagSettleMs)
    let before = this.read
    let parts = new Set(this.changed) as Set<LivePart>
    let whole = !before || this.changed.has('all') || parts.size === 0
    this.changed.clear()
    for (;;) {
      const what = {pitr: this.desired.pitr, tags: wantTags, ttl: this.readsTtl}
      const live = whole || !before
        ? await this.provisioner.read(this.name, what, this.deadline)
        : await this.provisioner.reread(before, parts, this.deadline)
      if (!live) {
        throw new SentinelError('AWS_ERROR', `Table ${this.name} is gone after apply.`, {
          suggestion: 'Someone deleted it; rerun to create it again.',
        })
      }

      const liveTags = live.tags
      if (liveTags === UNREAD || liveTags === UNSUPPORTED) return live
      const unseen = [...this.writtenTags].filter(([key, value]) => liveTags.get(key) !== value).map(([key]) => key)
      if (unseen.length === 0) return live
      // An emulator is consistent at once: one that does not list a tag never will (dynalite
      // drops CreateTable's tags), so there is nothing to wait for.
      if (Date.now() >= settleBy || isEmulatorArn(live.arn)) {
        const who = isEmulatorArn(live.arn) ? 'The endpoint' : 'AWS'
        this.notices.push(`${who} does not list tag ${unseen.join(', ')} yet; ` +
          'the write was accepted, so it was not sent again.')
        return {...live, tags: new Map([...liveTags, ...this.writtenTags])}
      }

      this.reporter.progress(`Waiting for the new tags on ${this.name} to show`)
      await this.provisioner.faults.reread()
      // Only the tags are still to show: only they are read again.
      before = live
      parts = new Set(['tags'])
      whole = false
    }
  }

  private async createTable(): Promise<void> {
    // Said before the call goes out, so an interrupt at any moment from here on warns.
    this.reporter.inFlight(`CreateTable is being sent: AWS may be creating table ${this.name}`)
    this.reporter.phase(`Creating table ${this.name}`)
    const input = createTableInput(this.description)
    await this.sendCreate(input)
    const active = this.waitActive()
    // A creation with indexes in flight is what AWS's limit counts; refused creates wait for it.
    if (input.GlobalSecondaryIndexes?.length) this.provisioner.creationGate.track(active)
    await active
  }

  private async sendCreate(input: CreateTableCommandInput): Promise<void> {
    let landed: 'sent' | 'unclear'
    try {
      // Refused by the limit, nothing was created: wait for the other creations with indexes, then ask again.
      landed = await this.provisioner.faults.ride(() => this.sendUntilLanded(
        () => this.port.createTable(input),
        async () => Boolean(await describeTable(this.port, this.name)),
      ), {
        call: 'create',
        deadline: this.deadline,
        onFault: () => {
          this.reporter.phase(`Waiting to create ${this.name}: AWS creates one table with indexes at a time`)
        },
        otherCreations: this.provisioner.creationGate,
      })
    } catch (error) {
      // Another process created it between our read and our call: join it rather than fight.
      if (!(error instanceof SentinelError && error.awsName === 'ResourceInUseException')) throw error
      this.justCreated = true
      this.joined = true
      this.reporter.inFlight(`another process is creating table ${this.name}`)
      this.notices.push(`Table ${this.name} was being created by another process; joined it.`)
      return
    }

    if (landed === 'unclear') {
      this.notices.push(`CreateTable for ${this.name} got no clear answer, ` +
        'but the table exists; continued with it.')
    }

    this.created = true
    this.justCreated = true
    this.applied.push(`Created table ${this.name}`)
    for (const tag of input.Tags ?? []) this.writtenTags.set(tag.Key ?? '', tag.Value ?? '')
  }

  /** See sendUntilLanded(): sent until one lands, checked before any resend. */
  private async sendUntilLanded(
    send: () => Promise<unknown>,
    landed: () => Promise<boolean>,
  ): Promise<'sent' | 'unclear'> {
    return this.provisioner.faults.sendUntilLanded(send, landed, this.deadline)
  }

  private async updateTable(action: Action, input: Omit<UpdateTableCommandInput, 'TableName'>): Promise<void> {
    const indexName = action.type === 'add-index' ? action.index.name : undefined
    this.reporter.inFlight(`UpdateTable is being sent: AWS may be applying "${action.summary}" to ${this.name}`)
    this.reporter.phase(`${this.name}: ${action.summary}`)
    const sent = await this.sendUpdateTable(action, {...input, TableName: this.name}, indexName)
    if (sent) this.applied.push(action.summary)
    await this.waitActive(indexName)
  }

  /** After an unclear answer: does the table still need this action, or did the call land? */
  private async stillNeeded(action: Action): Promise<boolean> {
    const live = await this.provisioner.read(this.name, {pitr: false, tags: false, ttl: this.readsTtl})
    return this.planner({...this.desired, pitr: false}, live)
    .actions.some(candidate => sameAction(candidate, action))
  }

  /**
   * After a refused index: did another process add it meanwhile? The refusal is the error to report:
   * if the read that checks fails, the refusal is rethrown, not the read's error.
   */
  private async addedMeanwhile(action: Action, refusal: SentinelError): Promise<boolean> {
    try {
      return !(await this.stillNeeded(action))
    } catch {
      throw refusal
    }
  }

  /**
   * ResourceInUseException means another change is under way: wait for it, read the table again
   * and send only if the change is still needed (the other change may have been this one).
   * Returns false when nothing was sent because another process made the change.
   */
  private async sendUpdateTable(
    action: Action,
    input: UpdateTableCommandInput,
    indexName: string | undefined,
  ): Promise<boolean> {
    try {
      return await this.provisioner.faults.ride(async () => {
        await this.sendUntilLanded(() => this.port.updateTable(input), async () => !(await this.stillNeeded(action)))
        return true
      }, {
        // Re-plan from a fresh read: a no-op UpdateTable is an error in DynamoDB.
        beforeRetry: async () => {
          if (await this.stillNeeded(action)) return undefined
          this.notices.push(`"${action.summary}" was done by another process meanwhile; not sent again.`)
          return {done: false}
        },
        call: 'update',
        deadline: this.deadline,
        // DescribeTable may already say ACTIVE while AWS still refuses: the policy's pause follows.
        onFault: async () => {
          this.reporter.phase(`Table ${this.name} is busy; waiting to ${action.summary.toLowerCase()}`)
          await this.waitActive()
        },
      })
    } catch (error) {
      // Refused, and the table no longer needs the index: someone else added it; join.
      if (indexName && error instanceof SentinelError && error.awsName === 'ValidationException' &&
        await this.addedMeanwhile(action, error)) {
        this.notices.push(`Index ${indexName} was being added by another process; joined it.`)
        return false
      }

      throw error
    }
  }

  private async enablePitr(action: Action): Promise<void> {
    // Right after creation AWS may answer ContinuousBackupsUnavailableException for a while: asked
    // again at the policy's pace (backups-unavailable).
    await this.provisioner.faults.ride(() => this.optional(action, 'UpdateContinuousBackups', () =>
      this.port.updateContinuousBackups({
        PointInTimeRecoverySpecification: {PointInTimeRecoveryEnabled: true},
        TableName: this.name,
      })), {
      call: 'backups',
      deadline: this.deadline,
      onFault: () => this.reporter.progress(`Waiting for backups on ${this.name} to become available`),
    })
  }

  /**
   * An operation the endpoint may lack (TTL, PITR, tags): skipped, and said once by the final plan,
   * when the endpoint lacks it. Right after CreateTable, "not found" means "not visible yet".
   * Returns whether the call was made.
   */
  private async optional(
    action: Action,
    operation: 'TagResource' | 'UpdateContinuousBackups' | 'UpdateTimeToLive',
    send: () => Promise<unknown>,
  ): Promise<boolean> {
    const {capabilities} = this.provisioner
    if (capabilities.lacking.has(operation)) {
      this.skipped.add(action.type)
      return false
    }

    // Announced once it is done: an emulator that lacks it must not seem to be doing it.
    return this.provisioner.faults.ride(async () => {
      const result = await capabilities.optional(operation, async () => {
        await send()
        return true
      }, () => this.tableArn())
      if (result === UNSUPPORTED) {
        this.skipped.add(action.type)
        return false
      }

      if (result === undefined) throw new NotVisibleYet(this.name)
      this.reporter.phase(`${this.name}: ${action.summary}`)
      this.applied.push(action.summary)
      return true
    }, {call: 'setting', deadline: this.deadline, rides: () => this.justCreated})
  }

  private async tableArn(): Promise<string> {
    // As read before applying (inspected, or last rechecked), else asked.
    this.arn ??= this.read?.arn ?? (await describeTable(this.port, this.name))?.TableArn
    if (!this.arn) throw new SentinelError('AWS_ERROR', `Table ${this.name} has no ARN.`, {suggestion: 'Rerun.'})
    return this.arn
  }

  private async waitActive(indexName?: string): Promise<void> {
    this.reporter.inFlight(`table ${this.name} is still becoming ACTIVE in AWS`)
    const started = Date.now()
    const table = await waitForActive(this.port, {
      deadline: this.deadline,
      indexName,
      intervalMs: this.provisioner.timing.pollMs,
      justCreated: this.justCreated,
      onPoll: polled => {
        if (isTableActive(polled, indexName)) return
        const seconds = Math.round((Date.now() - started) / 1000)
        this.reporter.progress(`Waiting for ${this.name}: ${describeBusy(polled, indexName)} (${seconds}s)`)
      },
      onThrottled: () => {
        this.reporter.progress(`DescribeTable on ${this.name} is throttled; waiting on, polling less often`)
      },
      tableName: this.name,
    })
    this.arn = table.TableArn
  }
}

/**
 * The CreateTable input for a table, from its description: the table's name and what each setting
 * carries (settings/). TTL and PITR are not CreateTable parameters: they follow as their own calls.
 * No StreamSpecification: AWS turns a global table's stream on with the first replica
 * (global-table.ts), and CreateTable sends no replica.
 */
export function createTableInput(description: TableSpec): CreateTableCommandInput {
  const input: CreateTableCommandInput = {AttributeDefinitions: [], KeySchema: [], TableName: description.tableName}
  for (const setting of TABLE_SETTINGS) Object.assign(input, setting.createTable?.(description))
  return input
}
