/**
 * The --json contract: the one document a command prints on stdout, as types. The published JSON
 * Schemas (schemas/*.json) are generated from these (`npm run schemas`), and the tests check the
 * committed ones against them and every document the tests see against the schemas.
 */
import type {ErrorCode} from '../errors.js'
import type {RunResult} from '../report/report.js'

/**
 * What a warning is about, for scripts to decide on (never on its message):
 * - UNKNOWN_REGION: the region is not in this version's partition data; the run goes on with the
 *   partition the region's shape names;
 * - UNKNOWN_ACCOUNT: --generate-iam could not tell the account (no --account-id, STS not answering):
 *   the policy's ARNs use "*" for it;
 * - LOCAL_LEFTOVER_STOPPED: --local stopped a DynamoDB Local that a killed run left on the data folder.
 */
export type WarningCode = 'LOCAL_LEFTOVER_STOPPED' | 'UNKNOWN_ACCOUNT' | 'UNKNOWN_REGION'

/** A warning: what the run went on despite, said once (on stderr as text; in `warnings` under --json). */
export interface Warning {
  code: WarningCode
  message: string
}

/** A failure, as SentinelError.toJSON() gives it. */
export interface ErrorJson {
  code: ErrorCode
  exitCode: number
  message: string
  suggestion?: string
}

/** A command's document when it succeeded (exit 0). */
export interface ResultDocument<R = RunResult> {
  ok: true
  result: R
  warnings: Warning[]
}

/**
 * A failure's document (exit non-zero): the run's result when it got far enough to have one
 * (NON_INTERACTIVE, DRIFT, PARTIAL_FAILURE, NOT_CONVERGED, ROLE_DENIED, ROLE_UNKNOWN...). Also what
 * the CLI prints for a failure outside any command (an unknown command), without a result.
 */
export interface ErrorDocument<R = RunResult> {
  error: ErrorJson
  ok: false
  result?: R
  warnings: Warning[]
}

/*
 * The roots of the published schemas: what an init command prints (schemas/result.json,
 * schemas/error.json). Interfaces, not aliases, so that the schemas name them plainly.
 */
/* eslint-disable @typescript-eslint/no-empty-object-type */
export interface InitResultDocument extends ResultDocument<RunResult> {}
export interface InitErrorDocument extends ErrorDocument<RunResult> {}

/** One command as `sentinel --json` lists it. */
export interface CommandListEntry {
  /** As typed: `sentinel init status`. */
  command: string
  /** oclif's ID: `init:status`. */
  id: string
  summary: string
}

/** `sentinel --json`: the commands (schemas/commands.json). */
export interface CommandListDocument extends ResultDocument<{bin: string; commands: CommandListEntry[]}> {}

/** `sentinel --version --json`: the version line as data, as sf prints it (schemas/version.json). */
export interface VersionDocument
  extends ResultDocument<{architecture: string; cliVersion: string; nodeVersion: string}> {}
/* eslint-enable @typescript-eslint/no-empty-object-type */
