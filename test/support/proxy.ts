/**
 * An HTTP proxy in front of a real DynamoDB server. It records every call (X-Amz-Target, the table
 * or ARN it named, the HTTP status it got back) and can, per action, answer with an AWS error,
 * delay, drop the connection, or emulate what the server lacks (PITR, tags) with in-memory state.
 * Interceptors (see `intercept`) let a layer in front of the server behave as AWS documents; the
 * layer itself is in aws-behaviour.ts.
 */
import type {AddressInfo} from 'node:net'

import {
  Agent,
  createServer,
  request as httpRequest,
  type IncomingHttpHeaders,
} from 'node:http'

import {MAX_TAGS_PER_RESOURCE} from '../../src/tables/definitions.js'

/** A fault for one action; `table` limits it to calls naming that table, `times` to the first N. */
export type Fault = {table?: string; times?: number} & (
  | {kind: 'delay'; ms: number}
  | {kind: 'drop'}
  | {kind: 'error'; status: number; type: string; message?: string}
  | {kind: 'lose-answer'}
)

/** An answer made up by the proxy (or a layer) instead of the server's. */
export interface Reply {
  status?: number
  body: unknown
}

export type Emulator = (body: Record<string, unknown>) => Reply

/** One request as an interceptor sees it. */
export interface ProxiedCall {
  action: string
  body: Record<string, any>
  table?: string
  arn?: string
  /** The region the request was signed for (SigV4 credential scope), as AWS routes it. */
  region?: string
  /** The request's HTTP headers, as the client sent them. */
  headers: IncomingHttpHeaders
  /** Sends a call of the layer's own to the real server (with this call's headers); not recorded. */
  upstream(action: string, body: object): Promise<{status: number; body: any}>
}

/** Sees (and may replace) the answer to a call; status 0 when the server gave none. */
export type AfterHook = (answer: {status: number; body: any}) => Reply | void

/**
 * Runs for every call that no fault answered, in the order installed, before emulators and the
 * server: `{reply}` answers at once; `{after}` watches or rewrites the answer; nothing passes on.
 */
export type Interceptor = (call: ProxiedCall) => InterceptorVerdict | Promise<InterceptorVerdict>

/** What an interceptor decides for a call: answer it, watch its answer, or nothing (pass it on). */
export type InterceptorVerdict = undefined | {after: AfterHook} | {reply: Reply}

export interface RecordedRequest {
  action: string
  /** TableName as sent (a name, or for some actions an ARN). */
  table?: string
  /** ResourceArn as sent (tag actions). */
  arn?: string
  /** The region the request was signed for. */
  region?: string
  /** When the request arrived (ms since epoch). */
  at: number
  /** The HTTP status the proxy answered; absent while unanswered or when the connection was cut. */
  status?: number
  /** The AWS error type of that answer (`LimitExceededException`), when it was an error. */
  error?: string
  /** The real server's HTTP status, when the call reached it. */
  upstreamStatus?: number
}

export interface RecordingProxy {
  endpoint: string
  calls: string[]
  /** Every request: the action, the table or resource ARN it named, and how it was answered. */
  requests: RecordedRequest[]
  /** Every call the real server answered: when the answer left, and the table status it carried. */
  answers: {action: string; at: number; table?: string; tableStatus?: string}[]
  fault(action: string, fault: Fault): void
  emulate(action: string, emulator: Emulator): void
  /** Rewrites the real server's JSON answer to an action. */
  transform(action: string, change: (body: Record<string, any>) => Record<string, any>): void
  /** Adds an interceptor; returns a function that removes it. */
  intercept(interceptor: Interceptor): () => void
  /** Forgets the recordings and every fault, emulator, transform and interceptor. */
  reset(): void
  /** Closes every connection (client and upstream) and pending delay; resolves when closed. */
  close(): Promise<void>
}

const JSON_HEADERS = {'content-type': 'application/x-amz-json-1.0'}

/** The body of an AWS JSON-protocol error. */
export function awsErrorBody(type: string, message: string): {__type: string; message: string} {
  return {__type: `com.amazonaws.dynamodb.v20120810#${type}`, message}
}

function errorType(text: string): string | undefined {
  const type = /"__type"\s*:\s*"([^"]+)"/.exec(text)?.[1]
  return type?.split('#').pop()
}

function parse(text: string): any {
  try {
    return JSON.parse(text || '{}')
  } catch {
    return undefined
  }
}

type AnswerHeaders = IncomingHttpHeaders | Record<string, string>

/** An HTTP answer as it goes back to the client. */
interface HttpAnswer {
  status: number
  headers: AnswerHeaders
  text: string
}

