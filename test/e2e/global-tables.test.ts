/**
 * Issue 17, multi-Region: every table as a global table (version 2019.11.21). The real CLI against
 * DynamoDB Local behind the AWS-behaviour layer, which answers for replicas per signed region as AWS
 * documents (test/support/aws-replicas.ts). Each test checks the calls made, and in which region.
 * Input checks, replicas nobody named and the exports with replicas run beside this file
 * (global-tables-edges.test.ts).
 */
import {
  DescribeTableCommand, DynamoDBClient, ListTagsOfResourceCommand, TagResourceCommand,
} from '@aws-sdk/client-dynamodb'
import {expect} from 'chai'

import {startKmsStub} from '../support/aws-behaviour.js'
import {type CliResult, parseJson, runCli} from '../support/cli.js'
import {
  env, keyIn, lastLine, log, output, sessions, Started, tableIn, writes,
} from '../support/global-tables.js'
import {importsFromTerraform, parseTerraform} from '../support/iac.js'
import {uniqueTable} from '../support/servers.js'

describe('global tables: --replica-region (issue 17, end to end)', function () {
  this.timeout(120_000)
  const started = new Started()
  const layer = (creatingCalls?: number) => started.layer(creatingCalls)

  afterEach(() => started.closeAll())

  it('init:sessions with two replicas: table first, then each replica in turn, settings in its own region; ' +
    'a rerun only reads, in every region', async () => {
    const aws = await layer()
    const table = uniqueTable('gt-two')
    const replicaFlags = ['--replica-region', 'eu-west-1', '--replica-region', 'us-west-2', '--tag', 'team=sec']
    const plan = await sessions(aws, table, ...replicaFlags, '--plan')
    expect(plan.code, output(plan)).to.equal(0)
    expect(plan.stdout).to.contain('Replica eu-west-1: does not exist')
    .and.contain('+ Add the replica (UpdateTable ReplicaUpdates Create), and wait for it')
    expect(writes(aws.requests)).to.deep.equal([])

    const run = await sessions(aws, table, ...replicaFlags, '--yes', '--json', '--wait-timeout', '60')
    expect(run.code, output(run)).to.equal(0)
    const updates = aws.aws.replicas!.updates.map(({action, region, result}) => `${action} ${region} ${result}`)
    expect(updates, log(aws)).to.deep.equal(['Create eu-west-1 200', 'Create us-west-2 200'])

    // The table converged in its own region before the first replica was asked for.
    const homeWrites = writes(aws.requests).filter(request => request.region === 'us-east-1')
    expect(homeWrites.map(request => request.action).slice(0, 3), log(aws))
    .to.deep.equal(['CreateTable', 'UpdateTimeToLive', 'UpdateContinuousBackups'])
    expect(aws.aws.replicas!.updates[0].at).to.be.at.least(homeWrites[2].at)

    // Each replica's own settings, written through a client signed for its region.
    for (const region of ['eu-west-1', 'us-west-2']) {
      const state = aws.aws.replicas!.tables.get(table)!.replicas.get(region)!
      expect(state, region).to.include({deletionProtection: true, pitr: true, status: 'ACTIVE'})
      const arn = `arn:aws:dynamodb:${region}:000000000000:table/${table}`
      expect(aws.aws.tags.get(arn), region).to.deep.equal({'sentinel:table': 'sessions', team: 'sec'})
      const regionalWrites = writes(aws.requests).filter(request => request.region === region)
      expect(regionalWrites.map(request => request.action).sort(), `${region}\n${log(aws)}`)
      .to.deep.equal(['TagResource', 'UpdateContinuousBackups', 'UpdateTable'])
    }

    const result = parseJson(run.stdout).result.tables[0]
    expect(result.outcome).to.equal('created')
    expect(result.replicas.map((replica: {region: string; status: string; converged: boolean}) =>
      [replica.region, replica.status, replica.converged]))
    .to.deep.equal([['eu-west-1', 'ACTIVE', true], ['us-west-2', 'ACTIVE', true]])

    aws.requests.length = 0
    const rerun = await sessions(aws, table, ...replicaFlags, '--yes', '--json')
    expect(rerun.code, output(rerun)).to.equal(0)
    expect(parseJson(rerun.stdout).result.tables[0].outcome).to.equal('unchanged')
    expect(writes(aws.requests), log(aws)).to.deep.equal([])
    const regions = new Set(aws.requests.map(request => request.region))
    expect([...regions].sort(), log(aws)).to.deep.equal(['eu-west-1', 'us-east-1', 'us-west-2'])
    expect(aws.aws.replicas!.updates).to.have.length(2)

    // A tag set by hand on the replica in eu-west-1, in its region: adopting the table keeps it (issue 22).
    const europe = new DynamoDBClient({
      credentials: {accessKeyId: 'testkey', secretAccessKey: 'testsecret'}, endpoint: aws.endpoint, maxAttempts: 1,
      region: 'eu-west-1',
    })
    try {
      const {Table: replica} = await europe.send(new DescribeTableCommand({TableName: table}))
      const tags = [{Key: 'owner', Value: 'eu-ops'}]
      await europe.send(new TagResourceCommand({ResourceArn: replica!.TableArn, Tags: tags}))
    } finally {
      europe.destroy()
    }

    // Terraform adopting it: an import block for the table and one per replica (table-name:main-region).
    aws.requests.length = 0
    const exportFlags = ['--export', 'terraform', '--import-existing']
    const adopt = await sessions(aws, table, ...replicaFlags.slice(0, 4), ...exportFlags)
    expect(adopt.code, output(adopt)).to.equal(0)
    expect(writes(aws.requests)).to.deep.equal([])
    const adopted = (await parseTerraform(adopt.stdout)).resource.aws_dynamodb_table_replica
    expect(adopted.session_eu_west_1[0].tags).to.include({owner: 'eu-ops'})
    expect(adopted.session_us_west_2[0].tags).not.to.have.property('owner')
    expect(importsFromTerraform(await parseTerraform(adopt.stdout))).to.deep.equal([
      {id: table, to: 'aws_dynamodb_table.session'},
      {id: `${table}:us-east-1`, to: 'aws_dynamodb_table_replica.session_eu_west_1'},
      {id: `${table}:us-east-1`, to: 'aws_dynamodb_table_replica.session_us_west_2'},
    ])

    // Adopting it without naming a replica it has would remove that replica: refused, nothing printed.
    for (const format of ['terraform', 'cloudformation']) {
      const partial = await sessions(aws, table, ...replicaFlags.slice(0, 2), '--export', format, '--import-existing')
      expect(partial.code, output(partial)).to.equal(2)
      expect(partial.stdout).to.equal('')
      expect(partial.stderr).to.contain(`Table ${table} has replicas in us-west-2 that --replica-region does not name`)
      .and.contain('Rerun with --replica-region us-west-2')
    }

    expect(writes(aws.requests)).to.deep.equal([])
  })

  it(
    'a customer key: each replica created with its own region\'s key; a key per region is required by AWS too',
    async () => {
      const aws = await layer()
      const table = uniqueTable('gt-kms')
      const run = await sessions(
        aws,
        table,
        '--kms-key',
        keyIn('us-east-1'),
        '--replica-region',
        'eu-west-1',
        '--replica-kms-key',
        `eu-west-1=${keyIn('eu-west-1')}`,
        '--yes',
      )
      expect(run.code, output(run)).to.equal(0)
      expect(aws.aws.replicas!.tables.get(table)!.replicas.get('eu-west-1')!.kmsKey).to.equal(keyIn('eu-west-1'))
      const status = await runCli([
        'init:status',
        '--endpoint-url',
        aws.endpoint,
        '--session-table',
        table,
        '--kms-key',
        keyIn('us-east-1'),
        '--replica-region',
        'eu-west-1',
        '--replica-kms-key',
        `eu-west-1=${keyIn('eu-west-1', '99999999-2222-3333-4444-555555555555')}`,
        '--json',
      ], {env: env()})
      const replica = parseJson(status.stdout).result.tables[0].replicas[0]
      expect(replica.drift.map((drift: {type: string}) => drift.type), status.stdout).to.deep.equal(['replica-key'])
      // The fix is copyable: this table, the key asked for, the run's region and endpoint (issue 22, item 14).
      const wanted = keyIn('eu-west-1', '99999999-2222-3333-4444-555555555555')
      expect(replica.drift[0].remedy).to.contain(`aws dynamodb update-table --table-name ${table} --replica-updates ` +
        `'Update={RegionName=eu-west-1,KMSMasterKeyId=${wanted}}' --region us-east-1 --endpoint-url ${aws.endpoint};`)
      .and.contain(`--replica-kms-key eu-west-1=${keyIn('eu-west-1')} instead`)
    },
  )

  it('replica keys given as an alias and a key ID: a rerun resolves both sides to key ARNs in each replica\'s ' +
    'region and reports no drift; another key still is (issue 22, item 13)', async () => {
    const keyId = '33333333-2222-3333-4444-555555555555'
    const other = keyIn('eu-west-1', '99999999-2222-3333-4444-555555555555')
    // An alias names a key per region: alias/sentinel is another key in us-east-1 than in eu-west-1.
    const kms = await startKmsStub({}, {
      inRegion: {
        'eu-west-1': {'alias/other': other, 'alias/sentinel': keyIn('eu-west-1')},
        'us-east-1': {'alias/sentinel': keyIn('us-east-1', 'aaaaaaaa-2222-3333-4444-555555555555')},
        // A key is described by its ARN too (for its state): KMS knows it by ARN as by ID.
        'us-west-2': {[keyId]: keyIn('us-west-2', keyId), [keyIn('us-west-2', keyId)]: keyIn('us-west-2', keyId)},
      },
    })
    started.add(() => kms.close())
    const keyArnIn = (key: string, region: string) => ({
      [`us-west-2 ${keyId}`]: keyIn('us-west-2', keyId), 'eu-west-1 alias/sentinel': keyIn('eu-west-1'),
    } as Record<string, string>)[`${region} ${key}`]
    const aws = await started.layer({replicas: {creating: {calls: 2}, keyArnIn}})
    const table = uniqueTable('gt-keys')
    const keyFlags = (eu = 'alias/sentinel') => ['--kms-key',
      keyIn('us-east-1'),
      '--replica-region',
      'eu-west-1',
      '--replica-kms-key',
      `eu-west-1=${eu}`,
      '--replica-region',
      'us-west-2',
      '--replica-kms-key',
      `us-west-2=${keyId}`]
    const withKms = {env: env()}
    withKms.env.AWS_ENDPOINT_URL_KMS = kms.endpoint
    const made = await runCli(
      ['init:sessions', '--endpoint-url', aws.endpoint, '--table', table, ...keyFlags(), '--yes'],
      withKms,
    )
    expect(made.code, output(made)).to.equal(0)
    const status = (eu?: string) => runCli(['init:status',
      '--endpoint-url',
      aws.endpoint,
      '--session-table',
      table,
      ...keyFlags(eu),
      '--json'], withKms)
    const rerun = await runCli(['init:sessions',
      '--endpoint-url',
      aws.endpoint,
      '--table',
      table,
      ...keyFlags(),
      '--plan',
      '--json'], withKms)
    expect(rerun.code, output(rerun)).to.equal(0)
    const replicas = parseJson(rerun.stdout).result.tables[0].replicas as {region: string; drift: unknown[]}[]
    expect(replicas.map(replica => [replica.region, replica.drift]), rerun.stdout)
    .to.deep.equal([['eu-west-1', []], ['us-west-2', []]])
    // The alias was resolved in the replica's region, not the table's.
    const asked = kms.describeKeyCalls.map((key, index) => `${kms.describeKeyRegions[index]} ${key}`)
    expect(asked).to.include('eu-west-1 alias/sentinel').and.not.include('us-east-1 alias/sentinel')

    const moved = await status('alias/other')
    expect(moved.code, output(moved)).to.equal(6)
    const drift = parseJson(moved.stdout).result.tables[0].replicas[0].drift as {type: string}[]
    expect(drift.map(item => item.type)).to.deep.equal(['replica-key'])
  })

  it('a replica\'s own key PendingDeletion or Disabled in its region: drift with the fix in that region, named ' +
    'by --replica-kms-key or not; DescribeKey once per key per region', async () => {
    const euKey = {arn: keyIn('eu-west-1'), state: 'Enabled'}
    const kms = await startKmsStub({}, {
      inRegion: {'eu-west-1': {[keyIn('eu-west-1')]: euKey}, 'us-east-1': {[keyIn('us-east-1')]: keyIn('us-east-1')}},
    })
    started.add(() => kms.close())
    const aws = await layer()
    const names = ['session', 'breakglass', 'request', 'rate-limit']
    .flatMap(kind => [`--${kind}-table`, uniqueTable(`gt-keystate-${kind}`)])
    const withKms = {env: env()}
    withKms.env.AWS_ENDPOINT_URL_KMS = kms.endpoint
    const home = ['--endpoint-url', aws.endpoint, ...names, '--kms-key', keyIn('us-east-1')]
    const named = ['--replica-region', 'eu-west-1', '--replica-kms-key', `eu-west-1=${keyIn('eu-west-1')}`]
    const made = await runCli(['init:all', ...home, ...named, '--yes'], withKms)
    expect(made.code, output(made)).to.equal(0)
    const enabled = await runCli(['init:status', ...home, ...named, '--json'], withKms)
    expect(enabled.code, output(enabled)).to.equal(0)

    for (const [state, fix] of [['PendingDeletion', 'cancel-key-deletion'], ['Disabled', 'enable-key']]) {
      euKey.state = state
      for (const flags of [named, []]) {
        kms.describeKeyCalls.length = 0
        kms.describeKeyRegions.length = 0
        const run = await runCli(['init:status', ...home, ...flags, '--json'], withKms)
        expect(run.code, output(run)).to.equal(6)
        for (const {replicas: [replica]} of parseJson(run.stdout).result.tables) {
          expect(replica.region).to.equal('eu-west-1')
          expect(replica.drift.map((drift: {type: string}) => drift.type), run.stdout).to.deep.equal(['kms-key-state'])
          expect(replica.drift[0].summary).to.contain(`${keyIn('eu-west-1')} (`).and.contain(`is ${state}`)
          expect(replica.drift[0].remedy)
          .to.contain(`aws kms ${fix} --key-id ${keyIn('eu-west-1')} --region eu-west-1`)
        }

        // The replicas' key described once for the four tables, in its own region (DynamoDB Local does not
        // report the home tables' key, so theirs is not compared).
        const asked = kms.describeKeyCalls.map((key, index) => `${kms.describeKeyRegions[index]} ${key}`)
        expect(asked).to.deep.equal([`eu-west-1 ${keyIn('eu-west-1')}`])
      }
    }
  })

  it('joins a replica another process is creating: no second Create, waits, then sets its settings', async () => {
    const aws = await layer(6)
    const table = uniqueTable('gt-join')
    expect((await sessions(aws, table, '--yes')).code).to.equal(0)
    aws.aws.replicas!.seed(table, {'eu-west-1': {status: 'CREATING', window: {since: Date.now(), used: 0}}})
    const run = await sessions(aws, table, '--replica-region', 'eu-west-1', '--yes', '--wait-timeout', '30')
    expect(run.code, output(run)).to.equal(0)
    expect(aws.aws.replicas!.updates, log(aws)).to.deep.equal([])
    expect(run.stderr).to.match(/Waiting for .* in eu-west-1: replica CREATING/)
    expect(aws.aws.replicas!.tables.get(table)!.replicas.get('eu-west-1')).to.include({
      deletionProtection: true, pitr: true, status: 'ACTIVE',
    })
  })

  it('tags refused in both replicas\' regions: failed, listing everything this run did in every region', async () => {
    const aws = await layer()
    const table = uniqueTable('gt-partly')
    for (const region of ['eu-west-1', 'us-west-2']) aws.aws.denials.push({actions: ['TagResource'], region, table})
    const regions = ['--replica-region', 'eu-west-1', '--replica-region', 'us-west-2']
    const run = await sessions(aws, table, ...regions, '--yes', '--json')
    expect(run.code, output(run)).to.equal(4)
    const [result] = parseJson(run.stdout).result.tables
    expect(result.outcome).to.equal('failed')
    expect(result.error.code).to.equal('ACCESS_DENIED')
    expect(result.applied).to.include.members([
      `Created table ${table}`,
      'Added the replica in eu-west-1',
      'Added the replica in us-west-2',
      'Turn deletion protection on in eu-west-1',
      'Turn deletion protection on in us-west-2',
    ])
    expect(new Set(result.applied).size).to.equal(result.applied.length)
  })

  it('a read refused in a replica\'s region names that region; the table is not changed (exit 4)', async () => {
    const aws = await layer()
    const table = uniqueTable('gt-denied')
    const made = await sessions(aws, table, '--replica-region', 'eu-west-1', '--yes')
    expect(made.code, output(made)).to.equal(0)
    // A policy scoped by region: the replica in eu-west-1 can no longer be read, the table still can.
    aws.aws.denials.push({actions: ['DescribeTable'], region: 'eu-west-1', table})
    const denied = `Access denied: dynamodb:DescribeTable on ${table} in eu-west-1.`
    const status = await runCli(
      ['init:status', '--endpoint-url', aws.endpoint, '--session-table', table, '--replica-region', 'eu-west-1'],
      {env: env()},
    )
    expect(status.code, output(status)).to.equal(4)
    expect(status.stdout).to.contain(`${table} (sessions): could not be read: ${denied}`)
    const mark = aws.requests.length
    const rerun = await sessions(aws, table, '--replica-region', 'eu-west-1', '--yes')
    expect(rerun.code, output(rerun)).to.equal(4)
    expect(rerun.stderr).to.contain(denied)
    expect(writes(aws.requests.slice(mark)), log(aws)).to.deep.equal([])
  })

  it('Ctrl-C while a replica is CREATING: exit 130 at once, saying the replica is still being created', async () => {
    const aws = await layer(50)
    const table = uniqueTable('gt-sigint')
    let interrupted = false
    const run = await runCli(['init:sessions',
      '--endpoint-url',
      aws.endpoint,
      '--table',
      table,
      '--replica-region',
      'eu-west-1',
      '--yes'], {
      env: env(),
      killAfterMs: 60_000,
      onStderr(text, child) {
        if (!interrupted && /Waiting for .* in eu-west-1: replica CREATING/.test(text)) {
          interrupted = true
          child.kill('SIGINT')
        }
      },
    })
    expect(run.code, output(run)).to.equal(130)
    expect(lastLine(run)).to.match(/^Error \(INTERRUPTED\): /)
    .and.contain(`the replica of ${table} in eu-west-1 is being created in AWS`)
    .and.contain('Rerun the same command')
    expect(aws.aws.replicas!.tables.get(table)!.replicas.get('eu-west-1')!.status).to.equal('CREATING')
  })

  it('--wait-timeout passes while a replica is CREATING: exit 8, the rerun joins it and finishes', async () => {
    const aws = await layer(8)
    const table = uniqueTable('gt-timeout')
    const first = await sessions(aws, table, '--replica-region', 'eu-west-1', '--yes', '--wait-timeout', '3')
    expect(first.code, output(first)).to.equal(8)
    expect(lastLine(first)).to.match(/^Error \(WAIT_TIMEOUT\): .*replica .* eu-west-1/)
    .and.contain('rerun')
    const second = await sessions(aws, table, '--replica-region', 'eu-west-1', '--yes', '--wait-timeout', '60')
    expect(second.code, output(second)).to.equal(0)
    expect(aws.aws.replicas!.updates.map(update => update.action), log(aws)).to.deep.equal(['Create'])
  })

  it('init:all: four tables concurrently, each with its replica; init:status gates on every replica (exit 6), ' +
    'reports an unnamed one and leaves it alone; MRSC is drift', async () => {
    const aws = await layer()
    const kinds = ['session', 'breakglass', 'request', 'rate-limit']
    const names = kinds.map(kind => [`--${kind}-table`, uniqueTable(`gt-all-${kind}`)])
    const table = names[0][1]
    const all = (...extra: string[]) =>
      runCli(['init:all', '--endpoint-url', aws.endpoint, ...names.flat(), ...extra], {env: env()})
    const run = await all('--replica-region', 'eu-west-1', '--yes', '--json')
    expect(run.code, output(run)).to.equal(0)
    const tables = parseJson(run.stdout).result.tables as {replicas: {status: string}[]}[]
    expect(tables.map(entry => entry.replicas.map(replica => replica.status))).to.deep.equal([
      ['ACTIVE'], ['ACTIVE'], ['ACTIVE'], ['ACTIVE'],
    ])
    expect(aws.aws.replicas!.updates.map(update => `${update.action} ${update.region} ${update.result}`), log(aws))
    .to.deep.equal(Array.from({length: 4}, () => 'Create eu-west-1 200'))

    const status = (...extra: string[]) =>
      runCli(['init:status', '--endpoint-url', aws.endpoint, ...names.flat(), ...extra, '--json'], {env: env()})
    const mine = (done: CliResult) => parseJson(done.stdout).result.tables.find((entry: {table: string}) =>
      entry.table === table)
    const converged = await status('--replica-region', 'eu-west-1')
    expect(converged.code, output(converged)).to.equal(0)

    const missing = await status('--replica-region', 'eu-west-1', '--replica-region', 'ap-south-1')
    expect(missing.code).to.equal(6)
    const replicas = mine(missing).replicas as {region: string; status: string; converged: boolean}[]
    expect(replicas.map(replica => [replica.region, replica.status, replica.converged]))
    .to.deep.equal([['eu-west-1', 'ACTIVE', true], ['ap-south-1', 'MISSING', false]])

    aws.aws.replicas!.tables.get(table)!.replicas.get('eu-west-1')!.deletionProtection = false
    const unprotected = await runCli(
      ['init:status', '--endpoint-url', aws.endpoint, ...names.flat(), '--replica-region', 'eu-west-1'],
      {env: env()},
    )
    expect(unprotected.code, output(unprotected)).to.equal(6)
    expect(unprotected.stdout).to.contain('✖ Replica eu-west-1: ACTIVE')
    .and.contain('+ needs: Turn deletion protection on')
    aws.aws.replicas!.tables.get(table)!.replicas.get('eu-west-1')!.deletionProtection = true

    const unnamed = await status()
    expect(unnamed.code, output(unnamed)).to.equal(0)
    const entry = mine(unnamed).replicas[0]
    expect(entry).to.include({named: false, region: 'eu-west-1', status: 'ACTIVE'})
    expect(entry.notices[0]).to.contain('left alone')
    const applyUnnamed = await sessions(aws, table, '--yes')
    expect(applyUnnamed.code, output(applyUnnamed)).to.equal(0)
    expect(applyUnnamed.stdout).to.contain('Replica eu-west-1: ACTIVE (not named by --replica-region)')
    expect(aws.aws.replicas!.updates.filter(update => update.action !== 'Create'), 'never a Delete').to.deep.equal([])
    expect(aws.aws.replicas!.tables.get(table)!.replicas.has('eu-west-1')).to.equal(true)

    aws.aws.replicas!.tables.get(table)!.consistency = 'STRONG'
    const strong = await status('--replica-region', 'eu-west-1')
    expect(strong.code).to.equal(6)
    expect(mine(strong).drift.map((drift: {type: string}) => drift.type)).to.deep.equal(['multi-region-strong'])
    const refused = await sessions(aws, table, '--replica-region', 'eu-west-1', '--yes')
    expect(refused.code, output(refused)).to.equal(5)
    expect(lastLine(refused)).to.contain('MRSC')
  })

  it('requests at the wire (issue 25): a converged rerun makes exactly 4 reads per table at home and 3 per ' +
    'replica region, no DescribeTimeToLive there; repairing one replica\'s tag re-reads only its tags, ' +
    'in its region (≤ 46 in all, ≤ 7 there)', async () => {
    // ListTagsOfResource answers the previous tag set once after each change, as AWS documents it may.
    const aws = await started.layer({replicas: {creating: {calls: 0}}, tags: {stale: {calls: 1}}})
    const names = ['session', 'breakglass', 'request', 'rate-limit'].map(kind => uniqueTable(`gt-req-${kind}`))
    const flags = ['session', 'breakglass', 'request', 'rate-limit'].flatMap((kind, index) =>
      [`--${kind}-table`, names[index]])
    const all = () => runCli([
      'init:all',
      '--endpoint-url',
      aws.endpoint,
      ...flags,
      '--replica-region',
      'eu-west-1',
      '--replica-region',
      'us-west-2',
      '--tag',
      'team=sec',
      '--yes',
      '--json',
    ], {env: env()})
    const made = await all()
    expect(made.code, output(made)).to.equal(0)
    /** Each region's requests, as sorted "action table" lines. */
    const inRegion = (region: string) => aws.requests.filter(request => request.region === region)
    .map(request => `${request.action} ${(request.table ?? request.arn ?? '').split('/').at(-1)}`).sort()
    const reads = (actions: string[]) => names.flatMap(name => actions.map(action => `${action} ${name}`)).sort()
    const replicaReads = reads(['DescribeTable', 'DescribeContinuousBackups', 'ListTagsOfResource'])

    aws.requests.length = 0
    const rerun = await all()
    expect(rerun.code, output(rerun)).to.equal(0)
    expect(inRegion('us-east-1'), log(aws))
    .to.deep.equal(reads(['DescribeTable', 'DescribeTimeToLive', 'DescribeContinuousBackups', 'ListTagsOfResource']))
    expect(inRegion('eu-west-1'), log(aws)).to.deep.equal(replicaReads)
    expect(inRegion('us-west-2'), log(aws)).to.deep.equal(replicaReads)
    expect(aws.requests, log(aws)).to.have.length(40)

    // One tag changed by hand on the session table's replica in eu-west-1, in its region; read back
    // until ListTagsOfResource shows it, so the run sees what is there.
    const [table] = names
    const arn = `arn:aws:dynamodb:eu-west-1:000000000000:table/${table}`
    const europe = new DynamoDBClient({
      credentials: {accessKeyId: 'testkey', secretAccessKey: 'testsecret'}, endpoint: aws.endpoint, maxAttempts: 1,
      region: 'eu-west-1',
    })
    try {
      await europe.send(new TagResourceCommand({ResourceArn: arn, Tags: [{Key: 'team', Value: 'ops'}]}))
      for (let read = 0; read < 2; read++) await europe.send(new ListTagsOfResourceCommand({ResourceArn: arn}))
    } finally {
      europe.destroy()
    }

    aws.requests.length = 0
    const stale = aws.aws.staleAnswers
    const repair = await all()
    expect(repair.code, output(repair)).to.equal(0)
    expect(aws.aws.tags.get(arn), log(aws)).to.include({team: 'sec'})
    const result = tableIn(repair, table)
    expect(result.outcome).to.equal('updated')
    expect(result.replicas.find((replica: {region: string}) => replica.region === 'eu-west-1').applied)
    .to.deep.equal(['Set tag team=sec (now team=ops) in eu-west-1'])
    expect(writes(aws.requests).map(request => `${request.action} ${request.region}`), log(aws))
    .to.deep.equal(['TagResource eu-west-1'])
    // The replica read once; after TagResource its tags only (answered stale: on an emulator's ARN the
    // accepted write is trusted at once, and not sent again).
    const repaired = inRegion('eu-west-1').filter(line => line.endsWith(table))
    expect(aws.aws.staleAnswers - stale, log(aws)).to.equal(1)
    expect(repaired, log(aws)).to.deep.equal([
      `DescribeContinuousBackups ${table}`,
      `DescribeTable ${table}`,
      `ListTagsOfResource ${table}`,
      `ListTagsOfResource ${table}`,
      `TagResource ${table}`,
    ])
    // An untouched region read once; the table's own region once, and the table once per replica
    // before that replica's settings (it must still list the replica ACTIVE).
    expect(inRegion('us-west-2'), log(aws)).to.deep.equal(replicaReads)
    expect(inRegion('us-east-1').filter(line => line.startsWith('DescribeTable ') && line.endsWith(table)), log(aws))
    .to.have.length(3)
    expect(aws.requests.filter(request => request.action === 'DescribeTimeToLive' && request.region !== 'us-east-1'))
    .to.deep.equal([])
    expect(aws.requests.length, log(aws)).to.be.at.most(46)
    expect(repaired.length, log(aws)).to.be.at.most(7)
  })
})
