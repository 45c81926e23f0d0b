/**
 * Turns what the AWS SDK throws into a SentinelError: a stable code, a one-line message naming
 * the action, the resource and the host really called, what to do about it, and the original
 * error kept as the cause. Errors are told apart by their type and name (and the SDK's own
 * retry classification, and whether the profile signs in with SSO), never by matching message text.
 */
import {SentinelError} from '../errors.js'
import {smithyRetry} from './sdk-modules.js'

export interface CallContext {
  /** e.g. dynamodb:CreateTable */
  action: string
  resource: string
  /** The host the SDK called (or would call), for messages. */
  endpoint: string
  /** The command a user reruns with --generate-iam. */
  iamHint?: string
  /** The profile in use signs in with AWS SSO (IAM Identity Center): its credential errors are SSO's. */
  ssoProfile?: boolean
}

/** What the SDK puts on its errors, and what Node puts on network errors. */
export interface SdkErrorShape {
  name?: string
  code?: string
  message?: string
  $fault?: 'client' | 'server'
  $metadata?: {attempts?: number; httpStatusCode?: number; requestId?: string}
  $retryable?: {throttling?: boolean}
}

/** Node's codes for a connection that failed or broke. */
const NETWORK_CODES = new Set([
  'EAI_AGAIN',
  'ECONNABORTED',
  'ECONNREFUSED',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EPIPE',
  'ETIMEDOUT',
])
const ACCESS_DENIED = new Set(['AccessDenied', 'AccessDeniedException', 'UnauthorizedOperation'])
const BAD_CREDENTIALS = new Set([
  'InvalidClientTokenId', 'InvalidSignatureException', 'SignatureDoesNotMatch', 'UnrecognizedClientException',
])
const EXPIRED = new Set(['ExpiredToken', 'ExpiredTokenException', 'RequestExpired'])

/**
 * The SDK's own throttling classifier (@smithy/core/retry: its throttling codes), loaded when an
 * error is first classified: by then the SDK client that threw it has loaded them, and --help,
 * input errors and --generate-iam never pay for them.
 */
type SdkError = Parameters<ReturnType<typeof smithyRetry>['isThrottlingError']>[0]

/** What any thrown value is read as by the SDK's classifiers. */
function asSdkError(error: unknown): SdkError {
  return (typeof error === 'object' && error !== null ? error : {}) as SdkError
}

export function awsErrorName(error: unknown): string {
  return (error as SdkErrorShape | undefined)?.name ?? 'Error'
}

/** A connection that failed, broke or timed out: the call may or may not have reached AWS. */
export function isNetworkError(error: unknown): boolean {
  const sdk = error as SdkErrorShape
  return NETWORK_CODES.has(sdk?.code ?? '') || NETWORK_CODES.has(sdk?.name ?? '') || sdk?.name === 'TimeoutError'
}

/**
 * DynamoDB's LimitExceededException (too many control-plane operations at once): the SDK counts it
 * as throttling, but it is a limit of its own, ridden out differently (LIMIT_EXCEEDED).
 */
export function isLimitExceeded(error: unknown): boolean {
  return awsErrorName(error) === 'LimitExceededException'
}

/**
 * Throttled, as the SDK classifies it (isThrottlingError: its throttling error codes, HTTP 429, a
 * throttling retry trait), except the limit that has a row of its own (isLimitExceeded).
 */
export function isThrottled(error: unknown): boolean {
  return !isLimitExceeded(error) && smithyRetry().isThrottlingError(asSdkError(error))
}

/**
 * Throttling, a server error or a lost connection: worth another try. Only throttling is the SDK's
 * classification; its isTransientError/isServerError would also retry clock skew, an expired
 * signature, HTTP 408 and AccessDenied after a skew correction, which are not worth resending.
 */
export function isRetryable(error: unknown): boolean {
  const sdk = error as SdkErrorShape
  const status = sdk?.$metadata?.httpStatusCode ?? 0
  return isThrottled(error) || Boolean(sdk?.$retryable) || sdk?.$fault === 'server' || status >= 500 ||
    isNetworkError(error)
}

/** The SDK could not get credentials (or an SSO token): nothing was sent. */
export function isCredentialsError(error: unknown): boolean {
  const name = awsErrorName(error)
  return name === 'CredentialsProviderError' || name === 'TokenProviderError'
}

