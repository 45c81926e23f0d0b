/**
 * Issue 17, multi-Region: every table as a global table (version 2019.11.21). The real CLI against
 * DynamoDB Local behind the AWS-behaviour layer, which answers for replicas per signed region as AWS
 * documents (test/support/aws-replicas.ts). Each test checks the calls made, and in which region.
 */
import {
  DescribeTableCommand, DynamoDBClient, ListTagsOfResourceCommand, TagResourceCommand,
} from '@aws-sdk/client-dynamodb'
import {expect} from 'chai'
import {spawnSync} from 'node:child_process'
import {mkdtempSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {
  type AwsLayer, callLog, startAwsLayer, startKmsStub,
} from '../support/aws-behaviour.js'
import {
  cleanEnv, type CliResult, parseJson, runCli, scratchDir,
} from '../support/cli.js'
import {
  cloudFormationProblems,
  importsFromTerraform,
  parseCloudFormation,
  parseTerraform,
  providerSchemas,
  terraformProblems,
} from '../support/iac.js'
import {type RecordedRequest, WRITE_ACTIONS} from '../support/proxy.js'
import {dynamoLocal, uniqueTable} from '../support/servers.js'

const keyIn = (region: string, id = '11111111-2222-3333-4444-555555555555') =>
  `arn:aws:kms:${region}:123456789012:key/${id}`
/** Each item of `first` with each item of `second`. */
function everyPair<A, B>(first: readonly A[], second: readonly B[]): [A, B][] {
  return first.flatMap(one => second.map(other => [one, other] as [A, B]))
}

/** A Terraform expression as hcl2json gives it. */
const expression = (text: string) => `\${${text}}`
const env = () => cleanEnv({AWS_REGION: 'us-east-1'})
const output = (run: CliResult) => `exit ${run.code}\n--- stdout\n${run.stdout}\n--- stderr\n${run.stderr}`
const lastLine = (run: CliResult) => run.stderr.trim().split('\n').at(-1) ?? ''
const log = (aws: AwsLayer) =>
  aws.requests.map(request => `${request.region} ${callLog([request])}`).join('\n')
const writes = (requests: RecordedRequest[]) => requests.filter(request => WRITE_ACTIONS.has(request.action))

function sessions(aws: AwsLayer, table: string, ...extra: string[]): Promise<CliResult> {
  return runCli(['init:sessions', '--endpoint-url', aws.endpoint, '--table', table, ...extra], {env: env()})
}

/** init:all --export with a customer key and two replicas, one key an alias. */
const exportArgs = (format: string) => [
  'init:all',
  '--export',
  format,
  '--region',
  'us-east-1',
  '--kms-key',
  keyIn('us-east-1'),
  '--replica-region',
  'eu-west-1',
  '--replica-kms-key',
  'eu-west-1=alias/sentinel',
  '--replica-region',
  'us-west-2',
  '--replica-kms-key',
  `us-west-2=${keyIn('us-west-2')}`,
  '--tag',
  'team=sec',
]

/** The four tables as global tables with a replica in eu-west-1, converged. */
async function fourTables(aws: AwsLayer, prefix: string) {
  const kinds = ['session', 'breakglass', 'request', 'rate-limit']
  const names = kinds.flatMap(kind => [`--${kind}-table`, uniqueTable(`${prefix}-${kind}`)])
  const made = await runCli(
    ['init:all', '--endpoint-url', aws.endpoint, ...names, '--replica-region', 'eu-west-1', '--yes'],
    {env: env()},
  )
  expect(made.code, output(made)).to.equal(0)
  return {names, table: names[1]}
}

const statusOf = (aws: AwsLayer, names: string[], ...extra: string[]) => runCli(
  ['init:status', '--endpoint-url', aws.endpoint, ...names, '--replica-region', 'eu-west-1', ...extra],
  {env: env()},
)
const tableIn = (done: CliResult, table: string) =>
  parseJson(done.stdout).result.tables.find((entry: {table: string}) => entry.table === table)
/** The arguments of an `init sessions` command the CLI printed (topic separator a space), after its words. */
const sessionsArgs = (line: string) => {
  const words = line.split(' ')
  return words.slice(words.indexOf('sessions') + 1)
}

describe('global tables: --replica-region (issue 17, end to end)', function () {
  this.timeout(120_000)
  const closers: (() => Promise<void>)[] = []

  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close()
  })

  async function layer(creatingCalls = 2): Promise<AwsLayer> {
    const aws = await startAwsLayer((await dynamoLocal()).endpoint, {replicas: {creating: {calls: creatingCalls}}})
    closers.push(() => aws.close())
    return aws
  }

  describe('input, before any call (exit 2)', () => {
    const cases: [string, string[], RegExp][] = [
      ['the table\'s own region', ['--replica-region', 'us-east-1'], /own region/],
      ['an unknown region', ['--replica-region', 'eu-west-9'], /Unknown AWS region "eu-west-9"/],
      ['a region with a typo', ['--replica-region', 'eu-wset-1'], /"eu-wset-1" .*did you mean eu-west-1\? Pass --replica-region eu-west-1\./],
      ['a region of another partition', ['--replica-region', 'cn-north-1'], /do not cross partitions/],
      ['a region given twice', ['--replica-region', 'eu-west-1', '--replica-region', 'eu-west-1'], /twice/],
      [
        'a customer key without a replica key',
        ['--kms-key',
          keyIn('us-east-1'),
          '--replica-region',
          'eu-west-1',
          '--replica-region',
          'us-west-2',
          '--replica-kms-key',
          `eu-west-1=${keyIn('eu-west-1')}`],
        /no key for replica region us-west-2/,
      ],
      [
        'a replica key in another region',
        [
          '--kms-key',
          keyIn('us-east-1'),
          '--replica-region',
          'eu-west-1',
          '--replica-kms-key',
          `eu-west-1=${keyIn('us-east-1')}`,
        ],
        /names a key in us-east-1 \(aws\), not in eu-west-1/,
      ],
      ['--replica-kms-key without --replica-region', ['--replica-kms-key', `eu-west-1=${keyIn('eu-west-1')}`], /replica-region/],
    ]

    it(
      'each bad input: one line with a fix, exit 2, nothing sent (every provisioning command, status, plan, iam)',
      async () => {
        const aws = await layer()
        const table = uniqueTable('gt-input')
        const commands = [
          ['init:sessions', '--table', table],
          ['init:all', '--plan'],
          ['init:status'],
          ['init:ratelimit', '--generate-iam', '--account-id', '123456789012'],
        ]
        const attempts = everyPair(cases, commands).map(([[what, args, message], command]) => ({
          args: [...command, '--endpoint-url', aws.endpoint, ...args], command, message, what,
        }))
        const runs = await Promise.all(attempts.map(async attempt => ({
          ...attempt, run: await runCli(attempt.args, {env: env()}),
        })))
        for (const {command, message, run, what} of runs) {
          const where = `${what}, ${command[0]}\n${output(run)}`
          expect(run.code, where).to.equal(2)
          expect(lastLine(run), where).to.match(/^Error \(INVALID_INPUT\): /).and.match(message)
          expect(run.stderr.trim().split('\n'), where).to.have.length(1)
        }

        expect(aws.requests, log(aws)).to.deep.equal([])
      },
    )

    it('--local cannot keep replicas: exit 2 before DynamoDB Local starts', async () => {
      const run = await runCli(['init:sessions', '--local', '--replica-region', 'eu-west-1', '--yes'], {env: env()})
      expect(run.code, output(run)).to.equal(2)
      expect(lastLine(run)).to.match(/^Error \(INVALID_INPUT\): /).and.contain('--replica-region')
    })
  })

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
    closers.push(() => kms.close())
    const keyArnIn = (key: string, region: string) => ({
      [`us-west-2 ${keyId}`]: keyIn('us-west-2', keyId), 'eu-west-1 alias/sentinel': keyIn('eu-west-1'),
    } as Record<string, string>)[`${region} ${key}`]
    const aws = await startAwsLayer((await dynamoLocal()).endpoint, {replicas: {creating: {calls: 2}, keyArnIn}})
    closers.push(() => aws.close())
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
    closers.push(() => kms.close())
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
    const aws = await startAwsLayer((await dynamoLocal()).endpoint, {
      replicas: {creating: {calls: 0}}, tags: {stale: {calls: 1}},
    })
    closers.push(() => aws.close())
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

  describe('a replica no --replica-region names (issue 22, item 1)', () => {
    it('left unprotected by an interrupted run: init status exits 6 naming it; apply leaves it alone and says ' +
      'how to name it; the printed command sets its protections', async () => {
      const aws = await layer()
      const {names, table} = await fourTables(aws, 'gt-un')
      // What a run interrupted right after adding a replica leaves: ACTIVE, deletion protection and PITR off.
      aws.aws.replicas!.tables.get(table)!.replicas.set('us-west-2', {
        deletionProtection: false, pitr: false, status: 'ACTIVE',
      })
      const status = await statusOf(aws, names, '--json')
      expect(status.code, output(status)).to.equal(6)
      const result = tableIn(status, table)
      expect(result.converged).to.equal(false)
      const unnamed = result.replicas.find((replica: {region: string}) => replica.region === 'us-west-2')
      expect(unnamed).to.include({converged: false, named: false, status: 'ACTIVE'})
      expect(unnamed.actions.map((action: {type: string}) => action.type))
      .to.deep.equal(['enable-deletion-protection', 'enable-pitr', 'add-tags'])
      expect(unnamed.notices[0]).to.contain('name it (--replica-region us-west-2)')
      const steps = parseJson(status.stdout).result.nextSteps as string[]
      expect(steps[1]).to.match(/^Make them: .* --replica-region eu-west-1 --replica-region us-west-2 /)
      expect(parseJson(status.stdout).error.message).to.contain('replica in us-west-2 not named by --replica-region')
      // Its protections were read in its own region.
      const west = aws.requests.filter(request => request.region === 'us-west-2').map(request => request.action)
      expect(west, log(aws)).to.include.members(['DescribeTable', 'DescribeContinuousBackups', 'ListTagsOfResource'])

      const text = await statusOf(aws, names)
      expect(text.code, output(text)).to.equal(6)
      expect(text.stdout).to.contain('✖ Replica us-west-2: ACTIVE (not named by --replica-region)')
      .and.contain('+ needs: Turn deletion protection on')

      // The plan: the table itself has no changes, never "matches" above the replica's work (item 14).
      const plan = await sessions(aws, table, '--replica-region', 'eu-west-1', '--plan')
      expect(plan.code, output(plan)).to.equal(0)
      expect(plan.stdout).not.to.contain('No changes: the table matches')
      expect(plan.stdout).to.contain('No changes to the table in its own region; its replicas:')

      const mark = aws.requests.length
      const apply = await sessions(aws, table, '--replica-region', 'eu-west-1', '--yes')
      expect(apply.code, output(apply)).to.equal(0)
      expect(writes(aws.requests.slice(mark)), 'nothing written for a replica not named').to.deep.equal([])
      expect(apply.stdout).to.contain(`! ${table}: unchanged; a replica not named by --replica-region falls short`)
      .and.not.contain('already matches')
      const naming = apply.stdout.split('\n').find(line => line.includes('name it (a replica is never removed): '))
      expect(naming, apply.stdout).to.be.a('string')
      expect(aws.aws.replicas!.tables.get(table)!.replicas.get('us-west-2')).to.include({deletionProtection: false})

      // The command it prints, run as printed (with --yes): the replica's protections set in its region.
      const named = await runCli(['init:sessions', ...sessionsArgs(naming!), '--yes'], {env: env()})
      expect(named.code, output(named)).to.equal(0)
      expect(aws.aws.replicas!.tables.get(table)!.replicas.get('us-west-2'))
      .to.include({deletionProtection: true, pitr: true, status: 'ACTIVE'})
      expect(aws.aws.replicas!.updates.filter(update => update.action !== 'Create'), 'never a Delete').to.deep.equal([])
      // Protected now, it passes the gate without being named.
      const green = await statusOf(aws, names)
      expect(green.code, output(green)).to.equal(0)

      // Unproven is not green: a read denied in its region fails the table, saying to name the region.
      aws.aws.denials.push({actions: ['DescribeTable'], region: 'us-west-2', table})
      const denied = await statusOf(aws, names, '--json')
      expect(denied.code, output(denied)).to.equal(4)
      const {error} = tableIn(denied, table)
      expect(error.message).to.equal(`Access denied: dynamodb:DescribeTable on ${table} in us-west-2.`)
      expect(error.suggestion).to.contain('add --replica-region us-west-2 to that command')
    })

    it('INACCESSIBLE_ENCRYPTION_CREDENTIALS, CREATION_FAILED, DELETING, REGION_DISABLED: init status exits 6 with ' +
      'the state as drift; apply is refused, nothing written', async () => {
      const aws = await layer()
      const {names, table} = await fourTables(aws, 'gt-bad')
      const states = ['INACCESSIBLE_ENCRYPTION_CREDENTIALS', 'CREATION_FAILED', 'DELETING', 'REGION_DISABLED']
      for (const state of states) {
        aws.aws.replicas!.tables.get(table)!.replicas.set('us-west-2', {
          deletionProtection: true, pitr: true, status: state,
        })
        const status = await statusOf(aws, names, '--json')
        expect(status.code, `${state}\n${output(status)}`).to.equal(6)
        const unnamed = tableIn(status, table).replicas.find((replica: {region: string}) =>
          replica.region === 'us-west-2')
        expect(unnamed).to.include({converged: false, named: false, status: state})
        expect(unnamed.drift.map((drift: {type: string}) => drift.type), state).to.deep.equal(['replica-status'])
        expect(unnamed.drift[0].summary).to.contain(`Replica in us-west-2 is ${state}`)
        const mark = aws.requests.length
        const apply = await sessions(aws, table, '--replica-region', 'eu-west-1', '--yes')
        expect(apply.code, `${state}\n${output(apply)}`).to.equal(5)
        expect(lastLine(apply)).to.contain(`Replica in us-west-2 is ${state}`)
        expect(writes(aws.requests.slice(mark)), state).to.deep.equal([])
      }
    })
  })

  describe('--export and --generate-iam with replicas', () => {
    it('cloudformation: an AWS::DynamoDB::GlobalTable per table, valid for the spec and cfn-lint', async () => {
      const run = await runCli(exportArgs('cloudformation'), {env: env()})
      expect(run.code, output(run)).to.equal(0)
      const template = parseCloudFormation(run.stdout)
      expect(await cloudFormationProblems(template)).to.deep.equal([])
      const session = template.Resources.SessionTable
      expect(session).to.include({
        DeletionPolicy: 'Retain', Type: 'AWS::DynamoDB::GlobalTable', UpdateReplacePolicy: 'Retain',
      })
      expect(session.Properties.StreamSpecification).to.deep.equal({StreamViewType: 'NEW_AND_OLD_IMAGES'})
      expect(session.Properties.MultiRegionConsistency).to.equal('EVENTUAL')
      const replicas = session.Properties.Replicas as Record<string, any>[]
      expect(replicas.map(replica => replica.Region)).to.deep.equal([{Ref: 'AWS::Region'}, 'eu-west-1', 'us-west-2'])
      expect(replicas.map(replica => replica.SSESpecification.KMSMasterKeyId))
      .to.deep.equal([keyIn('us-east-1'), 'alias/sentinel', keyIn('us-west-2')])
      for (const replica of replicas) {
        expect(replica.DeletionProtectionEnabled).to.equal(true)
        expect(replica.PointInTimeRecoverySpecification).to.deep.equal({PointInTimeRecoveryEnabled: true})
        expect(replica.Tags).to.deep.include({Key: 'team', Value: 'sec'})
      }

      // AWS's documented path for a stack that holds the table as AWS::DynamoDB::Table.
      expect(run.stdout).to.match(/^# .*would replace the table/m).and.match(/^# .*IMPORT/m)
      const file = join(mkdtempSync(join(scratchDir(), 'cfn-')), 'sentinel-tables.yaml')
      writeFileSync(file, run.stdout)
      const lint = spawnSync('cfn-lint', [file], {encoding: 'utf8'})
      expect(lint.status, `${lint.stdout}${lint.stderr}`).to.equal(0)
    })

    it('terraform: aws_dynamodb_table_replica per region under a provider alias, the stream declared; ' +
      'terraform validate with provider 5.100.0, the 6.47.0 schema', async () => {
      const run = await runCli(exportArgs('terraform'), {env: env()})
      expect(run.code, output(run)).to.equal(0)
      const config = await parseTerraform(run.stdout)
      expect(terraformProblems(config, providerSchemas()['6.47.0'], ['global_secondary_index.hash_key',
        'global_secondary_index.range_key'])).to.deep.equal([])
      const table = config.resource.aws_dynamodb_table.session[0]
      expect(table).to.have.property('stream_enabled', true)
      expect(table).to.have.property('stream_view_type', 'NEW_AND_OLD_IMAGES')
      expect(table.lifecycle[0]).to.have.deep.property('ignore_changes', [expression('replica')])
      const replica = config.resource.aws_dynamodb_table_replica.session_eu_west_1[0]
      expect(replica).to.have.property('deletion_protection_enabled', true)
      expect(replica).to.have.property('point_in_time_recovery', true)
      expect(replica).to.have.property('provider', expression('aws.eu_west_1'))
      expect(config.resource.aws_dynamodb_table_replica.session_us_west_2[0].kms_key_arn).to.equal(keyIn('us-west-2'))
      expect(Object.keys(config.resource.aws_dynamodb_table_replica)).to.have.length(8)

      const dir = mkdtempSync(join(scratchDir(), 'tf-'))
      writeFileSync(join(dir, 'sentinel-tables.tf'), run.stdout)
      const mirror = 'provider_installation {\n  filesystem_mirror {\n    path = "/opt/tf-plugins"\n  }\n}\n'
      writeFileSync(join(dir, 'cli.tfrc'), mirror)
      const tfEnv = {...process.env, TF_CLI_CONFIG_FILE: join(dir, 'cli.tfrc'), TF_IN_AUTOMATION: '1'}
      const terraform = (...args: string[]) => spawnSync('terraform', args, {cwd: dir, encoding: 'utf8', env: tfEnv})
      const init = terraform('init', '-backend=false', '-input=false', '-no-color')
      expect(init.status, `${init.stdout}${init.stderr}`).to.equal(0)
      expect(init.stdout).to.contain('5.100.0')
      const validate = terraform('validate', '-no-color')
      expect(validate.status, `${validate.stdout}${validate.stderr}`).to.equal(0)
      expect(terraform('fmt', '-check').status, 'terraform fmt has nothing to change').to.equal(0)
    })

    it('--generate-iam: the replica statements and the replication role', async () => {
      const run = await runCli([
        'init:sessions',
        '--generate-iam',
        '--region',
        'us-east-1',
        '--account-id',
        '123456789012',
        '--replica-region',
        'eu-west-1',
        '--policy-for',
        'provisioner',
      ], {env: env()})
      expect(run.code, output(run)).to.equal(0)
      const sids = JSON.parse(run.stdout).Statement.map((statement: {Sid: string}) => statement.Sid)
      expect(sids).to.deep.equal([
        'SentinelSessionTableProvisioning', 'SentinelSessionTableReplicas', 'SentinelDynamoDbReplicationRole',
      ])
    })
  })
})
