/**
 * Apply a plan: CreateTable (keys, indexes, billing, encryption, deletion protection, tags) →
 * wait for the table and every index to be ACTIVE → one index per UpdateTable → TTL → PITR →
 * tags. Never deletes, disables or replaces anything. A table some other process is creating is
 * joined; a busy table is waited for and the call retried. After the actions, the table is read
 * again and planned again, so a run ends converged or with an error, never half-way and quiet.
 */
import {describeBusy, type DynamoGateway, readLiveTable, waitForActive} from './gateway.js'
import {SentinelError} from './errors.js'
import {type Action, type DesiredTable, desiredTags, type LiveTable, planTable, type TablePlan, UNSUPPORTED} from './plan.js'
import {keyAttributes} from './tables.js'
import type {KmsKeyRef} from './validate.js'

export type ApplyOutcome = 'created' | 'unchanged' | 'updated'

export interface ApplyProgress {
  /** A short line for the spinner. */
  status(message: string): void
  /** What is under way in AWS right now, for an interrupt message; undefined when nothing is. */
  inFlight(what: string | undefined): void
}

export interface ApplyResult {
  outcome: ApplyOutcome
  live: LiveTable
  /** What was done, in order, one line each. */
  applied: string[]
  notices: string[]
}

export interface ApplyOptions {
  deadline: number
  progress?: ApplyProgress
}

const MAX_ROUNDS = 4

export function driftError(plan: TablePlan): SentinelError {
  const deleting = plan.drift.find((drift) => drift.type === 'table-deleting')
  if (deleting) return new SentinelError('TABLE_DELETING', deleting.summary, {suggestion: deleting.remedy})
  const count = plan.drift.length
  return new SentinelError('DRIFT', `Table ${plan.tableName} has ${count} drift item${count === 1 ? '' : 's'} that sentinel cannot fix in place: ${plan.drift.map((drift) => drift.summary).join(' ')}`, {
    suggestion: `Nothing was changed on this table. ${plan.drift[0].remedy}`,
  })
}

export async function applyPlan(gateway: DynamoGateway, desired: DesiredTable, firstPlan: TablePlan, options: ApplyOptions): Promise<ApplyResult> {
  const progress: ApplyProgress = options.progress ?? {inFlight() {}, status() {}}
  const run = new TableApply(gateway, desired, options, progress)
  let plan = firstPlan
  for (let round = 0; ; round++) {
    if (plan.drift.length > 0) throw driftError(plan)
    for (const action of plan.actions) await run.execute(action)
    progress.inFlight(undefined)
    const live = await readLiveTable(gateway, desired.tableName, {pitr: desired.pitr, tags: Object.keys(desired.tags).length > 0 || run.applied.length > 0})
    if (!live) throw new SentinelError('AWS_ERROR', `Table ${desired.tableName} is gone after apply.`, {suggestion: 'Someone deleted it; rerun to create it again.'})
    plan = planTable(desired, live)
    const remaining = plan.actions.filter((action) => !run.skipped.has(action.type))
    if (plan.drift.length === 0 && remaining.length === 0) {
      return {applied: run.applied, live, notices: [...new Set([...run.notices, ...plan.notices])], outcome: run.created ? 'created' : run.applied.length > 0 ? 'updated' : 'unchanged'}
    }

    if (round + 1 >= MAX_ROUNDS) {
      throw new SentinelError('NOT_CONVERGED', `Table ${desired.tableName} still needs: ${remaining.map((action) => action.summary).join('; ')}.`, {
        suggestion: 'Another process keeps changing it; rerun when it is done.',
      })
    }

    plan = {...plan, actions: remaining}
  }
}

class TableApply {
  readonly applied: string[] = []
  readonly notices: string[] = []
  /** Actions the endpoint cannot do; not retried. */
  readonly skipped = new Set<Action['type']>()
  created = false
  /** Known once a wait has seen the table; saves a DescribeTable before TagResource. */
  private arn?: string

  constructor(
    private readonly gateway: DynamoGateway,
    private readonly desired: DesiredTable,
    private readonly options: ApplyOptions,
    private readonly progress: ApplyProgress,
  ) {}

  private get name(): string {
    return this.desired.tableName
  }