export function classifyCredentialsError(error: unknown, context?: CallContext): SentinelError | undefined {
  if (!isCredentialsError(error)) return undefined
  const name = awsErrorName(error)
  // Said of the run, not of the call that met it first: concurrent reads race, and the same missing
  // credentials would name another call on every run. Without credentials no request is signed.
  const blocked = context ? ', so nothing was sent to AWS' : ''
  // Only SSO token providers throw TokenProviderError; for an SSO profile the SDK's credential chain
  // ends in the SSO provider, so its CredentialsProviderError is SSO's too.
  if (name === 'TokenProviderError' || context?.ssoProfile) {
    return new SentinelError('SSO_EXPIRED', `Your AWS SSO session has expired or was never started${blocked}.`, {
      cause: error,
      suggestion: 'Run aws sso login (with --profile if you use one), then rerun.',
    })
  }

  return new SentinelError('NO_CREDENTIALS', `No AWS credentials were found${blocked}.`, {
    cause: error,
    suggestion: 'Set AWS_PROFILE or --aws-profile, run aws configure or aws sso login, or export ' +
      'AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY; or try --local.',
  })
}

/** THROTTLED: the call was still throttled after `attempts` tries (the SDK's, or the policy's resends). */
export function throttledError(
  call: Pick<CallContext, 'action' | 'resource'>,
  attempts: 'several' | number,
  cause: unknown,
): SentinelError {
  const times = `${attempts} ${attempts === 1 ? 'attempt' : 'attempts'}`
  return new SentinelError('THROTTLED', `AWS kept throttling ${call.action} on ${call.resource} after ${times}.`, {
    cause,
    suggestion: 'Wait a minute and rerun; the rerun continues where this one stopped.',
  })
}

export function classifyAwsError(error: unknown, context: CallContext): SentinelError {
  if (error instanceof SentinelError) return error
  const classified = classify(error, context)
  const sdk = error as SdkErrorShape
  classified.aws = {
    call: {action: context.action, resource: context.resource},
    name: awsErrorName(error),
    requestId: sdk?.$metadata?.requestId,
    retryable: isRetryable(error),
  }
  return classified
}

function classify(error: unknown, context: CallContext): SentinelError {
  const sdk = error as SdkErrorShape
  const name = awsErrorName(error)
  const credentials = classifyCredentialsError(error, context)
  if (credentials) return credentials
  const options = {cause: error}

  if (ACCESS_DENIED.has(name)) {
    const hint = context.iamHint ?? 'sentinel init:all --generate-iam'
    return new SentinelError('ACCESS_DENIED', `Access denied: ${context.action} on ${context.resource}.`, {
      ...options,
      suggestion: `Grant it to your identity; ${hint} prints the policy this CLI needs. ` +
        'A rerun with the permission continues.',
    })
  }

  if (BAD_CREDENTIALS.has(name)) {
    const message = `AWS rejected the credentials (${name}) calling ${context.action}.`
    return new SentinelError('INVALID_CREDENTIALS', message, {
      ...options,
      suggestion: 'Check the access key and secret of your profile or environment, ' +
        'or refresh them (aws sso login / aws configure).',
    })
  }

  if (EXPIRED.has(name)) {
    const message = `Your AWS session credentials have expired (calling ${context.action}).`
    return new SentinelError('EXPIRED_CREDENTIALS', message, {
      ...options,
      suggestion: 'Refresh them (aws sso login, or assume the role again), then rerun.',
    })
  }

  if (isThrottled(error)) return throttledError(context, sdk.$metadata?.attempts ?? 'several', error)

  if (name === 'LimitExceededException') {
    const message = `DynamoDB limit exceeded on ${context.action}: ${oneLine(sdk.message)}`
    return new SentinelError('LIMIT_EXCEEDED', message, {
      ...options,
      suggestion: 'Too many table or index operations are in progress in this account and region: wait for them to ' +
        'finish, or ask AWS to raise the quota, then rerun.',
    })
  }

  if (isNetworkError(error)) {
    const why = name === 'TimeoutError' ? 'no answer in time' : sdk.code ?? name
    const message = `Cannot reach ${context.endpoint} (${why}) calling ${context.action}.`
    return new SentinelError('ENDPOINT_UNREACHABLE', message, {
      ...options,
      suggestion: 'Check the network, the region and the endpoint (is the server running and answering?), then rerun.',
    })
  }

  const status = sdk?.$metadata?.httpStatusCode
  const detail = `${name}${status ? ` (HTTP ${status})` : ''}: ${oneLine(sdk?.message ?? String(error))}`
  return new SentinelError('AWS_ERROR', `${context.action} on ${context.resource} failed: ${detail}`, {
    ...options,
    suggestion: isRetryable(error)
      ? 'AWS had a server error; rerun, it continues where this run stopped.'
      : 'Fix the cause above, then rerun.',
  })
}

function oneLine(text: string | undefined): string {
  return (text ?? '').replaceAll(/\s+/g, ' ').trim()
}
