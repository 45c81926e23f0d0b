/**
 * IAM's policy simulator for roles, as AWS answers SimulatePrincipalPolicy, evaluated with the same
 * evaluator the CLI uses for key and table policies (@cloud-copilot/iam-simulate): roles with
 * identity policies and a permissions boundary, the organization's SCPs (beside FullAWSAccess, as an
 * organization has it), short pages, throttling ("Rate exceeded"), a caller denied the simulator,
 * and roles that do not exist. Two faces over one evaluation:
 * - startIamEndpoint: an HTTP endpoint speaking IAM's Query protocol (form-encoded in, XML out), for
 *   the real CLI through the SDK (AWS_ENDPOINT_URL_IAM);
 * - fakeIam: the IamPort in-process, for unit tests of the role check.
 * Answers are AWS's current shape: one EvaluationResult per action, EvalResourceName "*", its
 * EvalDecision the most restrictive over the resources, each resource's own decision in
 * ResourceSpecificResults (`perResource: true` gives the older shape, one result per action and
 * resource).
 */
import type {
  EvaluationResult, SimulatePrincipalPolicyCommandInput, SimulatePrincipalPolicyCommandOutput,
} from '@aws-sdk/client-iam'

import {getDenialReasons, runSimulation} from '@cloud-copilot/iam-simulate'
import {createServer, type ServerResponse} from 'node:http'

import type {IamPort} from '../../src/aws/iam.js'

import {classifyAwsError} from '../../src/aws/errors.js'

export interface IamRole {
  /** Identity policies by name (inline or attached: IAM weighs them alike). */
  policies: Record<string, object>
  boundary?: object
}

export interface IamWorld {
  /** Roles by ARN. */
  roles: Record<string, IamRole>
  /** SCPs in force for every principal, beside FullAWSAccess. */
  scps?: Record<string, object>
  /** At most this many results a page (AWS may give fewer than MaxItems). */
  pageSize?: number
  /** The next this many requests answer Throttling "Rate exceeded" (counted down). */
  throttle?: number
  /** The caller may not call iam:SimulatePrincipalPolicy: AccessDenied. */
  callerDenied?: boolean
  /** One result per action and resource (the older answer) instead of ResourceSpecificResults. */
  perResource?: boolean
  /** A broken endpoint: every truncated page names the same Marker, so paging never ends. */
  repeatMarker?: boolean
  /**
   * Decisions kept once made, so that IAM answers at once from then on (the benchmark); only for a
   * world whose policies no longer change.
   */
  decisions?: Map<string, Awaited<ReturnType<typeof decide>>>
}

export interface IamCall {
  role: string
  actions: string[]
  resources: string[]
  context: Record<string, string[]>
  marker?: string
  /** 200, or the error code answered. */
  status: number | string
}

const FULL_AWS_ACCESS = {Statement: [{Action: '*', Effect: 'Allow', Resource: '*'}], Version: '2012-10-17'}
const CALLER = 'arn:aws:iam::123456789012:user/ci'

type Decision = 'allowed' | 'explicitDeny' | 'implicitDeny'

const DECISION: Record<string, Decision> = {
  Allowed: 'allowed', ExplicitlyDenied: 'explicitDeny', ImplicitlyDenied: 'implicitDeny',
}

/** One question to IAM's simulator: may this role call this action on this resource, in this context? */
interface Question {
  role: IamRole
  roleArn: string
  action: string
  resource: string
  context: Record<string, string[]>
}

