/**
 * Issue 17: the IAM policies for global tables, proven with an IAM policy evaluator
 * (@cloud-copilot/iam-simulate), as test/unit/iam.test.ts proves the one-region policies. The
 * provisioner may add replicas in the named regions only and never remove one; the server / TVM
 * role may make its runtime calls in every region of the table, and nowhere else.
 */
import {runSimulation} from '@cloud-copilot/iam-simulate'
import {expect} from 'chai'

import {DYNAMO_ACTIONS} from '../../src/aws/dynamodb-port.js'
import {
  buildPolicy, type PolicyDocument, type PolicyFor, REPLICA_CREATION_ACTIONS, REPLICA_SETTINGS_ACTIONS,
} from '../../src/iam/policy.js'
import {ALL_TABLES, SESSIONS_TABLE} from '../../src/tables/definitions.js'
import {parseReplicas} from '../../src/tables/replicas.js'
import {parseKmsKey} from '../../src/tables/validate.js'

const ACCOUNT = '123456789012'
const HOME = 'us-east-1'
const REPLICAS = ['eu-west-1', 'us-west-2']
const NOT_NAMED = 'ap-south-1'
const KEY = '11111111-2222-3333-4444-555555555555'
const keyArn = (region: string) => `arn:aws:kms:${region}:${ACCOUNT}:key/${KEY}`
const arn = (region: string, table = SESSIONS_TABLE.defaultTableName) =>
  `arn:aws:dynamodb:${region}:${ACCOUNT}:table/${table}`
const ROLE = `arn:aws:iam::${ACCOUNT}:role/aws-service-role/replication.dynamodb.amazonaws.com/` +
  'AWSServiceRoleForDynamoDBReplication'
/** SPEC's runtime calls of the sessions table, written out here. */
const SESSIONS_RUNTIME = ['GetItem', 'PutItem', 'UpdateItem', 'DeleteItem', 'Query', 'Scan']

interface Check {
  action: string
  resource: string
  context?: Record<string, string | string[]>
}

async function decide(policy: PolicyDocument, check: Check): Promise<string> {
  const isKms = check.action.startsWith('kms:')
  const result = await runSimulation(
    {
      identityPolicies: [{name: 'sentinel', policy}],
      request: {
        action: check.action,
        contextVariables: check.context ?? {},
        principal: `arn:aws:iam::${ACCOUNT}:role/sentinel`,
        resource: {accountId: ACCOUNT, resource: check.resource},
      },
      resourceControlPolicies: [],
      resourcePolicy: isKms
        ? {
          Statement: [{
            Action: 'kms:*', Effect: 'Allow', Principal: {AWS: `arn:aws:iam::${ACCOUNT}:root`}, Resource: '*',
          }],
          Version: '2012-10-17',
        }
        : undefined,
      serviceControlPolicies: [],
    },
    {},
  )
  if (result.resultType === 'error') throw new Error(`${check.action}: ${JSON.stringify(result.errors)}`)
  return result.overallResult
}

async function wrong(policy: PolicyDocument, checks: Check[], expected: string): Promise<string[]> {
  const found: string[] = []
  for (const check of checks) {
    const decision = await decide(policy, check)
    if (decision !== expected) found.push(`${check.action} on ${check.resource}: ${decision}`)
  }

  return found
}

const on = (actions: readonly string[], resource: string): Check[] =>
  actions.map(action => ({action: `dynamodb:${action}`, resource}))

function policyFor(audience: PolicyFor, withKeys = false): PolicyDocument {
  const kmsKey = withKeys ? parseKmsKey(keyArn(HOME), HOME) : undefined
  const kmsKeys = withKeys ? REPLICAS.map(region => `${region}=${keyArn(region)}`) : undefined
  const replicas = parseReplicas({kmsKeys, regions: REPLICAS}, HOME, kmsKey)
  const tables = ALL_TABLES.map(definition => ({
    definition, kmsKey, replicas, tableName: definition.defaultTableName,
  }))
  return buildPolicy({account: ACCOUNT, region: HOME}, tables, {policyFor: audience})
}

const via = (region: string) => ({'kms:ViaService': `dynamodb.${region}.amazonaws.com`})

