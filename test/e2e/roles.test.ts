/**
 * Issue 23, end to end: the real CLI's init status --server-role / --provisioner-role against
 * DynamoDB Local behind the AWS-behaviour layer (replicas per signed region, resource policies per
 * table ARN), an STS stub, a KMS stub answering GetKeyPolicy, and an IAM endpoint speaking IAM's Query
 * protocol that evaluates with the same library (test/support/aws-iam.ts). The roles' policies come
 * from the CLI's own --generate-iam, or from what deployments grant (Sentinel's CDK stack).
 */
import {expect} from 'chai'
import {writeFileSync} from 'node:fs'

import {
  type AwsLayer, type KmsStub, startAwsLayer, startKmsStub,
} from '../support/aws-behaviour.js'
import {
  cdkLikeGrant, type IamEndpoint, type IamWorld, startIamEndpoint,
} from '../support/aws-iam.js'
import {
  cleanEnv, type CliResult, parseJson, runCli,
} from '../support/cli.js'
import {
  allTableFlags, dynamoLocal, startStsStub, type TableNames, uniqueNames,
} from '../support/servers.js'

const ACCOUNT = '123456789012'
const HOME = 'us-east-1'
const REPLICA = 'eu-west-1'
const TVM = `arn:aws:iam::${ACCOUNT}:role/service-role/sentinel-tvm`
const CI = `arn:aws:iam::${ACCOUNT}:role/ci-deploy`
const KEY = `arn:aws:kms:${HOME}:${ACCOUNT}:key/11111111-2222-3333-4444-555555555555`
const output = (run: CliResult) => `exit ${run.code}\n--- stdout\n${run.stdout}\n--- stderr\n${run.stderr}`
const arnOf = (region: string, table: string) => `arn:aws:dynamodb:${region}:${ACCOUNT}:table/${table}`

