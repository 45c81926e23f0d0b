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
} from '@aws-sdk/client-dynamodb'
import {mockClient} from 'aws-sdk-client-mock'
import {expect} from 'chai'

import {createDynamoDbAdapter} from '../../src/aws/sdk-dynamodb.js'
import {SentinelError} from '../../src/errors.js'
import {EndpointCapabilities, readLiveTable} from '../../src/provisioning/live-table.js'
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

describe('SDK adapter and live-state reader (mocked client)', () => {
  // mockClient patches DynamoDBClient for the whole process: install it here, remove it after,
  // so the end-to-end tests' own SDK calls reach real servers.
  let mock: ReturnType<typeof mockClient>

  before(() => {
    mock = mockClient(DynamoDBClient)
  })

  afterEach(() => mock.reset())

  after(() => mock.restore())

  it('an operation the endpoint lacks: a notice against an endpoint override, an error against AWS', async () => {
    mock.on(DescribeTableCommand).resolves(table('ACTIVE'))
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

    const aws = await createDynamoDbAdapter({credentials, region: 'us-east-1', regionSource: 'test'})
    const error = await readLiveTable(new EndpointCapabilities(aws), 't-1', {pitr: true, tags: false})
    .catch((error_: unknown) => error_)
    expect(error).to.be.instanceOf(SentinelError)
    expect((error as SentinelError).message)
    .to.contain('dynamodb:DescribeContinuousBackups')
    .and.contain('UnknownOperationException')
    emulator.destroy()
    aws.destroy()
  })

  it('waitForActive notices ACTIVE at the next poll, polls at most 4 times a second, ' +
    'waits for every index', async () => {
    mock
    .on(DescribeTableCommand)
    .resolvesOnce(table('CREATING', 'CREATING'))
    .resolvesOnce(table('ACTIVE', 'CREATING'))
    .resolvesOnce(table('ACTIVE', 'CREATING'))
    .resolves(table('ACTIVE'))
    const gateway = await createDynamoDbAdapter({credentials, region: 'us-east-1', regionSource: 'test'})
    const sleeps: number[] = []
    const result = await waitForActive(gateway, {
      deadline: Date.now() + 10_000,
      async sleep(ms) {
        sleeps.push(ms)
      },
      tableName: 't-1',
    })
    expect(result.TableStatus).to.equal('ACTIVE')
    expect(mock.commandCalls(DescribeTableCommand)).to.have.length(4)
    expect(sleeps).to.have.length(3)
    for (const ms of sleeps) expect(ms).to.be.within(200, 260)
    gateway.destroy()
  })

  it('waitForActive stops at the deadline with WAIT_TIMEOUT, exit 8', async () => {
    mock.on(DescribeTableCommand).resolves(table('CREATING'))
    const gateway = await createDynamoDbAdapter({credentials, region: 'us-east-1', regionSource: 'test'})
    const error = await waitForActive(gateway, {deadline: Date.now() + 600, tableName: 't-1'})
    .catch((error_: unknown) => error_)
    // 600 ms at one poll per 260 ms: three or four polls, then it stops instead of polling on.
    expect(mock.commandCalls(DescribeTableCommand).length).to.be.within(1, 4)
    expect(error).to.be.instanceOf(SentinelError)
    expect((error as SentinelError).code).to.equal('WAIT_TIMEOUT')
    expect((error as SentinelError).exitCode).to.equal(8)
    gateway.destroy()
  })
})
