import {SentinelError} from '../errors.js'
/**
 * The customer-managed key behind --kms-key, from KMS DescribeKey: an alias names a key only in
 * KMS, so comparing a table's key ARN with an alias needs this one read, and a key's state
 * (KeyMetadata.KeyState: Disabled, PendingDeletion...) decides whether DynamoDB can keep using it.
 * The client is the SDK's own, so its endpoint follows the SDK's rules for KMS
 * (AWS_ENDPOINT_URL_KMS, AWS_ENDPOINT_URL, the profile's services section or endpoint_url), never
 * the DynamoDB endpoint override.
 */
import {type Connection, serviceConfiguredEndpoint} from './connection.js'
import {classifyAwsError} from './errors.js'
import {partitionOf} from './partitions.js'
import {
  boundedRequests, KMS_MAX_ATTEMPTS, KMS_REQUEST_TIMEOUT_MS, redactResolvedCredentials, SILENT_LOGGER,
} from './request-policy.js'
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
    const {DescribeKeyCommand, KMSClient} = await import('@aws-sdk/client-kms')
    const client = new KMSClient({
      credentials: connection.credentials,
      logger: SILENT_LOGGER,
      maxAttempts: KMS_MAX_ATTEMPTS,
      profile: connection.profile,
      region: connection.region,
      requestHandler: boundedRequests(KMS_REQUEST_TIMEOUT_MS),
    })
    // KMS's endpoint as this client will resolve it: AWS_ENDPOINT_URL_KMS, AWS_ENDPOINT_URL, the profile.
    const configured = await serviceConfiguredEndpoint(client.config)().catch(() => undefined)
    // As for STS: an emulator's made-up credentials are never sent to AWS's KMS.
    if (connection.local || (connection.endpoint && isEmulatorEndpoint(connection.endpoint) && !configured)) {
      client.destroy()
      throw new SentinelError('UNSUPPORTED_OPERATION', 'KMS is not called for an emulator endpoint.', {
        suggestion: 'Set AWS_ENDPOINT_URL_KMS to a KMS endpoint, or leave out --kms-key.',
      })
    }

    // The host the SDK really called (AWS_ENDPOINT_URL or a profile's services section may send it
    // elsewhere than AWS_ENDPOINT_URL_KMS or KMS's regional endpoint), so that an error names it.
    let endpoint = configured ?? `kms.${connection.region}.${partitionOf(connection.region).dnsSuffix}`
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
    try {
      const {KeyMetadata} = await client.send(new DescribeKeyCommand({KeyId: keyId}))
      if (!KeyMetadata?.Arn) throw new Error(`KMS DescribeKey gave no ARN for ${keyId}`)
      return {
        arn: KeyMetadata.Arn,
        ...(KeyMetadata.KeyState ? {state: KeyMetadata.KeyState} : {}),
        ...(KeyMetadata.CustomKeyStoreId ? {customKeyStoreId: KeyMetadata.CustomKeyStoreId} : {}),
      }
    } catch (error) {
      const classified = classifyAwsError(error, {action: 'kms:DescribeKey', endpoint, resource: keyId})
      if (classified.code !== 'ENDPOINT_UNREACHABLE') throw classified
      // Not a permission: KMS's endpoint is not reachable from here (often a VPC without a KMS endpoint).
      throw new SentinelError('ENDPOINT_UNREACHABLE', classified.message, {
        cause: error,
        suggestion: `Check the network to ${endpoint}, or set AWS_ENDPOINT_URL_KMS to a KMS endpoint this ` +
          'machine can reach (such as a VPC endpoint for KMS); then rerun.',
      })
    } finally {
      client.destroy()
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
    const region = keyArn.split(':')[3] || connection.region
    const {GetKeyPolicyCommand, KMSClient} = await import('@aws-sdk/client-kms')
    const client = new KMSClient({
      credentials: connection.credentials,
      logger: SILENT_LOGGER,
      maxAttempts: KMS_MAX_ATTEMPTS,
      profile: connection.profile,
      region,
      requestHandler: boundedRequests(KMS_REQUEST_TIMEOUT_MS),
    })
    redactResolvedCredentials(client)
    try {
      const {Policy} = await client.send(new GetKeyPolicyCommand({KeyId: keyArn, PolicyName: 'default'}))
      if (!Policy) throw new Error(`KMS GetKeyPolicy gave no policy for ${keyArn}`)
      return Policy
    } catch (error) {
      const endpoint = process.env.AWS_ENDPOINT_URL_KMS
        ? 'the KMS endpoint of AWS_ENDPOINT_URL_KMS'
        : `kms.${region}.${partitionOf(region).dnsSuffix}`
      throw classifyAwsError(error, {action: 'kms:GetKeyPolicy', endpoint, resource: keyArn})
    } finally {
      client.destroy()
    }
  }
}
