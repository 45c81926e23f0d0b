/**
 * sentinel inside another oclif CLI: a team's platform CLI (test/fixtures/host-cli, bin `platform`,
 * topics separated by a colon, its own command and its own unknown-command hook) lists this package
 * in oclif.plugins. Through the host's real entry point: sentinel's commands run there, everything
 * they print names `platform` and the host's spelling of the commands, and the host's unknown-command
 * handling stays the host's, with or without a hook of its own.
 */
import {expect} from 'chai'
import {execFileSync, spawn} from 'node:child_process'
import {
  mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync,
} from 'node:fs'
import {delimiter, join, resolve} from 'node:path'

import {
  cleanEnv, type CliResult, parseJson, scratchDir,
} from '../support/cli.js'
import {emulatePitrAndTags, type RecordingProxy, startProxy} from '../support/proxy.js'
import {dynamoLocal, uniqueTable} from '../support/servers.js'

const ROOT = resolve('.')

interface Host {
  /** Runs `platform ARGS` as a user of the host CLI would, from PATH. */
  run(args: string[], extraEnv?: Record<string, string | undefined>): Promise<CliResult>
}

/** A copy of the fixture with node_modules linking @oclif/core and this package; `platform` on PATH. */
function installHost(options: {ownNotFoundHook: boolean}): Host {
  const dir = mkdtempSync(join(scratchDir(), 'host-'))
  execFileSync('cp', ['-R', `${resolve('test/fixtures/host-cli')}/.`, dir])
  if (!options.ownNotFoundHook) {
    const pjson = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'))
    delete pjson.oclif.hooks
    writeFileSync(join(dir, 'package.json'), JSON.stringify(pjson, null, 2))
  }

  mkdirSync(join(dir, 'node_modules', '@oclif'), {recursive: true})
  symlinkSync(join(ROOT, 'node_modules', '@oclif', 'core'), join(dir, 'node_modules', '@oclif', 'core'))
  symlinkSync(ROOT, join(dir, 'node_modules', 'sentinel-infra'))
  const bin = join(dir, '.bin')
  mkdirSync(bin)
  symlinkSync(join(dir, 'bin', 'run.js'), join(bin, 'platform'))
  return {
    run(args, extraEnv = {}) {
      const env = cleanEnv({AWS_REGION: 'us-east-1', ...extraEnv, PATH: `${bin}${delimiter}${process.env.PATH}`})
      const started = Date.now()
      return new Promise(done => {
        const child = spawn('platform', args, {cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe']})
        let stdout = ''
        let stderr = ''
        child.stdout.on('data', (chunk: Buffer) => {
          stdout += chunk
        })
        child.stderr.on('data', (chunk: Buffer) => {
          stderr += chunk
        })
        child.on('close', (code, signal) => done({
          code, ms: Date.now() - started, signal, stderr, stdout,
        }))
      })
    },
  }
}

describe('inside a host oclif CLI, as a plugin (end to end)', () => {
  let host: Host
  let proxy: RecordingProxy

  before(async () => {
    host = installHost({ownNotFoundHook: true})
    proxy = await startProxy((await dynamoLocal()).endpoint)
  })

  beforeEach(() => {
    proxy.reset()
    emulatePitrAndTags(proxy)
  })

  after(() => proxy.close())

  it('the host lists and runs sentinel\'s commands beside its own; help names the host', async () => {
    const help = await host.run(['--help'])
    expect(help.code, help.stderr).to.equal(0)
    expect(help.stdout).to.contain('$ platform [COMMAND]').and.contain('hello').and.contain('init')
    const topic = await host.run(['init', '--help'])
    expect(topic.stdout).to.contain('init:status').and.not.contain('sentinel')
    expect((await host.run(['hello'])).stdout).to.equal('hello from platform\n')
  })

  it('everything a run prints names the host and its spelling of the commands', async () => {
    const table = uniqueTable('hosted')
    const status = await host.run(['init:status', '--endpoint-url', proxy.endpoint, '--rate-limit-table', table])
    expect(status.code, status.stderr).to.equal(6)
    expect(status.stdout).to.contain(`See the changes: platform init:all --rate-limit-table ${table} ` +
      `--endpoint-url ${proxy.endpoint} --plan`)

    const applied = await host.run(['init:ratelimit', '--endpoint-url', proxy.endpoint, '--table', table, '--yes'])
    expect(applied.code, applied.stderr).to.equal(0)
    expect(applied.stdout).to.contain(`platform init:ratelimit --table ${table} --endpoint-url ${proxy.endpoint} ` +
      '--generate-iam --policy-for server')

    const json = await host.run(['init:ratelimit', '--endpoint-url', proxy.endpoint, '--table', table, '--json'])
    expect(parseJson(json.stdout).result.tables[0].outcome).to.equal('unchanged')

    const exported = await host.run(['init:ratelimit', '--export', 'terraform'])
    expect(exported.stdout).to.contain('Then `platform init:status` with the same table names')
    for (const run of [status, applied, json, exported]) {
      expect(`${run.stdout}${run.stderr}`).not.to.match(/\bsentinel init|bin\/run\.js/)
    }
  })

  it('the host\'s unknown-command handling stays the host\'s', async () => {
    for (const args of [['nope'], ['init:sesions'], ['init:sesions', '--json']]) {
      const run = await host.run(args)
      expect(run.code, args.join(' ')).to.equal(127)
      expect(run.stderr).to.equal(`platform: "${args[0]}" is not a platform command; see platform help.\n`)
      expect(run.stdout).to.equal('')
    }
  })

  it('a host without a hook of its own keeps oclif\'s answer: sentinel does not take it over', async () => {
    const plain = installHost({ownNotFoundHook: false})
    const run = await plain.run(['nope'])
    expect(run.code).to.equal(2)
    expect(run.stderr).to.contain('command nope not found').and.not.contain('INVALID_INPUT')
  })

  it('sentinel\'s own topic given flags is still a usage error in the host, never help and exit 0', async () => {
    const run = await host.run(['init', 'status', '--region', 'eu-west-1'])
    expect(run.code).to.equal(2)
    expect(run.stdout).to.equal('')
    expect(run.stderr).to.match(/^Error \(INVALID_INPUT\): "init" is a topic, not a command: it runs nothing\./)
    expect(run.stderr).to.contain('init:status').and.contain('platform init --help')
  })
})
