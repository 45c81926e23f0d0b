/**
 * Where the CLI talks to: profile, region, endpoint. Resolved locally with the SDK's own config
 * loaders, before any AWS call, so that a missing region or an unknown profile is a one-line
 * error that reaches nothing, and the target shown before a change is the one the SDK will use.
 */
import type {ParsedIniData} from '@smithy/core/config'

import {readFileSync} from 'node:fs'
import {homedir} from 'node:os'
import {join} from 'node:path'

import {closest} from '../distance.js'
import {invalidInput, SentinelError} from '../errors.js'
import {isKnownRegionShape, listedRegions, partitionOf} from './partitions.js'
import {SILENT_LOGGER} from './request-policy.js'
import {dynamoDbSdk, smithyConfig} from './sdk-modules.js'

export interface ConnectionInput {
  region?: string
  profile?: string
  endpointUrl?: string
  /** False when no DynamoDB call will be made (a policy for a named account): no endpoint lookup. */
  needsEndpoint?: boolean
}

export interface Connection {
  region: string
  /** Where the region came from: "--region", "AWS_REGION", "profile dev"... */
  regionSource: string
  /** The profile named by --aws-profile or AWS_PROFILE, if any. */
  profile?: string
  /** A DynamoDB endpoint override, if any (flag, env, profile or --local). */
  endpoint?: string
  /** Where the endpoint came from, for messages. */
  endpointSource?: string
  /** Static credentials (only for the embedded DynamoDB Local). */
  credentials?: {accessKeyId: string; secretAccessKey: string}
  /** True for --local: no STS, account 000000000000. */
  local?: boolean
}

/** A region's name without its number: eu-west for eu-west-1. */
function stem(region: string): string {
  return region.replace(/\d+$/, '')
}

/**
 * A region the SDK lists, or one shaped like a region of a known partition (newer than this data:
 * see regionNotice). A region a typo away from a listed one is refused with the suggestion.
 */
export function validateRegion(region: string, source: string): string {
  const listed = listedRegions()
  if (listed.includes(region)) return region
  // A new region differs from a listed one only in its number (eu-west-4): not a typo.
  const near = closest(region, listed, 2)
  if (near && stem(near) !== stem(region)) {
    throw invalidInput(
      `Unknown AWS region "${region}" (from ${source}): did you mean ${near}?`,
      `${source.startsWith('--') ? `Pass ${source}` : `Set ${source} to`} ${near}.`,
    )
  }

  if (!isKnownRegionShape(region)) {
    throw invalidInput(
      `Invalid AWS region "${region}" (from ${source}).`,
      'Use a region code such as us-east-1, eu-west-2 or us-gov-west-1.',
    )
  }

  return region
}

/** Said for a region shaped like one but not in this version's partition data; undefined otherwise. */
export function regionNotice(region: string): string | undefined {
  if (listedRegions().includes(region)) return undefined
  return `Region ${region} is not known to this version of sentinel (its AWS SDK partition data); ` +
    `continuing as partition ${partitionOf(region).name}. If it is a typo, fix it; else update sentinel.`
}

export function validateEndpointUrl(url: string, source: string): string {
  const fix = {suggestion: `Set ${source} to a URL such as http://localhost:8000.`}
  // A user name or password in the URL is never echoed, not even in the error about the URL.
  const shownUrl = url.replace(/^([^/]*\/\/)[^/@]*@/, '$1…@')
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    throw new SentinelError('INVALID_INPUT', `Invalid endpoint URL "${shownUrl}" (from ${source}).`, fix)
  }

  // A user name or password in the URL would be printed in the target and every suggestion.
  if (parsed.username || parsed.password) {
    const shown = `${parsed.protocol}//${parsed.host}${parsed.pathname === '/' ? '' : parsed.pathname}`
    const message = `The endpoint URL from ${source} carries credentials; DynamoDB does not take them there.`
    throw new SentinelError('INVALID_INPUT', message, {
      suggestion: `Set ${source} to ${shown} and give credentials through the AWS profile or environment.`,
    })
  }

  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    const message = `Invalid endpoint URL "${shownUrl}" (from ${source}): only http and https are supported.`
    throw new SentinelError('INVALID_INPUT', message, fix)
  }

  return url
}

async function loadSharedConfig(): Promise<{config: ParsedIniData; credentials: ParsedIniData}> {
  try {
    // The SDK's loaders, imported where used: --help and --export never pay for them.
    const {loadSharedConfigFiles} = smithyConfig()
    const files = await loadSharedConfigFiles({ignoreCache: true})
    return {config: files.configFile, credentials: files.credentialsFile}
  } catch (error) {
    throw new SentinelError('UNKNOWN_PROFILE', `Cannot read the AWS config files: ${(error as Error).message}.`, {
      cause: error,
      suggestion: 'Fix ~/.aws/config and ~/.aws/credentials (or AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE).',
    })
  }
}

