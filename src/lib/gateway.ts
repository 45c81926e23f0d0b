/**
 * Every AWS call the CLI makes goes through here: one factory builds the clients (so tests point
 * them at DynamoDB Local, dynalite or a stub), one place classifies errors, one place knows which
 * operations an emulator lacks. The AWS SDK is imported lazily so that --help and --generate-iam
 * with --account-id never load it.
 */
import type {DynamoDBClient, TableDescription} from '@aws-sdk/client-dynamodb'

import {dynamoEndpointName, type Connection} from './aws-config.js'
import {awsErrorName, type CallContext, classifyAwsError} from './aws-errors.js'
import type {DynamoAction} from './actions.js'
import {SentinelError} from './errors.js'
import {type LiveTable, UNREAD, UNSUPPORTED} from './plan.js'

type SdkModule = Record<string, unknown>
type CommandClass = new (input: object) => never

export interface GatewayOptions {
  /** Printed for each call when SENTINEL_DEBUG is set. */
  debug?: (line: string) => void
  /** Names the command for AccessDenied hints. */
  iamHint?: string
}

const REQUEST_HANDLER = {connectionTimeout: 5000, requestTimeout: 20_000}

export class DynamoGateway {
  /** Operations the endpoint answered with UnknownOperationException. */
  readonly unsupported = new Set<DynamoAction>()
  readonly endpointName: string
  readonly endpointOverride: boolean

  private constructor(
    private readonly client: DynamoDBClient,
    /** For calls that must not be blindly re-sent (CreateTable): the caller re-reads first. */
    private readonly singleAttemptClient: DynamoDBClient,
    private readonly sdk: SdkModule,
    readonly connection: Connection,
    private readonly options: GatewayOptions,
  ) {
    this.endpointName = dynamoEndpointName(connection)
    this.endpointOverride = Boolean(connection.endpoint)
  }

  static async create(connection: Connection, options: GatewayOptions = {}): Promise<DynamoGateway> {
    const sdk = (await import('@aws-sdk/client-dynamodb')) as unknown as SdkModule & typeof import('@aws-sdk/client-dynamodb')
    const config = {
      credentials: connection.credentials,
      endpoint: connection.endpoint,
      profile: connection.profile,
      region: connection.region,
      requestHandler: REQUEST_HANDLER,
      retryMode: 'standard',
    }
    // Throttling, 5xx and dropped connections are retried with backoff, bounded to ~4 s.
    return new DynamoGateway(new sdk.DynamoDBClient({...config, maxAttempts: 4}), new sdk.DynamoDBClient({...config, maxAttempts: 1}), sdk, connection, options)
  }

  destroy(): void {
    this.client.destroy()
    this.singleAttemptClient.destroy()
  }

  /** One call; with missingOk, a ResourceNotFoundException answers undefined instead of throwing. */
  async call<T>(action: DynamoAction, resource: string, input: object, options: {missingOk: true}): Promise<T | undefined>
  async call<T>(action: DynamoAction, resource: string, input: object, options?: {singleAttempt?: boolean}): Promise<T>
  async call<T>(action: DynamoAction, resource: string, input: object, options: {missingOk?: boolean; singleAttempt?: boolean} = {}): Promise<T | undefined> {
    const Command = this.sdk[`${action}Command`] as CommandClass
    const started = Date.now()
    try {
      const client = options.singleAttempt ? this.singleAttemptClient : this.client
      const output = (await client.send(new Command(input))) as T
      this.options.debug?.(`${action} ${resource} ok ${Date.now() - started}ms`)
      return output
    } catch (error) {
      this.options.debug?.(`${action} ${resource} ${awsErrorName(error)} ${Date.now() - started}ms`)
      if (options.missingOk && NOT_FOUND.has(awsErrorName(error))) return undefined
      throw classifyAwsError(error, this.context(action, resource))
    }
  }

  /**
   * For operations an emulator may lack: against an endpoint override, UnknownOperationException
   * means the emulator lacks the operation, which is remembered; against AWS it is an error.
   */
  async callOptional<T>(action: DynamoAction, resource: string, input: object): Promise<T | typeof UNSUPPORTED | undefined> {
    if (this.unsupported.has(action)) return UNSUPPORTED
    try {
      return await this.call<T>(action, resource, input, {missingOk: true})
    } catch (error) {
      if (this.endpointOverride && error instanceof SentinelError && error.awsName === 'UnknownOperationException') {
        this.unsupported.add(action)
        return UNSUPPORTED
      }

      throw error
    }
  }

  context(action: DynamoAction, resource: string): CallContext {
    return {action: `dynamodb:${action}`, endpoint: this.endpointName, iamHint: this.options.iamHint, resource}
  }

