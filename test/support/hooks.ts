import type {Context, Done} from 'mocha'

import {removeScratch} from './cli.js'
import {stopAllServers} from './servers.js'

/** Standard streams and file requests in flight: they never keep mocha from exiting. */
const HARMLESS = new Set(['FSReqCallback', 'PipeWrap', 'TTYWrap'])

/** What would keep the process from exiting, once what is closing has had a few seconds to close. */
async function leftOpen(): Promise<string[]> {
  for (let waited = 0; ; waited += 100) {
    // Experimental in Node 20 (stable from 22.16) and unchanged since 17.3: fine for a test check.
    // eslint-disable-next-line n/no-unsupported-features/node-builtins
    const left = process.getActiveResourcesInfo().filter(resource => !HARMLESS.has(resource))
    if (left.length === 0 || waited >= 5000) return left
    // A referenced pause, so the process cannot end inside this hook; it is over before the next count.
    await new Promise(resolve => {
      setTimeout(resolve, 100)
    })
  }
}

async function cleanUp(): Promise<void> {
  await stopAllServers()
  removeScratch()
  // Mocha runs without --exit: a timer, server, socket or child process a test left open would
  // keep it from exiting. Rather than hang CI, fail naming what is left, then leave.
  const left = await leftOpen()
  if (left.length > 0) {
    // What is left open would keep mocha running for ever once it has reported the failure.
    // eslint-disable-next-line n/no-process-exit, unicorn/no-process-exit
    setTimeout(() => process.exit(1), 2000).unref()
    throw new Error(`The tests left open: ${left.join(', ')}. Close them in the test that opened them.`)
  }
}

export const mochaHooks = {
  // A callback hook, not an async one: mocha arms its own timer after an async hook returns, and
  // this hook must see no timer but those the tests left.
  afterAll(this: Context, done: Done) {
    this.timeout(0)
    this.runnable().clearTimeout()
    cleanUp().then(() => done(), done)
  },
}
