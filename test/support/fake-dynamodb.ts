/**
 * An in-memory DynamoDB behind the DynamoDbPort, for unit tests of the provisioning service:
 * tables with their indexes, TTL, PITR and tags; tables and indexes that stay CREATING for a
 * number of DescribeTable calls; and scripted AWS behaviour (errors, answers lost after the call
 * landed, "not found" right after CreateTable, stale or paged tags). Every call is recorded.
 * Errors go through the real classifier, exactly as the SDK adapter throws them.
 */
import type {
  CreateTableCommandInput,
  GlobalSecondaryIndexDescription,
  TableDescription,
  Tag,
  UpdateTableCommandInput,
} from '@aws-sdk/client-dynamodb'

import type {DynamoDbPort, PortOperation} from '../../src/aws/dynamodb-port.js'

import {PORT_ACTIONS} from '../../src/aws/dynamodb-port.js'
import {classifyAwsError} from '../../src/aws/errors.js'

interface FakeTable {
  description: TableDescription
  /** DescribeTable calls left before the table (and its new indexes) become ACTIVE. */
  busyPolls: number
  ttl: {attribute?: string; status: string}
  pitr: boolean
  tags: Record<string, string>
  /** The tag set ListTagsOfResource still shows, and for how many more calls. */
  staleTags?: {tags: Record<string, string>; calls: number}
  /** DescribeTable/TTL/backups calls that still answer "not found" after CreateTable. */
  invisibleCalls: number
}

/** A scripted answer for the next call(s) of one operation (on one table, when `table` is given). */
export type Script = {table?: string} & (
  | {kind: 'error'; name: string; status?: number; fault?: 'client' | 'server'; message?: string; times?: number}
  /** The call takes effect, but the caller hears a dropped connection. */
  | {kind: 'lose-answer'; times?: number}
)

export interface FakeOptions {
  endpointOverride?: boolean
  /** As --local: the CLI's own DynamoDB Local (implies endpointOverride). */
  local?: boolean
  /** DescribeTable calls a new table (or index) stays CREATING. */
  busyPolls?: number
  /** After CreateTable, DescribeTable & co. answer "not found" for this many calls. */
  invisibleAfterCreate?: number
  /** After a tag write, ListTagsOfResource shows the old tags for this many calls. */
  staleTagCalls?: number
  /** ListTagsOfResource page size (AWS: 10). */
  tagPageSize?: number
  /** Operations the endpoint does not implement (an emulator): UnknownOperationException. */
  lacking?: PortOperation[]
}

export class FakeDynamoDb implements DynamoDbPort {
  readonly endpointName = 'fake.dynamodb.local'
  readonly endpointOverride: boolean
  readonly local: boolean
  readonly calls: PortOperation[] = []
  /** Each write's input as it was sent (a copy), in order: what AWS would have been asked. */
  readonly sent: {operation: PortOperation; input: unknown}[] = []
  readonly tables = new Map<string, FakeTable>()
  private readonly scripts = new Map<PortOperation, Script[]>()

  constructor(private readonly options: FakeOptions = {}) {
    this.local = options.local ?? false
    this.endpointOverride = options.endpointOverride ?? this.local
  }

  script(operation: PortOperation, script: Script): this {
    this.scripts.set(operation, [...(this.scripts.get(operation) ?? []), script])
    return this
  }

  count(operation: PortOperation): number {
    return this.calls.filter(call => call === operation).length
  }

  /** A table someone made by hand, ACTIVE, with whatever it was given. */
  seed(input: CreateTableCommandInput, extra: Partial<Pick<FakeTable, 'pitr' | 'tags' | 'ttl'>> = {}): void {
    this.insert(input, 0)
    const table = this.tables.get(input.TableName!)!
    table.invisibleCalls = 0
    Object.assign(table, extra)
  }

