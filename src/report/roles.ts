/**
 * The roles init:status proved (issue 23): a short block per role as text (what is missing, in which
 * region, why, the fix), and the error a role that is not `ok` ends the run with (ROLE_DENIED,
 * exit 10; ROLE_UNKNOWN, exit 11). Pure functions: the command prints what these return.
 */
import type {DeniedBy, RoleDenial, RoleResult} from '../iam/role-check.js'

import {ResultError, SentinelError} from '../errors.js'

const WHY: Record<DeniedBy, string> = {
  boundary: 'the permissions boundary does not allow it',
  'explicit-deny': 'an explicit Deny',
  identity: 'no statement of the role allows it',
  'key-policy': 'the key policy does not let the role use the key',
  'resource-policy': 'the table\'s resource policy does not allow it',
  scp: 'an SCP of the organization denies it',
}

/** "table/sentinel-sessions/index/gsi-user" for a DynamoDB ARN; a key or role ARN as it is. */
function shortResource(arn: string): string {
  const table = /:(table\/.+)$/.exec(arn)?.[1]
  return table ?? arn
}

/** Denials that differ only in their resource, said on one line (up to three resources named). */
function denialLines(denied: readonly RoleDenial[]): string[] {
  const groups = new Map<string, {denial: RoleDenial; resources: string[]}>()
  for (const denial of denied) {
    const key = `${denial.region} ${denial.action} ${denial.by} ${denial.policy ?? ''}`
    const group = groups.get(key) ?? {denial, resources: []}
    const resource = shortResource(denial.resource)
    if (!group.resources.includes(resource)) group.resources.push(resource)
    groups.set(key, group)
  }

  return [...groups.values()].map(({denial, resources}) => {
    const named = resources.slice(0, 3).join(', ')
    const more = resources.length > 3 ? ` and ${resources.length - 3} more` : ''
    const why = `${WHY[denial.by]}${denial.policy ? ` (${denial.policy})` : ''}`
    return `  ✖ ${denial.region}: ${denial.action} on ${named}${more}: ${why} [${denial.by}]`
  })
}

export function renderRole(result: RoleResult): string[] {
  const mark = result.verdict === 'ok' ? '✔' : '✖'
  const verdict = {denied: 'denied', ok: 'ok: may do everything it needs', unknown: 'unknown: could not be checked'}
  const regions = result.regions.length > 0 ? ` (checked in ${result.regions.join(', ')})` : ''
  const lines = [`${mark} Role ${result.arn} (${result.kind}): ${verdict[result.verdict]}${regions}`]
  for (const note of result.notes) lines.push(`  - ${note}`)
  lines.push(...denialLines(result.denied))
  for (const unknown of result.unknown) lines.push(`  ? ${unknown.reason}`)
  const {fix} = result
  if (fix.policy) lines.push('  Fix, the role\'s own policy (the missing statements):')
  else if (fix.commands.length > 0) lines.push('  Fix:')
  for (const resourceFix of fix.resourcePolicies) {
    const policy = resourceFix.by === 'key-policy' ? 'key policy' : 'resource policy'
    if (resourceFix.add) {
      lines.push(`    the ${policy} of ${resourceFix.resource} needs: ${JSON.stringify(resourceFix.add)}`)
    }

    if (resourceFix.remove) {
      lines.push(`    the ${policy} of ${resourceFix.resource}: remove or narrow ${resourceFix.remove.join(', ')}`)
    }
  }

  for (const command of fix.commands) lines.push(`    ${command}`)
  for (const note of fix.notes) lines.push(`  - ${note}`)
  return lines
}

/** The run's end for the roles: undefined when every role is ok; else the error carrying the result. */
export function rolesFailure<R>(roles: readonly RoleResult[], result: R, json: boolean): ResultError<R> | undefined {
  const denied = roles.filter(role => role.verdict === 'denied')
  const unknown = roles.filter(role => role.verdict === 'unknown')
  const where = json ? 'See result.roles[].fix' : 'See the fix under each role above'
  if (denied.length > 0) {
    const which = denied.map(role => `${role.arn} (${role.denied.length} denied)`).join(', ')
    const also = unknown.length > 0 ? `; ${unknown.length} could not be checked` : ''
    return new ResultError(new SentinelError(
      'ROLE_DENIED',
      `${denied.length} of ${roles.length} role${roles.length === 1 ? '' : 's'} may not do what Sentinel needs: ` +
        `${which}${also}.`,
      {
        suggestion: `${where}; nothing was changed. Rerun after fixing to prove it.`,
      },
    ), result)
  }

  if (unknown.length > 0) {
    const which = unknown.map(role => `${role.arn} (${role.unknown[0]?.reason ?? 'unknown'})`).join('; ')
    return new ResultError(new SentinelError(
      'ROLE_UNKNOWN',
      `${unknown.length} of ${roles.length} role${roles.length === 1 ? '' : 's'} could not be checked: ${which}.`,
      {
        suggestion: 'The caller needs iam:SimulatePrincipalPolicy on the roles, kms:GetKeyPolicy and ' +
          'dynamodb:GetResourcePolicy (--generate-iam with the same --server-role / --provisioner-role prints them); ' +
          'then rerun.',
      },
    ), result)
  }

  return undefined
}

/** The summary line for the roles. */
export function rolesSummary(roles: readonly RoleResult[]): string {
  const ok = roles.filter(role => role.verdict === 'ok').length
  if (ok === roles.length) return `All ${roles.length} role${roles.length === 1 ? '' : 's'} may do what Sentinel needs.`
  return `${ok} of ${roles.length} role${roles.length === 1 ? '' : 's'} proven able to do what Sentinel needs.`
}
