/**
 * The live state of a table, read through the DynamoDB port and normalised for the planner:
 * DescribeTable, DescribeTimeToLive, DescribeContinuousBackups and every page of
 * ListTagsOfResource. What the endpoint lacks is learnt from its answers, once per run.
 */
import type {TableDescription} from '@aws-sdk/client-dynamodb'

import type {DynamoAction, DynamoDbPort} from '../aws/dynamodb-port.js'

import {SentinelError} from '../errors.js'

/** A feature the endpoint does not implement (DynamoDB Local has no PITR or tagging). */
export const UNSUPPORTED = 'UNSUPPORTED'
/** A property the CLI chose not to read on this run. */
export const UNREAD = 'UNREAD'

export interface LiveIndex {
  name: string
  partitionKey?: string
  sortKey?: string
  projectionType?: string
  /** With projection INCLUDE: the attributes projected besides the keys. */
  nonKeyAttributes?: string[]
  /** An on-demand index's maximum throughput, as DescribeTable reports it (-1: no maximum). */
  onDemandThroughput?: {maxReadRequestUnits?: number; maxWriteRequestUnits?: number}
  status?: string
  /** OnDemandThroughput's caps (read, write request units), when set (AWS reports -1 for none). */
  onDemandCap?: OnDemandCap
}

/** An on-demand table's or index's maximum request units, only those set (a positive number). */
export interface OnDemandCap {
  maxRead?: number
  maxWrite?: number
}

export interface LiveTable {
  name: string
  arn?: string
  status: string
  partitionKey?: string
  sortKey?: string
  attributeTypes: Record<string, string>
  indexes: LiveIndex[]
  localIndexes: string[]
  billingMode: string
  /**
   * aws-owned: DynamoDB's default key; kms: a KMS key (AWS-managed and customer-managed keys look
   * the same in DescribeTable); unreported: an emulator that says nothing about SSE.
   */
  encryption: {kind: 'aws-owned' | 'kms' | 'unreported'; kmsKeyArn?: string; status?: string}
  /** The table's OnDemandThroughput caps, when set. */
  onDemandCap?: OnDemandCap
  deletionProtection: boolean | typeof UNSUPPORTED
  ttl: {attribute?: string; status: string}
  pitr: string
  tags: ReadonlyMap<string, string> | typeof UNREAD | typeof UNSUPPORTED
  itemCount?: number
  /** The other regions of a global table, as DescribeTable lists them (none: a table in one region). */
  replicas?: LiveReplica[]
  /** MultiRegionConsistency of a global table: EVENTUAL, or STRONG (MRSC). */
  multiRegionConsistency?: string
  /** The table's stream, if one is on. */
  stream?: {viewType?: string}
  /**
   * DescribeTable's answer as it came: a setting that reads its own part of it (settings/) reads it
   * here, so it needs no field of its own in this state.
   */
  description?: TableDescription
}

/** One entry of DescribeTable's Replicas[]. */
export interface LiveReplica {
  region: string
  status: string
  /** ReplicaStatusPercentProgress while CREATING. */
  progress?: string
  kmsKeyArn?: string
}

/** What one run has learnt about the endpoint; shared by every table of the run. */
export class EndpointCapabilities {
  /** Operations the endpoint answered with UnknownOperationException. */
  readonly lacking = new Set<DynamoAction>()

  constructor(readonly port: DynamoDbPort) {}

  /**
   * Whether what this endpoint lacks is excused: only an emulator's, known as one by --local or by a
   * table ARN naming DynamoDB Local's region and account. Anywhere else (AWS, also behind a VPC
   * endpoint or a proxy, whose ARNs name a real account) a missing operation is a failure, never a pass.
   */
  excuses(arn: string | undefined): boolean {
    return this.port.local || (this.port.endpointOverride && isDynamoDbLocalArn(arn))
  }

  /**
   * Runs an operation the endpoint may lack. On an emulator (excuses), UnknownOperationException means
   * it lacks the operation (remembered, UNSUPPORTED); anywhere else it is an error. A missing table is
   * undefined. `arnOf` gives the table's ARN (it may still be being read) when the answer is in doubt.
   */
  async optional<T>(
    action: DynamoAction,
    send: () => Promise<T>,
    arnOf: () => Promise<string | undefined>,
  ): Promise<T | typeof UNSUPPORTED | undefined> {
    if (this.lacking.has(action)) return UNSUPPORTED
    try {
      return await send()
    } catch (error) {
      if (isNotFound(error)) return undefined
      const unknownOperation = error instanceof SentinelError && error.awsName === 'UnknownOperationException'
      if (unknownOperation && this.excuses(await arnOf().catch(() => undefined))) {
        this.lacking.add(action)
        return UNSUPPORTED
      }

      throw error
    }
  }
}

