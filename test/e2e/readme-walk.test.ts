/**
 * What a new user walking the README met, through the real CLI (bin/run.js): every command a
 * message suggests can be copied as it is (drift fixes, the policy under --json, a typo), a table
 * refused for drift is counted as refused, and the check after --local is the README's CI gate.
 */
import {CreateTableCommand} from '@aws-sdk/client-dynamodb'
import {expect} from 'chai'
import {mkdtempSync} from 'node:fs'
import {join} from 'node:path'

import {
  cleanEnv, parseJson, runCli, scratchDir,
} from '../support/cli.js'
import {type RecordingProxy, startProxy} from '../support/proxy.js'
import {
  allTableFlags, dynamoLocal, sdkClient, uniqueNames, uniqueTable,
} from '../support/servers.js'

const env = () => cleanEnv({AWS_REGION: 'us-east-1'})

/** A table made by hand as Sentinel would not make it: keyed on `pk` (drift sentinel cannot fix). */
async function wrongKeyTable(): Promise<string> {
  const table = uniqueTable('key')
  const client = sdkClient((await dynamoLocal()).endpoint)
  await client.send(new CreateTableCommand({
    AttributeDefinitions: [{AttributeName: 'pk', AttributeType: 'S'}],
    BillingMode: 'PAY_PER_REQUEST',
    KeySchema: [{AttributeName: 'pk', KeyType: 'HASH'}],
    TableName: table,
  }))
  client.destroy()
  return table
}

describe('the README walked by a new user: messages that can be followed as printed', () => {
  let proxy: RecordingProxy

  before(async () => {
    proxy = await startProxy((await dynamoLocal()).endpoint)
  })

  after(() => proxy.close())

  it('drift fixes print whole commands: update-table with the run\'s table, region, profile, endpoint', async () => {
    const provisioned = uniqueTable('prov')
    const wrongKey = await wrongKeyTable()
    const client = sdkClient((await dynamoLocal()).endpoint)
    await client.send(new CreateTableCommand({
      AttributeDefinitions: [{AttributeName: 'key', AttributeType: 'S'}],
      BillingMode: 'PROVISIONED',
      KeySchema: [{AttributeName: 'key', KeyType: 'HASH'}],
      ProvisionedThroughput: {ReadCapacityUnits: 1, WriteCapacityUnits: 1},
      TableName: provisioned,
    }))
    client.destroy()
    const profileEnv = cleanEnv({AWS_REGION: 'us-east-1'})
    const {writeFileSync} = await import('node:fs')
    writeFileSync(profileEnv.AWS_CONFIG_FILE!, '[profile ops]\nregion = eu-west-1\n')
    writeFileSync(profileEnv.AWS_SHARED_CREDENTIALS_FILE!, '[ops]\naws_access_key_id = k\naws_secret_access_key = s\n')
    const where = ['--endpoint-url', proxy.endpoint, '--region', 'us-east-1', '--aws-profile', 'ops']
    const others = [uniqueTable('b'), uniqueTable('r')]
    const names = {
      approvals: others[1], breakglass: others[0], ratelimit: provisioned, sessions: wrongKey,
    }
    const run = await runCli(['init', 'all', ...where, '--yes', '--json', ...allTableFlags(names)], {env: profileEnv})
    const doc = parseJson(run.stdout)
    expect(run.code, run.stderr).to.equal(5)
    const remedyOf = (table: string, type: string): string => doc.result.tables
    .find((result: {table: string}) => result.table === table)
    .drift.find((drift: {type: string}) => drift.type === type).remedy
    expect(remedyOf(provisioned, 'billing-mode')).to.contain(`(aws dynamodb update-table --table-name ${provisioned} ` +
      `--billing-mode PAY_PER_REQUEST --region us-east-1 --profile ops --endpoint-url ${proxy.endpoint})`)
    // The running command's own flag, in a whole command with this run's context.
    const remedy = remedyOf(wrongKey, 'key-schema')
    expect(remedy).to.contain(`./bin/run.js init all --session-table ${wrongKey}-v2 --breakglass-table ${others[0]}`)
    .and.contain(`--endpoint-url ${proxy.endpoint}`)
    expect(remedy).not.to.contain('--table ')
    // Two tables refused for drift, two created: refused is said as refused, and where to look under --json.
    expect(doc.error.code).to.equal('PARTIAL_FAILURE')
    expect(doc.error.message).to.match(/^2 of 4 tables refused \(drift sentinel cannot fix in place\): /)
    expect(doc.error.suggestion).to.match(/^See result\.tables; /)
    expect(doc.result.tables.map((table: {outcome: string}) => table.outcome))
    .to.deep.equal(['refused', 'created', 'created', 'refused'])
  })

  it('in text, a run with a table refused for drift says so, and points above', async () => {
    const wrongKey = await wrongKeyTable()
    const run = await runCli([
      'init:all',
      '--endpoint-url',
      proxy.endpoint,
      '--yes',
      ...allTableFlags({...uniqueNames('walk'), sessions: wrongKey}),
    ], {env: env()})
    expect(run.code, run.stderr).to.equal(5)
    expect(run.stderr.trim().split('\n').at(-1))
    .to.match(/^Error \(PARTIAL_FAILURE\): 1 of 4 tables refused \(drift sentinel cannot fix in place\): .+ See each table above;/)
  })

  it('--generate-iam --json: the next step writes the file from this run without --json, then creates it', async () => {
    const run = await runCli([
      'init',
      'sessions',
      '--generate-iam',
      '--json',
      '--region',
      'eu-west-1',
      '--account-id',
      '123456789012',
      '--policy-for',
      'server',
      '--tag',
      'team=a b',
    ], {env: env()})
    expect(run.code, run.stderr).to.equal(0)
    expect(parseJson(run.stdout).result.nextSteps).to.deep.equal([
      "./bin/run.js init sessions --region eu-west-1 --tag 'team=a b' --generate-iam --policy-for server " +
        '--account-id 123456789012 > server-policy.json && aws iam create-policy --policy-name SentinelServer ' +
        '--policy-document file://server-policy.json',
    ])
  })

  it('a typo in a command is suggested whole (bin, command, the rest as typed); a flag typo too', async () => {
    const run = await runCli(['init', 'sesions', '--region', 'eu-west-1', '--tag', 'team=a b'], {env: env()})
    expect(run.code).to.equal(2)
    expect(run.stderr).to.contain("Did you mean ./bin/run.js init sessions --region eu-west-1 --tag 'team=a b'?")
    const flag = await runCli(['init', 'sessions', '--regoin', 'eu-west-1'], {env: env()})
    expect(flag.code).to.equal(2)
    expect(flag.stderr.trim()).to.equal('Error (INVALID_INPUT): Nonexistent flag: --regoin. ' +
      'Did you mean --region? See --help for the flags.')
    const far = await runCli(['init', 'sessions', '--zzzzzz'], {env: env()})
    expect(far.stderr).not.to.contain('Did you mean')
  })

  it('after init all --local, the check suggested is init status --local, which passes', async () => {
    const dir = mkdtempSync(join(scratchDir(), 'walk-local-'))
    const run = await runCli(['init', 'all', '--local', '--local-dir', dir, '--yes'], {env: cleanEnv()})
    expect(run.code, run.stderr).to.equal(0)
    const check = `./bin/run.js init status --local --local-dir ${dir}`
    expect(run.stdout).to.contain(`Check them: ${check}\n`)
    const status = await runCli(['init', 'status', '--local', '--local-dir', dir], {env: cleanEnv()})
    expect(status.code, status.stderr).to.equal(0)
  })
})
