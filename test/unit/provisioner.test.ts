/**
 * The provisioning service in-process against the in-memory DynamoDB: every action, every retry
 * and join path, and what real DynamoDB does that the emulators do not (not found right after
 * create, stale and paged tags, the index-creation limit). Pauses are shortened to milliseconds.
 */
import type {CreateTableCommandInput} from '@aws-sdk/client-dynamodb'

import {expect} from 'chai'

import type {KeyResolver} from '../../src/aws/kms.js'
import type {DesiredTable} from '../../src/tables/desired.js'

import {SentinelError} from '../../src/errors.js'
import {EndpointCapabilities} from '../../src/provisioning/live-table.js'
import {
  AppliedThenFailed, CreationGate, type Inspection, Provisioner, type TableReporter,
} from '../../src/provisioning/provisioner.js'
import {
  ALL_TABLES, BREAKGLASS_TABLE, keyAttributes, RATE_LIMIT_TABLE, SESSIONS_TABLE, type TableDefinition,
} from '../../src/tables/definitions.js'
import {FakeDynamoDb, fakeKms, type FakeOptions} from '../support/fake-dynamodb.js'

const FAST = {
  limitRetryMs: 5,
  pollMs: 1,
  rereadMs: 1,
  tagSettleMs: 200,
  visibilityMs: 200,
}

/** Tags are Maps in the CLI; written here as objects. */
function desired(
  definition: TableDefinition = BREAKGLASS_TABLE,
  {tags, ...overrides}: Partial<Omit<DesiredTable, 'tags'>> & {tags?: Record<string, string>} = {},
): DesiredTable {
  return {
    definition,
    deletionProtection: true,
    pitr: true,
    tableName: definition.defaultTableName,
    tags: new Map(Object.entries(tags ?? {})),
    ...overrides,
  }
}

/** A fake DynamoDB and a provisioner on it, with pauses of milliseconds. */
function harness(options: FakeOptions = {}, gate?: CreationGate) {
  const fake = new FakeDynamoDb(options)
  const provisioner = new Provisioner(new EndpointCapabilities(fake), {gate, resolveKey: fakeKms(), timing: FAST})
  return {fake, provisioner}
}

async function provision(provisioner: Provisioner, table: DesiredTable, reporter?: TableReporter) {
  const inspection = await provisioner.inspect(table)
  return {inspection, outcome: await provisioner.apply(inspection, {deadline: Date.now() + 5000, reporter})}
}

/** A KMS that refuses DescribeKey. */
const refusingKms: KeyResolver = async () => {
  throw new SentinelError('ACCESS_DENIED', 'Access denied: kms:DescribeKey on alias/sentinel.')
}

async function failure(promise: Promise<unknown>): Promise<SentinelError> {
  const error = await promise.then(() => undefined, (error_: unknown) => error_)
  expect(error, 'expected a SentinelError').to.be.instanceOf(SentinelError)
  return error as SentinelError
}

/** A table as the Go provisioner made it: indexes missing, nothing else set. */
function handMade(definition: TableDefinition, indexes = definition.indexes.slice(0, -1)): CreateTableCommandInput {
  const attributes = new Set([definition.partitionKey, ...indexes.flatMap(gsi => [gsi.partitionKey, gsi.sortKey])])
  return {
    AttributeDefinitions: [...attributes].map(name => ({AttributeName: name, AttributeType: 'S'})),
    BillingMode: 'PAY_PER_REQUEST',
    GlobalSecondaryIndexes: indexes.length === 0
      ? undefined
      : indexes.map(gsi => ({
        IndexName: gsi.name,
        KeySchema: [{AttributeName: gsi.partitionKey, KeyType: 'HASH'}, {AttributeName: gsi.sortKey, KeyType: 'RANGE'}],
        Projection: {ProjectionType: 'ALL'},
      })),
    KeySchema: [{AttributeName: definition.partitionKey, KeyType: 'HASH'}],
    TableName: definition.defaultTableName,
  }
}

