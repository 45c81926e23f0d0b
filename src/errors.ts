/**
 * Every failure the CLI reports is a SentinelError: a stable code (for scripts and --json), a
 * one-line message saying what is wrong, a suggestion saying how to fix it, and an exit code.
 */
export const ExitCode = {
  ACCESS_DENIED: 4,
  CONFIG: 3,
  DECLINED: 9,
  DRIFT: 5,
  ERROR: 1,
  NOT_CONVERGED: 6,
  OK: 0,
  /** init status --server-role / --provisioner-role: a role may not do what Sentinel needs. */
  ROLE_DENIED: 10,
  /** init status: a role could not be checked (never reported as able). */
  ROLE_UNKNOWN: 11,
  SIGINT: 130,
  SIGTERM: 143,
  UNREACHABLE: 7,
  USAGE: 2,
  WAIT_TIMEOUT: 8,
} as const

export type ErrorCode =
  | 'ACCESS_DENIED'
  | 'AWS_ERROR'
  | 'DECLINED'
  | 'DRIFT'
  | 'ENDPOINT_UNREACHABLE'
  | 'EXPIRED_CREDENTIALS'
  | 'FAILED_STATE'
  | 'INTERRUPTED'
  | 'INVALID_CREDENTIALS'
  | 'INVALID_INPUT'
  | 'JAVA_NOT_FOUND'
  | 'LIMIT_EXCEEDED'
  | 'LOCAL_START_FAILED'
  | 'NO_CREDENTIALS'
  | 'NO_REGION'
  | 'NON_INTERACTIVE'
  | 'NOT_CONVERGED'
  | 'PARTIAL_FAILURE'
  | 'ROLE_DENIED'
  | 'ROLE_UNKNOWN'
  | 'SSO_EXPIRED'
  | 'TABLE_DELETING'
  | 'THROTTLED'
  | 'UNEXPECTED'
  | 'UNKNOWN_PROFILE'
  | 'UNSUPPORTED_OPERATION'
  | 'WAIT_TIMEOUT'
  | 'WRONG_ACCOUNT'

export class SentinelError extends Error {
  readonly code: ErrorCode
  readonly exitCode: number
  readonly suggestion?: string
  /**
   * The AWS error behind this one, if any: its name, request ID, whether a retry may help, and the
   * call it answered (the action and its resource).
   */
  aws?: {call?: {action: string; resource: string}; name: string; requestId?: string; retryable: boolean}

  constructor(
    code: ErrorCode,
    message: string,
    options: {cause?: unknown; exitCode?: number; suggestion?: string} = {},
  ) {
    super(message, {cause: options.cause})
    this.name = 'SentinelError'
    this.code = code
    this.exitCode = options.exitCode ?? defaultExitCode(code)
    this.suggestion = options.suggestion
  }

  /** The AWS error name behind this error, if one. */
  get awsName(): string | undefined {
    return this.aws?.name
  }

  /** The single line shown on stderr. */
  get line(): string {
    return this.suggestion ? `${this.message} ${this.suggestion}` : this.message
  }

  toJSON(): {code: ErrorCode; exitCode: number; message: string; suggestion?: string} {
    return {
      code: this.code, exitCode: this.exitCode, message: this.message, suggestion: this.suggestion,
    }
  }
}

/** A failure that still carries the run's result (drift, a partial init:all, init:status). */
/**
 * A failure that carries something more (the run's result, what was applied): the same code,
 * message, exit code, suggestion and AWS error as the failure it wraps, whose cause stays the cause,
 * so SENTINEL_DEBUG still shows the AWS error behind it.
 */
export abstract class CarryingError extends SentinelError {
  constructor(readonly failure: SentinelError) {
    const {exitCode, suggestion} = failure
    super(failure.code, failure.message, {cause: failure.cause ?? failure, exitCode, suggestion})
    this.aws = failure.aws
  }
}

/** A failure that still carries the run's result (drift, a partial init:all, init:status). */
export class ResultError<R = unknown> extends CarryingError {
  constructor(error: SentinelError, readonly result: R) {
    super(error)
  }
}

/** Anything thrown that is not a SentinelError: a bug, said as one, with what was thrown as the cause. */
export function unexpectedError(error: unknown): SentinelError {
  const message = error instanceof Error ? error.message : String(error)
  return new SentinelError('UNEXPECTED', `Unexpected error: ${message.split('\n')[0]}`, {
    cause: error,
    suggestion: 'This is a bug in sentinel: rerun with SENTINEL_DEBUG=1 for details, and report it.',
  })
}

/** Codes not listed exit 1 (ERROR). */
const EXIT_CODES: Partial<Record<ErrorCode, number>> = {
  ACCESS_DENIED: ExitCode.ACCESS_DENIED,
  DECLINED: ExitCode.DECLINED,
  DRIFT: ExitCode.DRIFT,
  ENDPOINT_UNREACHABLE: ExitCode.UNREACHABLE,
  EXPIRED_CREDENTIALS: ExitCode.CONFIG,
  INTERRUPTED: ExitCode.SIGINT,
  INVALID_CREDENTIALS: ExitCode.CONFIG,
  INVALID_INPUT: ExitCode.USAGE,
  JAVA_NOT_FOUND: ExitCode.CONFIG,
  LOCAL_START_FAILED: ExitCode.CONFIG,
  NO_CREDENTIALS: ExitCode.CONFIG,
  NO_REGION: ExitCode.CONFIG,
  NON_INTERACTIVE: ExitCode.USAGE,
  NOT_CONVERGED: ExitCode.NOT_CONVERGED,
  ROLE_DENIED: ExitCode.ROLE_DENIED,
  ROLE_UNKNOWN: ExitCode.ROLE_UNKNOWN,
  SSO_EXPIRED: ExitCode.CONFIG,
  UNKNOWN_PROFILE: ExitCode.CONFIG,
  WAIT_TIMEOUT: ExitCode.WAIT_TIMEOUT,
  WRONG_ACCOUNT: ExitCode.CONFIG,
}

function defaultExitCode(code: ErrorCode): number {
  return EXIT_CODES[code] ?? ExitCode.ERROR
}

export function invalidInput(message: string, suggestion: string): SentinelError {
  return new SentinelError('INVALID_INPUT', message, {suggestion})
}
