/**
 * The SDK adapter behind the DynamoDB port, against a mocked DynamoDB client (aws-sdk-client-mock),
 * for what no local server can show: an unsupported operation against AWS itself, and the
 * waiter's pace and deadline.
 */
import {
  DescribeContinuousBackupsCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  ListTagsOfResourceCommand,
} from '@aws-sdk/client-dynamodb'
import {mockClient} from 'aws-sdk-client-mock'
import {expect} from 'chai'

import {createDynamoDbAdapter} from '../../src/aws/sdk-dynamodb.js'
import {
  dynamoDbSdk, iamSdk, kmsSdk, smithyConfig, smithyRetry, stsSdk,
} from '../../src/aws/sdk-modules.js'
import {SentinelError} from '../../src/errors.js'
import {EndpointCapabilities, MAX_TAG_PAGES, readLiveTable} from '../../src/provisioning/live-table.js'
import {waitForActive} from '../../src/provisioning/wait.js'

const unknownOperation = () => Object.assign(new Error('An unknown operation was requested.'), {
  $metadata: {httpStatusCode: 400},
  name: 'UnknownOperationException',
})
const table = (status: string, indexStatus = 'ACTIVE') => ({
  Table: {
    AttributeDefinitions: [{AttributeName: 'id', AttributeType: 'S'}],
    GlobalSecondaryIndexes: [{
      IndexName: 'gsi-status',
      IndexStatus: indexStatus,
      KeySchema: [{AttributeName: 'status', KeyType: 'HASH'}],
      Projection: {ProjectionType: 'ALL'},
    }],
    KeySchema: [{AttributeName: 'id', KeyType: 'HASH'}],
    TableArn: 'arn:aws:dynamodb:us-east-1:123456789012:table/t-1',
    TableName: 't-1',
    TableStatus: status,
  },
})
const credentials = {accessKeyId: 'unit', secretAccessKey: 'unit'}
/** DescribeTable's answer, in the tests' own time. */
const POLL_MS = 40

/** A clock the tests move: their sleeps and DescribeTable answers advance it. */
function fakeClock() {
  let time = 1_000_000
  return {
    advance(ms: number) {
      time += ms
    },
    now: () => time,
  }
}

/** waitForActive's options on that clock: a deadline limitMs away, sleeps that advance it (and are recorded). */
function onClock(clock: ReturnType<typeof fakeClock>, limitMs: number) {
  const sleeps: number[] = []
  const options = {
    deadline: clock.now() + limitMs,
    now: clock.now,
    async sleep(ms: number) {
      sleeps.push(ms)
      clock.advance(ms)
    },
    tableName: 't-1',
  }
  return {options, sleeps}
}

