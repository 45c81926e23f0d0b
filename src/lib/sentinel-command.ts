/**
 * The base of every sentinel command (after sf-plugins-core's SfCommand): it owns the connection
 * flags, --json and its envelope, one-line errors with stable codes and exit codes, the spinner,
 * Ctrl-C, and the AWS clients, which it builds through one factory and tears down at the end.
 */
import {Command, Flags, type Interfaces} from '@oclif/core'

import {type Connection, resolveConnection} from './aws-config.js'
import {desiredTables, type TableChoice, type TableSettings, validateChoices} from './desired.js'
import {type ErrorCode, ExitCode, SentinelError} from './errors.js'
// The gateway (AWS SDK) and DynamoDB Local launcher load only on the paths that use them.
import type {DynamoGateway} from './gateway.js'
import type {Inspection} from './inspect.js'
import type {LocalDynamo} from './local.js'
import type {DesiredTable} from './plan.js'
import {Progress} from './progress.js'
import {redact} from './redact.js'
import type {RunResult, Target} from './report.js'
import {makeTarget} from './report.js'
import {validateRegion} from './validate.js'

/** Credentials for the embedded DynamoDB Local, which accepts any alphanumeric key. */
const LOCAL_CREDENTIALS = {accessKeyId: 'sentinellocal', secretAccessKey: 'sentinellocal'}

/** Where the CLI talks to; every command has these. */
export const connectionFlags = {
  region: Flags.string({
    description: 'AWS region. Falls back to AWS_REGION, AWS_DEFAULT_REGION, then the profile\'s region.',
    helpGroup: 'AWS',
  }),
  'aws-profile': Flags.string({
    description: 'Shared-config profile (SSO and role profiles work). Falls back to AWS_PROFILE.',
    helpGroup: 'AWS',
  }),
  'endpoint-url': Flags.string({
    description: 'A DynamoDB-compatible endpoint, e.g. DynamoDB Local. AWS_ENDPOINT_URL_DYNAMODB works too.',
    exclusive: ['local'],
    helpGroup: 'AWS',
  }),
  local: Flags.boolean({
    description: 'Run against an embedded DynamoDB Local (needs Java 17+), started for this run; no AWS account needed.',
    exclusive: ['endpoint-url'],
    helpGroup: 'LOCAL',
  }),
  'local-dir': Flags.string({
    dependsOn: ['local'],
    description: 'Where --local keeps its data, so later --local runs see the same tables. [default: ~/.sentinel/dynamodb-local, or SENTINEL_LOCAL_DIR]',
    helpGroup: 'LOCAL',
  }),
}

export type ConnectionFlags = Interfaces.InferredFlags<typeof connectionFlags>

/** A failure that still carries the run's result (drift, a partial init:all, init:status). */
export class ResultError extends SentinelError {
  readonly result: RunResult

  constructor(code: ErrorCode, message: string, options: {exitCode?: number; result: RunResult; suggestion?: string}) {
    super(code, message, options)
    this.result = options.result
  }
}

export abstract class SentinelCommand extends Command {
  static enableJsonFlag = true

  static baseFlags = connectionFlags

  protected progress = new Progress('silent', () => {})
  protected gateway?: DynamoGateway
  /** What is under way in AWS, for the interrupt message. */
  protected inFlight?: string
  private local?: LocalDynamo
  private readonly signalHandlers: [NodeJS.Signals, () => void][] = []

