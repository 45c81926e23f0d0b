/**
 * The plan for a global table's replicas (version 2019.11.21): per named region, whether the
 * replica must be added, waited for, or is in a state sentinel cannot fix; and what it lacks of the
 * settings AWS does not copy to a replica (deletion protection, PITR, tags), set in its own region.
 * Keys, indexes, TTL, billing and streams are the table's own and are planned on the table.
 * Replicas not named are checked as closely (each holds all of Sentinel's data: state, deletion
 * protection, PITR, tags, a customer key's state; not which key, since no flag names it) but never
 * changed by apply: removing a replica deletes its data, and what it lacks is set only once it is named. Pure.
 */
import type {DesiredReplica} from '../tables/replicas.js'

import {describeEncryption, type DesiredTable, kmsKeyId} from '../tables/desired.js'
import {type LiveReplica, type LiveTable} from './live-table.js'
import {
  type Action,
  type Drift,
  type EndpointGap,
  type PlannedDrift,
  planPerRegionSettings,
} from './plan.js'
import {keyStateProblem, kmsKeyMatches} from './settings/encryption.js'
import {PER_REGION_SETTINGS} from './settings/index.js'
import {REPLICA_NEEDS_A_HUMAN} from './states.js'

export type ReplicaAction =
  | Action
  | {summary: string; type: 'create-replica'}
  | {summary: string; type: 'wait-for-replica'}

export interface ReplicaPlan {
  region: string
  /** False for a replica that no --replica-region names: checked, never changed. */
  named: boolean
  /** The flags that name it (with its live key when the table is on a customer key); for one not named. */
  nameWith?: string[]
  /** ReplicaStatus as DescribeTable lists it, or MISSING. */
  status: string
  /** The replica table's ARN in its region, once read. */
  arn?: string
  /** The replica as read in its region (global-table.ts), for apply to start from; not reported. */
  live?: LiveTable
  actions: ReplicaAction[]
  drift: PlannedDrift[]
  notices: string[]
  endpointGaps: EndpointGap[]
}

/** Replica states sentinel waits for. */
export const REPLICA_BUSY = new Set(['CREATING', 'UPDATING'])

/** A desired table as it should look in a replica's region: the replica's own key, no replicas. */
export function replicaDesired(desired: DesiredTable, replica: DesiredReplica): DesiredTable {
  // The home key's KMS answer is not this replica's: its own key is described in its own region.
  return {
    ...desired, kmsKey: replica.kmsKey, replicas: undefined, resolvedKmsKey: undefined,
  }
}

/** The settings a new replica starts without (AWS copies none of them), as they will be applied. */
function startingSettings(desired: DesiredTable): Action[] {
  return PER_REGION_SETTINGS.flatMap(setting => setting.initial?.(desired) ?? [])
}

function keyDrift(
  desired: DesiredTable,
  {kmsKey, region}: DesiredReplica,
  liveArn: string | undefined,
  resolved: DesiredTable['resolvedKmsKey'],
): Drift | undefined {
  if (!kmsKey || !liveArn || kmsKeyMatches(kmsKey, liveArn, resolved)) return undefined
  const alias = kmsKey.kind === 'alias' || kmsKey.kind === 'alias-arn'
  // An alias KMS could not resolve in the replica's region: the key cannot be compared.
  if (alias && !(resolved && 'arn' in resolved)) {
    const why = resolved && 'error' in resolved ? resolved.error : 'KMS was not asked'
    return {
      remedy: `Allow kms:DescribeKey on the key in ${region} (the provisioner policy from --generate-iam includes ` +
        `it), or pass --replica-kms-key ${region}= with the key ARN; then rerun.`,
      summary: `Replica in ${region} is encrypted with ${liveArn}; whether ${kmsKeyId(kmsKey)} names that key ` +
        `could not be checked: ${why.replace(/\.$/, '')}.`,
      type: 'kms-key-unverified',
    }
  }

  // Sent to the table's own region (the run's --region, profile and endpoint), as every replica update is.
  const update = `'Update={RegionName=${region},KMSMasterKeyId=${kmsKeyId(kmsKey)}}'`
  const where = desired.suggest?.awsCliArgs
  const command = ['aws dynamodb update-table --table-name',
    desired.tableName,
    '--replica-updates',
    update,
    ...(where ? [where] : [])].join(' ')
  return {
    remedy: `Sentinel does not change a replica's key. If the replica should be on ${kmsKeyId(kmsKey)}, change it ` +
      `yourself: ${command}; if its key is the right one, pass --replica-kms-key ${region}=${liveArn} instead.`,
    summary: `Replica in ${region} is encrypted with ${liveArn}, not ${describeEncryption(kmsKey)}.`,
    type: 'replica-key',
  }
}