/** DynamoDB Local's ARNs: region ddblocal, account 000000000000 (no AWS region or account is either). */
export function isDynamoDbLocalArn(arn: string | undefined): boolean {
  const parts = arn?.split(':') ?? []
  return parts[3] === 'ddblocal' && parts[4] === '000000000000'
}

export function isNotFound(error: unknown): boolean {
  return error instanceof SentinelError
    && (error.awsName === 'ResourceNotFoundException' || error.awsName === 'TableNotFoundException')
}

/** DescribeTable; undefined when the table does not exist (or is not visible yet). */
export async function describeTable(port: DynamoDbPort, tableName: string): Promise<TableDescription | undefined> {
  try {
    return (await port.describeTable({TableName: tableName})).Table
  } catch (error) {
    if (isNotFound(error)) return undefined
    throw error
  }
}

export interface ReadOptions {
  pitr: boolean
  tags: boolean
  /**
   * False in a replica's region: TTL is the global table's, one setting for every replica, read in
   * the table's own region (ttl then stays UNREAD). Default true.
   */
  ttl?: boolean
}

/** The parts of a live table, each read by its own call(s): what a change can have changed. */
export type LivePart = 'pitr' | 'table' | 'tags' | 'ttl'

/**
 * Thrown when DescribeTable finds the table but a companion call still says it does not exist:
 * AWS is eventually consistent right after CreateTable. Not a failure, a signal: the caller reads
 * again, and only when its deadline passes turns it into a failure with timedOut().
 */
export class NotVisibleYet extends Error {
  constructor(readonly resource: string) {
    super(`AWS does not show ${resource} in every read yet.`)
    this.name = 'NotVisibleYet'
  }

  /** The failure a caller reports when AWS still does not show the resource at its deadline. */
  timedOut(): SentinelError {
    const message = `AWS does not show ${this.resource} in every read yet (it was just created).`
    return new SentinelError('WAIT_TIMEOUT', message, {
      cause: this,
      suggestion: 'AWS keeps working on it; rerun the same command (with a larger --wait-timeout) to continue.',
    })
  }
}

/** A NotVisibleYet at the caller's deadline is a WAIT_TIMEOUT; any other error stays as it is. */
export function failureAtDeadline(error: unknown): unknown {
  return error instanceof NotVisibleYet ? error.timedOut() : error
}

/**
 * Reads everything the plan compares: DescribeTable, DescribeTimeToLive (unless ttl is false) and, when
 * asked, DescribeContinuousBackups in parallel (one round trip); then, when asked, every page of tags
 * (ListTagsOfResource needs the table's ARN).
 */
export async function readLiveTable(
  capabilities: EndpointCapabilities,
  tableName: string,
  read: ReadOptions,
): Promise<LiveTable | undefined> {
  const {port} = capabilities
  const described = describeTable(port, tableName)
  // Still one round trip: an operation the endpoint lacks is judged by the ARN this DescribeTable brings.
  const arnOf = () => described.then(table => table?.TableArn)
  // A missing table has no ARN to judge by, and nothing to read: its companions' answers do not count.
  const [table, ttlRead, backupsRead] = await Promise.all([
    described,
    settled<TtlRead>(read.ttl === false ? Promise.resolve(UNREAD) : describeTtl(capabilities, tableName, arnOf)),
    settled<BackupsRead>(read.pitr ? describeBackups(capabilities, tableName, arnOf) : Promise.resolve(UNREAD)),
  ])
  if (!table) return undefined
  const [ttl, backups] = [unsettled(ttlRead), unsettled(backupsRead)]
  if (ttl === undefined || backups === undefined) throw new NotVisibleYet(tableName)
  const live = describeLive(table, capabilities.excuses(table.TableArn))
  live.ttl = ttlOf(capabilities, ttl)
  live.pitr = pitrOf(capabilities, backups)
  if (read.tags && live.arn) live.tags = await readTags(capabilities, live.arn)
  return live
}

