/**
 * Encryption at rest with a KMS key: the AWS-managed key for DynamoDB, or the customer-managed key
 * --kms-key names (compared by key ARN: an alias names a key only in KMS), and that key's own
 * state (a key KMS will not let DynamoDB use makes the table unreadable). Carried by CreateTable;
 * switched in place with UpdateTable SSESpecification, never downgraded.
 */
import type {SSESpecification} from '@aws-sdk/client-dynamodb'

import type {Encryption} from '../../tables/table-spec.js'
import type {KmsKeyRef} from '../../tables/validate.js'
import type {Drift} from '../plan.js'

import {describeEncryption, type DesiredTable, kmsKeyId} from '../../tables/desired.js'
import {ENCRYPTION_CHANGING} from '../live-table.js'
import {KEY_STATES, keyStateFix} from '../states.js'
import {type TableSetting} from './setting.js'

/** " (UPDATING)" while a change of encryption key is under way; nothing once it is ENABLED. */
const changing = (status: string | undefined) => (status && status !== 'ENABLED' ? ` (${status})` : '')

export const encryption: TableSetting = {
  actions: ['set-encryption'],
  async apply(action, step) {
    await step.updateTable(action, {SSESpecification: sseSpecification(step.spec.encryption)})
  },
  calls: ['CreateTable', 'DescribeTable', 'UpdateTable'],
  checkNew(desired, plan) {
    // A table is never created on a key KMS is about to delete, or cannot use.
    const keyState = keyStateDrift(desired)
    if (keyState) plan.drift.push(keyState)
  },
  cloudFormation: {
    // The AWS-managed key unless each replica names its own customer-managed key.
    globalTable: () => ({SSESpecification: {SSEEnabled: true, SSEType: 'KMS'}}),
    replica: ({encryption}) => (encryption.kind === 'customer-managed'
      ? {SSESpecification: {KMSMasterKeyId: encryption.kmsMasterKeyId}}
      : {}),
    // SSEType KMS without a key is the AWS-managed key (alias/aws/dynamodb), as the CLI applies it.
    table: ({encryption}) => ({
      SSESpecification: {
        SSEEnabled: true,
        SSEType: 'KMS',
        ...(encryption.kind === 'customer-managed' ? {KMSMasterKeyId: encryption.kmsMasterKeyId} : {}),
      },
    }),
  },
  compare(desired, live, plan) {
    const {encryption} = live
    const {kmsKey} = desired
    if (encryption.kind === 'unreported') {
      plan.endpointGaps.push('encryption settings')
      return
    }

    if (!kmsKey) {
      // Any KMS key satisfies "encrypted with KMS"; a customer-managed one is never downgraded.
      if (encryption.kind === 'aws-owned') {
        plan.actions.push({
          summary: 'Encrypt with the AWS-managed KMS key (now the AWS-owned key)',
          type: 'set-encryption',
        })
      }

      return
    }

    const {resolvedKmsKey} = desired
    // The key's own state first: a change of key under way cannot finish on a key KMS will not let
    // DynamoDB use, so waiting for it would only run out the clock.
    const keyState = keyStateDrift(desired)
    if (keyState) plan.drift.push(keyState)
    // The key changes under way: compared once it is done (the wait is planned with the table's).
    if (encryption.kind === 'kms' && ENCRYPTION_CHANGING.has(encryption.status ?? '')) return
    const described = resolvedKmsKey && 'arn' in resolvedKmsKey
    if (encryption.kind === 'kms' && kmsKeyMatches(kmsKey, encryption.kmsKeyArn, resolvedKmsKey)) {
      // The table is on the key named; whether KMS still lets DynamoDB use it is part of the verdict.
      if (!described) plan.drift.push(unverifiedKey(desired, kmsKey, encryption.kmsKeyArn, 'state'))
      return
    }

    const alias = kmsKey.kind === 'alias' || kmsKey.kind === 'alias-arn'
    // An alias KMS could not resolve: the table's key cannot be compared, so it is never called converged.
    if (encryption.kind === 'kms' && alias && !described) {
      plan.drift.push(unverifiedKey(desired, kmsKey, encryption.kmsKeyArn, 'alias'))
      return
    }

    const resolved = alias && described ? ` (${resolvedKmsKey.arn})` : ''
    const now = encryption.kind === 'kms' ? `; now ${encryption.kmsKeyArn}` : '; now the AWS-owned key'
    plan.actions.push({summary: `Encrypt with ${describeEncryption(kmsKey)}${resolved}${now}`, type: 'set-encryption'})
  },
  created: desired => `encrypted with ${describeEncryption(desired.kmsKey)}`,
  createTable: spec => ({SSESpecification: sseSpecification(spec.encryption)}),
  name: 'encryption',
  part: 'table',
  replicaCreate: ({encryption}) => (encryption.kind === 'customer-managed'
    ? {KMSMasterKeyId: encryption.kmsMasterKeyId}
    : {}),
  state: {
    field: 'encryption',
    label: 'encryption',
    position: 4,
    text: ({encryption}) => (encryption.kind === 'kms'
      ? `KMS ${encryption.kmsKeyArn ?? ''}${changing(encryption.status)}`.trim()
      : (encryption.kind === 'unreported' ? 'not reported by endpoint' : 'AWS-owned key')),
  },
  terraform: {
    replica: (replica, hcl) => [hcl.kmsKeyArn(replica.encryption, replica.region)],
    // enabled = true without a key is the AWS-managed key (SSEType KMS), as the CLI applies it.
    table: (spec, hcl) => [
      hcl.block('server_side_encryption', [hcl.attribute('enabled', true), hcl.kmsKeyArn(spec.encryption)]),
    ],
  },
}

