/**
 * Faults from AWS while reconciling an existing table (deletion protection, PITR, tags), injected by
 * a proxy in front of DynamoDB Local on each call of that path: within the retry budget each run
 * converges in place by itself, never creating the table again and never calling anything
 * destructive. Beside faults.test.ts (creating a table under the same faults).
 */
import {expect} from 'chai'

import {converges, FAULTS, RECONCILE_ACTIONS} from '../support/fault-runs.js'
import {type RecordingProxy, startProxy} from '../support/proxy.js'
import {dynamoLocal, uniqueTable} from '../support/servers.js'

describe('faults from AWS on every call of reconciling a table (end to end)', function () {
  this.timeout(120_000)
  let proxy: RecordingProxy

  before(async () => {
    proxy = await startProxy((await dynamoLocal()).endpoint)
  })

  after(() => proxy.close())

  for (const action of RECONCILE_ACTIONS) {
    for (const [name, fault] of FAULTS) {
      it(`reconcile, ${action}: ${name} → converges in place`, async () => {
        const table = uniqueTable('refault')
        const base = ['init:approvals', '--endpoint-url', proxy.endpoint, '--table', table, '--wait-timeout', '30']
        await converges(proxy, action, fault, {
          args: [...base, '--yes', '--tag', 'team=sec'],
          setup: [...base, '--yes', '--no-deletion-protection', '--no-pitr'],
        })
        expect(proxy.calls.filter(call => call === 'CreateTable')).to.deep.equal([])
      })
    }
  }
})
