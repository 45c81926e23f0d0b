/**
 * A layer in front of a real emulator (DynamoDB Local, dynalite) that behaves as AWS documents
 * where the emulators do not (SPEC: "Real AWS is not the emulator"). Each behaviour is opt-in,
 * configured per test, and driven by counts of calls or by time (counts are deterministic):
 *
 * - notFoundAfterCreate: after a successful CreateTable, DescribeTable and DescribeTimeToLive answer
 *   ResourceNotFoundException and DescribeContinuousBackups TableNotFoundException (the error its
 *   API reference lists) for that table, as AWS may "for a while".
 * - tags: tags and PITR emulated in memory (tags paged, 50 a resource, CreateTable's Tags kept;
 *   PITR calls on a table the server lacks answer TableNotFoundException), optionally stale after a
 *   change (ListTagsOfResource "might return your previous tag set").
 * - creating: the layer holds each table it saw created in CREATING (TableStatus and IndexStatus in
 *   the CreateTable and DescribeTable answers; UpdateTable and DeleteTable refused as in use), for
 *   servers whose tables are ACTIVE at once. With dynalite (createTableMs) the server's own
 *   CREATING is real and this is not needed.
 * - indexCreationLimit: CreateTable of a table with secondary indexes is refused with
 *   LimitExceededException while another such table is CREATING, whether the server says so
 *   (dynalite) or the layer holds it.
 * - startSilentEndpoint: a server that takes connections and requests and never answers.
 * - replicas: global-table replicas, per region as each request is signed (aws-replicas.ts).
 * - deny: AccessDeniedException, in AWS's words, for some actions on one table only (an IAM
 *   policy scoped to the other tables), or on its replica in one region only (a policy scoped by
 *   region); AwsBehaviour.denials is the live list, so a test can change the policy between runs.
 * - state: DescribeTable reports a status AWS can show and an emulator cannot (a table whose KMS
 *   key is inaccessible, an archived table, a replica that is not authorised), and optionally the
 *   KMS key the table is encrypted with (and a change of key under way: SSE UPDATING), and an
 *   on-demand throughput cap (OnDemandThroughput).
 * - startKmsStub: a KMS endpoint answering DescribeKey for the keys and aliases it is given, each
 *   in its key state (Enabled, Disabled, PendingDeletion...), and GetKeyPolicy for the key policies
 *   it is given.
 * - resourcePolicies: GetResourcePolicy per table ARN (an ARN names its region: the table's own, or
 *   a replica's), PolicyNotFoundException for a table without one, as DynamoDB answers.
 * - account: ARNs naming a real account and region instead of DynamoDB Local's (a VPC endpoint or a
 *   proxy in front of AWS); unknownOperations: operations that endpoint answers it lacks.
 * - echoSessionToken: every call refused with its session token in the message (a misbehaving endpoint).
 *
 * Nothing here starts a timer: windows are checked when a call comes, so closing the proxy leaves
 * nothing behind.
 */
import {createServer as createHttpServer} from 'node:http'
import {createServer, type Socket} from 'node:net'

import {MAX_TAGS_PER_RESOURCE} from '../../src/tables/definitions.js'
import {emulateReplicas, type ReplicaOptions, type Replicas} from './aws-replicas.js'
import {
  awsErrorBody,
  emulatePitrAndTags,
  isOpen,
  openWindow,
  type PitrAndTags,
  type ProxiedCall,
  type RecordedRequest,
  type RecordingProxy,
  type Reply,
  startProxy,
  tableNameOf,
  type TagOptions,
  type Window,
  type WindowState,
} from './proxy.js'

export type {Window} from './proxy.js'

/** The describe calls that answer "not found" after CreateTable, and the error each documents. */
export const NOT_FOUND_ERRORS: Record<string, string> = {
  DescribeContinuousBackups: 'TableNotFoundException',
  DescribeTable: 'ResourceNotFoundException',
  DescribeTimeToLive: 'ResourceNotFoundException',
}

/** AWS's words for a table it does not (yet) show. */
export function notFoundMessage(type: string, table: string): string {
  if (type === 'TableNotFoundException') return `Table not found: ${table}`
  return `Requested resource not found: Table: ${table} not found`
}