describe('init status --server-role / --provisioner-role: will Sentinel run? (issue 23, end to end)', function () {
  this.timeout(180_000)
  let aws: AwsLayer
  let iam: IamEndpoint
  let kms: KmsStub
  let sts: string
  const resourcePolicies = new Map<string, string>()
  /** Four tables with a replica in eu-west-1; four on a customer key, in us-east-1 only. */
  let global: TableNames
  let keyed: TableNames

  const env = () => cleanEnv({
    AWS_ENDPOINT_URL_IAM: iam.endpoint, AWS_ENDPOINT_URL_KMS: kms.endpoint, AWS_ENDPOINT_URL_STS: sts, AWS_REGION: HOME,
  })
  const globalFlags = () => ['--endpoint-url', aws.endpoint, ...allTableFlags(global), '--replica-region', REPLICA]
  const keyedFlags = () => ['--endpoint-url', aws.endpoint, ...allTableFlags(keyed), '--kms-key', KEY]

  /** The policy this CLI prints for these flags, as an operator would attach it. */
  async function printed(flags: string[], policyFor: 'provisioner' | 'server'): Promise<object> {
    const run = await runCli(['init:all',
      ...flags,
      '--account-id',
      ACCOUNT,
      '--generate-iam',
      '--policy-for',
      policyFor], {env: env()})
    expect(run.code, output(run)).to.equal(0)
    return JSON.parse(run.stdout)
  }

  function world(next: IamWorld): void {
    for (const key of Object.keys(iam.world)) delete (iam.world as Record<string, unknown>)[key]
    Object.assign(iam.world, next)
    iam.calls.length = 0
  }

  async function status(flags: string[], ...roles: string[]): Promise<{json: any; run: CliResult}> {
    const run = await runCli(['init:status', ...flags, ...roles, '--json'], {env: env()})
    return {json: parseJson(run.stdout), run}
  }

  before(async () => {
    aws = await startAwsLayer((await dynamoLocal()).endpoint, {
      replicas: {creating: {calls: 0}},
      resourcePolicies,
      state: {},
    })
    iam = await startIamEndpoint({roles: {}})
    kms = await startKmsStub({[KEY]: KEY})
    sts = (await startStsStub(ACCOUNT)).endpoint
    global = uniqueNames('roles-g')
    keyed = uniqueNames('roles-k')
    const made = await runCli(['init:all', ...globalFlags(), '--yes'], {env: env()})
    expect(made.code, output(made)).to.equal(0)
    await aws.close()
    // The keyed tables report their key, as AWS does (the emulator does not); the layer keeps the tags.
    const {tags} = aws.aws
    const {pitr} = aws.aws
    const replicaState = aws.aws.replicas!.tables
    aws = await startAwsLayer((await dynamoLocal()).endpoint, {
      replicas: {creating: {calls: 0}},
      resourcePolicies,
      state: Object.fromEntries(Object.values(keyed).map(name => [name, {kmsKeyArn: KEY}])),
    })
    for (const [arn, value] of tags) aws.aws.tags.set(arn, value)
    for (const [table, on] of pitr) aws.aws.pitr.set(table, on)
    for (const [table, state] of replicaState) aws.aws.replicas!.tables.set(table, state)
    const keyedMade = await runCli(['init:all', ...keyedFlags(), '--yes'], {env: env()})
    expect(keyedMade.code, output(keyedMade)).to.equal(0)
  })

  after(async () => {
    await aws?.close()
    await iam?.close()
    await kms?.close()
  })

  beforeEach(() => {
    resourcePolicies.clear()
    kms.keyPolicies.clear()
  })

  it('roles holding exactly the printed policies are ok: exit 0, in both regions, exact ARNs', async () => {
    world({
      roles: {
        [CI]: {policies: {printed: await printed(globalFlags(), 'provisioner')}},
        [TVM]: {policies: {printed: await printed(globalFlags(), 'server')}},
      },
    })
    const {json, run} = await status(globalFlags(), '--server-role', TVM, '--provisioner-role', CI)
    expect(run.code, output(run)).to.equal(0)
    expect(json.result.roles.map((role: any) => `${role.kind} ${role.verdict}`)).to.deep.equal(['server ok',
      'provisioner ok'])
    const regions = new Set(iam.calls.map(call => call.context['aws:RequestedRegion'][0]))
    expect(regions).to.deep.equal(new Set([HOME, REPLICA]))
    expect(iam.calls.flatMap(call => call.resources).some(arn => arn.includes('*'))).to.equal(false)
    // Each table's resource policy read in each region, once for both roles.
    const reads = aws.requests.filter(request => request.action === 'GetResourcePolicy')
    expect(reads.map(request => `${request.region} ${request.arn}`).sort()).to.deep.equal(Object.values(global)
    .flatMap(name => [HOME, REPLICA].map(region => `${region} ${arnOf(region, name)}`)).sort())
  })

  it(
    'a role like Sentinel\'s CDK stack (no index/*): denied, exit 10, each index Query named; the fix makes it ok',
    async () => {
      const tableArns = Object.values(global).flatMap(name => [arnOf(HOME, name), arnOf(REPLICA, name)])
      const cdk = cdkLikeGrant(tableArns)
      world({roles: {[TVM]: {policies: {cdk}}}})
      const {json, run} = await status(globalFlags(), '--server-role', TVM)
      expect(run.code, output(run)).to.equal(10)
      expect(json.error.code).to.equal('ROLE_DENIED')
      const [role] = json.result.roles
      expect(role.verdict).to.equal('denied')
      expect(role.denied).to.have.length(22)
      for (const denial of role.denied) {
        expect(denial).to.include({action: 'dynamodb:Query', by: 'identity'})
        expect(denial.resource).to.match(/\/index\/gsi-/)
      }

      const deviceIndex = `${arnOf(REPLICA, global.sessions)}/index/gsi-device-id`
      expect(role.denied.map((denial: any) => denial.resource)).to.include(deviceIndex)
      expect(role.fix.commands[1]).to.match(/^aws iam put-role-policy --role-name sentinel-tvm --policy-name /)
      // Attaching the printed fix.policy (what put-role-policy would do) makes the role ok.
      iam.world.roles[TVM].policies.fix = role.fix.policy
      const again = await status(globalFlags(), '--server-role', TVM)
      expect(again.run.code, output(again.run)).to.equal(0)
      // Text: a block for the role, the region, the reason, the command.
      const text = await runCli(['init:status', ...globalFlags(), '--server-role', TVM], {env: env()})
      expect(text.stdout).to.include(`✔ Role ${TVM} (server): ok`)
    },
  )

  it('a replica no --replica-region names is checked too: a role whose policy covers only the home region is ' +
    'denied in the replica\'s region; the verdict names the regions checked', async () => {
    const homeOnly = ['--endpoint-url', aws.endpoint, ...allTableFlags(global)]
    world({roles: {[TVM]: {policies: {printed: await printed(homeOnly, 'server')}}}})
    const {json, run} = await status(homeOnly, '--server-role', TVM)
    expect(run.code, output(run)).to.equal(10)
    const [role] = json.result.roles
    expect(role.verdict).to.equal('denied')
    expect(role.regions).to.deep.equal([HOME, REPLICA])
    expect(new Set(role.denied.map((denial: any) => denial.region))).to.deep.equal(new Set([REPLICA]))
    expect(role.denied.map((denial: any) => denial.resource)).to.include(arnOf(REPLICA, global.sessions))
    const text = await runCli(['init:status', ...homeOnly, '--server-role', TVM], {env: env()})
    expect(text.stdout).to.include(`✖ Role ${TVM} (server): denied (checked in ${HOME}, ${REPLICA})`)
    // The policy printed for the replica too makes it ok, checked in both regions.
    world({roles: {[TVM]: {policies: {printed: await printed(globalFlags(), 'server')}}}})
    const both = await status(homeOnly, '--server-role', TVM)
    expect(both.run.code, output(both.run)).to.equal(0)
    expect(both.json.result.roles[0].regions).to.deep.equal([HOME, REPLICA])
  })

  it('an SCP that keeps the organization in one region denies only the replica region, by scp', async () => {
    const scp = {
      Statement: [{
        Condition: {StringNotEquals: {'aws:RequestedRegion': [HOME]}},
        Effect: 'Deny',
        NotAction: ['iam:*', 'organizations:*', 'sts:*'],
        Resource: '*',
        Sid: 'OnlyUsEast1',
      }],
      Version: '2012-10-17',
    }
    world({roles: {[TVM]: {policies: {printed: await printed(globalFlags(), 'server')}}}, scps: {region: scp}})
    const {json, run} = await status(globalFlags(), '--server-role', TVM)
    expect(run.code, output(run)).to.equal(10)
    const [role] = json.result.roles
    const where = new Set(role.denied.map((denial: any) => `${denial.region} ${denial.by}`))
    expect(where).to.deep.equal(new Set([`${REPLICA} scp`]))
    const text = await runCli(['init:status', ...globalFlags(), '--server-role', TVM], {env: env()})
    expect(text.stdout).to.include(`${REPLICA}: dynamodb:GetItem on table/${global.sessions}`)
    expect(text.stdout).to.include('[scp]')
  })

  it('a boundary without DeleteItem: denied by boundary on each table that needs it, in both regions', async () => {
    const boundary = {
      Statement: [{Effect: 'Allow', NotAction: 'dynamodb:DeleteItem', Resource: '*'}],
      Version: '2012-10-17',
    }
    world({roles: {[TVM]: {boundary, policies: {printed: await printed(globalFlags(), 'server')}}}})
    const {json, run} = await status(globalFlags(), '--server-role', TVM)
    expect(run.code, output(run)).to.equal(10)
    const denied = json.result.roles[0].denied.map((denial: any) => `${denial.by} ${denial.action} ${denial.resource}`)
    expect(denied.sort()).to.deep.equal([global.sessions, global.breakglass, global.approvals]
    .flatMap(name => [HOME, REPLICA].map(region => `boundary dynamodb:DeleteItem ${arnOf(region, name)}`)).sort())
  })

  it('a key policy that neither names the role nor delegates to IAM: denied by key-policy, its fix', async () => {
    kms.keyPolicies.set(KEY, JSON.stringify({
      Statement: [{
        Action: 'kms:*', Effect: 'Allow', Principal: {AWS: `arn:aws:iam::${ACCOUNT}:role/key-admin`},
        Resource: '*',
      }],
      Version: '2012-10-17',
    }))
    world({roles: {[TVM]: {policies: {printed: await printed(keyedFlags(), 'server')}}}})
    const {json, run} = await status(keyedFlags(), '--server-role', TVM)
    expect(run.code, output(run)).to.equal(10)
    const [role] = json.result.roles
    expect(new Set(role.denied.map((denial: any) => `${denial.by} ${denial.action} ${denial.resource}`)))
    .to.deep.equal(new Set([`key-policy kms:Decrypt ${KEY}`]))
    expect(kms.getKeyPolicyCalls).to.deep.equal([KEY])
    expect(role.fix.resourcePolicies[0].add).to.deep.include({Principal: {AWS: TVM}})
    // The default key policy (the account's root) delegates to IAM: then the identity side decides.
    kms.keyPolicies.set(KEY, JSON.stringify({
      Statement: [{
        Action: 'kms:*', Effect: 'Allow',
        Principal: {AWS: `arn:aws:iam::${ACCOUNT}:root`}, Resource: '*',
      }], Version: '2012-10-17',
    }))
    const delegated = await status(keyedFlags(), '--server-role', TVM)
    expect(delegated.run.code, output(delegated.run)).to.equal(0)
  })

  it(
    'a replica\'s resource policy denying PutItem: denied there only, by resource-policy, naming the statement',
    async () => {
      const replicaArn = arnOf(REPLICA, global.breakglass)
      resourcePolicies.set(replicaArn, JSON.stringify({
        Statement: [{
          Action: 'dynamodb:PutItem', Effect: 'Deny', Principal: '*', Resource: replicaArn,
          Sid: 'FreezeReplica',
        }],
        Version: '2012-10-17',
      }))
      world({roles: {[TVM]: {policies: {printed: await printed(globalFlags(), 'server')}}}})
      const {json, run} = await status(globalFlags(), '--server-role', TVM)
      expect(run.code, output(run)).to.equal(10)
      expect(json.result.roles[0].denied).to.deep.equal([{
        action: 'dynamodb:PutItem', by: 'resource-policy', policy: 'FreezeReplica', region: REPLICA,
        resource: replicaArn, table: global.breakglass,
      }])
    },
  )

  it('IAM answering one result per page and throttling: every page read, the throttling ridden out', async () => {
    world({
      pageSize: 1,
      roles: {[TVM]: {policies: {printed: await printed(globalFlags(), 'server')}}},
      throttle: 3,
    })
    const {json, run} = await status(globalFlags(), '--server-role', TVM)
    expect(run.code, output(run)).to.equal(0)
    expect(json.result.roles[0].verdict).to.equal('ok')
    expect(iam.calls.filter(call => call.status === 'Throttling')).to.have.length(3)
    // A page left unread would leave its actions unanswered: unknown, never ok.
    expect(iam.calls.filter(call => call.marker !== undefined).length).to.be.greaterThan(0)
  })

  it('the caller denied SimulatePrincipalPolicy: unknown, exit 11, never green', async () => {
    world({callerDenied: true, roles: {[TVM]: {policies: {}}}})
    const {json, run} = await status(globalFlags(), '--server-role', TVM)
    expect(run.code, output(run)).to.equal(11)
    expect(json.result.roles[0].verdict).to.equal('unknown')
    expect(json.result.roles[0].unknown[0]).to.include({code: 'ACCESS_DENIED'})
    const text = await runCli(['init:status', ...globalFlags(), '--server-role', TVM], {env: env()})
    expect(text.code).to.equal(11)
    expect(text.stderr.trim().split('\n').at(-1)).to.match(/^Error \(ROLE_UNKNOWN\): 1 of 1 role could not be checked/)
  })

  it(
    'the IAM endpoint of --aws-profile\'s services section is used, as for DynamoDB (no AWS_ENDPOINT_URL_IAM)',
    async () => {
      world({roles: {[TVM]: {policies: {printed: await printed(globalFlags(), 'server')}}}})
      const profileEnv = cleanEnv({AWS_ENDPOINT_URL_KMS: kms.endpoint, AWS_ENDPOINT_URL_STS: sts})
      writeFileSync(profileEnv.AWS_CONFIG_FILE!, [
        '[profile ops]',
        'region = us-east-1',
        'aws_access_key_id = testkey',
        'aws_secret_access_key = testsecret',
        'services = ops-endpoints',
        '',
        '[services ops-endpoints]',
        'iam =',
        `  endpoint_url = ${iam.endpoint}`,
        '',
      ].join('\n'))
      const args = ['init:status', ...globalFlags(), '--aws-profile', 'ops', '--server-role', TVM, '--json']
      const run = await runCli(args, {env: profileEnv})
      expect(run.code, output(run)).to.equal(0)
      expect(parseJson(run.stdout).result.roles[0].verdict).to.equal('ok')
      expect(iam.calls.length).to.be.greaterThan(0)
    },
  )

  it(
    'a role that does not exist is unknown; a user, a malformed ARN or another partition: exit 2, nothing sent',
    async () => {
      world({roles: {}})
      const missing = await status(globalFlags(), '--server-role', `arn:aws:iam::${ACCOUNT}:role/nope`)
      expect(missing.run.code, output(missing.run)).to.equal(11)
      expect(missing.json.result.roles[0].unknown[0].code).to.equal('NO_SUCH_ROLE')
      for (const bad of [`arn:aws:iam::${ACCOUNT}:user/ci`, 'sentinel-tvm', `arn:aws-us-gov:iam::${ACCOUNT}:role/x`]) {
        aws.requests.length = 0
        iam.calls.length = 0
        const run = await runCli(['init:status', ...globalFlags(), '--provisioner-role', bad], {env: env()})
        expect(run.code, output(run)).to.equal(2)
        expect(run.stderr).to.match(/^Error \(INVALID_INPUT\): --provisioner-role/)
        expect(aws.requests).to.deep.equal([])
        expect(iam.calls).to.deep.equal([])
      }
    },
  )
})

