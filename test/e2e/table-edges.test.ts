/**
 * Issue 22, "no false green at the edges" (the table's own settings): the real CLI through the
 * AWS-behaviour layer in front of DynamoDB Local, with a KMS stub. The state of the key --kms-key
 * names (key ARN or alias), a tag given with another live value, a change of encryption key under
 * way, an on-demand throughput cap, and a KMS endpoint that cannot be reached.
 */
import {expect} from 'chai'
import {writeFileSync} from 'node:fs'
import {createServer} from 'node:net'

import {
  type AwsBehaviourOptions,
  type AwsLayer,
  callLog,
  type KmsStub,
  requestsOf,
  startAwsLayer,
  startKmsStub,
  type StubKey,
  type TableStateOverride,
} from '../support/aws-behaviour.js'
import {
  cleanEnv, type CliResult, parseJson, runCli,
} from '../support/cli.js'
import {WRITE_ACTIONS} from '../support/proxy.js'
import {
  allTableFlags, dynamoLocal, uniqueNames, uniqueTable,
} from '../support/servers.js'

const output = (run: CliResult) => `exit ${run.code}\n--- stdout\n${run.stdout}\n--- stderr\n${run.stderr}`
const lastLine = (run: CliResult) => run.stderr.trim().split('\n').at(-1) ?? ''
const env = (extra: Record<string, string> = {}) => cleanEnv({AWS_REGION: 'us-east-1', ...extra})
const writes = (aws: AwsLayer) => aws.requests.filter(request => WRITE_ACTIONS.has(request.action))

const KEY = 'arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555'

type DriftJson = {type: string; summary: string; remedy: string}
type TableJson = {table: string; outcome: string; converged: boolean; drift: DriftJson[]; actions: {type: string}[]}