/** What AWS answers to CreateTable of an indexed table while another one is being created. */
export const INDEX_LIMIT_MESSAGE =
  'Subscriber limit exceeded: You have exceeded the maximum number of indexed tables ' +
  'that can be created simultaneously.'

export function awsError(type: string, message: string, status = 400): Reply {
  return {body: awsErrorBody(type, message), status}
}

export interface AwsBehaviourOptions {
  /**
   * Describe* answer not found for a created table while this window is open (counted per table,
   * over all three actions); `errors` overrides the error type per action.
   */
  notFoundAfterCreate?: Window & {errors?: Record<string, string>}
  /** Hold each created table in CREATING while this window is open (DescribeTable answers count). */
  creating?: Window
  /**
   * Refuse CreateTable with secondary indexes while `maxCreating` (default 1) such tables are
   * CREATING.
   */
  indexCreationLimit?: boolean | {maxCreating?: number}
  /** Tag emulation; default {pageSize: 10, limit: 50, createTableTags: true}. false: the server's. */
  tags?: false | TagOptions
  /** Global-table replicas and regions (aws-replicas.ts); off unless given. */
  replicas?: ReplicaOptions
  /** AccessDeniedException for these actions on this table only (its name, or an ARN naming it). */
  deny?: Denial[]
  /** What DescribeTable reports for a table, over what the server says. */
  state?: Record<string, TableStateOverride>
  /**
   * UpdateContinuousBackups answers ContinuousBackupsUnavailableException for a created table
   * while this window is open (its calls counted per table), as AWS does while it turns on
   * backups for a new table. Needs the PITR emulation (tags not false).
   */
  backupsUnavailableAfterCreate?: Window
  /**
   * DynamoDB resource policies by table ARN (JSON text), answered to GetResourcePolicy; a live map, so a
   * test can change a policy between runs. Every other ARN: PolicyNotFoundException.
   */
  resourcePolicies?: Map<string, string>
  /**
   * The account and region the answers' ARNs name, as AWS's do (DynamoDB Local's name region ddblocal
   * and account 000000000000): a real account behind an endpoint override (a VPC endpoint, a proxy).
   */
  account?: {id: string; region: string}
  /** UnknownOperationException for these actions: an endpoint that lacks them. */
  unknownOperations?: readonly string[]
  /**
   * Every call refused with the request's session token (X-Amz-Security-Token) in the error message,
   * as a misbehaving endpoint or proxy may echo it. `echoedTokens` lists what was echoed.
   */
  echoSessionToken?: boolean
}

export interface TableStateOverride {
  /** TableStatus, e.g. INACCESSIBLE_ENCRYPTION_CREDENTIALS or ARCHIVED. */
  tableStatus?: string
  /** Only after this many DescribeTable answers for the table (default 0: at once). */
  afterDescribes?: number
  /** SSEDescription with this key (AWS reports the key; the emulators say nothing). */
  kmsKeyArn?: string
  /** Replicas[], e.g. [{RegionName: 'eu-west-1', ReplicaStatus: 'REGION_DISABLED'}]. */
  replicas?: {RegionName: string; ReplicaStatus: string}[]
  /** SSEDescription.Status with kmsKeyArn, e.g. UPDATING (a change of key under way); default ENABLED. */
  sseStatus?: string
  /** sseStatus is shown in this many DescribeTable answers, then ENABLED (default: always). */
  sseStatusDescribes?: number
  /** OnDemandThroughput, e.g. {MaxReadRequestUnits: 1, MaxWriteRequestUnits: 1} (a cap AWS enforces). */
  onDemandThroughput?: {MaxReadRequestUnits?: number; MaxWriteRequestUnits?: number}
}

/** The account the layer's AccessDenied messages name. */
export const LAYER_ACCOUNT = '123456789012'

/** AWS's AccessDeniedException for an identity-based policy that does not allow an action. */
export function accessDeniedMessage(action: string, resource: string): string {
  return `User: arn:aws:iam::${LAYER_ACCOUNT}:user/ci is not authorized to perform: dynamodb:${action} ` +
    `on resource: ${resource} because no identity-based policy allows the dynamodb:${action} action`
}

