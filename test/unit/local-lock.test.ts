/**
 * The --local data folder's lock on a clock of the test's own: a run that another live run holds
 * the folder against waits exactly its bound, then says so (LOCAL_START_FAILED, exit 3). `init
 * status` has no --wait-timeout: its bound is 30 s, seen here in-process without waiting 30 s.
 * End to end (test/e2e/local-folder.test.ts) the real CLI waits for a holder and goes on when the
 * folder is given back, and gives up at --wait-timeout.
 */
import {expect} from 'chai'
import {mkdtempSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {type LockClock, lockDataDir} from '../../src/aws/local-lock.js'
import {SentinelError} from '../../src/errors.js'
import {scratchDir} from '../support/cli.js'
import {runCommand} from '../support/command-runner.js'
import {FakeDynamoDb} from '../support/fake-dynamodb.js'

/** A clock that a pause moves on at once: how long the lock waited, without waiting. */
function fakeClock(): LockClock & {elapsed(): number; pauses: number[]} {
  const start = 1_000_000
  let now = start
  const pauses: number[] = []
  return {
    elapsed: () => now - start,
    now: () => now,
    pauses,
    async sleep(ms: number) {
      pauses.push(ms)
      now += ms
    },
  }
}

/**
 * A data folder held by a live run started before its lock: this test's parent process (the lock
 * never counts the process that asks as a holder).
 */
function heldFolder(): {dir: string; holder: number} {
  const dir = mkdtempSync(join(scratchDir(), 'local-'))
  const holder = process.ppid
  writeFileSync(join(dir, 'sentinel-local.lock'), JSON.stringify({cliPid: holder, createdAt: Date.now()}))
  return {dir, holder}
}

const escape = (text: string) => text.replaceAll(/[$()*+.?[\\\]^{|}]/g, String.raw`\$&`)

describe('the --local data folder lock, on a fake clock', () => {
  it('waits for a live holder exactly its bound, polling, then LOCAL_START_FAILED naming the holder', async () => {
    const {dir, holder} = heldFolder()
    const clock = fakeClock()
    const told: string[] = []
    const error = await lockDataDir(dir, {clock, onWaiting: line => told.push(line), waitMs: 30_000}).then(
      () => undefined,
      (error_: unknown) => error_,
    )

    expect(error).to.be.instanceOf(SentinelError)
    expect((error as SentinelError).code).to.equal('LOCAL_START_FAILED')
    expect((error as SentinelError).message).to.equal(`Another sentinel --local run (pid ${holder}) is still ` +
      `using ${dir} after 30 s; two DynamoDB Local servers cannot share one data folder.`)
    expect(clock.elapsed(), 'waited the bound, then at most one pause more').to.be.within(30_000, 30_250)
    expect(new Set(clock.pauses)).to.deep.equal(new Set([250]))
    expect(told).to.deep.equal([`Waiting for another sentinel --local run (pid ${holder}) to finish with ${dir}`])
  })

  it('init status --local (no --wait-timeout) waits 30 s for the run holding the folder, then exit 3', async () => {
    const {dir, holder} = heldFolder()
    const clock = fakeClock()
    const run = await runCommand('init:status', ['--local', '--local-dir', dir], {
      // Opening the session takes the folder as the CLI's does, with the bound the command gave it.
      async local(options) {
        const lock = await lockDataDir(options.localDir!, {
          clock, onWaiting: options.onLocalWaiting, waitMs: options.localWaitMs!,
        })
        lock.release()
      },
      port: new FakeDynamoDb(),
    })
    expect(run.exitCode, run.stderr).to.equal(3)
    expect(clock.elapsed(), 'the bound: 30 s on the clock').to.be.within(30_000, 30_250)
    expect(run.stderr.trim().split('\n').at(-1)).to.match(new RegExp(String.raw`^Error \(LOCAL_START_FAILED\): ` +
      escape(`Another sentinel --local run (pid ${holder}) is still using ${dir} after 30 s`)))
    expect(run.sessions.opened, 'no session without the folder').to.equal(0)
  })
})
