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
    throw new Error(`The tests left open: ${left.join(', ')}. Close them in the test that opened them.`)
  }
}

/** How long stopping the servers and the leak check may take before the run fails instead of hanging. */
export const CLEAN_UP_LIMIT_MS = 60_000

/**
 * The work, or a clear failure once limitMs has passed. The timer is unref'd: it does not show in
 * getActiveResourcesInfo() (so the leak check does not count it) and never keeps the process alive.
 */
export async function withinLimit<T>(work: Promise<T>, limitMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const limit = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took over ${limitMs} ms; it hangs.`)), limitMs).unref()
  })
  try {
    return await Promise.race([work, limit])
  } finally {
    clearTimeout(timer)
  }
}

export const mochaHooks = {
  // A callback hook, not an async one: mocha arms its own timer after an async hook returns, and
  // this hook must see no timer but those the tests left. Its bound is withinLimit's unref'd timer.
  afterAll(this: Context, done: Done) {
    this.timeout(0)
    this.runnable().clearTimeout()
    withinLimit(cleanUp(), CLEAN_UP_LIMIT_MS, 'Stopping the test servers and checking for leaks').then(
      () => done(),
      (error: Error) => {
        // Whatever hangs or is left open would keep mocha running once it has reported the failure.
        // eslint-disable-next-line n/no-process-exit, unicorn/no-process-exit
        setTimeout(() => process.exit(1), 2000).unref()
        done(error)
      },
    )
  },
}