/** A request as the proxy's server received it. */
interface Incoming {
  method: string
  path: string
  headers: IncomingHttpHeaders
  raw: Buffer
}

/** The region in a SigV4 Authorization header's credential scope (Credential=KEY/DATE/REGION/SERVICE/...). */
export function signedRegion(headers: IncomingHttpHeaders): string | undefined {
  return /Credential=[^/]+\/\d{8}\/([^/]+)\//.exec(String(headers.authorization ?? ''))?.[1]
}

/** The service prefix of an X-Amz-Target ("DynamoDB_20120810" in "DynamoDB_20120810.CreateTable"). */
function targetPrefix(target: string): string {
  return target.includes('.') ? target.slice(0, target.lastIndexOf('.')) : 'DynamoDB_20120810'
}

/** The TableStatus a server's answer carries, if any. */
function tableStatusOf(text: string): string | undefined {
  return /"TableStatus":"(\w+)"/.exec(text)?.[1]
}

/** The answer to a call that an error fault hits. */
function faultAnswer(fault: {status: number; type: string; message?: string}): HttpAnswer {
  const body = awsErrorBody(fault.type, fault.message ?? fault.type)
  return {headers: JSON_HEADERS, status: fault.status, text: JSON.stringify(body)}
}

/** The answer for a reply made up by an interceptor or an emulator. */
function replyAnswer(reply: Reply): HttpAnswer {
  return {headers: JSON_HEADERS, status: reply.status ?? 200, text: JSON.stringify(reply.body)}
}

/** The headers without those a rewritten body would contradict: content-length and x-amz-crc32. */
function withoutBodyChecks(headers: AnswerHeaders): IncomingHttpHeaders {
  const kept: IncomingHttpHeaders = {...headers}
  delete kept['content-length']
  delete kept['x-amz-crc32']
  return kept
}

/** Runs the after hooks on an answer; a hook that returns a reply replaces the answer. */
function settle(afters: AfterHook[], answer: HttpAnswer): HttpAnswer {
  let seen = {body: parse(answer.text), status: answer.status}
  let changed = false
  for (const hook of afters) {
    const replaced = hook(seen)
    if (replaced) {
      seen = {body: replaced.body, status: replaced.status ?? 200}
      changed = true
    }
  }

  if (!changed) return answer
  // The SDK checks x-amz-crc32 against the body; a rewritten body drops it.
  return {headers: withoutBodyChecks(answer.headers), status: seen.status, text: JSON.stringify(seen.body)}
}

