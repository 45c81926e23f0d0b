/**
 * init:status --server-role / --provisioner-role, wired: the role check (iam/role-check.ts) given the
 * run's ports (IAM's simulator, each key's policy through KMS in the key's region, each table's
 * resource policy through the DynamoDB client of its region) and what the table reads learnt (the
 * account). No flag parsing and no printing here: status.ts does both.
 */
import type {AwsSession} from '../aws/session.js'
import type {PolicyTable} from '../iam/policy.js'
import type {Inspection} from '../provisioning/provisioner.js'
import type {Target} from '../report/report.js'
import type {RunServices} from './services.js'
import type {Run} from './table-command.js'

import {parseArn} from '../aws/arn.js'
import {isEmulatorEndpoint} from '../aws/sts.js'
import {SentinelError} from '../errors.js'
import {
  checkRoles, keyArnsOf, type ResourcePolicyReader, type RoleResult, type RoleToCheck, uncheckedRole,
} from '../iam/role-check.js'
import {type KmsKeyRef, parseKmsKey} from '../tables/validate.js'

/** DynamoDB's answers that mean "no resource policy": none set, or no table (init status reports that). */
const NO_POLICY = new Set(['PolicyNotFoundException', 'ResourceNotFoundException'])

function resourcePolicyReader(session: AwsSession): ResourcePolicyReader {
  return async (tableArn, region) => {
    const port = region === session.connection.region ? session.port : await session.regionalPort(region)
    try {
      return (await port.getResourcePolicy({ResourceArn: tableArn})).Policy ?? undefined
    } catch (error) {
      if (error instanceof SentinelError && NO_POLICY.has(error.awsName ?? '')) return undefined
      throw error
    }
  }
}

/**
 * The tables as the status run found them: with every replica each table lists, named by
 * --replica-region or not (each holds all of Sentinel's data, and a TVM may run there), and for a
 * table on --kms-key, each such replica's own live key (Replicas[] KMSMasterKeyId, resolved in its
 * region when it is an alias).
 */
export function checkedTables(desired: readonly PolicyTable[], inspections: readonly Inspection[]): PolicyTable[] {
  return desired.map(table => {
    const inspection = inspections.find(candidate => candidate.desired.tableName === table.tableName)
    const unnamed = (inspection?.replicas ?? []).filter(replica => !replica.named).map(({region}) => {
      const key = table.kmsKey && inspection?.live?.replicas?.find(entry => entry.region === region)?.kmsKeyArn
      const kmsKey = key ? liveKeyRef(key, region) : undefined
      return {region, ...(kmsKey ? {kmsKey} : {})}
    })
    return unnamed.length === 0 ? table : {...table, replicas: [...(table.replicas ?? []), ...unnamed]}
  })
}

/** A replica's listed key as a key reference; an AWS-managed alias is none (nothing to grant on it). */
function liveKeyRef(key: string, region: string): KmsKeyRef | undefined {
  try {
    return parseKmsKey(key, region)
  } catch {
    return undefined
  }
}

/** The tables' account: STS's, else the one the run must reach, else the one a live table's ARN names. */
function tablesAccount(run: Run, target: Target, inspections: readonly Inspection[]): string | undefined {
  if (target.account) return target.account
  if (run.expectedAccount) return run.expectedAccount.id
  return inspections.map(inspection => parseArn(inspection.live?.arn ?? '')?.accountId).find(Boolean)
}

export async function checkDeployedRoles({debug, inspections, roles, run, services, session, target}: {
  run: Run
  roles: readonly RoleToCheck[]
  services: RunServices
  session: AwsSession
  target: Target
  inspections: readonly Inspection[]
  debug?: (line: string) => void
}): Promise<RoleResult[]> {
  const account = tablesAccount(run, target, inspections)
  if (!account) {
    const reason = `The tables' account is unknown (${target.accountNote ?? 'STS did not say'}), so their ARNs ` +
      'cannot be named to IAM'
    return roles.map(role => uncheckedRole(role, {code: 'NO_ACCOUNT', reason}))
  }

  const {connection} = session
  const iam = services.iam(connection, {debug})
  try {
    // An emulator has no IAM: its credentials are never sent to AWS's IAM, unless an IAM endpoint is configured.
    const emulator = connection.endpoint !== undefined && isEmulatorEndpoint(connection.endpoint)
    if (emulator && !(await iam.configuredEndpoint?.().catch(() => undefined))) {
      const reason = 'IAM is not called for an emulator endpoint: set AWS_ENDPOINT_URL_IAM to check the roles'
      return roles.map(role => uncheckedRole(role, {code: 'UNSUPPORTED_OPERATION', reason}, account))
    }

    const scope = {account, region: connection.region}
    const tables = checkedTables(run.desired, inspections)
    const keyArns = await keyArnsOf(tables, scope, region => services.kmsKeyResolver({...connection, region}))
    return await checkRoles({
      awsCliArgs: run.flags['aws-profile'] ? ['--profile', run.flags['aws-profile']] : [],
      keyArns,
      roles,
      scope,
      tables,
    }, {
      iam,
      readKeyPolicy: services.kmsKeyPolicyReader(connection),
      readResourcePolicy: resourcePolicyReader(session),
    })
  } finally {
    iam.destroy()
  }
}
