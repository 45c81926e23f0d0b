/**
 * Issue 23, the command in-process: init status --server-role / --provisioner-role under oclif's
 * Config, against the in-memory DynamoDB and IAM's simulator in-process (test/support/aws-iam.ts).
 * The verdict per role, its exit code (10 denied, 11 unknown; the tables' own failure first), the
 * JSON contract, input refused before any call, and no IAM call without the flags.
 */
import {expect} from 'chai'

import {buildPolicy, type PolicyDocument} from '../../src/iam/policy.js'
import {ALL_TABLES} from '../../src/tables/definitions.js'
import {desiredTables} from '../../src/tables/desired.js'
import {type IamWorld} from '../support/aws-iam.js'
import {onlyJson, runCommand} from '../support/command-runner.js'
import {FakeDynamoDb} from '../support/fake-dynamodb.js'

const ACCOUNT = '123456789012'
const REGION = ['--region', 'us-east-1']
const TVM = `arn:aws:iam::${ACCOUNT}:role/service-role/sentinel-tvm`
const CI = `arn:aws:iam::${ACCOUNT}:role/ci`

function defaultTables() {
  const choices = ALL_TABLES.map(definition =>
    ({definition, source: 'default', tableName: definition.defaultTableName}))
  return desiredTables(choices, {deletionProtection: true, pitr: true, tags: []}, 'us-east-1')
}

function printed(policyFor: 'provisioner' | 'server'): PolicyDocument {
  return buildPolicy({account: ACCOUNT, region: 'us-east-1'}, defaultTables(), {policyFor})
}

/** The four tables, made by init all on the in-memory DynamoDB. */
async function converged(): Promise<FakeDynamoDb> {
  const port = new FakeDynamoDb()
  const made = await runCommand('init:all', [...REGION, '--yes'], {port})
  expect(made.exitCode, made.stderr).to.equal(0)
  return port
}

describe('init status --server-role / --provisioner-role (issue 23, in-process)', function () {
  this.timeout(60_000)

  it('roles holding the printed policies: ok, exit 0, result.roles in the JSON', async () => {
    const port = await converged()
    const roles = {[CI]: {policies: {p: printed('provisioner')}}, [TVM]: {policies: {s: printed('server')}}}
    const iam: IamWorld = {roles}
    const argv = [...REGION, '--server-role', TVM, '--provisioner-role', CI, '--json']
    const run = await runCommand('init:status', argv, {iam, port})
    expect(run.exitCode, run.stdout).to.equal(0)
    const {result} = onlyJson(run.stdout)
    expect(result.roles.map((role: any) => [role.arn, role.kind, role.verdict])).to.deep.equal([
      [TVM, 'server', 'ok'], [CI, 'provisioner', 'ok'],
    ])
    expect(result.roles[0]).to.deep.include({
      denied: [], fix: {
        commands: [], notes: [], policy: null, resourcePolicies: [],
      },
      unknown: [],
    })
    expect(run.iamCalls.length).to.be.greaterThan(0)
  })

  it('a role without index/*: denied, exit 10, each index Query named, the fix copyable', async () => {
    const port = await converged()
    const noIndexes = printed('server')
    for (const statement of noIndexes.Statement) {
      const resources = Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource]
      statement.Resource = resources.filter(arn => !arn.endsWith('/index/*'))
    }

    const run = await runCommand('init:status', [...REGION, '--server-role', TVM], {
      iam: {roles: {[TVM]: {policies: {cdk: noIndexes}}}}, port,
    })
    expect(run.exitCode, run.stderr).to.equal(10)
    expect(run.stdout).to.include(`✖ Role ${TVM} (server): denied`)
    expect(run.stdout).to.include('us-east-1: dynamodb:Query on table/sentinel-sessions/index/gsi-user')
    expect(run.stdout).to.match(/aws iam put-role-policy --role-name sentinel-tvm --policy-name SentinelServerFix[\da-f]{8}/)
    expect(run.stderr.trim().split('\n').at(-1)).to.match(/^Error \(ROLE_DENIED\): 1 of 1 role may not do what Sentinel needs/)
  })

  it('the caller may not simulate: unknown, exit 11, never green', async () => {
    const port = await converged()
    const run = await runCommand('init:status', [...REGION, '--server-role', TVM, '--json'], {
      iam: {callerDenied: true, roles: {[TVM]: {policies: {s: printed('server')}}}}, port,
    })
    expect(run.exitCode).to.equal(11)
    const document = onlyJson(run.stdout)
    expect(document.ok).to.equal(false)
    expect(document.error.code).to.equal('ROLE_UNKNOWN')
    expect(document.result.roles[0].verdict).to.equal('unknown')
    expect(document.result.roles[0].unknown[0]).to.include({code: 'ACCESS_DENIED'})
  })

  it('tables that do not match come first (exit 6); the roles are still in the JSON', async () => {
    const port = new FakeDynamoDb()
    const run = await runCommand('init:status', [...REGION, '--server-role', TVM, '--json'], {
      iam: {roles: {[TVM]: {policies: {s: printed('server')}}}}, port,
    })
    expect(run.exitCode).to.equal(6)
    expect(onlyJson(run.stdout).result.roles[0].verdict).to.equal('ok')
  })

  it('a user, a malformed ARN, another partition, a role twice: exit 2, nothing sent', async () => {
    for (const bad of [
      ['--server-role', `arn:aws:iam::${ACCOUNT}:user/ci`],
      ['--provisioner-role', 'ci'],
      ['--server-role', `arn:aws-cn:iam::${ACCOUNT}:role/x`],
      ['--server-role', TVM, '--server-role', TVM],
      ['--local', '--server-role', TVM],
    ]) {
      const port = new FakeDynamoDb()
      const region = bad.includes('--local') ? [] : REGION
      const run = await runCommand('init:status', [...region, ...bad], {iam: {roles: {}}, port})
      expect(run.exitCode, bad.join(' ')).to.equal(2)
      expect(run.stderr).to.match(/^Error \(INVALID_INPUT\): --(server|provisioner)-role/)
      expect(port.calls, bad.join(' ')).to.deep.equal([])
      expect(run.iamCalls).to.deep.equal([])
      expect(run.sessions.opened).to.equal(0)
    }
  })

  it('without the role flags init status makes no IAM call', async () => {
    const port = await converged()
    // No IAM world: a call would fail the run.
    const run = await runCommand('init:status', REGION, {port})
    expect(run.exitCode, run.stderr).to.equal(0)
    expect(run.iamCalls).to.deep.equal([])
    expect(port.count('getResourcePolicy')).to.equal(0)
  })

  it('--generate-iam with the role flags prints what the check reads; the next step repeats them', async () => {
    const run = await runCommand('init:all', [...REGION,
      '--account-id',
      ACCOUNT,
      '--generate-iam',
      '--policy-for',
      'provisioner',
      '--server-role',
      TVM,
      '--json'], {port: new FakeDynamoDb()})
    expect(run.exitCode, run.stderr).to.equal(0)
    const {result} = onlyJson(run.stdout)
    const simulate = result.policy.Statement.find((statement: any) => statement.Sid === 'SentinelRoleCheckSimulate')
    expect(simulate).to.deep.include({Action: ['iam:SimulatePrincipalPolicy'], Resource: TVM})
    expect(result.nextSteps[0]).to.include(`--server-role ${TVM}`)
  })
})