  async createTable(input: CreateTableCommandInput) {
    this.sent.push({input: structuredClone(input), operation: 'createTable'})
    return this.call('createTable', input.TableName!, () => {
      if (this.tables.has(input.TableName!)) {
        throw awsError('ResourceInUseException', `Table already exists: ${input.TableName}`)
      }

      this.insert(input, this.options.busyPolls ?? 0)
      return {TableDescription: this.tables.get(input.TableName!)!.description}
    })
  }

  async describeTable(input: {TableName?: string}) {
    return this.call('describeTable', input.TableName!, () => {
      const table = this.visible(input.TableName!)
      if (table.busyPolls > 0 && --table.busyPolls === 0) this.activate(table)
      return {Table: structuredClone(table.description)}
    })
  }

  async describeTimeToLive(input: {TableName?: string}) {
    return this.call('describeTimeToLive', input.TableName!, () => {
      const {ttl} = this.visible(input.TableName!)
      return {TimeToLiveDescription: {AttributeName: ttl.attribute, TimeToLiveStatus: ttl.status as 'ENABLED'}}
    })
  }

  async describeContinuousBackups(input: {TableName?: string}) {
    return this.call('describeContinuousBackups', input.TableName!, () => {
      const status = this.visible(input.TableName!).pitr ? 'ENABLED' : 'DISABLED'
      return {
        ContinuousBackupsDescription: {
          ContinuousBackupsStatus: 'ENABLED' as const,
          PointInTimeRecoveryDescription: {PointInTimeRecoveryStatus: status as 'ENABLED'},
        },
      }
    })
  }

  /** Resource policies by table ARN (as DynamoDB keeps them: JSON text); none answers PolicyNotFoundException. */
  readonly resourcePolicies = new Map<string, string>()

  async getResourcePolicy(input: {ResourceArn?: string}) {
    return this.call('getResourcePolicy', input.ResourceArn!, () => {
      const policy = this.resourcePolicies.get(input.ResourceArn!)
      if (!policy) {
        throw awsError('PolicyNotFoundException', `Resource-based policy not found for the provided ResourceArn: ${
          input.ResourceArn}`)
      }

      return {Policy: policy, RevisionId: '1'}
    })
  }

  async listTagsOfResource(input: {NextToken?: string; ResourceArn?: string}) {
    return this.call('listTagsOfResource', input.ResourceArn!, () => {
      const table = this.byArn(input.ResourceArn!)
      let {tags} = table
      if (table.staleTags && table.staleTags.calls > 0) {
        table.staleTags.calls--
        tags = table.staleTags.tags
      }

      const all: Tag[] = Object.entries(tags).map(([Key, Value]) => ({Key, Value}))
      const size = this.options.tagPageSize ?? 10
      const start = Number(input.NextToken ?? 0)
      const next = start + size < all.length ? String(start + size) : undefined
      return {NextToken: next, Tags: all.slice(start, start + size)}
    })
  }

  async tagResource(input: {ResourceArn?: string; Tags?: Tag[]}) {
    this.sent.push({input: structuredClone(input), operation: 'tagResource'})
    return this.call('tagResource', input.ResourceArn!, () => {
      const table = this.byArn(input.ResourceArn!)
      const before = {...table.tags}
      for (const tag of input.Tags ?? []) table.tags[tag.Key!] = tag.Value!
      if (Object.keys(table.tags).length > 50) {
        table.tags = before
        throw awsError('ValidationException', 'Too many tags: a resource can have at most 50 tags.')
      }

      if (this.options.staleTagCalls) table.staleTags = {calls: this.options.staleTagCalls, tags: before}
      return {}
    })
  }

  async updateContinuousBackups(input: {
    PointInTimeRecoverySpecification?: {PointInTimeRecoveryEnabled?: boolean}
    TableName?: string
  }) {
    this.sent.push({input: structuredClone(input), operation: 'updateContinuousBackups'})
    return this.call('updateContinuousBackups', input.TableName!, () => {
      this.visible(input.TableName!).pitr = Boolean(input.PointInTimeRecoverySpecification?.PointInTimeRecoveryEnabled)
      return {}
    })
  }

