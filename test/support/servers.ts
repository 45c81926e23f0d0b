/**
 * Real DynamoDB servers for the tests, started once per mocha run: DynamoDB Local (AWS's own
 * emulator, in memory, via the CLI's own launcher) and dynalite (which holds tables in CREATING
 * for createTableMs, so state transitions are real).
 */
import type {AddressInfo} from 'node:net'

import {DynamoDBClient} from '@aws-sdk/client-dynamodb'
import {createServer, type Server} from 'node:http'

import {type LocalDynamo, startLocalDynamo} from '../../src/aws/local.js'

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true'

let local: Promise<LocalDynamo> | undefined
const stoppers: (() => Promise<void>)[] = []

export function dynamoLocal(): Promise<LocalDynamo> {
  if (!local) {
    local = startLocalDynamo(undefined)
    stoppers.push(async () => (await local!).stop())
  }

  return local
}

/**
 * A DynamoDB Local of its own: with ten or more tables, DynamoDB Local 3.3.0 stops promoting an
 * index added by UpdateTable from CREATING to ACTIVE, so index-adding tests need a near-empty one.
 */
export async function freshDynamoLocal(): Promise<LocalDynamo> {
  const instance = await startLocalDynamo(undefined)
  stoppers.push(() => instance.stop())
  return instance
}

export interface Dynalite {
  endpoint: string
  close(): Promise<void>
}

/** A fresh dynalite server; tables stay CREATING for createTableMs. */
export async function startDynalite(options: {createTableMs?: number; updateTableMs?: number} = {}): Promise<Dynalite> {
  const {default: dynalite} = (await import('dynalite')) as unknown as {default: (options: object) => Server}
  // dynalite names its ARNs' region after AWS_REGION when it starts (account 000000000000). The CLI
  // excuses what an endpoint lacks only on DynamoDB Local's ARNs (or --local), so dynalite is started
  // as an operator would run it as an emulator: with DynamoDB Local's region, ddblocal.
  const region = process.env.AWS_REGION
  process.env.AWS_REGION = 'ddblocal'
  let server: Server
  try {
    server = dynalite({
      createTableMs: options.createTableMs ?? 0,
      deleteTableMs: 0,
      updateTableMs: options.updateTableMs ?? 0,
    })
  } finally {
    if (region === undefined) delete process.env.AWS_REGION
    else process.env.AWS_REGION = region
  }

  await new Promise<void>(resolve => {
    server.listen(0, '127.0.0.1', resolve)
  })
  const {port} = server.address() as AddressInfo
  const close = () =>
    new Promise<void>(resolve => {
      server.close(() => resolve())
    })
  stoppers.push(close)
  return {close, endpoint: `http://127.0.0.1:${port}`}
}

export function sdkClient(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({
    credentials: {accessKeyId: 'testkey', secretAccessKey: 'testsecret'},
    endpoint,
    maxAttempts: 1,
    region: 'us-east-1',
  })
}

export interface StsStub {
  endpoint: string
  calls: number
  close(): Promise<void>
}

/** An STS stub answering GetCallerIdentity with a fixed account. */
export async function startStsStub(account = '123456789012'): Promise<StsStub> {
  const stub = {calls: 0, async close() {}, endpoint: ''}
  const server = createServer((request, response) => {
    request.resume()
    request.on('end', () => {
      stub.calls++
      response.writeHead(200, {'content-type': 'text/xml'})
      response.end(`<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult><Arn>arn:aws:iam::${account}:user/test</Arn><UserId>AIDTEST</UserId><Account>${account}</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></GetCallerIdentityResponse>`)
    })
  })
  await new Promise<void>(resolve => {
    server.listen(0, '127.0.0.1', resolve)
  })
  stub.endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  stub.close = () =>
    new Promise<void>(resolve => {
      server.close(() => resolve())
    })
  stoppers.push(stub.close)
  return stub
}

export async function stopAllServers(): Promise<void> {
  await Promise.all(stoppers.splice(0).map(stop => stop().catch(() => {})))
  local = undefined
}

let tableCounter = 0
/** A table name no other test uses. */
export function uniqueTable(prefix = 't'): string {
  tableCounter++
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${tableCounter}`
}

/** A name for each of the four tables, as init:all and init:status name them. */
export interface TableNames {
  sessions: string
  breakglass: string
  approvals: string
  ratelimit: string
}

/** Four table names no other test uses. */
export function uniqueNames(prefix: string): TableNames {
  return {
    approvals: uniqueTable(`${prefix}-r`),
    breakglass: uniqueTable(`${prefix}-b`),
    ratelimit: uniqueTable(`${prefix}-l`),
    sessions: uniqueTable(`${prefix}-s`),
  }
}

/** init:all's and init:status's four name flags, spelt as the Sentinel server spells them. */
export function allTableFlags(names: TableNames): string[] {
  return [
    '--session-table',
    names.sessions,
    '--breakglass-table',
    names.breakglass,
    '--request-table',
    names.approvals,
    '--rate-limit-table',
    names.ratelimit,
  ]
}
