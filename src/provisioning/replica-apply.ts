/**
 * One replica's apply (the global-table service's, global-table.ts), in AWS's order: UpdateTable
 * ReplicaUpdates Create once (what the settings carry into it: its key), joined when another process
 * adds it, sent again only while AWS says the table is busy; a wait for the replica with its
 * progress; then the settings AWS does not copy, set through the provisioning service of the
 * replica's region. A replica is never removed.
 */
import type {TableDescription} from '@aws-sdk/client-dynamodb'

import type {DesiredReplica} from '../tables/replicas.js'
import type {GlobalTables} from './global-table.js'

import {SentinelError} from '../errors.js'
import {type DesiredTable} from '../tables/desired.js'
import {tableSpec} from '../tables/table-spec.js'
import {
  describeTable, isTableActive, type LiveTable, NotVisibleYet,
} from './live-table.js'
import {
  AppliedThenFailed, type ApplyOptions, driftError, type ReplicaOutcome, type TableReporter,
} from './outcome.js'
import {type Provisioner} from './provisioner.js'
import {planReplicaSettings, REPLICA_NEEDS_A_HUMAN, replicaDesired} from './replica-plan.js'
import {replicaCreate} from './settings/index.js'

/** One replica's apply: add it (or join its creation), wait for it, then its own settings. */
export class ReplicaApply {
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
