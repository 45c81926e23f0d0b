/**
 * One --local run at a time per data folder. DynamoDB Local keeps its data in one SQLite file; a
 * second DynamoDB Local on the same folder answers InternalFailure (HTTP 500). So a run takes a
 * lock file in the folder (which run, which DynamoDB Local), a second run waits for the first to
 * finish (up to --wait-timeout) and then says plainly that another run holds the folder, and a
 * DynamoDB Local left behind by a run that was killed (kill -9 skips every exit hook) is found
 * through the lock and stopped.
 */
import {execFileSync} from 'node:child_process'
import {
  closeSync, openSync, readFileSync, unlinkSync, writeFileSync, writeSync,
} from 'node:fs'
import {join} from 'node:path'
import {setTimeout as sleep} from 'node:timers/promises'

import {SentinelError} from '../errors.js'

const LOCK_FILE = 'sentinel-local.lock'

interface LockContent {
  /** The sentinel process holding the folder. */
  cliPid: number
  /** Its DynamoDB Local (java), once started. */
  javaPid?: number
}

export interface FolderLock {
  /** Records the DynamoDB Local this run started, for a later run to find if this one is killed. */
  recordServer(javaPid: number): void
  /** Gives the folder back (idempotent; also safe in a process 'exit' hook). */
  release(): void
}

export interface LockOptions {
  /** How long to wait for another run to finish with the folder. */
  waitMs: number
  /** Told once when this run starts waiting for another. */
  onWaiting?: (line: string) => void
  /** Told when a DynamoDB Local left behind by a killed run was stopped. */
  onNotice?: (line: string) => void
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** The command line of a process, to be sure a pid is still a DynamoDB Local before stopping it. */
function commandLineOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ')
  } catch {
    try {
      return execFileSync('ps', ['-o', 'command=', '-p', String(pid)], {encoding: 'utf8'})
    } catch {
      return ''
    }
  }
}

function readLock(path: string): LockContent | undefined {
  try {
    const content = JSON.parse(readFileSync(path, 'utf8')) as LockContent
    return Number.isInteger(content.cliPid) ? content : undefined
  } catch {
    return undefined
  }
}

async function stopLeftover(pid: number): Promise<void> {
  process.kill(pid, 'SIGTERM')
  for (let waited = 0; waited < 3000 && isAlive(pid); waited += 100) await sleep(100)
  if (isAlive(pid)) process.kill(pid, 'SIGKILL')
}

/** Takes the folder for this run: waits for another live run, clears what a killed run left. */
export async function lockDataDir(dataDir: string, options: LockOptions): Promise<FolderLock> {
  const path = join(dataDir, LOCK_FILE)
  const deadline = Date.now() + options.waitMs
  let told = false
  for (;;) {
    let fd: number | undefined
    try {
      fd = openSync(path, 'wx')
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
    }

    if (fd !== undefined) {
      const mine: LockContent = {cliPid: process.pid}
      writeSync(fd, JSON.stringify(mine))
      closeSync(fd)
      let released = false
      return {
        recordServer(javaPid) {
          writeFileSync(path, JSON.stringify({...mine, javaPid}))
        },
        release() {
          if (released) return
          released = true
          if (readLock(path)?.cliPid === process.pid) unlinkSync(path)
        },
      }
    }

    const holder = readLock(path)
    if (holder && holder.cliPid !== process.pid && isAlive(holder.cliPid)) {
      if (Date.now() >= deadline) {
        const message = `Another sentinel --local run (pid ${holder.cliPid}) is using ${dataDir}; ` +
          'two DynamoDB Local servers cannot share one data folder.'
        throw new SentinelError('LOCAL_START_FAILED', message, {
          suggestion: 'Wait for that run to finish and rerun, or pass --local-dir with another folder.',
        })
      }

      if (!told) options.onWaiting?.(`Waiting for another sentinel --local run (pid ${holder.cliPid}) to finish ` +
        `with ${dataDir}`)
      told = true
      await sleep(250)
      continue
    }

    // The run that held the folder is gone without releasing it (kill -9): stop what it left running.
    const leftover = holder?.javaPid
    if (leftover && isAlive(leftover) && commandLineOf(leftover).includes('DynamoDBLocal')) {
      await stopLeftover(leftover)
      options.onNotice?.(`Stopped DynamoDB Local (pid ${leftover}) left running on ${dataDir} by an earlier ` +
        `sentinel run (pid ${holder.cliPid}) that was killed.`)
    }

    // Removed only if it is still the stale lock just read, never one another run has just taken.
    if (JSON.stringify(readLock(path)) === JSON.stringify(holder)) {
      try {
        unlinkSync(path)
      } catch {
        // Another run removed it first.
      }
    }
  }
}