  async updateTimeToLive(input: {
    TableName?: string
    TimeToLiveSpecification?: {AttributeName?: string; Enabled?: boolean}
  }) {
    this.sent.push({input: structuredClone(input), operation: 'updateTimeToLive'})
    return this.call('updateTimeToLive', input.TableName!, () => {
      const table = this.visible(input.TableName!)
      if (table.ttl.status === 'ENABLED') throw awsError('ValidationException', 'TimeToLive is already enabled')
      table.ttl = {attribute: input.TimeToLiveSpecification?.AttributeName, status: 'ENABLED'}
      return {}
    })
  }

  async updateTable(input: UpdateTableCommandInput) {
    this.sent.push({input: structuredClone(input), operation: 'updateTable'})
    return this.call('updateTable', input.TableName!, () => {
      const table = this.visible(input.TableName!)
      const {description} = table
      if (description.TableStatus !== 'ACTIVE') {
        throw awsError('ResourceInUseException', `Table is being updated: ${input.TableName}`)
      }

      const create = input.GlobalSecondaryIndexUpdates?.[0]?.Create
      if (create) {
        if (description.GlobalSecondaryIndexes?.some(gsi => gsi.IndexName === create.IndexName)) {
          const message = `Attempting to create an index which already exists: ${create.IndexName}`
          throw awsError('ValidationException', message)
        }

        const index: GlobalSecondaryIndexDescription = {
          IndexName: create.IndexName,
          IndexStatus: 'CREATING',
          KeySchema: create.KeySchema,
          Projection: create.Projection,
        }
        description.GlobalSecondaryIndexes = [...(description.GlobalSecondaryIndexes ?? []), index]
        description.AttributeDefinitions = mergeAttributes(
          description.AttributeDefinitions ?? [],
          input.AttributeDefinitions ?? [],
        )
      }

      if (input.SSESpecification) description.SSEDescription = kmsDescription(input.SSESpecification.KMSMasterKeyId)
      if (input.DeletionProtectionEnabled !== undefined) {
        description.DeletionProtectionEnabled = input.DeletionProtectionEnabled
      }

      description.TableStatus = 'UPDATING'
      table.busyPolls = Math.max(1, this.options.busyPolls ?? 1)
      return {TableDescription: structuredClone(description)}
    })
  }

  destroy(): void {}

  private insert(input: CreateTableCommandInput, busyPolls: number): void {
    const name = input.TableName!
    const description: TableDescription = {
      AttributeDefinitions: input.AttributeDefinitions,
      BillingModeSummary: {BillingMode: input.BillingMode ?? 'PROVISIONED'},
      DeletionProtectionEnabled: input.DeletionProtectionEnabled ?? false,
      GlobalSecondaryIndexes: input.GlobalSecondaryIndexes?.map(gsi => ({
        IndexName: gsi.IndexName,
        IndexStatus: busyPolls > 0 ? 'CREATING' : 'ACTIVE',
        KeySchema: gsi.KeySchema,
        Projection: gsi.Projection,
      })),
      ItemCount: 0,
      KeySchema: input.KeySchema,
      SSEDescription: input.SSESpecification?.Enabled
        ? kmsDescription(input.SSESpecification.KMSMasterKeyId)
        : undefined,
      TableArn: `arn:aws:dynamodb:us-east-1:123456789012:table/${name}`,
      TableName: name,
      TableStatus: busyPolls > 0 ? 'CREATING' : 'ACTIVE',
    }
    this.tables.set(name, {
      busyPolls,
      description,
      invisibleCalls: this.options.invisibleAfterCreate ?? 0,
      pitr: false,
      tags: Object.fromEntries((input.Tags ?? []).map(tag => [tag.Key!, tag.Value!])),
      ttl: {status: 'DISABLED'},
      ...(this.options.staleTagCalls ? {staleTags: {calls: this.options.staleTagCalls, tags: {}}} : {}),
    })
  }