/** An index of the break-glass table as CreateTable takes it: sorted by creation time. */
function breakglassIndex(name: string, partitionKey: string) {
  return {
    IndexName: name,
    KeySchema: [{AttributeName: partitionKey, KeyType: 'HASH'}, {AttributeName: 'created_at', KeyType: 'RANGE'}],
    Projection: {ProjectionType: 'ALL'},
  }
}

describe('provisioning service (in-memory DynamoDB)', () => {
  it('a new table on a key named by alias: created, then compared by the key\'s ARN, never called drift', async () => {
    const fake = new FakeDynamoDb()
    const asked: string[] = []
    // DynamoDB reports the ARN of the key an alias names; KMS DescribeKey says which key that is.
    const resolveKey = fakeKms('Enabled', asked)
    const provisioner = new Provisioner(new EndpointCapabilities(fake), {resolveKey, timing: FAST})
    const {inspection, outcome} = await provision(provisioner, desired(SESSIONS_TABLE, {
      kmsKey: {kind: 'alias', name: 'alias/sentinel'},
    }))
    expect(inspection.live).to.equal(undefined)
    expect(outcome.outcome).to.equal('created')
    expect(asked).to.deep.equal(['alias/sentinel'])
  })

  it('KMS refusing the alias of a new table: DRIFT after creation, saying what was done, not "nothing"', async () => {
    const fake = new FakeDynamoDb()
    const provisioner = new Provisioner(new EndpointCapabilities(fake), {resolveKey: refusingKms, timing: FAST})
    const error = await failure(provision(provisioner, desired(SESSIONS_TABLE, {
      kmsKey: {kind: 'alias', name: 'alias/sentinel'},
    })))
    expect(error.code).to.equal('DRIFT')
    expect(error.message).to.contain('kms:DescribeKey')
    const done = /^This run had changed the table before the drift was seen; what it did is listed with the table\. /
    expect(error.suggestion).to.match(done)
    expect(error).to.be.instanceOf(AppliedThenFailed)
    expect((error as AppliedThenFailed).applied[0]).to.equal('Created table sentinel-sessions')
    expect(fake.tables.has('sentinel-sessions')).to.equal(true)
  })

  it('creates every table kind with its own key, TTL attribute, indexes, SSE, ' +
    'protection and tags in one CreateTable', async () => {
    for (const definition of ALL_TABLES) {
      const {fake, provisioner} = harness({busyPolls: 2})
      const {outcome} = await provision(provisioner, desired(definition, {tags: {team: 'sec'}}))
      expect(outcome.outcome).to.equal('created')
      const table = fake.tables.get(definition.defaultTableName)!
      expect(table.description.KeySchema).to.deep.equal([{AttributeName: definition.partitionKey, KeyType: 'HASH'}])
      expect(table.description.AttributeDefinitions?.map(attribute => attribute.AttributeName))
      .to.deep.equal(keyAttributes(definition))
      expect((table.description.GlobalSecondaryIndexes ?? []).map(gsi => gsi.IndexName))
      .to.deep.equal(definition.indexes.map(gsi => gsi.name))
      expect(table.ttl).to.deep.equal({attribute: definition.ttlAttribute, status: 'ENABLED'})
      expect(table.pitr).to.equal(true)
      expect(table.description.DeletionProtectionEnabled).to.equal(true)
      expect(table.description.SSEDescription?.SSEType).to.equal('KMS')
      expect(table.tags).to.deep.equal({'sentinel:table': definition.kind, team: 'sec'})
      expect(fake.calls.filter(call =>
        call.startsWith('update') || call.startsWith('create') || call === 'tagResource'))
      .to.deep.equal(['createTable', 'updateTimeToLive', 'updateContinuousBackups'])
    }
  })

  it('sends exactly this CreateTable: keys and their types, indexes, billing, encryption, deletion protection, ' +
    'tags sorted with the marker', async () => {
    const plain = {
      AttributeDefinitions: ['id', 'invoker', 'created_at', 'status', 'profile']
      .map(name => ({AttributeName: name, AttributeType: 'S'})),
      BillingMode: 'PAY_PER_REQUEST',
      DeletionProtectionEnabled: true,
      GlobalSecondaryIndexes: [
        breakglassIndex('gsi-invoker', 'invoker'),
        breakglassIndex('gsi-status', 'status'),
        breakglassIndex('gsi-profile', 'profile'),
      ],
      KeySchema: [{AttributeName: 'id', KeyType: 'HASH'}],
      SSESpecification: {Enabled: true, SSEType: 'KMS'},
      TableName: 'sentinel-breakglass',
      Tags: [
        {Key: 'a', Value: 'b'},
        {Key: 'sentinel:table', Value: 'breakglass'},
        {Key: 'team', Value: 'sec'},
        {Key: 'z', Value: 'y'},
      ],
    }
    const keyId = '1234abcd-12ab-34cd-56ef-1234567890ab'
    const keyArn = `arn:aws:kms:us-east-1:111122223333:key/${keyId}`
    for (const [kmsKey, sse] of [
      [undefined, plain.SSESpecification],
      [{arn: keyArn, kind: 'key-arn', region: 'us-east-1'}, {Enabled: true, KMSMasterKeyId: keyArn, SSEType: 'KMS'}],
      [{id: keyId, kind: 'key-id'}, {Enabled: true, KMSMasterKeyId: keyId, SSEType: 'KMS'}],
    ] as const) {
      const {fake, provisioner} = harness()
      // Given out of order: CreateTable sends them sorted by key, as the exports write them.
      // eslint-disable-next-line perfectionist/sort-objects
      await provision(provisioner, desired(BREAKGLASS_TABLE, {kmsKey, tags: {team: 'sec', z: 'y', a: 'b'}}))
      const sent = fake.sent.filter(call => call.operation === 'createTable').map(call => call.input)
      expect(sent, JSON.stringify(kmsKey)).to.deep.equal([{...plain, SSESpecification: sse}])
    }

    const {fake, provisioner} = harness()
    await provision(provisioner, desired(RATE_LIMIT_TABLE, {deletionProtection: false}))
    expect(fake.sent.find(call => call.operation === 'createTable')?.input).to.deep.equal({
      AttributeDefinitions: [{AttributeName: 'PK', AttributeType: 'S'}],
      BillingMode: 'PAY_PER_REQUEST',
      DeletionProtectionEnabled: false,
      // Left out by the SDK: the rate limiter has no index.
      GlobalSecondaryIndexes: undefined,
      KeySchema: [{AttributeName: 'PK', KeyType: 'HASH'}],
      SSESpecification: {Enabled: true, SSEType: 'KMS'},
      TableName: 'sentinel-ratelimit',
      Tags: [{Key: 'sentinel:table', Value: 'ratelimit'}],
    })
  })

  it('a rerun on a converged table makes four reads (tags too) and no write', async () => {
    const {fake, provisioner} = harness()
    await provision(provisioner, desired())
    fake.calls.length = 0
    const inspection = await provisioner.inspect(desired())
    expect(fake.calls.sort()).to.deep.equal([
      'describeContinuousBackups', 'describeTable', 'describeTimeToLive', 'listTagsOfResource',
    ])
    expect(inspection.plan.actions).to.deep.equal([])
    const outcome = await provisioner.apply(inspection, {deadline: Date.now() + 1000})
    expect(outcome.outcome).to.equal('unchanged')
    expect(fake.calls.filter(call => !call.startsWith('describe') && call !== 'listTagsOfResource')).to.deep.equal([])
  })

  it('reconciles a hand-made table in place: index, encryption, deletion protection, TTL, PITR, tags', async () => {
    const {fake, provisioner} = harness()
    fake.seed(handMade(SESSIONS_TABLE))
    const {inspection, outcome} = await provision(provisioner, desired(SESSIONS_TABLE))
    expect(inspection.plan.actions.map(action => action.type)).to.deep.equal([
      'add-index', 'set-encryption', 'enable-deletion-protection', 'enable-ttl', 'enable-pitr', 'add-tags',
    ])
    expect(outcome.outcome).to.equal('updated')
    expect(outcome.applied).to.have.length(6)
    expect(fake.count('updateTable')).to.equal(3)
    expect(fake.count('tagResource')).to.equal(1)
    expect(Object.isFrozen(outcome)).to.equal(true)
  })

  it('joins a table another process is creating (ResourceInUseException), ' +
    'never sending CreateTable twice', async () => {
    const {fake, provisioner} = harness({busyPolls: 3})
    const inspection = await provisioner.inspect(desired())
    fake.seed(handMade(BREAKGLASS_TABLE, BREAKGLASS_TABLE.indexes))
    fake.tables.get('sentinel-breakglass')!.busyPolls = 3
    fake.tables.get('sentinel-breakglass')!.description.TableStatus = 'CREATING'
    const outcome = await provisioner.apply(inspection, {deadline: Date.now() + 5000})
    expect(fake.count('createTable')).to.equal(1)
    expect(outcome.notices.join(' ')).to.contain('being created by another process; joined it')
  })

  it('a CreateTable whose answer was lost is not sent again: the table is read first and continued', async () => {
    const {fake, provisioner} = harness()
    fake.script('createTable', {kind: 'lose-answer'})
    const {outcome} = await provision(provisioner, desired())
    expect(fake.count('createTable')).to.equal(1)
    expect(outcome.outcome).to.equal('created')
    expect(outcome.notices.join(' ')).to.contain('got no clear answer')
  })

  it('a throttled CreateTable that did not land is sent again after the SDK strategy\'s pause', async () => {
    const {fake, provisioner} = harness()
    fake.script('createTable', {kind: 'error', name: 'ThrottlingException', times: 2})
    const {outcome} = await provision(provisioner, desired())
    expect(fake.count('createTable')).to.equal(3)
    expect(fake.tables.size).to.equal(1)
    expect(outcome.outcome).to.equal('created')
  })

  it('an UpdateTable refused while the table is busy waits and is sent again; ' +
    'a 500 that landed is not resent', async () => {
    const {fake, provisioner} = harness()
    fake.seed(handMade(SESSIONS_TABLE), {
      pitr: true,
      tags: {'sentinel:table': 'sessions'},
      ttl: {attribute: 'ttl', status: 'ENABLED'},
    })
    fake.script('updateTable', {kind: 'error', name: 'ResourceInUseException'})
    fake.script('updateTable', {kind: 'lose-answer'})
    const {outcome} = await provision(provisioner, desired(SESSIONS_TABLE))
    expect(outcome.outcome).to.equal('updated')
    // busy → index (answer lost, landed, not resent) → encryption → deletion protection
    expect(fake.count('updateTable')).to.equal(4)
    expect(fake.tables.get('sentinel-sessions')!.description.GlobalSecondaryIndexes).to.have.length(5)
  })

  it('a refused index stays the error when the read that checks for a concurrent add fails', async () => {
    const {fake, provisioner} = harness()
    fake.seed(handMade(SESSIONS_TABLE), {
      pitr: true,
      tags: {'sentinel:table': 'sessions'},
      ttl: {attribute: 'ttl', status: 'ENABLED'},
    })
    const inspection = await provisioner.inspect(desired(SESSIONS_TABLE))
    fake.script('updateTable', {kind: 'error', message: 'index refused', name: 'ValidationException'})
    fake.script('describeTable', {kind: 'error', name: 'AccessDeniedException', times: 100})
    const error = await failure(provisioner.apply(inspection, {deadline: Date.now() + 5000}))
    expect(error.awsName).to.equal('ValidationException')
    expect(error.message).to.contain('index refused')
    expect(fake.count('describeTable'), 'the check was made').to.be.greaterThan(1)
  })

  it('right after CreateTable, "not found" is waited out, never called a deleted table', async () => {
    const {fake, provisioner} = harness({invisibleAfterCreate: 4})
    const {outcome} = await provision(provisioner, desired())
    expect(outcome.outcome).to.equal('created')
    expect(fake.count('createTable')).to.equal(1)
  })

  it('stale tags after CreateTable: read again, never written again', async () => {
    const {fake, provisioner} = harness({staleTagCalls: 3})
    const {outcome} = await provision(provisioner, desired(BREAKGLASS_TABLE, {tags: {team: 'sec'}}))
    expect(outcome.outcome).to.equal('created')
    expect(fake.count('tagResource')).to.equal(0)
  })

  it('stale tags after TagResource: one TagResource for one change', async () => {
    const {fake, provisioner} = harness({staleTagCalls: 3})
    fake.seed(handMade(BREAKGLASS_TABLE, BREAKGLASS_TABLE.indexes), {
      pitr: true,
      tags: {'sentinel:table': 'breakglass'},
      ttl: {attribute: 'ttl', status: 'ENABLED'},
    })
    fake.tables.get('sentinel-breakglass')!.description.DeletionProtectionEnabled = true
    fake.tables.get('sentinel-breakglass')!.description.SSEDescription = {SSEType: 'KMS', Status: 'ENABLED'}
    const {outcome} = await provision(provisioner, desired(BREAKGLASS_TABLE, {tags: {team: 'sec'}}))
    expect(outcome.outcome).to.equal('updated')
    expect(fake.count('tagResource')).to.equal(1)
  })

  it('a tag given with another value: set with one TagResource, the new value waited for in stale reads', async () => {
    const {fake, provisioner} = harness({staleTagCalls: 3})
    fake.seed(handMade(BREAKGLASS_TABLE, BREAKGLASS_TABLE.indexes), {
      pitr: true,
      tags: {'sentinel:table': 'breakglass', team: 'security'},
      ttl: {attribute: 'ttl', status: 'ENABLED'},
    })
    const seeded = fake.tables.get('sentinel-breakglass')!
    seeded.description.DeletionProtectionEnabled = true
    seeded.description.SSEDescription = {SSEType: 'KMS', Status: 'ENABLED'}
    // Stale only after TagResource: ListTagsOfResource then shows the old value a while.
    delete seeded.staleTags
    const {inspection, outcome} = await provision(provisioner, desired(BREAKGLASS_TABLE, {tags: {team: 'platform'}}))
    expect(inspection.plan.actions.map(action => action.type)).to.deep.equal(['set-tag-values'])
    expect(outcome.outcome).to.equal('updated')
    expect(outcome.applied).to.deep.equal(['Set tag team=platform (now team=security)'])
    expect(fake.count('tagResource')).to.equal(1)
    expect(fake.tables.get('sentinel-breakglass')!.tags.team).to.equal('platform')
  })

  it('after a change only what it can have changed is read again: PITR\'s and the tags\' own calls, the tags until ' +
    'they show (issue 25)', async () => {
    const {fake, provisioner} = harness({staleTagCalls: 3})
    fake.seed(handMade(BREAKGLASS_TABLE, BREAKGLASS_TABLE.indexes), {
      pitr: false,
      tags: {'sentinel:table': 'breakglass', team: 'security'},
      ttl: {attribute: 'ttl', status: 'ENABLED'},
    })
    const seeded = fake.tables.get('sentinel-breakglass')!
    seeded.description.DeletionProtectionEnabled = true
    seeded.description.SSEDescription = {SSEType: 'KMS', Status: 'ENABLED'}
    delete seeded.staleTags
    const inspection = await provisioner.inspect(desired(BREAKGLASS_TABLE, {tags: {team: 'platform'}}))
    expect(inspection.plan.actions.map(action => action.type)).to.deep.equal(['enable-pitr', 'set-tag-values'])
    fake.calls.length = 0
    const outcome = await provisioner.apply(inspection, {deadline: Date.now() + 5000})
    expect(outcome.outcome).to.equal('updated')
    expect(outcome.live.pitr).to.equal('ENABLED')
    expect(outcome.live.tags).to.deep.equal(new Map([['sentinel:table', 'breakglass'], ['team', 'platform']]))
    // No DescribeTable (the ARN as inspected), no DescribeTimeToLive: nothing applied changed them.
    expect(fake.calls).to.deep.equal([
      'updateContinuousBackups',
      'tagResource',
      'describeContinuousBackups',
      ...Array.from({length: 4}, () => 'listTagsOfResource'),
    ])
  })

  it('a key pending deletion: a new table is refused before any write; an Enabled one is described once', async () => {
    const fake = new FakeDynamoDb()
    const asked: string[] = []
    const kmsKey = {arn: 'arn:aws:kms:us-east-1:123456789012:key/k-1', kind: 'key-arn', region: 'us-east-1'} as const
    const refusing = new Provisioner(new EndpointCapabilities(fake), {
      resolveKey: fakeKms('PendingDeletion', asked), timing: FAST,
    })
    const error = await failure(provision(refusing, desired(SESSIONS_TABLE, {kmsKey})))
    expect(error.code).to.equal('DRIFT')
    expect(error.message).to.contain(`KMS key ${kmsKey.arn} (--kms-key) is PendingDeletion`)
    expect(fake.sent).to.deep.equal([])
    const resolveKey = fakeKms('Enabled', asked)
    const enabled = new Provisioner(new EndpointCapabilities(fake), {resolveKey, timing: FAST})
    expect((await provision(enabled, desired(SESSIONS_TABLE, {kmsKey}))).outcome.outcome).to.equal('created')
    expect(asked).to.deep.equal([kmsKey.arn, kmsKey.arn])
  })

  it('reads every page of tags: a conflicting sentinel:table tag on page 2 is drift, ' +
    'and nothing is written', async () => {
    const {fake, provisioner} = harness({tagPageSize: 10})
    const tags = Object.fromEntries(Array.from({length: 12}, (_, index) => [`k${String(index).padStart(2, '0')}`, 'v']))
    fake.seed(handMade(BREAKGLASS_TABLE), {tags: {...tags, 'sentinel:table': 'sessions'}})
    const inspection = await provisioner.inspect(desired())
    expect(fake.count('listTagsOfResource')).to.equal(2)
    expect(inspection.plan.drift.map(drift => drift.type)).to.deep.equal(['tag-conflict'])
    const error = await failure(provisioner.apply(inspection, {deadline: Date.now() + 1000}))
    expect(error.code).to.equal('DRIFT')
    expect(fake.calls.filter(call => !call.startsWith('describe') && call !== 'listTagsOfResource')).to.deep.equal([])
  })

  it('tags that would pass 50 are refused before any write', async () => {
    const {fake, provisioner} = harness()
    const tags = Object.fromEntries(Array.from({length: 49}, (_, index) => [`k${index}`, 'v']))
    fake.seed(handMade(BREAKGLASS_TABLE), {tags: {...tags, 'sentinel:table': 'breakglass'}})
    const inspection = await provisioner.inspect(desired(BREAKGLASS_TABLE, {tags: {a: '1', b: '2'}}))
    expect(inspection.plan.drift.map(drift => drift.summary).join(' ')).to.contain('52 tags; DynamoDB allows 50')
    await failure(provisioner.apply(inspection, {deadline: Date.now() + 1000}))
    expect(fake.calls.filter(call => call.startsWith('update') || call === 'tagResource')).to.deep.equal([])
  })

  it('CreateTable refused by the index-creation limit waits for the run\'s other creations, ' +
    'then is retried', async () => {
    const gate = new CreationGate()
    const fake = new FakeDynamoDb({busyPolls: 3})
    const provisioner = new Provisioner(new EndpointCapabilities(fake), {gate, timing: FAST})
    fake.script('createTable', {
      kind: 'error',
      message: 'Subscriber limit exceeded',
      name: 'LimitExceededException',
      times: 2,
    })
    const tables = [SESSIONS_TABLE, BREAKGLASS_TABLE, RATE_LIMIT_TABLE].map(definition => desired(definition))
    const inspections = await Promise.all(tables.map(table => provisioner.inspect(table)))
    const outcomes = await Promise.all(inspections.map(inspection =>
      provisioner.apply(inspection, {deadline: Date.now() + 5000})))
    expect(outcomes.map(outcome => outcome.outcome)).to.deep.equal(['created', 'created', 'created'])
    expect(fake.count('createTable')).to.equal(5)
    expect(fake.tables.size).to.equal(3)
  })

  it('the index-creation limit still refusing at the deadline is LIMIT_EXCEEDED', async () => {
    const {fake, provisioner} = harness()
    fake.script('createTable', {kind: 'error', name: 'LimitExceededException', times: 1000})
    const inspection = await provisioner.inspect(desired())
    const error = await failure(provisioner.apply(inspection, {deadline: Date.now() + 50}))
    expect(error.code).to.equal('LIMIT_EXCEEDED')
  })

  it('what an emulator lacks is skipped and said once; against AWS the same answer is an error', async () => {
    const emulator = harness({
      lacking: ['describeContinuousBackups', 'updateContinuousBackups', 'listTagsOfResource', 'tagResource'],
      local: true,
    })
    const {outcome} = await provision(emulator.provisioner, desired())
    expect(outcome.outcome).to.equal('created')
    expect(outcome.endpointGaps).to.include('point-in-time recovery')
    expect(outcome.notices.join(' ')).not.to.contain('point-in-time')
    const aws = harness({lacking: ['describeContinuousBackups']})
    aws.fake.seed(handMade(BREAKGLASS_TABLE))
    const error = await failure(aws.provisioner.inspect(desired()).then((inspection: Inspection) => inspection))
    expect(error.message).to.contain('UnknownOperationException')
    // Behind an endpoint override (a VPC endpoint, a proxy) whose ARNs name a real account: still AWS.
    for (const lacking of [['describeContinuousBackups'], ['updateTimeToLive'], ['updateContinuousBackups']] as const) {
      const proxied = harness({endpointOverride: true, lacking: [...lacking]})
      const refused = await failure(provision(proxied.provisioner, desired()))
      expect(refused.message, lacking[0]).to.contain('UnknownOperationException')
    }
  })

  it('drift is refused with its remedy and nothing is sent', async () => {
    const {fake, provisioner} = harness()
    fake.seed({
      ...handMade(BREAKGLASS_TABLE),
      BillingMode: 'PROVISIONED',
      KeySchema: [{AttributeName: 'pk', KeyType: 'HASH'}],
    })
    const inspection = await provisioner.inspect(desired())
    expect(inspection.plan.drift.map(drift => drift.type)).to.include.members(['key-schema', 'billing-mode'])
    const error = await failure(provisioner.apply(inspection, {deadline: Date.now() + 1000}))
    expect(error.code).to.equal('DRIFT')
    expect(error.exitCode).to.equal(5)
    expect(fake.calls.every(call => call.startsWith('describe') || call === 'listTagsOfResource')).to.equal(true)
  })

  it('a table that never becomes ACTIVE ends in WAIT_TIMEOUT naming what it waits for', async () => {
    const {provisioner} = harness({busyPolls: 1_000_000})
    const inspection = await provisioner.inspect(desired())
    const error = await failure(provisioner.apply(inspection, {deadline: Date.now() + 30}))
    expect(error.code).to.equal('WAIT_TIMEOUT')
    expect(error.message).to.contain('table CREATING')
  })

  it('reports each step to its own table\'s reporter and clears what is in flight at the end', async () => {
    const {provisioner} = harness({busyPolls: 2})
    const phases: string[] = []
    const inFlight: (string | undefined)[] = []
    const reporter: TableReporter = {
      inFlight: what => inFlight.push(what),
      phase: message => phases.push(message),
      progress() {},
    }
    await provision(provisioner, desired(), reporter)
    expect(phases[0]).to.equal('Creating table sentinel-breakglass')
    expect(phases).to.include('sentinel-breakglass: Enable TTL on attribute "ttl"')
    expect(inFlight[0]).to.contain('CreateTable is being sent')
    expect(inFlight.at(-1)).to.equal(undefined)
  })
})