export async function startProxy(target: string): Promise<RecordingProxy> {
  const targetUrl = new URL(target)
  const agent = new Agent({keepAlive: true})
  const faults = new Map<string, Fault & {used: number}>()
  const emulators = new Map<string, Emulator>()
  const transforms = new Map<string, (body: Record<string, any>) => Record<string, any>>()
  const interceptors: Interceptor[] = []
  const calls: string[] = []
  const answers: RecordingProxy['answers'] = []
  const requests: RecordedRequest[] = []
  const delays = new Set<NodeJS.Timeout>()
  let closed = false

  /** One request to the real server; rejects when it gives no answer. */
  const send = (method: string, path: string, headers: IncomingHttpHeaders, body: Buffer) =>
    new Promise<{status: number; headers: IncomingHttpHeaders; text: string}>((resolve, reject) => {
      const upstream = httpRequest(
        {
          agent,
          headers,
          host: targetUrl.hostname,
          method,
          path,
          port: targetUrl.port,
        },
        answer => {
          const parts: Buffer[] = []
          answer.on('data', (chunk: Buffer) => parts.push(chunk))
          answer.on('end', () => {
            resolve({headers: answer.headers, status: answer.statusCode ?? 500, text: Buffer.concat(parts).toString()})
          })
          answer.on('error', reject)
        },
      )
      upstream.on('error', reject)
      upstream.end(body)
    })

  const sleep = (ms: number) =>
    new Promise<boolean>(resolve => {
      const timer = setTimeout(() => {
        delays.delete(timer)
        resolve(!closed)
      }, ms)
      delays.add(timer)
    })

  /** The fault installed for an action if it applies to this call, counted as used. */
  const takeFault = (action: string, tableName: string) => {
    const fault = faults.get(action)
    if (!fault) return
    const forTable = fault.table === undefined || fault.table === tableName
    const timesLeft = fault.times === undefined || fault.used < fault.times
    if (!forTable || !timesLeft) return
    fault.used++
    return fault
  }

  const handle = async ({headers, method, path, raw}: Incoming, respond: Responder) => {
    const target = String(headers['x-amz-target'] ?? '')
    const action = target.split('.').pop() ?? ''
    calls.push(action)
    const body = (parse(raw.toString()) ?? {}) as Record<string, any>
    const region = signedRegion(headers)
    const record: RecordedRequest = {
      action,
      arn: body.ResourceArn,
      at: Date.now(),
      region,
      table: body.TableName,
    }
    requests.push(record)
    let loseAnswer = false
    const finish = ({headers: answerHeaders, status, text}: HttpAnswer) => {
      // The server acted, but the client never hears back.
      if (loseAnswer) {
        respond.cut()
        return
      }

      record.status = status
      if (status >= 400) record.error = errorType(text)
      respond.answer(status, answerHeaders, text)
    }

    const fault = takeFault(action, String(body.TableName ?? ''))
    if (fault) {
      if (fault.kind === 'drop') {
        respond.cut()
        return
      }

      if (fault.kind === 'error') {
        finish(faultAnswer(fault))
        return
      }

      if (fault.kind === 'lose-answer') loseAnswer = true
      if (fault.kind === 'delay' && !(await sleep(fault.ms))) return
    }

    const prefix = targetPrefix(target)
    const call: ProxiedCall = {
      action,
      arn: body.ResourceArn,
      body,
      headers,
      region,
      table: body.TableName,
      async upstream(ownAction, ownBody) {
        const text = JSON.stringify(ownBody)
        const ownHeaders = {
          ...headers,
          'content-length': String(Buffer.byteLength(text)),
          'x-amz-target': `${prefix}.${ownAction}`,
        }
        const answer = await send('POST', '/', ownHeaders, Buffer.from(text))
        return {body: parse(answer.text), status: answer.status}
      },
    }
    const afters: AfterHook[] = []
    // The interceptors installed when the call came; one added or removed meanwhile does not count.
    const installed = [...interceptors]
    for (const interceptor of installed) {
      const verdict = await interceptor(call)
      if (!verdict) continue
      if ('reply' in verdict) {
        finish(settle(afters, replyAnswer(verdict.reply)))
        return
      }

      afters.push(verdict.after)
    }

    const emulator = emulators.get(action)
    if (emulator) {
      finish(settle(afters, replyAnswer(emulator(body))))
      return
    }

    let upstream: Awaited<ReturnType<typeof send>>
    try {
      upstream = await send(method, path, headers, raw)
    } catch {
      settle(afters, {headers: {}, status: 0, text: ''})
      respond.cut()
      return
    }

    record.upstreamStatus = upstream.status
    answers.push({
      action, at: Date.now(), table: body.TableName, tableStatus: tableStatusOf(upstream.text),
    })
    let {headers: answerHeaders, text} = upstream
    const change = transforms.get(action)
    if (change && upstream.status === 200) {
      answerHeaders = withoutBodyChecks(answerHeaders)
      text = JSON.stringify(change(JSON.parse(text)))
    }

    finish(settle(afters, {headers: answerHeaders, status: upstream.status, text}))
  }

  const server = createServer((request, response) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => {
      const respond: Responder = {
        answer(status, headers, text) {
          if (response.destroyed) return
          response.writeHead(status, headers as Record<string, string>)
          response.end(text)
        },
        cut: () => request.socket.destroy(),
      }
      const incoming: Incoming = {
        headers: request.headers,
        method: request.method ?? 'POST',
        path: request.url ?? '/',
        raw: Buffer.concat(chunks),
      }
      handle(incoming, respond).catch(() => respond.cut())
    })
  })
  await new Promise<void>(resolve => {
    server.listen(0, '127.0.0.1', resolve)
  })
  return {
    answers,
    calls,
    close: () =>
      new Promise<void>(resolve => {
        closed = true
        for (const timer of delays) clearTimeout(timer)
        delays.clear()
        server.closeAllConnections()
        agent.destroy()
        server.close(() => resolve())
      }),
    emulate: (action, emulator) => emulators.set(action, emulator),
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    fault: (action, fault) => faults.set(action, {...fault, used: 0}),
    intercept(interceptor) {
      interceptors.push(interceptor)
      return () => {
        const index = interceptors.indexOf(interceptor)
        if (index !== -1) interceptors.splice(index, 1)
      }
    },
    requests,
    reset() {
      transforms.clear()
      requests.length = 0
      calls.length = 0
      answers.length = 0
      faults.clear()
      emulators.clear()
      interceptors.length = 0
    },
    transform: (action, change) => transforms.set(action, change),
  }
}

