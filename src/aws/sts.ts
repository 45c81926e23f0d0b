/** The account behind the credentials, from STS GetCallerIdentity (which needs no permission). */
import type {STSClientConfig} from '@aws-sdk/client-sts'

import {SentinelError} from '../errors.js'
import {type Connection, profileUsesSso} from './connection.js'
import {classifyAwsError, isCredentialsError} from './errors.js'
import {partitionOf} from './partitions.js'
import {
  boundedRequests, redactResolvedCredentials, SILENT_LOGGER, STS_MAX_ATTEMPTS, STS_REQUEST_TIMEOUT_MS,
} from './request-policy.js'
import {stsSdk} from './sdk-modules.js'

/** The typed port to STS: the one call this CLI makes. */
export type AccountLookup = (connection: Connection) => Promise<string>

/**
 * An endpoint on this machine (loopback) or a bare host name (a container's service name, such as
 * dynamodb-local): an emulator. A VPC or FIPS endpoint, or any other full host name, is AWS.
 */
export function isEmulatorEndpoint(endpoint: string): boolean {
  const host = new URL(endpoint).hostname.replaceAll(/^\[|\]$/g, '')
  const bareName = !host.includes('.') && !host.includes(':')
  return host === 'localhost' || host.endsWith('.localhost') || /^127\./.test(host) || host === '::1'
    || host === '0.0.0.0' || bareName
}

/**
 * The STS client's configuration: AWS_ENDPOINT_URL_STS, else STS's regional endpoint. The SDK's own
 * configured-endpoint lookup is off: it reads the profile AWS_PROFILE names even when --aws-profile
 * names another, and a profile's endpoint_url (meant for DynamoDB) would take STS there too.
 */
export function stsClientConfig(connection: Connection, stsEndpoint: string | undefined): STSClientConfig {
  return {
    credentials: connection.credentials,
    endpoint: stsEndpoint,
    ignoreConfiguredEndpointUrls: true,
    logger: SILENT_LOGGER,
    maxAttempts: STS_MAX_ATTEMPTS,
    profile: connection.profile,
    region: connection.region,
    requestHandler: boundedRequests(STS_REQUEST_TIMEOUT_MS),
  }
}

/**
 * The account for ARNs and the target. Looked up for AWS, also behind an endpoint override (a VPC
 * or FIPS endpoint is real AWS); not for an emulator, unless AWS_ENDPOINT_URL_STS says where.
 */
export const lookupAccount: AccountLookup = async connection => {
  if (connection.local) return '000000000000'
  const stsEndpoint = process.env.AWS_ENDPOINT_URL_STS || undefined
  if (connection.endpoint && isEmulatorEndpoint(connection.endpoint) && !stsEndpoint) {
    throw new SentinelError('UNSUPPORTED_OPERATION', 'STS is not called for an emulator endpoint.', {
      suggestion: 'Pass --account-id (or set AWS_ENDPOINT_URL_STS).',
    })
  }

  const {GetCallerIdentityCommand, STSClient} = stsSdk()
  const client = new STSClient(stsClientConfig(connection, stsEndpoint))
  redactResolvedCredentials(client)
  try {
    const identity = await client.send(new GetCallerIdentityCommand({}))
    return identity.Account ?? '*'
  } catch (error) {
    const endpoint = stsEndpoint ?? `sts.${connection.region}.${partitionOf(connection.region).dnsSuffix}`
    const ssoProfile = isCredentialsError(error) && await profileUsesSso(connection.profile)
    throw classifyAwsError(error, {
      action: 'sts:GetCallerIdentity', endpoint, resource: '*', ssoProfile,
    })
  } finally {
    client.destroy()
  }
}
