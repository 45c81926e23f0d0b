/**
 * Every table setting, in the order the planner compares them and apply carries their actions out
 * (the order AWS requires: indexes before the settings UpdateTable changes, TTL and PITR after).
 * A new setting is one module in this folder, listed here (CONTRIBUTING.md, "Adding a table setting").
 */
import type {CreateReplicationGroupMemberAction} from '@aws-sdk/client-dynamodb'

import type {DesiredTable} from '../../tables/desired.js'
import type {ReplicaSpec} from '../../tables/table-spec.js'
import type {ReadOptions} from '../live-table.js'
import type {Action} from '../plan.js'
import type {StateField, TableSetting} from './setting.js'

import {billing} from './billing.js'
import {deletionProtection} from './deletion-protection.js'
import {encryption} from './encryption.js'
import {keysAndIndexes} from './keys-and-indexes.js'
import {pitr} from './pitr.js'
import {replicas} from './replicas.js'
import {tags} from './tags.js'
import {ttl} from './ttl.js'

export type {
  ApplyStep, HclWriter, ReplicaSettings, StateField, TableSetting,
} from './setting.js'

export const TABLE_SETTINGS: readonly TableSetting[] = [
  keysAndIndexes, billing, encryption, replicas, deletionProtection, ttl, pitr, tags,
]

/** The settings AWS keeps per replica: compared and set in each replica's own region. */
export const PER_REGION_SETTINGS: readonly TableSetting[] = TABLE_SETTINGS.filter(setting => setting.perRegion)

/**
 * What a read of the table calls besides DescribeTable: each of these settings' own part, when the
 * setting says so (`full`: everything); the other settings' parts are not read (a replica's region
 * reads only the per-region settings: TTL is the table's, read in its own region).
 */
export function partsToRead(
  desired: DesiredTable,
  {full = false, settings = TABLE_SETTINGS}: {full?: boolean; settings?: readonly TableSetting[]} = {},
): ReadOptions {
  const reads = TABLE_SETTINGS.flatMap(setting => (setting.part === 'table' || !setting.read
    ? []
    : [[setting.part, settings.includes(setting) && setting.read(desired, full)]]))
  return Object.fromEntries(reads) as unknown as ReadOptions
}

/** The setting that plans (and applies) an action; undefined for the table's own (create, wait). */
export function settingOf(type: Action['type']): TableSetting | undefined {
  return TABLE_SETTINGS.find(setting => setting.actions.includes(type))
}

/** `init status`'s state line: each setting's label and field, in the line's order. */
export const STATE_LINE: readonly {field: StateField; label: string}[] = TABLE_SETTINGS
.flatMap(setting => (setting.state ? [setting.state] : []))
.sort((a, b) => a.position - b.position)
.map(({field, label}) => ({field, label}))

/**
 * UpdateTable ReplicaUpdates Create for a replica: its region and what each setting carries into it
 * (its key); AWS copies none of the per-region settings, which follow as their own actions.
 */
export function replicaCreate(replica: ReplicaSpec): CreateReplicationGroupMemberAction {
  const create: CreateReplicationGroupMemberAction = {RegionName: replica.region}
  for (const setting of TABLE_SETTINGS) Object.assign(create, setting.replicaCreate?.(replica))
  return create
}
