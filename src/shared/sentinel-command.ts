/**
 * The base of every sentinel command (after sf-plugins-core's SfCommand): --json and its
 * {ok, result | error} envelope, one-line errors with stable codes and exit codes, stdout for the
 * requested output only, and Ctrl-C / SIGTERM that exit at once saying what is left in AWS.
 * Nothing here knows about AWS or tables.
 */
import {Command, Errors} from '@oclif/core'

import {ExitCode, SentinelError} from '../errors.js'
import {redact} from '../redact.js'
import {isDebug} from './debug.js'

/** A failure that still carries the run's result (drift, a partial init:all, init:status). */
export class ResultError<R = unknown> extends SentinelError {
  readonly result: R

  constructor(error: SentinelError, result: R) {
    // The wrapped error stays the cause, so SENTINEL_DEBUG still shows the AWS error behind it.
    const {exitCode, suggestion} = error
    super(error.code, error.message, {cause: error.cause ?? error, exitCode, suggestion})
    this.aws = error.aws
    this.result = result
  }
}

export abstract class SentinelCommand<R = unknown> extends Command {
  static enableJsonFlag = true
  private readonly signalHandlers: [NodeJS.Signals, () => void][] = []

  async init(): Promise<void> {
    await super.init()
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
    if (isDebug()) process.stderr.write(`[sentinel] ${redact(line)}\n`)
  }

  /** What is still under way in AWS, for the interrupt message; undefined when nothing is. */
  protected inFlight(): string | undefined {
    return undefined
  }

  /** What an interrupt leaves behind, for its message; by default, what is still under way in AWS. */
  protected leftBehind(): string {
    const left = this.inFlight()
    return left ? `Still under way in AWS: ${left}; it finishes on its own.` : 'Nothing is under way in AWS.'
  }

  /** Called on any exit path, before the process leaves (stop local servers, close sockets). */
  protected async release(): Promise<void> {}

  protected toSuccessJson(result: R): unknown {
    return {ok: true, result}
  }

  logJson(json: unknown): void {
    process.stdout.write(`${redact(JSON.stringify(json, null, 2))}\n`)
  }

  /** One line on stderr (or one JSON document on stdout), the right exit code, no stack trace. */
  async catch(error: Error): Promise<void> {
    this.beforeError()
    const sentinelError = toSentinelError(error)
    process.exitCode = sentinelError.exitCode
    if (this.jsonEnabled() || jsonRequested(this.argv)) {
      const result = error instanceof ResultError ? error.result : undefined
      this.logJson({error: sentinelError.toJSON(), ok: false, ...(result ? {result} : {})})
    } else {
      process.stderr.write(`${redact(`Error (${sentinelError.code}): ${sentinelError.line}`)}\n`)
      if (isDebug()) process.stderr.write(`${redact(debugDetail(error))}\n`)
    }
  }

  /** Lets a subclass stop its spinner before the error line. */
  protected beforeError(): void {}

  async finally(error: Error | undefined): Promise<void> {
    for (const [signal, handler] of this.signalHandlers) process.removeListener(signal, handler)
    await this.release()
    await super.finally(error)
  }

  private interrupted(signal: NodeJS.Signals): void {
    this.beforeError()
    const error = new SentinelError('INTERRUPTED', `Interrupted by ${signal}. ${this.leftBehind()}`, {
      exitCode: signal === 'SIGINT' ? ExitCode.SIGINT : ExitCode.SIGTERM,
      suggestion: 'Rerun the same command to continue; it picks up where this run stopped.',
    })
    if (this.jsonEnabled()) this.logJson({error: error.toJSON(), ok: false})
    else process.stderr.write(`\n${redact(`Error (${error.code}): ${error.line}`)}\n`)
    // Stop the embedded DynamoDB Local (its exit hook kills it) and leave at once.
    process.exit(error.exitCode)
  }
}