/** One action on one resource for a role, as IAM's simulator decides it. */
async function decide(world: IamWorld, {action, context, resource, role, roleArn}: Question) {
  const contextVariables = Object.fromEntries(Object.entries(context).map(([key, values]) =>
    [key, values.length === 1 && !key.includes('Aliases') ? values[0] : values]))
  const scps = Object.entries(world.scps ?? {})
  const result = await runSimulation({
    identityPolicies: Object.entries(role.policies).map(([name, policy]) => ({name, policy})),
    ...(role.boundary ? {permissionBoundaryPolicies: [{name: 'boundary', policy: role.boundary}]} : {}),
    request: {
      action, contextVariables, principal: roleArn, resource: {accountId: resource.split(':')[4] || '', resource},
    },
    resourceControlPolicies: [],
    // IAM's simulator weighs no resource policy for a role: one that leaves it to the role's account
    // (a key needs one to be usable at all; another account's resource, one that trusts that account).
    resourcePolicy: delegateTo(roleArn.split(':')[4]),
    serviceControlPolicies: scps.length > 0
      ? [{
        orgIdentifier: 'r-root',
        policies: [{name: 'FullAWSAccess', policy: FULL_AWS_ACCESS}, ...scps.map(([name, policy]) => ({name, policy}))],
      }]
      : [],
  }, {})
  if (result.resultType === 'error') throw new Error(`The evaluator refused ${action}: ${result.errors.message}`)
  const analysis = result.resultType === 'single' ? result.result.analysis : result.results[0].analysis
  const explicit = getDenialReasons(analysis).flatMap(reason =>
    (reason.denialType === 'Explicit' ? [reason.policyIdentifier ?? reason.policyType] : []))
  return {
    boundary: role.boundary ? analysis.permissionBoundaryAnalysis?.result === 'Allowed' : undefined,
    decision: DECISION[result.overallResult],
    organizations: scps.length > 0 ? analysis.scpAnalysis?.result === 'Allowed' : undefined,
    sources: explicit,
  }
}

function delegateTo(account: string): object {
  const root = `arn:aws:iam::${account}:root`
  return {
    Statement: [{
      Action: '*', Effect: 'Allow', Principal: {AWS: root}, Resource: '*',
    }], Version: '2012-10-17',
  }
}

/** decide(), or what it said before when the world keeps its decisions. */
async function remembered(world: IamWorld, question: Question): ReturnType<typeof decide> {
  if (!world.decisions) return decide(world, question)
  const {action, context, resource, roleArn} = question
  const key = JSON.stringify([roleArn, action, resource, context])
  let decision = world.decisions.get(key)
  if (!decision) {
    decision = await decide(world, question)
    world.decisions.set(key, decision)
  }

  return decision
}

function matched(sources: string[]) {
  return sources.map(source => ({SourcePolicyId: source, SourcePolicyType: 'user-managed' as const}))
}

function organizationsDetail(allowed: boolean | undefined) {
  return allowed === undefined ? {} : {OrganizationsDecisionDetail: {AllowedByOrganizations: allowed}}
}

function boundaryDetail(allowed: boolean | undefined) {
  return allowed === undefined ? {} : {PermissionsBoundaryDecisionDetail: {AllowedByPermissionsBoundary: allowed}}
}

const RESTRICTIVENESS: Decision[] = ['allowed', 'implicitDeny', 'explicitDeny']

/** Every result of a simulation, in AWS's current shape (or the older one). */
export async function simulateInWorld(
  world: IamWorld,
  {actions, context, resources, roleArn}: {
    roleArn: string
    actions: readonly string[]
    resources: readonly string[]
    context: Record<string, string[]>
  },
): Promise<EvaluationResult[]> {
  const role = world.roles[roleArn]
  const results: EvaluationResult[] = []
  for (const action of actions) {
    const each = await Promise.all(resources.map(async resource =>
      ({
        resource, ...(await remembered(world, {
          action, context, resource, role, roleArn,
        })),
      })))
    if (world.perResource) {
      for (const one of each) {
        results.push({
          EvalActionName: action,
          EvalDecision: one.decision,
          EvalResourceName: one.resource,
          MatchedStatements: matched(one.sources),
          MissingContextValues: [],
          ...organizationsDetail(one.organizations),
          ...boundaryDetail(one.boundary),
        })
      }

      continue
    }

    let worst: Decision = 'allowed'
    for (const one of each) {
      if (RESTRICTIVENESS.indexOf(one.decision) > RESTRICTIVENESS.indexOf(worst)) worst = one.decision
    }

    const organizations = each.some(one => one.organizations === undefined)
      ? undefined
      : each.every(one => one.organizations)
    results.push({
      EvalActionName: action,
      EvalDecision: worst,
      EvalResourceName: '*',
      MatchedStatements: [],
      MissingContextValues: [],
      ...organizationsDetail(organizations),
      ResourceSpecificResults: each.map(one => ({
        EvalResourceDecision: one.decision,
        EvalResourceName: one.resource,
        MatchedStatements: matched(one.sources),
        MissingContextValues: [],
        ...boundaryDetail(one.boundary),
      })),
    })
  }

  return results
}

