/**
 * One table's apply (the provisioning service's, provisioner.ts): the plan's actions in order — the
 * table's own steps (create, join, wait) here, each setting's action by its setting (settings/),
 * through the steps ApplyStep gives it — then a read of what they can have changed. CreateTable and
 * UpdateTable are never blindly re-sent: after an unclear answer the table is read first; a busy
 * table is waited for and the change sent again only if it is still needed. Faults are ridden out by
 * the service's fault policy (fault-policy.ts).
 */
import type {CreateTableCommandInput, UpdateTableCommandInput} from '@aws-sdk/client-dynamodb'

import type {Clock} from './fault-policy.js'
import type {Planner, TableReporter} from './outcome.js'
import type {Provisioner} from './provisioner.js'
import type {OptionalOperation, TableSetting} from './settings/setting.js'

import {SentinelError} from '../errors.js'
import {type DesiredTable} from '../tables/desired.js'
import {type TableSpec, tableSpec} from '../tables/table-spec.js'
import {
  describeBusy,
  describeTable,
  isEmulatorArn,
  isTableActive,
  type LivePart,
  type LiveTable,
  NotVisibleYet,
  UNREAD,
  UNSUPPORTED,
} from './live-table.js'
import {type Action, planTable, sameAction} from './plan.js'
import {
  type ApplyStep, partsToRead, settingOf, TABLE_SETTINGS,
} from './settings/index.js'
import {waitForActive} from './wait.js'

/**
 * What an action can change, read again after it: a setting's part (UpdateTable's changes show in
 * DescribeTable; TTL, PITR and tags each in their own call); a creation (or the wait for one) all.
 */
function partsChangedBy(action: Action): readonly ('all' | LivePart)[] {
  const setting = settingOf(action.type)
  return setting ? [setting.part] : ['all']
}

/** One table's apply: the actions, in order, and what they did. */
export class TableApply {
  readonly applied: string[] = []
  readonly notices: string[] = []
  /** The table as this run last read it after applying. */
  lastSeen?: LiveTable
  /** The table as last read, before applying too (as inspected): what a read after a change starts from. */
  read?: LiveTable
  /** What this apply reads and compares (ApplyOptions.settings). */
  settings: readonly TableSetting[] = TABLE_SETTINGS
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

  /** The service's clock: the run's deadline, its pauses and the seconds it reports are on it. */
  private get clock(): Clock {
    return this.provisioner.faults.clock
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
      notice: text => this.notices.push(text),
      optional: (action, operation, send) => this.optional(action, operation, send),
      port: this.port,
      progress: message => this.reporter.progress(message),
      ride: (call, operation, onFault) =>
        this.provisioner.faults.ride(operation, {call, deadline: this.deadline, onFault}),
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
    const settleBy = Math.min(this.deadline, this.clock.now() + this.provisioner.timing.tagSettleMs)
    let before = this.read
    let parts = new Set(this.changed) as Set<LivePart>
    let whole = !before || this.changed.has('all') || parts.size === 0
    this.changed.clear()
    for (;;) {
      const reads = partsToRead(this.desired, {settings: this.settings})
      const what = {...reads, tags: reads.tags && wantTags}
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
      if (this.clock.now() >= settleBy || isEmulatorArn(live.arn)) {
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
    // Only UpdateTable's actions are asked about: DescribeTable alone tells them.
    const live = await this.provisioner.read(this.name, {pitr: false, tags: false, ttl: false})
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
          this.reporter.phase(`Table ${this.name} is busy; waiting to ${lowerFirst(action.summary)}`)
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

  /**
   * An operation the endpoint may lack (TTL, PITR, tags): skipped, and said once by the final plan,
   * when the endpoint lacks it. Right after CreateTable, "not found" means "not visible yet".
   * Returns whether the call was made.
   */
  private async optional(
    action: Action,
    operation: OptionalOperation,
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
    const started = this.clock.now()
    const table = await waitForActive(this.port, {
      deadline: this.deadline,
      indexName,
      intervalMs: this.provisioner.timing.pollMs,
      justCreated: this.justCreated,
      now: () => this.clock.now(),
      onPoll: polled => {
        if (isTableActive(polled, indexName)) return
        const seconds = Math.round((this.clock.now() - started) / 1000)
        this.reporter.progress(`Waiting for ${this.name}: ${describeBusy(polled, indexName)} (${seconds}s)`)
      },
      onThrottled: () => {
        this.reporter.progress(`DescribeTable on ${this.name} is throttled; waiting on, polling less often`)
      },
      sleep: ms => this.clock.sleep(ms),
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

/** "Encrypt with the AWS-managed KMS key" → "encrypt with the AWS-managed KMS key": names keep their case. */
function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1)
}
