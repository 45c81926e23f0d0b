/**
 * The gateway against a mocked DynamoDB client (aws-sdk-client-mock), for what no local server
 * can show: an unsupported operation against AWS itself, and the waiter's pace and deadline.
 */
import {DescribeContinuousBackupsCommand, DescribeTableCommand, DescribeTimeToLiveCommand, DynamoDBClient} from '@aws-sdk/client-dynamodb'
import {mockClient} from 'aws-sdk-client-mock'
import {expect} from 'chai'

import {SentinelError} from '../../src/lib/errors.js'
import {DynamoGateway, readLiveTable, waitForActive} from '../../src/lib/gateway.js'

const unknownOperation = () => Object.assign(new Error('An unknown operation was requested.'), {$metadata: {httpStatusCode: 400}, name: 'UnknownOperationException'})
const table = (status: string, indexStatus = 'ACTIVE') => ({
  Table: {
    AttributeDefinitions: [{AttributeName: 'id', AttributeType: 'S'}],
    GlobalSecondaryIndexes: [{IndexName: 'gsi-status', IndexStatus: indexStatus, KeySchema: [{AttributeName: 'status', KeyType: 'HASH'}], Projection: {ProjectionType: 'ALL'}}],
    KeySchema: [{AttributeName: 'id', KeyType: 'HASH'}],
    TableArn: 'arn:aws:dynamodb:us-east-1:123456789012:table/t-1',
    TableName: 't-1',
    TableStatus: status,
  },
})
const credentials = {accessKeyId: 'unit', secretAccessKey: 'unit'}

describe('DynamoGateway (mocked client)', () => {
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
    mock.on(DescribeTimeToLiveCommand).resolves({TimeToLiveDescription: {AttributeName: 'ttl', TimeToLiveStatus: 'ENABLED'}})
    mock.on(DescribeContinuousBackupsCommand).rejects(unknownOperation())

    const emulator = await DynamoGateway.create({credentials, endpoint: 'http://127.0.0.1:1', region: 'us-east-1', regionSource: 'test'})
    const live = await readLiveTable(emulator, 't-1', {pitr: true, tags: false})
    expect(live?.pitr).to.equal('UNSUPPORTED')
    expect(emulator.unsupported.has('DescribeContinuousBackups')).to.equal(true)

    const aws = await DynamoGateway.create({credentials, region: 'us-east-1', regionSource: 'test'})
    const error = await readLiveTable(aws, 't-1', {pitr: true, tags: false}).catch((caught: unknown) => caught)
    expect(error).to.be.instanceOf(SentinelError)
    expect((error as SentinelError).message).to.contain('dynamodb:DescribeContinuousBackups').and.contain('UnknownOperationException')
    emulator.destroy()
    aws.destroy()
  })

  it('waitForActive notices ACTIVE at the next poll, polls at most 4 times a second, waits for every index', async () => {
    mock
      .on(DescribeTableCommand)
      .resolvesOnce(table('CREATING', 'CREATING'))
      .resolvesOnce(table('ACTIVE', 'CREATING'))
      .resolvesOnce(table('ACTIVE', 'CREATING'))
      .resolves(table('ACTIVE'))
    const gateway = await DynamoGateway.create({credentials, region: 'us-east-1', regionSource: 'test'})
    const sleeps: number[] = []
    const result = await waitForActive(gateway, {
      deadline: Date.now() + 10_000,
      sleep: async (ms) => {
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
    const gateway = await DynamoGateway.create({credentials, region: 'us-east-1', regionSource: 'test'})
    const started = Date.now()
    const error = await waitForActive(gateway, {deadline: Date.now() + 600, tableName: 't-1'}).catch((caught: unknown) => caught)
    expect(Date.now() - started).to.be.below(1500)
    expect(error).to.be.instanceOf(SentinelError)
    expect((error as SentinelError).code).to.equal('WAIT_TIMEOUT')
    expect((error as SentinelError).exitCode).to.equal(8)
    gateway.destroy()
  })
})
