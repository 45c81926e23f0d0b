/**
 * A table and its replicas (a global table, version 2019.11.21), on top of the one-region
 * provisioning service. inspect() reads the table in its own region and each named replica in the
 * replica's region, in parallel. apply() does what AWS documents, in its order: the table converges
 * in its own region first; then, one replica after another, UpdateTable ReplicaUpdates Create (one
 * replica action per call, only while the table, its indexes and every replica are ACTIVE), a wait
 * for the replica with progress, and the settings AWS does not copy (deletion protection, PITR,
 * tags) through a client for the replica's region. A replica being created is joined. A replica is
 * never removed: no ReplicaUpdates Delete is ever sent.
 */
import type {TableDescription} from '@aws-sdk/client-dynamodb'

import type {DesiredReplica} from '../tables/replicas.js'

import {SentinelError} from '../errors.js'
import {type DesiredTable, kmsKeyId} from '../tables/desired.js'
import {tableSpec} from '../tables/table-spec.js'
import {isKmsKeyArn} from '../tables/validate.js'
import {
  describeTable, isTableActive, type LiveReplica, type LiveTable, NotVisibleYet,
} from './live-table.js'
import {planTable, type TablePlan} from './plan.js'
import {
  AppliedThenFailed,
  type ApplyOptions,
  driftError,
  type Inspection,
  type Provisioner,
  type ProvisionOutcome,
  type ReplicaOutcome,
  SILENT_REPORTER,
  type TableReporter,
  withApplied,
} from './provisioner.js'
import {
  planReplica, planReplicaSettings, REPLICA_BUSY, REPLICA_NEEDS_A_HUMAN, replicaDesired,
  type ReplicaReads, unnamedReplica,
} from './replica-plan.js'
import {replicaCreate} from './settings/index.js'

/** The provisioning service for the region of each replica (a client signed for that region). */
export type RegionalProvisioners = (region: string) => Promise<Provisioner>

/** True when apply has something to do for the table or a named replica, and nothing is drifted. */
export function hasPendingWork(inspection: Inspection): boolean {
  if (inspection.error) return false
  const all = combinedPlan(inspection)
  // What a replica not named lacks is not apply's to set: it is reported with the command that names it.
  const replicaActions = (inspection.replicas ?? []).some(replica => replica.named && replica.actions.length > 0)
  return all.drift.length === 0 && (all.actions.length > 0 || replicaActions)
}

/**
 * The table's plan with every replica's drift added, each summary naming its region. A replica not
 * named counts too: it holds the same data, and a wait on the table fails on its state anyway.
 */
export function combinedPlan(inspection: Inspection): TablePlan {
  const replicaDrift = (inspection.replicas ?? []).flatMap(replica =>
    replica.drift.map(drift => ({
      ...drift,
      summary: drift.scope?.kind === 'replica' ? drift.summary : `Replica in ${replica.region}: ${drift.summary}`,
    })))
  return {...inspection.plan, drift: [...inspection.plan.drift, ...replicaDrift]}
}

export class GlobalTables {
  constructor(
    readonly home: Provisioner,
    private readonly regional: RegionalProvisioners,
  ) {}

  /** The table in its region, then every replica in its own region (in parallel), named or not. */
  async inspect(desired: DesiredTable, options: {full?: boolean} = {}): Promise<Inspection> {
    const inspected = await this.home.inspect(desired, options)
    const inspection = {...inspected, plan: homePlan(inspected.plan, inspected.live)}
    const named = desired.replicas ?? []
    const listed = inspection.live?.replicas ?? []
    if (named.length === 0 && listed.length === 0) return inspection
    const replicas = await Promise.all(named.map(async replica => {
      const entry = listed.find(candidate => candidate.region === replica.region)
      const reads = await this.readReplica(desired, replica, entry, {...options, table: inspection.live})
      // The regional read goes with the plan: apply sets the replica's settings from it (ReplicaApply).
      return {...planReplica(desired, replica, reads), live: reads.regional}
    }))
    // Every replica holds all of Sentinel's data: one no --replica-region names is checked as closely.
    const unnamed = await Promise.all(listed
    .filter(entry => !named.some(replica => replica.region === entry.region))
    .map(async entry => {
      const reads = await this.readReplica(desired, {region: entry.region}, entry, {...options, table: inspection.live})
      .catch((error: unknown) => {
        const key = desired.kmsKey && entry.kmsKeyArn ? ` --replica-kms-key ${entry.region}=${entry.kmsKeyArn}` : ''
        throw unnamedReadError(error, entry.region, `--replica-region ${entry.region}${key}`)
      })
      return unnamedReplica(desired, entry, reads)
    }))
    return {...inspection, replicas: [...replicas, ...unnamed]}
  }

