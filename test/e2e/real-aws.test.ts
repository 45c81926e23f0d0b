/**
 * Issue 8, "Real AWS is not the emulator": the real CLI against a layer in front of DynamoDB Local
 * or dynalite that behaves as AWS documents (test/support/aws-behaviour.ts). ResourceNotFound right
 * after CreateTable, stale tags, the index-creation limit, tags past the first page and the
 * 50-tag limit, and an endpoint that never answers. Each test checks the exact calls made.
 */
import {CreateTableCommand, type CreateTableCommandInput, DescribeTableCommand} from '@aws-sdk/client-dynamodb'
import {expect} from 'chai'

import {
  type AwsBehaviourOptions,
  type AwsLayer,
  callLog,
  NOT_FOUND_ERRORS,
  requestsOf,
  startAwsLayer,
  startSilentEndpoint,
} from '../support/aws-behaviour.js'
import {
  cleanEnv,
  type CliResult,
  parseJson,
  runCli,
} from '../support/cli.js'
import {type RecordedRequest, WRITE_ACTIONS} from '../support/proxy.js'
import {
  dynamoLocal,
  sdkClient,
  startDynalite,
  uniqueTable,
} from '../support/servers.js'

const env = () => cleanEnv({AWS_REGION: 'us-east-1'})
/** dynalite implements neither deletion protection nor PITR. */
const DYNALITE_FLAGS = ['--no-deletion-protection', '--no-pitr']

/** The sessions table as SPEC.md defines it (keys and indexes only), as another process makes it. */
function sessionsTable(name: string): CreateTableCommandInput {
  const indexes: [string, string, string][] = [
    ['gsi-user', 'user', 'created_at'],
    ['gsi-status', 'status', 'created_at'],
    ['gsi-profile', 'profile', 'created_at'],
    ['gsi-server-instance', 'server_instance_id', 'status'],
    ['gsi-device-id', 'device_id', 'created_at'],
  ]
  const attributes = new Set(['id', ...indexes.flatMap(([, partition, sort]) => [partition, sort])])
  return {
    AttributeDefinitions: [...attributes].map(attribute => ({AttributeName: attribute, AttributeType: 'S'})),
    BillingMode: 'PAY_PER_REQUEST',
    GlobalSecondaryIndexes: indexes.map(([IndexName, partition, sort]) => ({
      IndexName,
      KeySchema: [
        {AttributeName: partition, KeyType: 'HASH'},
        {AttributeName: sort, KeyType: 'RANGE'},
      ],
      Projection: {ProjectionType: 'ALL'},
    })),
    KeySchema: [{AttributeName: 'id', KeyType: 'HASH'}],
    TableName: name,
  }
}

const output = (run: CliResult) => `exit ${run.code}\n--- stdout\n${run.stdout}\n--- stderr\n${run.stderr}`

/** `init:sessions` on one table through an endpoint, with --yes. */
function initSessions(endpoint: string, table: string, ...extra: string[]): Promise<CliResult> {
  return runCli(['init:sessions', '--endpoint-url', endpoint, '--table', table, '--yes', ...extra], {env: env()})
}

/** The write calls the layer saw. */
const writes = (aws: AwsLayer) => aws.requests.filter(request => WRITE_ACTIONS.has(request.action))

/** The CreateTable calls naming one table, with their position among all requests. */
function createsOf(aws: AwsLayer, name: string): (RecordedRequest & {index: number})[] {
  return aws.requests.flatMap((request, index) =>
    request.action === 'CreateTable' && request.table === name ? [{...request, index}] : [])
}

/** `count` tags cost-01=x, cost-02=x, ...: tags of other tools, to fill pages. */
const otherTags = (count: number) =>
  Object.fromEntries(Array.from({length: count}, (_, index) => [`cost-${String(index + 1).padStart(2, '0')}`, 'x']))

