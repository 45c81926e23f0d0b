import type {TableDefinition} from '../tables/definitions.js'
import type {DesiredTable} from '../tables/desired.js'
import type {KmsKeyRef} from '../tables/validate.js'

/**
 * The IAM policies for Sentinel's tables. Two different principals use them, and neither should get
 * the other's rights:
 * - provisioner: whoever runs this CLI. Exactly the DynamoDB actions the CLI calls, on the table;
 *   nothing item-level, nothing that deletes.
 * - server: the Sentinel server / Lambda TVM role. Exactly the item operations its runtime calls on
 *   each table (and on the table's indexes where it queries them); no table-level action.
 * - both (the default): the two together, for teams that run everything as one role.
 * With a customer-managed key each adds what DynamoDB asks of KMS for that principal, only through
 * DynamoDB (kms:ViaService).
 */
import {DYNAMO_ACTIONS} from '../aws/dynamodb-port.js'
import {dynamoDbHost, partitionOf} from '../aws/partitions.js'

/** Who the policy is for; the values of --policy-for. */
export const POLICY_FOR = ['both', 'provisioner', 'server'] as const
export type PolicyFor = (typeof POLICY_FOR)[number]

/**
 * What DynamoDB asks of KMS with the credentials of a principal that reads and writes items: it
 * decrypts the table key (then caches it for minutes per connection). DynamoDB generates table keys
 * itself, under the grant made when the key was chosen. (AWS KMS Developer Guide, "How Amazon
 * DynamoDB uses AWS KMS": the Decrypt event names the principal accessing the table; GenerateDataKey
 * names the DynamoDB service.)
 */
export const KMS_SERVER_ACTIONS = ['kms:Decrypt'] as const

/**
 * What the principal that chooses a customer-managed key for a table (CreateTable, UpdateTable
 * SSESpecification) needs, as the same guide lists it: DescribeKey to check the key, CreateGrant for
 * the grant DynamoDB then works under, and the cryptographic operations done on its behalf when the
 * table key is made or re-encrypted.
 */
export const KMS_PROVISIONER_ACTIONS = [
  'kms:Encrypt',
  'kms:Decrypt',
  'kms:ReEncrypt*',
  'kms:GenerateDataKey*',
  'kms:DescribeKey',
  'kms:CreateGrant',
] as const

const KMS_ACTIONS_FOR: Record<PolicyFor, readonly string[]> = {
  both: [...new Set([...KMS_PROVISIONER_ACTIONS, ...KMS_SERVER_ACTIONS])],
  provisioner: KMS_PROVISIONER_ACTIONS,
  server: KMS_SERVER_ACTIONS,
}

/** A table as the policy needs it; a DesiredTable is one. */
export type PolicyTable = Pick<DesiredTable, 'definition' | 'kmsKey' | 'tableName'>

export interface PolicyScope {
  region: string
  /** 12 digits, or '*' when the account could not be determined. */
  account: string
}

export interface PolicyOptions {
  /** Default both. */
  policyFor?: PolicyFor
}

export interface PolicyStatement {
  Sid: string
  Effect: 'Allow'
  Action: string[]
  Resource: string | string[]
  Condition?: Record<string, Record<string, string | string[]>>
}

export interface PolicyDocument {
  Version: '2012-10-17'
  Statement: PolicyStatement[]
}

export function tableArn(scope: PolicyScope, tableName: string): string {
  return `arn:${partitionOf(scope.region).name}:dynamodb:${scope.region}:${scope.account}:table/${tableName}`
}

/**
 * Per table, in this order: Sentinel<Kind>TableProvisioning (not for server),
 * Sentinel<Kind>TableOperations (not for provisioner), and Sentinel<Kind>TableKms with a customer key.
 */
export function buildPolicy(
  scope: PolicyScope,
  tables: readonly PolicyTable[],
  options: PolicyOptions = {},
): PolicyDocument {
  const policyFor = options.policyFor ?? 'both'
  if (!POLICY_FOR.includes(policyFor)) throw new Error(`Unknown policy audience "${policyFor}".`)
  return {Statement: tables.flatMap(table => tableStatements(scope, table, policyFor)), Version: '2012-10-17'}
}

