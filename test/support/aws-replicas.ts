/**
 * Global-table replicas (version 2019.11.21) as AWS documents them, for a layer in front of one
 * emulator that has no regions (DynamoDB Local -sharedDb, dynalite). No emulator implements
 * replicas; this answers for them (SPEC, "Multi-Region: global tables"):
 *
 * - Each request's region is the one it was signed for (SigV4 credential scope), as AWS routes it.
 *   A table lives in the region its CreateTable was signed for (else `homeRegion`); a request for
 *   it signed for another region reaches its replica there, or ResourceNotFoundException.
 * - UpdateTable ReplicaUpdates: one replica action per call, nothing else in the call; only while
 *   the table, its indexes and every replica are ACTIVE (else ResourceInUseException); the table's
 *   own region and an existing replica are refused; with a customer-managed key on the table,
 *   Create needs KMSMasterKeyId. A new replica is CREATING while `creating` is open (DescribeTable
 *   calls for the table in any region count), then ACTIVE; the table reads UPDATING meanwhile (and
 *   while a replica is UPDATING or DELETING, not while one is in a state that needs a human, such as
 *   CREATION_FAILED or REGION_DISABLED: seed() or a test sets any state AWS lists).
 *   Streams turn on (NEW_AND_OLD_IMAGES) with the first replica (shown by the layer). Every action
 *   is recorded. Replicas[] lists each replica's KMSMasterKeyId as Create was given it (an alias or
 *   key ID stays one); the replica's own region reports the key ARN (`keyArnIn`).
 * - Per replica, starting off: deletion protection (UpdateTable in the replica's region), PITR
 *   (Describe/UpdateContinuousBackups there) and tags (on the replica's ARN, through the tag
 *   emulation, which keys by ARN). A tag call whose ARN names another region than the request's
 *   is refused. Keys, indexes, TTL and billing are the table's own (passed to the server).
 */
import type {
  ProxiedCall, RecordingProxy, Reply, Window, WindowState,
} from './proxy.js'

import {
  awsErrorBody, isOpen, openWindow, tableNameOf,
} from './proxy.js'

export interface ReplicaOptions {
  /** The region of tables whose CreateTable the layer did not see (default us-east-1). */
  homeRegion?: string
  /** How long a new replica stays CREATING. */
  creating?: Window
  /**
   * The key ARN a KMSMasterKeyId (alias, key ID…) names in a region, as KMS would resolve it: the
   * replica's own DescribeTable reports that key ARN. Without it, the key ID or alias as an ARN.
   */
  keyArnIn?: (keyId: string, region: string) => string | undefined
}

export interface ReplicaState {
  status: string
  /** Open while the replica is CREATING. */
  window?: WindowState
  /** KMSMasterKeyId as given to Create, if any. */
  kmsKey?: string
  deletionProtection: boolean
  pitr: boolean
}

export interface GlobalTable {
  home: string
  replicas: Map<string, ReplicaState>
  /** MultiRegionConsistency shown once there are replicas (EVENTUAL unless a test says STRONG). */
  consistency: 'EVENTUAL' | 'STRONG'
}

export interface ReplicaUpdateRecord {
  table: string
  /** Create, Delete or Update. */
  action: string
  region: string
  /** The answer: 200, or the AWS error type. */
  result: number | string
  /** When the request arrived (a new replica's CREATING starts then), and when it was answered. */
  accepted: number
  at: number
}

export interface Replicas {
  /** Global-table state per table name (created on the first replica, or by seed()). */
  tables: Map<string, GlobalTable>
  /** Every ReplicaUpdates action the layer was sent, in order. */
  updates: ReplicaUpdateRecord[]
  /** A table someone else made global: replicas in these regions, in these states. */
  seed(table: string, replicas: Record<string, Partial<ReplicaState>>, options?: Partial<GlobalTable>): void
}

