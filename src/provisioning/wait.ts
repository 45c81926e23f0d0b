/**
 * Waiting for a table (and its indexes) to become ACTIVE. Unlike the SDK's stock waiter (20 s
 * between polls) it notices within one interval, stays under 4 DescribeTable calls a second,
 * and stops at the run's deadline. A wait that has already taken a while polls less often (see
 * pollInterval); a state no wait sees end (a KMS key DynamoDB cannot use, an archived table, a
 * replica that is not authorised) fails at once; a throttled poll is ridden out.
 */
import type {TableDescription} from '@aws-sdk/client-dynamodb'

import {setTimeout as sleep} from 'node:timers/promises'

import type {DynamoDbPort} from '../aws/dynamodb-port.js'

import {SentinelError} from '../errors.js'
import {FaultPolicy} from './fault-policy.js'
import {describeBusy, describeTable, isTableActive} from './live-table.js'
import {describeFailedState, failedState} from './states.js'

export interface WaitOptions {
  tableName: string
  /** Absolute deadline (ms since epoch) shared by every wait of one run. */
  deadline: number
  /** Also wait for this index to exist and be ACTIVE. */
  indexName?: string
  /**
   * The table was just created (by us or another process): a "not found" means AWS does not show
   * it yet (DescribeTable is eventually consistent after CreateTable), not that it was deleted.
   */
  justCreated?: boolean
  /** Milliseconds between poll starts; 260 keeps safely under 4 DescribeTable calls a second. */
  intervalMs?: number
  onPoll?: (table: TableDescription) => void
  /** Told when a poll was throttled past the SDK's retries and the wait goes on, slower. */
  onThrottled?: (error: SentinelError) => void
  /** Replaced in unit tests to observe the pace without waiting. */
  sleep?: (ms: number) => Promise<unknown>
  /** The time now, in ms since epoch; replaced with sleep in unit tests, so no test depends on timing. */
  now?: () => number
}

export const POLL_INTERVAL_MS = 260
/** Polls stay at the base interval this long: most creations and updates end within it. */
export const BACKOFF_AFTER_MS = 30_000
/** The longest pause between polls, however long the wait. */
export const MAX_POLL_INTERVAL_MS = 5000

/**
 * The pause between polls after `elapsedMs` of waiting: the base interval for 30 s, then a
 * sixtieth of the time waited so far (1 s after a minute, 2 s after two), at most 5 s. A change
 * that takes minutes is noticed within about 2% of its duration, at a fraction of the calls.
 */
export function pollInterval(elapsedMs: number, baseMs = POLL_INTERVAL_MS): number {
  if (elapsedMs < BACKOFF_AFTER_MS) return baseMs
  return Math.min(MAX_POLL_INTERVAL_MS, Math.max(baseMs, Math.round(elapsedMs / 60)))
}

export async function waitForActive(port: DynamoDbPort, options: WaitOptions): Promise<TableDescription> {
  const baseInterval = options.intervalMs ?? POLL_INTERVAL_MS
  const now = options.now ?? Date.now
  const waitStarted = now()
  // The SDK has retried a throttled poll already; the wait itself goes on, slower, until its deadline.
  const clock = {now, sleep: options.sleep ?? sleep}
  const faults = new FaultPolicy({limitRetryMs: 0, pollMs: baseInterval, rereadMs: 0}, clock)
  for (;;) {
    // When the poll that answered started: a throttled one ridden out before it does not count.
    let started = now()
    const table = await faults.ride(() => {
      started = now()
      return describeTable(port, options.tableName)
    }, {
      call: 'poll',
      deadline: options.deadline,
      deadlineAt: 'attempt-start',
      onFault: (_, error) => options.onThrottled?.(error as SentinelError),
    })

    checkWaitable(table, options)
    if (table) options.onPoll?.(table)
    if (table && isTableActive(table, options.indexName)) return table
    const polled = now()
    if (polled >= options.deadline) {
      const what = table ? describeBusy(table, options.indexName) : 'AWS does not show the new table yet'
      const message = `Timed out waiting for table ${options.tableName} to become ACTIVE (${what}).`
      throw new SentinelError('WAIT_TIMEOUT', message, {
        suggestion: 'AWS keeps working on it; rerun the same command (with a larger --wait-timeout) to continue.',
      })
    }

    const interval = pollInterval(polled - waitStarted, baseInterval)
    await (options.sleep ?? sleep)(Math.max(0, Math.min(interval - (polled - started), options.deadline - polled)))
  }
}

/** A table a wait can no longer end well for: gone, being deleted, or in a state no wait sees end. */
function checkWaitable(table: TableDescription | undefined, options: WaitOptions): void {
  if (!table && !options.justCreated) {
    const message = `Table ${options.tableName} disappeared while waiting for it to become ACTIVE.`
    throw new SentinelError('AWS_ERROR', message, {
      suggestion: 'Someone deleted it; rerun to create it again.',
    })
  }

  if (table?.TableStatus === 'DELETING') {
    throw new SentinelError('TABLE_DELETING', `Table ${options.tableName} is being deleted.`, {
      suggestion: 'Wait for the deletion to finish, then rerun.',
    })
  }

  const failed = table && failedState(table)
  if (failed) {
    throw new SentinelError('FAILED_STATE', describeFailedState(failed), {suggestion: failed.remedy})
  }
}