/** --json as typed, for errors raised before oclif has parsed the flags. */
function jsonRequested(argv: readonly string[]): boolean {
  return argv.includes('--json')
}

/** The AWS error name, request ID and stack, for SENTINEL_DEBUG=1. */
function debugDetail(error: Error): string {
  const aws = error instanceof SentinelError ? error.aws : undefined
  const cause = error.cause instanceof Error ? `\nCaused by: ${error.cause.stack ?? error.cause.message}` : ''
  const request = aws ? `AWS error ${aws.name}${aws.requestId ? `, request ID ${aws.requestId}` : ''}\n` : ''
  return `${request}${error.stack ?? error.message}${cause}`
}

/**
 * oclif's parser puts the reason on later lines ("Parsing --wait-timeout\n\tExpected an integer…",
 * "The following error occurred:\n  --plan cannot also be provided…"): keep every line of reason.
 */
export function parseErrorReason(message: string): string {
  // eslint-disable-next-line no-control-regex
  const plain = message.replaceAll(/\u001B\[[\d;]*m/g, '')
  const lines = plain.split('\n').map(line => line.trim()).filter(line => line !== '')
  .filter(line => !/^See more help with --help$/.test(line) && !/^The following errors? occurred:?$/.test(line))
  const parsing = /^Parsing (--[\w-]+)$/.exec(lines[0] ?? '')
  const reasons = parsing ? [`${parsing[1]}: ${lines.slice(1).join('; ')}`] : lines.map(line => plainRelationship(line))
  // "--a cannot be used with --b" and "--b cannot be used with --a" say one thing.
  const unique = reasons.filter((reason, index) => {
    const pair = /^(--[\w-]+) cannot be used with (--[\w-]+)$/.exec(reason)
    return !pair || !reasons.slice(0, index).includes(`${pair[2]} cannot be used with ${pair[1]}`)
  })
  return [...new Set(unique)].join('; ').replace(/\.?$/, '.')
}

/** oclif's flag-relationship sentences, said plainly. */
function plainRelationship(line: string): string {
  const exclusive = /^(--[\w-]+)(?:=\S*)? cannot also be provided when using (--[\w-]+)$/.exec(line)
  if (exclusive) return `${exclusive[1]} cannot be used with ${exclusive[2]}`
  const needsAll = /^All of the following must be provided when using (--[\w-]+): (.+)$/.exec(line)
  if (needsAll) return `${needsAll[1]} needs ${needsAll[2].split(', ').join(' and ')}`
  const needsOne = /^One of the following must be provided when using (--[\w-]+): (.+)$/.exec(line)
  if (needsOne) return `${needsOne[1]} needs ${needsOne[2].split(', ').join(' or ')}`
  return line
}

/** Anything thrown becomes a SentinelError, told apart by type: oclif's parse errors are usage errors. */
export function toSentinelError(error: Error): SentinelError {
  if (error instanceof SentinelError) return error
  if (error.name === 'ExitPromptError' || error.name === 'AbortPromptError') {
    return new SentinelError('INTERRUPTED', 'Interrupted at the prompt; nothing was changed.', {
      cause: error,
      suggestion: 'Rerun when you are ready.',
    })
  }

  // oclif's flag and argument parser (CLIParseError and its kin), and a flag's own parse failure.
  const oclifExit = (error as {oclif?: {exit?: number}}).oclif?.exit
  const flagParse = /^Parsing --[\w-]+\s*\n/.test(error.message)
  if ((error instanceof Errors.CLIError && (oclifExit === 2 || 'parse' in error)) || flagParse) {
    return new SentinelError('INVALID_INPUT', parseErrorReason(error.message), {
      cause: error,
      suggestion: 'See --help for the flags.',
    })
  }

  return new SentinelError('UNEXPECTED', `Unexpected error: ${error.message.split('\n')[0]}`, {
    cause: error,
    suggestion: 'This is a bug in sentinel: rerun with SENTINEL_DEBUG=1 for details, and report it.',
  })
}