describe('IAM policies for global tables, proven with an IAM policy evaluator', function () {
  this.timeout(60_000)

  it('provisioner: UpdateTable on the table; in each named region what adding a replica needs and the ' +
    'per-region settings', async () => {
    const policy = policyFor('provisioner')
    const allowed = [
      ...on(DYNAMO_ACTIONS, arn(HOME)),
      ...REPLICAS.flatMap(region => on([...REPLICA_CREATION_ACTIONS, ...REPLICA_SETTINGS_ACTIONS], arn(region))),
    ]
    expect(allowed.map(check => check.action)).to.include.members([
      'dynamodb:CreateTableReplica',
      'dynamodb:BatchWriteItem',
      'dynamodb:UpdateContinuousBackups',
      'dynamodb:TagResource',
    ])
    expect(await wrong(policy, allowed, 'Allowed')).to.deep.equal([])
  })

  it('provisioner: UpdateTimeToLive on the table in every region that has a replica (a TTL repair on a ' +
    'global table needs it in each, as AWS documents)', async () => {
    for (const audience of ['provisioner', 'both'] as const) {
      const policy = policyFor(audience)
      const allowed = [HOME, ...REPLICAS].map(region => ({action: 'dynamodb:UpdateTimeToLive', resource: arn(region)}))
      expect(await wrong(policy, allowed, 'Allowed'), audience).to.deep.equal([])
      const elsewhere = {action: 'dynamodb:UpdateTimeToLive', resource: arn(NOT_NAMED)}
      expect(await decide(policy, elsewhere), audience).to.equal('ImplicitlyDenied')
    }
  })

  it(
    'provisioner: never DeleteTable or DeleteTableReplica, nothing in a region not named, no item call at home',
    async () => {
      const policy = policyFor('provisioner')
      const denied = [
        ...[HOME, ...REPLICAS].flatMap(region =>
          on(['DeleteTable', 'DeleteTableReplica', 'UntagResource'], arn(region))),
        ...on([...DYNAMO_ACTIONS, ...REPLICA_CREATION_ACTIONS], arn(NOT_NAMED)),
        ...on(['GetItem', 'PutItem', 'DeleteItem', 'Scan', 'BatchWriteItem'], arn(HOME)),
        ...on(['CreateTableReplica'], arn('eu-west-1', 'someone-elses')),
      ]
      expect(await wrong(policy, denied, 'ImplicitlyDenied')).to.deep.equal([])
    },
  )

  it('provisioner: iam:CreateServiceLinkedRole for DynamoDB replication only', async () => {
    const policy = policyFor('provisioner')
    const create = (service: string, resource = ROLE) => ({
      action: 'iam:CreateServiceLinkedRole', context: {'iam:AWSServiceName': service}, resource,
    })
    expect(await decide(policy, create('replication.dynamodb.amazonaws.com'))).to.equal('Allowed')
    const denied = [
      create('elasticmapreduce.amazonaws.com'),
      create('dax.amazonaws.com', `arn:aws:iam::${ACCOUNT}:role/aws-service-role/dax.amazonaws.com/DAX`),
      {action: 'iam:CreateRole', resource: ROLE},
      {action: 'iam:DeleteServiceLinkedRole', resource: ROLE},
    ]
    expect(await wrong(policy, denied, 'ImplicitlyDenied')).to.deep.equal([])
    const serverSids = policyFor('server').Statement.map(statement => statement.Sid)
    expect(serverSids).not.to.include('SentinelDynamoDbReplicationRole')
  })

  it('server: the runtime calls in every region of the table (table and indexes), nowhere else', async () => {
    const policy = policyFor('server')
    const regions = [HOME, ...REPLICAS]
    const allowed = regions.flatMap(region => [
      ...on(SESSIONS_RUNTIME, arn(region)),
      {action: 'dynamodb:Query', resource: `${arn(region)}/index/gsi-user`},
    ])
    expect(await wrong(policy, allowed, 'Allowed')).to.deep.equal([])
    const denied = [
      ...on(SESSIONS_RUNTIME, arn(NOT_NAMED)),
      ...regions.flatMap(region =>
        on(['CreateTable', 'UpdateTable', 'CreateTableReplica', 'DeleteTable'], arn(region))),
      {
        action: 'iam:CreateServiceLinkedRole',
        context: {'iam:AWSServiceName': 'replication.dynamodb.amazonaws.com'},
        resource: ROLE,
      },
    ]
    expect(await wrong(policy, denied, 'ImplicitlyDenied')).to.deep.equal([])
  })

  it('customer keys: each replica key through DynamoDB in its own region only', async () => {
    for (const audience of ['provisioner', 'server'] as const) {
      const policy = policyFor(audience, true)
      const allowed = REPLICAS.map(region => ({action: 'kms:Decrypt', context: via(region), resource: keyArn(region)}))
      if (audience === 'provisioner') {
        allowed.push(...REPLICAS.map(region =>
          ({action: 'kms:CreateGrant', context: via(region), resource: keyArn(region)})))
      }

      expect(await wrong(policy, allowed, 'Allowed'), audience).to.deep.equal([])
      const denied = [
        ...REPLICAS.map(region => ({action: 'kms:Decrypt', context: via(HOME), resource: keyArn(region)})),
        ...REPLICAS.map(region => ({action: 'kms:Decrypt', resource: keyArn(region)})),
        {action: 'kms:Decrypt', context: via(NOT_NAMED), resource: keyArn(NOT_NAMED)},
      ]
      expect(await wrong(policy, denied, 'ImplicitlyDenied'), audience).to.deep.equal([])
    }
  })
})
