/**
 * --export round trip with the real CLI (bin/run.js): export all four tables, build them on
 * DynamoDB Local the way CloudFormation / Terraform would (from the parsed document, not from our
 * generator), then `init:status` and `init:all --plan` must find nothing to change. DynamoDB Local
 * has no PITR or tags: the recording proxy emulates both, so they are set and read through it.
 */
import {CreateTableCommand} from '@aws-sdk/client-dynamodb'
import {expect} from 'chai'

import {cleanEnv, parseJson, runCli} from '../support/cli.js'
import {
  buildTables,
  importsFromTerraform,
  parseCloudFormation,
  parseTerraform,
  type TableBuild,
  tablesFromCloudFormation,
  tablesFromTerraform,
} from '../support/iac.js'
import {
  emulatePitrAndTags, type RecordingProxy, startProxy, WRITE_ACTIONS,
} from '../support/proxy.js'
import {
  allTableFlags, dynamoLocal, sdkClient, type TableNames, uniqueNames,
} from '../support/servers.js'

const KEY_ARN = 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab'

/** The settings flags; init:status compares against the same desired state. */
const SETTINGS = ['--kms-key', KEY_ARN, '--tag', 'team=security', '--tag', 'cost-center=42']

const env = (extra: Record<string, string | undefined> = {}) => cleanEnv({AWS_REGION: 'us-east-1', ...extra})

async function buildsOf(format: string, document: string): Promise<TableBuild[]> {
  if (format === 'cloudformation') return tablesFromCloudFormation(parseCloudFormation(document))
  return tablesFromTerraform(await parseTerraform(document))
}