describe('no false green at the edges: key state, tag values, SSE changes, throughput caps (issue 22)', function () {
  this.timeout(120_000)
  const closers: (() => Promise<void> | void)[] = []

  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close()
  })

  async function layer(options: AwsBehaviourOptions): Promise<AwsLayer> {
    const started = await startAwsLayer((await dynamoLocal()).endpoint, options)
    closers.push(() => started.close())
    return started
  }

  async function kms(keys: Record<string, string | StubKey>): Promise<KmsStub> {
    const stub = await startKmsStub(keys)
    closers.push(() => stub.close())
    return stub
  }

  /** The four tables made by init:all; `over` puts another layer in front, with what the first one held. */
  async function madeTables(prefix: string, ...extra: string[]) {
    const names = uniqueNames(prefix)
    const flags = allTableFlags(names)
    const setup = await layer({})
    const made = await runCli(['init:all', '--endpoint-url', setup.endpoint, ...flags, '--yes', ...extra], {env: env()})
    expect(made.code, output(made)).to.equal(0)
    const over = async (state: TableStateOverride = {}) => {
      const aws = await layer({state: Object.fromEntries(Object.values(names).map(name => [name, state]))})
      for (const [arn, tags] of setup.aws.tags) aws.aws.tags.set(arn, tags)
      for (const [table, on] of setup.aws.pitr) aws.aws.pitr.set(table, on)
      return aws
    }

    return {flags, names, over}
  }

  /** One rate-limit table (no indexes: quick), then a layer in front of it with `state`. */
  async function oneTable(prefix: string, state: TableStateOverride) {
    const table = uniqueTable(prefix)
    const setup = await layer({})
    const made = await runCli(['init:ratelimit', '--endpoint-url', setup.endpoint, '--table', table, '--yes'], {
      env: env(),
    })
    expect(made.code, output(made)).to.equal(0)
    const aws = await layer({state: {[table]: state}})
    for (const [arn, tags] of setup.aws.tags) aws.aws.tags.set(arn, tags)
    for (const [name, on] of setup.aws.pitr) aws.aws.pitr.set(name, on)
    return {args: ['init:ratelimit', '--endpoint-url', aws.endpoint, '--table', table], aws, table}
  }

  describe('the key --kms-key names: its KMS key state, for a key ARN as for an alias', () => {
    it('init:status --kms-key <key ARN> on a key PendingDeletion: exit 6, what it means, the fix', async () => {
      const {flags, over} = await madeTables('key-del')
      const aws = await over({kmsKeyArn: KEY})
      const stub = await kms({[KEY]: {arn: KEY, state: 'PendingDeletion'}})
      const args = ['init:status', '--endpoint-url', aws.endpoint, ...flags, '--kms-key', KEY, '--region', 'us-east-1']
      const run = await runCli([...args, '--json'], {env: env({AWS_ENDPOINT_URL_KMS: stub.endpoint})})
      expect(run.code, output(run)).to.equal(6)
      expect(stub.describeKeyCalls, 'one DescribeKey of the ARN for four tables').to.deep.equal([KEY])
      const tables = parseJson(run.stdout).result.tables as TableJson[]
      for (const table of tables) {
        expect(table.converged, table.table).to.equal(false)
        const [drift] = table.drift
        expect(drift.type).to.equal('kms-key-state')
        expect(drift.summary).to.contain(`KMS key ${KEY} (--kms-key) is PendingDeletion: the key is scheduled for ` +
          'deletion')
        expect(drift.remedy).to.equal('Cancel the deletion and enable the key ' +
          `(aws kms cancel-key-deletion --key-id ${KEY} ` +
          `--region us-east-1 && aws kms enable-key --key-id ${KEY} --region us-east-1), then rerun.`)
      }

      const text = await runCli(args, {env: env({AWS_ENDPOINT_URL_KMS: stub.endpoint})})
      expect(text.code, output(text)).to.equal(6)
      expect(text.stdout).to.contain('! drift: KMS key').and.not.contain('matches')
    })

    it('apply --kms-key alias/… on a Disabled key: refused, exit 5, nothing written, enable-key named', async () => {
      const {args, aws} = await oneTable('key-off', {kmsKeyArn: KEY})
      const stub = await kms({'alias/sentinel': {arn: KEY, state: 'Disabled'}})
      const run = await runCli([...args, '--kms-key', 'alias/sentinel', '--yes'], {
        env: env({AWS_ENDPOINT_URL_KMS: stub.endpoint}),
      })
      expect(run.code, output(run)).to.equal(5)
      expect(lastLine(run)).to.match(/^Error \(DRIFT\): .+ is Disabled: DynamoDB cannot use a disabled key/)
      .and.contain(`aws kms enable-key --key-id ${KEY}`)
      expect(writes(aws), callLog(aws.requests)).to.deep.equal([])
    })

    it('a new table is never created on a key pending deletion: exit 5, no CreateTable', async () => {
      const aws = await layer({})
      const stub = await kms({[KEY]: {arn: KEY, state: 'PendingDeletion'}})
      const table = uniqueTable('key-new')
      const args = ['init:ratelimit', '--endpoint-url', aws.endpoint, '--table', table, '--kms-key', KEY, '--yes']
      const run = await runCli(args, {env: env({AWS_ENDPOINT_URL_KMS: stub.endpoint})})
      expect(run.code, output(run)).to.equal(5)
      expect(lastLine(run)).to.contain('Nothing was changed on this table.').and.contain('cancel-key-deletion')
      expect(requestsOf(aws.requests, 'CreateTable'), callLog(aws.requests)).to.deep.equal([])
    })

    it('an Enabled key named by ARN: converged, exit 0, the key described', async () => {
      const {args} = await oneTable('key-ok', {kmsKeyArn: KEY})
      const stub = await kms({[KEY]: KEY})
      const run = await runCli([...args, '--kms-key', KEY, '--plan'], {env: env({AWS_ENDPOINT_URL_KMS: stub.endpoint})})
      expect(run.code, output(run)).to.equal(0)
      expect(run.stdout).to.contain('No changes: the table matches Sentinel\'s definition.')
      expect(stub.describeKeyCalls).to.deep.equal([KEY])
    })

    it('KMS unreachable at the endpoint a profile\'s services section names: that endpoint is named', async () => {
      const {args} = await oneTable('key-prof', {kmsKeyArn: KEY})
      const closed = await closedPort()
      const environment = env({AWS_PROFILE: 'lab'})
      // A named profile brings its own credentials: the SDK then ignores the environment's.
      const config = [
        '[profile lab]',
        'services = edges',
        'aws_access_key_id = labkey',
        'aws_secret_access_key = labsecret',
        '',
        '[services edges]',
        'kms =',
        `  endpoint_url = ${closed}`,
        '',
      ]
      writeFileSync(environment.AWS_CONFIG_FILE!, config.join('\n'))
      const run = await runCli([...args, '--kms-key', KEY, '--plan', '--json'], {env: environment})
      expect(run.code, output(run)).to.equal(0)
      const [table] = parseJson(run.stdout).result.tables as TableJson[]
      expect(table.drift.map(drift => drift.type)).to.deep.equal(['kms-key-unverified'])
      expect(table.drift[0].summary).to.contain(`Cannot reach ${closed} (ECONNREFUSED)`)
      expect(table.drift[0].remedy).to.contain(`Check the network to ${closed}`)
    })

    for (const variable of ['AWS_ENDPOINT_URL_KMS', 'AWS_ENDPOINT_URL']) {
      it(`KMS unreachable at ${variable}: never converged; the fix names that endpoint, not IAM`, async () => {
        const {args} = await oneTable('key-net', {kmsKeyArn: KEY})
        const closed = await closedPort()
        const run = await runCli([...args, '--kms-key', KEY, '--plan', '--json'], {env: env({[variable]: closed})})
        expect(run.code, output(run)).to.equal(0)
        const [table] = parseJson(run.stdout).result.tables as TableJson[]
        expect(table.converged).to.equal(false)
        expect(table.drift.map(drift => drift.type)).to.deep.equal(['kms-key-unverified'])
        expect(table.drift[0].summary).to.contain(`could not be checked: Cannot reach ${closed} (ECONNREFUSED) ` +
          'calling kms:DescribeKey')
        expect(table.drift[0].remedy).to.equal(`Check the network to ${closed}, or set AWS_ENDPOINT_URL_KMS to a ` +
          'KMS endpoint this machine can reach (such as a VPC endpoint for KMS); then rerun.')
      })
    }
  })

  describe('a tag given is an expectation', () => {
    it('init:status --tag team=platform, the table says security: exit 6; apply sets it (TagResource)', async () => {
      const {flags, names, over} = await madeTables('tag-val', '--tag', 'team=security')
      const aws = await over()
      const status = ['init:status', '--endpoint-url', aws.endpoint, ...flags, '--tag', 'team=platform']
      const drifted = await runCli(status, {env: env()})
      expect(drifted.code, output(drifted)).to.equal(6)
      expect(drifted.stdout).to.contain('Set tag team=platform (now team=security)').and.not.contain('matches')

      const applyArgs = ['init:all', '--endpoint-url', aws.endpoint, ...flags, '--tag', 'team=platform', '--yes']
      const apply = await runCli(applyArgs, {env: env()})
      expect(apply.code, output(apply)).to.equal(0)
      const tagged = requestsOf(aws.requests, 'TagResource')
      expect(tagged, callLog(aws.requests)).to.have.length(4)
      expect(writes(aws).filter(request => request.action !== 'TagResource'), callLog(aws.requests)).to.deep.equal([])
      for (const [arn, tags] of aws.aws.tags) {
        if (Object.values(names).some(name => arn.endsWith(`/${name}`))) expect(tags.team, arn).to.equal('platform')
      }

      const green = await runCli(status, {env: env()})
      expect(green.code, output(green)).to.equal(0)
      expect(green.stdout).to.contain('All 4 tables match')
    })
  })

  describe('encryption being changed, and a throughput cap nobody asked for', () => {
    it('init:status during a change of encryption key (SSE UPDATING): not converged yet, exit 6', async () => {
      const {flags, over} = await madeTables('sse-upd')
      const aws = await over({kmsKeyArn: KEY, sseStatus: 'UPDATING'})
      const run = await runCli(['init:status', '--endpoint-url', aws.endpoint, ...flags], {env: env()})
      expect(run.code, output(run)).to.equal(6)
      expect(run.stdout).to.contain(`Wait for the change of encryption key under way (to ${KEY}) to finish ` +
        '(SSE UPDATING)').and.not.contain('matches')
    })

    it('apply during a change of encryption key: waits until SSE is ENABLED, then converged; no write', async () => {
      const {args, aws} = await oneTable('sse-wait', {kmsKeyArn: KEY, sseStatus: 'UPDATING', sseStatusDescribes: 4})
      const run = await runCli([...args, '--yes'], {env: env()})
      expect(run.code, output(run)).to.equal(0)
      expect(run.stderr).to.contain('encryption UPDATING')
      expect(requestsOf(aws.requests, 'DescribeTable').length, callLog(aws.requests)).to.be.above(4)
      expect(writes(aws), callLog(aws.requests)).to.deep.equal([])
    })

    it('an on-demand cap of 1: drift with the update-table that lifts it; status exit 6, apply refuses', async () => {
      const cap = {MaxReadRequestUnits: 1, MaxWriteRequestUnits: 1}
      const {args, aws, table} = await oneTable('cap', {onDemandThroughput: cap})
      const plan = await runCli([...args, '--region', 'us-east-1', '--plan', '--json'], {env: env()})
      const [planned] = parseJson(plan.stdout).result.tables as TableJson[]
      expect(planned.converged, output(plan)).to.equal(false)
      expect(planned.drift.map(drift => drift.type)).to.deep.equal(['on-demand-cap'])
      expect(planned.drift[0].summary).to.contain('the table at most 1 read request units a second and at most 1 ' +
        'write request units a second')
      expect(planned.drift[0].remedy).to.contain(`aws dynamodb update-table --table-name ${table} ` +
        '--on-demand-throughput ' +
        `MaxReadRequestUnits=-1,MaxWriteRequestUnits=-1 --region us-east-1 --endpoint-url ${aws.endpoint}`)
      const apply = await runCli([...args, '--yes'], {env: env()})
      expect(apply.code, output(apply)).to.equal(5)
      expect(lastLine(apply)).to.match(/^Error \(DRIFT\): .+On-demand throughput is capped/)
      expect(writes(aws), callLog(aws.requests)).to.deep.equal([])
    })
  })
})

/** An address nothing listens on: a port taken and released. */
async function closedPort(): Promise<string> {
  const server = createServer()
  await new Promise<void>(resolve => {
    server.listen(0, '127.0.0.1', resolve)
  })
  const {port} = server.address() as {port: number}
  await new Promise<void>(resolve => {
    server.close(() => resolve())
  })
  return `http://127.0.0.1:${port}`
}
