import type {DynamoAction} from '../aws/dynamodb-port.js'
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
import {arnParts} from '../aws/arn.js'
import {dynamoDbHost, partitionOf} from '../aws/partitions.js'
import {TABLE_SETTINGS} from '../provisioning/settings/index.js'

/** Who the policy is for; the values of --policy-for. */
export const POLICY_FOR = ['both', 'provisioner', 'server'] as const
export type PolicyFor = (typeof POLICY_FOR)[number]

/**
 * What --generate-iam suggests doing with the policy: the name to create it under, and the file the
 * run writes it to for `aws iam create-policy` (one per audience, so two can sit side by side).
 */
export function policyNaming(policyFor: PolicyFor): {file: string; policyName: string} {
  const policyName = {both: 'SentinelTables', provisioner: 'SentinelProvisioner', server: 'SentinelServer'}[policyFor]
  return {file: policyFor === 'both' ? 'policy.json' : `${policyFor}-policy.json`, policyName}
}

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
export type PolicyTable = Pick<DesiredTable, 'definition' | 'kmsKey' | 'replicas' | 'tableName'>

/**
 * What adding a replica needs in the replica's region (SPEC, "Multi-Region: global tables"): DynamoDB
 * creates the replica table with the caller's rights and backfills it with item calls. UpdateTable
 * on the table itself is in the provisioning statement.
 */
export const REPLICA_CREATION_ACTIONS = [
  'CreateTable',
  'CreateTableReplica',
  'Scan',
  'Query',
  'GetItem',
  'PutItem',
  'UpdateItem',
  'DeleteItem',
  'BatchWriteItem',
] as const

/**
 * What the CLI calls on a table: DescribeTable, and every setting's calls (settings/), in name order.
 * The same as every provisioning operation of the DynamoDB port (DYNAMO_ACTIONS; a unit test holds
 * the two together, so a call no setting declares cannot go unlisted).
 */
export const PROVISIONING_ACTIONS: readonly DynamoAction[] = [...new Set<DynamoAction>([
  'DescribeTable', ...TABLE_SETTINGS.flatMap(setting => setting.calls),
])].sort()

/**
 * What the CLI calls in a replica's region: DescribeTable, and the calls of the settings AWS does not
 * copy to a replica (settings/), read and set there. TTL's too: TTL is one setting for all replicas,
 * and AWS ("Using IAM with global tables") needs the permission in every Region that has a replica,
 * or a TTL repair on a global table is denied.
 */
export const REPLICA_SETTINGS_ACTIONS: readonly DynamoAction[] = [...new Set<DynamoAction>([
  'DescribeTable',
  ...TABLE_SETTINGS.filter(setting => setting.perRegion || setting.everyRegion).flatMap(setting => setting.calls)
  // CreateTable carries a setting to a new table; a replica's region gets its own in REPLICA_CREATION_ACTIONS.
  .filter(action => action !== 'CreateTable'),
])]

/** DynamoDB's replication service, whose service-linked role the first replica of an account creates. */
export const REPLICATION_SERVICE = 'replication.dynamodb.amazonaws.com'

export interface PolicyScope {
  region: string
  /** 12 digits, or '*' when the account could not be determined. */
  account: string
}

