/**
 * Least privilege, proven: every DynamoDB call the CLI makes on every path is evaluated against
 * the policy --generate-iam prints, with an IAM policy evaluator (@cloud-copilot/iam-simulate).
 * Each must be allowed; DeleteTable, other tables and other accounts must not be. And AccessDenied
 * on any single action is reported by name and leaves nothing a rerun with access cannot finish.
 */
import {runSimulation} from '@cloud-copilot/iam-simulate'
import {expect} from 'chai'

import {cleanEnv, runCli} from '../support/cli.js'
import {emulatePitrAndTags, type RecordingProxy, startProxy} from '../support/proxy.js'
import {freshDynamoLocal, uniqueTable} from '../support/servers.js'

const ACCOUNT = '123456789012'
const REGION = 'us-east-1'
const PRINCIPAL = `arn:aws:iam::${ACCOUNT}:role/sentinel-operator`

async function decision(policy: object, action: string, resource: string, accountId = ACCOUNT): Promise<string> {
  const result = await runSimulation(
    {
      identityPolicies: [{name: 'sentinel', policy}],
      request: {action, contextVariables: {}, principal: PRINCIPAL, resource: {accountId, resource}},
      resourceControlPolicies: [],
      serviceControlPolicies: [],
    } as never,
    {},
  )
  return (result as {overallResult: string}).overallResult
}

/** DynamoDB Local's ARNs name region ddblocal and account 000000000000; AWS's name the real ones. */
function awsArn(request: {arn?: string; table?: string}, account = ACCOUNT): string {
  const table = request.table ?? request.arn!.split(':table/')[1]
  return `arn:aws:dynamodb:${REGION}:${account}:table/${table}`
}

describe('least privilege, proven with an IAM policy evaluator', function () {
  this.timeout(120_000)
  let proxy: RecordingProxy
  const env = cleanEnv({AWS_REGION: REGION})
  const names = {approvals: uniqueTable('lp-req'), breakglass: uniqueTable('lp-bg'), sessions: uniqueTable('lp-ses')}
  const tableFlags = ['--session-table', names.sessions, '--breakglass-table', names.breakglass, '--request-table', names.approvals]

  before(async () => {
    proxy = await startProxy((await freshDynamoLocal()).endpoint)
    emulatePitrAndTags(proxy)
  })
  after(() => proxy.close())

  it('every call on every path (create, rerun, reconcile, plan, status, init:all) is allowed; nothing else is', async () => {
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

    const policyRun = await runCli(['init:all', ...tableFlags, '--generate-iam', '--region', REGION, '--account-id', ACCOUNT])
    const policy = JSON.parse(policyRun.stdout)
    const calls = [...new Map(proxy.requests.map((request) => [`${request.action} ${awsArn(request)}`, request])).values()]
    expect(calls.length).to.be.greaterThan(20)
    expect(new Set(calls.map((call) => call.action))).to.include.all.keys('CreateTable', 'UpdateTable', 'UpdateTimeToLive', 'UpdateContinuousBackups', 'TagResource', 'ListTagsOfResource', 'DescribeTable', 'DescribeTimeToLive', 'DescribeContinuousBackups')
    for (const call of calls) {
      expect(await decision(policy, `dynamodb:${call.action}`, awsArn(call)), `${call.action} on ${awsArn(call)}`).to.equal('Allowed')
    }

    for (const table of Object.values(names)) {
      const arn = `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${table}`
      expect(await decision(policy, 'dynamodb:DeleteTable', arn)).to.equal('ImplicitlyDenied')
      expect(await decision(policy, 'dynamodb:UntagResource', arn)).to.equal('ImplicitlyDenied')
      expect(await decision(policy, 'dynamodb:CreateTable', `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/someone-elses`)).to.equal('ImplicitlyDenied')
      expect(await decision(policy, 'dynamodb:CreateTable', `arn:aws:dynamodb:${REGION}:210987654321:table/${table}`, '210987654321')).to.not.equal('Allowed')
      expect(await decision(policy, 'dynamodb:Query', `${arn}/index/gsi-status`)).to.equal('Allowed')
      expect(await decision(policy, 'dynamodb:PutItem', arn)).to.equal('Allowed')
    }
  })

  const writeActions: [string, string[]][] = [
    ['CreateTable', []],
    ['UpdateTimeToLive', []],
    ['UpdateContinuousBackups', []],
    ['TagResource', []],
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
      proxy.fault(action, {kind: 'error', message: `not authorized to perform dynamodb:${action}`, status: 400, type: 'AccessDeniedException'})
      const denied = await runCli(args, {env})
      expect(denied.code, denied.stderr).to.equal(4)
      expect(denied.stderr.trim().split('\n').at(-1)).to.match(new RegExp(`^Error \\(ACCESS_DENIED\\): Access denied: dynamodb:${action} on \\S*${table}\\..*--generate-iam`))
      proxy.reset()
      emulatePitrAndTags(proxy)
      const rerun = await runCli(args, {env})
      expect(rerun.code, rerun.stderr).to.equal(0)
      const check = await runCli(['init:approvals', '--endpoint-url', proxy.endpoint, '--table', table, '--json'], {env})
      expect(JSON.parse(check.stdout).result.tables[0].outcome).to.equal('unchanged')
    })
  }
})