  async execute(action: Action): Promise<void> {
    switch (action.type) {
      case 'wait-for-table': {
        await this.waitActive()
        return
      }

      case 'create-table': {
        await this.createTable()
        return
      }

      case 'add-index': {
        const {index} = action
        await this.updateTable(action, {
          AttributeDefinitions: [index.partitionKey, index.sortKey].map((name) => ({AttributeName: name, AttributeType: 'S'})),
          GlobalSecondaryIndexUpdates: [
            {Create: {IndexName: index.name, KeySchema: [{AttributeName: index.partitionKey, KeyType: 'HASH'}, {AttributeName: index.sortKey, KeyType: 'RANGE'}], Projection: {ProjectionType: 'ALL'}}},
          ],
        })
        return
      }

      case 'set-encryption': {
        await this.updateTable(action, {SSESpecification: sseSpecification(this.desired.kmsKey)})
        return
      }

      case 'enable-deletion-protection': {
        await this.updateTable(action, {DeletionProtectionEnabled: true})
        return
      }

      case 'enable-ttl': {
        await this.optional(action, 'UpdateTimeToLive', {TableName: this.name, TimeToLiveSpecification: {AttributeName: this.desired.definition.ttlAttribute, Enabled: true}}, /already enabled/i)
        return
      }

      case 'enable-pitr': {
        await this.enablePitr(action)
        return
      }

      case 'add-tags': {
        const arn = await this.tableArn()
        await this.optional(action, 'TagResource', {ResourceArn: arn, Tags: Object.entries(action.tags).map(([Key, Value]) => ({Key, Value}))}, undefined, arn)
      }
    }
  }

  private async createTable(): Promise<void> {
    // Said before the call goes out, so an interrupt at any moment from here on warns.
    this.progress.inFlight(`CreateTable is being sent: AWS may be creating table ${this.name}`)
    this.progress.status(`Creating table ${this.name}`)
    try {
      const landed = await this.sendOnce('CreateTable', this.createTableInput(), async () => Boolean(await this.gateway.describeTable(this.name)))
      if (landed === 'unclear') this.notices.push(`CreateTable for ${this.name} got no clear answer, but the table exists; continued with it.`)
      this.created = true
      this.applied.push(`Created table ${this.name}`)
    } catch (error) {
      // Another process created it between our read and our call: join it rather than fight.
      if (!(error instanceof SentinelError && error.awsName === 'ResourceInUseException')) throw error
      this.progress.inFlight(`another process is creating table ${this.name}`)
      this.notices.push(`Table ${this.name} was being created by another process; joined it.`)
    }

    await this.waitActive()
  }

