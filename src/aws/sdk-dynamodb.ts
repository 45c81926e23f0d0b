/**
 * The DynamoDB port implemented with the AWS SDK v3. Every call is bounded (connection and
 * request timeouts, a fixed number of attempts), retried by the SDK's standard retry strategy
 * where a retry is safe, classified into a SentinelError that names the host really called, and
 * logged as one line under SENTINEL_DEBUG. The SDK's own logger is silenced: its warnings are
 * not something an operator can act on, and the error that follows says what happened.
 */
import type {
  DynamoDBClient, DynamoDBClientConfig, ServiceInputTypes, ServiceOutputTypes,
} from '@aws-sdk/client-dynamodb'
import type {FinalizeRequestMiddleware} from '@smithy/types'

import type {DynamoDbPort, PortOperation} from './dynamodb-port.js'

import {type Connection, profileUsesSso} from './connection.js'
import {PORT_ACTIONS} from './dynamodb-port.js'
import {awsErrorName, classifyAwsError, isCredentialsError} from './errors.js'
import {dynamoDbHost} from './partitions.js'
import {
  boundedRequests, DYNAMODB_REQUEST_TIMEOUT_MS, MAX_ATTEMPTS, redactResolvedCredentials, SILENT_LOGGER,
} from './request-policy.js'
import {dynamoDbSdk} from './sdk-modules.js'

export interface AdapterOptions {
  /** One line per call, for SENTINEL_DEBUG. */
  debug?: (line: string) => void
  /** Names the command for AccessDenied hints. */
  iamHint?: string
  /** Told once a request has had no answer for SILENCE_MS: the endpoint is quiet, the CLI still waits. */
  onSilence?: (line: string) => void
  /**
   * A replica's region: its errors name the region beside the table ("on sentinel-sessions in
   * eu-west-1"), since the same table name is read in several regions and a failure in one must not
   * read as the table's own.
   */
  nameRegionInErrors?: boolean
}

/** After this long without an answer, the operator is told that the CLI is still waiting, and retrying. */
export const SILENCE_MS = 3000

const tableNameOf = (input: {TableName?: string}) => input.TableName ?? ''
const resourceArnOf = (input: {ResourceArn?: string}) => input.ResourceArn ?? ''

/**
 * The DynamoDB clients' configuration. The endpoint is connection.endpoint, resolved once before any
 * call (--aws-profile over AWS_PROFILE), or none: the SDK's own configured-endpoint lookup is off,
 * since it reads the profile AWS_PROFILE names even when --aws-profile names another.
 */
export function dynamoDbClientConfig(connection: Connection): DynamoDBClientConfig {
  return {
    credentials: connection.credentials,
    endpoint: connection.endpoint,
    ignoreConfiguredEndpointUrls: true,
    logger: SILENT_LOGGER,
    profile: connection.profile,
    region: connection.region,
    requestHandler: boundedRequests(DYNAMODB_REQUEST_TIMEOUT_MS),
    retryMode: 'standard',
  }
}

