import type {KmsKeyRef} from '../tables/validate.js'

/**
 * The plan: compare a table definition (desired state) with what DescribeTable & co. returned
 * (live state) and say what apply will do (actions), what it must not touch (drift) and what the
 * operator should know (notices). Pure functions: no AWS calls here.
 */
import {
  countsTowardTagLimit, type IndexDefinition, keyAttributes, MAX_TAGS_PER_RESOURCE, SENTINEL_TAG_KEY,
  type TableDefinition,
} from '../tables/definitions.js'
import {
  describeEncryption, type DesiredTable, desiredTags, kmsKeyId,
} from '../tables/desired.js'
import {
  ENCRYPTION_CHANGING, type LiveTable, type OnDemandCap, UNREAD, UNSUPPORTED,
} from './live-table.js'
import {FAILED_TABLE_STATES, KEY_STATES, keyStateFix} from './states.js'

export type Action =
  | {index: IndexDefinition; summary: string; type: 'add-index'}
  | {summary: string; tags: ReadonlyMap<string, string>; type: 'add-tags'}
  | {summary: string; tags: ReadonlyMap<string, string>; type: 'set-tag-values'}
  | {summary: string; type: 'create-table'}
  | {summary: string; type: 'enable-deletion-protection'}
  | {summary: string; type: 'enable-pitr'}
  | {summary: string; type: 'enable-ttl'}
  | {summary: string; type: 'set-encryption'}
  | {summary: string; type: 'wait-for-table'}

export type DriftType =
  | 'attribute-type'
  | 'billing-mode'
  | 'index-keys'
  | 'index-projection'
  | 'key-schema'
  | 'kms-key-state'
  | 'kms-key-unverified'
  | 'multi-region-strong'
  | 'on-demand-cap'
  | 'replica-key'
  | 'replica-status'
  | 'stream-view-type'
  | 'table-deleting'
  | 'table-status'
  | 'tag-conflict'
  | 'tag-limit'
  | 'ttl-attribute'
  | 'ttl-disabling'

export interface Drift {
  type: DriftType
  summary: string
  remedy: string
}

/** What an endpoint (an emulator) may not implement; said once per run, not per table. */
export type EndpointGap = 'deletion protection' | 'encryption settings' | 'point-in-time recovery' | 'tagging' | 'TTL'

export interface TablePlan {
  tableName: string
  exists: boolean
  actions: Action[]
  drift: Drift[]
  notices: string[]
  /** What the endpoint does not implement, so was not checked. */
  endpointGaps: EndpointGap[]
}

/**
 * An AWS CLI command for this table, with the run's region, profile and endpoint (quoted by the
 * command): copyable as printed. Table names and ARNs need no quoting ([A-Za-z0-9_.:/-]).
 */
function awsDynamodb(desired: DesiredTable, command: string, args: readonly string[], last: string[] = []): string {
  const where = desired.suggest?.awsCliArgs
  return ['aws', 'dynamodb', command, ...args, ...(where ? [where] : []), ...last].join(' ')
}

function formatKeys(partitionKey?: string, sortKey?: string): string {
  return sortKey ? `(${partitionKey}, ${sortKey})` : `(${partitionKey ?? 'none'})`
}

