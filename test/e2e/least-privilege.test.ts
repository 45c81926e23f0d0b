/**
 * Least privilege, proven: every DynamoDB call the CLI makes on every path is evaluated against
 * the policy --generate-iam prints, with an IAM policy evaluator (@cloud-copilot/iam-simulate).
 * Each must be allowed; DeleteTable, other tables and other accounts must not be. The two roles are
 * kept apart: --policy-for provisioner allows those calls and no item access, --policy-for server
 * allows the runtime's item calls and none of those. And AccessDenied on any single action is
 * reported by name and leaves nothing a rerun with access cannot finish.
 */
import {runSimulation} from '@cloud-copilot/iam-simulate'
import {expect} from 'chai'

import {cleanEnv, runCli} from '../support/cli.js'
import {
  emulatePitrAndTags, type RecordingProxy, startProxy, tableNameOf,
} from '../support/proxy.js'
import {allTableFlags, freshDynamoLocal, uniqueTable} from '../support/servers.js'

const ACCOUNT = '123456789012'
const OTHER_ACCOUNT = '210987654321'
const REGION = 'us-east-1'

type TableKind = 'approvals' | 'breakglass' | 'ratelimit' | 'sessions'

/** SPEC, "What the runtime calls", and the GSIs of "The tables", written out here. */
const RUNTIME: Record<TableKind, {actions: string[]; indexes: string[]}> = {
  approvals: {
    actions: ['GetItem', 'PutItem', 'DeleteItem', 'Query'],
    indexes: ['gsi-requester', 'gsi-status', 'gsi-profile'],
  },
  breakglass: {
    actions: ['GetItem', 'PutItem', 'DeleteItem', 'Query'],
    indexes: ['gsi-invoker', 'gsi-status', 'gsi-profile'],
  },
  ratelimit: {actions: ['UpdateItem'], indexes: []},
  sessions: {
    actions: ['GetItem', 'PutItem', 'UpdateItem', 'DeleteItem', 'Query', 'Scan'],
    indexes: ['gsi-user', 'gsi-status', 'gsi-profile', 'gsi-server-instance', 'gsi-device-id'],
  },
}
const ITEM_ACTIONS = [
  'GetItem',
  'PutItem',
  'UpdateItem',
  'DeleteItem',
  'Query',
  'Scan',
  'BatchGetItem',
  'BatchWriteItem',
]
const ADMINISTRATIVE = [
  'CreateTable',
  'UpdateTable',
  'DeleteTable',
  'UpdateTimeToLive',
  'UpdateContinuousBackups',
  'TagResource',
  'UntagResource',
  'DescribeTable',
  'CreateBackup',
  'RestoreTableToPointInTime',
]

interface Where {
  accountId?: string
  partition?: string
}

/** The evaluator's decision. A request it cannot evaluate fails the test rather than reading as "not allowed". */
async function decision(policy: object, action: string, resource: string, where: Where = {}): Promise<string> {
  const result = await runSimulation(
    {
      identityPolicies: [{name: 'sentinel', policy}],
      request: {
        action,
        contextVariables: {},
        principal: `arn:${where.partition ?? 'aws'}:iam::${ACCOUNT}:role/sentinel`,
        resource: {accountId: where.accountId ?? ACCOUNT, resource},
      },
      resourceControlPolicies: [],
      serviceControlPolicies: [],
    },
    {},
  )
  if (result.resultType === 'error') {
    throw new Error(`The evaluator refused ${action} on ${resource}: ${JSON.stringify(result.errors)}`)
  }

  return result.overallResult
}

/** Decides each (action, resource); returns the ones that did not come out as expected. */
async function wrongDecisions(
  policy: object,
  checks: [string, string][],
  expected: string,
  where: Where = {},
): Promise<string[]> {
  const wrong: string[] = []
  for (const [action, resource] of checks) {
    const decided = await decision(policy, `dynamodb:${action}`, resource, where)
    if (decided !== expected) wrong.push(`${action} on ${resource}: ${decided}`)
  }

  return wrong
}

/** DynamoDB Local's ARNs name region ddblocal and account 000000000000; AWS's name the real ones. */
function awsArn(request: {arn?: string; table?: string}, account = ACCOUNT): string {
  const table = tableNameOf(request.table ?? request.arn!)
  return `arn:aws:dynamodb:${REGION}:${account}:table/${table}`
}

