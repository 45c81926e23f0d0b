/**
 * The plan for a global table's replicas (version 2019.11.21): per named region, whether the
 * replica must be added, waited for, or is in a state sentinel cannot fix; and what it lacks of the
 * settings AWS does not copy to a replica (deletion protection, PITR, tags), set in its own region.
 * Keys, indexes, TTL, billing and streams are the table's own and are planned on the table.
 * Replicas not named are reported and left alone: removing a replica deletes its data. Pure.
 */
import type {DesiredReplica} from '../tables/replicas.js'
import type {KmsKeyRef} from '../tables/validate.js'

import {
  describeEncryption, type DesiredTable, desiredTags, kmsKeyId,
} from '../tables/desired.js'
import {type LiveReplica, type LiveTable} from './live-table.js'
import {
  type Action, type Drift, type EndpointGap, kmsKeyMatches, planTable, type TablePlan,
} from './plan.js'
import {FAILED_REPLICA_STATES, type StateMeaning} from './states.js'

export type ReplicaAction =
  | Action
  | {summary: string; type: 'create-replica'}
  | {summary: string; type: 'wait-for-replica'}

export interface ReplicaPlan {
  region: string
  /** False for a replica that no --replica-region names: reported, left alone. */
  named: boolean
  /** ReplicaStatus as DescribeTable lists it, or MISSING. */
  status: string
  /** The replica table's ARN in its region, once read. */
  arn?: string
  actions: ReplicaAction[]
  drift: Drift[]
  notices: string[]
  endpointGaps: EndpointGap[]
}

/** The settings AWS keeps per replica: set in each replica's region. */
const PER_REGION_ACTIONS = new Set<Action['type']>([
  'add-tags', 'enable-deletion-protection', 'enable-pitr', 'set-tag-values',
])
// A regional read that says the replica's table is being deleted or broken is drift too: the home
// table's Replicas[] can still say ACTIVE, and the settings behind that state were never checked.
const PER_REGION_DRIFT = new Set<Drift['type']>(['table-deleting', 'table-status', 'tag-conflict', 'tag-limit'])
const PER_REGION_GAPS = new Set<EndpointGap>(['deletion protection', 'point-in-time recovery', 'tagging'])
const PER_REGION_NOTICE = /^(Tag |Deletion protection |Point-in-time recovery )/

/** Replica states sentinel waits for. */
export const REPLICA_BUSY = new Set(['CREATING', 'UPDATING'])

/** Replica states that need a human: the ones no wait sees end (states.ts), and a replica being removed. */
export const REPLICA_NEEDS_A_HUMAN: Readonly<Record<string, StateMeaning>> = {
  ...FAILED_REPLICA_STATES,
  DELETING: {
    meaning: 'someone is removing it (its data goes with it)',
    remedy: 'Wait until it is gone, then rerun to add it again.',
  },
}

/** A desired table as it should look in a replica's region: the replica's own key, no replicas. */
export function replicaDesired(desired: DesiredTable, replica: DesiredReplica): DesiredTable {
  return {...desired, kmsKey: replica.kmsKey, replicas: undefined}
}

/** What a replica still lacks of the per-region settings, from a read in its region. */
export function planReplicaSettings(desired: DesiredTable, live: LiveTable | undefined): TablePlan {
  const full = planTable(desired, live)
  return {
    ...full,
    actions: full.actions.filter(action => PER_REGION_ACTIONS.has(action.type)),
    drift: full.drift.filter(drift => PER_REGION_DRIFT.has(drift.type)),
    endpointGaps: full.endpointGaps.filter(gap => PER_REGION_GAPS.has(gap)),
    notices: full.notices.filter(notice => PER_REGION_NOTICE.test(notice)),
  }
}

/** The settings a new replica starts without (AWS copies none of them), as they will be applied. */
function startingSettings(desired: DesiredTable): Action[] {
  const tags = desiredTags(desired)
  const actions: Action[] = []
  if (desired.deletionProtection) {
    actions.push({summary: 'Turn deletion protection on', type: 'enable-deletion-protection'})
  }

  if (desired.pitr) actions.push({summary: 'Enable point-in-time recovery', type: 'enable-pitr'})
  const list = [...tags].map(([key, value]) => `${key}=${value}`).join(', ')
  actions.push({summary: `Add tags ${list}`, tags, type: 'add-tags'})
  return actions
}

function keyDrift(
  region: string,
  kmsKey: KmsKeyRef | undefined,
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

  return {
    remedy: `Check --replica-kms-key ${region}=…; sentinel does not change a replica's key. To change it ` +
      'yourself: aws dynamodb update-table --table-name NAME ' +
      `--replica-updates 'Update={RegionName=${region},KMSMasterKeyId=KEY}'.`,
    summary: `Replica in ${region} is encrypted with ${liveArn}, not ${describeEncryption(kmsKey)}.`,
    type: 'replica-key',
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
      summary: `Replica in ${region} is ${listed.status}: ${known.meaning}.`,
      type: 'replica-status',
    })
    return plan
  }

  const drift = keyDrift(region, replica.kmsKey, listed.kmsKeyArn ?? regional?.encryption.kmsKeyArn, resolvedKey)
  if (drift) plan.drift.push(drift)
  plan.arn = regional?.arn
  if (REPLICA_BUSY.has(listed.status) || !regional) {
    const progress = listed.progress ? ` (${listed.progress}%)` : ''
    plan.actions.push({summary: `Wait for the replica to become ACTIVE${progress}`, type: 'wait-for-replica'})
  }

  if (!regional) {
    plan.actions.push(...startingSettings(replicaDesired(desired, replica)))
    return plan
  }

  const settings = planReplicaSettings(replicaDesired(desired, replica), regional)
  plan.actions.push(...settings.actions)
  plan.drift.push(...settings.drift)
  plan.notices.push(...settings.notices)
  plan.endpointGaps.push(...settings.endpointGaps)
  return plan
}

/** A replica no --replica-region names: reported, never touched. */
export function unnamedReplica(replica: LiveReplica): ReplicaPlan {
  return {
    actions: [],
    drift: [],
    endpointGaps: [],
    named: false,
    notices: ['Not named by --replica-region; left alone (removing a replica deletes its data).'],
    region: replica.region,
    status: replica.status,
  }
}

export function isReplicaConverged(plan: ReplicaPlan): boolean {
  return !plan.named || (plan.actions.length === 0 && plan.drift.length === 0)
}
