/**
 * Installed as users install it: `npm pack` (test/support/package.ts), then `npm install -g` of the
 * tarball into a temporary prefix (from the npm registry or npm's cache, as on any machine), then
 * `sentinel` from PATH. The tarball holds only what runs; installing it runs no script of ours (npm
 * would ask to approve one);
 * the installed CLI works (--version, a --local run, an export); and shell completion (oclif's
 * plugin-autocomplete) completes commands and flags in a real bash, and writes its zsh and
 * PowerShell functions.
 */
import {expect} from 'chai'
import {execFile} from 'node:child_process'
import {
  existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync,
} from 'node:fs'
import {delimiter, join, resolve} from 'node:path'
import {promisify} from 'node:util'

import {cleanEnv, scratchDir} from '../support/cli.js'
import {packTarball} from '../support/package.js'

const run = promisify(execFile)

/** Bash lines that ask sentinel's completion function about `line`, as bash does on TAB. */
function complete(line: string): string {
  return [
    `read -ra COMP_WORDS <<< ${JSON.stringify(line)}`,
    line.endsWith(' ') ? 'COMP_WORDS+=("")' : ':',
    String.raw`COMP_CWORD=$((${'$'}{#COMP_WORDS[@]} - 1))`,
    `COMP_LINE=${JSON.stringify(line)}`,
    String.raw`COMP_POINT=${'$'}{#COMP_LINE}`,
    'COMPREPLY=()',
    '"$completer"',
    String.raw`echo "${line}=> ${'$'}{COMPREPLY[*]}"`,
  ].join('; ')
}

/**
 * What the package needs at run time, and the published JSON Schemas of its --json documents;
 * anything else in the tarball is dead weight.
 */
const RUNS = /^(bin\/run\.js|dist\/.+\.js|oclif\.manifest\.json|package\.json|README\.md|schemas\/[\w-]+\.json)$/