/**
 * The table as `previous` with only `parts` read again (in parallel): after a change, what that
 * change can have changed. With the table part it is a readLiveTable (undefined: the table is gone);
 * without it, the table was just seen, so a companion answering "not found" is NotVisibleYet.
 */
export async function rereadLiveTable(
  capabilities: EndpointCapabilities,
  previous: LiveTable,
  parts: ReadonlySet<LivePart>,
): Promise<LiveTable | undefined> {
  const {name} = previous
  if (parts.has('table')) {
    const read = {pitr: parts.has('pitr'), tags: parts.has('tags'), ttl: parts.has('ttl')}
    const live = await readLiveTable(capabilities, name, read)
    return live && {
      ...live,
      ...(read.pitr ? {} : {pitr: previous.pitr}),
      ...(read.tags ? {} : {tags: previous.tags}),
      ...(read.ttl ? {} : {ttl: previous.ttl}),
    }
  }

  const arnOf = async () => previous.arn
  const unread = Promise.resolve<typeof UNREAD>(UNREAD)
  const [ttl, backups, tags] = await Promise.all([
    parts.has('ttl') ? describeTtl(capabilities, name, arnOf) as Promise<TtlRead> : unread,
    parts.has('pitr') ? describeBackups(capabilities, name, arnOf) as Promise<BackupsRead> : unread,
    parts.has('tags') && previous.arn ? readTags(capabilities, previous.arn) : previous.tags,
  ])
  if (ttl === undefined || backups === undefined) throw new NotVisibleYet(name)
  return {
    ...previous,
    pitr: backups === UNREAD ? previous.pitr : pitrOf(capabilities, backups),
    tags,
    ttl: ttl === UNREAD ? previous.ttl : ttlOf(capabilities, ttl),
  }
}

type TtlRead = Awaited<ReturnType<DynamoDbPort['describeTimeToLive']>> | typeof UNREAD | typeof UNSUPPORTED | undefined

function describeTtl(capabilities: EndpointCapabilities, tableName: string, arnOf: () => Promise<string | undefined>) {
  return capabilities.optional(
    'DescribeTimeToLive',
    () => capabilities.port.describeTimeToLive({TableName: tableName}),
    arnOf,
  )
}

function describeBackups(
  capabilities: EndpointCapabilities,
  tableName: string,
  arnOf: () => Promise<string | undefined>,
) {
  return capabilities.optional(
    'DescribeContinuousBackups',
    () => capabilities.port.describeContinuousBackups({TableName: tableName}),
    arnOf,
  )
}

function ttlOf(capabilities: EndpointCapabilities, ttl: NonNullable<TtlRead>): LiveTable['ttl'] {
  if (ttl === UNREAD) return {status: UNREAD}
  return ttl === UNSUPPORTED || capabilities.lacking.has('UpdateTimeToLive')
    ? {status: UNSUPPORTED}
    : {
      attribute: ttl.TimeToLiveDescription?.AttributeName,
      status: ttl.TimeToLiveDescription?.TimeToLiveStatus ?? 'DISABLED',
    }
}

function pitrOf(capabilities: EndpointCapabilities, backups: NonNullable<BackupsRead>): string {
  if (backups === UNREAD || backups === UNSUPPORTED || capabilities.lacking.has('UpdateContinuousBackups')) {
    return backups === UNREAD ? UNREAD : UNSUPPORTED
  }

  return backups.ContinuousBackupsDescription?.PointInTimeRecoveryDescription?.PointInTimeRecoveryStatus ?? 'DISABLED'
}

/**
 * Pages of ListTagsOfResource read at most: 50 tags a resource, 10 a page on AWS, and AWS-assigned
 * aws: tags beside them. An endpoint that pages past this is broken, not a table with that many tags.
 */
export const MAX_TAG_PAGES = 100

type BackupsRead = Awaited<ReturnType<DynamoDbPort['describeContinuousBackups']>> | typeof UNREAD | typeof UNSUPPORTED
  | undefined

type Settled<T> = {error: unknown} | {value: T}

/** A read's outcome held until it is known whether it counts. */
function settled<T>(promise: Promise<T>): Promise<Settled<T>> {
  return promise.then(value => ({value}), (error: unknown) => ({error}))
}

function unsettled<T>(outcome: Settled<T>): T {
  if ('error' in outcome) throw outcome.error
  return outcome.value
}

