/**
 * State transitions and runs over time: tables held in CREATING (dynalite), concurrent runs,
 * interruption, --wait-timeout, --local persistence, in-place reconcile, init:status, init:all.
 */
import type {ChildProcess} from 'node:child_process'

import {
  CreateTableCommand,
  type CreateTableCommandInput,
  DescribeTableCommand,
  ListTablesCommand,
  PutItemCommand,
  ScanCommand,
} from '@aws-sdk/client-dynamodb'
import {expect} from 'chai'
import {mkdtempSync} from 'node:fs'
import {join} from 'node:path'

import {SESSIONS_TABLE} from '../../src/tables/definitions.js'
import {startKmsStub} from '../support/aws-behaviour.js'
import {
  cleanEnv, parseJson, runCli, runInTerminal, scratchDir,
} from '../support/cli.js'
import {emulatePitrAndTags, startProxy, WRITE_ACTIONS} from '../support/proxy.js'
import {
  allTableFlags, dynamoLocal, freshDynamoLocal, sdkClient, startDynalite, uniqueNames, uniqueTable,
} from '../support/servers.js'

const env = () => cleanEnv({AWS_REGION: 'us-east-1'})
/** dynalite implements neither deletion protection nor TTL updates nor PITR. */
const DYNALITE_FLAGS = ['--no-deletion-protection', '--no-pitr']

function sessionsTableInput(name: string, indexes = SESSIONS_TABLE.indexes): CreateTableCommandInput {
  const attributes = new Set(['id', ...indexes.flatMap(gsi => [gsi.partitionKey, gsi.sortKey])])
  return {
    AttributeDefinitions: [...attributes].map(attribute => ({AttributeName: attribute, AttributeType: 'S'})),
    BillingMode: 'PAY_PER_REQUEST',
    GlobalSecondaryIndexes: indexes.map(gsi => ({
      IndexName: gsi.name,
      KeySchema: [
        {AttributeName: gsi.partitionKey, KeyType: 'HASH'},
        {AttributeName: gsi.sortKey, KeyType: 'RANGE'},
      ],
      Projection: {ProjectionType: 'ALL'},
    })),
    KeySchema: [{AttributeName: 'id', KeyType: 'HASH'}],
    TableName: name,
  }
}

/** The CLI left before AWS finished: it exited at once, not at the end of the wait. */
async function expectNotActiveYet(endpoint: string, table: string): Promise<void> {
  const client = sdkClient(endpoint)
  // Signalled as CreateTable goes out, the table may not exist yet; it is never ACTIVE already.
  const status = await client.send(new DescribeTableCommand({TableName: table})).then(
    ({Table}) => Table?.TableStatus,
    (error: Error) => error.name,
  )
  client.destroy()
  expect(status).to.be.oneOf(['CREATING', 'ResourceNotFoundException'])
}