export interface PolicyOptions {
  /** Default both. */
  policyFor?: PolicyFor
  /**
   * The roles init:status --server-role / --provisioner-role checks: the policy of whoever runs that
   * check (provisioner, both) gets what it reads, as statements of their own.
   */
  checkedRoles?: readonly string[]
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

/** "eu-west-1" -> "EuWest1", for Sids. */
function regionSid(region: string): string {
  return region.split('-').map(part => part.charAt(0).toUpperCase() + part.slice(1)).join('')
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
  const statements = tables.flatMap(table => tableStatements(scope, table, policyFor))
  if (policyFor !== 'server' && tables.some(table => (table.replicas ?? []).length > 0)) {
    statements.push(replicationRoleStatement(scope))
  }

  if (policyFor !== 'server' && (options.checkedRoles ?? []).length > 0) {
    statements.push(...roleCheckStatements(scope, tables, options.checkedRoles ?? []))
  }

  return {Statement: statements, Version: '2012-10-17'}
}

/**
 * What init:status's role check reads: IAM's simulator for those roles only, each table's resource
 * policy in every region it has, and each customer key's key policy (the simulator weighs neither).
 */
function roleCheckStatements(
  scope: PolicyScope,
  tables: readonly PolicyTable[],
  roles: readonly string[],
): PolicyStatement[] {
  const tableArns = tables.flatMap(table => [
    tableArn(scope, table.tableName),
    ...(table.replicas ?? []).map(replica => tableArn({...scope, region: replica.region}, table.tableName)),
  ])
  const statements: PolicyStatement[] = [
    {
      Action: ['iam:SimulatePrincipalPolicy'],
      Effect: 'Allow',
      Resource: roles.length === 1 ? roles[0] : [...roles],
      Sid: 'SentinelRoleCheckSimulate',
    },
    {
      Action: ['dynamodb:GetResourcePolicy'],
      Effect: 'Allow',
      Resource: tableArns.length === 1 ? tableArns[0] : tableArns,
      Sid: 'SentinelRoleCheckTablePolicies',
    },
  ]
  const keys = new Map<string, {condition?: Record<string, Record<string, string>>; resource: string}>()
  for (const table of tables) {
    if (table.kmsKey) keys.set(JSON.stringify(keyScope(scope, table.kmsKey)), keyScope(scope, table.kmsKey))
    for (const replica of table.replicas ?? []) {
      if (!replica.kmsKey) continue
      const key = keyScope({...scope, region: replica.region}, replica.kmsKey)
      keys.set(JSON.stringify(key), key)
    }
  }

  for (const [index, {condition, resource}] of [...keys.values()].entries()) {
    statements.push({
      Action: ['kms:GetKeyPolicy'],
      ...(condition ? {Condition: condition} : {}),
      Effect: 'Allow',
      Resource: resource,
      Sid: `SentinelRoleCheckKeyPolicy${index === 0 ? '' : index + 1}`,
    })
  }

  return statements
}

/** The service-linked role DynamoDB replication runs as, made once per account; only that role. */
function replicationRoleStatement(scope: PolicyScope): PolicyStatement {
  const partition = partitionOf(scope.region).name
  return {
    Action: ['iam:CreateServiceLinkedRole'],
    Condition: {StringEquals: {'iam:AWSServiceName': REPLICATION_SERVICE}},
    Effect: 'Allow',
    Resource: `arn:${partition}:iam::${scope.account}:role/aws-service-role/${REPLICATION_SERVICE}/` +
      'AWSServiceRoleForDynamoDBReplication',
    Sid: 'SentinelDynamoDbReplicationRole',
  }
}

function tableStatements(scope: PolicyScope, table: PolicyTable, policyFor: PolicyFor): PolicyStatement[] {
  const arn = tableArn(scope, table.tableName)
  const sid = `Sentinel${table.definition.policyKind}Table`
  const replicas = table.replicas ?? []
  const replicaArns = replicas.map(replica => tableArn({...scope, region: replica.region}, table.tableName))
  const statements: PolicyStatement[] = []
  if (policyFor !== 'server') {
    const actions = PROVISIONING_ACTIONS.map(action => dynamoAction(action))
    statements.push({
      Action: actions, Effect: 'Allow', Resource: arn, Sid: `${sid}Provisioning`,
    })
    if (replicas.length > 0) {
      const replicaActions = [...new Set([...REPLICA_CREATION_ACTIONS, ...REPLICA_SETTINGS_ACTIONS])].sort()
      statements.push({
        Action: replicaActions.map(action => dynamoAction(action)),
        Effect: 'Allow',
        Resource: replicaArns.length === 1 ? replicaArns[0] : replicaArns,
        Sid: `${sid}Replicas`,
      })
    }
  }

  if (policyFor !== 'provisioner') {
    statements.push(operationsStatement([arn, ...replicaArns], table.definition, `${sid}Operations`))
  }

  if (table.kmsKey) statements.push(kmsStatement(scope, `${sid}Kms`, table.kmsKey, KMS_ACTIONS_FOR[policyFor]))
  if (table.kmsKey && policyFor !== 'server') {
    statements.push(keyLookupStatement(scope, `${sid}KmsKeyLookup`, table.kmsKey))
  }

  for (const replica of replicas) {
    if (!replica.kmsKey) continue
    const where = {...scope, region: replica.region}
    const replicaSid = `${sid}Kms${regionSid(replica.region)}`
    statements.push(kmsStatement(where, replicaSid, replica.kmsKey, KMS_ACTIONS_FOR[policyFor]))
    if (policyFor !== 'server') {
      statements.push(keyLookupStatement(where, `${sid}KmsKeyLookup${regionSid(replica.region)}`, replica.kmsKey))
    }
  }

  return statements
}

/** The runtime's own calls on this table (in every region it has); its indexes only where it queries them. */
function operationsStatement(arns: readonly string[], definition: TableDefinition, sid: string): PolicyStatement {
  const queriesIndexes = definition.indexes.length > 0 && definition.runtimeActions.includes('Query')
  const resources = queriesIndexes ? arns.flatMap(arn => [arn, `${arn}/index/*`]) : [...arns]
  return {
    Action: definition.runtimeActions.map(action => dynamoAction(action)),
    Effect: 'Allow',
    Resource: resources.length === 1 ? resources[0] : resources,
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
    const {accountId: account, resource: alias} = kmsKey.kind === 'alias-arn'
      ? arnParts(kmsKey.arn)
      : {accountId: scope.account, resource: kmsKey.name}
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