/** Every page of ListTagsOfResource: a conflicting tag on page 2 is as real as one on page 1. */
async function readTags(capabilities: EndpointCapabilities, arn: string): Promise<LiveTable['tags']> {
  // A Map: a live tag named __proto__ or constructor is kept like any other.
  const tags = new Map<string, string>()
  const seen = new Set<string>()
  let nextToken: string | undefined
  do {
    const token = nextToken
    // A token answered twice (or pages without end) would loop for ever: stop, the tags are unproven.
    if (token !== undefined && seen.has(token)) throw endlessTags(capabilities, arn, 'answered one NextToken twice')
    if (seen.size >= MAX_TAG_PAGES) throw endlessTags(capabilities, arn, `gave more than ${MAX_TAG_PAGES} pages`)
    if (token !== undefined) seen.add(token)
    const page = await capabilities.optional(
      'ListTagsOfResource',
      () => capabilities.port.listTagsOfResource({NextToken: token, ResourceArn: arn}),
      async () => arn,
    )
    if (page === UNSUPPORTED || capabilities.lacking.has('TagResource')) return UNSUPPORTED
    if (page === undefined) throw new NotVisibleYet(arn)
    for (const tag of page.Tags ?? []) tags.set(tag.Key ?? '', tag.Value ?? '')
    nextToken = page.NextToken
  } while (nextToken)

  return tags
}

/** Tags an endpoint pages without end: not read, so never called converged. */
function endlessTags(capabilities: EndpointCapabilities, arn: string, why: string): SentinelError {
  return new SentinelError('AWS_ERROR', `ListTagsOfResource for ${arn} at ${capabilities.port.endpointName} ` +
    `${why}, so its pages never end and the table's tags could not be read.`, {
    suggestion: 'The endpoint (or a proxy in front of it) pages tags wrongly: fix or bypass it, then rerun.',
  })
}

/**
 * The emulators (DynamoDB Local, dynalite) answer with account 000000000000; real DynamoDB,
 * also behind a VPC or FIPS endpoint, never does.
 */
export function isEmulatorArn(arn: string | undefined): boolean {
  return arn?.split(':')[4] === '000000000000'
}

/** The attribute of a key schema with this key type (HASH or RANGE). */
const keyOf = (schema: undefined | {AttributeName?: string; KeyType?: string}[], type: string) =>
  schema?.find(key => key.KeyType === type)?.AttributeName

/**
 * The parts of a DescribeTable answer the plan compares, normalised. `emulator`: what the answer leaves
 * out is the emulator's gap (EndpointCapabilities.excuses); elsewhere it is what AWS means by leaving it out.
 */
export function describeLive(table: TableDescription, emulator: boolean): LiveTable {
  const sse = table.SSEDescription
  const kms = sse && (sse.Status === 'ENABLED' || sse.Status === 'ENABLING' || sse.Status === 'UPDATING')
  // AWS omits SSEDescription for the AWS-owned key; the emulators omit it always.
  const encryption: LiveTable['encryption'] = kms
    ? {kind: 'kms', kmsKeyArn: sse.KMSMasterKeyArn, status: sse.Status}
    : {kind: emulator ? 'unreported' : 'aws-owned'}

  // Real DynamoDB always says whether deletion protection is on; dynalite says nothing. Unsaid on a
  // real account it is not proven on: planned to be turned on, never a pass.
  const deletionProtection = table.DeletionProtectionEnabled ?? (emulator ? UNSUPPORTED : false)
  const provisioned = (table.ProvisionedThroughput?.ReadCapacityUnits ?? 0) > 0
  return {
    arn: table.TableArn,
    attributeTypes: Object.fromEntries((table.AttributeDefinitions ?? [])
    .map(attribute => [attribute.AttributeName ?? '', attribute.AttributeType ?? ''])),
    billingMode: table.BillingModeSummary?.BillingMode ?? (provisioned ? 'PROVISIONED' : 'PAY_PER_REQUEST'),
    deletionProtection,
    description: table,
    encryption,
    indexes: (table.GlobalSecondaryIndexes ?? []).map(gsi => ({
      name: gsi.IndexName ?? '',
      partitionKey: keyOf(gsi.KeySchema, 'HASH'),
      projectionType: gsi.Projection?.ProjectionType,
      ...(gsi.Projection?.NonKeyAttributes ? {nonKeyAttributes: gsi.Projection.NonKeyAttributes} : {}),
      ...(gsi.OnDemandThroughput
        ? {
          onDemandThroughput: {
            maxReadRequestUnits: gsi.OnDemandThroughput.MaxReadRequestUnits,
            maxWriteRequestUnits: gsi.OnDemandThroughput.MaxWriteRequestUnits,
          },
        }
        : {}),
      sortKey: keyOf(gsi.KeySchema, 'RANGE'),
      status: gsi.IndexStatus,
      ...onDemandCapOf(gsi.OnDemandThroughput),
    })).sort((a, b) => a.name.localeCompare(b.name)),
    itemCount: table.ItemCount,
    localIndexes: (table.LocalSecondaryIndexes ?? []).map(lsi => lsi.IndexName ?? ''),
    name: table.TableName ?? '',
    partitionKey: keyOf(table.KeySchema, 'HASH'),
    pitr: UNREAD,
    ...onDemandCapOf(table.OnDemandThroughput),
    ...globalTableState(table),
    sortKey: keyOf(table.KeySchema, 'RANGE'),
    status: table.TableStatus ?? 'ACTIVE',
    tags: UNREAD,
    ttl: {status: 'DISABLED'},
  }
}