describe('SDK adapter and live-state reader (mocked client)', () => {
  // mockClient patches DynamoDBClient for the whole process: install it here, remove it after,
  // so the end-to-end tests' own SDK calls reach real servers.
  let mock: ReturnType<typeof mockClient>

  before(() => {
    mock = mockClient(DynamoDBClient)
  })

  afterEach(() => mock.reset())

  after(() => mock.restore())

  it('tags paged without end (a new NextToken every page): stopped at the page cap with a clear error', async () => {
    mock.on(DescribeTableCommand).resolves(table('ACTIVE'))
    mock.on(DescribeTimeToLiveCommand).resolves({TimeToLiveDescription: {TimeToLiveStatus: 'DISABLED'}})
    let page = 0
    mock.on(ListTagsOfResourceCommand).callsFake(() => ({NextToken: `page-${++page}`, Tags: []}))
    const aws = await createDynamoDbAdapter({credentials, region: 'us-east-1', regionSource: 'test'})
    const error = await readLiveTable(new EndpointCapabilities(aws), 't-1', {pitr: false, tags: true})
    .catch((error_: unknown) => error_)
    aws.destroy()
    expect(error).to.be.instanceOf(SentinelError)
    expect((error as SentinelError).code).to.equal('AWS_ERROR')
    expect((error as SentinelError).message).to.contain(`more than ${MAX_TAG_PAGES} pages`)
    expect(page).to.equal(MAX_TAG_PAGES + 1)
  })

  it(
    'an operation the endpoint lacks: a notice on DynamoDB Local, an error against AWS (also behind an override)',
    async () => {
      const local = table('ACTIVE')
      local.Table.TableArn = 'arn:aws:dynamodb:ddblocal:000000000000:table/t-1'
      mock.on(DescribeTableCommand).resolves(local)
      mock.on(DescribeTimeToLiveCommand).resolves({
        TimeToLiveDescription: {AttributeName: 'ttl', TimeToLiveStatus: 'ENABLED'},
      })
      mock.on(DescribeContinuousBackupsCommand).rejects(unknownOperation())

      const emulator = await createDynamoDbAdapter({
        credentials,
        endpoint: 'http://127.0.0.1:1',
        region: 'us-east-1',
        regionSource: 'test',
      })
      const emulatorCapabilities = new EndpointCapabilities(emulator)
      const live = await readLiveTable(emulatorCapabilities, 't-1', {pitr: true, tags: false})
      expect(live?.pitr).to.equal('UNSUPPORTED')
      expect(emulatorCapabilities.lacking.has('DescribeContinuousBackups')).to.equal(true)

      // A real account's table, directly and behind an endpoint override (a VPC endpoint, a proxy).
      mock.on(DescribeTableCommand).resolves(table('ACTIVE'))
      const aws = await createDynamoDbAdapter({credentials, region: 'us-east-1', regionSource: 'test'})
      const proxied = await createDynamoDbAdapter({
        credentials, endpoint: 'http://127.0.0.1:1', region: 'us-east-1', regionSource: 'test',
      })
      for (const port of [aws, proxied]) {
        const error = await readLiveTable(new EndpointCapabilities(port), 't-1', {pitr: true, tags: false})
        .catch((error_: unknown) => error_)
        expect(error).to.be.instanceOf(SentinelError)
        expect((error as SentinelError).message)
        .to.contain('dynamodb:DescribeContinuousBackups')
        .and.contain('UnknownOperationException')
      }

      emulator.destroy()
      aws.destroy()
      proxied.destroy()
    },
  )

  it('waitForActive notices ACTIVE at the next poll, polls at most 4 times a second, ' +
    'waits for every index', async () => {
    // A clock of its own: each DescribeTable takes POLL_MS, each sleep as long as asked; no wall clock.
    const clock = fakeClock()
    const answers = [table('CREATING', 'CREATING'), table('ACTIVE', 'CREATING'), table('ACTIVE', 'CREATING')]
    mock.on(DescribeTableCommand).callsFake(() => {
      clock.advance(POLL_MS)
      return answers.shift() ?? table('ACTIVE')
    })
    const gateway = await createDynamoDbAdapter({credentials, region: 'us-east-1', regionSource: 'test'})
    const {options, sleeps} = onClock(clock, 10_000)
    const result = await waitForActive(gateway, options)
    expect(result.TableStatus).to.equal('ACTIVE')
    expect(mock.commandCalls(DescribeTableCommand)).to.have.length(4)
    expect(sleeps).to.have.length(3)
    for (const ms of sleeps) expect(ms).to.be.within(200, 260)
    // Poll starts 260 ms apart: a poll's own time is taken from the pause, never added to it.
    expect(sleeps).to.deep.equal([220, 220, 220])
    gateway.destroy()
  })

  it('waitForActive stops at the deadline with WAIT_TIMEOUT, exit 8', async () => {
    const clock = fakeClock()
    mock.on(DescribeTableCommand).callsFake(() => {
      clock.advance(POLL_MS)
      return table('CREATING')
    })
    const gateway = await createDynamoDbAdapter({credentials, region: 'us-east-1', regionSource: 'test'})
    const {options, sleeps} = onClock(clock, 600)
    const error = await waitForActive(gateway, options).catch((error_: unknown) => error_)
    // 600 ms at one poll per 260 ms: four polls (the last at the deadline), then it stops instead of polling on.
    expect(mock.commandCalls(DescribeTableCommand).length).to.be.within(1, 4)
    // Polls at 0, 260, 520 and at the deadline (600), the last pause cut to the deadline, then no more.
    expect(mock.commandCalls(DescribeTableCommand)).to.have.length(4)
    expect(sleeps).to.deep.equal([220, 220, 40])
    expect(error).to.be.instanceOf(SentinelError)
    expect((error as SentinelError).code).to.equal('WAIT_TIMEOUT')
    expect((error as SentinelError).exitCode).to.equal(8)
    gateway.destroy()
  })

  it('the clients the CLI requires are the modules the tests import (the mocks above reach them)', async () => {
    // A package that gained an exports map with an ESM entry would load twice, and mocks would miss the CLI's copy.
    const required = [
      dynamoDbSdk().DynamoDBClient,
      iamSdk().IAMClient,
      kmsSdk().KMSClient,
      stsSdk().STSClient,
      smithyRetry().StandardRetryStrategy,
      smithyConfig().loadSharedConfigFiles,
    ]
    const imported = [
      (await import('@aws-sdk/client-dynamodb')).DynamoDBClient,
      (await import('@aws-sdk/client-iam')).IAMClient,
      (await import('@aws-sdk/client-kms')).KMSClient,
      (await import('@aws-sdk/client-sts')).STSClient,
      (await import('@smithy/core/retry')).StandardRetryStrategy,
      (await import('@smithy/core/config')).loadSharedConfigFiles,
    ]
    for (const [index, client] of required.entries()) expect(client, client.name).to.equal(imported[index])
  })
})
