/**
 * Where the CLI talks to: profile, region, endpoint. Resolved locally, before any AWS call, so
 * that a missing region or an unknown profile is a one-line error that reaches nothing.
 */
import {readFileSync} from 'node:fs'
import {homedir} from 'node:os'
import {join} from 'node:path'

import {SentinelError} from './errors.js'
import {validateRegion} from './validate.js'

export interface ConnectionInput {
  region?: string
  profile?: string
  endpointUrl?: string
  env?: NodeJS.ProcessEnv
}

export interface Connection {
  region: string
  regionSource: string
  /** The profile named by --aws-profile or AWS_PROFILE, if any. */
  profile?: string
  /** A DynamoDB endpoint override (--endpoint-url, AWS_ENDPOINT_URL_DYNAMODB or --local). */
  endpoint?: string
  /** Static credentials (only for the embedded DynamoDB Local). */
  credentials?: {accessKeyId: string; secretAccessKey: string}
  /** True for --local: no STS, account 000000000000. */
  local?: boolean
}

type SharedConfig = {configFile: Record<string, Record<string, string | undefined>>; credentialsFile: Record<string, Record<string, string | undefined>>}

async function loadSharedConfig(): Promise<SharedConfig> {
  const {loadSharedConfigFiles} = await import('@smithy/shared-ini-file-loader')
  try {
    return (await loadSharedConfigFiles({ignoreCache: true})) as SharedConfig
  } catch (error) {
    throw new SentinelError('UNKNOWN_PROFILE', `Cannot read the AWS config files: ${(error as Error).message}.`, {
      suggestion: 'Fix ~/.aws/config and ~/.aws/credentials (or AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE).',
    })
  }
}

export function validateEndpointUrl(url: string, source: string): string {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    throw new SentinelError('INVALID_INPUT', `Invalid endpoint URL "${url}" (from ${source}).`, {suggestion: 'Pass a URL such as http://localhost:8000.'})
  }

  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new SentinelError('INVALID_INPUT', `Invalid endpoint URL "${url}" (from ${source}): only http and https are supported.`, {
      suggestion: 'Pass a URL such as http://localhost:8000.',
    })
  }

  return url
}

/** Resolves profile, region and endpoint the way the AWS CLI does, and checks them. */
export async function resolveConnection(input: ConnectionInput): Promise<Connection> {
  const env = input.env ?? process.env
  const profile = input.profile ?? (env.AWS_PROFILE || undefined)
  const profileSource = input.profile ? '--aws-profile' : 'AWS_PROFILE'
  const endpointFromEnv = env.AWS_ENDPOINT_URL_DYNAMODB || undefined
  const endpoint = input.endpointUrl
    ? validateEndpointUrl(input.endpointUrl, '--endpoint-url')
    : endpointFromEnv && validateEndpointUrl(endpointFromEnv, 'AWS_ENDPOINT_URL_DYNAMODB')

  let region: string | undefined
  let regionSource = ''
  for (const [value, source] of [
    [input.region, '--region'],
    [env.AWS_REGION, 'AWS_REGION'],
    [env.AWS_DEFAULT_REGION, 'AWS_DEFAULT_REGION'],
  ] as const) {
    if (value) {
      region = value
      regionSource = source
      break
    }
  }

  // The config files are read only when a profile must exist or must supply the region.
  if (profile || !region) {
    const shared = await loadSharedConfig()
    const profileName = profile ?? 'default'
    const section = shared.configFile[profileName] ?? {}
    if (profile && !shared.configFile[profile] && !shared.credentialsFile[profile]) {
      const known = [...new Set([...Object.keys(shared.configFile), ...Object.keys(shared.credentialsFile)])]
      const malformed = malformedSectionLine(env)
      if (malformed) {
        throw new SentinelError('UNKNOWN_PROFILE', `AWS profile "${profile}" (from ${profileSource}) was not found, and ${malformed.file} line ${malformed.line} is malformed: "${malformed.text}".`, {
          suggestion: 'Fix that line (a section header looks like [profile NAME]), then rerun.',
        })
      }

      throw new SentinelError('UNKNOWN_PROFILE', `AWS profile "${profile}" (from ${profileSource}) is not in ~/.aws/config or ~/.aws/credentials.`, {
        suggestion: known.length > 0 ? `Use one of: ${known.join(', ')}; or create it with aws configure --profile ${profile}.` : `Create it with aws configure --profile ${profile} (or aws configure sso).`,
      })
    }

    if (!region && section.region) {
      region = section.region
      regionSource = `profile ${profileName}`
    }
  }

  if (!region) {
    throw new SentinelError('NO_REGION', `No AWS region is set${profile ? ` (profile ${profile} has none)` : ''}.`, {
      suggestion: 'Pass --region, set AWS_REGION or AWS_DEFAULT_REGION, or add region to your AWS profile (aws configure set region us-east-1).',
    })
  }

  return {endpoint, profile, region: validateRegion(region, regionSource), regionSource}
}

/** The first section header in the config files that does not parse, if any. */
function malformedSectionLine(env: NodeJS.ProcessEnv): {file: string; line: number; text: string} | undefined {
  for (const file of [env.AWS_CONFIG_FILE || join(homedir(), '.aws', 'config'), env.AWS_SHARED_CREDENTIALS_FILE || join(homedir(), '.aws', 'credentials')]) {
    let text: string
    try {
      text = readFileSync(file, 'utf8')
    } catch {
      continue
    }

    const lines = text.split('\n')
    const index = lines.findIndex((line) => /^\s*\[/.test(line) && !/^\s*\[[^[\]]+]\s*([#;].*)?$/.test(line))
    if (index !== -1) return {file, line: index + 1, text: lines[index].trim().slice(0, 60)}
  }

  return undefined
}

/** The host a DynamoDB call goes to, for error messages. */
export function dynamoEndpointName(connection: Connection): string {
  return connection.endpoint ?? `dynamodb.${connection.region}.amazonaws.com`
}
