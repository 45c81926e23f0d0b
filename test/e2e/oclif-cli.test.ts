/**
 * sentinel as an oclif CLI is used, through the real CLI (bin/run.js): commands typed with spaces
 * as in the Go original (`init status`) or with colons (`init:status`) do the same thing; a topic
 * given flags, or a typo, is a usage error with a suggestion, never the topic's help and exit 0 (a
 * CI gate written that way would always pass); --json gives one JSON document everywhere; the help's
 * USAGE line shows the flag relations as they are.
 */
import {expect} from 'chai'

import {
  cleanEnv, parseJson, runCli,
} from '../support/cli.js'
import {assertConformsTo} from '../support/json-schema.js'
import {
  emulatePitrAndTags, type RecordingProxy, startProxy, WRITE_ACTIONS,
} from '../support/proxy.js'
import {
  allTableFlags, dynamoLocal, uniqueNames,
} from '../support/servers.js'

const env = () => cleanEnv({AWS_REGION: 'us-east-1'})

function tableFlags(prefix: string): string[] {
  return allTableFlags(uniqueNames(prefix))
}

describe('an oclif CLI as people use one (end to end)', () => {
  let proxy: RecordingProxy

  before(async () => {
    proxy = await startProxy((await dynamoLocal()).endpoint)
  })

  beforeEach(() => {
    proxy.reset()
    emulatePitrAndTags(proxy)
  })

  after(() => proxy.close())

  it('init status and init:status give the same exit code and JSON; init all creates what init:all would', async () => {
    const names = tableFlags('sep')
    const where = ['--endpoint-url', proxy.endpoint, ...names, '--json']
    const spaced = await runCli(['init', 'status', ...where], {env: env()})
    const colon = await runCli(['init:status', ...where], {env: env()})
    expect(spaced.code, spaced.stderr).to.equal(6)
    expect(colon.code, colon.stderr).to.equal(6)
    expect(parseJson(spaced.stdout)).to.deep.equal(parseJson(colon.stdout))
    expect(parseJson(spaced.stdout).result.command).to.equal('init:status')
    expect(proxy.calls.filter(action => WRITE_ACTIONS.has(action))).to.deep.equal([])

    const created = await runCli(['init', 'all', '--yes', ...where], {env: env()})
    expect(created.code, created.stderr).to.equal(0)
    expect(parseJson(created.stdout).result.tables.map((table: {outcome: string}) => table.outcome))
    .to.deep.equal(['created', 'created', 'created', 'created'])
    const status = await runCli(['init', 'status', ...where], {env: env()})
    expect(status.code, status.stderr).to.equal(0)
  })

  it('a topic given flags is a usage error (exit 2), never the topic help and exit 0', async () => {
    const plain = await runCli(['init', '--region', 'eu-west-1'], {env: env()})
    expect(plain.code).to.equal(2)
    expect(plain.stdout).to.equal('')
    expect(plain.stderr.trim().split('\n')).to.have.length(1)
    expect(plain.stderr).to.match(/^Error \(INVALID_INPUT\): "init" is a topic, not a command/)
    expect(plain.stderr).to.contain('init status')
    const json = await runCli(['init', '--yes', '--json'], {env: env()})
    expect(json.code).to.equal(2)
    expect(parseJson(json.stdout).error.code).to.equal('INVALID_INPUT')
    // Help asked for is still help.
    const help = await runCli(['init', '--help'], {env: env()})
    expect(help.code).to.equal(0)
    expect(help.stdout).to.contain('init sessions')
    expect(proxy.calls).to.deep.equal([])
  })

  it('a typo gets "did you mean" in both spellings, under --json, and from help', async () => {
    for (const args of [['init', 'sesions'], ['init:sesions'], ['help', 'init:sesions'], ['help', 'init', 'sesions']]) {
      const run = await runCli(args, {env: env()})
      expect(run.code, args.join(' ')).to.equal(2)
      expect(run.stderr.trim(), args.join(' '))
      .to.match(/^Error \(INVALID_INPUT\): There is no command "init sesions"\. Did you mean \.\/bin\/run\.js (help )?init sessions\?/)
      expect(run.stderr.trim().split('\n'), args.join(' ')).to.have.length(1)
    }

    const json = await runCli(['init', 'sesions', '--json'], {env: env()})
    expect(json.code).to.equal(2)
    expect(parseJson(json.stdout).error).to.include({code: 'INVALID_INPUT', exitCode: 2})
    expect(parseJson(json.stdout).error.suggestion).to.match(/^Did you mean \.\/bin\/run\.js init sessions --json\?/)
  })

  it('--json everywhere: `sentinel --json` lists the commands; `nope --json`, --version: one document', async () => {
    const list = await runCli(['--json'], {env: env()})
    expect(list.code, list.stderr).to.equal(0)
    // The CLI's own documents (the command list, the version) have schemas of their own.
    const document = JSON.parse(list.stdout)
    assertConformsTo(document, 'commands.json')
    expect(document).to.include({ok: true}).and.to.have.property('warnings').that.deep.equals([])
    expect(document.result.commands.map((command: {id: string}) => command.id))
    .to.include.members(['init:all', 'init:sessions', 'init:status', 'autocomplete'])
    expect(document.result.commands.find((command: {id: string}) => command.id === 'init:status'))
    .to.include({command: 'sentinel init status'})

    const nope = await runCli(['nope', '--json'], {env: env()})
    expect(nope.code).to.equal(2)
    expect(parseJson(nope.stdout).error.message).to.equal('There is no command "nope".')
    expect(nope.stderr).to.equal('')

    const version = await runCli(['--version', '--json'], {env: env()})
    expect(version.code).to.equal(0)
    assertConformsTo(JSON.parse(version.stdout), 'version.json')
    expect(JSON.parse(version.stdout).result.cliVersion).to.equal('sentinel-infra/0.1.0')
    expect(JSON.parse(version.stdout).warnings).to.deep.equal([])

    const flagsOnly = await runCli(['--region', 'eu-west-1', '--json'], {env: env()})
    expect(flagsOnly.code).to.equal(2)
    expect(parseJson(flagsOnly.stdout).error.message).to.contain('No command given')
  })

  it('--region \'\' is refused as empty, naming the flag; nothing is sent', async () => {
    const run = await runCli(['init', 'status', '--region', '', '--endpoint-url', proxy.endpoint], {env: env()})
    expect(run.code).to.equal(2)
    expect(run.stderr.trim()).to.equal('Error (INVALID_INPUT): --region: it is empty; give a value such as ' +
      'eu-west-1, or leave the flag out. See --help for the flags.')
    expect(proxy.calls).to.deep.equal([])
  })

  it('the help\'s USAGE line shows each flag relation once and whole', async () => {
    const commands = ['all', 'approvals', 'breakglass', 'ratelimit', 'sessions', 'status']
    for (const command of commands) {
      const help = await runCli(['init', command, '--help'], {env: env()})
      expect(help.code).to.equal(0)
      const usage = help.stdout.split('\n\n')[1].replaceAll(/\s+/g, ' ')
      expect(usage, command).to.match(new RegExp(`^USAGE \\$ sentinel init ${command} \\[--json\\]`))
      expect(usage, command).not.to.match(/\|\s*\||\|\s*\]|\s\]|\[\s*\]/)
      expect(usage, command).to.contain('[--endpoint-url <value> | --local [--local-dir <value>]]')
      // --account-id guards apply, --plan and init status too: it excludes only --export.
      expect(usage, command).to.contain('[--account-id <value>]')
      if (command === 'status') continue
      expect(usage, command).to.contain('[--export cloudformation|terraform [--import-existing] | ' +
        '--generate-iam [--policy-for both|provisioner|server] [--provisioner-role <value>...] ' +
        '[--server-role <value>...] | --plan]')
    }
  })
})