describe('real AWS is not the emulator (issue 8, end to end)', function () {
  this.timeout(120_000)
  const closers: (() => Promise<void> | void)[] = []

  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close()
  })

  async function layer(target: string, options: AwsBehaviourOptions): Promise<AwsLayer> {
    const started = await startAwsLayer(target, options)
    closers.push(() => started.close())
    return started
  }

  /** A sessions table the CLI made on DynamoDB Local, behind a layer paging tags by 10 (PITR on for it). */
  async function existingTable(prefix: string): Promise<{aws: AwsLayer; table: string; arn: string}> {
    const local = (await dynamoLocal()).endpoint
    const table = uniqueTable(prefix)
    const setup = await initSessions(local, table)
    expect(setup.code, output(setup)).to.equal(0)
    const client = sdkClient(local)
    const {Table} = await client.send(new DescribeTableCommand({TableName: table}))
    client.destroy()
    const aws = await layer(local, {tags: {pageSize: 10}})
    aws.aws.pitr.set(table, true)
    return {arn: Table!.TableArn!, aws, table}
  }

  describe('1. ResourceNotFound for a while after a successful CreateTable', () => {
    it('after its own CreateTable: waits, never says the table is gone, exit 0, exactly one CreateTable', async () => {
      const aws = await layer((await dynamoLocal()).endpoint, {notFoundAfterCreate: {calls: 4, ms: 1500}})
      const table = uniqueTable('nf-own')
      const run = await initSessions(aws.endpoint, table, '--wait-timeout', '30')
      expect(run.code, output(run)).to.equal(0)
      expect(run.stdout + run.stderr).not.to.match(/disappeared|is gone|deleted it/i)
      expect(requestsOf(aws.requests, 'CreateTable'), callLog(aws.requests)).to.have.length(1)
      expect(requestsOf(aws.requests, 'CreateTable', {status: 200})).to.have.length(1)
      // The layer did answer "not found" after the CreateTable: the run rode it out.
      expect(aws.aws.notFoundAnswers, callLog(aws.requests)).to.be.greaterThan(0)
      const describes = aws.requests.filter(request => request.action in NOT_FOUND_ERRORS && request.table === table)
      expect(describes.at(-1)?.status, 'the run ended on a describe that found the table').to.equal(200)
    })

    it("after another process's CreateTable just landed: joins it, never says it is gone, exit 0", async () => {
      const aws = await layer((await dynamoLocal()).endpoint, {notFoundAfterCreate: {calls: 6, ms: 2000}})
      const table = uniqueTable('nf-other')
      const other = sdkClient(aws.endpoint)
      closers.push(() => other.destroy())
      await other.send(new CreateTableCommand(sessionsTable(table)))
      const run = await initSessions(aws.endpoint, table, '--wait-timeout', '30')
      expect(run.code, output(run)).to.equal(0)
      expect(run.stdout + run.stderr).not.to.match(/disappeared|is gone|deleted it/i)
      const creates = requestsOf(aws.requests, 'CreateTable')
      expect(requestsOf(aws.requests, 'CreateTable', {status: 200}), callLog(aws.requests)).to.have.length(1)
      expect(creates.length, `at most one CreateTable from the CLI\n${callLog(aws.requests)}`).to.be.at.most(2)
      for (const create of creates.slice(1)) {
        expect(create.error, callLog(aws.requests)).to.equal('ResourceInUseException')
      }

      expect(aws.aws.notFoundAnswers).to.be.greaterThan(0)
    })
  })

  describe('2. stale tags after a tag change', () => {
    it('after TagResource: one TagResource for one tag change, no NOT_CONVERGED, exit 0', async () => {
      const local = (await dynamoLocal()).endpoint
      const table = uniqueTable('stale-tag')
      // The table exists as sentinel makes it, without tags (DynamoDB Local has no tagging).
      const setup = await initSessions(local, table)
      expect(setup.code, output(setup)).to.equal(0)
      const aws = await layer(local, {tags: {stale: {calls: 3}}})
      aws.aws.pitr.set(table, true)

      const run = await initSessions(aws.endpoint, table, '--tag', 'team=sec')
      expect(run.code, output(run)).to.equal(0)
      expect(run.stdout + run.stderr).not.to.contain('NOT_CONVERGED')
      expect(requestsOf(aws.requests, 'TagResource'), callLog(aws.requests)).to.have.length(1)
      expect(requestsOf(aws.requests, 'CreateTable')).to.have.length(0)
      const [tags] = [...aws.aws.tags.values()]
      expect(tags).to.deep.equal({'sentinel:table': 'sessions', team: 'sec'})
    })

    it('after CreateTable with tags: no TagResource at all, no NOT_CONVERGED, exit 0', async () => {
      const aws = await layer((await dynamoLocal()).endpoint, {tags: {stale: {calls: 3}}})
      const table = uniqueTable('stale-create')
      const run = await initSessions(aws.endpoint, table, '--tag', 'team=sec')
      expect(run.code, output(run)).to.equal(0)
      expect(run.stdout + run.stderr).not.to.contain('NOT_CONVERGED')
      expect(requestsOf(aws.requests, 'CreateTable', {status: 200}), callLog(aws.requests)).to.have.length(1)
      expect(requestsOf(aws.requests, 'TagResource'), callLog(aws.requests)).to.have.length(0)
      const [tags] = [...aws.aws.tags.values()]
      expect(tags, 'the tags came with CreateTable').to.deep.equal({'sentinel:table': 'sessions', team: 'sec'})
    })
  })

  describe('3. the index-creation limit', () => {
    it('init:all --yes: every table created, each refused CreateTable retried after the others, exit 0', async () => {
      const dynalite = await startDynalite({createTableMs: 1500})
      const aws = await layer(dynalite.endpoint, {indexCreationLimit: true})
      const names = {
        approvals: uniqueTable('lim-req'),
        breakglass: uniqueTable('lim-bg'),
        ratelimit: uniqueTable('lim-rl'),
        sessions: uniqueTable('lim-ses'),
      }
      const tableFlags = [
        ['--session-table', names.sessions],
        ['--breakglass-table', names.breakglass],
        ['--request-table', names.approvals],
        ['--rate-limit-table', names.ratelimit],
      ].flat()
      const args = ['init:all', '--endpoint-url', aws.endpoint, ...tableFlags, '--yes', '--json']
      const run = await runCli([...args, '--wait-timeout', '60', ...DYNALITE_FLAGS], {env: env()})
      expect(run.code, output(run)).to.equal(0)
      const doc = parseJson(run.stdout)
      const tables = doc.result.tables as {table: string; outcome: string}[]
      const outcomes = Object.fromEntries(tables.map(({outcome, table}) => [table, outcome]))
      for (const name of Object.values(names)) expect(outcomes[name], `${name} in ${run.stdout}`).to.equal('created')

      const log = callLog(aws.requests)
      const successAt = (name: string) => createsOf(aws, name).find(request => request.status === 200)?.index ?? -1
      for (const name of Object.values(names)) {
        const successes = createsOf(aws, name).filter(request => request.status === 200)
        expect(successes, `${name}: one successful CreateTable\n${log}`).to.have.length(1)
        for (const refused of createsOf(aws, name).filter(request => request.status !== 200)) {
          expect(refused.error, log).to.equal('LimitExceededException')
          expect(refused.index, `${name} retried after it was refused\n${log}`).to.be.below(successAt(name))
        }
      }

      for (const refusal of aws.aws.refusals) {
        for (const blocker of refusal.blockedBy) {
          const message = `${refusal.table} created after ${blocker}\n${log}`
          expect(successAt(refusal.table), message).to.be.greaterThan(successAt(blocker))
        }
      }

      const server = sdkClient(dynalite.endpoint)
      closers.push(() => server.destroy())
      for (const name of Object.values(names)) {
        const {Table} = await server.send(new DescribeTableCommand({TableName: name}))
        expect(Table?.TableStatus, name).to.equal('ACTIVE')
      }
    })
  })

  describe('4. tags beyond the first page, and the 50-tag limit', () => {
    for (const page of [1, 2]) {
      it(`a sentinel:table tag of another kind on page ${page} of 2 is drift: exit 5, nothing written`, async () => {
        const {arn, aws, table} = await existingTable(`page${page}`)
        const conflict = {'sentinel:table': 'breakglass'}
        aws.aws.tags.set(arn, page === 1 ? {...conflict, ...otherTags(10)} : {...otherTags(10), ...conflict})
        // --tag makes the run read the tags even on a table that needs nothing else.
        const run = await initSessions(aws.endpoint, table, '--tag', 'team=sec')
        expect(run.code, output(run)).to.equal(5)
        expect(run.stdout + run.stderr).to.contain('sentinel:table').and.contain('breakglass')
        expect(writes(aws), callLog(aws.requests)).to.deep.equal([])
        expect(requestsOf(aws.requests, 'ListTagsOfResource'), 'read the tags').to.have.length.greaterThan(0)
        expect(aws.aws.tags.get(arn)!['sentinel:table']).to.equal('breakglass')
      })
    }

    it(
      'an endpoint answering the same NextToken for ever: stopped on the repeat, a clear error, nothing written',
      async () => {
        const local = (await dynamoLocal()).endpoint
        const table = uniqueTable('next-token')
        const setup = await initSessions(local, table)
        expect(setup.code, output(setup)).to.equal(0)
        const aws = await layer(local, {tags: {pageSize: 10, repeatNextToken: true}})
        aws.aws.pitr.set(table, true)
        const arn = `arn:aws:dynamodb:ddblocal:000000000000:table/${table}`
        aws.aws.tags.set(arn, {...otherTags(10), 'sentinel:table': 'sessions'})
        // Without a stop, the CLI asks for the same page thousands of times a second until killed.
        const args = ['init:sessions', '--endpoint-url', aws.endpoint, '--table', table, '--tag', 'team=sec', '--yes']
        const run = await runCli(args, {env: env(), killAfterMs: 30_000})
        expect(run.code, output(run)).to.equal(1)
        const message = run.stderr.trim().split('\n').at(-1) ?? ''
        expect(message, output(run)).to.match(/^Error \(AWS_ERROR\): /)
        expect(message).to.contain('ListTagsOfResource').and.contain('one NextToken twice')
        expect(requestsOf(aws.requests, 'ListTagsOfResource').length, callLog(aws.requests)).to.equal(2)
        expect(writes(aws), callLog(aws.requests)).to.deep.equal([])
      },
    )

    it('49 tags plus two --tag would pass 50: refused before any write, naming the limit', async () => {
      const {arn, aws, table} = await existingTable('fifty')
      const before = {...otherTags(48), 'sentinel:table': 'sessions'}
      aws.aws.tags.set(arn, before)
      const run = await initSessions(aws.endpoint, table, '--tag', 'owner=a', '--tag', 'env=b')
      expect(run.code, output(run)).to.not.equal(0)
      const message = run.stderr.trim().split('\n').at(-1) ?? ''
      expect(message, output(run)).to.match(/^Error \([A-Z_]+\): /)
      expect(message).to.match(/\b50\b/).and.match(/tag/i)
      expect(writes(aws), callLog(aws.requests)).to.deep.equal([])
      expect(aws.aws.tags.get(arn)).to.deep.equal(before)
    })
  })

  describe('5. an endpoint that accepts the connection and never answers', () => {
    it('exits within 45 s, code 7, ENDPOINT_UNREACHABLE naming it, attempt n of m said; no SDK noise', async () => {
      const silent = await startSilentEndpoint()
      closers.push(() => silent.close())
      const table = uniqueTable('silent')
      const args = ['init:sessions', '--endpoint-url', silent.endpoint, '--table', table, '--yes']
      const run = await runCli(args, {env: env(), killAfterMs: 50_000})
      expect(silent.requests, 'the CLI did send a request').to.be.greaterThan(0)
      expect(run.ms, output(run)).to.be.below(45_000)
      expect(run.code, output(run)).to.equal(7)
      const message = run.stderr.trim().split('\n').at(-1) ?? ''
      expect(message).to.match(/^Error \(ENDPOINT_UNREACHABLE\): /)
      expect(message).to.contain(new URL(silent.endpoint).host)
      expect(run.stderr).not.to.match(/@smithy|\[WARN\]/)
      expect(run.stderr, 'no stack trace').not.to.match(/\n\s+at .+:\d+:\d+/)
      // After a few seconds of silence each attempt says there is no answer yet and that it retries
      // (one run proves this and the above: the silence is the same 32 s).
      const {host} = new URL(silent.endpoint)
      const said = run.stderr.split('\n').filter(line => line.startsWith(`No answer from http://${host} yet`))
      expect(said.length, output(run)).to.equal(4)
      const retrying = /\(Describe\w+ silent-[\w-]+, 3 s\); waiting up to 8 s, then retrying \(attempt 1 of 4\)$/
      expect(said[0]).to.match(retrying)
      expect(said[3]).to.match(/then giving up \(attempt 4 of 4\)$/)
    })
  })
})