  /** DescribeTable; undefined when the table does not exist. */
  async describeTable(tableName: string): Promise<TableDescription | undefined> {
    const output = await this.call<{Table?: TableDescription}>('DescribeTable', tableName, {TableName: tableName}, {missingOk: true})
    return output?.Table
  }
}

const NOT_FOUND = new Set(['ResourceNotFoundException', 'TableNotFoundException'])

export interface ReadOptions {
  pitr: boolean
  tags: boolean
}

/**
 * Reads everything the plan compares, in parallel (one round trip): DescribeTable,
 * DescribeTimeToLive and, when asked, DescribeContinuousBackups and ListTagsOfResource.
 */
export async function readLiveTable(gateway: DynamoGateway, tableName: string, read: ReadOptions): Promise<LiveTable | undefined> {
  const [table, ttl, backups] = await Promise.all([
    gateway.describeTable(tableName),
    gateway.callOptional<{TimeToLiveDescription?: {AttributeName?: string; TimeToLiveStatus?: string}}>('DescribeTimeToLive', tableName, {TableName: tableName}),
    read.pitr
      ? gateway.callOptional<{ContinuousBackupsDescription?: {PointInTimeRecoveryDescription?: {PointInTimeRecoveryStatus?: string}}}>('DescribeContinuousBackups', tableName, {TableName: tableName})
      : Promise.resolve(UNREAD),
  ])
  if (!table) return undefined
  const live = describeLive(table, gateway.endpointOverride)
  live.ttl =
    ttl === UNSUPPORTED || gateway.unsupported.has('UpdateTimeToLive')
      ? {status: UNSUPPORTED}
      : {attribute: ttl?.TimeToLiveDescription?.AttributeName, status: ttl?.TimeToLiveDescription?.TimeToLiveStatus ?? 'DISABLED'}
  if (backups === UNREAD || backups === UNSUPPORTED || gateway.unsupported.has('UpdateContinuousBackups')) {
    live.pitr = backups === UNREAD ? UNREAD : UNSUPPORTED
  } else {
    const description = (backups as {ContinuousBackupsDescription?: {PointInTimeRecoveryDescription?: {PointInTimeRecoveryStatus?: string}}} | undefined)?.ContinuousBackupsDescription
    live.pitr = description?.PointInTimeRecoveryDescription?.PointInTimeRecoveryStatus ?? 'DISABLED'
  }

  if (read.tags && live.arn) {
    const tags = await gateway.callOptional<{Tags?: {Key?: string; Value?: string}[]}>('ListTagsOfResource', live.arn, {ResourceArn: live.arn})
    live.tags = tags === UNSUPPORTED || gateway.unsupported.has('TagResource') ? UNSUPPORTED : Object.fromEntries((tags?.Tags ?? []).map((tag) => [tag.Key ?? '', tag.Value ?? '']))
  }

  return live
}

/** The parts of a DescribeTable answer the plan compares, normalised. */
export function describeLive(table: TableDescription, endpointOverride: boolean): LiveTable {
  const keyOf = (schema: {AttributeName?: string; KeyType?: string}[] | undefined, type: string) => schema?.find((key) => key.KeyType === type)?.AttributeName
  const sse = table.SSEDescription
  let encryption: LiveTable['encryption']
  if (sse && (sse.Status === 'ENABLED' || sse.Status === 'ENABLING' || sse.Status === 'UPDATING')) {
    encryption = {kind: 'kms', kmsKeyArn: sse.KMSMasterKeyArn}
  } else {
    // AWS omits SSEDescription for the AWS-owned key; emulators omit it always.
    encryption = {kind: endpointOverride ? 'unreported' : 'aws-owned'}
  }

  return {
    arn: table.TableArn,
    attributeTypes: Object.fromEntries((table.AttributeDefinitions ?? []).map((attribute) => [attribute.AttributeName ?? '', attribute.AttributeType ?? ''])),
    billingMode: table.BillingModeSummary?.BillingMode ?? (table.ProvisionedThroughput?.ReadCapacityUnits ? 'PROVISIONED' : 'PAY_PER_REQUEST'),
    deletionProtection: table.DeletionProtectionEnabled ?? (endpointOverride ? UNSUPPORTED : false),
    encryption,
    indexes: (table.GlobalSecondaryIndexes ?? []).map((gsi) => ({
      name: gsi.IndexName ?? '',
      partitionKey: keyOf(gsi.KeySchema, 'HASH'),
      projectionType: gsi.Projection?.ProjectionType,
      sortKey: keyOf(gsi.KeySchema, 'RANGE'),
      status: gsi.IndexStatus,
    })),
    itemCount: table.ItemCount,
    localIndexes: (table.LocalSecondaryIndexes ?? []).map((lsi) => lsi.IndexName ?? ''),
    name: table.TableName ?? '',
    partitionKey: keyOf(table.KeySchema, 'HASH'),
    pitr: UNREAD,
    sortKey: keyOf(table.KeySchema, 'RANGE'),
    status: table.TableStatus ?? 'ACTIVE',
    tags: UNREAD,
    ttl: {status: 'DISABLED'},
  }
}