export function planTable(desired: DesiredTable, live: LiveTable | undefined): TablePlan {
  const plan: TablePlan = {
    actions: [], drift: [], endpointGaps: [], exists: Boolean(live), notices: [], tableName: desired.tableName,
  }
  const {definition} = desired
  if (!live) {
    const count = definition.indexes.length
    const indexNames = definition.indexes.map(gsi => gsi.name).join(', ')
    const indexSummary = count === 0 ? 'no indexes' : `${count} ${count === 1 ? 'index' : 'indexes'} (${indexNames})`
    const summary = `Create table ${desired.tableName}: key ${definition.partitionKey} (S), ${indexSummary}, ` +
      `on-demand billing, encrypted with ${describeEncryption(desired.kmsKey)}, ` +
      `deletion protection ${desired.deletionProtection ? 'on' : 'off'}, tags ${formatTags(desiredTags(desired))}`
    plan.actions.push({summary, type: 'create-table'}, enableTtl(definition))
    if (desired.pitr) plan.actions.push(enablePitr())
    // A table is never created on a key KMS is about to delete, or cannot use.
    const keyState = keyStateDrift(desired)
    if (keyState) plan.drift.push(keyState)
    return plan
  }

  if (live.status === 'DELETING') {
    plan.drift.push({
      remedy: 'Wait until the deletion has finished, then run this command again to create the table.',
      summary: `Table ${live.name} is being deleted.`,
      type: 'table-deleting',
    })
    return plan
  }

  if (!['ACTIVE', 'CREATING', 'UPDATING'].includes(live.status)) {
    const known = Object.hasOwn(FAILED_TABLE_STATES, live.status) ? FAILED_TABLE_STATES[live.status] : undefined
    plan.drift.push({
      remedy: known?.remedy ?? 'See the table in the DynamoDB console, fix what it reports, then run again.',
      summary: `Table ${live.name} is ${live.status}${known ? `: ${known.meaning}` : ''}.`,
      type: 'table-status',
    })
    return plan
  }

  const busyIndexes = live.indexes.filter(gsi => gsi.status !== 'ACTIVE')
  if (live.status !== 'ACTIVE' || busyIndexes.length > 0) {
    const what = live.status === 'ACTIVE'
      ? `index ${busyIndexes.map(gsi => `${gsi.name} (${gsi.status})`).join(', ')}`
      : `table (${live.status})`
    plan.actions.push({
      summary: `Wait for the ${what} to become ACTIVE (another process is changing it)`,
      type: 'wait-for-table',
    })
  } else if (ENCRYPTION_CHANGING.has(live.encryption.status ?? '')) {
    // A change of key under way is not converged yet: waited for, then the key is compared.
    const to = live.encryption.kmsKeyArn ? ` (to ${live.encryption.kmsKeyArn})` : ''
    plan.actions.push({
      summary: `Wait for the change of encryption key under way${to} to finish (SSE ${live.encryption.status})`,
      type: 'wait-for-table',
    })
  }

  planKeysAndIndexes(desired, live, plan)
  planSettings(desired, live, plan)
  return plan
}

function planKeysAndIndexes(desired: DesiredTable, live: LiveTable, plan: TablePlan): void {
  const {definition} = desired
  if (live.partitionKey !== definition.partitionKey || live.sortKey !== undefined) {
    plan.drift.push({
      remedy: 'A key schema cannot change in place: create a new table with the right keys ' +
        (desired.suggest?.newTableCommand
          ? `(${desired.suggest.newTableCommand}, or another new name), `
          : `(rerun this command with the ${definition.purpose} table's name flag naming a new table), `) +
        'copy the items over, and point Sentinel at it.',
      summary: `Key schema is ${formatKeys(live.partitionKey, live.sortKey)}, ` +
        `Sentinel needs (${definition.partitionKey}) with no sort key.`,
      type: 'key-schema',
    })
  }

  for (const attribute of keyAttributes(definition)) {
    const type = live.attributeTypes[attribute]
    if (type && type !== 'S') {
      plan.drift.push({
        remedy: 'Attribute types cannot change while a key uses them: ' +
          `move the data to a new table whose ${attribute} is a string (S).`,
        summary: `Key attribute ${attribute} has type ${type}, Sentinel needs S.`,
        type: 'attribute-type',
      })
    }
  }

  for (const gsi of definition.indexes) {
    const found = live.indexes.find(candidate => candidate.name === gsi.name)
    if (!found) {
      plan.actions.push({
        index: gsi,
        summary: `Add index ${gsi.name} ${formatKeys(gsi.partitionKey, gsi.sortKey)}, projecting ALL`,
        type: 'add-index',
      })
      continue
    }

    if (found.partitionKey !== gsi.partitionKey || found.sortKey !== gsi.sortKey) {
      plan.drift.push({
        remedy: `An index's keys cannot change in place: delete index ${gsi.name} yourself ` +
          '(queries on it fail until it is back), then rerun to add it with the right keys.',
        summary: `Index ${gsi.name} has keys ${formatKeys(found.partitionKey, found.sortKey)}, ` +
          `Sentinel needs ${formatKeys(gsi.partitionKey, gsi.sortKey)}.`,
        type: 'index-keys',
      })
    }

    if (found.projectionType !== undefined && found.projectionType !== 'ALL') {
      plan.drift.push({
        remedy: `A projection cannot change in place: delete index ${gsi.name} yourself, ` +
          'then rerun to add it projecting ALL.',
        summary: `Index ${gsi.name} projects ${found.projectionType}, Sentinel needs ALL.`,
        type: 'index-projection',
      })
    }
  }

  const extra = live.indexes
  .filter(gsi => !definition.indexes.some(wanted => wanted.name === gsi.name))
  .map(gsi => gsi.name)
  if (extra.length > 0) plan.notices.push(`Index ${extra.join(', ')} is not in Sentinel's definition; left alone.`)
  if (live.localIndexes.length > 0) {
    const names = live.localIndexes.join(', ')
    plan.notices.push(`Local secondary index ${names} is not in Sentinel's definition; left alone.`)
  }
}