export interface Refusal {
  table: string
  /** The indexed tables that were CREATING. */
  blockedBy: string[]
  at: number
}

/** Actions refused on one table: in its own region, or (region) on its replica there only. */
export interface Denial {
  table: string
  actions: readonly string[]
  region?: string
}

export interface AwsBehaviour {
  /** The denials in force (the deny option's, then any a test adds): an IAM policy changed between runs. */
  denials: Denial[]
  /** PITR and tag state (empty maps when tags: false). */
  pitr: Map<string, boolean>
  tags: Map<string, Record<string, string>>
  visibleTags(arn: string): Record<string, string>
  readonly staleAnswers: number
  /** CreateTable calls refused by the index-creation limit. */
  refusals: Refusal[]
  /** How many Describe* calls were answered "not found" by the layer. */
  readonly notFoundAnswers: number
  /** Replica state and every ReplicaUpdates action, with the replicas option. */
  replicas?: Replicas
  /** The session tokens echoed in error messages, with the echoSessionToken option. */
  echoedTokens: string[]
}

const PITR_ACTIONS = new Set(['DescribeContinuousBackups', 'UpdateContinuousBackups'])

export function hasSecondaryIndexes(body: Record<string, any>): boolean {
  return (body.GlobalSecondaryIndexes?.length ?? 0) > 0 || (body.LocalSecondaryIndexes?.length ?? 0) > 0
}

/** Runs tasks one after another: decisions about the index limit must not interleave. */
function serialiser(): <T>(task: () => Promise<T>) => Promise<T> {
  let queue: Promise<unknown> = Promise.resolve()
  return task => {
    const result = queue.then(task)
    queue = result.catch(() => {})
    return result
  }
}

/** Installs the behaviours on a proxy. Interceptors run in this order: limit, CREATING, not found. */
export function behaveLikeAws(proxy: RecordingProxy, options: AwsBehaviourOptions = {}): AwsBehaviour {
  const refusals: Refusal[] = []
  let notFoundAnswers = 0
  const holds = new Map<string, WindowState>()
  const holding = (table: string) => {
    const open = isOpen(options.creating, holds.get(table))
    if (!open) holds.delete(table)
    return open
  }

  if (options.resourcePolicies) installResourcePolicies(proxy, options.resourcePolicies)
  if (options.account) installAccount(proxy, options.account)
  if (options.unknownOperations) installUnknownOperations(proxy, options.unknownOperations)
  const echoedTokens: string[] = []
  if (options.echoSessionToken) installTokenEcho(proxy, echoedTokens)
  const denials = [...options.deny ?? []]
  // A denial in a replica's region is seen before the replica emulation answers for that region.
  installDenials(proxy, denials, denial => denial.region !== undefined)
  // First: a call for a replica's region is answered for that region before anything else sees it.
  const replicas = options.replicas ? emulateReplicas(proxy, options.replicas) : undefined
  installDenials(proxy, denials, denial => denial.region === undefined)
  if (options.backupsUnavailableAfterCreate) installBackupsUnavailable(proxy, options.backupsUnavailableAfterCreate)
  if (options.state) installStates(proxy, options.state)
  if (options.indexCreationLimit) installIndexLimit(proxy, options, holding, refusals)
  if (options.creating) installCreatingHold(proxy, options.creating, holds, holding)
  if (options.notFoundAfterCreate) {
    const window = options.notFoundAfterCreate
    const errors = {...NOT_FOUND_ERRORS, ...window.errors}
    const created = new Map<string, WindowState>()
    proxy.intercept(call => {
      if (call.action === 'CreateTable' && call.table) {
        const {table} = call
        return {
          after(answer) {
            if (answer.status === 200) created.set(table, openWindow(window))
          },
        }
      }

      const type = errors[call.action]
      if (!type || !call.table) return
      const table = tableNameOf(call.table)
      const state = created.get(table)
      if (!isOpen(window, state)) {
        created.delete(table)
        return
      }

      state!.used++
      notFoundAnswers++
      return {reply: awsError(type, notFoundMessage(type, table))}
    })
  }

  let tagState: PitrAndTags | undefined
  if (options.tags !== false) {
    // The emulated PITR calls answer for a table the server does not have as AWS does.
    proxy.intercept(async call => {
      if (!PITR_ACTIONS.has(call.action) || !call.table) return
      const table = tableNameOf(call.table)
      const answer = await call.upstream('DescribeTable', {TableName: table})
      if (answer.status !== 400 || !String(answer.body?.__type).endsWith('ResourceNotFoundException')) return
      return {reply: awsError('TableNotFoundException', notFoundMessage('TableNotFoundException', table))}
    })
    const tagOptions: TagOptions = {
      createTableTags: true,
      limit: MAX_TAGS_PER_RESOURCE,
      pageSize: 10,
      ...options.tags,
    }
    tagState = emulatePitrAndTags(proxy, tagOptions)
  }

  return {
    denials,
    echoedTokens,
    get notFoundAnswers() {
      return notFoundAnswers
    },
    pitr: tagState?.pitr ?? new Map(),
    refusals,
    replicas,
    get staleAnswers() {
      return tagState?.staleAnswers ?? 0
    },
    tags: tagState?.tags ?? new Map(),
    visibleTags: arn => tagState?.visibleTags(arn) ?? {},
  }
}

