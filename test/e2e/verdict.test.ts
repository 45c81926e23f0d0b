/**
 * Issue 16, "trust the verdict": the real CLI through the AWS-behaviour layer in front of DynamoDB
 * Local or dynalite. One table refused (AccessDenied) or throttled past its retries does not end
 * the run; a KMS alias is resolved and compared; failed states fail at once; a throttled poll is
 * ridden out; a busy UpdateTable is re-planned before it is resent; the account is checked. What a
 * silent endpoint says while it retries is proven with its exit in test/e2e/real-aws.test.ts (one run).
 */
import {DescribeTableCommand} from '@aws-sdk/client-dynamodb'
import {expect} from 'chai'

import {
  type AwsBehaviourOptions,
  type AwsLayer,
  callLog,
  type KmsStub,
  requestsOf,
  startAwsLayer,
  startKmsStub,
} from '../support/aws-behaviour.js'
import {
  cleanEnv,
  type CliResult,
  parseJson,
  runCli,
} from '../support/cli.js'
import {WRITE_ACTIONS} from '../support/proxy.js'
import {
  allTableFlags, dynamoLocal, sdkClient, startStsStub, uniqueNames, uniqueTable,
} from '../support/servers.js'

const output = (run: CliResult) => `exit ${run.code}\n--- stdout\n${run.stdout}\n--- stderr\n${run.stderr}`
const lastLine = (run: CliResult) => run.stderr.trim().split('\n').at(-1) ?? ''

/** Four unique table names and the init:all / init:status flags naming them. */
function fourTables(prefix: string) {
  const names = uniqueNames(prefix)
  return {flags: allTableFlags(names), names}
}

const env = (extra: Record<string, string> = {}) => cleanEnv({AWS_REGION: 'us-east-1', ...extra})
const writes = (aws: AwsLayer) => aws.requests.filter(request => WRITE_ACTIONS.has(request.action))
const awsErrorReply = (type: string, message: string) =>
  ({reply: {body: {__type: `com.amazonaws.dynamodb.v20120810#${type}`, message}, status: 400}})

type TableJson = {table: string; outcome: string; status: string; converged: boolean; error?: {code: string}}