  /**
   * CreateTable and UpdateTable are never blindly re-sent: a repeated create or no-op update is an
   * error in DynamoDB. Each attempt goes out once (no SDK retries); after a throttle, a 5xx or a
   * lost answer, `landed` reads the table first, and a call that did land is not sent again.
   */
  private async sendOnce(operation: 'CreateTable' | 'UpdateTable', input: object, landed: () => Promise<boolean>): Promise<'sent' | 'unclear'> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.gateway.call(operation, this.name, input, {singleAttempt: true})
        return 'sent'
      } catch (error) {
        if (!isTransient(error) || attempt >= 4 || Date.now() >= this.options.deadline) throw error
        await delay(250 * 2 ** attempt)
        if (await landed()) return 'unclear'
      }
    }
  }

  private createTableInput(): object {
    const {definition} = this.desired
    return {
      AttributeDefinitions: keyAttributes(definition).map((name) => ({AttributeName: name, AttributeType: 'S'})),
      BillingMode: 'PAY_PER_REQUEST',
      DeletionProtectionEnabled: this.desired.deletionProtection,
      GlobalSecondaryIndexes: definition.indexes.map((gsi) => ({
        IndexName: gsi.name,
        KeySchema: [{AttributeName: gsi.partitionKey, KeyType: 'HASH'}, {AttributeName: gsi.sortKey, KeyType: 'RANGE'}],
        Projection: {ProjectionType: 'ALL'},
      })),
      KeySchema: [{AttributeName: definition.partitionKey, KeyType: 'HASH'}],
      SSESpecification: sseSpecification(this.desired.kmsKey),
      TableName: this.name,
      Tags: Object.entries(desiredTags(this.desired)).map(([Key, Value]) => ({Key, Value})),
    }
  }

  private async updateTable(action: Action, input: Record<string, unknown>): Promise<void> {
    const indexName = action.type === 'add-index' ? action.index.name : undefined
    this.progress.inFlight(`UpdateTable is being sent: AWS may be applying "${action.summary}" to ${this.name}`)
    this.progress.status(`${action.summary} on ${this.name}`)
    await this.sendUpdateTable(action, {...input, TableName: this.name}, indexName)
    this.applied.push(action.summary)
    await this.waitActive(indexName)
  }

  /** After an unclear answer: does the table still need this action, or did the call land? */
  private async stillNeeded(action: Action): Promise<boolean> {
    const live = await readLiveTable(this.gateway, this.name, {pitr: false, tags: false})
    return planTable({...this.desired, pitr: false}, live).actions.some((candidate) => candidate.summary === action.summary)
  }

  /** ResourceInUseException means another change is under way: wait for it, then send again. */
  private async sendUpdateTable(action: Action, input: object, indexName: string | undefined): Promise<void> {
    for (;;) {
      try {
        await this.sendOnce('UpdateTable', input, async () => !(await this.stillNeeded(action)))
        return
      } catch (error) {
        if (!(error instanceof SentinelError)) throw error
        // The index we are adding already exists: someone else added it; join.
        if (indexName && error.awsName === 'ValidationException' && /already exists/i.test(error.message)) {
          this.notices.push(`Index ${indexName} was being added by another process; joined it.`)
          return
        }

        if (error.awsName !== 'ResourceInUseException' && error.awsName !== 'LimitExceededException') throw error
        if (Date.now() >= this.options.deadline) throw error
        this.progress.status(`Table ${this.name} is busy; waiting to ${action.summary.toLowerCase()}`)
        await this.waitActive()
        if (error.awsName === 'LimitExceededException') await delay(1000)
      }
    }
  }

  private async enablePitr(action: Action): Promise<void> {
    // Right after creation AWS may answer ContinuousBackupsUnavailableException for a while.
    for (;;) {
      try {
        await this.optional(action, 'UpdateContinuousBackups', {PointInTimeRecoverySpecification: {PointInTimeRecoveryEnabled: true}, TableName: this.name})
        return
      } catch (error) {
        if (!(error instanceof SentinelError && error.awsName === 'ContinuousBackupsUnavailableException') || Date.now() >= this.options.deadline) throw error
        this.progress.status(`Waiting for backups on ${this.name} to become available`)
        await delay(1000)
      }
    }
  }

  private async optional(action: Action, operation: 'TagResource' | 'UpdateContinuousBackups' | 'UpdateTimeToLive', input: object, alreadyDone?: RegExp, resource = this.name): Promise<void> {
    this.progress.status(`${action.summary} on ${this.name}`)
    try {
      const result = await this.gateway.callOptional(operation, resource, input)
      // The final plan's notices say once that the endpoint lacks it.
      if (result === UNSUPPORTED) {
        this.skipped.add(action.type)
        return
      }

      this.applied.push(action.summary)
    } catch (error) {
      if (!(alreadyDone && error instanceof SentinelError && alreadyDone.test(error.message))) throw error
    }
  }

  private async tableArn(): Promise<string> {
    this.arn ??= (await this.gateway.describeTable(this.name))?.TableArn
    if (!this.arn) throw new SentinelError('AWS_ERROR', `Table ${this.name} has no ARN.`, {suggestion: 'Rerun.'})
    return this.arn
  }

  private async waitActive(indexName?: string): Promise<void> {
    this.progress.inFlight(`table ${this.name} is still becoming ACTIVE in AWS`)
    const started = Date.now()
    const table = await waitForActive(this.gateway, {
      deadline: this.options.deadline,
      indexName,
      onPoll: (polled) => this.progress.status(`Waiting for ${this.name}: ${describeBusy(polled)} (${Math.round((Date.now() - started) / 1000)}s)`),
      tableName: this.name,
    })
    this.arn = table.TableArn
  }
}

/** Throttling, a server error or a lost connection: the call may or may not have landed. */
function isTransient(error: unknown): boolean {
  return error instanceof SentinelError && (['ENDPOINT_UNREACHABLE', 'THROTTLED'].includes(error.code) || /\(HTTP 5\d\d\)/.test(error.message))
}

function sseSpecification(kmsKey: KmsKeyRef | undefined): Record<string, unknown> {
  if (!kmsKey) return {Enabled: true, SSEType: 'KMS'}
  const id = kmsKey.kind === 'key-id' ? kmsKey.id : kmsKey.kind === 'alias' ? kmsKey.name : kmsKey.arn
  return {Enabled: true, KMSMasterKeyId: id, SSEType: 'KMS'}
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => {
    setTimeout(resolve, ms)
  })
}
