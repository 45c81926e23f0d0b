/**
 * What a provisioning command's flags mean, outside oclif: which tables (and where each name came
 * from), which settings, and the context that every suggested command repeats.
 */
import type {Interfaces} from '@oclif/core'

import {join} from 'node:path'

import type {TableDefinition} from '../tables/definitions.js'
import type {DesiredTable, TableChoice, TableSettingsInput} from '../tables/desired.js'
import type {
  connectionFlags, replicaFlags, runModeFlags, tableSettingsFlags,
} from './flags.js'

import {type Connection, givenRegion} from '../aws/connection.js'
import {defaultLocalDir} from '../aws/local.js'
import {invalidInput, SentinelError} from '../errors.js'
import {parseRoleArn, type RoleToCheck} from '../iam/role-check.js'
import {
  commandLine, invocation, type RunContext, shellQuote,
} from '../report/next-steps.js'
import {type ExpectedAccount} from '../report/run-result.js'
import {validateAccountId} from '../tables/validate.js'

/**
 * The flags as a table command reads them, typed from their declarations (./flags.ts): init:status
 * has no run-mode flags, so those are optional. The table-name flags are read by name (chooseTables).
 */
export type RunFlags = Interfaces.InferredFlags<
  typeof connectionFlags & typeof replicaFlags & typeof tableSettingsFlags
> & Partial<Interfaces.InferredFlags<typeof runModeFlags>> & {json?: boolean}

/** The table-name flags as given (--table, --session-table...), by flag name. */
export type TableNameFlags = Readonly<Record<string, unknown>>

/** The tables named by --table (one-table commands) or --<kind>-table, else env vars, else defaults. */
export function chooseTables(
  definitions: readonly TableDefinition[],
  flags: TableNameFlags,
  env: NodeJS.ProcessEnv = process.env,
): TableChoice[] {
  const single = definitions.length === 1
  return definitions.map(definition => {
    const flag = single ? 'table' : definition.nameFlag
    const given = flags[flag] as string | undefined
    if (given !== undefined) return {definition, source: `--${flag}`, tableName: given}
    const fromEnv = definition.envVars.find(name => env[name])
    if (fromEnv) return {definition, source: fromEnv, tableName: env[fromEnv]!}
    return {definition, source: 'default', tableName: definition.defaultTableName}
  })
}

export function settingsOf(flags: RunFlags): TableSettingsInput {
  return {
    deletionProtection: flags['deletion-protection'],
    kmsKey: flags['kms-key'],
    pitr: flags.pitr,
    replicaKmsKeys: flags['replica-kms-key'],
    replicaRegions: flags['replica-region'],
    tags: flags.tag,
  }
}

/** For --local: the region ARNs name (DynamoDB Local itself ignores it), as the AWS CLI would pick it. */
export function localRegion(flags: RunFlags, env: NodeJS.ProcessEnv = process.env): [string, string] {
  return givenRegion(flags.region, env) ?? ['us-east-1', 'default']
}

/** Where --local keeps its data: ~/x as the shell would expand it, never a folder named "~". */
export function localDataDir(flags: RunFlags): string {
  const path = flags['local-dir'] ?? defaultLocalDir()
  return path === '~' || path.startsWith('~/') ? join(process.env.HOME ?? '', path.slice(1)) : path
}

/** The context every suggested command repeats, so that it can be copied as it is. */
export function runContext(
  command: {bin: string; id: string; multiTable: boolean; topicSeparator?: string},
  flags: RunFlags,
  tables: readonly TableChoice[],
  connection: Connection,
): RunContext {
  const contextFlags: string[] = []
  if (flags.local) {
    contextFlags.push('--local', ...(flags['local-dir'] ? ['--local-dir', flags['local-dir']] : []))
  } else {
    if (connection.regionSource === '--region') contextFlags.push('--region', connection.region)
    if (flags['aws-profile']) contextFlags.push('--aws-profile', flags['aws-profile'])
    if (flags['endpoint-url']) contextFlags.push('--endpoint-url', flags['endpoint-url'])
  }

  if (flags['kms-key']) contextFlags.push('--kms-key', flags['kms-key'])
  for (const region of flags['replica-region'] ?? []) contextFlags.push('--replica-region', region)
  for (const key of flags['replica-kms-key'] ?? []) contextFlags.push('--replica-kms-key', key)
  for (const tag of flags.tag ?? []) contextFlags.push('--tag', tag)
  if (!flags.pitr) contextFlags.push('--no-pitr')
  if (!flags['deletion-protection']) contextFlags.push('--no-deletion-protection')
  return {
    bin: invocation(command.bin),
    command: command.id,
    contextFlags,
    local: flags.local ? {dataDir: localDataDir(flags)} : undefined,
    multiTable: command.multiTable,
    ...(flags['replica-region']?.length ? {replicaRegions: flags['replica-region']} : {}),
    tables,
    topicSeparator: command.topicSeparator,
  }
}