function planSettings(desired: DesiredTable, live: LiveTable, plan: TablePlan): void {
  const {definition} = desired
  if (live.billingMode !== 'PAY_PER_REQUEST') {
    const onDemand = ['--table-name', desired.tableName, '--billing-mode', 'PAY_PER_REQUEST']
    plan.drift.push({
      remedy: `Switch the table to on-demand yourself (${awsDynamodb(desired, 'update-table', onDemand)}) ` +
        'once you have checked the cost, then rerun.',
      summary: `Billing mode is ${live.billingMode}, Sentinel's tables are on-demand (PAY_PER_REQUEST).`,
      type: 'billing-mode',
    })
  }

  planOnDemandCaps(desired, live, plan)
  planEncryption(desired, live, plan)
  if (live.multiRegionConsistency === 'STRONG') {
    plan.drift.push({
      remedy: 'A global table\'s consistency mode cannot change in place: make a table with eventual consistency ' +
        '(sentinel\'s --replica-region) under another name, copy the items over, and point Sentinel at it.',
      summary: 'Table is a multi-Region strongly consistent (MRSC) global table; MRSC does not support TTL, ' +
        'which Sentinel needs.',
      type: 'multi-region-strong',
    })
  }

  if (live.deletionProtection === UNSUPPORTED) {
    plan.endpointGaps.push('deletion protection')
  } else if (!live.deletionProtection && desired.deletionProtection) {
    plan.actions.push({summary: 'Turn deletion protection on', type: 'enable-deletion-protection'})
  } else if (live.deletionProtection && !desired.deletionProtection) {
    plan.notices.push('Deletion protection is on; --no-deletion-protection never turns it off.')
  }

  const {ttl} = live
  if (ttl.status === UNSUPPORTED) {
    plan.endpointGaps.push('TTL')
  } else if (ttl.status === 'DISABLED') {
    plan.actions.push(enableTtl(definition))
  } else if (ttl.status === 'DISABLING') {
    plan.drift.push({
      remedy: 'AWS allows re-enabling TTL about an hour after it was disabled: rerun then.',
      summary: 'TTL is being disabled.',
      type: 'ttl-disabling',
    })
  } else if (ttl.attribute !== definition.ttlAttribute) {
    plan.drift.push({
      remedy: `Sentinel writes expiry times to "${definition.ttlAttribute}". ` +
        'Disable TTL yourself (AWS then locks it for up to an hour), ' +
        `then rerun to enable it on "${definition.ttlAttribute}".`,
      summary: `TTL is ${ttl.status} on attribute "${ttl.attribute}", Sentinel needs "${definition.ttlAttribute}".`,
      type: 'ttl-attribute',
    })
  }

  if (live.pitr === UNSUPPORTED) {
    if (desired.pitr) plan.endpointGaps.push('point-in-time recovery')
  } else if (live.pitr !== UNREAD && live.pitr !== 'ENABLED' && desired.pitr) {
    plan.actions.push(enablePitr())
  } else if (live.pitr === 'ENABLED' && !desired.pitr) {
    plan.notices.push('Point-in-time recovery is on; --no-pitr never turns it off.')
  }

  planTags(desired, live, plan)
}

