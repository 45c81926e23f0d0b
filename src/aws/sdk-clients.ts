/**
 * The AWS SDK's clients, loaded only on the paths that call AWS. Each is a CommonJS package (main:
 * dist-cjs, no exports map): require() loads the very module an import would, without the ESM
 * loader translating it first (cjs-module-lexer over the client's whole bundle), about 45 ms less
 * CPU a run for DynamoDB's client on this project's machine. Typed as the import would be.
 */
import {createRequire} from 'node:module'

type DynamoDbSdk = typeof import('@aws-sdk/client-dynamodb')
type IamSdk = typeof import('@aws-sdk/client-iam')
type KmsSdk = typeof import('@aws-sdk/client-kms')
type StsSdk = typeof import('@aws-sdk/client-sts')

const require = createRequire(import.meta.url)

export const dynamoDbSdk = (): DynamoDbSdk => require('@aws-sdk/client-dynamodb') as DynamoDbSdk
export const iamSdk = (): IamSdk => require('@aws-sdk/client-iam') as IamSdk
export const kmsSdk = (): KmsSdk => require('@aws-sdk/client-kms') as KmsSdk
export const stsSdk = (): StsSdk => require('@aws-sdk/client-sts') as StsSdk
