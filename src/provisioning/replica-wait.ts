/**
 * A replica as the table's own region lists it (DescribeTable Replicas[]), polled while it is added:
 * at most one DescribeTable a second, its progress reported, a state that needs a human a failure at
 * once, the deadline a WAIT_TIMEOUT that says how to join it again.
 */
import type {TableDescription} from '@aws-sdk/client-dynamodb'

import type {DynamoDbPort} from '../aws/dynamodb-port.js'
import type {Clock, FaultPolicy} from './fault-policy.js'
import type {TableReporter} from './outcome.js'

import {SentinelError} from '../errors.js'
import {describeTable, isTableActive} from './live-table.js'
import {REPLICA_NEEDS_A_HUMAN} from './states.js'

export class ReplicaWatch {
  /** ReplicaStatusPercentProgress as polled (and 0 % when this run sent the Create). */
  private readonly progressSeen: {at: number; percent: number}[] = []

  constructor(
    private readonly port: DynamoDbPort,
    private readonly name: string,
    private readonly region: string,
    /** faults: the policy its polls ride out a throttle or a server error under, on its clock. */
    private readonly options: {deadline: number; faults: FaultPolicy; pollMs: number; reporter: TableReporter},
  ) {}

  private get clock(): Clock {
    return this.options.faults.clock
  }

  private get reporter(): TableReporter {
    return this.options.reporter
  }

  /** This run sent the Create: the replica's progress starts at 0 % now. */
  sent(): void {
    this.progressSeen.splice(0, Infinity, {at: this.clock.now(), percent: 0})
  }

  async describe(): Promise<TableDescription> {
    const table = await describeTable(this.port, this.name)
    if (!table) {
      throw new SentinelError('AWS_ERROR', `Table ${this.name} is gone while adding its replica in ${this.region}.`, {
        suggestion: 'Someone deleted it; rerun to create it again.',
      })
    }

    return table
  }

  /** Until the table, its indexes and every replica are ACTIVE (AWS takes a replica action only then). */
  async untilTableReady(): Promise<void> {
    await this.poll(table => isTableActive(table) && (table.Replicas ?? []).every(entry =>
      entry.ReplicaStatus === 'ACTIVE' || Object.hasOwn(REPLICA_NEEDS_A_HUMAN, entry.ReplicaStatus ?? '')))
  }

  /** Until this replica is ACTIVE and the table with it; one DescribeTable a second at most. */
  async untilReplicaActive(): Promise<void> {
    this.reporter.inFlight(`the replica of ${this.name} in ${this.region} is being created in AWS`)
    await this.poll(table => isSettled(table, this.region))
  }

  private async poll(done: (table: TableDescription) => boolean): Promise<void> {
    const started = this.clock.now()
    for (;;) {
      const polled = this.clock.now()
      // A poll sent in time and throttled is polled again less often, as a wait for the table is.
      const table = await this.options.faults.ride(() => this.describe(), {
        call: 'poll',
        deadline: this.options.deadline,
        deadlineAt: 'attempt-start',
        onFault: () => this.reporter.progress(`DescribeTable on ${this.name} is throttled or failing; ` +
          'waiting on, polling less often'),
      })
      const entry = listedReplica(table, this.region)
      const percent = Number(entry?.ReplicaStatusPercentProgress)
      // Dated when the answer came: AWS measured the progress no later than that.
      if (entry?.ReplicaStatus === 'CREATING' && percent > 0) {
        this.progressSeen.push({at: this.clock.now(), percent})
      }

      const state = entry?.ReplicaStatus ?? ''
      if (Object.hasOwn(REPLICA_NEEDS_A_HUMAN, state)) {
        const {meaning, remedy} = REPLICA_NEEDS_A_HUMAN[state]
        const reason = entry?.ReplicaStatusDescription ? ` (AWS: ${entry.ReplicaStatusDescription})` : ''
        throw new SentinelError('FAILED_STATE', `The replica of ${this.name} in ${this.region} is ${state}: ` +
          `${meaning}${reason}.`, {suggestion: remedy})
      }

      if (done(table)) return
      const seconds = Math.round((this.clock.now() - started) / 1000)
      this.reporter.progress(`Waiting for ${this.name} in ${this.region}: ${describeReplica(table, this.region)} ` +
        `(${seconds}s)`)
      const now = this.clock.now()
      if (now >= this.options.deadline) {
        throw new SentinelError('WAIT_TIMEOUT', `Timed out waiting for the replica of ${this.name} in ` +
          `${this.region} (${describeReplica(table, this.region)}).`, {
          suggestion: 'AWS keeps creating it (a large table takes hours); rerun the same command ' +
            '(with a larger --wait-timeout) to join it.',
        })
      }

      const pause = this.nextPollAt(polled) - now
      await this.clock.sleep(Math.max(0, Math.min(pause, this.options.deadline - now)))
    }
  }

  /**
   * One poll a second; but when ReplicaStatusPercentProgress says the replica will be ACTIVE between
   * one and two seconds from the last poll, the next poll waits for that moment instead, so ACTIVE
   * is noticed soon after it happens without polling more often.
   */
  private nextPollAt(polled: number): number {
    const interval = this.options.pollMs
    const first = this.progressSeen[0]
    const last = this.progressSeen.at(-1)
    if (!first || !last || last.percent <= first.percent) return polled + interval
    const msPerPercent = (last.at - first.at) / (last.percent - first.percent)
    const expected = last.at + ((100 - last.percent) * msPerPercent)
    return expected > polled + interval && expected < polled + (2 * interval) ? expected + 25 : polled + interval
  }
}

export function listedReplica(table: TableDescription, region: string) {
  return table.Replicas?.find(entry => entry.RegionName === region)
}

/** The replica ACTIVE, and the table and its indexes ACTIVE with it. */
export function isSettled(table: TableDescription, region: string): boolean {
  return listedReplica(table, region)?.ReplicaStatus === 'ACTIVE' && isTableActive(table)
}

/** "replica CREATING 40%, table UPDATING". */
function describeReplica(table: TableDescription, region: string): string {
  const entry = listedReplica(table, region)
  const progress = entry?.ReplicaStatusPercentProgress ? ` ${entry.ReplicaStatusPercentProgress}%` : ''
  const replica = entry ? `replica ${entry.ReplicaStatus}${progress}` : 'replica not listed yet'
  return table.TableStatus === 'ACTIVE' ? replica : `${replica}, table ${table.TableStatus}`
}
