/**
 * One run's connection to DynamoDB: the embedded DynamoDB Local for --local (started here,
 * stopped by close()), the SDK adapter behind the DynamoDB port, and one for each replica's region
 * (regionalPort). The account lookup is STS's (sts.ts).
 */
import type {Connection} from './connection.js'
import type {DynamoDbPort} from './dynamodb-port.js'

import {type LocalDynamo, startLocalDynamo} from './local.js'
import {createDynamoDbAdapter} from './sdk-dynamodb.js'

/** Credentials for the embedded DynamoDB Local, which accepts any alphanumeric key. */
export const LOCAL_CREDENTIALS = {accessKeyId: 'sentinellocal', secretAccessKey: 'sentinellocal'}

export interface SessionOptions {
  /** For --local: where DynamoDB Local keeps its data. */
  localDir?: string
  debug?: (line: string) => void
  iamHint?: string
  /** Told before DynamoDB Local starts (it takes a few seconds). */
  onLocalStarting?: () => void
  /** Told when a request has had no answer for a few seconds. */
  onSilence?: (line: string) => void
  /** For --local: how long to wait for another run using the data folder; told while waiting, and what was cleared. */
  localWaitMs?: number
  onLocalWaiting?: (line: string) => void
  onLocalNotice?: (line: string) => void
}

export interface AwsSession {
  readonly connection: Connection
  readonly port: DynamoDbPort
  readonly local?: LocalDynamo
  /**
   * A port signed for another region (a replica's): the SDK's regional endpoint, or with an
   * endpoint override the same endpoint, signed for that region. One per region, made on first use.
   */
  regionalPort(region: string): Promise<DynamoDbPort>
  close(): Promise<void>
}

export async function openSession(connection: Connection, options: SessionOptions = {}): Promise<AwsSession> {
  let local: LocalDynamo | undefined
  let resolved = connection
  if (connection.local) {
    options.onLocalStarting?.()
    local = await startLocalDynamo(options.localDir, {
      folderWaitMs: options.localWaitMs, onNotice: options.onLocalNotice, onWaiting: options.onLocalWaiting,
    })
    resolved = {...connection, endpoint: local.endpoint, endpointSource: '--local'}
  }

  const adapterOptions = {debug: options.debug, iamHint: options.iamHint, onSilence: options.onSilence}
  const port = await createDynamoDbAdapter(resolved, adapterOptions)
  const regional = new Map<string, Promise<DynamoDbPort>>([[resolved.region, Promise.resolve(port)]])
  return {
    async close() {
      for (const other of await Promise.all(regional.values())) other.destroy()
      await local?.stop()
    },
    connection: resolved,
    local,
    port,
    regionalPort(region) {
      let made = regional.get(region)
      if (!made) {
        made = createDynamoDbAdapter({...resolved, region}, {...adapterOptions, nameRegionInErrors: true})
        regional.set(region, made)
      }

      return made
    },
  }
}
