/**
 * One table as every output spells it: the CreateTable input, the CloudFormation resource and the
 * Terraform resources are all derived from this description, each table setting writing its own part
 * of each (provisioning/settings/). Plain data built from a DesiredTable. The shapes DynamoDB's API,
 * CloudFormation and (in snake case) Terraform share (KeySchema, AttributeDefinitions, an index)
 * are kept in DynamoDB's spelling; what differs per target stays with the target.
 */
import type {StreamViewType} from '@aws-sdk/client-dynamodb'

import type {KmsKeyRef} from './validate.js'

import {indexSpec, keyAttributes} from './definitions.js'
import {type DesiredTable, desiredTags, kmsKeyId} from './desired.js'

/**
 * An attribute definition: every key attribute of Sentinel's tables is a string; an export adopting
 * a live table also carries the attributes of the indexes someone added to it, of any type.
 */
export interface AttributeSpec {
  AttributeName: string
  AttributeType: 'B' | 'N' | 'S'
}

export interface KeyElement {
  AttributeName: string
  KeyType: 'HASH' | 'RANGE'
}

/**
 * An index as DynamoDB, CloudFormation's Table and (in snake case) Terraform take it. Sentinel's own
 * have both keys and project ALL; one someone added to a live table, carried by an export, may not.
 */
export interface IndexSpec {
  IndexName: string
  KeySchema: KeyElement[]
  Projection: {NonKeyAttributes?: string[]; ProjectionType: 'ALL' | 'INCLUDE' | 'KEYS_ONLY'}
  /** An adopted table's index's maximum on-demand throughput, as DescribeTable reports it (-1: none). */
  OnDemandThroughput?: {MaxReadRequestUnits?: number; MaxWriteRequestUnits?: number}
}

/** A tag as DynamoDB's Tags and CloudFormation's Tags take it. */
export interface TagSpec {
  Key: string
  Value: string
}

/** The AWS-managed key for DynamoDB, or a customer-managed key. */
export type Encryption = CustomerManagedKey | {kind: 'aws-managed'}

export interface CustomerManagedKey {
  kind: 'customer-managed'
  /** As the operator named it (a key ARN is written as it is; anything else needs a lookup). */
  key: KmsKeyRef
  /** The key as DynamoDB's KMSMasterKeyId takes it: key ID, key ARN, alias name or alias ARN. */
  kmsMasterKeyId: string
}

/** What a replica of a global table holds of its own: AWS copies none of it from the table. */
export interface ReplicaSpec {
  region: string
  encryption: Encryption
  deletionProtection: boolean
  pitr: boolean
  tags: TagSpec[]
}

export interface TableSpec {
  tableName: string
  attributeDefinitions: AttributeSpec[]
  /** The partition key only: Sentinel's tables have no sort key. */
  keySchema: KeyElement[]
  indexes: IndexSpec[]
  billingMode: 'PAY_PER_REQUEST'
  ttlAttribute: string
  deletionProtection: boolean
  pitr: boolean
  encryption: Encryption
  /** The user's tags and the sentinel:table marker, sorted by key: the one order every output uses. */
  tags: TagSpec[]
  /**
   * The stream a global table has (AWS turns it on with the first replica); none in one region, unless
   * an export adopts a live table whose stream someone turned on.
   */
  stream?: {viewType: StreamViewType}
  /** The replicas in other regions, in the order given; none for a table in one region. */
  replicas: ReplicaSpec[]
}

/** Attribute definitions for these names, all strings. */
export function stringAttributes(names: readonly string[]): AttributeSpec[] {
  return names.map(name => ({AttributeName: name, AttributeType: 'S'}))
}

/** The attribute of a key schema (the table's or an index's) with this role. */
export function keyAttribute(schema: readonly KeyElement[], type: KeyElement['KeyType']): string | undefined {
  return schema.find(element => element.KeyType === type)?.AttributeName
}

function encryption(kmsKey: KmsKeyRef | undefined): Encryption {
  return kmsKey ? {key: kmsKey, kind: 'customer-managed', kmsMasterKeyId: kmsKeyId(kmsKey)} : {kind: 'aws-managed'}
}

/** The description of a desired table: everything CreateTable, CloudFormation and Terraform say of it. */
export function tableSpec(desired: DesiredTable): TableSpec {
  const {definition} = desired
  const tags = [...desiredTags(desired)]
  .sort(([a], [b]) => (a < b ? -1 : (a > b ? 1 : 0)))
  .map(([Key, Value]) => ({Key, Value}))
  // Deletion protection, PITR and tags are the same in every region; each replica has its own key.
  const replicas = (desired.replicas ?? []).map(replica => ({
    deletionProtection: desired.deletionProtection,
    encryption: encryption(replica.kmsKey),
    pitr: desired.pitr,
    region: replica.region,
    // Each replica its own copy: a shared array would be one object in every output built from it.
    tags: tags.map(tag => ({...tag})),
  }))
  return {
    attributeDefinitions: stringAttributes(keyAttributes(definition)),
    billingMode: 'PAY_PER_REQUEST',
    deletionProtection: desired.deletionProtection,
    encryption: encryption(desired.kmsKey),
    indexes: definition.indexes.map(gsi => indexSpec(gsi)),
    keySchema: [{AttributeName: definition.partitionKey, KeyType: 'HASH'}],
    pitr: desired.pitr,
    replicas,
    ...(replicas.length > 0 ? {stream: {viewType: 'NEW_AND_OLD_IMAGES'}} : {}),
    tableName: desired.tableName,
    tags,
    ttlAttribute: definition.ttlAttribute,
  }
}