/** The key the table lists for the replica could not be resolved to a key ARN: never called matching. */
function liveKeyUnverified({kmsKey, region}: DesiredReplica, liveKey: {error: string; id: string}): Drift | undefined {
  if (!kmsKey) return undefined
  return {
    remedy: `Allow kms:DescribeKey on the replica's key in ${region} (the provisioner policy from --generate-iam ` +
      'includes it); then rerun.',
    summary: `Replica in ${region} is encrypted with ${liveKey.id}; whether that is ${kmsKeyId(kmsKey)} could not ` +
      `be checked: ${liveKey.error.replace(/\.$/, '')}.`,
    type: 'kms-key-unverified',
  }
}

/**
 * The replica's own key in a state DynamoDB cannot use (the replica turns INACCESSIBLE_ENCRYPTION_CREDENTIALS),
 * with the fix in the replica's region; or, when no other key drift already refuses it, a key whose
 * state KMS could not tell: never called converged.
 */
function keyStateDrift(
  desired: DesiredTable,
  {kmsKey, region}: DesiredReplica,
  key: ReplicaReads['keyState'],
  keyDrift: Drift | undefined,
): Drift | undefined {
  if (!key) return undefined
  if ('arn' in key) {
    const where = ['--region', region, ...(desired.suggest?.profileCliArgs ? [desired.suggest.profileCliArgs] : [])]
    return keyStateProblem(key, {
      named: kmsKey ? '--replica-kms-key' : 'the replica\'s key',
      subject: `Replica in ${region}: `,
      where: where.join(' '),
    })
  }

  if (keyDrift) return undefined
  const permission = key.code === undefined || key.code === 'ACCESS_DENIED' || key.code === 'AWS_ERROR'
  return {
    remedy: permission || !key.suggestion
      ? `Allow kms:DescribeKey on the replica's key in ${region} (the provisioner policy from --generate-iam ` +
        'includes it); then rerun.'
      : key.suggestion,
    summary: `Replica in ${region}: whether KMS still lets DynamoDB use its key (its state) could not be checked: ` +
      `${key.error.replace(/\.$/, '')}.`,
    type: 'kms-key-unverified',
  }
}

/** What the live state says about one replica. */
export interface ReplicaReads {
  /** The table read in its own region; undefined: it does not exist yet. */
  table: LiveTable | undefined
  /** The replica read in its region; undefined: not read, or not there yet. */
  regional?: LiveTable
  /** An alias --replica-kms-key, as KMS resolved it in the replica's region. */
  resolvedKey?: DesiredTable['resolvedKmsKey']
  /**
   * The replica's key as a key ARN (its region's read, or Replicas[] KMSMasterKeyId resolved by KMS
   * there); `id` is what was listed when KMS could not resolve it. Undefined: compare as listed.
   */
  liveKey?: {arn: string} | {error: string; id: string}
  /**
   * The replica's live key as KMS describes it in the replica's region (its state), when it is a
   * customer key; or why it could not be described. Undefined: not asked (the AWS-managed key).
   */
  keyState?: DesiredTable['resolvedKmsKey']
}

/** A replica the table does not list: add it (unless the stream forbids), then its own settings. */
function planMissingReplica(
  desired: DesiredTable,
  replica: DesiredReplica,
  table: LiveTable | undefined,
  plan: ReplicaPlan,
): ReplicaPlan {
  const viewType = table?.stream?.viewType
  if (viewType && viewType !== 'NEW_AND_OLD_IMAGES') {
    plan.drift.push({
      remedy: 'A global table needs the stream to carry NEW_AND_OLD_IMAGES, and a stream\'s view type cannot ' +
        'change while it is on: turn the stream off yourself (after checking what reads it), then rerun.',
      summary: `The table's stream carries ${viewType}; replicas need NEW_AND_OLD_IMAGES.`,
      type: 'stream-view-type',
    })
    return plan
  }

  const key = replica.kmsKey ? `, encrypted with ${describeEncryption(replica.kmsKey)}` : ''
  plan.actions.push(
    {summary: `Add the replica (UpdateTable ReplicaUpdates Create)${key}, and wait for it`, type: 'create-replica'},
    ...startingSettings(replicaDesired(desired, replica)),
  )
  return plan
}