/** "table CREATING, index gsi-user CREATING (backfilling)": what a wait is waiting for. */
export function describeBusy(table: TableDescription): string {
  const busy = (table.GlobalSecondaryIndexes ?? [])
    .filter((gsi) => gsi.IndexStatus !== 'ACTIVE')
    .map((gsi) => `${gsi.IndexName} ${gsi.IndexStatus}${gsi.Backfilling ? ' (backfilling)' : ''}`)
  return `table ${table.TableStatus}${busy.length > 0 ? `, index ${busy.join(', ')}` : ''}`
}

/** True when the table and every index are ACTIVE (and, if named, the index exists). */
export function isTableActive(table: TableDescription, indexName?: string): boolean {
  const indexes = table.GlobalSecondaryIndexes ?? []
  if (indexName && !indexes.some((gsi) => gsi.IndexName === indexName)) return false
  return table.TableStatus === 'ACTIVE' && indexes.every((gsi) => gsi.IndexStatus === 'ACTIVE')
}

export interface WaitOptions {
  tableName: string
  /** Absolute deadline (ms since epoch) shared by every wait of one run. */
  deadline: number
  /** Also wait for this index to exist and be ACTIVE. */
  indexName?: string
  /** Milliseconds between poll starts; 260 keeps safely under 4 DescribeTable calls a second. */
  intervalMs?: number
  onPoll?: (table: TableDescription) => void
  sleep?: (ms: number) => Promise<void>
}

const defaultSleep = (ms: number) =>
  new Promise<void>((resolve) => {
    setTimeout(resolve, ms)
  })

/**
 * Polls DescribeTable until the table and all its indexes are ACTIVE. Unlike the SDK's stock
 * waiter (20 s between polls) it notices within one interval, and stops at the deadline.
 */
export async function waitForActive(gateway: DynamoGateway, options: WaitOptions): Promise<TableDescription> {
  const interval = options.intervalMs ?? 260
  const sleep = options.sleep ?? defaultSleep
  for (;;) {
    const started = Date.now()
    const table = await gateway.describeTable(options.tableName)
    if (!table) {
      throw new SentinelError('AWS_ERROR', `Table ${options.tableName} disappeared while waiting for it to become ACTIVE.`, {
        suggestion: 'Someone deleted it; rerun to create it again.',
      })
    }

    if (table.TableStatus === 'DELETING') {
      throw new SentinelError('TABLE_DELETING', `Table ${options.tableName} is being deleted.`, {suggestion: 'Wait for the deletion to finish, then rerun.'})
    }

    options.onPoll?.(table)
    if (isTableActive(table, options.indexName)) return table
    const now = Date.now()
    if (now >= options.deadline) {
      throw new SentinelError('WAIT_TIMEOUT', `Timed out waiting for table ${options.tableName} to become ACTIVE (${describeBusy(table)}).`, {
        suggestion: 'AWS keeps working on it; rerun the same command (with a larger --wait-timeout) to continue.',
      })
    }

    await sleep(Math.max(0, Math.min(interval - (now - started), options.deadline - now)))
  }
}

/** The account behind the credentials, from STS; never called against an emulator. */
export async function lookupAccount(connection: Connection, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  if (connection.local) return '000000000000'
  if (connection.endpoint && !env.AWS_ENDPOINT_URL_STS) {
    throw new SentinelError('UNSUPPORTED_OPERATION', 'STS is not called when --endpoint-url is set.', {suggestion: 'Pass --account-id (or set AWS_ENDPOINT_URL_STS).'})
  }

  const {STSClient, GetCallerIdentityCommand} = await import('@aws-sdk/client-sts')
  const client = new STSClient({
    credentials: connection.credentials,
    maxAttempts: 2,
    profile: connection.profile,
    region: connection.region,
    requestHandler: {connectionTimeout: 3000, requestTimeout: 5000},
  })
  try {
    const identity = await client.send(new GetCallerIdentityCommand({}))
    return identity.Account ?? '*'
  } catch (error) {
    throw classifyAwsError(error, {action: 'sts:GetCallerIdentity', endpoint: env.AWS_ENDPOINT_URL_STS ?? `sts.${connection.region}.amazonaws.com`, resource: '*'})
  } finally {
    client.destroy()
  }
}
