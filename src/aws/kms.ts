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
  boundedRequests, KMS_MAX_ATTEMPTS, KMS_REQUEST_TIMEOUT_MS, redactResolvedCredentials, SILENT_LOGGER,
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
    redactResolvedCredentials(client)
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