/** One named replica, from what was read about it. */
export function planReplica(desired: DesiredTable, replica: DesiredReplica, reads: ReplicaReads): ReplicaPlan {
  const {region} = replica
  const {regional, resolvedKey, table} = reads
  const listed = table?.replicas?.find(candidate => candidate.region === region)
  const plan: ReplicaPlan = {
    actions: [], drift: [], endpointGaps: [], named: true, notices: [], region, status: listed?.status ?? 'MISSING',
  }
  if (!listed) return planMissingReplica(desired, replica, table, plan)

  const known = Object.hasOwn(REPLICA_NEEDS_A_HUMAN, listed.status) ? REPLICA_NEEDS_A_HUMAN[listed.status] : undefined
  if (known) {
    plan.drift.push({
      remedy: known.remedy,
      scope: {kind: 'replica', region},
      summary: `Replica in ${region} is ${listed.status}: ${known.meaning}.`,
      type: 'replica-status',
    })
    return plan
  }

  const {liveKey} = reads
  const drift = liveKey && 'error' in liveKey
    ? liveKeyUnverified(replica, liveKey)
    : keyDrift(desired, replica, liveKey?.arn ?? regional?.encryption.kmsKeyArn ?? listed.kmsKeyArn, resolvedKey)
  const stateDrift = keyStateDrift(desired, replica, reads.keyState, drift)
  // The replica's own key: each summary names the replica's region.
  const scope = {kind: 'replica', region} as const
  plan.drift.push(...[drift, stateDrift].filter(item => item !== undefined).map(item => ({...item, scope})))
  plan.arn = regional?.arn
  if (REPLICA_BUSY.has(listed.status) || !regional) {
    const progress = listed.progress ? ` (${listed.progress}%)` : ''
    plan.actions.push({summary: `Wait for the replica to become ACTIVE${progress}`, type: 'wait-for-replica'})
  }

  if (!regional) {
    plan.actions.push(...startingSettings(replicaDesired(desired, replica)))
    return plan
  }

  const settings = planPerRegionSettings(replicaDesired(desired, replica), regional)
  plan.actions.push(...settings.actions)
  plan.drift.push(...settings.drift)
  plan.notices.push(...settings.notices)
  plan.endpointGaps.push(...settings.endpointGaps)
  return plan
}

/**
 * A replica no --replica-region names, checked like a named one (without a key to compare): it holds
 * all of Sentinel's data. Apply never changes it; what it lacks is set once it is named.
 */
export function unnamedReplica(desired: DesiredTable, entry: LiveReplica, reads: ReplicaReads): ReplicaPlan {
  const plan = {...planReplica(desired, {region: entry.region}, reads), named: false}
  const {region} = entry
  const keyArn = reads.regional?.encryption.kmsKeyArn ?? entry.kmsKeyArn
  // A table on a customer key needs each replica's key named with it: the replica's own, as it is.
  const nameWith = ['--replica-region', region, ...(desired.kmsKey && keyArn
    ? ['--replica-kms-key', `${region}=${keyArn}`]
    : [])]
  if (plan.actions.length === 0 && plan.drift.length === 0) {
    plan.notices.unshift('Not named by --replica-region; checked and left alone (removing a replica deletes its data).')
    return plan
  }

  if (plan.drift.length > 0) {
    plan.notices.unshift('Not named by --replica-region; apply never changes it, and refuses the table while it ' +
      'is in this state.')
    return plan
  }

  plan.notices.unshift(`Not named by --replica-region, so apply leaves it alone: name it (${nameWith.join(' ')}) ` +
    'for apply to set what it lacks; a replica is never removed.')
  return {...plan, nameWith}
}

export function isReplicaConverged(plan: ReplicaPlan): boolean {
  return plan.actions.length === 0 && plan.drift.length === 0
}