/**
 * The DynamoDB endpoint configured outside the CLI, as the SDK itself resolves it (the DynamoDB
 * client's own configured-endpoint provider): AWS_ENDPOINT_URL_DYNAMODB, then AWS_ENDPOINT_URL,
 * then the profile's services section (dynamodb.endpoint_url), then its endpoint_url; none when
 * AWS_IGNORE_CONFIGURED_ENDPOINT_URLS or the profile's ignore_configured_endpoint_urls is true.
 * --endpoint-url comes before all of them. Returns the URL and where it came from.
 */
async function configuredEndpoint(profile: string | undefined): Promise<[string, string] | undefined> {
  const {DynamoDBClient} = dynamoDbSdk()
  const client = new DynamoDBClient({logger: SILENT_LOGGER, region: 'us-east-1'})
  let url: string | undefined
  try {
    const read = serviceConfiguredEndpoint(client.config)
    // The SDK reads the configured endpoint of the profile AWS_PROFILE names (not of the client's
    // `profile` option), so --aws-profile is put there while it reads.
    url = await withAwsProfile(profile, read).catch((error: unknown) => {
      throw new SentinelError('UNKNOWN_PROFILE', `Cannot read the DynamoDB endpoint from the AWS config: ${
        (error as Error).message.replace(/\.$/, '')}.`, {
        cause: error,
        suggestion: 'Fix ~/.aws/config (or AWS_CONFIG_FILE), then rerun.',
      })
    })
  } finally {
    client.destroy()
  }

  if (!url) return undefined
  // Named for messages only: the SDK has already chosen.
  for (const name of ['AWS_ENDPOINT_URL_DYNAMODB', 'AWS_ENDPOINT_URL']) {
    if (process.env[name] === url) return [url, name]
  }

  return [url, `the AWS config (profile ${profile ?? 'default'})`]
}

/**
 * The SDK client's reader of its configured endpoint. It is @internal in @smithy/core: should an
 * SDK update drop or rename it, the CLI must stop rather than silently ignore a configured endpoint
 * (and send to AWS what was meant for an emulator).
 */
export function serviceConfiguredEndpoint(config: object): () => Promise<string | undefined> {
  const read = (config as {serviceConfiguredEndpoint?: unknown}).serviceConfiguredEndpoint
  if (typeof read !== 'function') {
    throw new SentinelError('UNEXPECTED', 'The AWS SDK no longer offers serviceConfiguredEndpoint().', {
      suggestion: 'The installed AWS SDK changed: report this bug in sentinel. Until fixed, pass --endpoint-url.',
    })
  }

  return (read as () => Promise<string | undefined>).bind(config)
}

/** The end of the reads that set AWS_PROFILE (see withAwsProfile). */
let profileReads: Promise<unknown> = Promise.resolve()

/** An endpoint (a URL or a bare host) as it may be shown: a user name or password in it is never printed. */
export function withoutCredentials(endpoint: string): string {
  if (!endpoint.includes('://')) return endpoint
  try {
    const parsed = new URL(endpoint)
    parsed.username = ''
    parsed.password = ''
    return parsed.href.replace(/\/$/, '')
  } catch {
    return 'the configured endpoint'
  }
}

/**
 * Runs read() with AWS_PROFILE set to the profile. process.env is shared by everything in the
 * process and read() awaits, so two such reads at once (several regions, tests) would see each
 * other's profile or restore the wrong one: they are run one after another.
 */
export async function withAwsProfile<T>(profile: string | undefined, read: () => Promise<T>): Promise<T> {
  const run = async () => {
    const saved = process.env.AWS_PROFILE
    if (profile === undefined || profile === saved) return read()
    process.env.AWS_PROFILE = profile
    try {
      return await read()
    } finally {
      if (saved === undefined) delete process.env.AWS_PROFILE
      else process.env.AWS_PROFILE = saved
    }
  }

  const result = profileReads.then(run, run)
  profileReads = result.catch(() => {})
  return result
}

/** How many source_profile links are followed at most: the AWS CLI needs few; a cycle stops here too. */
const MAX_SOURCE_PROFILES = 10

/**
 * Whether the profile (else the default one) signs in with AWS SSO (IAM Identity Center): an
 * sso_session or sso_start_url, on it or on the profile its source_profile chain ends at (a role
 * assumed with SSO credentials). Read when a credentials error needs naming, never before.
 */
export async function profileUsesSso(profile: string | undefined): Promise<boolean> {
  try {
    const {config} = await loadSharedConfig()
    const seen = new Set<string>()
    let name: string | undefined = profile ?? 'default'
    while (name !== undefined && !seen.has(name) && seen.size < MAX_SOURCE_PROFILES) {
      seen.add(name)
      const section: Record<string, string | undefined> | undefined = config[name]
      if (section?.sso_session || section?.sso_start_url) return true
      name = section?.source_profile
    }

    return false
  } catch {
    return false
  }
}

/**
 * Endpoints besides DynamoDB's that the CLI's clients may take from the environment: STS's
 * (GetCallerIdentity), KMS's (DescribeKey for --kms-key), and the one for every service.
 */
const OTHER_ENDPOINT_VARIABLES = [
  'AWS_ENDPOINT_URL_STS', 'AWS_ENDPOINT_URL_KMS', 'AWS_ENDPOINT_URL_IAM', 'AWS_ENDPOINT_URL',
] as const

