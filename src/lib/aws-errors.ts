/**
 * Turns what the AWS SDK throws into a SentinelError: a stable code, a one-line message naming
 * the action and resource, and what to do about it.
 */
import {SentinelError} from './errors.js'

export interface CallContext {
  /** e.g. dynamodb:CreateTable */
  action: string
  resource: string
  endpoint: string
  /** The command a user reruns with --generate-iam. */
  iamHint?: string
}

const NETWORK_CODES = new Set(['EAI_AGAIN', 'ECONNABORTED', 'ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EPIPE', 'ETIMEDOUT'])
const THROTTLING = new Set(['ProvisionedThroughputExceededException', 'RequestLimitExceeded', 'Throttling', 'ThrottlingException', 'TooManyRequestsException'])

interface SdkError {
  name?: string
  code?: string
  message?: string
  Code?: string
  $metadata?: {httpStatusCode?: number; attempts?: number}
  $fault?: string
}

export function awsErrorName(error: unknown): string {
  const sdk = error as SdkError
  return sdk?.name ?? sdk?.Code ?? 'Error'
}

export function classifyCredentialsError(error: unknown, context?: CallContext): SentinelError | undefined {
  const blocked = context ? ` (so ${context.action} on ${context.resource} was not called)` : ''
  const sdk = error as SdkError
  const message = sdk?.message ?? ''
  const name = awsErrorName(error)
  if (name !== 'CredentialsProviderError' && name !== 'TokenProviderError' && !/SSO|credentials|profile/i.test(message)) return undefined
  if (/sso/i.test(message) && /(expired|refresh|invalid)/i.test(message)) {
    return new SentinelError('SSO_EXPIRED', `Your AWS SSO session has expired${blocked}.`, {suggestion: 'Run aws sso login (with --profile if you use one), then rerun.'})
  }

  const profileMatch = /Profile (\S+) could not be found/i.exec(message)
  if (profileMatch) {
    return new SentinelError('UNKNOWN_PROFILE', `AWS profile ${profileMatch[1]} has no usable credentials configuration.`, {
      suggestion: 'Check the profile in ~/.aws/config, or pick another with --aws-profile.',
    })
  }

  if (name === 'CredentialsProviderError' || /Could not load credentials/i.test(message)) {
    return new SentinelError('NO_CREDENTIALS', `No AWS credentials were found${blocked}.`, {
      suggestion: 'Set AWS_PROFILE or --aws-profile, run aws configure or aws sso login, or export AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY; or try --local.',
    })
  }

  return undefined
}

export function classifyAwsError(error: unknown, context: CallContext): SentinelError {
  if (error instanceof SentinelError) return error
  const classified = classify(error, context)
  classified.awsName = awsErrorName(error)
  return classified
}

function classify(error: unknown, context: CallContext): SentinelError {
  const sdk = error as SdkError
  const name = awsErrorName(error)
  const message = (sdk?.message ?? String(error)).replaceAll(/\s+/g, ' ').trim()
  const credentials = classifyCredentialsError(error, context)
  if (credentials) return credentials

  if (name === 'AccessDeniedException' || name === 'AccessDenied' || name === 'UnauthorizedOperation') {
    return new SentinelError('ACCESS_DENIED', `Access denied: ${context.action} on ${context.resource}.`, {
      suggestion: `Grant it to your identity; ${context.iamHint ?? 'sentinel init:<table> --generate-iam'} prints the policy this CLI needs. A rerun with the permission continues.`,
    })
  }

  if (name === 'UnrecognizedClientException' || name === 'InvalidClientTokenId' || name === 'InvalidSignatureException' || name === 'SignatureDoesNotMatch') {
    return new SentinelError('INVALID_CREDENTIALS', `AWS rejected the credentials (${name}) calling ${context.action}.`, {
      suggestion: 'Check the access key and secret of your profile or environment, or refresh them (aws sso login / aws configure).',
    })
  }

  if (name === 'ExpiredTokenException' || name === 'ExpiredToken' || name === 'RequestExpired') {
    return new SentinelError('EXPIRED_CREDENTIALS', `Your AWS session credentials have expired (calling ${context.action}).`, {
      suggestion: 'Refresh them (aws sso login, or assume the role again), then rerun.',
    })
  }

  if (THROTTLING.has(name)) {
    return new SentinelError('THROTTLED', `AWS kept throttling ${context.action} on ${context.resource} after ${sdk.$metadata?.attempts ?? 'several'} attempts.`, {
      suggestion: 'Wait a minute and rerun; the rerun continues where this one stopped.',
    })
  }

  if (name === 'LimitExceededException') {
    return new SentinelError('LIMIT_EXCEEDED', `DynamoDB limit exceeded on ${context.action}: ${message}`, {
      suggestion: 'Too many table or index operations are in progress in this account and region: wait for them to finish, or ask AWS to raise the quota, then rerun.',
    })
  }

  const networkCode = sdk?.code && NETWORK_CODES.has(sdk.code) ? sdk.code : NETWORK_CODES.has(name) ? name : undefined
  if (networkCode || name === 'TimeoutError' || name === 'RequestTimeout' || /socket hang up|timed out|timeout/i.test(message)) {
    return new SentinelError('ENDPOINT_UNREACHABLE', `Cannot reach ${context.endpoint} (${networkCode ?? name}) calling ${context.action}.`, {
      suggestion: 'Check the network, the region and --endpoint-url (is the server running?), then rerun.',
    })
  }

  const status = sdk.$metadata?.httpStatusCode
  return new SentinelError('AWS_ERROR', `${context.action} on ${context.resource} failed: ${name}${status ? ` (HTTP ${status})` : ''}: ${message}`, {
    suggestion: sdk.$fault === 'server' ? 'AWS had a server error; rerun, it continues where this run stopped.' : 'Fix the cause above, then rerun.',
  })
}
