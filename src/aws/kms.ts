/**
 * The customer-managed key behind --kms-key, from KMS DescribeKey: an alias names a key only in
 * KMS, so comparing a table's key ARN with an alias needs this one read. The client is the SDK's
 * own, so its endpoint follows the SDK's rules for KMS (AWS_ENDPOINT_URL_KMS, AWS_ENDPOINT_URL, the
 * profile's services section or endpoint_url), never the DynamoDB endpoint override.
 */
import type {Connection} from './connection.js'

import {classifyAwsError} from './errors.js'
import {partitionOf} from './partitions.js'
import {
  boundedRequests, KMS_MAX_ATTEMPTS, KMS_REQUEST_TIMEOUT_MS, SILENT_LOGGER,
} from './request-policy.js'

/** The typed port to KMS: a key ID, key ARN, alias name or alias ARN in, the key's ARN out. */
export type KeyResolver = (keyId: string) => Promise<string>

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
    try {
      const {KeyMetadata} = await client.send(new DescribeKeyCommand({KeyId: keyId}))
      if (!KeyMetadata?.Arn) throw new Error(`KMS DescribeKey gave no ARN for ${keyId}`)
      return KeyMetadata.Arn
    } catch (error) {
      const endpoint = process.env.AWS_ENDPOINT_URL_KMS
        ?? `kms.${connection.region}.${partitionOf(connection.region).dnsSuffix}`
      throw classifyAwsError(error, {action: 'kms:DescribeKey', endpoint, resource: keyId})
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