  async init(): Promise<void> {
    await super.init()
    const json = this.jsonEnabled()
    this.progress = new Progress(json ? 'silent' : process.stderr.isTTY ? 'spinner' : 'line', (line) => this.info(line))
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      const handler = () => this.interrupted(signal)
      process.once(signal, handler)
      this.signalHandlers.push([signal, handler])
    }
  }

  /** Requested output: stdout, unless --json (then only the JSON document goes there). */
  protected out(line = ''): void {
    if (!this.jsonEnabled()) process.stdout.write(`${redact(line)}\n`)
  }

  /** Everything else a person should see: stderr, so stdout stays clean for scripts. */
  protected info(line = ''): void {
    if (!this.jsonEnabled()) process.stderr.write(`${redact(line)}\n`)
  }

  protected debugLine(line: string): void {
    if (process.env.SENTINEL_DEBUG) process.stderr.write(`[sentinel] ${redact(line)}\n`)
  }

  protected toSuccessJson(result: unknown): unknown {
    return {ok: true, result}
  }

  logJson(json: unknown): void {
    process.stdout.write(`${redact(JSON.stringify(json, null, 2))}\n`)
  }

  /** One line on stderr (or one JSON document on stdout), the right exit code, no stack trace. */
  async catch(error: Error & {exitCode?: number; oclif?: {exit?: number}}): Promise<void> {
    this.progress.stop('failed')
    const sentinelError = toSentinelError(error)
    process.exitCode = sentinelError.exitCode
    if (this.jsonEnabled()) {
      const result = error instanceof ResultError ? error.result : undefined
      this.logJson({error: sentinelError.toJSON(), ok: false, ...(result ? {result} : {})})
    } else {
      process.stderr.write(`${redact(`Error (${sentinelError.code}): ${sentinelError.line}`)}\n`)
      if (process.env.SENTINEL_DEBUG && error.stack) process.stderr.write(`${redact(error.stack)}\n`)
    }
  }

  async finally(error: Error | undefined): Promise<void> {
    for (const [signal, handler] of this.signalHandlers) process.removeListener(signal, handler)
    this.gateway?.destroy()
    await this.local?.stop()
    await super.finally(error)
  }

  /** Step 1, all local: table names, then region/profile/endpoint, then tags and KMS key. No AWS call. */
  protected async prepare(choices: TableChoice[], flags: ConnectionFlags & TableSettings): Promise<{connection: Connection; desired: DesiredTable[]}> {
    const named = validateChoices(choices)
    const connection = await this.resolveTarget(flags)
    return {connection, desired: desiredTables(named, flags, connection.region)}
  }

  /** Step 2: connect, then read and plan every table at once, beside the account lookup. */
  protected async inspectAll(connection: Connection, desired: DesiredTable[], flags: ConnectionFlags, options: {full?: boolean; iamHint: string}): Promise<{inspections: Inspection[]; target: Target}> {
    const {inspectTable} = await import('./inspect.js')
    await this.connect(connection, flags, options.iamHint)
    this.progress.status(`Reading ${desired.map((table) => table.tableName).join(', ')}`)
    const [target, inspections] = await Promise.all([this.target(connection), Promise.all(desired.map((table) => inspectTable(this.gateway!, table, {full: options.full})))])
    this.progress.stop('read')
    return {inspections, target}
  }

  /** Starts DynamoDB Local for --local, then builds the clients for the resolved connection. */
  private async connect(connection: Connection, flags: ConnectionFlags, iamHint: string): Promise<void> {
    const {DynamoGateway} = await import('./gateway.js')
    if (flags.local) {
      const {defaultLocalDir, startLocalDynamo} = await import('./local.js')
      this.progress.status('Starting DynamoDB Local')
      this.local = await startLocalDynamo(flags['local-dir'] ?? defaultLocalDir())
      connection.endpoint = this.local.endpoint
      this.progress.stop()
      this.info(`DynamoDB Local on ${this.local.endpoint}, data in ${this.local.dataDir ?? 'memory'}`)
    }

    this.gateway = await DynamoGateway.create(connection, {debug: (line) => this.debugLine(line), iamHint})
  }

  /** Region, profile and endpoint, checked locally; no AWS call and nothing started. */
  private async resolveTarget(flags: ConnectionFlags): Promise<Connection> {
    if (flags.local) {
      // DynamoDB Local ignores the region (-sharedDb); no AWS config is read.
      const [region, source] = flags.region ? [flags.region, '--region'] : process.env.AWS_REGION ? [process.env.AWS_REGION, 'AWS_REGION'] : ['us-east-1', 'default']
      return {credentials: LOCAL_CREDENTIALS, local: true, region: validateRegion(region, source), regionSource: source}
    }

    return resolveConnection({endpointUrl: flags['endpoint-url'], profile: flags['aws-profile'], region: flags.region})
  }

  /** The account to show before a change: from STS when it can be had, else null with the reason. */
  protected async target(connection: Connection): Promise<Target> {
    try {
      const {lookupAccount} = await import('./gateway.js')
      const account = await lookupAccount(connection)
      return makeTarget(connection.region, account, connection.endpoint)
    } catch (error) {
      const reason = error instanceof SentinelError && error.code === 'UNSUPPORTED_OPERATION' ? 'STS not called for an endpoint override' : toSentinelError(error as Error).message.replace(/\.$/, '')
      return makeTarget(connection.region, undefined, connection.endpoint, reason)
    }
  }

  private interrupted(signal: NodeJS.Signals): void {
    this.progress.stop('interrupted')
    const left = this.inFlight ? `Still under way in AWS: ${this.inFlight}; it finishes on its own.` : 'Nothing is under way in AWS.'
    const error = new SentinelError('INTERRUPTED', `Interrupted by ${signal}. ${left}`, {
      exitCode: signal === 'SIGINT' ? ExitCode.SIGINT : ExitCode.SIGTERM,
      suggestion: 'Rerun the same command to continue; it picks up where this run stopped.',
    })
    if (this.jsonEnabled()) this.logJson({error: error.toJSON(), ok: false})
    else process.stderr.write(`\n${redact(`Error (${error.code}): ${error.line}`)}\n`)
    // Stop the embedded DynamoDB Local (the exit hook kills it) and leave at once.
    process.exit(error.exitCode)
  }
}

/** Anything thrown becomes a SentinelError; oclif's parse errors are usage errors. */
export function toSentinelError(error: Error & {exitCode?: number; oclif?: {exit?: number}}): SentinelError {
  if (error instanceof SentinelError) return error
  if (error.name === 'ExitPromptError' || error.name === 'AbortPromptError') {
    return new SentinelError('INTERRUPTED', 'Interrupted at the prompt; nothing was changed.', {suggestion: 'Rerun when you are ready.'})
  }

  // oclif's flag parser: CLIError/FailedFlagValidationError etc. with exit code 2.
  if (error.oclif?.exit === 2 || /flag|argument|Expected/i.test(error.name + error.message)) {
    const first = error.message.split('\n').find((line) => line.trim() !== '') ?? error.message
    return new SentinelError('INVALID_INPUT', first.trim().replace(/\.?$/, '.'), {suggestion: 'See --help for the flags.'})
  }

  return new SentinelError('UNEXPECTED', `Unexpected error: ${error.message.split('\n')[0]}`, {
    suggestion: 'Rerun with SENTINEL_DEBUG=1 for details, and report it if it persists.',
  })
}
