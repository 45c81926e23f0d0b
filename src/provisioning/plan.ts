/**
 * The plan: compare a table definition (desired state) with what DescribeTable & co. returned
 * (live state) and say what apply will do (actions), what it must not touch (drift) and what the
 * operator should know (notices). The table's own state (missing, deleting, failed, busy) is judged
 * here; each setting compares itself (settings/). Pure functions: no AWS calls here.
 */
import type {IndexDefinition} from '../tables/definitions.js'
import type {DesiredTable} from '../tables/desired.js'

import {ENCRYPTION_CHANGING, type LiveTable} from './live-table.js'
import {PER_REGION_SETTINGS, TABLE_SETTINGS, type TableSetting} from './settings/index.js'
import {FAILED_TABLE_STATES} from './states.js'

export type Action =
  | {index: IndexDefinition; summary: string; type: 'add-index'}
  | {summary: string; tags: ReadonlyMap<string, string>; type: 'add-tags'}
  | {summary: string; tags: ReadonlyMap<string, string>; type: 'set-tag-values'}
  | {summary: string; type: 'create-table'}
  | {summary: string; type: 'enable-deletion-protection'}
  | {summary: string; type: 'enable-pitr'}
  | {summary: string; type: 'enable-ttl'}
  | {summary: string; type: 'set-encryption'}
  | {summary: string; type: 'wait-for-table'}

export type DriftType =
  | 'attribute-type'
  | 'billing-mode'
  | 'index-keys'
  | 'index-projection'
  | 'key-schema'
  | 'kms-key-state'
  | 'kms-key-unverified'
  | 'multi-region-strong'
  | 'on-demand-cap'
  | 'replica-key'
  | 'replica-status'
  | 'stream-view-type'
  | 'table-deleting'
  | 'table-status'
  | 'tag-conflict'
  | 'tag-limit'
  | 'ttl-attribute'
  | 'ttl-disabling'

/** Drift as the --json result publishes it. */
export interface Drift {
  type: DriftType
  summary: string
  remedy: string
}

/** Drift as a plan holds it: with what it is about, when that is not the table in the plan's region. */
export interface PlannedDrift extends Drift {
  /**
   * Set on a replica's own drift (its state, its key), whose summary names the replica's region;
   * absent for the table's, also as read in a replica's region. Not part of the --json result.
   */
  scope?: {kind: 'replica'; region: string}
}

/** What an endpoint (an emulator) may not implement; said once per run, not per table. */
export type EndpointGap = 'deletion protection' | 'encryption settings' | 'point-in-time recovery' | 'tagging' | 'TTL'

export interface TablePlan {
  tableName: string
  exists: boolean
  actions: Action[]
  drift: PlannedDrift[]
  notices: string[]
  /** What the endpoint does not implement, so was not checked. */
  endpointGaps: EndpointGap[]
}

/** Two actions do the same: the same type (and, adding an index, the same index). */
export function sameAction(a: Action, b: Action): boolean {
  if (a.type === 'add-index' && b.type === 'add-index') return a.index.name === b.index.name
  return a.type === b.type
}

export function planTable(desired: DesiredTable, live: LiveTable | undefined): TablePlan {
  return planWith(TABLE_SETTINGS, desired, live, {table: true})
}

/**
 * What a replica's table lacks of the settings AWS keeps per replica, from a read in its region
 * (undefined: not there yet): its state, and those settings only; no creation, no wait (both the
 * global table's, global-table.ts).
 */
export function planPerRegionSettings(desired: DesiredTable, live: LiveTable | undefined): TablePlan {
  return planWith(PER_REGION_SETTINGS, desired, live, {table: false})
}

/**
 * The plan from these settings. `table`: the table in its own region, which is created when missing
 * (CreateTable carries what it can; the other settings follow as their own actions) and waited for
 * while busy.
 */
function planWith(
  settings: readonly TableSetting[],
  desired: DesiredTable,
  live: LiveTable | undefined,
  {table}: {table: boolean},
): TablePlan {
  const plan: TablePlan = {
    actions: [], drift: [], endpointGaps: [], exists: Boolean(live), notices: [], tableName: desired.tableName,
  }
  if (!live) {
    if (table) {
      const described = settings.flatMap(setting => (setting.created ? [setting.created(desired)] : []))
      plan.actions.push({summary: `Create table ${desired.tableName}: ${described.join(', ')}`, type: 'create-table'})
    }

    for (const setting of settings) if (!setting.created) plan.actions.push(...setting.initial?.(desired) ?? [])
    for (const setting of settings) setting.checkNew?.(desired, plan)
    return plan
  }

  if (live.status === 'DELETING') {
    plan.drift.push({
      remedy: 'Wait until the deletion has finished, then run this command again to create the table.',
      summary: `Table ${live.name} is being deleted.`,
      type: 'table-deleting',
    })
    return plan
  }

  if (!['ACTIVE', 'CREATING', 'UPDATING'].includes(live.status)) {
    const known = Object.hasOwn(FAILED_TABLE_STATES, live.status) ? FAILED_TABLE_STATES[live.status] : undefined
    plan.drift.push({
      remedy: known?.remedy ?? 'See the table in the DynamoDB console, fix what it reports, then run again.',
      summary: `Table ${live.name} is ${live.status}${known ? `: ${known.meaning}` : ''}.`,
      type: 'table-status',
    })
    return plan
  }

  if (table) planWait(live, plan)
  for (const setting of settings) setting.compare(desired, live, plan)
  return plan
}

/** A table another process is changing, or whose key is changing, is waited for first. */
function planWait(live: LiveTable, plan: TablePlan): void {
  const busyIndexes = live.indexes.filter(gsi => gsi.status !== 'ACTIVE')
  if (live.status !== 'ACTIVE' || busyIndexes.length > 0) {
    const what = live.status === 'ACTIVE'
      ? `index ${busyIndexes.map(gsi => `${gsi.name} (${gsi.status})`).join(', ')}`
      : `table (${live.status})`
    plan.actions.push({
      summary: `Wait for the ${what} to become ACTIVE (another process is changing it)`,
      type: 'wait-for-table',
    })
  } else if (ENCRYPTION_CHANGING.has(live.encryption.status ?? '')) {
    // A change of key under way is not converged yet: waited for, then the key is compared.
    const to = live.encryption.kmsKeyArn ? ` (to ${live.encryption.kmsKeyArn})` : ''
    plan.actions.push({
      summary: `Wait for the change of encryption key under way${to} to finish (SSE ${live.encryption.status})`,
      type: 'wait-for-table',
    })
  }
}

/** True when apply has nothing to do and nothing is drifted. */
export function isConverged(plan: TablePlan): boolean {
  return plan.actions.length === 0 && plan.drift.length === 0
}