describe('installed from the packed tarball (npm pack, npm install -g)', function () {
  // npm installs the dependencies; from the cache on a machine that ran npm ci, else the registry.
  this.timeout(300_000)
  let prefix: string
  let tarball: string
  let installLog: string
  let userEnv: NodeJS.ProcessEnv

  before(async () => {
    const dir = mkdtempSync(join(scratchDir(), 'install-'))
    tarball = await packTarball(dir)
    prefix = join(dir, 'prefix')
    const installed = await run('npm', [
      'install', '--global', '--prefix', prefix, tarball, '--prefer-offline', '--no-audit', '--no-fund',
    ], {cwd: dir, env: process.env, maxBuffer: 16 * 1024 * 1024})
    installLog = `${installed.stdout}${installed.stderr}`
    // The user's shell: a fresh HOME, the prefix's bin first on PATH.
    userEnv = cleanEnv({PATH: `${join(prefix, 'bin')}${delimiter}${process.env.PATH}`})
  })

  async function sentinel(args: string[], env = userEnv) {
    return run('sentinel', args, {cwd: scratchDir(), env})
  }

  it('the tarball holds only what runs, and its package.json no build script', async () => {
    const listing = await run('tar', ['-tzf', tarball])
    const files = listing.stdout.trim().split('\n').map(file => file.replace(/^package\//, ''))
    expect(files.filter(file => !RUNS.test(file)), 'files that do not run').to.deep.equal([])
    expect(files).to.include.members(['bin/run.js', 'dist/main.js', 'dist/hooks/init.js', 'oclif.manifest.json'])
    // The --json contract ships with the package, as the checkout has it.
    expect(files).to.include.members(['schemas/result.json', 'schemas/error.json'])
    const schema = await run('tar', ['-xzOf', tarball, 'package/schemas/result.json'])
    expect(schema.stdout).to.equal(readFileSync('schemas/result.json', 'utf8'))
    const manifest = await run('tar', ['-xzOf', tarball, 'package/package.json'])
    expect(JSON.parse(manifest.stdout).scripts).not.to.have.property('prepare')
    // npm ran nothing of ours and asked nobody to approve a script.
    expect(installLog).not.to.match(/install-scripts|allow-scripts/)
  })

  it('gives a working `sentinel` on PATH: --version, a --local run, an export', async () => {
    expect((await sentinel(['--version'])).stdout).to.match(/^sentinel-infra\/0\.1\.0 /)
    const dir = mkdtempSync(join(scratchDir(), 'installed-local-'))
    const local = await sentinel(['init', 'ratelimit', '--local', '--local-dir', dir, '--yes'])
    expect(local.stdout).to.contain('✔ sentinel-ratelimit: created')
    // On PATH, the suggestions name `sentinel`, as the user types it.
    expect(local.stdout).to.contain(`Check them: sentinel init ratelimit --local --local-dir ${dir} --plan`)
    const exported = await sentinel(['init', 'all', '--export', 'cloudformation'])
    expect(exported.stdout).to.contain('AWS::DynamoDB::Table')
  })

  it('completes commands and flags in bash, after the set-up the README gives', async () => {
    // `sentinel autocomplete bash` prints the set-up and writes the completion functions.
    const instructions = await sentinel(['autocomplete', 'bash'])
    expect(instructions.stdout).to.contain('sentinel autocomplete script bash')
    const script = [
      'eval "$(sentinel autocomplete script bash)"',
      String.raw`completer=$(complete -p sentinel | sed -E 's/.* -F ([^ ]+) .*/\1/')`,
      complete('sentinel init '),
      complete('sentinel init st'),
      complete('sentinel init status --re'),
    ].join('\n')
    const shell = await run('bash', ['-c', script], {env: userEnv})
    const answers = Object.fromEntries(shell.stdout.trim().split('\n').map(line => line.split('=> ')))
    expect(answers['sentinel init '].split(' ')).to.have.members([
      'all', 'approvals', 'breakglass', 'ratelimit', 'sessions', 'status',
    ])
    expect(answers['sentinel init st']).to.equal('status')
    expect(answers['sentinel init status --re'].split(' '))
    .to.have.members(['--region', '--replica-kms-key', '--replica-region', '--request-table'])
  })

  it('installed into a host oclif CLI\'s node_modules from the tarball (npm, offline): the topic guard holds and ' +
    'no SDK warning reaches the terminal', async () => {
    // A team's CLI (bin `platform`, topics separated by a colon) that npm-installs sentinel as a plugin:
    // the package is then a real folder inside the host (host/node_modules/sentinel-infra), not a link.
    const host = join(mkdtempSync(join(scratchDir(), 'host-installed-')), 'host')
    await run('cp', ['-R', resolve('test/fixtures/host-cli'), host])
    // About 20 s here: every dependency comes from npm's cache (filled by npm ci), none from the network.
    await run('npm', ['install', '--offline', '--no-audit', '--no-fund', tarball], {
      cwd: host, env: process.env, maxBuffer: 16 * 1024 * 1024,
    })
    expect(lstatSync(join(host, 'node_modules', 'sentinel-infra')).isSymbolicLink()).to.equal(false)
    const platform = (args: string[]) => new Promise<{code: null | number; stderr: string; stdout: string}>(done => {
      const bin = [join(host, 'bin', 'run.js'), ...args]
      execFile(process.execPath, bin, {cwd: host, env: userEnv}, (error, stdout, stderr) => {
        done({code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stderr, stdout})
      })
    })
    // Words after a topic in a colon CLI: help and exit 0 would pass a CI gate.
    const json = await platform(['init', 'status', '--json'])
    expect(json.code, json.stdout + json.stderr).to.equal(2)
    expect(JSON.parse(json.stdout).error.code).to.equal('INVALID_INPUT')
    const text = await platform(['init', 'status', '--region', 'eu-west-1'])
    expect(text.code, text.stdout + text.stderr).to.equal(2)
    expect(text.stdout).to.equal('')
    expect(text.stderr).to.match(/^Error \(INVALID_INPUT\): "init" is a topic, not a command/)
    // A run that makes SDK clients, under the host's entry point (which silences nothing).
    const dir = mkdtempSync(join(scratchDir(), 'host-local-'))
    const local = await platform(['init:ratelimit', '--local', '--local-dir', dir, '--yes'])
    expect(local.code, local.stderr).to.equal(0)
    expect(local.stderr).not.to.match(/Warning|NodeVersionSupport/)
  })

  it('writes the zsh and PowerShell completion functions, naming every command', async () => {
    await sentinel(['autocomplete', 'zsh'])
    await sentinel(['autocomplete', 'powershell'])
    const functions = join(userEnv.HOME!, '.cache', 'sentinel', 'autocomplete', 'functions')
    const zsh = readFileSync(join(functions, 'zsh', '_sentinel'), 'utf8')
    expect(zsh.split('\n')[0]).to.equal('#compdef sentinel')
    const powershell = readFileSync(join(functions, 'powershell', 'sentinel.ps1'), 'utf8')
    for (const command of ['all', 'approvals', 'breakglass', 'ratelimit', 'sessions', 'status']) {
      expect(zsh, command).to.contain(`"${command}[`)
      expect(powershell, command).to.contain(`"${command}"`)
    }

    expect((await sentinel(['autocomplete', 'script', 'zsh'])).stdout).to.contain(join(userEnv.HOME!, '.cache'))
    expect(readdirSync(functions).sort()).to.deep.equal(['bash', 'powershell', 'zsh'])
    const zshOnPath = (process.env.PATH ?? '').split(delimiter).some(dir => existsSync(join(dir, 'zsh')))
    if (zshOnPath) {
      await run('zsh', ['-n', join(functions, 'zsh', '_sentinel')])
    } else {
      console.log('      (zsh is not installed here: its completion function was checked as text, not parsed by zsh)')
    }
  })
})
