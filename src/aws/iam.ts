/**
 * IAM's policy simulator for a role (SimulatePrincipalPolicy), behind a typed port the role check
 * (iam/role-check.ts) pages through and a test fake replaces. The client is the SDK's own: its
 * endpoint is the partition's IAM endpoint (iam.amazonaws.com, iam.cn-north-1.amazonaws.com.cn…) as
 * the SDK's rules resolve it for the run's region, or AWS_ENDPOINT_URL_IAM / AWS_ENDPOINT_URL / the
 * profile's services section, as for every other service. IAM throttles ("Rate exceeded"): the
 * SDK's standard retry strategy rides it out within IAM_MAX_ATTEMPTS; past that the caller is told.
 */
import type {
  IAMClientConfig, SimulatePrincipalPolicyCommandInput, SimulatePrincipalPolicyCommandOutput,
} from '@aws-sdk/client-iam'

import {
  type Connection, serviceConfiguredEndpoint, withAwsProfile, withoutCredentials,
} from './connection.js'
import {classifyAwsError} from './errors.js'
import {partitionOf} from './partitions.js'
import {boundedRequests, redactResolvedCredentials, SILENT_LOGGER} from './request-policy.js'
import {iamSdk} from './sdk-modules.js'

/** The typed port to IAM: one page of SimulatePrincipalPolicy per call. */
export interface IamPort {
  simulatePrincipalPolicy(input: SimulatePrincipalPolicyCommandInput): Promise<SimulatePrincipalPolicyCommandOutput>
  /** The IAM endpoint configured outside the CLI (env, profile), if any; none: the partition's own. */
  configuredEndpoint?(): Promise<string | undefined>
  /** Releases sockets. */
  destroy(): void
}

/**
 * IAM throttles per account: five attempts (the SDK's backoff for throttling: about 0.5, 1, 2, 4 s)
 * ride out a burst; a simulation answers in well under a second, so 8 s per attempt is never short.
 */
export const IAM_MAX_ATTEMPTS = 5
export const IAM_REQUEST_TIMEOUT_MS = 8000

/** IAM's host in the region's partition, for messages (the SDK chooses the one it calls). */
export function iamHost(region: string): string {
  const {dnsSuffix, implicitGlobalRegion, name} = partitionOf(region)
  return name === 'aws' ? `iam.${dnsSuffix}` : `iam.${implicitGlobalRegion}.${dnsSuffix}`
}

export function iamClientConfig(connection: Connection): IAMClientConfig {
  return {
    credentials: connection.credentials,
    logger: SILENT_LOGGER,
    maxAttempts: IAM_MAX_ATTEMPTS,
    profile: connection.profile,
    region: connection.region,
    requestHandler: boundedRequests(IAM_REQUEST_TIMEOUT_MS),
    retryMode: 'standard',
  }
}

export interface IamAdapterOptions {
  /** One line per call, for SENTINEL_DEBUG. */
  debug?: (line: string) => void
}

export function createIamAdapter(connection: Connection, options: IamAdapterOptions = {}): IamPort {
  type Opened = {
    send: (input: SimulatePrincipalPolicyCommandInput) => Promise<SimulatePrincipalPolicyCommandOutput>
    destroy: () => void
  }
  let client: Promise<Opened> | undefined
  let configured: string | undefined
  /** Where the calls go, for messages: the partition's IAM host, or the configured endpoint without credentials. */
  let endpointName = iamHost(connection.region)
  // Imported on the first call: init status without role flags never loads the IAM client.
  const open = () => {
    client ??= Promise.resolve().then(iamSdk).then(async ({IAMClient, SimulatePrincipalPolicyCommand}) => {
      const config = iamClientConfig(connection)
      const probe = new IAMClient(config)
      // The SDK reads the configured endpoint (AWS_ENDPOINT_URL_IAM, AWS_ENDPOINT_URL, the profile's services
      // section or endpoint_url) of the profile AWS_PROFILE names: read here for --aws-profile's, as for DynamoDB.
      configured = await withAwsProfile(connection.profile, serviceConfiguredEndpoint(probe.config))
      .finally(() => probe.destroy())
      if (configured) endpointName = withoutCredentials(configured)
      const sdk = new IAMClient(configured
        ? {...config, endpoint: configured, ignoreConfiguredEndpointUrls: true}
        : config)
      // A role_arn profile gives this client its own session token: redacted like every other client's.
      redactResolvedCredentials(sdk)
      return {
        destroy: () => sdk.destroy(),
        send: (input: SimulatePrincipalPolicyCommandInput) => sdk.send(new SimulatePrincipalPolicyCommand(input)),
      }
    })
    return client
  }

  return {
    async configuredEndpoint() {
      await open()
      return configured
    },
    destroy() {
      client?.then(opened => opened.destroy(), () => {})
    },
    async simulatePrincipalPolicy(input) {
      const started = Date.now()
      const role = input.PolicySourceArn ?? ''
      try {
        const output = await (await open()).send(input)
        options.debug?.(`SimulatePrincipalPolicy ${role} ok ${Date.now() - started}ms`)
        return output
      } catch (error) {
        options.debug?.(`SimulatePrincipalPolicy ${role} ${(error as Error).name} ${Date.now() - started}ms`)
        throw classifyAwsError(error, {
          action: 'iam:SimulatePrincipalPolicy',
          endpoint: endpointName,
          resource: role,
        })
      }
    },
  }
}