describe('the AWS-behaviour layer for roles, through the SDK (issue 23)', function () {
  this.timeout(60_000)

  it(
    'the IAM endpoint speaks the Query protocol: per-resource results, short pages, Throttling, NoSuchEntity',
    async () => {
      const {IAMClient, SimulatePrincipalPolicyCommand} = await import('@aws-sdk/client-iam')
      const role = `arn:aws:iam::${ACCOUNT}:role/r`
      const table = arnOf(HOME, 't')
      const statement = {Action: 'dynamodb:GetItem', Effect: 'Allow', Resource: table}
      const policy = {Statement: [statement], Version: '2012-10-17'}
      const iam = await startIamEndpoint({pageSize: 1, roles: {[role]: {policies: {policy}}}, throttle: 1})
      const client = new IAMClient({
        credentials: {accessKeyId: 'testkey', secretAccessKey: 'testsecret'}, endpoint: iam.endpoint, region: HOME,
      })
      try {
        const input = {
          ActionNames: ['dynamodb:GetItem', 'dynamodb:PutItem'],
          ContextEntries: [{
            ContextKeyName: 'aws:RequestedRegion', ContextKeyType: 'string' as const,
            ContextKeyValues: [HOME],
          }],
          PolicySourceArn: role,
          ResourceArns: [table, arnOf(HOME, 'other')],
        }
        const first = await client.send(new SimulatePrincipalPolicyCommand(input))
        expect(first.IsTruncated).to.equal(true)
        expect(first.EvaluationResults).to.have.length(1)
        const [get] = first.EvaluationResults!
        expect(get).to.deep.include({EvalActionName: 'dynamodb:GetItem', EvalDecision: 'implicitDeny'})
        expect(get.ResourceSpecificResults?.map(each => `${each.EvalResourceName} ${each.EvalResourceDecision}`))
        .to.deep.equal([`${table} allowed`, `${arnOf(HOME, 'other')} implicitDeny`])
        const second = await client.send(new SimulatePrincipalPolicyCommand({...input, Marker: first.Marker}))
        expect(second.IsTruncated).to.equal(false)
        expect(second.EvaluationResults?.[0].EvalActionName).to.equal('dynamodb:PutItem')
        // The first request was throttled and retried by the SDK.
        expect(iam.calls.map(call => call.status)).to.deep.equal(['Throttling', 200, 200])
        const missing = client.send(new SimulatePrincipalPolicyCommand({...input, PolicySourceArn: `${role}x`}))
        await missing.then(() => expect.fail('a role that does not exist'), (error: Error) => {
          expect(error.name).to.equal('NoSuchEntityException')
        })
      } finally {
        client.destroy()
        await iam.close()
      }
    },
  )

  it('GetResourcePolicy per table ARN (PolicyNotFoundException without one); KMS GetKeyPolicy', async () => {
    const {DynamoDBClient, GetResourcePolicyCommand} = await import('@aws-sdk/client-dynamodb')
    const {GetKeyPolicyCommand, KMSClient} = await import('@aws-sdk/client-kms')
    const policies = new Map([[arnOf(REPLICA, 't'), '{"Version":"2012-10-17","Statement":[]}']])
    const layer = await startAwsLayer((await dynamoLocal()).endpoint, {resourcePolicies: policies})
    const kms = await startKmsStub({}, {keyPolicies: new Map([[KEY, '{"Statement":[]}']])})
    const credentials = {accessKeyId: 'testkey', secretAccessKey: 'testsecret'}
    const dynamo = new DynamoDBClient({credentials, endpoint: layer.endpoint, region: REPLICA})
    const keys = new KMSClient({credentials, endpoint: kms.endpoint, region: HOME})
    try {
      const found = await dynamo.send(new GetResourcePolicyCommand({ResourceArn: arnOf(REPLICA, 't')}))
      expect(found.Policy).to.equal('{"Version":"2012-10-17","Statement":[]}')
      await dynamo.send(new GetResourcePolicyCommand({ResourceArn: arnOf(HOME, 't')}))
      .then(() => expect.fail('no policy'), (error: Error) => expect(error.name).to.equal('PolicyNotFoundException'))
      const key = await keys.send(new GetKeyPolicyCommand({KeyId: KEY, PolicyName: 'default'}))
      expect(key.Policy).to.equal('{"Statement":[]}')
      expect(kms.getKeyPolicyCalls).to.deep.equal([KEY])
    } finally {
      dynamo.destroy()
      keys.destroy()
      await layer.close()
      await kms.close()
    }
  })
})