  /** What a replica's plan needs: its region's read when it can be read there, its key resolved. */
  private async readReplica(
    desired: DesiredTable,
    replica: DesiredReplica,
    entry: LiveReplica | undefined,
    {full, table}: {full?: boolean; table: LiveTable | undefined},
  ): Promise<ReplicaReads> {
    // A replica in a state that needs a human is reported from the table's answer alone.
    const readable = entry && (entry.status === 'ACTIVE' || REPLICA_BUSY.has(entry.status))
    if (!readable) return {table}
    const provisioner = await this.regional(replica.region)
    // TTL is the global table's, one setting for every replica: read at home, never here.
    const what = {pitr: desired.pitr || Boolean(full), tags: true, ttl: false}
    const regional = await provisioner.read(desired.tableName, what)
    const {kmsKey} = replica
    // The replica's key as its region reports it (a key ARN), else as the table lists it: Replicas[]
    // KMSMasterKeyId may be the alias or key ID given when it was added.
    const given = regional?.encryption.kmsKeyArn ?? entry.kmsKeyArn
    // A customer key (named, or for a replica nobody named the table's kind of key) is described for
    // its state: DynamoDB can use only an Enabled key. The AWS-managed key is never asked about.
    if (!(kmsKey ?? desired.kmsKey) || !given) return {regional, table}
    return {...await replicaKey(provisioner, kmsKey, given), regional, table}
  }

  /** The table first, then each named replica one after another; throws a SentinelError on failure. */
  async apply(inspection: Inspection, options: ApplyOptions): Promise<ProvisionOutcome> {
    const all = combinedPlan(inspection)
    if (all.drift.length > 0) throw driftError(all)
    const named = inspection.desired.replicas ?? []
    const homeOutcome = inspection.plan.actions.length > 0 || !inspection.live
      ? await this.home.apply(inspection, {...options, planner: homePlanner})
      : unchanged(inspection)
    if (named.length === 0) return homeOutcome
    // Replicas are added one after another; each one's own settings go on in its region meanwhile.
    const settings: Promise<{error?: unknown; outcome?: ReplicaOutcome}>[] = []
    const runs: ReplicaApply[] = []
    // A failure says what this run did first: the table's changes, then each replica's.
    const failure = (error: unknown) =>
      withApplied(error, [...homeOutcome.applied, ...runs.flatMap(run => run.applied)], homeOutcome.live)
    for (const replica of named) {
      const reporter = options.replicaReporter?.(replica.region) ?? SILENT_REPORTER
      const inspected = inspection.replicas?.find(plan => plan.named && plan.region === replica.region)?.live
      const run = new ReplicaApply(this, inspection.desired, replica, {...options, inspected, reporter})
      runs.push(run)
      try {
        await run.ensureActive()
      } catch (error) {
        await Promise.all(settings)
        throw failure(error)
      }

      settings.push(run.settings().then(outcome => ({outcome}), (error: unknown) => ({error})))
    }

    const settled = await Promise.all(settings)
    const failed = settled.find(result => result.error !== undefined)
    if (failed) throw failure(failed.error)
    const replicas = settled.map(result => result.outcome!)
    const changed = replicas.some(replica => replica.applied.length > 0)
    return Object.freeze({
      ...homeOutcome,
      outcome: homeOutcome.outcome === 'unchanged' && changed ? 'updated' : homeOutcome.outcome,
      replicas: Object.freeze(replicas),
    })
  }

  async regionalProvisioner(region: string): Promise<Provisioner> {
    return this.regional(region)
  }
}

/**
 * The table's plan, without waiting for the table while it is UPDATING only because a replica is
 * being created: that wait is the replica's (one DescribeTable a second), not the table's.
 */
function homePlan(plan: TablePlan, live: LiveTable | undefined): TablePlan {
  const replicaBusy = (live?.replicas ?? []).some(replica => REPLICA_BUSY.has(replica.status))
  const indexesActive = (live?.indexes ?? []).every(gsi => gsi.status === 'ACTIVE')
  if (!replicaBusy || !indexesActive || live?.status !== 'UPDATING') return plan
  return {...plan, actions: plan.actions.filter(action => action.type !== 'wait-for-table')}
}

