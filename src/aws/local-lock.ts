/**
 * One --local run at a time per data folder. DynamoDB Local keeps its data in one SQLite file; a
 * second DynamoDB Local on the same folder answers InternalFailure (HTTP 500). So a run takes a
 * lock file in the folder (which run, which DynamoDB Local, since when), a second run waits for the
 * first to finish (up to its bound) and then says plainly that another run holds the folder, and a
 * DynamoDB Local left behind by a run that was killed (kill -9 skips every exit hook) is found
 * through the lock and stopped: only that one, serving this folder (-dbPath) and started after the
 * lock, never another DynamoDB Local (its in-memory data would be lost). A lock whose pid now names
 * an unrelated process (started after the lock: the pid was reused) is stale, not a holder.
 */
import {execFileSync} from 'node:child_process'
import {
  closeSync, openSync, readFileSync, realpathSync, statSync, unlinkSync, writeFileSync, writeSync,
} from 'node:fs'
import {join, resolve} from 'node:path'
import {setTimeout as sleep} from 'node:timers/promises'

import {SentinelError} from '../errors.js'

const LOCK_FILE = 'sentinel-local.lock'
/** A process's start time is known to about a second (the boot time is in whole seconds). */
const START_TIME_SLACK_MS = 2000
/** A lock file this young and still empty is being written by the run that just took it. */
const BEING_WRITTEN_MS = 2000

interface LockContent {
  /** The sentinel process holding the folder. */
  cliPid: number
  /** When it took the folder (ms since the epoch); absent in locks of earlier versions. */
  createdAt?: number
  /** Its DynamoDB Local (java), once started. */
  javaPid?: number
}

export interface FolderLock {
  /** Records the DynamoDB Local this run started, for a later run to find if this one is killed. */
  recordServer(javaPid: number): void
  /** Gives the folder back (idempotent; also safe in a process 'exit' hook). */
  release(): void
}

/**
 * How time passes while a run waits for the folder: replaced in tests, so that a bound of seconds is
 * seen to hold without waiting it out.
 */
export interface LockClock {
  now(): number
  sleep(ms: number): Promise<unknown>
}

const SYSTEM_CLOCK: LockClock = {now: () => Date.now(), sleep}

export interface LockOptions {
  /** How long to wait for another run to finish with the folder. */
  waitMs: number
  /** The clock that wait is measured on (default: the system's). */
  clock?: LockClock
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

/** The arguments of a process, to be sure what a pid is before stopping it; undefined if unknown. */
function argumentsOf(pid: number): string[] | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean)
  } catch {
    try {
      // No /proc (macOS): the command line as ps shows it, split on spaces (paths with spaces do not match).
      return execFileSync('ps', ['-o', 'command=', '-p', String(pid)], {encoding: 'utf8'}).trim().split(/\s+/)
    } catch {
      return undefined
    }
  }
}

/** When a process started (ms since the epoch), or undefined if it cannot be told. */
function startedAt(pid: number): number | undefined {
  try {
    const bootSeconds = Number(/^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'))?.[1])
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // Field 22, starttime, in clock ticks after boot (USER_HZ, 100 a second); fields count on after "(comm)".
    const ticks = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19])
    if (Number.isFinite(bootSeconds) && Number.isFinite(ticks)) return (bootSeconds + (ticks / 100)) * 1000
  } catch {
    // No /proc: ps below.
  }

  try {
    const started = Date.parse(execFileSync('ps', ['-o', 'lstart=', '-p', String(pid)], {encoding: 'utf8'}).trim())
    return Number.isNaN(started) ? undefined : started
  } catch {
    return undefined
  }
}

function canonical(path: string): string {
  try {
    return realpathSync(path)
  } catch {
    return resolve(path)
  }
}

function samePath(a: string, b: string): boolean {
  return canonical(a) === canonical(b)
}

/** A DynamoDB Local (-dbPath) serving this folder. */
function servesFolder(pid: number, dataDir: string): boolean {
  const args = argumentsOf(pid) ?? []
  const at = args.indexOf('-dbPath')
  return args.some(arg => arg.includes('DynamoDBLocal')) && at !== -1 && at + 1 < args.length
    && samePath(args[at + 1], dataDir)
}

function readLock(path: string): LockContent | undefined {
  try {
    const content = JSON.parse(readFileSync(path, 'utf8')) as LockContent
    return Number.isInteger(content.cliPid) ? content : undefined
  } catch {
    return undefined
  }
}

/** When the lock was taken: as it says, or (an earlier version's lock) when its file last changed. */
function lockTakenAt(path: string, lock: LockContent): number {
  if (typeof lock.createdAt === 'number') return lock.createdAt
  try {
    return statSync(path).mtimeMs
  } catch {
    return Date.now()
  }
}

