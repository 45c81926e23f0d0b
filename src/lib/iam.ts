/**
 * The IAM policy an operator attaches to whoever runs this CLI and the Sentinel server: exactly
 * the DynamoDB actions the CLI calls (nothing that deletes a table), the server's item operations
 * on the table and its indexes, and, with a customer-managed key, what DynamoDB needs of KMS.
 */
import {DYNAMO_ACTIONS} from './actions.js'
import type {TableDefinition} from './tables.js'
import {type KmsKeyRef, partitionOf} from './validate.js'

/** The Sentinel server's item operations on every table. */
export const SERVER_ACTIONS = ['GetItem', 'PutItem', 'UpdateItem', 'DeleteItem', 'Query', 'Scan'] as const

/** DynamoDB calls KMS with these on the caller's behalf when a table uses a customer-managed key. */
export const KMS_ACTIONS = ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:DescribeKey', 'kms:CreateGrant'] as const

export interface PolicyTable {
  definition: TableDefinition
  tableName: string
  kmsKey?: KmsKeyRef
}

export interface PolicyScope {
  region: string
  /** 12 digits, or '*' when the account could not be determined. */
  account: string
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
  return `arn:${partitionOf(scope.region)}:dynamodb:${scope.region}:${scope.account}:table/${tableName}`
}

export function buildPolicy(scope: PolicyScope, tables: readonly PolicyTable[]): PolicyDocument {
  const statements: PolicyStatement[] = []
  for (const table of tables) {
    const arn = tableArn(scope, table.tableName)
    const kind = table.definition.policyKind
    statements.push(
      {Action: DYNAMO_ACTIONS.map((action) => `dynamodb:${action}`), Effect: 'Allow', Resource: arn, Sid: `Sentinel${kind}TableProvisioning`},
      {Action: SERVER_ACTIONS.map((action) => `dynamodb:${action}`), Effect: 'Allow', Resource: [arn, `${arn}/index/*`], Sid: `Sentinel${kind}TableOperations`},
    )
    if (table.kmsKey) statements.push(kmsStatement(scope, kind, table.kmsKey))
  }

  return {Statement: statements, Version: '2012-10-17'}
}

function kmsStatement(scope: PolicyScope, kind: string, kmsKey: KmsKeyRef): PolicyStatement {
  const partition = partitionOf(scope.region)
  const condition: Record<string, Record<string, string | string[]>> = {StringEquals: {'kms:ViaService': `dynamodb.${scope.region}.amazonaws.com`}}
  let resource: string
  switch (kmsKey.kind) {
    case 'key-arn': {
      resource = kmsKey.arn
      break
    }

    case 'key-id': {
      resource = `arn:${partition}:kms:${scope.region}:${scope.account}:key/${kmsKey.id}`
      break
    }

    default: {
      // KMS authorises on the key, not the alias: allow the keys that carry this alias.
      const alias = kmsKey.kind === 'alias' ? kmsKey.name : kmsKey.arn.slice(kmsKey.arn.indexOf(':alias/') + 1)
      const account = kmsKey.kind === 'alias-arn' ? kmsKey.arn.split(':')[4] : scope.account
      resource = `arn:${partition}:kms:${scope.region}:${account}:key/*`
      condition['ForAnyValue:StringEquals'] = {'kms:ResourceAliases': alias}
    }
  }

  return {Action: [...KMS_ACTIONS], Condition: condition, Effect: 'Allow', Resource: resource, Sid: `Sentinel${kind}TableKms`}
}