function homePlanner(desired: DesiredTable, live: LiveTable | undefined): TablePlan {
  return homePlan(planTable(desired, live), live)
}

function unchanged(inspection: Inspection): ProvisionOutcome {
  return Object.freeze({
    applied: [], endpointGaps: [...inspection.plan.endpointGaps], live: inspection.live!, notices: [
      ...inspection.plan.notices,
    ], outcome: 'unchanged',
  })
}

/**
 * A read denied in the region of a replica no --replica-region names: the policy the suggestion
 * prints covers a replica's region only once it is named, so the suggestion says to name it.
 */
function unnamedReadError(error: unknown, region: string, flags: string): unknown {
  if (!(error instanceof SentinelError) || error.code !== 'ACCESS_DENIED') return error
  const named = new SentinelError(error.code, error.message, {
    cause: error.cause,
    exitCode: error.exitCode,
    suggestion: `${error.suggestion ?? ''} The replica in ${region} is not named by --replica-region: add ` +
      `${flags} to that command for a policy that covers its region.`.trim(),
  })
  named.aws = error.aws
  return named
}

/**
 * The replica's key compared as key ARNs, resolved by KMS in the replica's region (an alias names a
 * key only there), and described there for its state: once per key per region per run.
 */
async function replicaKey(
  provisioner: Provisioner,
  kmsKey: DesiredReplica['kmsKey'],
  given: string,
): Promise<Pick<ReplicaReads, 'keyState' | 'liveKey' | 'resolvedKey'>> {
  const alias = kmsKey?.kind === 'alias' || kmsKey?.kind === 'alias-arn'
  const resolvedKey = kmsKey && alias ? await provisioner.resolveKeyArn(kmsKeyId(kmsKey)) : undefined
  // The alias's key is the live one: one DescribeKey tells both.
  const keyState = resolvedKey && 'arn' in resolvedKey && resolvedKey.arn === given
    ? resolvedKey
    : await provisioner.resolveKeyArn(given)
  const liveKey = isKmsKeyArn(given) || !keyState ? {arn: given} : keyState
  return {keyState, liveKey: 'error' in liveKey ? {...liveKey, id: given} : liveKey, resolvedKey}
}

/** One replica's apply: add it (or join its creation), wait for it, then its own settings. */
class ReplicaApply {
  readonly applied: string[] = []
  private readonly notices: string[] = []
  /** ReplicaStatusPercentProgress as polled (and 0 % when this run sent the Create). */
  private readonly progressSeen: {at: number; percent: number}[] = []
  private readonly reporter: TableReporter
  /** This run added the replica or waited for it: what inspect read in its region is out of date. */
  private waited = false

  constructor(
    private readonly tables: GlobalTables,
    private readonly desired: DesiredTable,
    private readonly replica: DesiredReplica,
    /** inspected: the replica as inspect read it in its region, when it did. */
    private readonly options: ApplyOptions & {inspected?: LiveTable; reporter: TableReporter},
  ) {
    this.reporter = options.reporter
  }

  private get name(): string {
    return this.desired.tableName
  }

  private get region(): string {
    return this.replica.region
  }

  private get port() {
    return this.tables.home.capabilities.port
  }

  private get timing() {
    return this.tables.home.timing
  }

  /** The replica added (or its creation joined) and ACTIVE, with the table. */
  async ensureActive(): Promise<void> {
    const table = await this.describe()
    if (!listedReplica(table, this.region)) {
      this.waited = true
      await this.create()
      await this.waitForReplica()
    } else if (!isSettled(table, this.region)) {
      this.waited = true
      await this.waitForReplica()
    }

    this.reporter.inFlight(undefined)
  }

