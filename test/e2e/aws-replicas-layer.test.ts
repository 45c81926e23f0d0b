/**
 * The layer's global-table replicas (test/support/aws-replicas.ts), proven through the AWS SDK v3
 * client in front of DynamoDB Local: each request's region from its signature, one replica action
 * per call, CREATING then ACTIVE with the table UPDATING meanwhile, ResourceInUse while busy,
 * per-replica settings starting off and served to a client signed for the replica's region, a key
 * per region for a table with a customer-managed key (listed as given, reported as a key ARN in its
 * region), and replica states that need a human (listed, not busy).
 */
import {
  CreateTableCommand,
  DescribeContinuousBackupsCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ListTagsOfResourceCommand,
  TagResourceCommand,
  UpdateTableCommand,
} from '@aws-sdk/client-dynamodb'
import {expect} from 'chai'

import {type AwsLayer, startAwsLayer} from '../support/aws-behaviour.js'
import {dynamoLocal, uniqueTable} from '../support/servers.js'

const KEY_ARN = 'arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555'

async function createTable(client: DynamoDBClient, table: string, kmsKey?: string): Promise<void> {
  await client.send(new CreateTableCommand({
    AttributeDefinitions: [{AttributeName: 'id', AttributeType: 'S'}],
    BillingMode: 'PAY_PER_REQUEST',
    KeySchema: [{AttributeName: 'id', KeyType: 'HASH'}],
    ...(kmsKey ? {SSESpecification: {Enabled: true, KMSMasterKeyId: kmsKey, SSEType: 'KMS'}} : {}),
    TableName: table,
  }))
}

const addReplica = (client: DynamoDBClient, table: string, region: string, kmsKey?: string) =>
  client.send(new UpdateTableCommand({
    ReplicaUpdates: [{Create: {RegionName: region, ...(kmsKey ? {KMSMasterKeyId: kmsKey} : {})}}],
    TableName: table,
  }))

const errorName = async (promise: Promise<unknown>) => {
  try {
    await promise
  } catch (error) {
    return (error as Error).name
  }

  return 'no error'
}