/** Checked here rather than declared exclusive: the USAGE line keeps --local beside --endpoint-url. */
export function refuseReplicasOnLocal(flags: RunFlags): void {
  if (!flags.local || (flags['replica-region'] ?? []).length === 0) return
  throw new SentinelError('INVALID_INPUT', '--replica-region cannot be used with --local: DynamoDB Local has no ' +
    'global tables (replicas).', {suggestion: 'Leave out --replica-region, or run against AWS with --region.'})
}

/**
 * The account a run must reach: --account-id, else SENTINEL_ACCOUNT_ID (for CI), checked locally.
 * Given but empty (`--account-id ""`, or a CI variable that expanded to nothing) is bad input, never
 * the guard switched off.
 */
export function expectedAccountOf(flags: RunFlags, env: NodeJS.ProcessEnv = process.env): ExpectedAccount | undefined {
  if (flags['account-id'] !== undefined) return {id: validateAccountId(flags['account-id']), source: '--account-id'}
  const fromEnv = env.SENTINEL_ACCOUNT_ID
  if (fromEnv === undefined) return undefined
  return {id: validateAccountId(fromEnv, 'SENTINEL_ACCOUNT_ID'), source: 'SENTINEL_ACCOUNT_ID'}
}

/**
 * DynamoDB Local has no AWS account, so an account to guard cannot be checked: said, not skipped.
 * (With --generate-iam, --account-id only names the account in the policy's ARNs.)
 */
export function refuseAccountWithLocal(flags: RunFlags, env: NodeJS.ProcessEnv = process.env): void {
  const fromEnv = env.SENTINEL_ACCOUNT_ID === undefined ? '' : 'SENTINEL_ACCOUNT_ID'
  const source = flags['account-id'] === undefined ? fromEnv : '--account-id'
  if (!source) return
  throw invalidInput(
    `${source} cannot be checked with --local: DynamoDB Local has no AWS account.`,
    source === '--account-id'
      ? 'Leave out --account-id with --local, or leave out --local to check the account in AWS.'
      : 'Unset SENTINEL_ACCOUNT_ID for --local runs, or leave out --local to check the account in AWS.',
  )
}

/**
 * What a drift fix prints for each table: AWS CLI commands and this CLI's, in the run's context.
 * `creator` is the command that creates tables (init:status suggests init:all).
 */
export function withSuggestions(
  desired: readonly DesiredTable[],
  {connection, context, flags}: {connection: Connection; context: RunContext; flags: RunFlags},
  creator: string,
): DesiredTable[] {
  const kmsArgs = ['--region', connection.region, ...(flags['aws-profile'] ? ['--profile', flags['aws-profile']] : [])]
  const awsCliArgs = [...kmsArgs, ...(flags['endpoint-url'] ? ['--endpoint-url', flags['endpoint-url']] : [])]
  .map(part => shellQuote(part)).join(' ')
  // The AWS CLI takes KMS's own endpoint from AWS_ENDPOINT_URL_KMS; --endpoint-url is DynamoDB's.
  const kmsCliArgs = kmsArgs.map(part => shellQuote(part)).join(' ')
  // A replica's key is in the replica's region: its `aws kms` fix takes that --region, with the same profile.
  const profileCliArgs = kmsArgs.slice(2).map(part => shellQuote(part)).join(' ')
  return desired.map(table => {
    const renamed = context.tables.map(choice =>
      (choice.tableName === table.tableName ? {...choice, tableName: `${table.tableName}-v2`} : choice))
    const newTableCommand = commandLine({...context, tables: renamed}, creator)
    return {
      ...table, suggest: {
        awsCliArgs, kmsCliArgs, newTableCommand, profileCliArgs,
      },
    }
  })
}

/**
 * The roles --server-role and --provisioner-role name, checked locally (exit 2, nothing sent): each an
 * IAM role ARN of the region's partition, none given twice for one kind, and not with --local
 * (DynamoDB Local has no IAM).
 */
export function rolesOf(flags: RunFlags, region: string): RoleToCheck[] {
  const roles: RoleToCheck[] = []
  for (const kind of ['server', 'provisioner'] as const) {
    const flag = `--${kind}-role`
    const given = flags[`${kind}-role`] ?? []
    if (given.length > 0 && flags.local) {
      throw invalidInput(
        `${flag} cannot be used with --local: DynamoDB Local has no IAM roles.`,
        `Leave out ${flag}, or check the roles in AWS with --region.`,
      )
    }

    for (const [index, arn] of given.entries()) {
      parseRoleArn(arn, flag, region)
      if (given.indexOf(arn) !== index) {
        throw invalidInput(`${flag} "${arn}" is given twice.`, 'Give each role once.')
      }

      roles.push({arn, kind})
    }
  }

  return roles
}