/** GetResourcePolicy by ARN, before anything else sees it (no emulator implements resource policies). */
function installResourcePolicies(proxy: RecordingProxy, policies: ReadonlyMap<string, string>): void {
  proxy.intercept(call => {
    if (call.action !== 'GetResourcePolicy') return
    const arn = String(call.body.ResourceArn ?? '')
    const policy = policies.get(arn)
    if (!policy) {
      const message = `Resource-based policy not found for the provided ResourceArn: ${arn}`
      return {reply: awsError('PolicyNotFoundException', message)}
    }

    return {reply: {body: {Policy: policy, RevisionId: '1700000000000'}, status: 200}}
  })
}

function installDenials(proxy: RecordingProxy, denials: readonly Denial[], applies: (denial: Denial) => boolean): void {
  proxy.intercept(call => {
    const named = call.table ?? call.arn
    if (!named) return
    const table = tableNameOf(named)
    const denied = denials.find(denial => applies(denial) && denial.table === table &&
      denial.actions.includes(call.action) && (denial.region === undefined || denial.region === call.region))
    if (!denied) return
    const region = denied.region ?? 'us-east-1'
    const resource = named.startsWith('arn:') ? named : `arn:aws:dynamodb:${region}:${LAYER_ACCOUNT}:table/${table}`
    return {reply: awsError('AccessDeniedException', accessDeniedMessage(call.action, resource))}
  })
}

/** Every answer's DynamoDB Local ARNs named in the account and region given, as AWS names them. */
function installAccount(proxy: RecordingProxy, account: {id: string; region: string}): void {
  const local = 'arn:aws:dynamodb:ddblocal:000000000000:'
  const real = `arn:aws:dynamodb:${account.region}:${account.id}:`
  proxy.intercept(() => ({
    after(answer) {
      const text = answer.body === undefined ? '' : JSON.stringify(answer.body)
      if (!text.includes(local)) return
      return {body: JSON.parse(text.replaceAll(local, real)), status: answer.status}
    },
  }))
}

function installUnknownOperations(proxy: RecordingProxy, actions: readonly string[]): void {
  proxy.intercept(call => {
    if (!actions.includes(call.action)) return
    return {reply: awsError('UnknownOperationException', 'An unknown operation was requested.')}
  })
}

function installTokenEcho(proxy: RecordingProxy, echoed: string[]): void {
  proxy.intercept(call => {
    const token = String(call.headers['x-amz-security-token'] ?? '')
    if (!token) return
    echoed.push(token)
    return {reply: awsError('ValidationException', `The session token ${token} is not valid for this endpoint.`)}
  })
}