describe('the AWS behaviour layer: global-table replicas', function () {
  this.timeout(60_000)
  const closers: (() => Promise<void> | void)[] = []

  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close()
  })

  /** The layer, and an SDK client signed for any region, all closed after the test. */
  async function layerWithClients(creatingCalls = 3): Promise<{
    aws: AwsLayer
    client: (region: string) => DynamoDBClient
  }> {
    const aws = await startAwsLayer((await dynamoLocal()).endpoint, {replicas: {creating: {calls: creatingCalls}}})
    closers.push(() => aws.close())
    const client = (region: string) => {
      const made = new DynamoDBClient({
        credentials: {accessKeyId: 'testkey', secretAccessKey: 'testsecret'},
        endpoint: aws.endpoint,
        maxAttempts: 1,
        region,
      })
      closers.push(() => made.destroy())
      return made
    }

    return {aws, client}
  }

  it('records the region each request was signed for; another region does not have the table', async () => {
    const {aws, client} = await layerWithClients()
    const table = uniqueTable('lr-region')
    await createTable(client('us-east-1'), table)
    expect(await errorName(client('eu-west-1').send(new DescribeTableCommand({TableName: table}))))
    .to.equal('ResourceNotFoundException')
    expect(aws.requests.map(request => `${request.region} ${request.action}`))
    .to.deep.equal(['us-east-1 CreateTable', 'eu-west-1 DescribeTable'])
  })

  it('a replica is CREATING (table UPDATING, busy) for the window, then ACTIVE; streams on', async () => {
    const {aws, client} = await layerWithClients(3)
    const table = uniqueTable('lr-create')
    const home = client('us-east-1')
    await createTable(home, table)
    const created = await addReplica(home, table, 'eu-west-1')
    expect(created.TableDescription?.Replicas).to.deep.include({
      RegionName: 'eu-west-1', ReplicaStatus: 'CREATING', ReplicaStatusPercentProgress: '0',
    })
    const first = (await home.send(new DescribeTableCommand({TableName: table}))).Table!
    expect(first.TableStatus).to.equal('UPDATING')
    expect(first.StreamSpecification).to.deep.equal({StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES'})
    expect(first.GlobalTableVersion).to.equal('2019.11.21')
    expect(await errorName(addReplica(home, table, 'us-west-2'))).to.equal('ResourceInUseException')
    expect(await errorName(home.send(new UpdateTableCommand({DeletionProtectionEnabled: true, TableName: table}))))
    .to.equal('ResourceInUseException')
    const inReplicaRegion = (await client('eu-west-1').send(new DescribeTableCommand({TableName: table}))).Table!
    expect(inReplicaRegion.TableStatus).to.equal('CREATING')
    expect(inReplicaRegion.TableArn).to.contain(':eu-west-1:')
    expect(inReplicaRegion.Replicas).to.deep.equal([{RegionName: 'us-east-1', ReplicaStatus: 'ACTIVE'}])
    await home.send(new DescribeTableCommand({TableName: table}))
    const after = (await home.send(new DescribeTableCommand({TableName: table}))).Table!
    expect(after.TableStatus).to.equal('ACTIVE')
    expect(after.Replicas).to.deep.equal([{RegionName: 'eu-west-1', ReplicaStatus: 'ACTIVE'}])
    expect(aws.aws.replicas!.updates.map(update => `${update.action} ${update.region} ${update.result}`))
    .to.deep.equal(['Create eu-west-1 200', 'Create us-west-2 ResourceInUseException'])
  })

  it('one replica action per call, alone; not the own region; not twice', async () => {
    const {client} = await layerWithClients(0)
    const table = uniqueTable('lr-rules')
    const home = client('us-east-1')
    await createTable(home, table)
    const two = home.send(new UpdateTableCommand({
      ReplicaUpdates: [{Create: {RegionName: 'eu-west-1'}}, {Create: {RegionName: 'us-west-2'}}],
      TableName: table,
    }))
    expect(await errorName(two)).to.equal('ValidationException')
    const mixed = home.send(new UpdateTableCommand({
      DeletionProtectionEnabled: true, ReplicaUpdates: [{Create: {RegionName: 'eu-west-1'}}], TableName: table,
    }))
    expect(await errorName(mixed)).to.equal('ValidationException')
    expect(await errorName(addReplica(home, table, 'us-east-1'))).to.equal('ValidationException')
    await addReplica(home, table, 'eu-west-1')
    expect(await errorName(addReplica(home, table, 'eu-west-1'))).to.equal('ValidationException')
  })

  it('per replica, starting off and set in its own region: deletion protection, PITR, tags', async () => {
    const {aws, client} = await layerWithClients(0)
    const table = uniqueTable('lr-settings')
    const home = client('us-east-1')
    await createTable(home, table)
    await addReplica(home, table, 'eu-west-1')
    const replica = client('eu-west-1')
    const described = (await replica.send(new DescribeTableCommand({TableName: table}))).Table!
    expect(described.DeletionProtectionEnabled).to.equal(false)
    const backups = await replica.send(new DescribeContinuousBackupsCommand({TableName: table}))
    expect(backups.ContinuousBackupsDescription?.PointInTimeRecoveryDescription?.PointInTimeRecoveryStatus)
    .to.equal('DISABLED')
    const arn = described.TableArn!
    expect((await replica.send(new ListTagsOfResourceCommand({ResourceArn: arn}))).Tags).to.deep.equal([])
    await replica.send(new UpdateTableCommand({DeletionProtectionEnabled: true, TableName: table}))
    await replica.send(new TagResourceCommand({ResourceArn: arn, Tags: [{Key: 'team', Value: 'sec'}]}))
    expect(aws.aws.replicas!.tables.get(table)!.replicas.get('eu-west-1')!.deletionProtection).to.equal(true)
    expect(aws.aws.tags.get(arn)).to.deep.equal({team: 'sec'})
    // The table in its own region keeps its own settings; a replica's ARN sent to another region is refused.
    expect((await home.send(new DescribeTableCommand({TableName: table}))).Table!.DeletionProtectionEnabled)
    .to.equal(false)
    const elsewhere = home.send(new ListTagsOfResourceCommand({ResourceArn: arn}))
    expect(await errorName(elsewhere)).to.equal('ValidationException')
  })

  it('a table with a customer-managed key: each replica needs a key of its own region', async () => {
    const {client} = await layerWithClients(0)
    const table = uniqueTable('lr-kms')
    const home = client('us-east-1')
    await createTable(home, table, KEY_ARN)
    expect(await errorName(addReplica(home, table, 'eu-west-1'))).to.equal('ValidationException')
    const replicaKey = KEY_ARN.replace('us-east-1', 'eu-west-1')
    await addReplica(home, table, 'eu-west-1', replicaKey)
    const described = (await client('eu-west-1').send(new DescribeTableCommand({TableName: table}))).Table!
    expect(described.SSEDescription?.KMSMasterKeyArn).to.equal(replicaKey)
  })

  it('a replica added by alias: Replicas[] lists the alias as given, its region the key ARN it names', async () => {
    const keyArn = KEY_ARN.replace('us-east-1', 'eu-west-1')
    const aws = await startAwsLayer((await dynamoLocal()).endpoint, {
      replicas: {
        keyArnIn: (key, region) => (key === 'alias/sentinel' && region === 'eu-west-1' ? keyArn : undefined),
      },
    })
    closers.push(() => aws.close())
    const client = (region: string) => {
      const made = new DynamoDBClient({
        credentials: {accessKeyId: 'testkey', secretAccessKey: 'testsecret'},
        endpoint: aws.endpoint,
        maxAttempts: 1,
        region,
      })
      closers.push(() => made.destroy())
      return made
    }

    const table = uniqueTable('lr-alias')
    await createTable(client('us-east-1'), table, KEY_ARN)
    await addReplica(client('us-east-1'), table, 'eu-west-1', 'alias/sentinel')
    const home = (await client('us-east-1').send(new DescribeTableCommand({TableName: table}))).Table!
    expect(home.Replicas?.[0]).to.include({KMSMasterKeyId: 'alias/sentinel', RegionName: 'eu-west-1'})
    const replica = (await client('eu-west-1').send(new DescribeTableCommand({TableName: table}))).Table!
    expect(replica.SSEDescription?.KMSMasterKeyArn).to.equal(keyArn)
  })

  it(
    'a replica in a state that needs a human is listed with it, the table ACTIVE and not busy; DELETING is busy',
    async () => {
      const {aws, client} = await layerWithClients(0)
      const table = uniqueTable('lr-states')
      const home = client('us-east-1')
      await createTable(home, table)
      const states = [['CREATION_FAILED', false], ['REGION_DISABLED', false], ['DELETING', true]] as const
      for (const [status, busy] of states) {
        aws.aws.replicas!.seed(table, {'eu-west-1': {status}})
        const described = (await home.send(new DescribeTableCommand({TableName: table}))).Table!
        expect(described.Replicas?.[0]?.ReplicaStatus, status).to.equal(status)
        expect(described.TableStatus, status).to.equal(busy ? 'UPDATING' : 'ACTIVE')
        const added = addReplica(home, table, 'us-west-2')
        expect(await errorName(added), status).to.equal(busy ? 'ResourceInUseException' : 'no error')
        aws.aws.replicas!.tables.get(table)!.replicas.delete('us-west-2')
      }
    },
  )
})