/** The run named in the lock still holds it: alive, and not a newer process that got the same pid. */
function holds(lock: LockContent, takenAt: number): boolean {
  if (lock.cliPid === process.pid || !isAlive(lock.cliPid)) return false
  const started = startedAt(lock.cliPid)
  return started === undefined || started <= takenAt + START_TIME_SLACK_MS
}

async function stopLeftover(pid: number): Promise<void> {
  process.kill(pid, 'SIGTERM')
  for (let waited = 0; waited < 3000 && isAlive(pid); waited += 100) await sleep(100)
  if (isAlive(pid)) process.kill(pid, 'SIGKILL')
}

/** An empty or half-written lock file, younger than BEING_WRITTEN_MS: another run is taking the folder. */
function beingWritten(path: string): boolean {
  try {
    return Date.now() - statSync(path).mtimeMs < BEING_WRITTEN_MS
  } catch {
    return false
  }
}

/**
 * What a killed run left: its DynamoDB Local is stopped if it serves this folder and started after
 * the lock; one serving this folder that sentinel did not start is not stopped, and the folder not used.
 */
async function clearLeftover(dataDir: string, holder: LockContent, takenAt: number, options: LockOptions) {
  const pid = holder.javaPid
  if (!pid || !isAlive(pid) || !servesFolder(pid, dataDir)) return
  const started = startedAt(pid)
  if (started !== undefined && started >= takenAt - START_TIME_SLACK_MS) {
    await stopLeftover(pid)
    options.onNotice?.(`Stopped DynamoDB Local (pid ${pid}) left running on ${dataDir} by an earlier ` +
      `sentinel run (pid ${holder.cliPid}) that was killed.`)
    return
  }

  throw new SentinelError('LOCAL_START_FAILED', `A DynamoDB Local (pid ${pid}) that this run did not start is ` +
    `serving ${dataDir}; two DynamoDB Local servers cannot share one data folder.`, {
    suggestion: 'Stop that DynamoDB Local and rerun, or pass --local-dir with another folder.',
  })
}

function removeStale(path: string, holder: LockContent | undefined): void {
  // Removed only if it is still the stale lock just read, never one another run has just taken.
  if (JSON.stringify(readLock(path)) !== JSON.stringify(holder)) return
  try {
    unlinkSync(path)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return
    throw new SentinelError('LOCAL_START_FAILED', `Cannot remove the stale lock ${path}: ` +
      `${(error as Error).message}.`, {
      cause: error, suggestion: 'Remove it yourself, or pass --local-dir with another folder.',
    })
  }
}

/** Takes the folder for this run: waits for another live run, clears what a killed run left. */
export async function lockDataDir(dataDir: string, options: LockOptions): Promise<FolderLock> {
  const path = join(dataDir, LOCK_FILE)
  const clock = options.clock ?? SYSTEM_CLOCK
  const deadline = clock.now() + options.waitMs
  let told = false
  for (;;) {
    let fd: number | undefined
    try {
      fd = openSync(path, 'wx', 0o600)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
    }

    if (fd !== undefined) {
      const mine: LockContent = {cliPid: process.pid, createdAt: Date.now()}
      writeSync(fd, JSON.stringify(mine))
      closeSync(fd)
      let released = false
      return {
        recordServer(javaPid) {
          writeFileSync(path, JSON.stringify({...mine, javaPid}), {mode: 0o600})
        },
        release() {
          if (released) return
          released = true
          if (readLock(path)?.cliPid === process.pid) unlinkSync(path)
        },
      }
    }

    const holder = readLock(path)
    const takenAt = holder ? lockTakenAt(path, holder) : 0
    const busy = holder ? holds(holder, takenAt) : beingWritten(path)
    if (busy) {
      const who = holder ? `Another sentinel --local run (pid ${holder.cliPid})` : 'Another sentinel --local run'
      if (clock.now() >= deadline) {
        const waited = Math.round(options.waitMs / 1000)
        const message = `${who} is still using ${dataDir} after ${waited} s; ` +
          'two DynamoDB Local servers cannot share one data folder.'
        throw new SentinelError('LOCAL_START_FAILED', message, {
          suggestion: 'Wait for that run to finish and rerun, or pass --local-dir with another folder.',
        })
      }

      if (!told) options.onWaiting?.(`Waiting for ${who.replace(/^A/, 'a')} to finish with ${dataDir}`)
      told = true
      await clock.sleep(holder ? 250 : 50)
      continue
    }

    // The run that held the folder is gone without releasing it (kill -9), or its pid is another process now.
    if (holder) await clearLeftover(dataDir, holder, takenAt, options)
    removeStale(path, holder)
  }
}
