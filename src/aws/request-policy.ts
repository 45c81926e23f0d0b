/**
 * How every AWS call of this CLI is bounded and retried, in one place below the adapters and the
 * provisioning service: attempts, connection and request timeouts, the SDK's logger silenced, and
 * the SDK's standard retry strategy for the calls the provisioning service resends itself, and the
 * credentials each client resolves kept out of what the CLI prints.
 */
import type {AwsCredentialIdentity, DeserializeMiddleware, MiddlewareStack} from '@smithy/types'

import {rememberSecrets} from '../redact.js'
import {smithyRetry} from './sdk-modules.js'

/**
 * With these, a silent endpoint fails in at most 4 attempts × 8 s plus backoff, well under 45 s;
 * a DescribeTable answers in milliseconds, so 8 s is never too short for a real answer.
 */
export const MAX_ATTEMPTS = 4

/** How long one DynamoDB request may take; STS answers one small call, so it gets less. */
export const DYNAMODB_REQUEST_TIMEOUT_MS = 8000
export const STS_REQUEST_TIMEOUT_MS = 5000
/** GetCallerIdentity is read-only and cheap: one retry is enough before saying why it failed. */
export const STS_MAX_ATTEMPTS = 2
/** KMS DescribeKey (one read per run, resolving --kms-key): bounded like STS, a little more patient. */
export const KMS_REQUEST_TIMEOUT_MS = 5000
export const KMS_MAX_ATTEMPTS = 3

/** The SDK logs to the console by default; everything it would say reaches the user as an error. */
export const SILENT_LOGGER = {
  debug() {}, error() {}, info() {}, trace() {}, warn() {},
}

/**
 * The HTTP handler's bounds. Without throwOnRequestTimeout the SDK only warns on the console
 * when requestTimeout passes, and goes on waiting for ever.
 */
export function boundedRequests(requestTimeout: number) {
  return {
    connectionTimeout: 5000, logger: SILENT_LOGGER, requestTimeout, throwOnRequestTimeout: true,
  }
}

/** What a failed attempt was, in the SDK retry strategy's terms. */
export type RetryErrorType = 'THROTTLING' | 'TRANSIENT'

/** The pauses between attempts of one call: the next pause in ms, or undefined when attempts are spent. */
export interface RetrySchedule {
  nextDelay(errorType: RetryErrorType): Promise<number | undefined>
}

/**
 * The SDK's standard retry strategy (its backoff, jitter and retry quota) with MAX_ATTEMPTS, for a
 * call that must be resent by hand (CreateTable, UpdateTable: read the table before resending).
 * Loaded where used: --help and input errors never load it.
 */
export async function standardRetrySchedule(): Promise<RetrySchedule> {
  const {StandardRetryStrategy} = smithyRetry()
  const strategy = new StandardRetryStrategy(MAX_ATTEMPTS)
  let token = await strategy.acquireInitialRetryToken('sentinel')
  return {
    async nextDelay(errorType) {
      try {
        token = await strategy.refreshRetryTokenForRetry(token, {errorType})
      } catch {
        return undefined
      }

      return token.getRetryDelay()
    },
  }
}

/**
 * Remembers (redact.ts) every credential the client's SDK resolved, from whichever provider (the
 * environment, a credentials file, SSO, a role), once a request is signed: an endpoint may echo a
 * session token in its error message, and no secret is ever printed. The provider is memoised, so
 * asking it again costs nothing.
 */
export function redactResolvedCredentials<I extends object, O extends object>(client: {
  config: object
  middlewareStack: MiddlewareStack<I, O>
}): void {
  const middleware: DeserializeMiddleware<I, O> = next => async args => {
    const provider = (client.config as {credentials?: unknown}).credentials
    if (typeof provider === 'function') {
      const resolved = await (provider as () => Promise<AwsCredentialIdentity>)().catch(() => undefined)
      rememberSecrets(resolved?.accessKeyId, resolved?.secretAccessKey, resolved?.sessionToken)
    }

    return next(args)
  }

  client.middlewareStack.add(middleware, {name: 'sentinelRedactCredentials', step: 'deserialize'})
}
