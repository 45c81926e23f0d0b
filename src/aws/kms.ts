/**
 * The customer-managed key behind --kms-key, from KMS DescribeKey: an alias names a key only in
 * KMS, so comparing a table's key ARN with an alias needs this one read, and a key's state
 * (KeyMetadata.KeyState: Disabled, PendingDeletion...) decides whether DynamoDB can keep using it.
 * The client is the SDK's own, so its endpoint follows the SDK's rules for KMS
 * (AWS_ENDPOINT_URL_KMS, AWS_ENDPOINT_URL, the profile's services section or endpoint_url), never
 * the DynamoDB endpoint override.
 */
import {SentinelError} from '../errors.js'
import {parseArn} from './arn.js'
import {
  type Connection, serviceConfiguredEndpoint, withAwsProfile, withoutCredentials,
} from './connection.js'
import {classifyAwsError} from './errors.js'
import {partitionOf} from './partitions.js'
import {
  boundedRequests, KMS_MAX_ATTEMPTS, KMS_REQUEST_TIMEOUT_MS, redactResolvedCredentials, SILENT_LOGGER,
} from './request-policy.js'
import {kmsSdk} from './sdk-modules.js'
import {isEmulatorEndpoint} from './sts.js'

/** What DescribeKey says about a key: its ARN and its state. */
export interface KeyDescription {
  arn: string
  /** KeyMetadata.KeyState: Enabled, Disabled, PendingDeletion, PendingImport, Unavailable... */
  state?: string
  /** KeyMetadata.CustomKeyStoreId: the custom key store an Unavailable key waits on. */
  customKeyStoreId?: string
}

/** The typed port to KMS: a key ID, key ARN, alias name or alias ARN in, the key's ARN and state out. */
export type KeyResolver = (keyId: string) => Promise<KeyDescription>

export function kmsKeyResolver(connection: Connection): KeyResolver {
  return async keyId => {
    const {DescribeKeyCommand} = kmsSdk()
    const kms = await kmsClient(connection, connection.region)
    try {
      const {KeyMetadata} = await kms.client.send(new DescribeKeyCommand({KeyId: keyId}))
      if (!KeyMetadata?.Arn) throw new Error(`KMS DescribeKey gave no ARN for ${keyId}`)
      return {
        arn: KeyMetadata.Arn,
        ...(KeyMetadata.KeyState ? {state: KeyMetadata.KeyState} : {}),
        ...(KeyMetadata.CustomKeyStoreId ? {customKeyStoreId: KeyMetadata.CustomKeyStoreId} : {}),
      }
    } catch (error) {
      throw kms.failure(error, 'kms:DescribeKey', keyId)
    } finally {
      kms.client.destroy()
    }
  }
}

/** The typed port to a key's policy: the key's ARN in, its key policy (`default`, the only one) as JSON text out. */
export type KeyPolicyReader = (keyArn: string) => Promise<string>

/**
 * kms:GetKeyPolicy, in the key's own region (the ARN names it): the role check evaluates the key
 * policy, which IAM's simulator does not weigh for a role.
 */
export function kmsKeyPolicyReader(connection: Connection): KeyPolicyReader {
  return async keyArn => {
    const {GetKeyPolicyCommand} = kmsSdk()
    const kms = await kmsClient(connection, parseArn(keyArn)?.region || connection.region)
    try {
      const {Policy} = await kms.client.send(new GetKeyPolicyCommand({KeyId: keyArn, PolicyName: 'default'}))
      if (!Policy) throw new Error(`KMS GetKeyPolicy gave no policy for ${keyArn}`)
      return Policy
    } catch (error) {
      throw kms.failure(error, 'kms:GetKeyPolicy', keyArn)
    } finally {
      kms.client.destroy()
    }
  }
}

/**
 * One KMS client for a region, as every KMS call needs it: the endpoint configured for --aws-profile's
 * profile (the SDK would read AWS_PROFILE's), never AWS's KMS for an emulator, the credentials it
 * resolves redacted, and errors naming the host it really called.
 */
async function kmsClient(connection: Connection, region: string) {
  const {KMSClient} = kmsSdk()
  const config = {
    credentials: connection.credentials,
    logger: SILENT_LOGGER,
    maxAttempts: KMS_MAX_ATTEMPTS,
    profile: connection.profile,
    region,
    requestHandler: boundedRequests(KMS_REQUEST_TIMEOUT_MS),
  }
  const probe = new KMSClient(config)
  // KMS's endpoint as configured: AWS_ENDPOINT_URL_KMS, AWS_ENDPOINT_URL, the profile's.
  const configured = await withAwsProfile(connection.profile, serviceConfiguredEndpoint(probe.config))
  .catch(() => undefined)
  .finally(() => probe.destroy())
  // As for STS: an emulator's made-up credentials are never sent to AWS's KMS.
  if (connection.local || (connection.endpoint && isEmulatorEndpoint(connection.endpoint) && !configured)) {
    throw new SentinelError('UNSUPPORTED_OPERATION', 'KMS is not called for an emulator endpoint.', {
      suggestion: 'Set AWS_ENDPOINT_URL_KMS to a KMS endpoint, or leave out --kms-key.',
    })
  }

  const client = new KMSClient(configured
    ? {...config, endpoint: configured, ignoreConfiguredEndpointUrls: true}
    : config)
  // The host the SDK really called (a FIPS or dual-stack endpoint, say), so that an error names it.
  let endpoint = configured ?? `kms.${region}.${partitionOf(region).dnsSuffix}`
  client.middlewareStack.add(
    next => async args => {
      const request = args.request as {hostname?: string; port?: number; protocol?: string}
      if (request.hostname) {
        const host = `${request.hostname}${request.port ? `:${request.port}` : ''}`
        endpoint = request.protocol === 'http:' ? `http://${host}` : host
      }

      return next(args)
    },
    {name: 'sentinelRecordKmsHost', step: 'finalizeRequest'},
  )
  redactResolvedCredentials(client)
  return {
    client,
    /** The error for a failed call: unreachable KMS is the network's, not a permission. */
    failure(error: unknown, action: string, resource: string): SentinelError {
      const classified = classifyAwsError(error, {action, endpoint: withoutCredentials(endpoint), resource})
      if (classified.code !== 'ENDPOINT_UNREACHABLE') return classified
      // Not a permission: KMS's endpoint is not reachable from here (often a VPC without a KMS endpoint).
      return new SentinelError('ENDPOINT_UNREACHABLE', classified.message, {
        cause: error,
        suggestion: `Check the network to ${withoutCredentials(endpoint)}, or set AWS_ENDPOINT_URL_KMS to a KMS ` +
          'endpoint this machine can reach (such as a VPC endpoint for KMS); then rerun.',
      })
    },
  }
}