describe('tables in CREATING (dynalite, end to end)', () => {
  it('joins a table another process is creating ' +
    'and polls it at under 4 DescribeTable calls a second until ACTIVE', async () => {
    const dynalite = await startDynalite({createTableMs: 2500})
    const proxy = await startProxy(dynalite.endpoint)
    const table = uniqueTable('joined')
    const client = sdkClient(dynalite.endpoint)
    await client.send(new CreateTableCommand(sessionsTableInput(table)))
    // The other process's creation, as the CLI reads it: CREATING for its first eight reads (dynalite's
    // own 2.5 s may be over before the CLI starts on a busy machine), then as dynalite has it.
    const seen: string[] = []
    proxy.transform('DescribeTable', body => {
      const held = body.Table?.TableName === table && seen.length < 8
      const answer = held ? {...body, Table: {...body.Table, TableStatus: 'CREATING'}} : body
      seen.push(answer.Table?.TableStatus)
      return answer
    })
    const run = await runCli(
      ['init:sessions', '--endpoint-url', proxy.endpoint, '--table', table, '--yes', ...DYNALITE_FLAGS],
      {env: env()},
    )
    expect(run.code, run.stderr).to.equal(0)
    expect(run.stdout).to.contain('CREATING').and.contain('Wait for the table (CREATING)')
    // The wait saw the table CREATING, then ACTIVE, and read it no more than it had to.
    expect(seen.slice(0, 8)).to.deep.equal(Array.from({length: 8}, () => 'CREATING'))
    expect(seen.at(-1)).to.equal('ACTIVE')
    expect(seen.filter(status => status === 'ACTIVE').length, 'reads after ACTIVE').to.be.at.most(2)
    // Paced, not a busy loop: the wait's polls, from the first after the plan's read to the one that
    // saw ACTIVE, arrived at least 200 ms apart on average. The CLI starts one every 260 ms (under 4
    // a second); the margin is for the arrivals' jitter on a busy machine, which only spreads them.
    const polls = proxy.requests.filter(request => request.action === 'DescribeTable').map(request => request.at)
    const active = seen.indexOf('ACTIVE')
    expect((polls[active] - polls[1]) / (active - 1)).to.be.at.least(200)
    expect(proxy.calls.filter(action => action === 'CreateTable')).to.deep.equal([])
    client.destroy()
    await proxy.close()
  })

  it('two runs at once on the same table both succeed, and there is one table', async () => {
    const dynalite = await startDynalite({createTableMs: 1500})
    const proxy = await startProxy(dynalite.endpoint)
    const table = uniqueTable('race')
    const args = ['init:breakglass', '--endpoint-url', proxy.endpoint, '--table', table, '--yes', ...DYNALITE_FLAGS]
    const runs = await Promise.all([runCli(args, {env: env()}), runCli(args, {env: env()}), runCli(args, {env: env()})])
    for (const run of runs) expect(run.code, run.stderr).to.equal(0)
    expect(runs.filter(run => run.stdout.includes(': created')).length).to.be.at.most(1)
    // One table: exactly one CreateTable was accepted (any other was refused, and its run joined),
    // exactly one run says it created the table, and DynamoDB lists it once.
    const accepted = proxy.requests.filter(request => request.action === 'CreateTable' && request.status === 200)
    expect(accepted, 'accepted CreateTable calls').to.have.length(1)
    expect(runs.filter(run => run.stdout.includes(': created'))).to.have.length(1)
    const client = sdkClient(dynalite.endpoint)
    const {TableNames} = await client.send(new ListTablesCommand({}))
    client.destroy()
    expect(TableNames?.filter(name => name === table)).to.deep.equal([table])
    expect(proxy.calls.filter(action => action === 'DeleteTable')).to.deep.equal([])
    await proxy.close()
  })

  it('Ctrl-C during the wait exits 130 at once, without waiting on the call in flight, says what is left in ' +
    'AWS; a rerun converges', async () => {
    const dynalite = await startDynalite({createTableMs: 4000})
    // Through a proxy, to count what the CLI sends after the signal.
    const proxy = await startProxy(dynalite.endpoint)
    const table = uniqueTable('sigint')
    const args = ['init:approvals', '--endpoint-url', proxy.endpoint, '--table', table, '--yes', ...DYNALITE_FLAGS]
    let signalledAt = 0
    let callsBeforeSignal = 0
    // Once the wait has begun, the proxy holds the next DescribeTable unanswered until the test
    // lets it go: the signal is sent while that call is in flight, and the CLI must exit without it
    // (a CLI that waited on the call would never exit by itself and be killed: no exit code 130).
    let waiting = false
    let releaseHeld: (() => void) | undefined
    let released = false
    let onHeld: (() => void) | undefined
    const held = new Promise<void>(resolve => {
      onHeld = resolve
    })
    proxy.intercept(async call => {
      if (!waiting || call.action !== 'DescribeTable' || releaseHeld) return undefined
      await new Promise<void>(resolve => {
        releaseHeld = resolve
        onHeld?.()
      })
      return undefined
    })
    const run = await runCli(args, {
      env: env(),
      killAfterMs: 30_000,
      onStderr(stderr, child) {
        if (!waiting && stderr.includes('Waiting for')) {
          waiting = true
          held.then(() => {
            signalledAt = Date.now()
            callsBeforeSignal = proxy.calls.length
            child.kill('SIGINT')
          })
        }
      },
    })
    // The CLI left while its DescribeTable was still held: it did not wait on the call in flight.
    const exitedWhileHeld = releaseHeld !== undefined && !released
    released = true
    releaseHeld?.()
    expect(exitedWhileHeld, 'exited while its DescribeTable was still unanswered').to.equal(true)
    expect(signalledAt).to.be.greaterThan(0)
    expect(run.code).to.equal(130)
    // After the signal nothing more reached the server than, at most, the call already under way.
    const afterSignal = proxy.calls.slice(callsBeforeSignal)
    expect(afterSignal.length, afterSignal.join(', ')).to.be.at.most(1)
    expect(afterSignal.filter(action => action !== 'DescribeTable')).to.deep.equal([])
    await expectNotActiveYet(dynalite.endpoint, table)
    expect(run.stderr).to.contain('INTERRUPTED').and.match(/still under way in AWS: .*sigint/i).and.contain('Rerun the same command')
    const rerun = await runCli(args, {env: env()})
    expect(rerun.code, rerun.stderr).to.equal(0)
    await proxy.close()
  })

  it('SIGTERM right after CreateTable is sent exits 143 at once, naming the table AWS is still creating', async () => {
    const dynalite = await startDynalite({createTableMs: 4000})
    const table = uniqueTable('sigterm')
    let signalledAt = 0
    const run = await runCli([
      'init:sessions',
      '--endpoint-url',
      dynalite.endpoint,
      '--table',
      table,
      '--yes',
      ...DYNALITE_FLAGS,
    ], {
      env: env(),
      onStderr(stderr, child) {
        if (!signalledAt && stderr.includes('Creating table')) {
          signalledAt = Date.now()
          child.kill('SIGTERM')
        }
      },
    })
    expect(run.code).to.equal(143)
    await expectNotActiveYet(dynalite.endpoint, table)
    expect(run.stderr).to.match(/Interrupted by SIGTERM\. Still under way in AWS: .*may be creating table/i)
  })

  it('Ctrl-C under --json: one error document on stdout, INTERRUPTED naming what AWS is still creating, ' +
    'with the warning the run went on despite; exit 130', async () => {
    const dynalite = await startDynalite({createTableMs: 4000})
    const proxy = await startProxy(dynalite.endpoint)
    const table = uniqueTable('jsonint')
    let cli: ChildProcess | undefined
    let created = false
    let signalled = false
    // The signal goes while the run waits: at its first DescribeTable after CreateTable was answered.
    proxy.intercept(async call => {
      if (call.action === 'CreateTable') created = true
      else if (created && call.action === 'DescribeTable' && !signalled) {
        signalled = true
        cli?.kill('SIGINT')
      }

      return undefined
    })
    const run = await runCli([
      'init:sessions',
      '--endpoint-url',
      proxy.endpoint,
      '--region',
      'eu-west-4',
      '--table',
      table,
      '--yes',
      '--json',
      ...DYNALITE_FLAGS,
    ], {
      env: env(),
      killAfterMs: 30_000,
      onSpawn(child) {
        cli = child
      },
    })
    await proxy.close()
    expect(signalled).to.equal(true)
    expect(run.code, run.stderr).to.equal(130)
    expect(run.stderr, 'under --json nothing but the document').to.equal('')
    const document = parseJson(run.stdout)
    expect(document.ok).to.equal(false)
    expect(document.error.code).to.equal('INTERRUPTED')
    expect(document.error.exitCode).to.equal(130)
    expect(document.error.message).to.match(new RegExp(`Still under way in AWS: .*${table}`))
    expect(document.warnings.map((warning: {code: string}) => warning.code)).to.deep.equal(['UNKNOWN_REGION'])
  })

  it('Ctrl-C during init:all names every table still being created', async () => {
    const dynalite = await startDynalite({createTableMs: 4000})
    const names = [uniqueTable('ia'), uniqueTable('ib'), uniqueTable('ic')]
    let signalled = false
    const run = await runCli([
      'init:all',
      '--endpoint-url',
      dynalite.endpoint,
      '--session-table',
      names[0],
      '--breakglass-table',
      names[1],
      '--request-table',
      names[2],
      '--yes',
      ...DYNALITE_FLAGS,
    ], {
      env: env(),
      onStderr(stderr, child) {
        if (!signalled && names.every(name => stderr.includes(`Waiting for ${name}`))) {
          signalled = true
          child.kill('SIGINT')
        }
      },
    })
    expect(run.code).to.equal(130)
    const message = run.stderr.trim().split('\n').at(-1) ?? ''
    for (const name of names) expect(message).to.contain(name)
  })

  it('Ctrl-C at the prompt exits 130 and changes nothing', async () => {
    const proxy = await startProxy((await dynamoLocal()).endpoint)
    const table = uniqueTable('ctrlc')
    const run = await runInTerminal(
      ['init:sessions', '--endpoint-url', proxy.endpoint, '--table', table],
      '\u0003',
      env(),
    )
    expect(run.code).to.equal(130)
    expect(run.screen).to.contain('nothing was changed')
    expect(proxy.calls.filter(action => WRITE_ACTIONS.has(action))).to.deep.equal([])
    await proxy.close()
  })

  it('--wait-timeout expiring exits 8 with its own message; a rerun converges', async () => {
    const dynalite = await startDynalite({createTableMs: 3000})
    const table = uniqueTable('timeout')
    const args = ['init:sessions', '--endpoint-url', dynalite.endpoint, '--table', table, '--yes', ...DYNALITE_FLAGS]
    const run = await runCli([...args, '--wait-timeout', '1'], {env: env()})
    expect(run.code).to.equal(8)
    expect(run.stderr).to.contain('WAIT_TIMEOUT').and.contain('rerun')
    const rerun = await runCli(args, {env: env()})
    expect(rerun.code, rerun.stderr).to.equal(0)
  })
})