interface Responder {
  answer(status: number, headers: AnswerHeaders, text: string): void
  cut(): void
}

/**
 * A window of eventual consistency: it stays open until both its time (`ms` after it opened) and
 * its count (`calls` calls answered from it) are spent; with neither set it is never open.
 */
export interface Window {
  ms?: number
  calls?: number
  /** The clock `ms` is measured on (default: Date.now); a test's own clock closes the window without a wait. */
  now?: () => number
}

export interface WindowState {
  since: number
  used: number
}

export function openWindow(window?: Window): WindowState {
  return {since: (window?.now ?? Date.now)(), used: 0}
}

export function isOpen(window: undefined | Window, state: undefined | WindowState): boolean {
  if (!window || !state) return false
  const timeLeft = window.ms !== undefined && (window.now ?? Date.now)() - state.since < window.ms
  const callsLeft = window.calls !== undefined && state.used < window.calls
  return timeLeft || callsLeft
}

export interface TagOptions {
  /** Tags per ListTagsOfResource page, with NextToken for the rest (AWS: 10). Default: one page. */
  pageSize?: number
  /** Tags a resource may hold (AWS: 50); a TagResource or CreateTable past it is refused. */
  limit?: number
  /** The error type for a request past the limit (what DynamoDB answers: ValidationException). */
  limitError?: string
  /**
   * After TagResource, UntagResource or CreateTable with tags, ListTagsOfResource answers the
   * previous tag set (empty for a new table) while this window is open; each such answer counts.
   */
  stale?: Window
  /** While the window is open, another tag change is refused with ResourceInUseException. */
  busyWhileStale?: boolean
  /** Take CreateTable's Tags into the store, as AWS does (default); false drops them. */
  createTableTags?: boolean
  /** A broken endpoint: every ListTagsOfResource page answers the first page's NextToken again. */
  repeatNextToken?: boolean
}

export interface PitrAndTags {
  /** Point-in-time recovery per table name. */
  pitr: Map<string, boolean>
  /** The tags each resource ARN really holds (what ListTagsOfResource shows once consistent). */
  tags: Map<string, Record<string, string>>
  /** What ListTagsOfResource would answer for an ARN now (the stale set while a window is open). */
  visibleTags(arn: string): Record<string, string>
  /** How many ListTagsOfResource answers came from a stale tag set. */
  staleAnswers: number
}

/** The table name in a table ARN (or the name itself). */
export function tableNameOf(nameOrArn: string): string {
  const marker = nameOrArn.indexOf(':table/')
  return marker === -1 ? nameOrArn : nameOrArn.slice(marker + ':table/'.length).split('/')[0]
}

function tokenFor(arn: string, offset: number): string {
  return Buffer.from(JSON.stringify({arn, offset})).toString('base64')
}

function offsetOf(token: string, arn: string): number | undefined {
  try {
    const decoded = JSON.parse(Buffer.from(token, 'base64').toString()) as {arn?: string; offset?: number}
    return decoded.arn === arn && Number.isInteger(decoded.offset) && decoded.offset! >= 0 ? decoded.offset : undefined
  } catch {
    return undefined
  }
}

/**
 * In-memory PITR and tags, for the parts DynamoDB Local does not implement. With options, tags
 * behave as on AWS: paged, limited to 50 a resource, eventually consistent after a change.
 */