function tableStatements(scope: PolicyScope, table: PolicyTable, policyFor: PolicyFor): PolicyStatement[] {
  const arn = tableArn(scope, table.tableName)
  const sid = `Sentinel${table.definition.policyKind}Table`
  const statements: PolicyStatement[] = []
  if (policyFor !== 'server') {
    const actions = DYNAMO_ACTIONS.map(action => dynamoAction(action))
    statements.push({
      Action: actions, Effect: 'Allow', Resource: arn, Sid: `${sid}Provisioning`,
    })
  }

  if (policyFor !== 'provisioner') statements.push(operationsStatement(arn, table.definition, `${sid}Operations`))
  if (table.kmsKey) statements.push(kmsStatement(scope, `${sid}Kms`, table.kmsKey, KMS_ACTIONS_FOR[policyFor]))
  if (table.kmsKey && policyFor !== 'server') {
    statements.push(keyLookupStatement(scope, `${sid}KmsKeyLookup`, table.kmsKey))
  }

  return statements
}

/** The runtime's own calls on this table; its indexes only where it queries them. */
function operationsStatement(arn: string, definition: TableDefinition, sid: string): PolicyStatement {
  const queriesIndexes = definition.indexes.length > 0 && definition.runtimeActions.includes('Query')
  return {
    Action: definition.runtimeActions.map(action => dynamoAction(action)),
    Effect: 'Allow',
    Resource: queriesIndexes ? [arn, `${arn}/index/*`] : arn,
    Sid: sid,
  }
}

function dynamoAction(action: string): string {
  return `dynamodb:${action}`
}

/**
 * The service name KMS sees when DynamoDB calls it for a principal. AWS documents
 * dynamodb.<region>.amazonaws.com; where the partition's DNS suffix differs (aws-cn's amazonaws.com.cn,
 * aws-eusc, aws-iso*) the docs do not settle which name KMS reports, so both are allowed: each is
 * DynamoDB in this region.
 */
export function kmsViaService(region: string): string | string[] {
  const documented = `dynamodb.${region}.amazonaws.com`
  const regional = dynamoDbHost(region)
  return regional === documented ? documented : [documented, regional]
}

/**
 * The CLI's own kms:DescribeKey (not through DynamoDB, so no kms:ViaService): an alias in --kms-key
 * is resolved to compare the table's key ARN with it. Scoped to the key, or to keys with the alias.
 */
function keyLookupStatement(scope: PolicyScope, sid: string, kmsKey: KmsKeyRef): PolicyStatement {
  const {condition, resource} = keyScope(scope, kmsKey)
  return {
    Action: ['kms:DescribeKey'],
    ...(condition ? {Condition: condition} : {}),
    Effect: 'Allow',
    Resource: resource,
    Sid: sid,
  }
}

/** The key a --kms-key names, as IAM sees it: its ARN, or (an alias) the keys carrying the alias. */
function keyScope(
  scope: PolicyScope,
  kmsKey: KmsKeyRef,
): {condition?: Record<string, Record<string, string>>; resource: string} {
  const partition = partitionOf(scope.region).name
  switch (kmsKey.kind) {
  case 'key-arn': {
    return {resource: kmsKey.arn}
  }

  case 'key-id': {
    return {resource: `arn:${partition}:kms:${scope.region}:${scope.account}:key/${kmsKey.id}`}
  }

  default: {
    // KMS authorises on the key, not the alias: allow the keys that carry this alias.
    const alias = kmsKey.kind === 'alias' ? kmsKey.name : kmsKey.arn.slice(kmsKey.arn.indexOf(':alias/') + 1)
    const account = kmsKey.kind === 'alias-arn' ? kmsKey.arn.split(':')[4] : scope.account
    return {
      condition: {'ForAnyValue:StringEquals': {'kms:ResourceAliases': alias}},
      resource: `arn:${partition}:kms:${scope.region}:${account}:key/*`,
    }
  }
  }
}

function kmsStatement(
  scope: PolicyScope,
  sid: string,
  kmsKey: KmsKeyRef,
  actions: readonly string[],
): PolicyStatement {
  const {condition, resource} = keyScope(scope, kmsKey)
  return {
    Action: [...actions],
    Condition: {StringEquals: {'kms:ViaService': kmsViaService(scope.region)}, ...condition},
    Effect: 'Allow',
    Resource: resource,
    Sid: sid,
  }
}