function error(type: string, message: string): {reply: Reply} {
  return {reply: {body: awsErrorBody(type, message), status: 400}}
}

/** Every UpdateTable parameter besides TableName and ReplicaUpdates: AWS takes none of them with a replica action. */
const OTHER_UPDATES = [
  'AttributeDefinitions',
  'BillingMode',
  'DeletionProtectionEnabled',
  'GlobalSecondaryIndexUpdates',
  'ProvisionedThroughput',
  'SSESpecification',
  'StreamSpecification',
  'TableClass',
]

/** An ARN with another region. */
function inRegion(arn: string, region: string): string {
  const parts = arn.split(':')
  parts[3] = region
  return parts.join(':')
}

function kmsArn(key: string, region: string, tableArn: string): string {
  if (key.startsWith('arn:')) return key
  const account = tableArn.split(':')[4]
  return `arn:aws:kms:${region}:${account}:${key.startsWith('alias/') ? key : `key/${key}`}`
}

export function emulateReplicas(proxy: RecordingProxy, options: ReplicaOptions = {}): Replicas {
  const defaultHome = options.homeRegion ?? 'us-east-1'
  const createdIn = new Map<string, string>()
  /** Customer-managed keys given to CreateTable or UpdateTable, per table. */
  const tableKeys = new Map<string, string>()
  const tables = new Map<string, GlobalTable>()
  const updates: ReplicaUpdateRecord[] = []
  const homeOf = (table: string) => tables.get(table)?.home ?? createdIn.get(table) ?? defaultHome

  /** Settles replicas whose CREATING window closed; a DescribeTable counts toward each open window. */
  const settle = (global: GlobalTable, countCall: boolean) => {
    for (const replica of global.replicas.values()) {
      if (replica.status !== 'CREATING' || !replica.window) continue
      if (isOpen(options.creating, replica.window)) {
        if (countCall) replica.window.used++
      } else {
        replica.status = 'ACTIVE'
        replica.window = undefined
      }
    }
  }

  /** How far the CREATING window is spent, as AWS's ReplicaStatusPercentProgress. */
  const percent = (replica: ReplicaState) => {
    const {calls, ms} = options.creating ?? {}
    const used = calls ? (replica.window?.used ?? 0) / calls : 0
    const elapsed = ms ? (Date.now() - (replica.window?.since ?? Date.now())) / ms : 0
    return String(Math.min(99, Math.floor(Math.max(used, elapsed) * 100)))
  }

  // A replica being created, updated or removed keeps the table busy; one in a state that needs a human
  // (CREATION_FAILED, INACCESSIBLE_ENCRYPTION_CREDENTIALS, REGION_DISABLED…) is listed with it, not worked on.
  const busy = (global: GlobalTable | undefined) =>
    [...(global?.replicas.values() ?? [])].some(replica => REPLICA_WORKING.has(replica.status))

  /** The Replicas[] DescribeTable lists in `region`: every other region of the global table. */
  const replicaList = (global: GlobalTable, region: string) => {
    const list: Record<string, unknown>[] = []
    if (global.home !== region) list.push({RegionName: global.home, ReplicaStatus: 'ACTIVE'})
    for (const [name, replica] of global.replicas) {
      if (name === region) continue
      list.push({
        RegionName: name,
        ReplicaStatus: replica.status,
        ...(replica.status === 'CREATING' ? {ReplicaStatusPercentProgress: percent(replica)} : {}),
        // As it was given to Create (an alias or key ID stays one), not resolved.
        ...(replica.kmsKey ? {KMSMasterKeyId: replica.kmsKey} : {}),
      })
    }

    return list
  }

  /** A table description as DynamoDB shows it in `region`. */
  const describeIn = (description: Record<string, any>, table: string, region: string) => {
    const global = tables.get(table)
    if (!global || global.replicas.size === 0) return description
    settle(global, false)
    const arn = String(description.TableArn ?? '')
    const decorated: Record<string, any> = {
      ...description,
      // Streams turn on (NEW_AND_OLD_IMAGES) with the first replica and stay on; held here, not upstream.
      ...(description.StreamSpecification?.StreamEnabled
        ? {}
        : {
          LatestStreamArn: `${description.TableArn}/stream/2019-11-21T00:00:00.000`,
          StreamSpecification: {StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES'},
        }),
      GlobalTableVersion: '2019.11.21',
      MultiRegionConsistency: global.consistency,
      Replicas: replicaList(global, region),
    }
    if (region === global.home) {
      if (busy(global) && description.TableStatus === 'ACTIVE') decorated.TableStatus = 'UPDATING'
      return decorated
    }

    const replica = global.replicas.get(region)!
    decorated.TableArn = inRegion(arn, region)
    if (description.LatestStreamArn) decorated.LatestStreamArn = inRegion(String(description.LatestStreamArn), region)
    decorated.DeletionProtectionEnabled = replica.deletionProtection
    if (replica.status !== 'ACTIVE') decorated.TableStatus = replica.status
    if (replica.kmsKey) {
      // The replica's own region reports the key ARN, as SSEDescription always does.
      const keyArn = options.keyArnIn?.(replica.kmsKey, region) ?? kmsArn(replica.kmsKey, region, arn)
      decorated.SSEDescription = {KMSMasterKeyArn: keyArn, SSEType: 'KMS', Status: 'ENABLED'}
    }

    return decorated
  }

  const replicaUpdate = async (call: ProxiedCall, table: string) => {
    // AWS starts creating the replica when it accepts the request, not when the answer arrives.
    const accepted = Date.now()
    const actions = call.body.ReplicaUpdates as Record<string, {RegionName?: string; KMSMasterKeyId?: string}>[]
    const record = (action: string, region: string, result: number | string) =>
      updates.push({
        accepted, action, at: Date.now(), region, result, table,
      })
    const [first] = actions
    const kind = first ? Object.keys(first)[0] ?? '' : ''
    const region = String(first?.[kind]?.RegionName ?? '')
    const refuse = (type: string, message: string) => {
      record(kind, region, type)
      return error(type, message)
    }

    const shape = shapeRefusal(call.body)
    if (shape) return refuse(...shape)
    const live = await describeUpstream(call, table)
    if (!live) return refuse('ResourceNotFoundException', `Requested resource not found: Table: ${table} not found`)
    const global = tables.get(table) ?? {consistency: 'EVENTUAL' as const, home: homeOf(table), replicas: new Map()}
    settle(global, false)
    const keyId = first.Create?.KMSMasterKeyId
    const refusal = createRefusal({
      busy: busy(global), global, keyId, kind, live, needsKey: tableKeys.has(table), region, table,
    })
    if (refusal) return refuse(...refusal)
    global.replicas.set(region, {
      deletionProtection: false,
      kmsKey: keyId,
      pitr: false,
      status: options.creating ? 'CREATING' : 'ACTIVE',
      window: options.creating ? {...openWindow(), since: accepted} : undefined,
    })
    tables.set(table, global)
    record(kind, region, 200)
    return {reply: {body: {TableDescription: describeIn(live, table, global.home)}, status: 200}}
  }

  /** A call signed for a region where the table has a replica (or none). */
  const inReplicaRegion = async (call: ProxiedCall, table: string, region: string) => {
    const global = tables.get(table)
    if (global) settle(global, call.action === 'DescribeTable')
    const replica = global?.replicas.get(region)
    const notFound = call.action.includes('ContinuousBackups')
      ? error('TableNotFoundException', `Table not found: ${table}`)
      : error('ResourceNotFoundException', `Requested resource not found: Table: ${table} not found`)
    if (!replica) {
      if (call.action === 'CreateTable') {
        return error('ValidationException', `The layer holds table ${table} in ${homeOf(table)} already`)
      }

      return notFound
    }

    return onReplica(call, table, region, replica)
  }

  /** A call for an existing replica, in its region. */
  const onReplica = async (call: ProxiedCall, table: string, region: string, replica: ReplicaState) => {
    const creating = replica.status === 'CREATING'
    const inUse = error('ResourceInUseException', `Attempt to change a resource which is still in use: ${table}`)
    switch (call.action) {
    case 'DescribeContinuousBackups': {
      return {reply: {body: pitrDescription(replica.pitr)}}
    }

    case 'DescribeTable': {
      return {
        after(answer: {status: number; body: any}) {
          if (answer.status !== 200) return
          return {body: {Table: describeIn(answer.body.Table, table, region)}}
        },
      }
    }

    case 'TagResource':
    case 'UntagResource': {
      return creating ? inUse : undefined
    }

    case 'UpdateContinuousBackups': {
      if (creating) return inUse
      replica.pitr = Boolean(call.body.PointInTimeRecoverySpecification?.PointInTimeRecoveryEnabled)
      return {reply: {body: pitrDescription(replica.pitr)}}
    }

    case 'UpdateTable': {
      if (creating) return inUse
      const keys = Object.keys(call.body).filter(key => key !== 'TableName')
      if (keys.length !== 1 || keys[0] !== 'DeletionProtectionEnabled') {
        return error('ValidationException', `The layer emulates only deletion protection on replicas, not ${keys}`)
      }

      replica.deletionProtection = Boolean(call.body.DeletionProtectionEnabled)
      const live = await describeUpstream(call, table)
      return {reply: {body: {TableDescription: describeIn(live ?? {}, table, region)}}}
    }

    default: {
      // Keys, indexes, TTL, billing: the global table's own, read or set in any region.
      return creating && call.action.startsWith('Update') ? inUse : undefined
    }
    }
  }

  /** A new table lives in the region its CreateTable was signed for; its customer key is noted. */
  const onCreateTable = (call: ProxiedCall, table: string) => {
    if (createdIn.has(table) || tables.has(table)) return
    const key = call.body.SSESpecification?.KMSMasterKeyId
    return {
      after(answer: {status: number}) {
        if (answer.status !== 200) return
        createdIn.set(table, call.region!)
        if (key) tableKeys.set(table, key)
      },
    }
  }

  /** A tag call on an ARN of one region, sent to another: AWS does not reach across regions. */
  const crossRegionArn = (call: ProxiedCall, table: string) => {
    if (!call.arn) return
    const arnRegion = call.arn.split(':')[3]
    const regions = new Set([homeOf(table), ...(tables.get(table)?.replicas.keys() ?? [])])
    const arnNamesRegion = regions.has(arnRegion) ? arnRegion : homeOf(table)
    if (arnNamesRegion === call.region) return
    return error('ValidationException', `Invalid ResourceArn ${call.arn}: the request went to ${call.region}`)
  }

  proxy.intercept(async call => {
    const name = call.table ?? call.arn
    if (!name || !call.region) return
    const table = tableNameOf(name)
    if (call.action === 'CreateTable') {
      const watch = onCreateTable(call, table)
      if (watch) return watch
    }

    const refused = crossRegionArn(call, table)
    if (refused) return refused
    const home = homeOf(table)
    if (call.region !== home) return inReplicaRegion(call, table, call.region)
    const global = tables.get(table)
    if (call.action === 'UpdateTable' && call.body.ReplicaUpdates) return replicaUpdate(call, table)
    if (call.action === 'UpdateTable' && call.body.SSESpecification?.KMSMasterKeyId) {
      tableKeys.set(table, call.body.SSESpecification.KMSMasterKeyId)
    }

    if (!global) return
    settle(global, call.action === 'DescribeTable')
    if (call.action === 'UpdateTable' && busy(global)) {
      return error('ResourceInUseException', `Attempt to change a resource which is still in use: ${table}`)
    }

    if (call.action !== 'DescribeTable') return
    return {
      after(answer: {status: number; body: any}) {
        if (answer.status !== 200 || !answer.body?.Table) return
        return {body: {Table: describeIn(answer.body.Table, table, home)}}
      },
    }
  })

  return {
    seed(table, replicas, seeded = {}) {
      const global: GlobalTable = {
        consistency: seeded.consistency ?? 'EVENTUAL',
        home: seeded.home ?? homeOf(table),
        replicas: new Map(),
      }
      for (const [region, replica] of Object.entries(replicas)) {
        global.replicas.set(region, {
          deletionProtection: false, pitr: false, status: 'ACTIVE', ...replica,
        })
      }

      tables.set(table, global)
    },
    tables,
    updates,
  }
}

const INVALID = 'One or more parameter values were invalid: '

/** Replica states in which AWS is working on the replica (the table reads UPDATING meanwhile). */
const REPLICA_WORKING = new Set(['CREATING', 'DELETING', 'UPDATING'])

/** One replica action per call, and nothing else in the call. */
function shapeRefusal(body: Record<string, any>): [string, string] | undefined {
  const actions = body.ReplicaUpdates as object[]
  if (actions.length !== 1 || Object.keys(actions[0]).length !== 1) {
    return ['ValidationException', `${INVALID}only one replica update (Create, Update or Delete) per request`]
  }

  if (OTHER_UPDATES.some(name => body[name] !== undefined)) {
    return ['ValidationException', `${INVALID}ReplicaUpdates cannot be combined with other table updates`]
  }

  return undefined
}

/** Why AWS would refuse this Create now, if it would. */
function createRefusal(create: {
  busy: boolean
  global: GlobalTable
  keyId?: string
  kind: string
  live: Record<string, any>
  needsKey: boolean
  region: string
  table: string
}): [string, string] | undefined {
  const {global, live, region, table} = create
  const indexesBusy = (live.GlobalSecondaryIndexes ?? []).some((gsi: {IndexStatus?: string}) =>
    gsi.IndexStatus !== 'ACTIVE')
  if (live.TableStatus !== 'ACTIVE' || indexesBusy || create.busy) {
    return ['ResourceInUseException', `Attempt to change a resource which is still in use: ${table} is being updated`]
  }

  // Sentinel never removes or changes a replica; the layer records the attempt and refuses it.
  if (create.kind !== 'Create') return ['ValidationException', `The layer does not take ReplicaUpdates ${create.kind}`]
  if (region === global.home) {
    return ['ValidationException', `${INVALID}Cannot add a replica in the table's own region ${region}`]
  }

  if (global.replicas.has(region)) {
    return ['ValidationException', `Failed to create a replica in region ${region}: it already exists`]
  }

  if (create.needsKey && !create.keyId) {
    return ['ValidationException', `${INVALID}KMSMasterKeyId must be specified for replica region ${region}: ` +
      'the table uses a customer managed key']
  }

  const stream = live.StreamSpecification as undefined | {StreamEnabled?: boolean; StreamViewType?: string}
  if (stream?.StreamEnabled && stream.StreamViewType !== 'NEW_AND_OLD_IMAGES') {
    return ['ValidationException', `${INVALID}Table must have DynamoDB Streams enabled with StreamViewType ` +
      'NEW_AND_OLD_IMAGES']
  }

  return undefined
}

async function describeUpstream(call: ProxiedCall, table: string) {
  const answer = await call.upstream('DescribeTable', {TableName: table})
  return answer.status === 200 ? answer.body.Table as Record<string, any> : undefined
}

function pitrDescription(enabled: boolean) {
  return {
    ContinuousBackupsDescription: {
      ContinuousBackupsStatus: 'ENABLED',
      PointInTimeRecoveryDescription: {PointInTimeRecoveryStatus: enabled ? 'ENABLED' : 'DISABLED'},
    },
  }
}