export function emulatePitrAndTags(proxy: RecordingProxy, options: TagOptions = {}): PitrAndTags {
  const pitr = new Map<string, boolean>()
  const tags = new Map<string, Record<string, string>>()
  const stale = new Map<string, WindowState & {tags: Record<string, string>}>()
  const limit = options.limit ?? MAX_TAGS_PER_RESOURCE
  const limitError = options.limitError ?? 'ValidationException'
  const state: PitrAndTags = {
    pitr,
    staleAnswers: 0,
    tags,
    visibleTags: arn => visible(arn, false),
  }

  function visible(arn: string, count: boolean): Record<string, string> {
    const window = stale.get(arn)
    if (window && isOpen(options.stale, window)) {
      if (count) {
        window.used++
        state.staleAnswers++
      }

      return window.tags
    }

    stale.delete(arn)
    return tags.get(arn) ?? {}
  }

  /** A change begins (or, while one is open, restarts) the window; the last consistent set shows. */
  function changing(arn: string): void {
    if (!options.stale) return
    const open = stale.get(arn)
    const previous = open && isOpen(options.stale, open) ? open.tags : {...tags.get(arn)}
    stale.set(arn, {...openWindow(options.stale), tags: previous})
  }

  const tooMany = (count: number) => ({
    body: awsErrorBody(
      limitError,
      `One or more parameter values were invalid: a resource can have at most ${limit} tags; ` +
        `this request would leave it with ${count}`,
    ),
    status: 400,
  })
  const busy = (arn: string) => {
    if (!options.busyWhileStale || !isOpen(options.stale, stale.get(arn))) return
    const table = tableNameOf(arn)
    const message = `Attempt to change a resource which is still in use: Table tags are being updated: ${table}`
    return {body: awsErrorBody('ResourceInUseException', message), status: 400}
  }

  proxy.emulate('DescribeContinuousBackups', body => ({
    body: {
      ContinuousBackupsDescription: {
        ContinuousBackupsStatus: 'ENABLED',
        PointInTimeRecoveryDescription: {
          PointInTimeRecoveryStatus: pitr.get(tableNameOf(String(body.TableName))) ? 'ENABLED' : 'DISABLED',
        },
      },
    },
  }))
  proxy.emulate('UpdateContinuousBackups', body => {
    const specification = body.PointInTimeRecoverySpecification as {PointInTimeRecoveryEnabled?: boolean}
    pitr.set(tableNameOf(String(body.TableName)), Boolean(specification.PointInTimeRecoveryEnabled))
    return {
      body: {
        ContinuousBackupsDescription: {
          ContinuousBackupsStatus: 'ENABLED',
          PointInTimeRecoveryDescription: {
            PointInTimeRecoveryStatus: specification.PointInTimeRecoveryEnabled ? 'ENABLED' : 'DISABLED',
          },
        },
      },
    }
  })
  proxy.emulate('ListTagsOfResource', body => {
    const arn = String(body.ResourceArn)
    let offset = 0
    if (body.NextToken !== undefined) {
      const decoded = offsetOf(String(body.NextToken), arn)
      if (decoded === undefined) return {body: awsErrorBody('ValidationException', 'Invalid NextToken'), status: 400}
      offset = decoded
    }

    const all = Object.entries(visible(arn, true)).map(([Key, Value]) => ({Key, Value}))
    const size = options.pageSize ?? Math.max(all.length, 1)
    const page = all.slice(offset, offset + size)
    const next = offset + size < all.length ? {NextToken: tokenFor(arn, offset + size)} : {}
    if (options.repeatNextToken) return {body: {NextToken: tokenFor(arn, size), Tags: all.slice(0, size)}}
    return {body: {Tags: page, ...next}}
  })
  proxy.emulate('TagResource', body => {
    const arn = String(body.ResourceArn)
    const refused = busy(arn)
    if (refused) return refused
    const current = tags.get(arn) ?? {}
    const incoming = body.Tags as {Key: string; Value: string}[]
    // AWS-assigned aws: tags do not count toward the limit.
    const count = [...new Set([...incoming.map(tag => tag.Key), ...Object.keys(current)])]
    .filter(key => !key.toLowerCase().startsWith('aws:')).length
    if (count > limit) return tooMany(count)
    changing(arn)
    const next = {...current}
    // Defined, not assigned: a tag named __proto__ is a tag like any other.
    for (const tag of incoming) Object.defineProperty(next, tag.Key, {
      configurable: true, enumerable: true, value: tag.Value, writable: true,
    })
    tags.set(arn, next)
    return {body: {}}
  })
  proxy.emulate('UntagResource', body => {
    const arn = String(body.ResourceArn)
    const refused = busy(arn)
    if (refused) return refused
    changing(arn)
    const next = {...tags.get(arn)}
    for (const key of body.TagKeys as string[]) delete next[key]
    tags.set(arn, next)
    return {body: {}}
  })
  if (options.createTableTags !== false) {
    proxy.intercept(call => {
      if (call.action !== 'CreateTable' || !Array.isArray(call.body.Tags) || call.body.Tags.length === 0) return
      const incoming = call.body.Tags as {Key: string; Value: string}[]
      const count = new Set(incoming.map(tag => tag.Key)).size
      if (count > limit) return {reply: tooMany(count)}
      return {
        after(answer) {
          const arn = answer.body?.TableDescription?.TableArn
          if (answer.status !== 200 || !arn) return
          changing(arn)
          tags.set(arn, Object.fromEntries(incoming.map(tag => [tag.Key, tag.Value])))
        },
      }
    })
  }

  return state
}

export const WRITE_ACTIONS = new Set([
  'CreateTable',
  'DeleteTable',
  'TagResource',
  'UntagResource',
  'UpdateContinuousBackups',
  'UpdateTable',
  'UpdateTimeToLive',
])