describe('--local: the embedded DynamoDB Local', () => {
  it('creates a table, keeps it in --local-dir, and a later run sees it unchanged', async () => {
    const dir = mkdtempSync(join(scratchDir(), 'local-'))
    const first = await runCli(['init:approvals', '--local', '--local-dir', dir, '--yes'], {env: cleanEnv()})
    expect(first.code, first.stderr).to.equal(0)
    expect(first.stdout).to.contain('sentinel-requests: created')
    const second = await runCli(['init:approvals', '--local', '--local-dir', dir, '--json'], {env: cleanEnv()})
    expect(second.code, second.stderr).to.equal(0)
    expect(parseJson(second.stdout).result.tables[0].outcome).to.equal('unchanged')
  })

  it("the README's main job: init:all --local --yes creates all four tables; " +
    'init:status --local then exits 0', async () => {
    const dir = mkdtempSync(join(scratchDir(), 'local-'))
    const all = await runCli(['init:all', '--local', '--local-dir', dir, '--yes'], {env: cleanEnv()})
    expect(all.code, all.stderr).to.equal(0)
    for (const table of ['sentinel-sessions', 'sentinel-breakglass', 'sentinel-requests', 'sentinel-ratelimit']) {
      expect(all.stdout).to.contain(`✔ ${table}: created`)
    }

    const status = await runCli(['init:status', '--local', '--local-dir', dir], {env: cleanEnv()})
    expect(status.code, status.stdout).to.equal(0)
  })

  it('without Java: one line saying how to get it, exit 3', async () => {
    const run = await runCli(
      ['init:sessions', '--local', '--yes'],
      {env: cleanEnv({JAVA_HOME: undefined, PATH: '/nonexistent'})},
    )
    expect(run.code).to.equal(3)
    expect(run.stderr.trim().split('\n').at(-1))
    .to.match(/^Error \(JAVA_NOT_FOUND\): .*Java 17.*apt-get install openjdk-17-jre-headless/)
  })
})

