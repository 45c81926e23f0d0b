import type {AddressInfo} from 'node:net'

/**
 * --local owns its port: when another program answers on the port DynamoDB Local was given, or
 * DynamoDB Local cannot bind it, the CLI says so instead of talking to whatever answers there.
 * A stand-in `java` plays DynamoDB Local's part, so each case is exact.
 */
import {expect} from 'chai'
import {
  chmodSync, mkdirSync, mkdtempSync, writeFileSync,
} from 'node:fs'
import {createServer, type Server} from 'node:http'
import {join} from 'node:path'

import {startLocalDynamo} from '../../src/aws/local.js'
import {SentinelError} from '../../src/errors.js'
import {scratchDir} from '../support/cli.js'
import {dynamoLocal} from '../support/servers.js'

/** A JAVA_HOME whose bin/java runs `script` instead of DynamoDB Local. */
function fakeJava(script: string): string {
  const home = mkdtempSync(join(scratchDir(), 'java-'))
  mkdirSync(join(home, 'bin'))
  writeFileSync(join(home, 'bin', 'java'), `#!/bin/sh\n${script}\n`)
  chmodSync(join(home, 'bin', 'java'), 0o755)
  return home
}

async function startError(port: number, javaHome: string): Promise<SentinelError> {
  const saved = process.env.JAVA_HOME
  process.env.JAVA_HOME = javaHome
  try {
    const error = await startLocalDynamo(undefined, {port, timeoutMs: 3000})
    .then(() => undefined, (error_: unknown) => error_)
    expect(error).to.be.instanceOf(SentinelError)
    return error as SentinelError
  } finally {
    // Assigning undefined would leave the string "undefined": the next file in this mocha worker
    // would then find no Java.
    if (saved === undefined) delete process.env.JAVA_HOME
    else process.env.JAVA_HOME = saved
  }
}

describe('--local: the embedded DynamoDB Local and its port', () => {
  let squatter: Server
  let answered = 0

  before(async () => {
    // Another program on the port: it answers HTTP, but not as DynamoDB.
    squatter = createServer((request, response) => {
      answered++
      request.resume()
      response.end('not dynamodb')
    })
    await new Promise<void>(resolve => {
      squatter.listen(0, '127.0.0.1', resolve)
    })
  })

  after(() => new Promise<void>(resolve => {
    squatter.close(() => resolve())
  }))

  it('another program answering on the port is never taken for DynamoDB Local: LOCAL_START_FAILED', async () => {
    const {port} = squatter.address() as AddressInfo
    const error = await startError(port, fakeJava('exec sleep 60'))
    expect(error.code).to.equal('LOCAL_START_FAILED')
    expect(error.exitCode).to.equal(3)
    expect(error.message).to.contain(`port ${port}`).and.contain('another process')
    expect(answered, 'the readiness probe reached the other program and was not fooled').to.be.greaterThan(0)
  })

  it('another DynamoDB on the port (it took the port first) is not taken for ours: LOCAL_START_FAILED, ' +
    'not a run against the other one', async () => {
    // Another DynamoDB Local answers the readiness probe as ours would; ours then cannot bind the port.
    const {port} = new URL((await dynamoLocal()).endpoint)
    const error = await startLocalDynamo(undefined, {port: Number(port), timeoutMs: 20_000})
    .then(async started => {
      await started.stop()
      return undefined
    }, (error_: unknown) => error_)
    expect(error, 'started on a port another DynamoDB holds').to.be.instanceOf(SentinelError)
    expect((error as SentinelError).code).to.equal('LOCAL_START_FAILED')
    expect((error as SentinelError).message).to.contain(`port ${port}`).and.contain('another process')
  })

  it('DynamoDB Local failing to bind the port (BindException) says the port is taken', async () => {
    const script = 'echo "Caused by: java.net.BindException: Address already in use" >&2; exit 1'
    const error = await startError(1, fakeJava(script))
    expect(error.code).to.equal('LOCAL_START_FAILED')
    expect(error.message).to.contain('port 1').and.contain('another process has taken it')
  })
})
