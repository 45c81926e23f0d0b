/**
 * Runs a real command class in-process, as sf's command tests do (`Command.run(argv, config)`):
 * oclif's Config of this project, the command's own class from src (by its id), and the one seam
 * the command has, TableCommand.services (src/shared/services.ts), given fakes: the
 * in-memory DynamoDB (fake-dynamodb.ts), an STS that names a fixed account, a KMS that resolves
 * from a table, and a scripted answer at the prompt.
 * As @oclif/test's captureOutput does, stdout, stderr, the terminal (isTTY), the environment and
 * the exit code are captured for the run and restored after it. No child process, no Java.
 */
import {Config} from '@oclif/core'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'

import type {DynamoDbPort} from '../../src/aws/dynamodb-port.js'
import type {SessionOptions} from '../../src/aws/session.js'
import type {RunResult} from '../../src/report/report.js'
import type {RunServices} from '../../src/shared/services.js'

import {classifyAwsError} from '../../src/aws/errors.js'
import InitAll from '../../src/commands/init/all.js'
import InitApprovals from '../../src/commands/init/approvals.js'
import InitBreakglass from '../../src/commands/init/breakglass.js'
import InitRatelimit from '../../src/commands/init/ratelimit.js'
import InitSessions from '../../src/commands/init/sessions.js'
import InitStatus from '../../src/commands/init/status.js'
import {SentinelError} from '../../src/errors.js'
import {TableCommand} from '../../src/shared/table-command.js'
import {fakeIam, type IamCall, type IamWorld} from './aws-iam.js'
import {cleanEnv} from './cli.js'
import {awsError} from './fake-dynamodb.js'
import {assertConforms} from './json-schema.js'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
/**
 * The commands by id, imported as the tests import everything else (one module graph: an error the
 * fake throws is the command's SentinelError).
 */
export const COMMANDS: Record<string, typeof TableCommand> = {
  'init:all': InitAll,
  'init:approvals': InitApprovals,
  'init:breakglass': InitBreakglass,
  'init:ratelimit': InitRatelimit,
  'init:sessions': InitSessions,
  'init:status': InitStatus,
}
let config: Promise<Config> | undefined

/** What the command reaches outside the process, faked; what it asked and opened is recorded. */
export interface FakeWorld {
  port: DynamoDbPort
  /** The account STS names, or the error it answers with. */
  account?: SentinelError | string
  /** KMS: a key ID or alias to the key's ARN; anything else is NotFoundException. */
  keys?: Record<string, string>
  /** KMS KeyState by key ARN (Enabled unless given). */
  keyStates?: Record<string, string>
  /** The answer typed at the prompt; a run that asks without one fails the test. */
  answer?: boolean
  /** IAM's simulator for the role check (aws-iam.ts); without it, an IAM call fails the test. */
  iam?: IamWorld
  /** KMS key policies by key ARN. */
  keyPolicies?: Record<string, string>
  /**
   * For --local: what opening the session does before DynamoDB Local would start (taking the data
   * folder, say), given the options the command opened it with; its error ends the run.
   */
  local?: (options: SessionOptions) => Promise<void>
}

export interface Asked {
  message: string
  /** The lines shown above the question (the target and the plan, when stdout is not the screen). */
  before: readonly string[]
}

export interface Terminal {
  stdin?: boolean
  stdout?: boolean
  stderr?: boolean
}

export interface RunOptions {
  /** Which standard streams are a terminal (default: none, as in CI). */
  terminal?: Terminal
  env?: Record<string, string | undefined>
}

export interface CommandResult {
  exitCode: number
  stdout: string
  stderr: string
  asked: Asked[]
  /** Sessions opened and closed by the run. */
  sessions: {closed: number; opened: number}
  /** Every key KMS was asked to resolve. */
  keyLookups: string[]
  /** Every SimulatePrincipalPolicy call. */
  iamCalls: IamCall[]
  /** What the command's run() returned (undefined after an error). */
  returned?: RunResult
}

/** What an interrupt did: the exit code the command left with, and what it had said by then. */
export interface Interrupted {
  exitCode: number
  stdout: string
  stderr: string
}

export interface RunningCommand {
  /** The run's end (also after an interrupt, so that nothing it started is left open). */
  readonly done: Promise<CommandResult>
  /** Sends the signal to the command as the process would, and records its process.exit. */
  signal(signal: NodeJS.Signals): Interrupted
}

/** KMS GetKeyPolicy from the world's key policies; a key it lacks is NotFoundException. */
function keyPolicyOf(world: FakeWorld) {
  return async (keyArn: string): Promise<string> => {
    const policy = world.keyPolicies?.[keyArn]
    if (policy) return policy
    throw classifyAwsError(awsError('NotFoundException', `Key '${keyArn}' does not exist`), {
      action: 'kms:GetKeyPolicy', endpoint: 'kms', resource: keyArn,
    })
  }
}