  private activate(table: FakeTable): void {
    table.description.TableStatus = 'ACTIVE'
    for (const gsi of table.description.GlobalSecondaryIndexes ?? []) gsi.IndexStatus = 'ACTIVE'
  }

  private visible(name: string): FakeTable {
    const table = this.tables.get(name)
    if (!table) throw awsError('ResourceNotFoundException', `Requested resource not found: Table: ${name} not found`)
    if (table.invisibleCalls > 0) {
      table.invisibleCalls--
      throw awsError('ResourceNotFoundException', `Requested resource not found: Table: ${name} not found`)
    }

    return table
  }

  private byArn(arn: string): FakeTable {
    return this.visible(arn.slice(arn.indexOf('table/') + 'table/'.length))
  }

  /** Records the call, plays a scripted answer if one is due, else does the operation. */
  private async call<T>(operation: PortOperation, resource: string, act: () => T): Promise<T> {
    this.calls.push(operation)
    const context = {action: `dynamodb:${PORT_ACTIONS[operation]}`, endpoint: this.endpointName, resource}
    try {
      if (this.options.lacking?.includes(operation)) {
        throw awsError('UnknownOperationException', 'An unknown operation was requested.')
      }

      const script = this.nextScript(operation, resource)
      if (script?.kind === 'error') {
        throw awsError(script.name, script.message ?? script.name, script.status, script.fault)
      }

      const result = act()
      if (script?.kind === 'lose-answer') throw Object.assign(new Error('socket hang up'), {code: 'ECONNRESET'})
      return result
    } catch (error) {
      throw classifyAwsError(error, context)
    }
  }

  private nextScript(operation: PortOperation, resource: string): Script | undefined {
    const queue = this.scripts.get(operation) ?? []
    // A table's name, or its ARN (ListTagsOfResource, TagResource).
    const matches = (table?: string) => table === undefined || resource === table || resource.endsWith(`/${table}`)
    const index = queue.findIndex(script => matches(script.table))
    if (index === -1) return undefined
    const script = queue[index]
    const times = (script.times ?? 1) - 1
    if (times <= 0) queue.splice(index, 1)
    else queue[index] = {...script, times}
    return script
  }
}

/** An error shaped as the SDK throws it: a name, the HTTP status and its fault. */
export function awsError(
  name: string,
  message: string,
  status = 400,
  fault: 'client' | 'server' = status >= 500 ? 'server' : 'client',
): Error {
  return Object.assign(new Error(message), {
    $fault: fault,
    $metadata: {attempts: 1, httpStatusCode: status, requestId: 'fake-request'},
    name,
  })
}

/**
 * An in-memory KMS beside the fake DynamoDB: DescribeKey of a key ID, key ARN or alias gives the ARN
 * the fake reports for a table on it, in `state` (Enabled unless a test says otherwise).
 */
export function fakeKms(state = 'Enabled', asked: string[] = []) {
  return async (keyId: string) => {
    asked.push(keyId)
    return {arn: kmsArn(keyId), state}
  }
}

function kmsArn(keyId: string | undefined): string {
  if (keyId?.startsWith('arn:')) return keyId
  return `arn:aws:kms:us-east-1:123456789012:key/${keyId ?? 'aws-managed-dynamodb'}`
}

/** The SSEDescription of a table encrypted with this KMS key (the AWS-managed one when undefined). */
function kmsDescription(keyId: string | undefined): TableDescription['SSEDescription'] {
  return {KMSMasterKeyArn: kmsArn(keyId), SSEType: 'KMS', Status: 'ENABLED'}
}

function mergeAttributes<T extends {AttributeName?: string}>(existing: T[], added: T[]): T[] {
  const isNew = (attribute: T) => !existing.some(known => known.AttributeName === attribute.AttributeName)
  return [...existing, ...added.filter(attribute => isNew(attribute))]
}