function planEncryption(desired: DesiredTable, live: LiveTable, plan: TablePlan): void {
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
  // The key changes under way: compared once it is done (the wait is planned above).
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

/**
 * OnDemandThroughput caps on the table or an index: nobody asked Sentinel for them, and a low cap
 * throttles the TVM. Reported, not lifted: a cap is a spending limit someone set on purpose, and
 * lifting it is theirs to decide, as switching billing mode is.
 */
function planOnDemandCaps(desired: DesiredTable, live: LiveTable, plan: TablePlan): void {
  const capped = [
    ...(live.onDemandCap ? [{cap: live.onDemandCap, name: undefined}] : []),
    ...live.indexes.filter(gsi => gsi.onDemandCap).map(gsi => ({cap: gsi.onDemandCap!, name: gsi.name})),
  ]
  if (capped.length === 0) return
  const noLimit = 'MaxReadRequestUnits=-1,MaxWriteRequestUnits=-1'
  const fixes = capped.map(({name}) => awsDynamodb(desired, 'update-table', name === undefined
    ? ['--table-name', desired.tableName, '--on-demand-throughput', noLimit]
    : ['--table-name',
      desired.tableName,
      '--global-secondary-index-updates',
      `'Update={IndexName=${name},OnDemandThroughput={${noLimit}}}'`]))
  const what = capped.map(({cap, name}) => `${name === undefined ? 'the table' : `index ${name}`} ${formatCap(cap)}`)
  plan.drift.push({
    remedy: `Remove the cap yourself once you have checked the cost (-1 means no limit): ${fixes.join('; ')}; ` +
      'then rerun.',
    summary: `On-demand throughput is capped (${what.join(', ')}); Sentinel's tables are not capped, and requests ` +
      'over a cap are throttled (the TVM fails them).',
    type: 'on-demand-cap',
  })
}

function formatCap(cap: OnDemandCap): string {
  const parts = [
    ...(cap.maxRead === undefined ? [] : [`at most ${cap.maxRead} read request units a second`]),
    ...(cap.maxWrite === undefined ? [] : [`at most ${cap.maxWrite} write request units a second`]),
  ]
  return parts.join(' and ')
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

function planTags(desired: DesiredTable, live: LiveTable, plan: TablePlan): void {
  if (live.tags === UNREAD) return
  if (live.tags === UNSUPPORTED) {
    plan.endpointGaps.push('tagging')
    return
  }

  const missing = new Map<string, string>()
  const changed = new Map<string, string>()
  const was: string[] = []
  for (const [key, value] of desiredTags(desired)) {
    const current = live.tags.get(key)
    if (current === undefined) {
      missing.set(key, value)
    } else if (current !== value && key === SENTINEL_TAG_KEY) {
      plan.drift.push({
        remedy: 'Check that you are provisioning the right table: ' +
          `give the ${desired.definition.purpose} table's name with --${desired.definition.nameFlag} ` +
          // No command named: plan knows neither the CLI's name nor its topic separator.
          `(the commands for all four tables) or --table (the ${desired.definition.kind} command).`,
        summary: `Table is tagged ${SENTINEL_TAG_KEY}=${current}, ` +
          `but this command provisions the ${desired.definition.kind} table.`,
        type: 'tag-conflict',
      })
    } else if (current !== value) {
      // A tag given is an expectation: another value is drift, set in place (TagResource removes nothing).
      changed.set(key, value)
      was.push(`${key}=${current}`)
    }
  }

  if (changed.size > 0) {
    plan.actions.push({
      summary: `Set tag ${formatTags(changed)} (now ${was.join(', ')})`, tags: changed, type: 'set-tag-values',
    })
  }

  // AWS-assigned aws: tags do not count toward the limit.
  const count = [...live.tags.keys(), ...missing.keys()].filter(key => countsTowardTagLimit(key)).length
  if (missing.size > 0 && count > MAX_TAGS_PER_RESOURCE) {
    const resource = ['--resource-arn', live.arn ?? desired.tableName]
    const untag = awsDynamodb(desired, 'untag-resource', resource, ['--tag-keys'])
    plan.drift.push({
      remedy: `Remove tags you no longer need from the table (${untag} and the keys to remove), ` +
        'or pass fewer --tag flags, then rerun.',
      summary: `Adding ${formatTags(missing)} would give the table ${count} tags; ` +
        `DynamoDB allows ${MAX_TAGS_PER_RESOURCE} (aws: tags not counted).`,
      type: 'tag-limit',
    })
  } else if (missing.size > 0) {
    plan.actions.push({summary: `Add tags ${formatTags(missing)}`, tags: missing, type: 'add-tags'})
  }
}

function enableTtl(definition: TableDefinition): Action {
  return {summary: `Enable TTL on attribute "${definition.ttlAttribute}"`, type: 'enable-ttl'}
}

function enablePitr(): Action {
  return {summary: 'Enable point-in-time recovery', type: 'enable-pitr'}
}

function formatTags(tags: ReadonlyMap<string, string>): string {
  return [...tags]
  .map(([key, value]) => `${key}=${value}`)
  .join(', ')
}

/** True when apply has nothing to do and nothing is drifted. */
export function isConverged(plan: TablePlan): boolean {
  return plan.actions.length === 0 && plan.drift.length === 0
}