/** An IAM error as the SDK would throw it. */
function iamError(name: string, message: string, status: number): Error {
  return Object.assign(new Error(message), {
    $fault: 'client', $metadata: {attempts: 1, httpStatusCode: status}, name,
  })
}

interface SimulationRequest {
  role: string
  actions: string[]
  resources: string[]
  context: Record<string, string[]>
  marker?: string
  maxItems?: number
}

/** What the world answers to one request, or the error it answers with: shared by both faces. */
async function answer(
  world: IamWorld,
  state: {requests: number},
  input: SimulationRequest,
): Promise<{error: {code: string; message: string; status: number}} | {next?: string; page: EvaluationResult[]}> {
  state.requests++
  if ((world.throttle ?? 0) > 0) {
    world.throttle = world.throttle! - 1
    return {error: {code: 'Throttling', message: 'Rate exceeded', status: 400}}
  }

  if (world.callerDenied) {
    const message = `User: ${CALLER} is not authorized to perform: iam:SimulatePrincipalPolicy on resource: ` +
      `${input.role} because no identity-based policy allows the iam:SimulatePrincipalPolicy action`
    return {error: {code: 'AccessDenied', message, status: 403}}
  }

  if (!world.roles[input.role]) {
    const name = input.role.slice(input.role.lastIndexOf('/') + 1)
    return {error: {code: 'NoSuchEntity', message: `The role with name ${name} cannot be found.`, status: 404}}
  }

  const all = await simulateInWorld(world, {
    actions: input.actions, context: input.context, resources: input.resources, roleArn: input.role,
  })
  const size = Math.min(world.pageSize ?? 1000, input.maxItems ?? 100)
  const start = Number(input.marker ?? 0)
  const next = start + size < all.length ? String(world.repeatMarker ? size : start + size) : undefined
  return {next, page: all.slice(start, start + size)}
}

function contextOf(input: SimulatePrincipalPolicyCommandInput): Record<string, string[]> {
  return Object.fromEntries((input.ContextEntries ?? []).map(entry =>
    [entry.ContextKeyName ?? '', entry.ContextKeyValues ?? []]))
}

/** The IamPort in-process over a world, recording every call. */
export function fakeIam(world: IamWorld, calls: IamCall[] = []): IamPort & {calls: IamCall[]} {
  const state = {requests: 0}
  return {
    calls,
    destroy() {},
    async simulatePrincipalPolicy(input): Promise<SimulatePrincipalPolicyCommandOutput> {
      const request = {
        actions: input.ActionNames ?? [],
        context: contextOf(input),
        marker: input.Marker,
        maxItems: input.MaxItems,
        resources: input.ResourceArns ?? [],
        role: input.PolicySourceArn ?? '',
      }
      const answered = await answer(world, state, request)
      const call: IamCall = {...request, status: 'error' in answered ? answered.error.code : 200}
      calls.push(call)
      if ('error' in answered) {
        const {code, message, status} = answered.error
        throw classifyAwsError(iamError(code, message, status), {
          action: 'iam:SimulatePrincipalPolicy', endpoint: 'iam.amazonaws.com', resource: request.role,
        })
      }

      return {
        $metadata: {httpStatusCode: 200},
        EvaluationResults: answered.page,
        IsTruncated: answered.next !== undefined,
        ...(answered.next === undefined ? {} : {Marker: answered.next}),
      }
    },
  }
}

function escapeXml(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;')
}

/** A value as the Query protocol's XML carries it: lists as <member>, maps as <entry>. */
function xml(value: unknown): string {
  if (Array.isArray(value)) return value.map(item => `<member>${xml(item)}</member>`).join('')
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).filter(([, inner]) => inner !== undefined)
    .map(([key, inner]) => `<${key}>${xml(inner)}</${key}>`).join('')
  }

  return escapeXml(String(value))
}

