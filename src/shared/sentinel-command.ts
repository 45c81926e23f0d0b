/**
 * The base of every sentinel command (after sf-plugins-core's SfCommand): --json and its
 * {ok, result | error, warnings} envelope (json-document.ts), warnings, one-line errors with stable
 * codes and exit codes, stdout for the requested output only, and Ctrl-C / SIGTERM that exit at
 * once saying what is left in AWS.
 * Nothing here knows about AWS or tables.
 */
import {Command, Errors, type Interfaces} from '@oclif/core'

import {closest} from '../distance.js'
import {
  ExitCode, ResultError, SentinelError, unexpectedError,
} from '../errors.js'
import {redact} from '../redact.js'
import {isDebug} from './debug.js'
import {
  errorDocument, errorLine, resultDocument, writeJson,
} from './error-output.js'
import {type Warning} from './json-document.js'

export abstract class SentinelCommand<R = unknown> extends Command {
  static enableJsonFlag = true
  private readonly signalHandlers: [NodeJS.Signals, () => void][] = []
  /** What the run warned of, for the JSON document (as SfCommand's warnings). */
  private readonly warnings: Warning[] = []

  async init(): Promise<void> {
    // The AWS SDK warns about Node 20 on stderr at its first client; operators cannot act on it.
    // bin/run.js says so too, but inside a host CLI the host's entry point runs instead.
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true'
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

  /**
   * A warning: its line on stderr as text (by default `Warning: <message>`), or under --json an
   * entry of the document's `warnings`, told apart by its code.
   */
  protected warning(warning: Warning, line = `Warning: ${warning.message}`): void {
    this.warnings.push(warning)
    this.info(line)
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
    return resultDocument(result, this.warnings)
  }

  logJson(json: unknown): void {
    writeJson(json)
  }

  /** One line on stderr (or one JSON document on stdout), the right exit code, no stack trace. */
  async catch(error: Error): Promise<void> {
    this.beforeError()
    const sentinelError = toSentinelError(error)
    process.exitCode = sentinelError.exitCode
    if (this.jsonEnabled() || jsonRequested(this.argv)) {
      const result = error instanceof ResultError ? error.result : undefined
      this.logJson(errorDocument(sentinelError, result, this.warnings))
    } else {
      process.stderr.write(`${errorLine(sentinelError)}\n`)
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
    if (this.jsonEnabled()) this.logJson(errorDocument(error, undefined, this.warnings))
    else process.stderr.write(`\n${errorLine(error)}\n`)
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
 * A flag value its parse function refused. oclif rewrites the message of what a flag's parse
 * function throws ("Parsing --x \n\t…"), so the flag and the reason are kept as data here.
 */
export class FlagValueError extends Error {
  constructor(readonly flag: string, readonly reason: string) {
    super(reason)
    this.name = 'FlagValueError'
  }
}

/** A flag whose parse failures keep their flag and reason as data (see FlagValueError). */
export function keepingReason<T>(flag: Interfaces.OptionFlag<T>): Interfaces.OptionFlag<T> {
  return {
    ...flag,
    async parse(input, context, options) {
      try {
        return await flag.parse(input, context, options)
      } catch (error) {
        throw new FlagValueError(options.name, (error as Error).message)
      }
    },
  }
}

/** A flag relationship as oclif declares it. */
interface Relationship {
  type: 'all' | 'none' | 'only' | 'some'
  flags: (string | {name: string})[]
}

/** What oclif's parser errors carry: the flags as declared and as given. */
interface ParseData {
  input?: {flags?: Record<string, {dependsOn?: string[]; exclusive?: string[]; relationships?: Relationship[]}>}
  output?: {flags?: Record<string, unknown>; metadata?: {flags?: Record<string, {setFromDefault?: boolean}>}}
}

/** "--a and --b", "--a or --b". */
function listed(names: readonly string[], conjunction: string): string {
  return names.map(name => `--${name}`).join(` ${conjunction} `)
}

/**
 * The flag relationships a command line breaks, said plainly ("--a cannot be used with --b",
 * "--a needs --b and --c", "--a needs --b or --c"), read from the flags oclif's parse error carries
 * (declared and given), in the order oclif checks them; undefined for a relationship it cannot tell.
 */
function brokenRelationships(parse: ParseData): string[] | undefined {
  const declared = parse.input?.flags
  const given = parse.output?.flags
  if (!declared || !given) return undefined
  const present = (name: string) => given[name] !== undefined
  const defaulted = (name: string) => parse.output?.metadata?.flags?.[name]?.setFromDefault === true
  const exclusive = (name: string, others: string[]) => {
    const other = defaulted(name) ? undefined : others.find(candidate => !defaulted(candidate) && present(candidate))
    return other ? [`--${other} cannot be used with --${name}`] : []
  }

  const reasons: string[] = []
  for (const [name, flag] of Object.entries(declared)) {
    if (!present(name)) continue
    for (const relationship of flag.relationships ?? []) {
      if (relationship.flags.some(other => typeof other !== 'string')) return undefined
      const others = relationship.flags as string[]
      if (relationship.type === 'all' && !others.every(other => present(other))) {
        reasons.push(`--${name} needs ${listed(others, 'and')}`)
      } else if (relationship.type === 'some' && !others.some(other => Boolean(given[other]))) {
        reasons.push(`--${name} needs ${listed(others, 'or')}`)
      } else if (relationship.type === 'none') {
        reasons.push(...exclusive(name, others))
      } else if (relationship.type === 'only') {
        return undefined
      }
    }

    if (flag.dependsOn && !flag.dependsOn.every(other => present(other))) {
      reasons.push(`--${name} needs ${listed(flag.dependsOn, 'and')}`)
    }

    reasons.push(...exclusive(name, flag.exclusive ?? []))
  }

  return reasons
}

/**
 * The reason of an oclif parse error, in one line: a refused flag value (FlagValueError), the flag
 * relationships broken (from the parse data oclif's error carries), else oclif's own first line.
 */
export function parseErrorReason(error: Error): string {
  if (error instanceof FlagValueError) return `--${error.flag}: ${error.reason}`.replace(/\.?$/, '.')
  // oclif's own reasons, within its fixed framing lines (one line per failed check).
  // eslint-disable-next-line no-control-regex
  const lines = error.message.replaceAll(/\u001B\[[\d;]*m/g, '').split('\n').map(line => line.trim())
  const unframed = lines.filter(line => line !== '' && !FRAMING.has(line))
  const relationships = failedFlagValidation(error) ? relationshipReasons(error, unframed.length) : undefined
  if (relationships) return relationships
  // A flag not wrapped with keepingReason: oclif frames its reason with "Parsing --flag".
  const flag = unparsedFlag(error)
  return (flag ? `--${flag}: ${unframed.slice(1).join('; ')}` : unframed.join('; ')).replace(/\.?$/, '.')
}

/**
 * Whether oclif's flag validation (relationships, required, exactlyOne, atLeastOne) failed. Only then
 * do the given flags break a relationship: an unknown flag or an unexpected argument stops the parse
 * first and must be the reason said, whatever else the command line holds. oclif exports none of its
 * parser's error classes, so the error is told by the typed data its class carries: the parse (every
 * CLIParseError), and neither the unknown flags (NonExistentFlagsError) nor arguments (the argument errors).
 */
function failedFlagValidation(error: Error): boolean {
  return error instanceof Errors.CLIError && 'parse' in error && !('flags' in error) && !('args' in error)
}

/**
 * The broken relationships said plainly, when they account for every reason oclif gives (each
 * check oclif failed is one line of its message); undefined otherwise (a required, exactlyOne or
 * atLeastOne failure among them), so that oclif's own lines are said and none is dropped.
 */
function relationshipReasons(error: Error, oclifReasons: number): string | undefined {
  const broken = brokenRelationships((error as {parse?: ParseData}).parse ?? {})
  if (!broken || broken.length === 0 || new Set(broken).size !== oclifReasons) return undefined
  // "--a cannot be used with --b" and "--b cannot be used with --a" say one thing.
  const unique = broken.filter((reason, index) => {
    const [flag, other] = reason.split(' cannot be used with ')
    return other === undefined || !broken.slice(0, index).includes(`${other} cannot be used with ${flag}`)
  })
  return [...new Set(unique)].join('; ').replace(/\.?$/, '.')
}

/** The flag whose own parse failed, for a flag not wrapped with keepingReason: oclif's "Parsing --x" frame. */
function unparsedFlag(error: Error): string | undefined {
  return /^Parsing --([\w-]+) *\n\t/.exec(error.message)?.[1]
}

/** The lines oclif frames a parse error with (CLIParseError, FailedFlagValidationError), holding no reason. */
const FRAMING = new Set([
  'See more help with --help', 'The following error occurred:', 'The following errors occurred:',
])

/** For an unknown flag a few letters from a real one (--regoin): "Did you mean --region? ". */
function didYouMeanFlag(error: Error): string {
  const {flags: unknown, parse} = error as {flags?: unknown; parse?: {input?: {flags?: Record<string, unknown>}}}
  if (!Array.isArray(unknown) || !parse?.input?.flags) return ''
  const known = Object.keys(parse.input.flags)
  const guesses = unknown.flatMap(typed => {
    const name = String(typed).replace(/^--?/, '').split('=')[0]
    const guess = name.length > 2 ? closest(name, known, 2) : undefined
    return guess ? [`--${guess}`] : []
  })
  return guesses.length > 0 ? `Did you mean ${guesses.join(', ')}? ` : ''
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
  const parseError = error instanceof Errors.CLIError && (oclifExit === 2 || 'parse' in error)
  if (parseError || error instanceof FlagValueError || unparsedFlag(error)) {
    return new SentinelError('INVALID_INPUT', parseErrorReason(error), {
      cause: error,
      suggestion: `${didYouMeanFlag(error)}See --help for the flags.`,
    })
  }

  return unexpectedError(error)
}
