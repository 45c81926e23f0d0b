/**
 * One replica's apply (the global-table service's, global-table.ts), in AWS's order: UpdateTable
 * ReplicaUpdates Create once (what the settings carry into it: its key), joined when another process
 * adds it, sent again only while AWS says the table is busy; a wait for the replica with its
 * progress; then the settings AWS does not copy, set through the provisioning service of the
 * replica's region. A replica is never removed.
 */
import type {DesiredReplica} from '../tables/replicas.js'
import type {GlobalTables} from './global-table.js'

import {SentinelError} from '../errors.js'
import {type DesiredTable} from '../tables/desired.js'
import {tableSpec} from '../tables/table-spec.js'
import {type LiveTable, NotVisibleYet} from './live-table.js'
import {
  AppliedThenFailed, type ApplyOptions, driftError, type ReplicaOutcome, type TableReporter,
} from './outcome.js'
import {planPerRegionSettings} from './plan.js'
import {type Provisioner} from './provisioner.js'
import {replicaDesired} from './replica-plan.js'
import {isSettled, listedReplica, ReplicaWatch} from './replica-wait.js'
import {partsToRead, PER_REGION_SETTINGS, replicaCreate} from './settings/index.js'

/** One replica's apply: add it (or join its creation), wait for it, then its own settings. */
export class ReplicaApply {
  readonly applied: string[] = []
  private readonly notices: string[] = []
  private readonly reporter: TableReporter
  /** The replica as DescribeTable lists it in the table's region: polled while it is added. */
  private readonly watch: ReplicaWatch
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
    const {home} = tables
    this.watch = new ReplicaWatch(home.capabilities.port, desired.tableName, replica.region, {
      deadline: options.deadline,
      faults: home.faults,
      pollMs: home.timing.replicaPollMs,
      reporter: options.reporter,
    })
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

  /** The replica added (or its creation joined) and ACTIVE, with the table. */
  async ensureActive(): Promise<void> {
    const table = await this.watch.describe()
    if (!listedReplica(table, this.region)) {
      this.waited = true
      await this.create()
      await this.watch.untilReplicaActive()
    } else if (!isSettled(table, this.region)) {
      this.waited = true
      await this.watch.untilReplicaActive()
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
    const plan = planPerRegionSettings(desired, live)
    if (plan.drift.length > 0) {
      throw driftError({...plan, tableName: `${this.name} (replica in ${this.region})`}, this.applied)
    }

    let final = live
    if (plan.actions.length > 0) {
      const reporter = inRegion(this.reporter, this.region)
      const outcome = await provisioner.apply(
        {desired, live, plan},
        {
          deadline: this.options.deadline, planner: planPerRegionSettings, reporter, settings: PER_REGION_SETTINGS,
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
        this.watch.sent()
        await faults.sendUntilLanded(
          () => this.port.updateTable({ReplicaUpdates: [{Create: create}], TableName: this.name}),
          async () => Boolean(listedReplica(await this.watch.describe(), this.region)),
          this.options.deadline,
        )
      }, {
        call: 'update',
        deadline: this.options.deadline,
        onFault: async () => {
          this.reporter.phase(`${this.name} is busy; waiting to add the replica in ${this.region}`)
          await this.watch.untilTableReady()
        },
      })
    } catch (error) {
      // Another process added it between our read and our call: join its creation.
      if (error instanceof SentinelError && error.awsName === 'ValidationException' &&
        listedReplica(await this.watch.describe(), this.region)) {
        this.notices.push(`The replica in ${this.region} was being added by another process; joined it.`)
        return
      }

      throw error
    }

    this.applied.push(`Added the replica in ${this.region}`)
  }

  /** The replica read in its region; right after creation AWS may not show it there for a while. */
  private async readInRegion(provisioner: Provisioner): Promise<LiveTable> {
    return this.tables.home.faults.ride(async () => {
      const what = partsToRead(this.desired, {settings: PER_REGION_SETTINGS})
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