describe('trust the verdict (issue 16, end to end)', function () {
  this.timeout(120_000)
  const closers: (() => Promise<void> | void)[] = []

  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close()
  })

  async function layer(options: AwsBehaviourOptions, target?: string): Promise<AwsLayer> {
    const started = await startAwsLayer(target ?? (await dynamoLocal()).endpoint, options)
    closers.push(() => started.close())
    return started
  }

  async function kms(keys: Record<string, string>): Promise<KmsStub> {
    const stub = await startKmsStub(keys)
    closers.push(() => stub.close())
    return stub
  }

  /** The four tables, made by init:all through a layer; `over` puts another layer in front of them. */
  async function madeTables(prefix: string, ...extra: string[]) {
    const {flags, names} = fourTables(prefix)
    const setup = await layer({})
    const args = ['init:all', '--endpoint-url', setup.endpoint, ...flags, '--yes', ...extra]
    const made = await runCli(args, {env: env()})
    expect(made.code, output(made)).to.equal(0)
    const over = async (options: AwsBehaviourOptions) => {
      const aws = await layer(options)
      // The tags and PITR the first layer held for the tables; a new layer starts empty.
      for (const [arn, tags] of setup.aws.tags) aws.aws.tags.set(arn, tags)
      for (const [table, on] of setup.aws.pitr) aws.aws.pitr.set(table, on)
      return aws
    }

    return {flags, names, over}
  }

  /** init:status --kms-key alias/sentinel with every table on `tableKey`, KMS at AWS_ENDPOINT_URL_KMS. */
  async function statusWith(prefix: string, tableKey: string, aliases: Record<string, string>) {
    const {flags, names, over} = await madeTables(prefix)
    const state = Object.fromEntries(Object.values(names).map(name => [name, {kmsKeyArn: tableKey}]))
    const aws = await over({state})
    const stub = await kms(aliases)
    const args = ['init:status', '--endpoint-url', aws.endpoint, ...flags, '--kms-key', 'alias/sentinel']
    const run = await runCli(args, {env: env({AWS_ENDPOINT_URL_KMS: stub.endpoint})})
    return {names, run, stub}
  }

  /**
   * The four tables as sentinel made them, behind a layer whose ARNs name a real account (a VPC
   * endpoint or a proxy in front of AWS) confirmed by STS, reporting KMS encryption as AWS does.
   */
  async function realAccount(prefix: string, options: AwsBehaviourOptions) {
    const {flags, names, over} = await madeTables(prefix)
    const state = Object.fromEntries(Object.values(names).map(name =>
      [name, {kmsKeyArn: 'arn:aws:kms:us-east-1:123456789012:key/aws-managed'}]))
    const aws = await over({...options, account: {id: '123456789012', region: 'us-east-1'}, state})
    for (const [arn, tags] of aws.aws.tags) {
      aws.aws.tags.set(arn.replace(':ddblocal:000000000000:', ':us-east-1:123456789012:'), tags)
    }

    const sts = await startStsStub('123456789012')
    closers.push(() => sts.close())
    const args = ['init:status', '--endpoint-url', aws.endpoint, ...flags, '--account-id', '123456789012']
    const run = await runCli(args, {env: env({AWS_ENDPOINT_URL_STS: sts.endpoint})})
    return {aws, names, run}
  }

  describe('one table that cannot be read does not end the run', () => {
    it(
      'init:all: DescribeTable denied on one table; the other three are created; PARTIAL_FAILURE, exit 4',
      async () => {
        const {flags, names} = fourTables('deny')
        const aws = await layer({deny: [{actions: ['DescribeTable'], table: names.breakglass}]})
        const args = ['init:all', '--endpoint-url', aws.endpoint, ...flags, '--yes', '--json']
        const run = await runCli(args, {env: env()})
        expect(run.code, output(run)).to.equal(4)
        const doc = parseJson(run.stdout)
        expect(doc.error.code).to.equal('PARTIAL_FAILURE')
        expect(doc.error.message).to.contain(`${names.breakglass} (ACCESS_DENIED)`)
        const tables = Object.fromEntries((doc.result.tables as TableJson[]).map(table => [table.table, table]))
        expect(tables[names.breakglass]).to.include({converged: false, outcome: 'failed', status: 'UNKNOWN'})
        expect(tables[names.breakglass].error?.code).to.equal('ACCESS_DENIED')
        for (const name of [names.sessions, names.approvals, names.ratelimit]) {
          expect(tables[name].outcome, name).to.equal('created')
        }

        const writesToDenied = aws.requests.filter(request =>
          WRITE_ACTIONS.has(request.action) && (request.table ?? request.arn ?? '').includes(names.breakglass))
        expect(writesToDenied, callLog(aws.requests)).to.deep.equal([])
      },
    )

    it('init:status: ListTagsOfResource denied on one table; every other table is reported; exit 4', async () => {
      const {flags, names, over} = await madeTables('deny-tags')
      const aws = await over({deny: [{actions: ['ListTagsOfResource'], table: names.approvals}]})
      const run = await runCli(['init:status', '--endpoint-url', aws.endpoint, ...flags], {env: env()})
      expect(run.code, output(run)).to.equal(4)
      expect(run.stdout).to.contain(`✖ ${names.approvals} (approvals): could not be read: Access denied: ` +
        'dynamodb:ListTagsOfResource')
      for (const name of [names.sessions, names.breakglass, names.ratelimit]) {
        expect(run.stdout, name).to.match(new RegExp(`✔ ${name} \\(\\w+\\): ACTIVE, matches`))
      }

      expect(lastLine(run)).to.match(/^Error \(PARTIAL_FAILURE\): 1 of 4 tables failed: .+ \(ACCESS_DENIED\)/)
      expect(aws.requests.filter(request => WRITE_ACTIONS.has(request.action))).to.deep.equal([])
    })

    it('init:all: DescribeTable throttled past its retries on one table; the others are created', async () => {
      const {flags, names} = fourTables('thr')
      const aws = await layer({})
      aws.fault('DescribeTable', {
        kind: 'error', status: 400, table: names.ratelimit, times: 4, type: 'ThrottlingException',
      })
      const run = await runCli(['init:all', '--endpoint-url', aws.endpoint, ...flags, '--yes', '--json'], {env: env()})
      expect(run.code, output(run)).to.equal(1)
      const doc = parseJson(run.stdout)
      expect(doc.error.code).to.equal('PARTIAL_FAILURE')
      const tables = Object.fromEntries((doc.result.tables as TableJson[]).map(table => [table.table, table]))
      expect(tables[names.ratelimit].error?.code).to.equal('THROTTLED')
      for (const name of [names.sessions, names.breakglass, names.approvals]) {
        expect(tables[name].outcome, name).to.equal('created')
      }

      expect(requestsOf(aws.requests, 'CreateTable', {table: names.ratelimit})).to.deep.equal([])
    })
  })

  describe('--kms-key alias/x: the alias is resolved with kms:DescribeKey and key ARNs compared', () => {
    const KEY = 'arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555'
    const OTHER = 'arn:aws:kms:us-east-1:123456789012:key/99999999-2222-3333-4444-555555555555'
    const AWS_MANAGED = 'arn:aws:kms:us-east-1:123456789012:key/aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee'

    it('the tables are on the key the alias names: converged, exit 0, one DescribeKey for four tables', async () => {
      const {run, stub} = await statusWith('kms-same', KEY, {'alias/sentinel': KEY})
      expect(run.code, output(run)).to.equal(0)
      expect(run.stdout).to.contain('All 4 tables match')
      expect(stub.describeKeyCalls).to.deep.equal(['alias/sentinel'])
    })

    for (const [label, tableKey] of [['another customer key', OTHER], ['the AWS-managed key', AWS_MANAGED]]) {
      it(`the tables are on ${label}: not converged, exit 6, the switch planned`, async () => {
        const {run} = await statusWith(`kms-${tableKey === OTHER ? 'other' : 'managed'}`, tableKey, {
          'alias/sentinel': KEY,
        })
        expect(run.code, output(run)).to.equal(6)
        expect(run.stdout).to.contain(`needs: Encrypt with customer-managed KMS key alias/sentinel (${KEY}); ` +
          `now ${tableKey}`)
        expect(run.stdout).not.to.contain('matches')
      })
    }

    it('a new table on the key the alias names: created, exit 0; the key compared after creation', async () => {
      const table = uniqueTable('kms-new')
      // DynamoDB reports the ARN of the key the alias named at creation.
      const aws = await layer({state: {[table]: {kmsKeyArn: KEY}}})
      const stub = await kms({'alias/sentinel': KEY})
      const args = ['init:sessions', '--endpoint-url', aws.endpoint, '--table', table, '--kms-key', 'alias/sentinel']
      const run = await runCli([...args, '--yes'], {env: env({AWS_ENDPOINT_URL_KMS: stub.endpoint})})
      expect(run.code, output(run)).to.equal(0)
      expect(run.stdout).to.contain(`✔ ${table}: created`)
      expect(stub.describeKeyCalls).to.deep.equal(['alias/sentinel'])
    })

    it('KMS cannot resolve the alias: never converged, the reason named, exit 6', async () => {
      const {run, stub} = await statusWith('kms-unknown', KEY, {})
      expect(run.code, output(run)).to.equal(6)
      expect(stub.describeKeyCalls).to.deep.equal(['alias/sentinel'])
      expect(run.stdout).to.contain('whether alias/sentinel names that key could not be checked')
      expect(run.stdout).to.contain('kms:DescribeKey')
      expect(run.stdout).not.to.contain('matches')
    })
  })

  describe('states no wait sees end fail at once; a throttled poll is ridden out', () => {
    type State = {tableStatus?: string; replicas?: {RegionName: string; ReplicaStatus: string}[]}
    const states: [string, State, RegExp][] = [
      ['a table whose KMS key DynamoDB cannot use',
        {tableStatus: 'INACCESSIBLE_ENCRYPTION_CREDENTIALS'},
        /is INACCESSIBLE_ENCRYPTION_CREDENTIALS: DynamoDB cannot use its KMS key .+ Enable the key/],
      ['a replica in a disabled region',
        {replicas: [{RegionName: 'ap-south-2', ReplicaStatus: 'REGION_DISABLED'}]},
        /Replica of .+ in ap-south-2 is REGION_DISABLED: its region is disabled .+ Enable the region/],
    ]
    for (const [label, state, message] of states) {
      it(`${label}, seen while waiting after UpdateTable: FAILED_STATE at once, not at --wait-timeout`, async () => {
        const {names, over} = await madeTables('state', '--no-deletion-protection')
        // The first DescribeTable (the plan's read) is normal; every later one shows the state.
        const aws = await over({state: {[names.sessions]: {afterDescribes: 1, ...state}}})
        const args = ['init:sessions', '--endpoint-url', aws.endpoint, '--table', names.sessions, '--yes']
        const run = await runCli([...args, '--wait-timeout', '600'], {env: env()})
        expect(run.code, output(run)).to.equal(1)
        expect(lastLine(run)).to.match(/^Error \(FAILED_STATE\): /).and.match(message)
        expect(requestsOf(aws.requests, 'UpdateTable'), callLog(aws.requests)).to.have.length(1)
        expect(requestsOf(aws.requests, 'DescribeTable').length, callLog(aws.requests)).to.be.at.most(3)
      })
    }

    it(
      'a long wait backs off: the table held CREATING 40 s is polled far less often at the end than at first',
      async function () {
        this.timeout(120_000)
        const aws = await layer({creating: {ms: 40_000}})
        const table = uniqueTable('slow')
        const args = ['init:ratelimit', '--endpoint-url', aws.endpoint, '--table', table, '--yes']
        const run = await runCli([...args, '--wait-timeout', '120'], {env: env()})
        expect(run.code, output(run)).to.equal(0)
        const created = requestsOf(aws.requests, 'CreateTable', {status: 200})[0].at
        const polls = (fromSeconds: number, toSeconds: number) => requestsOf(aws.requests, 'DescribeTable')
        .filter(request => request.at >= created + (fromSeconds * 1000) && request.at < created + (toSeconds * 1000))
        .length
        const first = polls(0, 5)
        const last = polls(34, 39)
        // 260 ms apart at first (about 19 in 5 s); after 34 s, a sixtieth of the time waited (about 9).
        expect(first, callLog(aws.requests)).to.be.at.least(12)
        expect(last, `first 5 s: ${first} polls, 34-39 s: ${last}`).to.be.below(first / 1.5)
      },
    )

    it('DescribeTable throttled past the SDK retries while waiting: ridden out, exit 0, one CreateTable', async () => {
      const aws = await layer({})
      const table = uniqueTable('thr-wait')
      let created = false
      let throttles = 0
      aws.intercept(call => {
        if (call.action === 'CreateTable') {
          return {
            after(answer) {
              created = answer.status === 200
            },
          }
        }

        if (call.action !== 'DescribeTable' || !created || throttles >= 5) return
        throttles++
        return awsErrorReply('ThrottlingException', 'Rate exceeded')
      })
      const args = ['init:sessions', '--endpoint-url', aws.endpoint, '--table', table, '--yes']
      const run = await runCli(args, {env: env()})
      expect(run.code, output(run)).to.equal(0)
      expect(throttles).to.equal(5)
      expect(run.stderr).to.contain(`DescribeTable on ${table} is throttled; waiting on`)
      expect(requestsOf(aws.requests, 'CreateTable'), callLog(aws.requests)).to.have.length(1)
    })
  })

  describe('after ResourceInUseException, UpdateTable is re-planned before it is sent again', () => {
    it('another process made the change meanwhile: no second UpdateTable, exit 0, said', async () => {
      const {names, over} = await madeTables('riu', '--no-deletion-protection')
      const aws = await over({})
      let refused = 0
      aws.intercept(async call => {
        if (call.action !== 'UpdateTable' || refused > 0) return
        refused++
        // Another process turns deletion protection on; this call is refused as the table is busy.
        await call.upstream('UpdateTable', {DeletionProtectionEnabled: true, TableName: names.sessions})
        const message = `Attempt to change a resource which is still in use: Table is being updated: ${names.sessions}`
        return awsErrorReply('ResourceInUseException', message)
      })
      const args = ['init:sessions', '--endpoint-url', aws.endpoint, '--table', names.sessions, '--yes']
      const run = await runCli(args, {env: env()})
      expect(run.code, output(run)).to.equal(0)
      expect(requestsOf(aws.requests, 'UpdateTable'), callLog(aws.requests)).to.have.length(1)
      expect(run.stdout)
      .to.contain('"Turn deletion protection on" was done by another process meanwhile; not sent again.')
      const client = sdkClient((await dynamoLocal()).endpoint)
      closers.push(() => client.destroy())
      const {Table} = await client.send(new DescribeTableCommand({TableName: names.sessions}))
      expect(Table?.DeletionProtectionEnabled).to.equal(true)
    })
  })

  describe('what an endpoint lacks is excused only on an emulator (DynamoDB Local), never on a real account', () => {
    it(
      'point-in-time recovery answered UnknownOperationException on a real account: an error, never green',
      async () => {
        const unknown = ['DescribeContinuousBackups', 'UpdateContinuousBackups']
        const {aws, run} = await realAccount('no-pitr', {unknownOperations: unknown})
        expect(requestsOf(aws.requests, 'DescribeContinuousBackups', {status: 400}), callLog(aws.requests))
        .to.have.length.greaterThan(0)
        expect(run.code, output(run)).to.equal(1)
        expect(lastLine(run)).to.match(/^Error \(AWS_ERROR\): /).and.contain('UnknownOperationException')
        expect(run.stdout + run.stderr).not.to.contain('does not implement')
      },
    )

    it('DeletionProtectionEnabled left out of DescribeTable on a real account: not proven on, exit 6', async () => {
      const {aws, names, run} = await realAccount('no-dp', {})
      expect(run.code, output(run)).to.equal(0)
      aws.transform('DescribeTable', body => {
        delete body.Table?.DeletionProtectionEnabled
        return body
      })
      const args = ['init:status', '--endpoint-url', aws.endpoint, ...allTableFlags(names), '--json']
      const unsaid = await runCli(args, {env: env()})
      expect(unsaid.code, output(unsaid)).to.equal(6)
      const doc = parseJson(unsaid.stdout)
      expect(doc.result.endpointGaps ?? []).not.to.include('deletion protection')
      for (const table of doc.result.tables as {actions: {type: string}[]}[]) {
        expect(table.actions.map(action => action.type)).to.include('enable-deletion-protection')
      }
    })
  })

  describe('which account: looked up behind any non-emulator endpoint; --account-id, SENTINEL_ACCOUNT_ID guard', () => {
    it(
      '--account-id names another account than the credentials: WRONG_ACCOUNT naming both, exit 3, no write',
      async () => {
        const sts = await startStsStub('111111111111')
        const aws = await layer({})
        const {flags} = fourTables('acct')
        const args = ['init:all', '--endpoint-url', aws.endpoint, ...flags, '--yes', '--account-id', '123456789012']
        const run = await runCli(args, {env: env({AWS_ENDPOINT_URL_STS: sts.endpoint})})
        expect(run.code, output(run)).to.equal(3)
        expect(lastLine(run)).to.equal('Error (WRONG_ACCOUNT): The credentials belong to account 111111111111, ' +
          'not 123456789012 (from --account-id); nothing was changed. Use credentials for account 123456789012 ' +
          '(--aws-profile, AWS_PROFILE), or correct --account-id.')
        expect(writes(aws), callLog(aws.requests)).to.deep.equal([])
        expect(sts.calls).to.equal(1)
      },
    )

    it('SENTINEL_ACCOUNT_ID guards init:status in CI the same way', async () => {
      const sts = await startStsStub('111111111111')
      const aws = await layer({})
      const {flags} = fourTables('acct-env')
      const run = await runCli(['init:status', '--endpoint-url', aws.endpoint, ...flags, '--json'], {
        env: env({AWS_ENDPOINT_URL_STS: sts.endpoint, SENTINEL_ACCOUNT_ID: '123456789012'}),
      })
      expect(run.code, output(run)).to.equal(3)
      const doc = parseJson(run.stdout)
      expect(doc.error.code).to.equal('WRONG_ACCOUNT')
      expect(doc.error.message).to.contain('111111111111').and.contain('123456789012 (from SENTINEL_ACCOUNT_ID)')
    })

    it('the right account passes the guard and the run applies; an emulator and no STS cannot', async () => {
      const sts = await startStsStub('123456789012')
      const aws = await layer({})
      const table = uniqueTable('acct-ok')
      const args = ['init:sessions', '--endpoint-url', aws.endpoint, '--table', table, '--yes']
      args.push('--account-id', '123456789012')
      const run = await runCli(args, {env: env({AWS_ENDPOINT_URL_STS: sts.endpoint})})
      expect(run.code, output(run)).to.equal(0)
      expect(run.stdout).to.contain('Target: account 123456789012, region us-east-1')
      const unconfirmed = await runCli(args, {env: env()})
      expect(unconfirmed.code, output(unconfirmed)).to.equal(3)
      expect(lastLine(unconfirmed)).to.contain('Cannot confirm that the credentials belong to account 123456789012')
      .and.contain('STS is not called for an emulator endpoint')
    })

    it('SENTINEL_ACCOUNT_ID guards --export --import-existing, which reads the account: WRONG_ACCOUNT, exit 3, ' +
      'no export printed', async () => {
      const sts = await startStsStub('111111111111')
      const aws = await layer({})
      const table = uniqueTable('acct-export')
      const args = ['init:sessions', '--endpoint-url', aws.endpoint, '--table', table]
      args.push('--export', 'terraform', '--import-existing')
      const guarded = (account: string) => env({AWS_ENDPOINT_URL_STS: sts.endpoint, SENTINEL_ACCOUNT_ID: account})
      const run = await runCli(args, {env: guarded('123456789012')})
      expect(run.code, output(run)).to.equal(3)
      expect(lastLine(run)).to.match(/^Error \(WRONG_ACCOUNT\): The credentials belong to account 111111111111, not /)
      expect(run.stdout, 'nothing of the account is printed').to.equal('')
      expect(sts.calls).to.equal(1)
      const right = await runCli(args, {env: guarded('111111111111')})
      expect(right.code, output(right)).to.equal(0)
      expect(right.stdout).to.contain('resource "aws_dynamodb_table"')
    })

    it('a VPC endpoint is real AWS: the account comes from STS, not "*"', async () => {
      const sts = await startStsStub('210987654321')
      const run = await runCli([
        'init:sessions',
        '--generate-iam',
        '--region',
        'us-east-1',
        '--endpoint-url',
        'https://vpce-0abc123-xyz.dynamodb.us-east-1.vpce.amazonaws.com',
      ], {env: env({AWS_ENDPOINT_URL_STS: sts.endpoint})})
      expect(run.code, output(run)).to.equal(0)
      expect(JSON.parse(run.stdout).Statement[0].Resource)
      .to.equal('arn:aws:dynamodb:us-east-1:210987654321:table/sentinel-sessions')
      expect(sts.calls).to.equal(1)
    })
  })

  describe('input checked before any call: regions, tags, exports', () => {
    it('--region eu-wset-1: a typo of a known region is refused with the suggestion, exit 2', async () => {
      const run = await runCli(['init:sessions', '--region', 'eu-wset-1', '--generate-iam'], {env: env()})
      expect(run.code, output(run)).to.equal(2)
      expect(run.stdout).to.equal('')
      expect(lastLine(run)).to.equal('Error (INVALID_INPUT): Unknown AWS region "eu-wset-1" (from --region): ' +
        'did you mean eu-west-1? Pass --region eu-west-1.')
    })

    it('a region shaped like one but unknown to this version: said, and the run goes on', async () => {
      const args = ['init:sessions', '--region', 'eu-west-4', '--generate-iam', '--account-id', '123456789012']
      const run = await runCli(args, {env: env()})
      expect(run.code, output(run)).to.equal(0)
      expect(run.stderr).to.contain('Warning: Region eu-west-4 is not known to this version of sentinel')
      expect(JSON.parse(run.stdout).Statement[0].Resource)
      .to.equal('arn:aws:dynamodb:eu-west-4:123456789012:table/sentinel-sessions')
    })

    it('--tag team=a@b: refused before any call, naming what DynamoDB allows', async () => {
      const aws = await layer({})
      const table = uniqueTable('tag-at')
      const run = await runCli(['init:sessions',
        '--endpoint-url',
        aws.endpoint,
        '--table',
        table,
        '--tag',
        'team=a@b',
        '--yes'], {env: env()})
      expect(run.code, output(run)).to.equal(2)
      expect(lastLine(run)).to.contain('DynamoDB allows letters, digits, white space and + - = . _ : / in tags')
      expect(aws.requests).to.deep.equal([])
    })

    it('--tag constructor=x, __proto__=y, toString=z: tags like any other, created with the table', async () => {
      const aws = await layer({})
      const table = uniqueTable('tag-obj')
      const run = await runCli(['init:sessions',
        '--endpoint-url',
        aws.endpoint,
        '--table',
        table,
        '--yes',
        '--tag',
        'constructor=x',
        '--tag',
        '__proto__=y',
        '--tag',
        'toString=z'], {env: env()})
      expect(run.code, output(run)).to.equal(0)
      const [tags] = [...aws.aws.tags.values()]
      expect(Object.entries(tags).sort()).to.deep.equal([
        ['__proto__', 'y'], ['constructor', 'x'], ['sentinel:table', 'sessions'], ['toString', 'z'],
      ])
    })

    it('a live __proto__ tag is read like any other, and aws: tags do not count toward the 50', async () => {
      const aws = await layer({})
      const table = uniqueTable('tag-live')
      const args = ['init:sessions', '--endpoint-url', aws.endpoint, '--table', table, '--yes']
      const made = await runCli(args, {env: env()})
      expect(made.code, output(made)).to.equal(0)
      const [arn] = [...aws.aws.tags.keys()]
      // 49 tags that count (sentinel:table, __proto__ and 47 more) and two CloudFormation put there.
      const live: Record<string, string> = {['__proto__']: 'x', 'sentinel:table': 'sessions'}
      for (let index = 1; index <= 47; index++) live[`cost-${index}`] = 'x'
      Object.assign(live, {'aws:cloudformation:logical-id': 'SessionTable', 'aws:cloudformation:stack-name': 's'})
      aws.aws.tags.set(arn, live)
      aws.requests.length = 0
      const run = await runCli(['init:sessions',
        '--endpoint-url',
        aws.endpoint,
        '--table',
        table,
        '--yes',
        '--tag',
        '__proto__=x',
        '--tag',
        'team=sec'], {env: env()})
      expect(run.code, output(run)).to.equal(0)
      expect(run.stdout).to.contain('+ Add tags team=sec\n')
      expect(requestsOf(aws.requests, 'TagResource'), callLog(aws.requests)).to.have.length(1)
      expect(Object.keys(aws.aws.tags.get(arn)!)).to.have.length(52).and.include('__proto__').and.include('team')
    })

    for (const flag of ['--no-pitr', '--no-deletion-protection']) {
      it(`--export with ${flag} is refused: a template never switches a protection off`, async () => {
        const run = await runCli(['init:all', '--export', 'terraform', flag], {env: env()})
        expect(run.code, output(run)).to.equal(2)
        expect(run.stdout).to.equal('')
        expect(lastLine(run)).to.match(new RegExp(`^Error \\(INVALID_INPUT\\): --export cannot be used with ${flag}: ` +
          'the template would switch this protection off'))
      })
    }
  })
})