/** OnDemandThroughput as a cap: only a positive maximum limits anything (-1 or absent: no limit). */
function onDemandCapOf(throughput: undefined | {MaxReadRequestUnits?: number; MaxWriteRequestUnits?: number}) {
  const read = throughput?.MaxReadRequestUnits ?? 0
  const write = throughput?.MaxWriteRequestUnits ?? 0
  if (read <= 0 && write <= 0) return {}
  return {onDemandCap: {...(read > 0 ? {maxRead: read} : {}), ...(write > 0 ? {maxWrite: write} : {})}}
}

/** Replicas, consistency and stream: what makes a table global (absent for a table in one region). */
function globalTableState(table: TableDescription): Pick<LiveTable, 'multiRegionConsistency' | 'replicas' | 'stream'> {
  const replicas = (table.Replicas ?? []).map(replica => ({
    region: replica.RegionName ?? '',
    status: replica.ReplicaStatus ?? 'UNKNOWN',
    ...(replica.ReplicaStatusPercentProgress ? {progress: replica.ReplicaStatusPercentProgress} : {}),
    ...(replica.KMSMasterKeyId ? {kmsKeyArn: replica.KMSMasterKeyId} : {}),
  }))
  return {
    ...(replicas.length > 0 ? {replicas} : {}),
    ...(table.MultiRegionConsistency ? {multiRegionConsistency: table.MultiRegionConsistency} : {}),
    ...(table.StreamSpecification?.StreamEnabled ? {stream: {viewType: table.StreamSpecification.StreamViewType}} : {}),
  }
}

/**
 * "table CREATING, index gsi-user CREATING (backfilling)": what a wait is waiting for, including
 * an index just added that DescribeTable does not list yet.
 */
export function describeBusy(table: TableDescription, indexName?: string): string {
  const indexes = table.GlobalSecondaryIndexes ?? []
  const busy = indexes
  .filter(gsi => gsi.IndexStatus !== 'ACTIVE')
  .map(gsi => `index ${gsi.IndexName} ${gsi.IndexStatus}${gsi.Backfilling ? ' (backfilling)' : ''}`)
  if (indexName && !indexes.some(gsi => gsi.IndexName === indexName)) busy.push(`index ${indexName} not listed yet`)
  if (isEncryptionChanging(table)) busy.unshift(`encryption ${table.SSEDescription?.Status}`)
  if (table.TableStatus !== 'ACTIVE') busy.unshift(`table ${table.TableStatus}`)
  return busy.join(', ') || 'ACTIVE'
}

/** SSE ENABLING or UPDATING: a change of key (or to KMS) is under way; the table is not settled yet. */
export const ENCRYPTION_CHANGING = new Set(['ENABLING', 'UPDATING'])

function isEncryptionChanging(table: TableDescription): boolean {
  return ENCRYPTION_CHANGING.has(table.SSEDescription?.Status ?? '')
}

/**
 * True when the table and every index are ACTIVE (and, if named, the index exists), and no change of
 * encryption key is under way.
 */
export function isTableActive(table: TableDescription, indexName?: string): boolean {
  const indexes = table.GlobalSecondaryIndexes ?? []
  if (indexName && !indexes.some(gsi => gsi.IndexName === indexName)) return false
  return table.TableStatus === 'ACTIVE' && indexes.every(gsi => gsi.IndexStatus === 'ACTIVE') &&
    !isEncryptionChanging(table)
}
