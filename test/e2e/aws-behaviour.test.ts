/**
 * The layer that behaves as AWS documents, proven against real servers (DynamoDB Local, dynalite)
 * through the AWS SDK v3 client: not found after CreateTable, stale and paged tags, the 50-tag
 * limit, the index-creation limit, a silent endpoint, and the recording of every call.
 */
import {
  CreateTableCommand,
  type CreateTableCommandInput,
  DescribeContinuousBackupsCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  ListTablesCommand,
  ListTagsOfResourceCommand,
  type Tag,
  TagResourceCommand,
  UpdateContinuousBackupsCommand,
  UpdateTableCommand,
} from '@aws-sdk/client-dynamodb'
import {DescribeKeyCommand, KMSClient} from '@aws-sdk/client-kms'
import {expect} from 'chai'
import {request as httpRequest} from 'node:http'
import {connect} from 'node:net'

import {
  type AwsBehaviourOptions,
  type AwsLayer,
  callLog,
  INDEX_LIMIT_MESSAGE,
  requestsOf,
  startAwsLayer,
  startKmsStub,
  startSilentEndpoint,
} from '../support/aws-behaviour.js'
import {emulatePitrAndTags, startProxy} from '../support/proxy.js'
import {
  dynamoLocal,
  sdkClient,
  startDynalite,
  uniqueTable,
} from '../support/servers.js'

function tableInput(name: string, options: {indexes?: boolean; tags?: Tag[]} = {}): CreateTableCommandInput {
  const input: CreateTableCommandInput = {
    AttributeDefinitions: [{AttributeName: 'id', AttributeType: 'S'}],
    BillingMode: 'PAY_PER_REQUEST',
    KeySchema: [{AttributeName: 'id', KeyType: 'HASH'}],
    TableName: name,
  }
  if (options.indexes) {
    input.AttributeDefinitions!.push({AttributeName: 'user', AttributeType: 'S'})
    const KeySchema = [{AttributeName: 'user', KeyType: 'HASH' as const}]
    input.GlobalSecondaryIndexes = [{IndexName: 'gsi-user', KeySchema, Projection: {ProjectionType: 'ALL'}}]
  }

  if (options.tags) input.Tags = options.tags
  return input
}

/** The error a call fails with; fails the test if it succeeds. */
async function failure(promise: Promise<unknown>): Promise<{name: string; message: string; status?: number}> {
  try {
    await promise
  } catch (error) {
    const sdk = error as {name: string; message: string; $metadata?: {httpStatusCode?: number}}
    return {message: sdk.message, name: sdk.name, status: sdk.$metadata?.httpStatusCode}
  }

  throw new Error('expected the call to fail, it succeeded')
}

const nameOf = async (promise: Promise<unknown>) => (await failure(promise)).name

const sleep = (ms: number) =>
  new Promise<void>(resolve => {
    setTimeout(resolve, ms)
  })

/** A clock of the test's own for the layer's windows (Window.now): time passes when the test says. */
function testClock(): {advance(ms: number): void; now: () => number} {
  let now = 1_000_000
  return {
    advance(ms) {
      now += ms
    },
    now: () => now,
  }
}

/** Resolves once the event loop has turned (setImmediate). */
const tick = () =>
  new Promise(resolve => {
    setImmediate(resolve)
  })

/** k01=v1, k02=v2, ... */
const tagsOf = (count: number) =>
  Array.from({length: count}, (_, index) => ({Key: `k${String(index + 1).padStart(2, '0')}`, Value: `v${index + 1}`}))

const statusesOf = (table?: {TableStatus?: string; GlobalSecondaryIndexes?: {IndexStatus?: string}[]}) => [
  table?.TableStatus,
  table?.GlobalSecondaryIndexes?.[0].IndexStatus,
]

