/**
 * An HTTP proxy in front of a real DynamoDB server. It records every action the CLI calls
 * (X-Amz-Target) and can, per action, answer with an AWS error, delay, drop the connection, or
 * emulate what the server lacks (PITR, tags) with canned state.
 */
import {createServer, request as httpRequest, type IncomingMessage, type ServerResponse} from 'node:http'
import type {AddressInfo} from 'node:net'

/** A fault for one action; `table` limits it to calls naming that table, `times` to the first N. */
export type Fault = ({kind: 'drop'} | {kind: 'lose-answer'} | {kind: 'delay'; ms: number} | {kind: 'error'; status: number; type: string; message?: string}) & {table?: string; times?: number}

export type Emulator = (body: Record<string, unknown>) => {status?: number; body: unknown}

export interface RecordingProxy {
  endpoint: string
  calls: string[]
  /** Every request: the action and the table or resource ARN it named. */
  requests: {action: string; table?: string; arn?: string}[]
  /** Every answered call: when the answer left, and the table status it carried, if any. */
  answers: {action: string; at: number; tableStatus?: string}[]
  fault(action: string, fault: Fault): void
  emulate(action: string, emulator: Emulator): void
  /** Rewrites the real server's JSON answer to an action. */
  transform(action: string, change: (body: Record<string, any>) => Record<string, any>): void
  reset(): void
  close(): Promise<void>
}

export async function startProxy(target: string): Promise<RecordingProxy> {
  const targetUrl = new URL(target)
  const faults = new Map<string, Fault & {used: number}>()
  const emulators = new Map<string, Emulator>()
  const transforms = new Map<string, (body: Record<string, any>) => Record<string, any>>()
  const calls: string[] = []
  const answers: RecordingProxy['answers'] = []
  const requests: RecordingProxy['requests'] = []

  const forward = (request: IncomingMessage, body: Buffer, response: ServerResponse, loseAnswer = false) => {
    const upstream = httpRequest(
      {headers: request.headers, host: targetUrl.hostname, method: request.method, path: request.url, port: targetUrl.port},
      (answer) => {
        const parts: Buffer[] = []
        answer.on('data', (chunk: Buffer) => parts.push(chunk))
        answer.on('end', () => {
          const text = Buffer.concat(parts).toString()
          const action = String(request.headers['x-amz-target'] ?? '').split('.').pop() ?? ''
          answers.push({action, at: Date.now(), tableStatus: /"TableStatus":"(\w+)"/.exec(text)?.[1]})
          // The server acted, but the client never hears back.
          if (loseAnswer) {
            request.socket.destroy()
            return
          }

          const change = transforms.get(action)
          if (change && answer.statusCode === 200) {
            // The SDK checks x-amz-crc32 against the body; a rewritten body drops it.
            const {'content-length': _length, 'x-amz-crc32': _crc, ...headers} = answer.headers
            response.writeHead(200, headers)
            response.end(JSON.stringify(change(JSON.parse(text))))
            return
          }

          response.writeHead(answer.statusCode ?? 500, answer.headers)
          response.end(text)
        })
      },
    )
    upstream.on('error', () => response.destroy())
    upstream.end(body)
  }

  const server = createServer((request, response) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => {
      const body = Buffer.concat(chunks)
      const action = String(request.headers['x-amz-target'] ?? '').split('.').pop() ?? ''
      calls.push(action)
      const parsed = JSON.parse(body.toString() || '{}') as {ResourceArn?: string; TableName?: string}
      requests.push({action, arn: parsed.ResourceArn, table: parsed.TableName})
      const fault = faults.get(action)
      const tableName = String(parsed.TableName ?? '')
      if (fault && (fault.table === undefined || fault.table === tableName) && (fault.times === undefined || fault.used < fault.times)) {
        fault.used++
        if (fault.kind === 'drop') {
          request.socket.destroy()
          return
        }

        if (fault.kind === 'lose-answer') {
          forward(request, body, response, true)
          return
        }

        if (fault.kind === 'error') {
          response.writeHead(fault.status, {'content-type': 'application/x-amz-json-1.0'})
          response.end(JSON.stringify({__type: `com.amazonaws.dynamodb.v20120810#${fault.type}`, message: fault.message ?? fault.type}))
          return
        }

        setTimeout(answer, fault.ms)
        return
      }

      answer()

      /** The emulator's answer where one is set, else the real server's. */
      function answer() {
        const emulator = emulators.get(action)
        if (!emulator) {
          forward(request, body, response)
          return
        }

        const emulated = emulator(JSON.parse(body.toString() || '{}'))
        response.writeHead(emulated.status ?? 200, {'content-type': 'application/x-amz-json-1.0'})
        response.end(JSON.stringify(emulated.body))
      }
    })
  })
  await new Promise<void>((resolve) => {
    server.listen(0, '127.0.0.1', resolve)
  })
  return {
    answers,
    calls,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
    emulate: (action, emulator) => emulators.set(action, emulator),
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    fault: (action, fault) => faults.set(action, {...fault, used: 0}),
    requests,
    transform: (action, change) => transforms.set(action, change),
    reset() {
      transforms.clear()
      requests.length = 0
      calls.length = 0
      answers.length = 0
      faults.clear()
      emulators.clear()
    },
  }
}

/** In-memory PITR and tags, for the parts DynamoDB Local does not implement. */
export function emulatePitrAndTags(proxy: RecordingProxy): {pitr: Map<string, boolean>; tags: Map<string, Record<string, string>>} {
  const pitr = new Map<string, boolean>()
  const tags = new Map<string, Record<string, string>>()
  proxy.emulate('DescribeContinuousBackups', (body) => ({
    body: {ContinuousBackupsDescription: {ContinuousBackupsStatus: 'ENABLED', PointInTimeRecoveryDescription: {PointInTimeRecoveryStatus: pitr.get(String(body.TableName)) ? 'ENABLED' : 'DISABLED'}}},
  }))
  proxy.emulate('UpdateContinuousBackups', (body) => {
    pitr.set(String(body.TableName), Boolean((body.PointInTimeRecoverySpecification as {PointInTimeRecoveryEnabled?: boolean}).PointInTimeRecoveryEnabled))
    return {body: {ContinuousBackupsDescription: {ContinuousBackupsStatus: 'ENABLED', PointInTimeRecoveryDescription: {PointInTimeRecoveryStatus: 'ENABLED'}}}}
  })
  proxy.emulate('ListTagsOfResource', (body) => ({
    body: {Tags: Object.entries(tags.get(String(body.ResourceArn)) ?? {}).map(([Key, Value]) => ({Key, Value}))},
  }))
  proxy.emulate('TagResource', (body) => {
    const current = tags.get(String(body.ResourceArn)) ?? {}
    for (const tag of body.Tags as {Key: string; Value: string}[]) current[tag.Key] = tag.Value
    tags.set(String(body.ResourceArn), current)
    return {body: {}}
  })
  return {pitr, tags}
}

export const WRITE_ACTIONS = new Set(['CreateTable', 'UpdateTable', 'UpdateTimeToLive', 'UpdateContinuousBackups', 'TagResource', 'DeleteTable', 'UntagResource'])
