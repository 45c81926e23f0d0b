/** The root hook's bound on cleaning up: a hang fails the run with a clear error instead of hanging CI. */
import {expect} from 'chai'

import {withinLimit} from '../support/hooks.js'

// eslint-disable-next-line n/no-unsupported-features/node-builtins
const timers = () => process.getActiveResourcesInfo().filter(resource => resource === 'Timeout').length

describe('the root hook clean-up bound', () => {
  it('a clean-up that never ends fails after the limit, naming what hung', async () => {
    const never = new Promise<void>(() => {})
    const error = await withinLimit(never, 20, 'Stopping the servers').then(() => undefined, (error_: Error) => error_)
    expect(error?.message).to.equal('Stopping the servers took over 20 ms; it hangs.')
  })

  it('a clean-up that ends gives its result, and the bound is no resource the leak check would count', async () => {
    // mocha arms this test's own timer once the test function has returned its promise.
    await new Promise(resolve => {
      setImmediate(resolve)
    })
    const before = timers()
    let whileWaiting = -1
    const work = new Promise<string>(resolve => {
      setImmediate(() => {
        whileWaiting = timers()
        resolve('done')
      })
    })
    expect(await withinLimit(work, 60_000, 'x')).to.equal('done')
    expect(whileWaiting).to.equal(before)
  })
})