export async function createDynamoDbAdapter(
  connection: Connection,
  options: AdapterOptions = {},
): Promise<DynamoDbPort> {
  const sdk = dynamoDbSdk()
  const config = dynamoDbClientConfig(connection)
  const retrying = new sdk.DynamoDBClient({...config, maxAttempts: MAX_ATTEMPTS})
  // CreateTable and UpdateTable go out once: the provisioning service reads before any resend.
  const once = new sdk.DynamoDBClient({...config, maxAttempts: 1})
  const state = {host: connection.endpoint ?? dynamoDbHost(connection.region)}
  for (const client of [retrying, once]) {
    recordHost(client, state)
    redactResolvedCredentials(client)
  }

  if (options.onSilence) {
    watchSilence(retrying, state, MAX_ATTEMPTS, options.onSilence)
    watchSilence(once, state, 1, options.onSilence)
  }

  const call = async <T>(operation: PortOperation, named: string, send: () => Promise<T>): Promise<T> => {
    // An ARN names its region already.
    const inRegion = options.nameRegionInErrors && !named.startsWith('arn:')
    const resource = inRegion ? `${named} in ${connection.region}` : named
    const started = Date.now()
    try {
      const output = await send()
      options.debug?.(`${PORT_ACTIONS[operation]} ${resource} ok ${Date.now() - started}ms (${state.host})`)
      return output
    } catch (error) {
      const requestId = (error as {$metadata?: {requestId?: string}}).$metadata?.requestId
      const requestNote = requestId ? ` request ${requestId}` : ''
      options.debug?.(`${PORT_ACTIONS[operation]} ${resource} ${awsErrorName(error)}${requestNote} `
        + `${Date.now() - started}ms (${state.host})`)
      throw classifyAwsError(error, {
        action: `dynamodb:${PORT_ACTIONS[operation]}`,
        endpoint: state.host,
        iamHint: options.iamHint,
        resource,
        ssoProfile: isCredentialsError(error) && await profileUsesSso(connection.profile),
      })
    }
  }

  return {
    createTable: input => call('createTable', tableNameOf(input), () => once.send(new sdk.CreateTableCommand(input))),
    describeContinuousBackups: input => call(
      'describeContinuousBackups',
      tableNameOf(input),
      () => retrying.send(new sdk.DescribeContinuousBackupsCommand(input)),
    ),
    describeTable: input => call(
      'describeTable',
      tableNameOf(input),
      () => retrying.send(new sdk.DescribeTableCommand(input)),
    ),
    describeTimeToLive: input => call(
      'describeTimeToLive',
      tableNameOf(input),
      () => retrying.send(new sdk.DescribeTimeToLiveCommand(input)),
    ),
    destroy() {
      retrying.destroy()
      once.destroy()
    },
    get endpointName() {
      return state.host
    },
    endpointOverride: Boolean(connection.endpoint),
    getResourcePolicy: input => call(
      'getResourcePolicy',
      resourceArnOf(input),
      () => retrying.send(new sdk.GetResourcePolicyCommand(input)),
    ),
    listTagsOfResource: input => call(
      'listTagsOfResource',
      resourceArnOf(input),
      () => retrying.send(new sdk.ListTagsOfResourceCommand(input)),
    ),
    local: Boolean(connection.local),
    tagResource: input => call(
      'tagResource',
      resourceArnOf(input),
      () => retrying.send(new sdk.TagResourceCommand(input)),
    ),
    updateContinuousBackups: input => call(
      'updateContinuousBackups',
      tableNameOf(input),
      () => retrying.send(new sdk.UpdateContinuousBackupsCommand(input)),
    ),
    updateTable: input => call(
      'updateTable',
      tableNameOf(input),
      () => once.send(new sdk.UpdateTableCommand(input)),
    ),
    updateTimeToLive: input => call(
      'updateTimeToLive',
      tableNameOf(input),
      () => retrying.send(new sdk.UpdateTimeToLiveCommand(input)),
    ),
  }
}

/** Remembers the host each request really went to, so errors name it (….amazonaws.com.cn in China). */
function recordHost(client: DynamoDBClient, state: {host: string}): void {
  client.middlewareStack.add(
    next => async args => {
      const request = args.request as {hostname?: string; port?: number; protocol?: string}
      if (request.hostname) {
        const port = request.port ? `:${request.port}` : ''
        state.host = request.protocol === 'http:' ? `http://${request.hostname}${port}` : `${request.hostname}${port}`
      }

      return next(args)
    },
    {name: 'sentinelRecordHost', step: 'finalizeRequest'},
  )
}

/**
 * One line when an attempt has had no answer for SILENCE_MS, so a silent endpoint is not a still
 * spinner for half a minute: which call, which host, and which attempt of how many. Runs inside
 * the SDK's retry loop, once per attempt.
 */
function watchSilence(
  client: DynamoDBClient,
  state: {host: string},
  maxAttempts: number,
  say: (line: string) => void,
): void {
  // Calls made together (init:all reads four tables at once) go quiet together: said once per attempt.
  const said = {at: 0, attempt: 0}
  type Middleware = FinalizeRequestMiddleware<ServiceInputTypes, ServiceOutputTypes>
  const middleware: Middleware = (next, context) => async args => {
    const counted = context as {sentinelAttempt?: number}
    const attempt = (counted.sentinelAttempt ?? 0) + 1
    counted.sentinelAttempt = attempt
    const input = args.input as {ResourceArn?: string; TableName?: string}
    const call = [context.commandName?.replace(/Command$/, ''), input.TableName ?? input.ResourceArn]
    .filter(Boolean).join(' ')
    const then = attempt < maxAttempts ? 'then retrying' : 'then giving up'
    const timer = setTimeout(() => {
      if (said.attempt === attempt && Date.now() - said.at < DYNAMODB_REQUEST_TIMEOUT_MS) return
      Object.assign(said, {at: Date.now(), attempt})
      say(`No answer from ${state.host} yet (${call}, ${SILENCE_MS / 1000} s); waiting up to ` +
        `${DYNAMODB_REQUEST_TIMEOUT_MS / 1000} s, ${then} (attempt ${attempt} of ${maxAttempts})`)
    }, SILENCE_MS)
    timer.unref()
    try {
      return await next(args)
    } finally {
      clearTimeout(timer)
    }
  }

  client.middlewareStack.addRelativeTo(middleware, {
    name: 'sentinelSilence', relation: 'after', toMiddleware: 'retryMiddleware',
  })
}