  /**
   * What AWS does not copy to a replica, set through a client for its region: planned from inspect's
   * read there when the replica has stayed ACTIVE since (read once a run), else from a fresh read.
   */
  async settings(): Promise<ReplicaOutcome> {
    const provisioner = await this.tables.regionalProvisioner(this.region)
    const desired = replicaDesired(this.desired, this.replica)
    const {inspected} = this.options
    const live = inspected && !this.waited ? inspected : await this.readInRegion(provisioner)
    const plan = planReplicaSettings(desired, live)
    if (plan.drift.length > 0) {
      throw driftError({...plan, tableName: `${this.name} (replica in ${this.region})`}, this.applied)
    }

    let final = live
    if (plan.actions.length > 0) {
      const reporter = inRegion(this.reporter, this.region)
      const outcome = await provisioner.apply(
        {desired, live, plan},
        {
          comparesKey: false, deadline: this.options.deadline, planner: planReplicaSettings, readsTtl: false, reporter,
        },
      ).catch((error: unknown) => {
        if (!(error instanceof AppliedThenFailed)) throw error
        // What was set in the replica's region before the failure stays with this replica, with the region;
        // the table's failure lists every replica's (GlobalTables.apply).
        this.applied.push(...error.applied.map(line => `${line} in ${this.region}`))
        throw error.failure
      })
      this.applied.push(...outcome.applied.map(line => `${line} in ${this.region}`))
      this.notices.push(...outcome.notices)
      final = outcome.live
    } else {
      this.notices.push(...plan.notices)
    }

    return Object.freeze({
      applied: Object.freeze([...this.applied]),
      arn: final.arn,
      notices: Object.freeze([...this.notices]),
      region: this.region,
      status: final.status,
    })
  }

  private async describe(): Promise<TableDescription> {
    const table = await describeTable(this.port, this.name)
    if (!table) {
      throw new SentinelError('AWS_ERROR', `Table ${this.name} is gone while adding its replica in ${this.region}.`, {
        suggestion: 'Someone deleted it; rerun to create it again.',
      })
    }

    return table
  }

  /** UpdateTable ReplicaUpdates Create, once; while AWS says the table is busy, wait and send again. */
  private async create(): Promise<void> {
    const replica = tableSpec(this.desired).replicas.find(candidate => candidate.region === this.region)!
    const create = replicaCreate(replica)
    this.reporter.inFlight(`UpdateTable is being sent: AWS may be adding the replica of ${this.name} in ${this.region}`)
    this.reporter.phase(`${this.name}: adding the replica in ${this.region}`)
    const {faults} = this.tables.home
    try {
      // A busy table (or too many operations at once) is waited for, then the policy's pause, then sent again.
      await faults.ride(async () => {
        this.progressSeen.splice(0, Infinity, {at: Date.now(), percent: 0})
        await faults.sendUntilLanded(
          () => this.port.updateTable({ReplicaUpdates: [{Create: create}], TableName: this.name}),
          async () => Boolean(listedReplica(await this.describe(), this.region)),
          this.options.deadline,
        )
      }, {
        call: 'update',
        deadline: this.options.deadline,
        onFault: async () => {
          this.reporter.phase(`${this.name} is busy; waiting to add the replica in ${this.region}`)
          await this.waitForTable()
        },
      })
    } catch (error) {
      // Another process added it between our read and our call: join its creation.
      if (error instanceof SentinelError && error.awsName === 'ValidationException' &&
        listedReplica(await this.describe(), this.region)) {
        this.notices.push(`The replica in ${this.region} was being added by another process; joined it.`)
        return
      }

      throw error
    }

    this.applied.push(`Added the replica in ${this.region}`)
  }

  /** Until the table, its indexes and every replica are ACTIVE (AWS takes a replica action only then). */
  private async waitForTable(): Promise<void> {
    await this.poll(table => isTableActive(table) && (table.Replicas ?? []).every(entry =>
      entry.ReplicaStatus === 'ACTIVE' || Object.hasOwn(REPLICA_NEEDS_A_HUMAN, entry.ReplicaStatus ?? '')))
  }

  /** Until this replica is ACTIVE and the table with it; one DescribeTable a second at most. */
  private async waitForReplica(): Promise<void> {
    this.reporter.inFlight(`the replica of ${this.name} in ${this.region} is being created in AWS`)
    await this.poll(table => isSettled(table, this.region))
  }