describe('the AWS behaviour layer in front of a real emulator', function () {
  this.timeout(60_000)
  let local: string
  const closers: (() => Promise<void> | void)[] = []

  before(async () => {
    local = (await dynamoLocal()).endpoint
  })

  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close()
  })

  async function layer(options: AwsBehaviourOptions, target = local): Promise<AwsLayer> {
    const started = await startAwsLayer(target, options)
    closers.push(() => started.close())
    return started
  }

  /** An SDK client on the endpoint with shorthands for the calls these tests make. */
  function client(endpoint: string) {
    const sdk = sdkClient(endpoint)
    closers.push(() => sdk.destroy())
    return {
      async arnOf(name: string) {
        return (await sdk.send(new DescribeTableCommand({TableName: name}))).Table!.TableArn!
      },
      create: (name: string, options: {indexes?: boolean; tags?: Tag[]} = {}) =>
        sdk.send(new CreateTableCommand(tableInput(name, options))),
      describeTable: (name: string) => sdk.send(new DescribeTableCommand({TableName: name})),
      list: (arn: string, NextToken?: string) => sdk.send(new ListTagsOfResourceCommand({NextToken, ResourceArn: arn})),
      sdk,
      tag: (arn: string, Tags: Tag[]) => sdk.send(new TagResourceCommand({ResourceArn: arn, Tags})),
      async tags(arn: string) {
        return (await sdk.send(new ListTagsOfResourceCommand({ResourceArn: arn}))).Tags
      },
    }
  }

  describe('recording', () => {
    it('records each request: action, table or ARN, status answered, error type, server status', async () => {
      const aws = await layer({})
      const {arnOf, create, describeTable, sdk, tag} = client(aws.endpoint)
      const table = uniqueTable('rec')
      await create(table)
      const arn = await arnOf(table)
      await tag(arn, [{Key: 'a', Value: '1'}])
      expect(await nameOf(describeTable(`${table}-missing`))).to.equal('ResourceNotFoundException')
      aws.fault('UpdateTable', {kind: 'error', status: 400, type: 'AccessDeniedException'})
      await failure(sdk.send(new UpdateTableCommand({DeletionProtectionEnabled: true, TableName: table})))
      aws.fault('DescribeTimeToLive', {kind: 'drop'})
      await failure(sdk.send(new DescribeTimeToLiveCommand({TableName: table})))

      const seen = aws.requests.map(request => [
        request.action,
        request.table ?? request.arn,
        request.status,
        request.error,
        request.upstreamStatus,
      ])
      expect(seen).to.deep.equal([
        ['CreateTable', table, 200, undefined, 200],
        ['DescribeTable', table, 200, undefined, 200],
        ['TagResource', arn, 200, undefined, undefined],
        ['DescribeTable', `${table}-missing`, 400, 'ResourceNotFoundException', 400],
        ['UpdateTable', table, 400, 'AccessDeniedException', undefined],
        ['DescribeTimeToLive', table, undefined, undefined, undefined],
      ])
      expect(aws.calls).to.deep.equal(aws.requests.map(request => request.action))
      expect(requestsOf(aws.requests, 'DescribeTable', {status: 200, table})).to.have.length(1)
      expect(callLog(aws.requests).split('\n')[4]).to.equal(`UpdateTable ${table} 400 AccessDeniedException`)
    })
  })

  describe('ResourceNotFound for a while after a successful CreateTable', () => {
    it('by count: the next 3 describe calls answer not found as AWS words it, then the table is found', async () => {
      const aws = await layer({notFoundAfterCreate: {calls: 3}})
      const {create, describeTable, sdk} = client(aws.endpoint)
      const table = uniqueTable('nf')
      expect((await create(table)).TableDescription?.TableName).to.equal(table)
      const resourceNotFound = {
        message: `Requested resource not found: Table: ${table} not found`,
        name: 'ResourceNotFoundException',
        status: 400,
      }
      expect(await failure(describeTable(table))).to.deep.equal(resourceNotFound)
      expect(await failure(sdk.send(new DescribeTimeToLiveCommand({TableName: table})))).to.deep.equal(resourceNotFound)
      // DescribeContinuousBackups documents TableNotFoundException, not ResourceNotFoundException.
      expect(await failure(sdk.send(new DescribeContinuousBackupsCommand({TableName: table})))).to.deep.equal({
        message: `Table not found: ${table}`,
        name: 'TableNotFoundException',
        status: 400,
      })

      expect((await describeTable(table)).Table?.TableStatus).to.equal('ACTIVE')
      await sdk.send(new DescribeTimeToLiveCommand({TableName: table}))
      await sdk.send(new DescribeContinuousBackupsCommand({TableName: table}))
      expect(aws.aws.notFoundAnswers).to.equal(3)
      expect(aws.requests.map(request => request.status)).to.deep.equal([200, 400, 400, 400, 200, 200, 200])
    })

    it('the error is an AWS JSON error: HTTP 400, the full __type, the message', async () => {
      const aws = await layer({notFoundAfterCreate: {calls: 1}})
      const table = uniqueTable('raw')
      await client(aws.endpoint).create(table)
      const answer = await rawCall(aws.endpoint, 'DescribeTable', {TableName: table})
      expect(answer.status).to.equal(400)
      expect(answer.headers['content-type']).to.equal('application/x-amz-json-1.0')
      expect(answer.body).to.deep.equal({
        __type: 'com.amazonaws.dynamodb.v20120810#ResourceNotFoundException',
        message: `Requested resource not found: Table: ${table} not found`,
      })
    })

    it('by time: not found however often it is asked within the window, found after it', async () => {
      const clock = testClock()
      const aws = await layer({notFoundAfterCreate: {ms: 4000, now: clock.now}})
      const {create, describeTable} = client(aws.endpoint)
      const table = uniqueTable('nft')
      await create(table)
      for (let index = 0; index < 5; index++) {
        expect(await nameOf(describeTable(table))).to.equal('ResourceNotFoundException')
      }

      clock.advance(3999)
      expect(await nameOf(describeTable(table)), 'the last moment of the window').to.equal('ResourceNotFoundException')
      clock.advance(201)
      expect((await describeTable(table)).Table?.TableName).to.equal(table)
    })

    it('PITR calls on a table the server does not have answer TableNotFoundException, as documented', async () => {
      const aws = await layer({})
      const {sdk} = client(aws.endpoint)
      const table = uniqueTable('nopitr')
      expect(await failure(sdk.send(new DescribeContinuousBackupsCommand({TableName: table})))).to.deep.equal({
        message: `Table not found: ${table}`,
        name: 'TableNotFoundException',
        status: 400,
      })
      const PointInTimeRecoverySpecification = {PointInTimeRecoveryEnabled: true}
      const update = sdk.send(new UpdateContinuousBackupsCommand({PointInTimeRecoverySpecification, TableName: table}))
      expect(await nameOf(update)).to.equal('TableNotFoundException')
      expect(aws.aws.pitr.has(table)).to.equal(false)
    })

    it('touches only a table whose CreateTable succeeded through the layer', async () => {
      const aws = await layer({notFoundAfterCreate: {calls: 5}})
      const {create, describeTable} = client(aws.endpoint)
      const existing = uniqueTable('pre')
      await client(local).create(existing)
      // A refused CreateTable (the table exists) opens no window.
      expect(await nameOf(create(existing))).to.equal('ResourceInUseException')
      expect((await describeTable(existing)).Table?.TableName).to.equal(existing)
      const fresh = uniqueTable('new')
      await create(fresh)
      expect((await describeTable(existing)).Table?.TableName).to.equal(existing)
      expect(await nameOf(describeTable(fresh))).to.equal('ResourceNotFoundException')
    })
  })

  describe('tags: emulated, stale after a change, paged, at most 50', () => {
    it('stale after TagResource (by count): the previous tag set, then the new one', async () => {
      const aws = await layer({tags: {stale: {calls: 2}}})
      const {arnOf, create, tag, tags} = client(aws.endpoint)
      const table = uniqueTable('stale')
      await create(table)
      const arn = await arnOf(table)

      await tag(arn, [{Key: 'a', Value: '1'}])
      expect(aws.aws.tags.get(arn), 'the store holds the truth at once').to.deep.equal({a: '1'})
      expect(await tags(arn)).to.deep.equal([])
      expect(await tags(arn)).to.deep.equal([])
      expect(await tags(arn)).to.deep.equal([{Key: 'a', Value: '1'}])

      await tag(arn, [{Key: 'b', Value: '2'}])
      expect(await tags(arn)).to.deep.equal([{Key: 'a', Value: '1'}])
      expect(await tags(arn)).to.deep.equal([{Key: 'a', Value: '1'}])
      expect(await tags(arn)).to.deep.equal([
        {Key: 'a', Value: '1'},
        {Key: 'b', Value: '2'},
      ])
      expect(aws.aws.staleAnswers).to.equal(4)
    })

    it("stale after CreateTable with Tags (by time): empty at first, then CreateTable's tags", async () => {
      const clock = testClock()
      const aws = await layer({tags: {stale: {ms: 4000, now: clock.now}}})
      const {create, tags} = client(aws.endpoint)
      const table = uniqueTable('ctags')
      const sentinelTag = [{Key: 'sentinel:table', Value: 'sessions'}]
      const {TableDescription} = await create(table, {tags: sentinelTag})
      const arn = TableDescription!.TableArn!
      expect(aws.aws.tags.get(arn)).to.deep.equal({'sentinel:table': 'sessions'})
      expect(await tags(arn)).to.deep.equal([])
      clock.advance(3999)
      expect(await tags(arn), 'the last moment of the window').to.deep.equal([])
      clock.advance(201)
      expect(await tags(arn)).to.deep.equal(sentinelTag)
    })

    it('with busyWhileStale, a second tag change while the first is settling is refused as in use', async () => {
      const aws = await layer({tags: {busyWhileStale: true, stale: {calls: 1}}})
      const {arnOf, create, tag, tags} = client(aws.endpoint)
      const table = uniqueTable('busy')
      await create(table)
      const arn = await arnOf(table)
      await tag(arn, [{Key: 'a', Value: '1'}])
      const refused = await failure(tag(arn, [{Key: 'b', Value: '2'}]))
      expect(refused.name).to.equal('ResourceInUseException')
      expect(refused.message).to.contain('Table tags are being updated')
      await tags(arn)
      await tag(arn, [{Key: 'b', Value: '2'}])
      expect(aws.aws.tags.get(arn)).to.deep.equal({a: '1', b: '2'})
    })

    it('ListTagsOfResource answers pages of 10 with NextToken, honouring the NextToken sent', async () => {
      const aws = await layer({})
      const {arnOf, create, list, tag} = client(aws.endpoint)
      const table = uniqueTable('pages')
      await create(table)
      const arn = await arnOf(table)
      const all = tagsOf(25)
      await tag(arn, all)

      const first = await list(arn)
      expect(first.Tags).to.deep.equal(all.slice(0, 10))
      expect(first.NextToken).to.be.a('string')
      const second = await list(arn, first.NextToken)
      expect(second.Tags).to.deep.equal(all.slice(10, 20))
      const third = await list(arn, second.NextToken)
      expect(third.Tags).to.deep.equal(all.slice(20))
      expect(third.NextToken).to.equal(undefined)
      expect((await list(arn, first.NextToken)).Tags, 'the same token, the same page').to.deep.equal(all.slice(10, 20))

      expect(await nameOf(list(arn, 'not-a-token'))).to.equal('ValidationException')
      const otherResource = await nameOf(list(`${arn}-other`, first.NextToken))
      expect(otherResource, "another resource's token").to.equal('ValidationException')
    })

    it('pageSize is configurable', async () => {
      const aws = await layer({tags: {pageSize: 3}})
      const {arnOf, create, list, tag} = client(aws.endpoint)
      const table = uniqueTable('ps')
      await create(table)
      const arn = await arnOf(table)
      await tag(arn, tagsOf(7))
      const sizes: number[] = []
      let token: string | undefined
      do {
        const page = await list(arn, token)
        sizes.push(page.Tags!.length)
        token = page.NextToken
      } while (token)

      expect(sizes).to.deep.equal([3, 3, 1])
    })

    it('a resource holds at most 50 tags: the 51st is refused, a changed value at 50 is not', async () => {
      const aws = await layer({})
      const {arnOf, create, tag} = client(aws.endpoint)
      const table = uniqueTable('fifty')
      await create(table)
      const arn = await arnOf(table)
      await tag(arn, tagsOf(50))
      const refused = await failure(tag(arn, [{Key: 'k51', Value: 'x'}]))
      expect(refused.name).to.equal('ValidationException')
      expect(refused.status).to.equal(400)
      expect(refused.message).to.contain('at most 50 tags')
      expect(Object.keys(aws.aws.tags.get(arn)!)).to.have.length(50)
      await tag(arn, [{Key: 'k01', Value: 'changed'}])
      expect(aws.aws.tags.get(arn)!.k01).to.equal('changed')
      expect(requestsOf(aws.requests, 'TagResource').map(request => request.status)).to.deep.equal([200, 400, 200])
    })

    it('CreateTable with 51 tags is refused and creates nothing; the error type is configurable', async () => {
      const aws = await layer({tags: {limitError: 'LimitExceededException'}})
      const table = uniqueTable('toomany')
      expect(await nameOf(client(aws.endpoint).create(table, {tags: tagsOf(51)}))).to.equal('LimitExceededException')
      expect(requestsOf(aws.requests, 'CreateTable')[0].upstreamStatus, 'never reached the server').to.equal(undefined)
      expect(await nameOf(client(local).describeTable(table))).to.equal('ResourceNotFoundException')
    })

    it("emulatePitrAndTags without options: one page, CreateTable's tags kept, PITR remembered", async () => {
      const proxy = await startProxy(local)
      closers.push(() => proxy.close())
      const {pitr, tags: store} = emulatePitrAndTags(proxy)
      const {create, list, sdk, tag, tags} = client(proxy.endpoint)
      const table = uniqueTable('compat')
      const arn = (await create(table, {tags: [{Key: 'x', Value: '1'}]})).TableDescription!.TableArn!
      expect(await tags(arn)).to.deep.equal([{Key: 'x', Value: '1'}])
      await tag(arn, tagsOf(12))
      const page = await list(arn)
      expect(page.Tags).to.have.length(13)
      expect(page.NextToken).to.equal(undefined)
      expect(Object.keys(store.get(arn)!)).to.have.length(13)
      const PointInTimeRecoverySpecification = {PointInTimeRecoveryEnabled: true}
      await sdk.send(new UpdateContinuousBackupsCommand({PointInTimeRecoverySpecification, TableName: table}))
      expect(pitr.get(table)).to.equal(true)
      const backups = await sdk.send(new DescribeContinuousBackupsCommand({TableName: table}))
      const {PointInTimeRecoveryDescription} = backups.ContinuousBackupsDescription ?? {}
      expect(PointInTimeRecoveryDescription?.PointInTimeRecoveryStatus).to.equal('ENABLED')
    })

    it("with createTableTags: false, CreateTable's tags are dropped (as before)", async () => {
      const proxy = await startProxy(local)
      closers.push(() => proxy.close())
      emulatePitrAndTags(proxy, {createTableTags: false})
      const {create, tags} = client(proxy.endpoint)
      const table = uniqueTable('drop')
      const arn = (await create(table, {tags: [{Key: 'x', Value: '1'}]})).TableDescription!.TableArn!
      expect(await tags(arn)).to.deep.equal([])
    })
  })

  describe('the index-creation limit', () => {
    it('dynalite (real CREATING): an indexed CreateTable is refused while another is CREATING', async () => {
      const dynalite = await startDynalite({createTableMs: 1500})
      const aws = await layer({indexCreationLimit: true}, dynalite.endpoint)
      const {create, describeTable} = client(aws.endpoint)
      const [first, second, plain] = [uniqueTable('ia'), uniqueTable('ib'), uniqueTable('ic')]
      expect((await create(first, {indexes: true})).TableDescription?.TableStatus).to.equal('CREATING')

      const refused = await failure(create(second, {indexes: true}))
      expect(refused).to.deep.equal({message: INDEX_LIMIT_MESSAGE, name: 'LimitExceededException', status: 400})
      // Tables without secondary indexes are not limited; a second CreateTable of one is "in use".
      await create(plain)
      expect(await nameOf(create(first, {indexes: true}))).to.equal('ResourceInUseException')
      const refusals = aws.aws.refusals.map(({blockedBy, table}) => ({blockedBy, table}))
      expect(refusals).to.deep.equal([{blockedBy: [first], table: second}])

      let status: string | undefined
      for (let polls = 0; status !== 'ACTIVE' && polls < 40; polls++) {
        await sleep(250)
        status = (await describeTable(first)).Table?.TableStatus
      }

      expect(status).to.equal('ACTIVE')
      expect((await create(second, {indexes: true})).TableDescription?.TableStatus).to.equal('CREATING')
      const statuses = requestsOf(aws.requests, 'CreateTable', {table: second}).map(request => request.status)
      expect(statuses).to.deep.equal([400, 200])
    })

    it('DynamoDB Local with the layer holding CREATING (by count): refused while held, accepted after', async () => {
      const aws = await layer({creating: {calls: 2}, indexCreationLimit: true})
      const {create, describeTable, sdk} = client(aws.endpoint)
      const [first, second] = [uniqueTable('ha'), uniqueTable('hb')]
      const created = await create(first, {indexes: true})
      expect(statusesOf(created.TableDescription)).to.deep.equal(['CREATING', 'CREATING'])
      expect(statusesOf((await describeTable(first)).Table)).to.deep.equal(['CREATING', 'CREATING'])
      expect(await nameOf(create(second, {indexes: true}))).to.equal('LimitExceededException')
      const update = sdk.send(new UpdateTableCommand({DeletionProtectionEnabled: true, TableName: first}))
      expect(await nameOf(update)).to.equal('ResourceInUseException')
      expect(statusesOf((await describeTable(first)).Table)).to.deep.equal(['CREATING', 'CREATING'])

      expect(statusesOf((await describeTable(first)).Table)).to.deep.equal(['ACTIVE', 'ACTIVE'])
      expect((await create(second, {indexes: true})).TableDescription?.TableStatus).to.equal('CREATING')
      expect(callLog(aws.requests)).to.contain(`CreateTable ${second} 400 LimitExceededException`)
    })

    it('decides concurrent CreateTables one at a time: of three at once, exactly one is accepted', async () => {
      const aws = await layer({creating: {ms: 5000}, indexCreationLimit: true})
      const {create} = client(aws.endpoint)
      const names = [uniqueTable('ca'), uniqueTable('cb'), uniqueTable('cc')]
      const outcomes = await Promise.allSettled(names.map(name => create(name, {indexes: true})))
      expect(outcomes.filter(outcome => outcome.status === 'fulfilled')).to.have.length(1)
      const errors = outcomes.flatMap(outcome => (outcome.status === 'fulfilled' ? [] : [outcome.reason.name]))
      expect(errors).to.deep.equal(['LimitExceededException', 'LimitExceededException'])
    })
  })

  describe('a silent endpoint', () => {
    const credentials = {accessKeyId: 'testkey', secretAccessKey: 'testsecret'}

    it('takes the connection and the request, never answers: requestTimeout 500 ms times out', async () => {
      const silent = await startSilentEndpoint()
      closers.push(() => silent.close())
      // @smithy/node-http-handler 4.x only warns at requestTimeout unless told to throw.
      const requestHandler = {connectionTimeout: 500, requestTimeout: 500, throwOnRequestTimeout: true}
      const {endpoint} = silent
      const sdk = new DynamoDBClient({
        credentials,
        endpoint,
        maxAttempts: 1,
        region: 'us-east-1',
        requestHandler,
      })
      closers.push(() => sdk.destroy())
      const started = Date.now()
      const error = await failure(sdk.send(new ListTablesCommand({})))
      const elapsed = Date.now() - started
      expect(error.name).to.equal('TimeoutError')
      // It gave up after the timeout, not at once and not after mocha's own limit.
      expect(elapsed).to.be.within(450, 20_000)
      expect(silent.connections).to.equal(1)
      expect(silent.requests).to.equal(1)
    })

    it('without throwOnRequestTimeout the SDK only warns at requestTimeout and the call hangs on', async () => {
      const silent = await startSilentEndpoint()
      closers.push(() => silent.close())
      const warnings: string[] = []
      const logger = {
        debug() {},
        error() {},
        info() {},
        trace() {},
        warn: (message: string) => warnings.push(message),
      }
      const requestHandler = {logger, requestTimeout: 300}
      const {endpoint} = silent
      const sdk = new DynamoDBClient({
        credentials,
        endpoint,
        maxAttempts: 1,
        region: 'us-east-1',
        requestHandler,
      })
      closers.push(() => sdk.destroy())
      let settled = false
      const call = failure(sdk.send(new ListTablesCommand({}))).finally(() => {
        settled = true
      })
      await sleep(1200)
      expect(settled, 'still waiting four times past requestTimeout').to.equal(false)
      expect(warnings.join('\n')).to.contain('[WARN] a request has exceeded the configured 300 ms requestTimeout')
      await silent.close()
      expect(await call, 'closing the endpoint ends the call').to.have.property('name')
    })

    it('closes cleanly: held connections are cut and nothing listens any more', async () => {
      const silent = await startSilentEndpoint()
      const port = Number(new URL(silent.endpoint).port)
      const socket = connect(port, '127.0.0.1')
      await new Promise<void>(resolve => {
        socket.on('connect', () => resolve())
      })
      const cut = new Promise<void>(resolve => {
        socket.on('close', () => resolve())
      })
      socket.write('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}')
      await sleep(50)
      expect(silent.requests).to.equal(1)
      await silent.close()
      await cut
      const again = await new Promise<string>(resolve => {
        const retry = connect(port, '127.0.0.1')
        retry.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? ''))
        retry.on('connect', () => {
          retry.destroy()
          resolve('connected')
        })
      })
      expect(again).to.equal('ECONNREFUSED')
    })
  })

  describe('one table refused, a state reported, backups not yet available, KMS (issue 16)', () => {
    it('deny: AccessDeniedException in AWS words for the named table and actions only', async () => {
      const denied = uniqueTable('deny')
      const allowed = uniqueTable('allow')
      const aws = await layer({deny: [{actions: ['DescribeTable'], table: denied}]})
      const sdk = client(aws.endpoint)
      await sdk.create(denied)
      await sdk.create(allowed)
      const error = await failure(sdk.describeTable(denied))
      expect(error.name).to.equal('AccessDeniedException')
      expect(error.message).to.equal('User: arn:aws:iam::123456789012:user/ci is not authorized to perform: ' +
        `dynamodb:DescribeTable on resource: arn:aws:dynamodb:us-east-1:123456789012:table/${denied} ` +
        'because no identity-based policy allows the dynamodb:DescribeTable action')
      expect((await sdk.describeTable(allowed)).Table?.TableStatus).to.equal('ACTIVE')
      await sdk.sdk.send(new DescribeTimeToLiveCommand({TableName: denied}))
    })

    it('state: after N DescribeTable answers, the status, replicas and KMS key given', async () => {
      const table = uniqueTable('state')
      const kmsKeyArn = 'arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555'
      const replicas = [{RegionName: 'eu-west-1', ReplicaStatus: 'REGION_DISABLED'}]
      const aws = await layer({
        state: {
          [table]: {
            afterDescribes: 1, kmsKeyArn, replicas, tableStatus: 'ARCHIVED',
          },
        },
      })
      const sdk = client(aws.endpoint)
      await sdk.create(table)
      const first = (await sdk.describeTable(table)).Table!
      expect(first.TableStatus).to.equal('ACTIVE')
      expect(first.SSEDescription?.KMSMasterKeyArn).to.equal(kmsKeyArn)
      const later = (await sdk.describeTable(table)).Table!
      expect(later.TableStatus).to.equal('ARCHIVED')
      expect(later.Replicas).to.deep.equal(replicas)
    })

    it('state: SSE UPDATING for N answers, then ENABLED; an on-demand cap in every answer', async () => {
      const table = uniqueTable('sse')
      const kmsKeyArn = 'arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555'
      const onDemandThroughput = {MaxReadRequestUnits: 1, MaxWriteRequestUnits: 1}
      const aws = await layer({
        state: {
          [table]: {
            kmsKeyArn, onDemandThroughput, sseStatus: 'UPDATING', sseStatusDescribes: 1,
          },
        },
      })
      const sdk = client(aws.endpoint)
      await sdk.create(table)
      const first = (await sdk.describeTable(table)).Table!
      expect(first.SSEDescription).to.include({KMSMasterKeyArn: kmsKeyArn, Status: 'UPDATING'})
      expect(first.OnDemandThroughput).to.deep.equal(onDemandThroughput)
      const later = (await sdk.describeTable(table)).Table!
      expect(later.SSEDescription?.Status).to.equal('ENABLED')
      expect(later.OnDemandThroughput).to.deep.equal(onDemandThroughput)
    })

    it('backupsUnavailableAfterCreate: first UpdateContinuousBackups refused, as on AWS, then accepted', async () => {
      const table = uniqueTable('backups')
      const aws = await layer({backupsUnavailableAfterCreate: {calls: 1}})
      const sdk = client(aws.endpoint)
      await sdk.create(table)
      const enable = () => sdk.sdk.send(new UpdateContinuousBackupsCommand({
        PointInTimeRecoverySpecification: {PointInTimeRecoveryEnabled: true}, TableName: table,
      }))
      expect((await failure(enable())).name).to.equal('ContinuousBackupsUnavailableException')
      await enable()
      expect(aws.aws.pitr.get(table)).to.equal(true)
    })

    it('startKmsStub: DescribeKey resolves a known alias to its key ARN; an unknown one is NotFound', async () => {
      const arn = 'arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555'
      const stub = await startKmsStub({'alias/sentinel': arn})
      closers.push(() => stub.close())
      const kms = new KMSClient({
        credentials: {accessKeyId: 'testkey', secretAccessKey: 'testsecret'}, endpoint: stub.endpoint, maxAttempts: 1,
        region: 'us-east-1',
      })
      closers.push(() => kms.destroy())
      const {KeyMetadata} = await kms.send(new DescribeKeyCommand({KeyId: 'alias/sentinel'}))
      expect(KeyMetadata?.Arn).to.equal(arn)
      const unknown = await failure(kms.send(new DescribeKeyCommand({KeyId: 'alias/other'})))
      expect(unknown.name).to.equal('NotFoundException')
      expect(stub.describeKeyCalls).to.deep.equal(['alias/sentinel', 'alias/other'])
    })

    it('startKmsStub: an alias names a key per region, answered by the region the request was signed for', async () => {
      const home = 'arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555'
      const replica = home.replace('us-east-1', 'eu-west-1')
      const stub = await startKmsStub({}, {
        inRegion: {'eu-west-1': {'alias/sentinel': replica}, 'us-east-1': {'alias/sentinel': home}},
      })
      closers.push(() => stub.close())
      const arnIn = async (region: string) => {
        const kms = new KMSClient({
          credentials: {accessKeyId: 'testkey', secretAccessKey: 'testsecret'}, endpoint: stub.endpoint, maxAttempts: 1,
          region,
        })
        closers.push(() => kms.destroy())
        return (await kms.send(new DescribeKeyCommand({KeyId: 'alias/sentinel'}))).KeyMetadata?.Arn
      }

      expect([await arnIn('us-east-1'), await arnIn('eu-west-1')]).to.deep.equal([home, replica])
      expect(stub.describeKeyRegions).to.deep.equal(['us-east-1', 'eu-west-1'])
      expect(await failure(arnIn('us-west-2'))).to.have.property('name', 'NotFoundException')
    })

    it('startKmsStub: a key in the state given (PendingDeletion), with its custom key store', async () => {
      const arn = 'arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555'
      const stub = await startKmsStub({[arn]: {arn, customKeyStoreId: 'cks-1', state: 'PendingDeletion'}})
      closers.push(() => stub.close())
      const kms = new KMSClient({
        credentials: {accessKeyId: 'testkey', secretAccessKey: 'testsecret'}, endpoint: stub.endpoint, maxAttempts: 1,
        region: 'us-east-1',
      })
      closers.push(() => kms.destroy())
      const {KeyMetadata} = await kms.send(new DescribeKeyCommand({KeyId: arn}))
      expect(KeyMetadata).to.include({
        Arn: arn, CustomKeyStoreId: 'cks-1', Enabled: false, KeyState: 'PendingDeletion',
      })
    })
  })

  it('closing the layer leaves no server, socket or timer behind, even with a delayed answer pending', async () => {
    const kinds = ['TCPServerWrap', 'TCPSocketWrap', 'Timeout']
    const count = () => {
      // Experimental before Node 22.16, but present (since 17.3) in every Node this project supports.
      // eslint-disable-next-line n/no-unsupported-features/node-builtins -- a test-only leak check
      const resources = process.getActiveResourcesInfo()
      return Object.fromEntries(kinds.map(kind => [kind, resources.filter(resource => resource === kind).length]))
    }

    // Mocha arms the test's own timeout timer after the test function has started.
    await tick()
    const before = count()
    const windows = {creating: {ms: 60_000}, notFoundAfterCreate: {ms: 60_000}, tags: {stale: {ms: 60_000}}}
    const aws = await startAwsLayer(local, {...windows, indexCreationLimit: true})
    const table = uniqueTable('close')
    expect((await rawCall(aws.endpoint, 'CreateTable', tableInput(table, {indexes: true}))).status).to.equal(200)
    expect((await rawCall(aws.endpoint, 'DescribeTable', {TableName: table})).status).to.equal(400)
    aws.fault('DescribeTimeToLive', {kind: 'delay', ms: 30_000})
    const pending = rawCall(aws.endpoint, 'DescribeTimeToLive', {TableName: table})
    await sleep(100)
    expect(count(), 'the layer holds a server, sockets and the delay').to.not.deep.equal(before)
    await aws.close()
    expect((await pending).status, 'the pending call was cut').to.equal(0)
    await sleep(50)
    await tick()
    expect(count()).to.deep.equal(before)
  })
})

/** One DynamoDB call over its own connection (no SDK, no agent); status 0 when it was cut. */
function rawCall(
  endpoint: string,
  action: string,
  body: object,
): Promise<{status: number; headers: Record<string, unknown>; body: any}> {
  const text = JSON.stringify(body)
  const headers = {
    authorization: 'AWS4-HMAC-SHA256 Credential=testkey/20260101/us-east-1/dynamodb/aws4_request, Signature=0',
    'content-length': Buffer.byteLength(text),
    'content-type': 'application/x-amz-json-1.0',
    'x-amz-date': '20260101T000000Z',
    'x-amz-target': `DynamoDB_20120810.${action}`,
  }
  return new Promise(resolve => {
    const cut = () => resolve({body: undefined, headers: {}, status: 0})
    const request = httpRequest(endpoint, {agent: false, headers, method: 'POST'}, response => {
      const parts: Buffer[] = []
      response.on('data', (chunk: Buffer) => parts.push(chunk))
      response.on('end', () => {
        const answer = JSON.parse(Buffer.concat(parts).toString() || '{}')
        resolve({body: answer, headers: response.headers, status: response.statusCode ?? 0})
      })
      response.on('error', cut)
    })
    request.on('error', cut)
    request.end(text)
  })
}
