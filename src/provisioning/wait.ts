/**
 * Waiting for a table (and its indexes) to become ACTIVE. Unlike the SDK's stock waiter (20 s
 * between polls) it notices within one interval, stays under 4 DescribeTable calls a second,
 * and stops at the run's deadline.
 */
import type {TableDescription} from '@aws-sdk/client-dynamodb'

import {setTimeout as sleep} from 'node:timers/promises'

import type {DynamoDbPort} from '../aws/dynamodb-port.js'

import {SentinelError} from '../errors.js'
import {describeBusy, describeTable, isTableActive} from './live-table.js'

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
  /** Replaced in unit tests to observe the pace without waiting. */
  sleep?: (ms: number) => Promise<unknown>
  /** The time now, in ms since epoch; replaced with sleep in unit tests, so no test depends on timing. */
  now?: () => number
}

export const POLL_INTERVAL_MS = 260

export async function waitForActive(port: DynamoDbPort, options: WaitOptions): Promise<TableDescription> {
  const interval = options.intervalMs ?? POLL_INTERVAL_MS
  const clock = options.now ?? Date.now
  for (;;) {
    const started = clock()
    const table = await describeTable(port, options.tableName)
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

    if (table) options.onPoll?.(table)
    if (table && isTableActive(table, options.indexName)) return table
    const now = clock()
    if (now >= options.deadline) {
      const what = table ? describeBusy(table, options.indexName) : 'AWS does not show the new table yet'
      const message = `Timed out waiting for table ${options.tableName} to become ACTIVE (${what}).`
      throw new SentinelError('WAIT_TIMEOUT', message, {
        suggestion: 'AWS keeps working on it; rerun the same command (with a larger --wait-timeout) to continue.',
      })
    }

    await (options.sleep ?? sleep)(Math.max(0, Math.min(interval - (now - started), options.deadline - now)))
  }
}