/** Resolves profile, region and endpoint the way the AWS CLI does, and checks them. */
export async function resolveConnection(input: ConnectionInput): Promise<Connection> {
  const {env} = process
  const profile = input.profile ?? (env.AWS_PROFILE || undefined)
  const profileSource = input.profile ? '--aws-profile' : 'AWS_PROFILE'
  const {region, regionSource} = await resolveRegion(input.region, profile, profileSource, env)

  const configured = input.endpointUrl
    ? [input.endpointUrl, '--endpoint-url'] as const
    : (input.needsEndpoint === false ? undefined : await configuredEndpoint(profile))
  const endpoint = configured ? validateEndpointUrl(configured[0], configured[1]) : undefined
  // The other endpoints the CLI may call (and name in an error or the target) are held to the same rule.
  for (const name of OTHER_ENDPOINT_VARIABLES) {
    const url = env[name]
    if (url) validateEndpointUrl(url, name)
  }

  return {
    endpoint,
    endpointSource: configured?.[1],
    profile,
    region: validateRegion(region, regionSource),
    regionSource,
  }
}

/**
 * The region given outright, and where: --region, then AWS_REGION, then AWS_DEFAULT_REGION (the
 * AWS CLI's order). The one statement of that order; the profile comes after it.
 */
export function givenRegion(flagRegion: string | undefined, env: NodeJS.ProcessEnv): [string, string] | undefined {
  if (flagRegion) return [flagRegion, '--region']
  if (env.AWS_REGION) return [env.AWS_REGION, 'AWS_REGION']
  if (env.AWS_DEFAULT_REGION) return [env.AWS_DEFAULT_REGION, 'AWS_DEFAULT_REGION']
  return undefined
}

/**
 * The region and where it came from: --region, then AWS_REGION, AWS_DEFAULT_REGION, then the
 * profile's (or the default profile's) region. Also checks that a named profile exists.
 */
async function resolveRegion(
  flagRegion: string | undefined,
  profile: string | undefined,
  profileSource: string,
  env: NodeJS.ProcessEnv,
): Promise<{region: string; regionSource: string}> {
  let [region, regionSource] = givenRegion(flagRegion, env) ?? [undefined, '']

  // The config files are read only when a profile must exist or must supply the region.
  if (profile || !region) {
    const shared = await loadSharedConfig()
    const profileName = profile ?? 'default'
    if (profile && !shared.config[profile] && !shared.credentials[profile]) {
      throw unknownProfile(profile, profileSource, shared, env)
    }

    const profileRegion = shared.config[profileName]?.region
    if (!region && profileRegion) [region, regionSource] = [profileRegion, `profile ${profileName}`]
  }

  if (!region) {
    throw new SentinelError('NO_REGION', `No AWS region is set${profile ? ` (profile ${profile} has none)` : ''}.`, {
      suggestion: 'Pass --region, set AWS_REGION or AWS_DEFAULT_REGION, or add region to your AWS profile ' +
        '(aws configure set region us-east-1).',
    })
  }

  return {region, regionSource}
}

function unknownProfile(
  profile: string,
  source: string,
  shared: {config: ParsedIniData; credentials: ParsedIniData},
  env: NodeJS.ProcessEnv,
): SentinelError {
  const known = [...new Set([...Object.keys(shared.config), ...Object.keys(shared.credentials)])]
  .filter(name => !name.includes('.'))
  const malformed = malformedSectionLine(env)
  if (malformed) {
    const message = `AWS profile "${profile}" (from ${source}) was not found, and ${malformed.file} line ` +
      `${malformed.line} is malformed: "${malformed.text}".`
    return new SentinelError('UNKNOWN_PROFILE', message, {
      suggestion: 'Fix that line (a section header looks like [profile NAME]), then rerun.',
    })
  }

  const message = `AWS profile "${profile}" (from ${source}) is not in ~/.aws/config or ~/.aws/credentials.`
  return new SentinelError('UNKNOWN_PROFILE', message, {
    suggestion: known.length > 0
      ? `Use one of: ${known.join(', ')}; or create it with aws configure --profile ${profile}.`
      : `Create it with aws configure --profile ${profile} (or aws configure sso).`,
  })
}

/**
 * The SDK's INI parser skips a section header it cannot read, so a typo in `[profile dev` shows
 * up only as "profile not found". This finds the line to name in that error.
 */
function malformedSectionLine(env: NodeJS.ProcessEnv): undefined | {file: string; line: number; text: string} {
  const files = [
    env.AWS_CONFIG_FILE || join(homedir(), '.aws', 'config'),
    env.AWS_SHARED_CREDENTIALS_FILE || join(homedir(), '.aws', 'credentials'),
  ]
  for (const file of files) {
    let text: string
    try {
      text = readFileSync(file, 'utf8')
    } catch {
      continue
    }

    const lines = text.split('\n')
    const index = lines.findIndex(line =>
      line.trimStart().startsWith('[') && !/^\s*\[[^[\]]+]\s*([#;].*)?$/.test(line))
    if (index !== -1) return {file, line: index + 1, text: lines[index].trim().slice(0, 60)}
  }

  return undefined
}
