/**
 * How the CLI reports a failure, said in one place: one line on stderr, `Error (CODE): message
 * suggestion`, or under --json one document on stdout, `{error: {code, exitCode, message,
 * suggestion}, ok: false, warnings}` (with the run's result when it has one). SentinelCommand, the
 * init hook and main.ts (for what oclif raises itself) all report through here.
 */
import type {ErrorDocument, ResultDocument, Warning} from './json-document.js'

import {SentinelError} from '../errors.js'
import {redact} from '../redact.js'

/** One JSON document on stdout, secrets redacted. */
export function writeJson(document: unknown): void {
  process.stdout.write(`${redact(JSON.stringify(document, null, 2))}\n`)
}

/** The --json document of a failure; a failure outside any command has no result and no warnings. */
export function errorDocument<R>(
  error: SentinelError,
  result?: R,
  warnings: readonly Warning[] = [],
): ErrorDocument<R> {
  return {
    error: error.toJSON(), ok: false, ...(result ? {result} : {}), warnings: [...warnings],
  }
}

/** The --json document of a success. */
export function resultDocument<R>(result: R, warnings: readonly Warning[] = []): ResultDocument<R> {
  return {ok: true, result, warnings: [...warnings]}
}

/** The one line on stderr. */
export function errorLine(error: SentinelError): string {
  return redact(`Error (${error.code}): ${error.line}`)
}

export function writeError(error: SentinelError, json: boolean): void {
  if (json) writeJson(errorDocument(error))
  else process.stderr.write(`${errorLine(error)}\n`)
}

/**
 * What oclif raises itself, outside any command (a flag help does not take; an unknown command, and
 * help for one, main.ts reports itself), in the CLI's form; returns the exit code. Its exit code 2 is
 * a usage error.
 */
export function reportOclifError(error: unknown, argv: readonly string[]): number {
  const usage = (error as undefined | {oclif?: {exit?: number}})?.oclif?.exit === 2
  const text = String((error as Error | undefined)?.message ?? error)
  const reason = text.split('\n')[0].replace(/^\W*(Error:\s*)?/, '').replace(/\.?$/, '.')
  const failure = usage
    ? new SentinelError('INVALID_INPUT', reason, {suggestion: 'See --help for the commands and flags.'})
    : new SentinelError('UNEXPECTED', reason, {suggestion: 'Rerun with SENTINEL_DEBUG=1 for details, and report it.'})
  writeError(failure, argv.includes('--json'))
  return failure.exitCode
}