function installBackupsUnavailable(proxy: RecordingProxy, window: Window): void {
  const created = new Map<string, WindowState>()
  proxy.intercept(call => {
    if (!call.table) return
    const table = tableNameOf(call.table)
    if (call.action === 'CreateTable') {
      return {
        after(answer) {
          if (answer.status === 200) created.set(table, openWindow(window))
        },
      }
    }

    if (call.action !== 'UpdateContinuousBackups') return
    const state = created.get(table)
    if (!isOpen(window, state)) return
    state!.used++
    const message = `Backups are being enabled for the table: ${table}. Please retry later`
    return {reply: awsError('ContinuousBackupsUnavailableException', message)}
  })
}

function installStates(proxy: RecordingProxy, states: Record<string, TableStateOverride>): void {
  const seen = new Map<string, number>()
  proxy.intercept(call => {
    if (call.action !== 'DescribeTable' || !call.table) return
    const table = tableNameOf(call.table)
    const state = states[table]
    if (!state) return
    return {
      after(answer) {
        if (answer.status !== 200 || !answer.body?.Table) return
        const count = (seen.get(table) ?? 0) + 1
        seen.set(table, count)
        const reported = {...answer.body.Table}
        if (state.kmsKeyArn) {
          const changing = state.sseStatus && count <= (state.sseStatusDescribes ?? Number.POSITIVE_INFINITY)
          const status = changing ? state.sseStatus : 'ENABLED'
          reported.SSEDescription = {KMSMasterKeyArn: state.kmsKeyArn, SSEType: 'KMS', Status: status}
        }

        if (state.onDemandThroughput) reported.OnDemandThroughput = state.onDemandThroughput

        if (count > (state.afterDescribes ?? 0)) {
          if (state.tableStatus) reported.TableStatus = state.tableStatus
          if (state.replicas) reported.Replicas = state.replicas
        }

        return {body: {...answer.body, Table: reported}}
      },
    }
  })
}

export interface KmsStub {
  endpoint: string
  /** The DescribeKey requests: the KeyId each named. */
  readonly describeKeyCalls: string[]
  /** The region each DescribeKey was signed for, in the order of describeKeyCalls. */
  readonly describeKeyRegions: string[]
  /** The GetKeyPolicy requests: the KeyId each named. */
  readonly getKeyPolicyCalls: string[]
  /** Key policies by key ARN (JSON text), answered to GetKeyPolicy; a live map. */
  readonly keyPolicies: Map<string, string>
  close(): Promise<void>
}

/** A key as the KMS stub describes it: its ARN, its KeyState (default Enabled), its custom key store. */
export interface StubKey {
  arn: string
  state?: string
  customKeyStoreId?: string
}

/**
 * A KMS endpoint (JSON protocol, TrentService) answering DescribeKey: `keys` maps a key ID, key
 * ARN, alias name or alias ARN to the key ARN it names (or the key with its state); anything else
 * is NotFoundException, as KMS answers for an alias that does not exist.
 */