/**
 * The table's key could not be described by KMS: whether an alias names it, or (a key named by ARN
 * or ID) whether KMS still lets DynamoDB use it. The fix follows the cause: a permission for a
 * denial, the endpoint for an unreachable KMS.
 */
function unverifiedKey(
  desired: DesiredTable,
  kmsKey: KmsKeyRef,
  liveArn: string | undefined,
  what: 'alias' | 'state',
): Drift {
  const failure = desired.resolvedKmsKey && 'error' in desired.resolvedKmsKey ? desired.resolvedKmsKey : undefined
  const why = (failure?.error ?? 'KMS was not asked').replace(/\.$/, '')
  const question = what === 'alias'
    ? `whether ${kmsKeyId(kmsKey)} names that key`
    : 'whether KMS still lets DynamoDB use that key (its state)'
  const permission = failure?.code === undefined || failure.code === 'ACCESS_DENIED' || failure.code === 'AWS_ERROR'
  return {
    remedy: permission || !failure?.suggestion
      ? 'Allow kms:DescribeKey on the key (the provisioner policy from --generate-iam includes it), ' +
        'and check that the key exists in the table\'s region; then rerun.'
      : failure.suggestion,
    summary: `Encrypted with ${liveArn}; ${question} could not be checked: ${why}.`,
    type: 'kms-key-unverified',
  }
}

/** The key --kms-key names, in a state that keeps DynamoDB from using it: what it means and the fix. */
function keyStateDrift(desired: DesiredTable): Drift | undefined {
  const key = desired.resolvedKmsKey
  if (!key || !('arn' in key)) return undefined
  return keyStateProblem(key, {named: '--kms-key', where: desired.suggest?.kmsCliArgs ?? ''})
}

/**
 * A key DynamoDB cannot use in its state (anything but Enabled): what that means and the copyable
 * fix. `named` says which key it is, `where` is the `aws kms` flags of the key's region.
 */
export function keyStateProblem(
  key: {arn: string; customKeyStoreId?: string; state?: string},
  {named, subject = '', where}: {named: string; subject?: string; where: string},
): Drift | undefined {
  if (key.state === undefined || key.state === 'Enabled') return undefined
  const known = Object.hasOwn(KEY_STATES, key.state) ? KEY_STATES[key.state] : undefined
  return {
    remedy: keyStateFix(key.state, {
      arn: key.arn, customKeyStoreId: key.customKeyStoreId, where,
    }, named === '--kms-key' ? '--kms-key' : ''),
    summary: `${subject}KMS key ${key.arn} (${named}) is ${key.state}: ` +
      `${known?.meaning ?? 'DynamoDB can use only an Enabled key'}.`,
    type: 'kms-key-state',
  }
}

/** The table's key is the one named: by key ARN, by key ID, or (an alias) by the ARN KMS resolved it to. */
export function kmsKeyMatches(
  kmsKey: KmsKeyRef,
  liveArn: string | undefined,
  resolved?: DesiredTable['resolvedKmsKey'],
): boolean {
  if (!liveArn) return false
  if (kmsKey.kind === 'key-arn') return kmsKey.arn === liveArn
  if (kmsKey.kind === 'key-id') return liveArn.endsWith(`:key/${kmsKey.id}`)
  return Boolean(resolved && 'arn' in resolved && resolved.arn === liveArn)
}

/** SSEType KMS without a key is the AWS-managed key (alias/aws/dynamodb). */
function sseSpecification(encryption: Encryption): SSESpecification {
  if (encryption.kind === 'aws-managed') return {Enabled: true, SSEType: 'KMS'}
  return {Enabled: true, KMSMasterKeyId: encryption.kmsMasterKeyId, SSEType: 'KMS'}
}