describe('reconcile in place, init:status and init:all (DynamoDB Local)', () => {
  it('brings a hand-made table to spec in one run, keeps its items; init:status then exits 0', async () => {
    const local = await freshDynamoLocal()
    const proxy = await startProxy(local.endpoint)
    const {pitr, tags} = emulatePitrAndTags(proxy)
    const client = sdkClient(local.endpoint)
    const names = {approvals: uniqueTable('req'), breakglass: uniqueTable('bg'), sessions: uniqueTable('handmade')}
    // Right keys, no TTL, no deletion protection, gsi-device-id missing, three items.
    await client.send(new CreateTableCommand(sessionsTableInput(
      names.sessions,
      SESSIONS_TABLE.indexes.filter(gsi => gsi.name !== 'gsi-device-id'),
    )))
    for (const id of ['a', 'b', 'c']) {
      await client.send(new PutItemCommand({
        Item: {device_id: {S: `d-${id}`}, id: {S: id}, user: {S: 'u'}},
        TableName: names.sessions,
      }))
    }

    const tableFlags = [
      '--session-table',
      names.sessions,
      '--breakglass-table',
      names.breakglass,
      '--request-table',
      names.approvals,
      '--endpoint-url',
      proxy.endpoint,
    ]

    const before = await runCli(['init:status', ...tableFlags, '--json'], {env: env()})
    expect(before.code).to.equal(6)
    const beforeDoc = parseJson(before.stdout)
    expect(beforeDoc.error.code).to.equal('NOT_CONVERGED')
    expect(beforeDoc.result.tables[0].actions.map((action: {type: string}) => action.type))
    .to.include.members(['add-index', 'enable-ttl', 'enable-deletion-protection', 'enable-pitr', 'add-tags'])

    const fix = await runCli(
      ['init:sessions', '--endpoint-url', proxy.endpoint, '--table', names.sessions, '--yes', '--tag', 'team=sec'],
      {env: env()},
    )
    expect(fix.code, fix.stderr).to.equal(0)
    expect(fix.stdout).to.contain('updated').and.contain('+ Add index gsi-device-id')
    expect(pitr.get(names.sessions)).to.equal(true)
    expect(Object.values(Object.fromEntries(tags))[0]).to.deep.include({'sentinel:table': 'sessions', team: 'sec'})
    const {Count} = await client.send(new ScanCommand({TableName: names.sessions}))
    expect(Count).to.equal(3)

    const all = await runCli(['init:all', ...tableFlags, '--yes'], {env: env()})
    expect(all.code, all.stderr).to.equal(0)
    proxy.calls.length = 0
    const after = await runCli(['init:status', ...tableFlags], {env: env()})
    expect(after.code, after.stdout + after.stderr).to.equal(0)
    expect(after.stdout).to.contain(`✔ ${names.sessions} (sessions): ACTIVE, matches`)
    expect(proxy.calls.filter(action => WRITE_ACTIONS.has(action))).to.deep.equal([])
    client.destroy()
    await proxy.close()
  })

  it('init:all applies concurrently: ' +
    'every CreateTable goes out before the first table is ACTIVE (dynalite, 2 s creations)', async () => {
    const dynalite = await startDynalite({createTableMs: 2000})
    const proxy = await startProxy(dynalite.endpoint)
    const tableFlags = allTableFlags(uniqueNames('par'))
    const run = await runCli(
      ['init:all', '--endpoint-url', proxy.endpoint, ...tableFlags, '--yes', '--json', ...DYNALITE_FLAGS],
      {env: env()},
    )
    expect(run.code, run.stderr).to.equal(0)
    const doc = parseJson(run.stdout)
    expect(doc.result.tables.map((table: {outcome: string}) => table.outcome))
    .to.deep.equal(['created', 'created', 'created', 'created'])
    const firstActive = proxy.answers.findIndex(answer =>
      answer.action === 'DescribeTable' && answer.tableStatus === 'ACTIVE')
    const createsBefore = proxy.answers.slice(0, firstActive).filter(answer => answer.action === 'CreateTable')
    expect(createsBefore).to.have.length(4)
    await proxy.close()
  })

  it('init:all: one table failing does not stop the others; exit non-zero', async () => {
    const proxy = await startProxy((await dynamoLocal()).endpoint)
    const failing = uniqueTable('fail')
    proxy.fault('CreateTable', {
      kind: 'error',
      status: 400,
      table: failing,
      type: 'AccessDeniedException',
    })
    const tableFlags = allTableFlags({...uniqueNames('ok'), breakglass: failing})
    const args = ['init:all', '--endpoint-url', proxy.endpoint, ...tableFlags, '--yes', '--json']
    const run = await runCli(args, {env: env()})
    expect(run.code).to.equal(4)
    const doc = parseJson(run.stdout)
    expect(doc.error.code).to.equal('PARTIAL_FAILURE')
    expect(doc.result.tables.map((table: {outcome: string}) => table.outcome))
    .to.deep.equal(['created', 'failed', 'created', 'created'])
    expect(doc.result.tables[1].error.code).to.equal('ACCESS_DENIED')
    await proxy.close()
  })
})