describe('--export round trip on DynamoDB Local (end to end)', () => {
  let proxy: RecordingProxy

  before(async () => {
    const local = await dynamoLocal()
    proxy = await startProxy(local.endpoint)
  })

  after(() => proxy.close())

  beforeEach(() => {
    proxy.reset()
    // CloudFormation and Terraform send the tags with CreateTable; the proxy keeps them.
    emulatePitrAndTags(proxy, {createTableTags: true})
  })

  /** Runs the export as an operator would; it must make no call at all. */
  async function exportDocument(format: string, names: TableNames, extra: string[] = []): Promise<string> {
    const run = await runCli(['init:all', '--export', format, ...allTableFlags(names), ...SETTINGS, ...extra], {
      env: env({AWS_ENDPOINT_URL_DYNAMODB: proxy.endpoint}),
    })
    expect(run.code, run.stderr).to.equal(0)
    expect(proxy.calls, 'calls made by --export').to.deep.equal([])
    return run.stdout
  }

  /** init:status and init:all --plan on the built tables: every table converged, nothing to do. */
  async function expectConverged(names: TableNames): Promise<void> {
    proxy.calls.length = 0
    const status = await runCli(
      ['init:status', '--endpoint-url', proxy.endpoint, ...allTableFlags(names), ...SETTINGS, '--json'],
      {
        env: env(),
      },
    )
    expect(status.code, `${status.stdout}\n${status.stderr}`).to.equal(0)
    const statusTables = parseJson(status.stdout).result.tables
    expect(statusTables.map((table: {table: string}) => table.table)).to.have.members(Object.values(names))
    for (const table of statusTables) expect(table.converged, JSON.stringify(table)).to.equal(true)

    const plan = await runCli(
      ['init:all', '--plan', '--endpoint-url', proxy.endpoint, ...allTableFlags(names), ...SETTINGS, '--json'],
      {
        env: env(),
      },
    )
    expect(plan.code, `${plan.stdout}\n${plan.stderr}`).to.equal(0)
    const planTables = parseJson(plan.stdout).result.tables
    expect(planTables).to.have.length(4)
    for (const table of planTables) {
      expect(table.actions, table.table).to.deep.equal([])
      expect(table.drift, table.table).to.deep.equal([])
    }

    expect(proxy.calls.filter(action => WRITE_ACTIONS.has(action))).to.deep.equal([])
  }

  for (const format of ['cloudformation', 'terraform']) {
    it(`${format}: all four tables built from the export are converged for init:status and --plan`, async () => {
      const names = uniqueNames(format === 'cloudformation' ? 'cfn' : 'tf')
      const document = await exportDocument(format, names)
      const builds = await buildsOf(format, document)
      expect(builds.map(build => build.createTable.TableName)).to.have.members(Object.values(names))
      for (const build of builds) {
        expect(build.createTable.SSESpecification).to.deep.equal({
          Enabled: true,
          KMSMasterKeyId: KEY_ARN,
          SSEType: 'KMS',
        })
        expect(build.tags).to.include({'cost-center': '42', team: 'security'})
        expect(build.pointInTimeRecovery).to.equal(true)
      }

      const client = sdkClient(proxy.endpoint)
      try {
        await buildTables(client, builds)
      } finally {
        client.destroy()
      }

      await expectConverged(names)
    })
  }

  it('terraform --import-existing adds an import block for each table that exists, reading only', async () => {
    const names = uniqueNames('import')
    const builds = await buildsOf('terraform', await exportDocument('terraform', names))
    const client = sdkClient(proxy.endpoint)
    try {
      await buildTables(
        client,
        builds.filter(build => [names.ratelimit, names.sessions].includes(build.createTable.TableName!)),
      )
    } finally {
      client.destroy()
    }

    proxy.calls.length = 0
    const run = await runCli(
      [
        'init:all',
        '--export',
        'terraform',
        '--import-existing',
        '--endpoint-url',
        proxy.endpoint,
        ...allTableFlags(names),
        ...SETTINGS,
      ],
      {env: env()},
    )
    expect(run.code, run.stderr).to.equal(0)
    expect(proxy.calls.filter(action => WRITE_ACTIONS.has(action))).to.deep.equal([])
    expect(proxy.calls).to.include('DescribeTable')
    const imports = importsFromTerraform(await parseTerraform(run.stdout))
    expect(imports).to.have.deep.members([
      {id: names.sessions, to: 'aws_dynamodb_table.session'},
      {id: names.ratelimit, to: 'aws_dynamodb_table.rate_limit'},
    ])
    expect(imports).to.have.length(2)
  })

  it('--import-existing refuses a table whose key schema contradicts the template, naming it (issue 22)', async () => {
    const names = uniqueNames('wrongkey')
    const client = sdkClient(proxy.endpoint)
    try {
      // The rate-limit table made by hand with a sort key: a template adopting it would replace it.
      await client.send(new CreateTableCommand({
        AttributeDefinitions: [{AttributeName: 'PK', AttributeType: 'S'}, {AttributeName: 'SK', AttributeType: 'S'}],
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: [{AttributeName: 'PK', KeyType: 'HASH'}, {AttributeName: 'SK', KeyType: 'RANGE'}],
        TableName: names.ratelimit,
      }))
    } finally {
      client.destroy()
    }

    proxy.calls.length = 0
    const flags = ['--import-existing', '--endpoint-url', proxy.endpoint, ...allTableFlags(names)]
    for (const format of ['terraform', 'cloudformation']) {
      const run = await runCli(['init:all', '--export', format, ...flags], {env: env()})
      expect(run.code, run.stderr).to.equal(2)
      expect(run.stdout).to.equal('')
      // The last line (before it, the progress line saying what is read): one line, the whole reason.
      const refusal = 'Error (INVALID_INPUT): --import-existing cannot adopt a table as the template describes it: ' +
        `Table ${names.ratelimit} has key schema (PK, SK), the template's (PK): a key schema cannot change in ` +
        'place, so applied, the template would replace the table with a new, empty one. Nothing was printed. ' +
        'To see each difference and how to resolve it, then export again: ./bin/run.js init status ' +
        `${allTableFlags(names).join(' ')} --endpoint-url ${proxy.endpoint}`
      expect(run.stderr.trim().split('\n').at(-1), run.stderr).to.equal(refusal)
    }

    expect(proxy.calls.filter(action => WRITE_ACTIONS.has(action))).to.deep.equal([])
  })

  it('--export needs no credentials and no region, and makes no call', async () => {
    for (const format of ['cloudformation', 'terraform']) {
      proxy.calls.length = 0
      const names = uniqueNames('offline')
      const run = await runCli(['init:all', '--export', format, ...allTableFlags(names), '--tag', 'team=security'], {
        env: cleanEnv({
          AWS_ACCESS_KEY_ID: undefined,
          AWS_ENDPOINT_URL: proxy.endpoint,
          AWS_REGION: undefined,
          AWS_SECRET_ACCESS_KEY: undefined,
        }),
      })
      expect(run.code, run.stderr).to.equal(0)
      expect(proxy.calls).to.deep.equal([])
      const builds = await buildsOf(format, run.stdout)
      expect(builds.map(build => build.createTable.TableName)).to.have.members(Object.values(names))
    }
  })
})
