/** Runs the real CLI (bin/run.js, built) as a child process, as an operator or CI would. */
import {spawn} from 'node:child_process'
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join, resolve} from 'node:path'

import {assertConforms} from './json-schema.js'

export const BIN = resolve('bin/run.js')

export interface CliResult {
  code: null | number
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
  ms: number
}

let scratch: string | undefined

/** One temp folder per test run for every HOME the tests make; removed by removeScratch(). */
export function scratchDir(): string {
  scratch ??= mkdtempSync(join(tmpdir(), 'sentinel-test-'))
  return scratch
}

export function removeScratch(): void {
  if (scratch) rmSync(scratch, {force: true, recursive: true})
  scratch = undefined
}

/** An environment with test credentials and no trace of the developer's AWS setup. */
export function cleanEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const home = mkdtempSync(join(scratchDir(), 'home-'))
  const env: NodeJS.ProcessEnv = {
    AWS_ACCESS_KEY_ID: 'testkey',
    AWS_CONFIG_FILE: join(home, 'aws-config'),
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_SECRET_ACCESS_KEY: 'testsecret',
    AWS_SHARED_CREDENTIALS_FILE: join(home, 'aws-credentials'),
    HOME: home,
    PATH: process.env.PATH,
  }
  for (const [key, value] of Object.entries(extra)) {
    if (value === undefined) delete env[key]
    else env[key] = value
  }

  return env
}

export interface RunOptions {
  env?: NodeJS.ProcessEnv
  /** The working folder of the CLI (default: this one). */
  cwd?: string
  onStderr?: (text: string, child: ReturnType<typeof spawn>) => void
  /** Given the CLI's process as soon as it is started (to signal it when a server sees a call). */
  onSpawn?: (child: ReturnType<typeof spawn>) => void
  /** Kills the CLI (SIGKILL) if it still runs after this many ms: a hang fails the test, not the run. */
  killAfterMs?: number
}

export function runCli(args: string[], options: RunOptions = {}): Promise<CliResult> {
  const started = Date.now()
  return new Promise(resolvePromise => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: options.cwd,
      env: options.env ?? cleanEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    options.onSpawn?.(child)
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString()
    })
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString()
      options.onStderr?.(stderr, child)
    })
    const killer = options.killAfterMs ? setTimeout(() => child.kill('SIGKILL'), options.killAfterMs) : undefined
    child.on('close', (code, signal) => {
      clearTimeout(killer)
      resolvePromise({
        code, ms: Date.now() - started, signal, stderr, stdout,
      })
    })
  })
}

/**
 * Runs the CLI on a pseudo-terminal (util-linux `script`), types `answer` once the prompt is up,
 * and returns everything the terminal showed.
 */
export function runInTerminal(
  args: string[],
  answer: string,
  env: NodeJS.ProcessEnv,
): Promise<{code: null | number; screen: string}> {
  const command = [process.execPath, BIN, ...args].map(part => `'${part}'`).join(' ')
  return new Promise(resolvePromise => {
    const child = spawn('script', ['-qefc', command, '/dev/null'], {
      env: {...env, TERM: 'dumb'},
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    let screen = ''
    let answered = false
    child.stdout.on('data', (chunk: Buffer) => {
      screen += chunk.toString()
      if (!answered && /\(y\/N\)/.test(screen)) {
        answered = true
        child.stdin.write(answer)
      }
    })
    child.on('close', code => resolvePromise({code, screen}))
  })
}

/** Stdout as one --json document of a command, checked against its published schema (json-schema.ts). */
export function parseJson(stdout: string): {ok: boolean; result?: any; error?: any; warnings?: any} {
  const document = JSON.parse(stdout)
  assertConforms(document)
  return document
}