describe('--kms-key: a customer-managed key, switched in place', () => {
  const keyA = 'arn:aws:kms:us-east-1:123456789012:key/11111111-1111-1111-1111-111111111111'
  const keyB = 'arn:aws:kms:us-east-1:123456789012:key/22222222-2222-2222-2222-222222222222'

  it('plans and applies the switch with one UpdateTable, never downgrades, and a rerun is unchanged', async () => {
    const proxy = await startProxy((await dynamoLocal()).endpoint)
    // Both keys Enabled: a key named by ARN is described too (its state is part of the verdict).
    const kms = await startKmsStub({[keyA]: keyA, [keyB]: keyB})
    const env = () => cleanEnv({AWS_ENDPOINT_URL_KMS: kms.endpoint, AWS_REGION: 'us-east-1'})
    const table = uniqueTable('kms')
    const base = ['init:sessions', '--endpoint-url', proxy.endpoint, '--table', table]
    expect((await runCli([...base, '--yes', '--kms-key', keyA], {env: env()})).code).to.equal(0)
    const created = proxy.requests.find(request => request.action === 'CreateTable')
    expect(created).to.not.equal(undefined)

    // DynamoDB Local neither reports nor changes SSE: report the table's key, and take SSE updates.
    let currentKey = keyA
    const sseUpdates: string[] = []
    proxy.reset()
    proxy.transform('DescribeTable', body => ({
      ...body,
      Table: {...body.Table, SSEDescription: {KMSMasterKeyArn: currentKey, SSEType: 'KMS', Status: 'ENABLED'}},
    }))
    proxy.emulate('UpdateTable', body => {
      const sse = body.SSESpecification as {KMSMasterKeyId: string}
      sseUpdates.push(sse.KMSMasterKeyId)
      currentKey = sse.KMSMasterKeyId
      return {body: {TableDescription: {TableName: table, TableStatus: 'ACTIVE'}}}
    })

    const same = await runCli([...base, '--kms-key', keyA, '--json'], {env: env()})
    expect(parseJson(same.stdout).result.tables[0].outcome).to.equal('unchanged')
    const noKey = await runCli([...base, '--json'], {env: env()})
    expect(parseJson(noKey.stdout).result.tables[0].outcome, 'a customer-managed key is never downgraded')
    .to.equal('unchanged')

    const plan = await runCli([...base, '--kms-key', keyB, '--plan'], {env: env()})
    expect(plan.stdout).to.contain(`+ Encrypt with customer-managed KMS key ${keyB}`)
    const apply = await runCli([...base, '--kms-key', keyB, '--yes'], {env: env()})
    expect(apply.code, apply.stderr).to.equal(0)
    expect(apply.stdout).to.contain(': updated')
    expect(sseUpdates).to.deep.equal([keyB])

    const rerun = await runCli([...base, '--kms-key', keyB, '--json'], {env: env()})
    expect(parseJson(rerun.stdout).result.tables[0].outcome).to.equal('unchanged')
    expect(sseUpdates).to.have.length(1)
    expect(kms.describeKeyCalls).to.include(keyA).and.include(keyB)
    await kms.close()
    await proxy.close()
  })
})