/** The members of a Query-protocol list (Name.member.1, Name.member.2…). */
function members(form: URLSearchParams, name: string): string[] {
  const out: string[] = []
  for (let index = 1; form.has(`${name}.member.${index}`); index++) out.push(form.get(`${name}.member.${index}`)!)
  return out
}

function reply(response: ServerResponse, status: number, body: string): void {
  response.writeHead(status, {'content-type': 'text/xml'})
  response.end(body)
}

export interface IamEndpoint {
  endpoint: string
  /** Every SimulatePrincipalPolicy request, with its answer. */
  calls: IamCall[]
  /** The world it answers for; a test may change it between runs. */
  world: IamWorld
  close(): Promise<void>
}

/** IAM's Query protocol over HTTP (Action=SimulatePrincipalPolicy&Version=2010-05-08&…), answering in XML. */
export async function startIamEndpoint(world: IamWorld): Promise<IamEndpoint> {
  const calls: IamCall[] = []
  const state = {requests: 0}
  const server = createServer((request, response) => {
    let text = ''
    request.on('data', (chunk: Buffer) => {
      text += chunk.toString()
    })
    request.on('end', async () => {
      const form = new URLSearchParams(text)

      const requestId = `req-${calls.length + 1}`
      if (form.get('Action') !== 'SimulatePrincipalPolicy') {
        reply(response, 400, `<ErrorResponse><Error><Type>Sender</Type><Code>InvalidAction</Code><Message>${
          escapeXml(String(form.get('Action')))}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`)
        return
      }

      const context: Record<string, string[]> = {}
      for (let index = 1; form.has(`ContextEntries.member.${index}.ContextKeyName`); index++) {
        context[form.get(`ContextEntries.member.${index}.ContextKeyName`)!] =
          members(form, `ContextEntries.member.${index}.ContextKeyValues`)
      }

      const input = {
        actions: members(form, 'ActionNames'),
        context,
        marker: form.get('Marker') ?? undefined,
        maxItems: form.has('MaxItems') ? Number(form.get('MaxItems')) : undefined,
        resources: members(form, 'ResourceArns'),
        role: form.get('PolicySourceArn') ?? '',
      }
      const answered = await answer(world, state, input)
      calls.push({...input, status: 'error' in answered ? answered.error.code : 200})
      if ('error' in answered) {
        const {code, message, status} = answered.error
        reply(response, status, '<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error><Type>Sender</Type>' +
          `<Code>${code}</Code><Message>${escapeXml(message)}</Message></Error>` +
          `<RequestId>${requestId}</RequestId></ErrorResponse>`)
        return
      }

      const result = {
        EvaluationResults: answered.page,
        IsTruncated: answered.next !== undefined,
        ...(answered.next === undefined ? {} : {Marker: answered.next}),
      }
      reply(response, 200, '<SimulatePrincipalPolicyResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">' +
        `<SimulatePrincipalPolicyResult>${xml(result)}</SimulatePrincipalPolicyResult>` +
        `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></SimulatePrincipalPolicyResponse>`)
    })
  })
  await new Promise<void>(resolve => {
    server.listen(0, '127.0.0.1', resolve)
  })
  const {port} = server.address() as {port: number}
  return {
    calls,
    close: () =>
      new Promise<void>(resolve => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
    endpoint: `http://127.0.0.1:${port}`,
    world,
  }
}

/**
 * The grant of Sentinel's own CDK stack: item actions on each table ARN and no `index/*`, so every
 * Query on an index is denied at run time.
 */
export function cdkLikeGrant(tableArns: string[]): {Statement: object[]; Version: string} {
  return {
    Statement: [{
      Action: [
        'dynamodb:GetItem',
        'dynamodb:PutItem',
        'dynamodb:UpdateItem',
        'dynamodb:DeleteItem',
        'dynamodb:Query',
        'dynamodb:Scan',
        'dynamodb:BatchGetItem',
        'dynamodb:BatchWriteItem',
      ],
      Effect: 'Allow',
      Resource: tableArns,
      Sid: 'CdkGrant',
    }],
    Version: '2012-10-17',
  }
}
