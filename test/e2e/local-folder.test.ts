import {expect} from 'chai'
/**
 * Issue 16, `--local` side by side: two runs on one data folder never share a DynamoDB Local's
 * SQLite file (that answers InternalFailure, HTTP 500). The second waits for the first, or says
 * plainly that another run holds the folder; a DynamoDB Local left by a CLI killed with kill -9 is
 * found and stopped by the next run. Real CLI runs, real DynamoDB Local, a real terminal for the
 * run that holds the folder at its prompt.
 */
import {spawn, spawnSync} from 'node:child_process'
import {
  mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync,
} from 'node:fs'
import {join} from 'node:path'

import {
  BIN, cleanEnv, type CliResult, parseJson, runCli, scratchDir,
} from '../support/cli.js'

const output = (run: CliResult) => `exit ${run.code}\n--- stdout\n${run.stdout}\n--- stderr\n${run.stderr}`
const lastLine = (run: CliResult) => run.stderr.trim().split('\n').at(-1) ?? ''

/** A pid that names no process any more. */
function deadPid(): number {
  return spawnSync('true').pid!
}

/** The permission bits of a file or folder, as ls shows them (0o700). */
const permissions = (path: string) => statSync(path).mode.toString(8).slice(-3)

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

describe('--local side by side on one data folder (issue 16, end to end)', function () {
  this.timeout(180_000)
  const leftovers: number[] = []

  afterEach(() => {
    for (const pid of leftovers.splice(0)) if (isAlive(pid)) process.kill(pid, 'SIGKILL')
  })

  it('a second run waits for the first (held at its prompt), then both finish: no HTTP 500', async () => {
    const dir = mkdtempSync(join(scratchDir(), 'local-'))
    const env = cleanEnv()
    const command = [process.execPath, BIN, 'init:all', '--local', '--local-dir', dir]
    .map(part => `'${part}'`).join(' ')
    const first = spawn('script', ['-qefc', command, '/dev/null'], {env: {...env, TERM: 'dumb'}, stdio: 'pipe'})
    let screen = ''
    const prompted = new Promise<void>(resolve => {
      first.stdout.on('data', (chunk: Buffer) => {
        screen += chunk.toString()
        if (/\(y\/N\)/.test(screen)) resolve()
      })
    })
    const firstDone = new Promise<null | number>(resolve => {
      first.on('close', code => resolve(code))
    })
    await prompted
    let answered = false
    const second = await runCli(['init:all', '--local', '--local-dir', dir, '--yes'], {
      env,
      killAfterMs: 120_000,
      onStderr(text) {
        // The second run says it waits; only then does the first get its answer.
        if (!answered && /Waiting for another sentinel --local run \(pid \d+\) to finish/.test(text)) {
          answered = true
          first.stdin.write('y\r')
        }
      },
    })
    expect(answered, output(second)).to.equal(true)
    expect(await firstDone, screen).to.equal(0)
    expect(second.code, output(second)).to.equal(0)
    expect(second.stdout + second.stderr).not.to.match(/InternalFailure|HTTP 500/)
    // The first run created the tables; the second found them as they should be.
    expect(second.stdout.match(/unchanged \(already matches/g)).to.have.length(4)
  })

  it('while another run holds the folder past --wait-timeout: says so plainly, exit 3', async () => {
    const dir = mkdtempSync(join(scratchDir(), 'local-'))
    const env = cleanEnv()
    const command = [process.execPath, BIN, 'init:ratelimit', '--local', '--local-dir', dir]
    .map(part => `'${part}'`).join(' ')
    const first = spawn('script', ['-qefc', command, '/dev/null'], {env: {...env, TERM: 'dumb'}, stdio: 'pipe'})
    const firstDone = new Promise<void>(resolve => {
      first.on('close', () => resolve())
    })
    await new Promise<void>(resolve => {
      let screen = ''
      first.stdout.on('data', (chunk: Buffer) => {
        screen += chunk.toString()
        if (/\(y\/N\)/.test(screen)) resolve()
      })
    })
    const args = ['init:ratelimit', '--local', '--local-dir', dir, '--yes', '--wait-timeout', '2']
    const second = await runCli(args, {env})
    first.stdin.write('n\r')
    await firstDone
    expect(second.code, output(second)).to.equal(3)
    const error = String.raw`^Error \(LOCAL_START_FAILED\): Another sentinel --local run `
    expect(lastLine(second)).to.match(new RegExp(error +
      `\\(pid \\d+\\) is still using ${dir} after 2 s; two DynamoDB Local servers cannot share one data folder\\. ` +
      String.raw`Wait for that run to finish and rerun, or pass --local-dir with another folder\.$`))
  })

  /** A process that stays up until the test ends, with these arguments (as `ps` and /proc show them). */
  function longLived(...args: string[]): number {
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 120_000)', ...args], {stdio: 'ignore'})
    leftovers.push(child.pid!)
    return child.pid!
  }

  it(
    'a stale lock stops only the DynamoDB Local of this folder: one serving another folder is left alone',
    async () => {
      const dir = mkdtempSync(join(scratchDir(), 'local-'))
      const other = mkdtempSync(join(scratchDir(), 'local-other-'))
      const createdAt = Date.now() - 1000
      // Started after the lock, its command line naming DynamoDBLocal: only its folder differs.
      const another = longLived('DynamoDBLocal.jar', '-sharedDb', '-dbPath', other)
      writeFileSync(join(dir, 'sentinel-local.lock'), JSON.stringify({cliPid: deadPid(), createdAt, javaPid: another}))
      const run = await runCli(
        ['init:ratelimit', '--local', '--local-dir', dir, '--yes', '--wait-timeout', '20'],
        {env: cleanEnv()},
      )
      expect(run.code, output(run)).to.equal(0)
      expect(isAlive(another), 'the DynamoDB Local of another folder still runs').to.equal(true)
      expect(run.stderr).not.to.contain('Stopped DynamoDB Local')
    },
  )

  it('a lock naming a live, unrelated process (its pid reused) does not block the folder', async () => {
    const dir = mkdtempSync(join(scratchDir(), 'local-'))
    const createdAt = Date.now() - 5000
    const unrelated = longLived()
    writeFileSync(join(dir, 'sentinel-local.lock'), JSON.stringify({cliPid: unrelated, createdAt}))
    const run = await runCli(
      ['init:ratelimit', '--local', '--local-dir', dir, '--yes', '--wait-timeout', '5'],
      {env: cleanEnv()},
    )
    expect(run.code, output(run)).to.equal(0)
    expect(run.stderr).not.to.contain('Waiting for another')
    expect(isAlive(unrelated), 'nothing unrelated is stopped').to.equal(true)
  })

  it('init status --local waits for a run holding the folder, and goes on once it is given back', async () => {
    const dir = mkdtempSync(join(scratchDir(), 'local-'))
    const lock = join(dir, 'sentinel-local.lock')
    // This test's own process holds the folder: alive, and started before the lock.
    writeFileSync(lock, JSON.stringify({cliPid: process.pid, createdAt: Date.now()}))
    let waited = false
    const run = await runCli(['init:status', '--local', '--local-dir', dir], {
      env: cleanEnv(),
      killAfterMs: 60_000,
      onStderr(text) {
        // Once it says it waits for this process, the folder is given back (30 s bound: test/unit/local-lock.test.ts).
        if (!waited && text.includes(`Waiting for another sentinel --local run (pid ${process.pid}) to finish`)) {
          waited = true
          rmSync(lock)
        }
      },
    })
    expect(waited, output(run)).to.equal(true)
    // The folder taken, DynamoDB Local started on it: no table there yet, so not green (6), never LOCAL_START_FAILED.
    expect(run.code, output(run)).to.equal(6)
    expect(run.stderr).to.contain(`data in ${dir}`)
  })

  it('the data folder is made 0700 and DynamoDB Local\'s files in it are 0600', async () => {
    const dir = join(mkdtempSync(join(scratchDir(), 'local-')), 'data')
    const run = await runCli(['init:ratelimit', '--local', '--local-dir', dir, '--yes'], {env: cleanEnv()})
    expect(run.code, output(run)).to.equal(0)
    expect(permissions(dir), 'the folder').to.equal('700')
    const files = readdirSync(dir)
    expect(files.length, 'DynamoDB Local wrote its data there').to.be.greaterThan(0)
    for (const file of files) expect(permissions(join(dir, file)), file).to.equal('600')
  })

  /** `command --local` killed by kill -9 once DynamoDB Local runs: its folder, env and the lock it left. */
  async function killedWithLocalRunning(command: string) {
    const dir = mkdtempSync(join(scratchDir(), 'local-'))
    const env = cleanEnv()
    const killed = await runCli([command, '--local', '--local-dir', dir, '--yes'], {
      env,
      onStderr(text, child) {
        if (text.includes('DynamoDB Local on ')) child.kill('SIGKILL')
      },
    })
    expect(killed.signal, output(killed)).to.equal('SIGKILL')
    const lock = JSON.parse(readFileSync(join(dir, 'sentinel-local.lock'), 'utf8')) as {javaPid: number}
    leftovers.push(lock.javaPid)
    return {dir, env, lock}
  }

  it('a DynamoDB Local left running by a CLI killed with kill -9 is found and stopped by the next run', async () => {
    const {dir, env, lock} = await killedWithLocalRunning('init:all')
    expect(isAlive(lock.javaPid), 'the killed CLI left its DynamoDB Local running').to.equal(true)

    const next = await runCli(['init:all', '--local', '--local-dir', dir, '--yes'], {env})
    expect(next.code, output(next)).to.equal(0)
    expect(next.stderr).to.contain(`Stopped DynamoDB Local (pid ${lock.javaPid}) left running on ${dir}`)
    expect(isAlive(lock.javaPid)).to.equal(false)
    expect(next.stdout + next.stderr).not.to.match(/InternalFailure|HTTP 500/)
  })

  it('under --json, the leftover stopped is a warning in the document (LOCAL_LEFTOVER_STOPPED), not lost', async () => {
    const {dir, env, lock} = await killedWithLocalRunning('init:ratelimit')

    const next = await runCli(['init:ratelimit', '--local', '--local-dir', dir, '--yes', '--json'], {env})
    expect(next.code, output(next)).to.equal(0)
    expect(next.stderr).to.equal('')
    const {warnings} = parseJson(next.stdout)
    expect(warnings).to.have.length(1)
    expect(warnings[0].code).to.equal('LOCAL_LEFTOVER_STOPPED')
    expect(warnings[0].message).to.contain(`Stopped DynamoDB Local (pid ${lock.javaPid}) left running on ${dir}`)
    expect(isAlive(lock.javaPid)).to.equal(false)
  })
})