export async function startKmsStub(
  keys: Record<string, string | StubKey>,
  options: {
    /** Per region (the request's SigV4 scope), keys answered there before `keys`: an alias names a key per region. */
    inRegion?: Record<string, Record<string, string | StubKey>>
    /** Key policies by key ARN (JSON text), answered to GetKeyPolicy. */
    keyPolicies?: Map<string, string>
  } = {},
): Promise<KmsStub> {
  const {inRegion = {}, keyPolicies = new Map<string, string>()} = options
  const describeKeyCalls: string[] = []
  const describeKeyRegions: string[] = []
  const getKeyPolicyCalls: string[] = []
  const headers = {'content-type': 'application/x-amz-json-1.1'}
  type Answer = {body: object; status: number}
  const notFound = (message: string): Answer => ({body: {__type: 'NotFoundException', message}, status: 400})
  const getKeyPolicy = (body: {KeyId?: string; PolicyName?: string}): Answer => {
    getKeyPolicyCalls.push(body.KeyId ?? '')
    const policy = keyPolicies.get(body.KeyId ?? '')
    return policy && body.PolicyName === 'default'
      ? {body: {Policy: policy, PolicyName: 'default'}, status: 200}
      : notFound(`Key '${body.KeyId}' does not exist`)
  }

  const describeKey = (body: {KeyId?: string}, authorization: string): Answer => {
    describeKeyCalls.push(body.KeyId ?? '')
    // Credential=AKID/DATE/REGION/kms/aws4_request
    const region = /Credential=[^/]+\/\d+\/([^/]+)\//.exec(authorization)?.[1] ?? ''
    describeKeyRegions.push(region)
    const named = inRegion[region]?.[body.KeyId ?? ''] ?? keys[body.KeyId ?? '']
    const key = typeof named === 'string' ? {arn: named} : named
    if (!key) return notFound(`Alias ${body.KeyId} is not found.`)
    const state = key.state ?? 'Enabled'
    return {
      body: {
        KeyMetadata: {
          Arn: key.arn,
          ...(key.customKeyStoreId ? {CustomKeyStoreId: key.customKeyStoreId} : {}),
          Enabled: state === 'Enabled',
          KeyId: key.arn.split('/').pop(),
          KeyManager: 'CUSTOMER',
          KeyState: state,
        },
      },
      status: 200,
    }
  }

  const server = createHttpServer((request, response) => {
    let text = ''
    request.on('data', (chunk: Buffer) => {
      text += chunk.toString()
    })
    request.on('end', () => {
      const target = String(request.headers['x-amz-target'] ?? '')
      const body = JSON.parse(text || '{}') as {KeyId?: string; PolicyName?: string}
      const answers: Record<string, () => Answer> = {
        'TrentService.DescribeKey': () => describeKey(body, String(request.headers.authorization ?? '')),
        'TrentService.GetKeyPolicy': () => getKeyPolicy(body),
      }
      const answer = answers[target]?.() ?? {body: {__type: 'UnknownOperationException', message: target}, status: 400}
      response.writeHead(answer.status, headers)
      response.end(JSON.stringify(answer.body))
    })
  })
  await new Promise<void>(resolve => {
    server.listen(0, '127.0.0.1', resolve)
  })
  const {port} = server.address() as {port: number}
  return {
    close: () =>
      new Promise<void>(resolve => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
    describeKeyCalls,
    describeKeyRegions,
    endpoint: `http://127.0.0.1:${port}`,
    getKeyPolicyCalls,
    keyPolicies,
  }
}

/** A table description (and its global secondary indexes) shown as CREATING. */
function asCreating(table: Record<string, any>) {
  return {
    ...table,
    GlobalSecondaryIndexes: table.GlobalSecondaryIndexes?.map((gsi: object) => ({...gsi, IndexStatus: 'CREATING'})),
    TableStatus: 'CREATING',
  }
}

function installCreatingHold(
  proxy: RecordingProxy,
  window: Window,
  holds: Map<string, WindowState>,
  holding: (table: string) => boolean,
): void {
  proxy.intercept(call => {
    if (!call.table) return
    const table = tableNameOf(call.table)
    if (call.action === 'CreateTable') {
      return {
        after(answer) {
          if (answer.status !== 200 || !answer.body?.TableDescription) return
          holds.set(table, openWindow(window))
          return {body: {...answer.body, TableDescription: asCreating(answer.body.TableDescription)}}
        },
      }
    }

    if (!holding(table)) return
    if (call.action === 'UpdateTable' || call.action === 'DeleteTable') {
      const message = `Attempt to change a resource which is still in use: Table is being created: ${table}`
      return {reply: awsError('ResourceInUseException', message)}
    }

    if (call.action !== 'DescribeTable') return
    return {
      after(answer) {
        const state = holds.get(table)
        if (answer.status !== 200 || !answer.body?.Table || !state) return
        state.used++
        return {body: {...answer.body, Table: asCreating(answer.body.Table)}}
      },
    }
  })
}

function installIndexLimit(
  proxy: RecordingProxy,
  options: AwsBehaviourOptions,
  holding: (table: string) => boolean,
  refusals: Refusal[],
): void {
  const maxCreating = typeof options.indexCreationLimit === 'object' ? (options.indexCreationLimit.maxCreating ?? 1) : 1
  /** Indexed tables created through the layer that may still be CREATING. */
  const indexed = new Set<string>()
  /** Indexed tables whose CreateTable has not been answered yet. */
  const pending = new Set<string>()
  const serial = serialiser()

  const creating = async (table: string, call: ProxiedCall) => {
    if (pending.has(table) || holding(table)) return true
    const answer = await call.upstream('DescribeTable', {TableName: table})
    const status = answer.status === 200 ? answer.body?.Table?.TableStatus : undefined
    if (status !== 'CREATING') indexed.delete(table)
    return status === 'CREATING'
  }

  proxy.intercept(call => {
    if (call.action !== 'CreateTable' || !call.table || !hasSecondaryIndexes(call.body)) return
    const {table} = call
    return serial(async () => {
      // A second CreateTable of a table being created: the server answers ResourceInUseException.
      if (indexed.has(table)) return
      const blockedBy: string[] = []
      for (const other of indexed) if (await creating(other, call)) blockedBy.push(other)
      if (blockedBy.length >= maxCreating) {
        const exists = (await call.upstream('DescribeTable', {TableName: table})).status === 200
        if (exists) return
        refusals.push({at: Date.now(), blockedBy, table})
        return {reply: awsError('LimitExceededException', INDEX_LIMIT_MESSAGE)}
      }

      indexed.add(table)
      pending.add(table)
      return {
        after(answer: {status: number}) {
          pending.delete(table)
          if (answer.status !== 200) indexed.delete(table)
        },
      }
    })
  })
}

/**
 * The proxy with the behaviours on it. Its reset() removes the behaviours too; to forget only what
 * was recorded, empty `requests`, `calls` and `answers`.
 */
export type AwsLayer = RecordingProxy & {aws: AwsBehaviour}

/** A recording proxy in front of `target` with the behaviours installed. */
export async function startAwsLayer(target: string, options: AwsBehaviourOptions = {}): Promise<AwsLayer> {
  const proxy = await startProxy(target)
  return Object.assign(proxy, {aws: behaveLikeAws(proxy, options)})
}

/** The recorded requests of one action (and table or ARN), optionally with one answer status. */
export function requestsOf(
  requests: RecordedRequest[],
  action: string,
  filter: {table?: string; status?: number} = {},
): RecordedRequest[] {
  const forTable = (request: RecordedRequest) =>
    filter.table === undefined || tableNameOf(request.table ?? request.arn ?? '') === filter.table
  const withStatus = (request: RecordedRequest) => filter.status === undefined || request.status === filter.status
  return requests.filter(request => request.action === action && forTable(request) && withStatus(request))
}

/** One line per request ("CreateTable t-1 400 LimitExceededException"), for assertion messages. */
export function callLog(requests: RecordedRequest[]): string {
  const lines = requests.map(request => {
    const target = request.table ?? request.arn ?? ''
    return [request.action, target, request.status ?? 'no answer', request.error ?? ''].join(' ').trim()
  })
  return lines.join('\n')
}

export interface SilentEndpoint {
  endpoint: string
  /** Connections accepted so far. */
  readonly connections: number
  /** HTTP requests whose start line arrived (none is ever answered). */
  readonly requests: number
  /** Destroys every held connection and stops listening. */
  close(): Promise<void>
}

/** A TCP server that accepts connections and reads what comes, and never answers. */
export async function startSilentEndpoint(): Promise<SilentEndpoint> {
  const sockets = new Set<Socket>()
  let connections = 0
  let requests = 0
  const server = createServer(socket => {
    connections++
    sockets.add(socket)
    let seen = ''
    let counted = 0
    socket.on('data', (chunk: Buffer) => {
      seen += chunk.toString('latin1')
      const started = seen.match(/^[A-Z]+ \S+ HTTP\/1\.[01]$/gm)?.length ?? 0
      requests += started - counted
      counted = started
    })
    socket.on('error', () => {})
    socket.on('close', () => sockets.delete(socket))
  })
  await new Promise<void>(resolve => {
    server.listen(0, '127.0.0.1', resolve)
  })
  const {port} = server.address() as {port: number}
  return {
    close: () =>
      new Promise<void>(resolve => {
        for (const socket of sockets) socket.destroy()
        server.close(() => resolve())
      }),
    get connections() {
      return connections
    },
    endpoint: `http://127.0.0.1:${port}`,
    get requests() {
      return requests
    },
  }
}