  private async poll(done: (table: TableDescription) => boolean): Promise<void> {
    const started = Date.now()
    for (;;) {
      const polled = Date.now()
      const table = await this.describe()
      const entry = listedReplica(table, this.region)
      const percent = Number(entry?.ReplicaStatusPercentProgress)
      // Dated when the answer came: AWS measured the progress no later than that.
      if (entry?.ReplicaStatus === 'CREATING' && percent > 0) this.progressSeen.push({at: Date.now(), percent})
      const state = entry?.ReplicaStatus ?? ''
      if (Object.hasOwn(REPLICA_NEEDS_A_HUMAN, state)) {
        const {meaning, remedy} = REPLICA_NEEDS_A_HUMAN[state]
        const reason = entry?.ReplicaStatusDescription ? ` (AWS: ${entry.ReplicaStatusDescription})` : ''
        throw new SentinelError('FAILED_STATE', `The replica of ${this.name} in ${this.region} is ${state}: ` +
          `${meaning}${reason}.`, {suggestion: remedy})
      }

      if (done(table)) return
      const seconds = Math.round((Date.now() - started) / 1000)
      this.reporter.progress(`Waiting for ${this.name} in ${this.region}: ${describeReplica(table, this.region)} ` +
        `(${seconds}s)`)
      const now = Date.now()
      if (now >= this.options.deadline) {
        throw new SentinelError('WAIT_TIMEOUT', `Timed out waiting for the replica of ${this.name} in ` +
          `${this.region} (${describeReplica(table, this.region)}).`, {
          suggestion: 'AWS keeps creating it (a large table takes hours); rerun the same command ' +
            '(with a larger --wait-timeout) to join it.',
        })
      }

      const pause = this.nextPollAt(polled) - now
      await this.tables.home.faults.clock.sleep(Math.max(0, Math.min(pause, this.options.deadline - now)))
    }
  }

  /**
   * One poll a second; but when ReplicaStatusPercentProgress says the replica will be ACTIVE between
   * one and two seconds from the last poll, the next poll waits for that moment instead, so ACTIVE
   * is noticed soon after it happens without polling more often.
   */
  private nextPollAt(polled: number): number {
    const interval = this.timing.replicaPollMs
    const first = this.progressSeen[0]
    const last = this.progressSeen.at(-1)
    if (!first || !last || last.percent <= first.percent) return polled + interval
    const msPerPercent = (last.at - first.at) / (last.percent - first.percent)
    const expected = last.at + ((100 - last.percent) * msPerPercent)
    return expected > polled + interval && expected < polled + (2 * interval) ? expected + 25 : polled + interval
  }

  /** The replica read in its region; right after creation AWS may not show it there for a while. */
  private async readInRegion(provisioner: Provisioner): Promise<LiveTable> {
    return this.tables.home.faults.ride(async () => {
      const what = {pitr: this.desired.pitr, tags: true, ttl: false}
      const live = await provisioner.read(this.name, what, this.options.deadline)
      if (!live) throw new ReplicaNotVisibleYet(this.name, this.region)
      return live
    }, {call: 'read', deadline: this.options.deadline})
  }
}

/** The replica's region does not show the table yet: not visible yet, said of the replica when given up on. */
class ReplicaNotVisibleYet extends NotVisibleYet {
  constructor(
    private readonly tableName: string,
    private readonly region: string,
  ) {
    super(`the replica of ${tableName} in ${region}`)
  }

  override timedOut(): SentinelError {
    const message = `AWS does not show the replica of ${this.tableName} in ${this.region} yet.`
    return new SentinelError('WAIT_TIMEOUT', message, {
      suggestion: 'Rerun the same command (with a larger --wait-timeout) to continue.',
    })
  }
}

/** The one-region service's progress, each line naming the replica's region. */
function inRegion(reporter: TableReporter, region: string): TableReporter {
  const where = (message: string) => `${message} (replica in ${region})`
  return {
    inFlight: what => reporter.inFlight(what && where(what)),
    phase: message => reporter.phase(where(message)),
    progress: message => reporter.progress(where(message)),
  }
}

function listedReplica(table: TableDescription, region: string) {
  return table.Replicas?.find(entry => entry.RegionName === region)
}

/** The replica ACTIVE, and the table and its indexes ACTIVE with it. */
function isSettled(table: TableDescription, region: string): boolean {
  return listedReplica(table, region)?.ReplicaStatus === 'ACTIVE' && isTableActive(table)
}

/** "replica CREATING 40%, table UPDATING". */
function describeReplica(table: TableDescription, region: string): string {
  const entry = listedReplica(table, region)
  const progress = entry?.ReplicaStatusPercentProgress ? ` ${entry.ReplicaStatusPercentProgress}%` : ''
  const replica = entry ? `replica ${entry.ReplicaStatus}${progress}` : 'replica not listed yet'
  return table.TableStatus === 'ACTIVE' ? replica : `${replica}, table ${table.TableStatus}`
}
