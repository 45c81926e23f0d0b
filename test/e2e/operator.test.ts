/**
 * What an operator meets first: help, an unknown command, copyable hints, endpoints from the
 * environment or a profile, and what --local leaves behind.
 */
import {expect} from 'chai'
import {existsSync, mkdtempSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {
  cleanEnv, parseJson, runCli, scratchDir,
} from '../support/cli.js'
import {emulatePitrAndTags, type RecordingProxy, startProxy} from '../support/proxy.js'
import {dynamoLocal, uniqueTable} from '../support/servers.js'

describe('the operator\'s experience (end to end)', () => {
  it('-h works as --help, and the root help lists every command', async () => {
    const short = await runCli(['init:sessions', '-h'])
    expect(short.code).to.equal(0)
    expect(short.stdout).to.contain('USAGE').and.contain('--wait-timeout')
    const root = await runCli(['--help'])
    for (const command of [
      'init all',
      'init approvals',
      'init breakglass',
      'init ratelimit',
      'init sessions',
      'init status',
    ]) {
      expect(root.stdout, command).to.contain(command)
    }
  })

  it('an unknown command is one CLI error line, exit 2; under --json one JSON document', async () => {
    const plain = await runCli(['init:foo'])
    expect(plain.code).to.equal(2)
    expect(plain.stderr.trim()).to.match(/^Error \(INVALID_INPUT\): There is no command "init foo"\..*init sessions/)
    expect(plain.stderr).not.to.contain('›')
    const json = await runCli(['init:foo', '--json'])
    expect(json.code).to.equal(2)
    expect(parseJson(json.stdout).error.code).to.equal('INVALID_INPUT')
  })

  it('help for an unknown command: the CLI\'s error form, no stack trace; JSON under --json', async () => {
    const plain = await runCli(['help', 'init:nope'])
    expect(plain.code).to.equal(2)
    expect(plain.stderr.trim()).to.match(/^Error \(INVALID_INPUT\): There is no command "init nope"\./)
    const json = await runCli(['help', 'init:nope', '--json'])
    expect(json.code).to.equal(2)
    expect(parseJson(json.stdout).error.code).to.equal('INVALID_INPUT')
    expect(json.stderr).not.to.match(/\bat \S+ \(/)
  })

  it('table-name errors name the env var the name came from', async () => {
    const run = await runCli(
      ['init:status', '--region', 'us-east-1'],
      {env: cleanEnv({SENTINEL_BREAKGLASS_TABLE: 'no'})},
    )
    expect(run.code).to.equal(2)
    expect(run.stderr).to.contain('(from SENTINEL_BREAKGLASS_TABLE)').and.contain('Set SENTINEL_BREAKGLASS_TABLE to')
  })

  it('--generate-iam in aws-eusc and aws-cn names the partition from the SDK\'s data', async () => {
    const eusc = await runCli([
      'init:ratelimit',
      '--generate-iam',
      '--region',
      'eusc-de-east-1',
      '--account-id',
      '123456789012',
    ])
    expect(eusc.code, eusc.stderr).to.equal(0)
    expect(eusc.stdout).to.contain('arn:aws-eusc:dynamodb:eusc-de-east-1:123456789012:table/sentinel-ratelimit')
    const cn = await runCli([
      'init:ratelimit',
      '--generate-iam',
      '--region',
      'cn-north-1',
      '--account-id',
      '123456789012',
    ])
    expect(cn.stdout).to.contain('arn:aws-cn:dynamodb:cn-north-1:123456789012:table/sentinel-ratelimit')
  })

  describe('endpoints as the SDKs define them', () => {
    let proxy: RecordingProxy

    before(async () => {
      proxy = await startProxy((await dynamoLocal()).endpoint)
    })

    beforeEach(() => {
      proxy.reset()
      emulatePitrAndTags(proxy)
    })

    after(() => proxy.close())

    it('AWS_ENDPOINT_URL reaches DynamoDB, and the target shows the endpoint', async () => {
      const table = uniqueTable('envurl')
      const env = cleanEnv({AWS_ENDPOINT_URL: proxy.endpoint, AWS_REGION: 'us-east-1'})
      const run = await runCli(['init:ratelimit', '--table', table, '--plan'], {env})
      expect(run.code, run.stderr).to.equal(0)
      expect(run.stdout).to.contain(`endpoint ${proxy.endpoint}`)
      expect(proxy.requests.some(request => request.table === table)).to.equal(true)
    })

    it("a profile's endpoint_url, named with --aws-profile, reaches DynamoDB", async () => {
      const table = uniqueTable('profurl')
      const env = cleanEnv({})
      // A named profile brings its own credentials: the SDK then ignores the environment's.
      const profile = [
        '[profile lab]',
        'region = eu-central-1',
        `endpoint_url = ${proxy.endpoint}`,
        'aws_access_key_id = labkey',
        'aws_secret_access_key = labsecret',
        '',
      ]
      writeFileSync(env.AWS_CONFIG_FILE!, profile.join('\n'))
      const run = await runCli(['init:ratelimit', '--aws-profile', 'lab', '--table', table, '--plan', '--json'], {env})
      expect(run.code, run.stderr).to.equal(0)
      expect(parseJson(run.stdout).result.target).to.include({endpoint: proxy.endpoint, region: 'eu-central-1'})
      expect(proxy.requests.some(request => request.table === table)).to.equal(true)
    })

    it('init:status suggests init:all with the same context, ready to copy', async () => {
      const table = uniqueTable('hint')
      const env = cleanEnv({AWS_REGION: 'us-east-1'})
      const run = await runCli(
        ['init:status', '--endpoint-url', proxy.endpoint, '--rate-limit-table', table, '--kms-key', 'alias/sentinel'],
        {env},
      )
      expect(run.code).to.equal(6)
      expect(run.stdout).to.contain(`init all --rate-limit-table ${table} --endpoint-url ${proxy.endpoint} ` +
        '--kms-key alias/sentinel --plan')
      expect(run.stdout).to.contain('4 tables need attention')
    })
  })

  it('--local-dir=~/x is the home folder\'s x, never a folder named "~"', async () => {
    const home = mkdtempSync(join(scratchDir(), 'tilde-'))
    const cwd = mkdtempSync(join(scratchDir(), 'cwd-'))
    const env = cleanEnv({HOME: home})
    const run = await runCli(['init:ratelimit', '--local', '--local-dir=~/ddb', '--yes'], {cwd, env})
    expect(run.code, run.stderr).to.equal(0)
    expect(existsSync(join(home, 'ddb'))).to.equal(true)
    expect(existsSync(join(cwd, '~'))).to.equal(false)
    expect(run.stdout).to.contain('--local --local-dir')
    expect(run.stdout).not.to.contain('--generate-iam')
  })
})
