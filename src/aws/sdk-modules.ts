/**
 * The AWS SDK's modules, loaded only on the paths that use them. Each is CommonJS (a client's main
 * is dist-cjs with no exports map; @smithy/core's subpaths map `node` to dist-cjs): require() loads
 * the very module an import would, without the ESM loader translating it first (cjs-module-lexer
 * over the whole file), about 45 ms less CPU a run for DynamoDB's client on this project's machine.
 * Typed as the import would be.
 */
import {createRequire} from 'node:module'

type DynamoDbSdk = typeof import('@aws-sdk/client-dynamodb')
type IamSdk = typeof import('@aws-sdk/client-iam')
type KmsSdk = typeof import('@aws-sdk/client-kms')
type StsSdk = typeof import('@aws-sdk/client-sts')
type SmithyConfig = typeof import('@smithy/core/config')
type SmithyRetry = typeof import('@smithy/core/retry')

const require = createRequire(import.meta.url)

export const dynamoDbSdk = (): DynamoDbSdk => require('@aws-sdk/client-dynamodb') as DynamoDbSdk
export const iamSdk = (): IamSdk => require('@aws-sdk/client-iam') as IamSdk
export const kmsSdk = (): KmsSdk => require('@aws-sdk/client-kms') as KmsSdk
export const stsSdk = (): StsSdk => require('@aws-sdk/client-sts') as StsSdk
/** The shared config and credentials files' loader. */
export const smithyConfig = (): SmithyConfig => require('@smithy/core/config') as SmithyConfig
/** The retry strategies and the error classifiers (throttling codes). */
export const smithyRetry = (): SmithyRetry => require('@smithy/core/retry') as SmithyRetry