/** The seam given fakes, recording into `result`. */
function fakeServices(world: FakeWorld, result: CommandResult): RunServices {
  return {
    iam() {
      if (!world.iam) throw new Error('The test gave no IAM world, and the command called IAM')
      return fakeIam(world.iam, result.iamCalls)
    },
    kmsKeyPolicyReader: () => keyPolicyOf(world),
    kmsKeyResolver: connection => async keyId => {
      result.keyLookups.push(keyId)
      const arn = world.keys?.[keyId]
      if (arn) return {arn, state: world.keyStates?.[arn] ?? 'Enabled'}
      const endpoint = `kms.${connection.region}.amazonaws.com`
      throw classifyAwsError(awsError('NotFoundException', `Alias ${keyId} is not found.`), {
        action: 'kms:DescribeKey', endpoint, resource: keyId,
      })
    },
    async lookupAccount() {
      if (world.account instanceof SentinelError) throw world.account
      return world.account ?? '123456789012'
    },
    async openSession(connection, options = {}) {
      if (connection.local) await world.local?.(options)
      result.sessions.opened++
      return {
        async close() {
          result.sessions.closed++
        },
        connection,
        port: world.port,
        // The in-memory world is one region; replicas are tested end to end (test/e2e/global-tables.test.ts).
        async regionalPort(region: string): Promise<DynamoDbPort> {
          throw new Error(`The in-process world has no region ${region} for a replica`)
        },
      }
    },
    async promptYesNo(message, before = []) {
      result.asked.push({before, message})
      if (world.answer === undefined) throw new Error(`The test gave no answer to "${message}"`)
      return world.answer
    },
  }
}

class ExitCalled extends Error {
  constructor(readonly code: number) {
    super(`process.exit(${code})`)
  }
}

/** Sets a property for the run; the returned function puts back what was there. */
function override<T extends object>(target: T, key: keyof T & string, value: unknown): () => void {
  const own = Object.getOwnPropertyDescriptor(target, key)
  Object.defineProperty(target, key, {configurable: true, value, writable: true})
  return () => {
    if (own) Object.defineProperty(target, key, own)
    else delete target[key]
  }
}

/**
 * Starts `sentinel <id> <argv>` in-process against `world`. Call `signal` while it runs to
 * interrupt it; await `done` for its output and exit code.
 */
export function startCommand(id: string, argv: string[], world: FakeWorld, options: RunOptions = {}): RunningCommand {
  const result: CommandResult = {
    asked: [], exitCode: 0, iamCalls: [], keyLookups: [], sessions: {closed: 0, opened: 0}, stderr: '', stdout: '',
  }
  const restore: (() => void)[] = []
  const savedEnv = {...process.env}
  const signalsBefore = {SIGINT: process.listeners('SIGINT'), SIGTERM: process.listeners('SIGTERM')}
  const exitCodeBefore = process.exitCode

  // The environment of a clean machine (no profile, no endpoint, test credentials), and bin/run.js's
  // own setting; the command line as the process would have it.
  for (const key of Object.keys(process.env)) delete process.env[key]
  Object.assign(process.env, cleanEnv({AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...options.env}))
  const argvBefore = process.argv
  process.argv = [process.execPath, join(ROOT, 'bin', 'run.js'), id, ...argv]
  const {stderr: stderrTty = false, stdin: stdinTty = false, stdout: stdoutTty = false} = options.terminal ?? {}
  restore.push(
    override(process.stdin, 'isTTY', stdinTty),
    override(process.stdout, 'isTTY', stdoutTty),
    override(process.stderr, 'isTTY', stderrTty),
    override(process.stdout, 'write', (chunk: string | Uint8Array) => {
      result.stdout += String(chunk)
      return true
    }),
    override(process.stderr, 'write', (chunk: string | Uint8Array) => {
      result.stderr += String(chunk)
      return true
    }),
  )

  const run = async () => {
    config ??= Config.load(ROOT)
    // The command as oclif loads it (its id set), with the seam given the fakes.
    class UnderTest extends COMMANDS[id] {
      static id = id
      static services = fakeServices(world, result)
    }
    result.returned = await UnderTest.run(argv, await config)
  }

  const done = run().finally(() => {
    result.exitCode = Number(process.exitCode ?? 0)
    process.exitCode = exitCodeBefore
    process.argv = argvBefore
    for (const undo of restore.reverse()) undo()
    for (const key of Object.keys(process.env)) delete process.env[key]
    Object.assign(process.env, savedEnv)
  }).then(() => result)

  return {
    done,
    signal(signal) {
      const before = signalsBefore[signal as keyof typeof signalsBefore]
      const handlers = process.listeners(signal).filter(handler => !before.includes(handler))
      if (handlers.length !== 1) throw new Error(`The command listens ${handlers.length} times for ${signal}, not once`)
      const undoExit = override(process, 'exit', (code: number) => {
        throw new ExitCalled(code)
      })
      try {
        handlers[0].call(process, signal)
      } catch (error) {
        if (!(error instanceof ExitCalled)) throw error
        return {exitCode: error.code, stderr: result.stderr, stdout: result.stdout}
      } finally {
        undoExit()
      }

      throw new Error(`The command did not exit on ${signal}`)
    },
  }
}

/** Runs `sentinel <id> <argv>` in-process against `world` to its end. */
export function runCommand(
  id: string,
  argv: string[],
  world: FakeWorld,
  options: RunOptions = {},
): Promise<CommandResult> {
  return startCommand(id, argv, world, options).done
}

/** Stdout as exactly one JSON document, conforming to its published schema: anything else there fails. */
export function onlyJson(stdout: string): any {
  const document = JSON.parse(stdout)
  assertConforms(document)
  return document
}
