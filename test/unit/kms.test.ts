/**
 * Issue 22: --kms-key is described with KMS DescribeKey (a mocked KMS client: no server can show a
 * key's state): its ARN and KeyState; an unreachable KMS named with AWS_ENDPOINT_URL_KMS, not a
 * permission; never KMS for an emulator. And what DescribeTable says about a change of key under way
 * and an on-demand throughput cap.
 */
import {DescribeKeyCommand, KMSClient} from '@aws-sdk/client-kms'
import {mockClient} from 'aws-sdk-client-mock'
import {expect} from 'chai'

import {kmsKeyResolver} from '../../src/aws/kms.js'
import {SentinelError} from '../../src/errors.js'
import {describeLive} from '../../src/provisioning/live-table.js'

const KEY = 'arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555'
const credentials = {accessKeyId: 'testkey', secretAccessKey: 'testsecret'}
const aws = {credentials, region: 'us-east-1', regionSource: 'test'}

async function failure(promise: Promise<unknown>): Promise<SentinelError> {
  const error = await promise.then(() => undefined, (error_: unknown) => error_)
  expect(error).to.be.instanceOf(SentinelError)
  return error as SentinelError
}

describe('KMS DescribeKey for --kms-key (mocked client, issue 22)', () => {
  // mockClient patches KMSClient for the whole process: installed here, removed after.
  let mock: ReturnType<typeof mockClient>
  const saved = process.env.AWS_ENDPOINT_URL_KMS

  before(() => {
    mock = mockClient(KMSClient)
  })

  afterEach(() => {
    mock.reset()
    if (saved === undefined) delete process.env.AWS_ENDPOINT_URL_KMS
    else process.env.AWS_ENDPOINT_URL_KMS = saved
  })

  after(() => mock.restore())

  it('a key ARN is described: its ARN, KeyState and custom key store', async () => {
    mock.on(DescribeKeyCommand, {KeyId: KEY}).resolves({
      KeyMetadata: {
        Arn: KEY, CustomKeyStoreId: 'cks-1', KeyId: 'k', KeyState: 'Unavailable',
      },
    })
    expect(await kmsKeyResolver(aws)(KEY)).to.deep.equal({arn: KEY, customKeyStoreId: 'cks-1', state: 'Unavailable'})
  })

  it('KMS unreachable: ENDPOINT_UNREACHABLE naming the endpoint and AWS_ENDPOINT_URL_KMS, not IAM', async () => {
    delete process.env.AWS_ENDPOINT_URL_KMS
    mock.on(DescribeKeyCommand).rejects(Object.assign(new Error('connect ETIMEDOUT'), {code: 'ETIMEDOUT'}))
    const error = await failure(kmsKeyResolver(aws)(KEY))
    expect(error.code).to.equal('ENDPOINT_UNREACHABLE')
    expect(error.message).to.equal('Cannot reach kms.us-east-1.amazonaws.com (ETIMEDOUT) calling kms:DescribeKey.')
    expect(error.suggestion).to.contain('kms.us-east-1.amazonaws.com').and.contain('AWS_ENDPOINT_URL_KMS')
    .and.not.contain('Grant')
  })

  it('an emulator endpoint without AWS_ENDPOINT_URL_KMS: KMS is not called (its credentials are made up)', async () => {
    delete process.env.AWS_ENDPOINT_URL_KMS
    const error = await failure(kmsKeyResolver({...aws, endpoint: 'http://127.0.0.1:8000'})(KEY))
    expect(error.code).to.equal('UNSUPPORTED_OPERATION')
    expect(error.suggestion).to.contain('AWS_ENDPOINT_URL_KMS')
    expect(mock.calls()).to.have.length(0)
    const local = await failure(kmsKeyResolver({...aws, local: true})(KEY))
    expect(local.code).to.equal('UNSUPPORTED_OPERATION')
  })

  it('an emulator endpoint with AWS_ENDPOINT_URL (as LocalStack is set up): KMS is asked there', async () => {
    delete process.env.AWS_ENDPOINT_URL_KMS
    const saved = process.env.AWS_ENDPOINT_URL
    process.env.AWS_ENDPOINT_URL = 'http://127.0.0.1:4566'
    try {
      mock.on(DescribeKeyCommand).resolves({KeyMetadata: {Arn: KEY, KeyId: 'k', KeyState: 'Enabled'}})
      expect(await kmsKeyResolver({...aws, endpoint: 'http://127.0.0.1:4566'})(KEY)).to.deep.equal({
        arn: KEY, state: 'Enabled',
      })
    } finally {
      if (saved === undefined) delete process.env.AWS_ENDPOINT_URL
      else process.env.AWS_ENDPOINT_URL = saved
    }
  })
})

describe('DescribeTable: a change of key under way, an on-demand cap (issue 22)', () => {
  it('SSE UPDATING is kept; OnDemandThroughput caps above 0 are caps, -1 is none', () => {
    const live = describeLive({
      GlobalSecondaryIndexes: [
        {IndexName: 'a', OnDemandThroughput: {MaxReadRequestUnits: -1, MaxWriteRequestUnits: 5}},
        {IndexName: 'b', OnDemandThroughput: {MaxReadRequestUnits: -1, MaxWriteRequestUnits: -1}},
      ],
      OnDemandThroughput: {MaxReadRequestUnits: 1, MaxWriteRequestUnits: -1},
      SSEDescription: {KMSMasterKeyArn: KEY, SSEType: 'KMS', Status: 'UPDATING'},
      TableArn: 'arn:aws:dynamodb:us-east-1:123456789012:table/t',
      TableName: 't',
      TableStatus: 'ACTIVE',
    }, false)
    expect(live.encryption).to.deep.equal({kind: 'kms', kmsKeyArn: KEY, status: 'UPDATING'})
    expect(live.onDemandCap).to.deep.equal({maxRead: 1})
    expect(live.indexes.map(gsi => gsi.onDemandCap)).to.deep.equal([{maxWrite: 5}, undefined])
  })
})