function sidsOf(policy: {Statement: {Sid: string}[]}): string[] {
  return policy.Statement.map(statement => statement.Sid)
}

describe('least privilege, proven with an IAM policy evaluator', function () {
  this.timeout(120_000)
  let proxy: RecordingProxy
  const env = cleanEnv({AWS_REGION: REGION})
  const names: Record<TableKind, string> = {
    approvals: uniqueTable('lp-req'),
    breakglass: uniqueTable('lp-bg'),
    ratelimit: uniqueTable('lp-rl'),
    sessions: uniqueTable('lp-ses'),
  }
  const tableFlags = allTableFlags(names)
  const arnOf = (kind: TableKind) => `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${names[kind]}`
  const kinds = Object.keys(names) as TableKind[]

  before(async () => {
    proxy = await startProxy((await freshDynamoLocal()).endpoint)
    emulatePitrAndTags(proxy)
  })

  after(() => proxy.close())

  let recording: Promise<{action: string; arn?: string; table?: string}[]> | undefined
  /**
   * Runs the CLI once on every path (create, rerun, reconcile, plan, status, init:all) and returns
   * each distinct action and table it called. Recorded once, for every test that needs it.
   */
  function recordedCliCalls(): Promise<{action: string; arn?: string; table?: string}[]> {
    recording ??= (async () => {
      proxy.reset()
      emulatePitrAndTags(proxy)
      const endpoint = ['--endpoint-url', proxy.endpoint]
      const runs = [
        ['init:sessions', '--table', names.sessions, '--yes', '--no-deletion-protection', '--no-pitr'],
        ['init:sessions', '--table', names.sessions, '--yes', '--tag', 'team=sec'],
        ['init:sessions', '--table', names.sessions, '--plan'],
        ['init:breakglass', '--table', names.breakglass, '--plan', '--json'],
        ['init:all', ...tableFlags, '--yes'],
        ['init:all', ...tableFlags, '--yes'],
        ['init:status', ...tableFlags],
      ]
      for (const args of runs) {
        const run = await runCli([...args, ...endpoint], {env})
        expect(run.code, `${args.join(' ')}: ${run.stderr}`).to.equal(0)
      }

      return [...new Map(proxy.requests.map(request => [`${request.action} ${awsArn(request)}`, request])).values()]
    })()
    return recording
  }

  async function generatedPolicy(extra: string[] = []): Promise<{Statement: {Sid: string}[]}> {
    const args = ['init:all', ...tableFlags, '--generate-iam', '--region', REGION, '--account-id', ACCOUNT, ...extra]
    const run = await runCli(args)
    expect(run.code, `${args.join(' ')}: ${run.stderr}`).to.equal(0)
    return JSON.parse(run.stdout)
  }

  const everyPath =
    'every call on every path (create, rerun, reconcile, plan, status, init:all) is allowed; nothing else is'

  it(everyPath, async () => {
    const calls = await recordedCliCalls()
    const policy = await generatedPolicy()
    expect(calls.length).to.be.greaterThan(20)
    expect(new Set(calls.map(call => call.action))).to.include.all.keys(
      'CreateTable',
      'UpdateTable',
      'UpdateTimeToLive',
      'UpdateContinuousBackups',
      'TagResource',
      'ListTagsOfResource',
      'DescribeTable',
      'DescribeTimeToLive',
      'DescribeContinuousBackups',
    )
    for (const call of calls) {
      const decided = await decision(policy, `dynamodb:${call.action}`, awsArn(call))
      expect(decided, `${call.action} on ${awsArn(call)}`).to.equal('Allowed')
    }

    for (const kind of kinds) {
      const arn = arnOf(kind)
      const elsewhere = `arn:aws:dynamodb:${REGION}:${OTHER_ACCOUNT}:table/${names[kind]}`
      expect(await decision(policy, 'dynamodb:DeleteTable', arn)).to.equal('ImplicitlyDenied')
      expect(await decision(policy, 'dynamodb:UntagResource', arn)).to.equal('ImplicitlyDenied')
      const someoneElses = `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/someone-elses`
      expect(await decision(policy, 'dynamodb:CreateTable', someoneElses)).to.equal('ImplicitlyDenied')
      expect(await decision(policy, 'dynamodb:CreateTable', elsewhere, {accountId: OTHER_ACCOUNT}))
      .to.equal('ImplicitlyDenied')
    }

    for (const kind of ['sessions', 'breakglass', 'approvals'] as const) {
      expect(await decision(policy, 'dynamodb:Query', `${arnOf(kind)}/index/gsi-status`)).to.equal('Allowed')
      expect(await decision(policy, 'dynamodb:PutItem', arnOf(kind))).to.equal('Allowed')
    }

    // The rate limiter is only ever updated, never read, deleted or queried.
    expect(await decision(policy, 'dynamodb:UpdateItem', arnOf('ratelimit'))).to.equal('Allowed')
    const rateLimitDenied: [string, string][] = ['GetItem', 'PutItem', 'DeleteItem', 'Query', 'Scan'].map(action => [
      action,
      arnOf('ratelimit'),
    ])
    expect(await wrongDecisions(policy, rateLimitDenied, 'ImplicitlyDenied')).to.deep.equal([])
  })

  it('--policy-for provisioner: every call the CLI made is allowed; no item access, no delete', async () => {
    const calls = await recordedCliCalls()
    const policy = await generatedPolicy(['--policy-for', 'provisioner'])
    expect(sidsOf(policy)).to.deep.equal([
      'SentinelSessionTableProvisioning',
      'SentinelBreakGlassTableProvisioning',
      'SentinelApprovalTableProvisioning',
      'SentinelRateLimitTableProvisioning',
    ])
    const made: [string, string][] = calls.map(call => [call.action, awsArn(call)])
    expect(made.length).to.be.greaterThan(20)
    expect(await wrongDecisions(policy, made, 'Allowed')).to.deep.equal([])
    const denied: [string, string][] = kinds.flatMap(kind => [
      ...[...ITEM_ACTIONS, 'DeleteTable', 'UntagResource'].map((action): [string, string] => [action, arnOf(kind)]),
      ['Query', `${arnOf(kind)}/index/gsi-status`],
      ['DeleteBackup', `${arnOf(kind)}/backup/01700000000000-abcdef12`],
    ])
    expect(await wrongDecisions(policy, denied, 'ImplicitlyDenied')).to.deep.equal([])
  })

  it('--policy-for server: every runtime call is allowed; not one call the CLI made, nothing else', async () => {
    const calls = await recordedCliCalls()
    const policy = await generatedPolicy(['--policy-for', 'server'])
    expect(sidsOf(policy)).to.deep.equal([
      'SentinelSessionTableOperations',
      'SentinelBreakGlassTableOperations',
      'SentinelApprovalTableOperations',
      'SentinelRateLimitTableOperations',
    ])
    const runtimeCalls: [string, string][] = kinds.flatMap(kind => [
      ...RUNTIME[kind].actions.map((action): [string, string] => [action, arnOf(kind)]),
      ...RUNTIME[kind].indexes.map((index): [string, string] => ['Query', `${arnOf(kind)}/index/${index}`]),
    ])
    expect(runtimeCalls).to.have.length(15 + 11)
    expect(await wrongDecisions(policy, runtimeCalls, 'Allowed')).to.deep.equal([])
    // The server role cannot provision: each call the CLI made is denied to it.
    const made: [string, string][] = calls.map(call => [call.action, awsArn(call)])
    expect(await wrongDecisions(policy, made, 'ImplicitlyDenied')).to.deep.equal([])
    const denied: [string, string][] = kinds.flatMap(kind => [
      ...ADMINISTRATIVE.map((action): [string, string] => [action, arnOf(kind)]),
      ...ITEM_ACTIONS
      .filter(action => !RUNTIME[kind].actions.includes(action))
      .map((action): [string, string] => [action, arnOf(kind)]),
      ['DeleteBackup', `${arnOf(kind)}/backup/01700000000000-abcdef12`],
    ])
    expect(denied.map(([action, arn]) => `${action} ${arn}`)).to.include.members([
      `DeleteItem ${arnOf('ratelimit')}`,
      `Scan ${arnOf('breakglass')}`,
      `UpdateItem ${arnOf('approvals')}`,
    ])
    expect(await wrongDecisions(policy, denied, 'ImplicitlyDenied')).to.deep.equal([])
  })

  const partitions: [string, string, string, string[]][] = [
    ['cn-north-1', 'aws-cn', 'server', ['amazonaws.com', 'amazonaws.com.cn']],
    ['eusc-de-east-1', 'aws-eusc', 'provisioner', ['amazonaws.com', 'amazonaws.eu']],
  ]
  for (const [region, partition, policyFor, dnsSuffixes] of partitions) {
    const viaService = dnsSuffixes.map(suffix => `dynamodb.${region}.${suffix}`)
    it(`--policy-for ${policyFor} in ${region}: ARNs and kms:ViaService of ${partition}, proven there`, async () => {
      const args = ['init:all', ...tableFlags, '--generate-iam', '--policy-for', policyFor, '--region', region]
      const run = await runCli([...args, '--account-id', ACCOUNT, '--kms-key', 'alias/sentinel'])
      expect(run.code, run.stderr).to.equal(0)
      const policy = JSON.parse(run.stdout) as {Statement: {Sid: string; Condition?: any}[]}
      const kms = policy.Statement.filter(statement => statement.Sid.endsWith('TableKms'))
      expect(kms).to.have.length(4)
      for (const statement of kms) expect(statement.Condition.StringEquals['kms:ViaService']).to.deep.equal(viaService)
      const arn = (kind: TableKind) => `arn:${partition}:dynamodb:${region}:${ACCOUNT}:table/${names[kind]}`
      const allowed: [string, string][] =
        policyFor === 'server'
          ? kinds.flatMap(kind => RUNTIME[kind].actions.map((action): [string, string] => [action, arn(kind)]))
          : kinds.map((kind): [string, string] => ['CreateTable', arn(kind)])
      expect(await wrongDecisions(policy, allowed, 'Allowed', {partition})).to.deep.equal([])
      // The same calls on the aws partition's ARNs, or the other role's calls, are not allowed.
      const awsPartition: [string, string][] = allowed.map(([action, resource]) => [
        action,
        resource.replace(`arn:${partition}:`, 'arn:aws:'),
      ])
      const otherRoleAction = policyFor === 'server' ? 'CreateTable' : 'GetItem'
      const otherRole: [string, string][] = kinds.map(kind => [otherRoleAction, arn(kind)])
      const denied = [...awsPartition, ...otherRole]
      expect(await wrongDecisions(policy, denied, 'ImplicitlyDenied', {partition})).to.deep.equal([])
    })
  }

  // TagResource on an existing table: a new table gets its tags in CreateTable (which needs
  // dynamodb:TagResource too, but AWS then refuses the CreateTable).
  const writeActions: [string, string[]][] = [
    ['CreateTable', []],
    ['UpdateTimeToLive', []],
    ['UpdateContinuousBackups', []],
    ['TagResource', ['existing-without-protection']],
    ['DescribeTable', []],
    ['DescribeTimeToLive', []],
    ['DescribeContinuousBackups', []],
    ['UpdateTable', ['existing-without-protection']],
    ['ListTagsOfResource', ['existing-without-protection']],
  ]
  for (const [action, setup] of writeActions) {
    it(`AccessDenied on ${action} alone: named with its resource, exit 4; a rerun with access finishes`, async () => {
      const table = uniqueTable('deny')
      const args = ['init:approvals', '--endpoint-url', proxy.endpoint, '--table', table, '--yes']
      if (setup.length > 0) expect((await runCli([...args, '--no-deletion-protection'], {env})).code).to.equal(0)
      proxy.reset()
      emulatePitrAndTags(proxy)
      const message = `not authorized to perform dynamodb:${action}`
      proxy.fault(action, {
        kind: 'error',
        message,
        status: 400,
        type: 'AccessDeniedException',
      })
      const denied = await runCli(args, {env})
      expect(denied.code, denied.stderr).to.equal(4)
      const reported =
        `^Error \\(ACCESS_DENIED\\): Access denied: dynamodb:${action} on \\S*${table}\\..*--generate-iam`
      expect(denied.stderr.trim().split('\n').at(-1)).to.match(new RegExp(reported))
      proxy.reset()
      emulatePitrAndTags(proxy)
      const rerun = await runCli(args, {env})
      expect(rerun.code, rerun.stderr).to.equal(0)
      const checkArgs = ['init:approvals', '--endpoint-url', proxy.endpoint, '--table', table, '--json']
      const check = await runCli(checkArgs, {env})
      expect(JSON.parse(check.stdout).result.tables[0].outcome).to.equal('unchanged')
    })
  }
})
