/**
 * Faults from AWS, injected by a proxy in front of DynamoDB Local on every call the CLI makes:
 * throttling, 500s, dropped connections, lost answers, slow answers. Within the retry budget each
 * run converges by itself to one correct table (so without retries these tests fail); beyond it,
 * the run fails clearly after bounded retries and a rerun finishes. Never a second CreateTable for
 * a table that exists, never a destructive call. Reconciling an existing table under the same
 * faults runs beside this file (faults-reconcile.test.ts).
 */
import {expect} from 'chai'

import {cleanEnv, runCli} from '../support/cli.js'
import {converges, CREATE_ACTIONS, FAULTS} from '../support/fault-runs.js'
import {type RecordingProxy, startProxy} from '../support/proxy.js'
import {dynamoLocal, uniqueTable} from '../support/servers.js'

describe('faults from AWS on every call (end to end)', function () {
  this.timeout(120_000)
  let proxy: RecordingProxy
  const env = cleanEnv({AWS_REGION: 'us-east-1'})

  before(async () => {
    proxy = await startProxy((await dynamoLocal()).endpoint)
  })

  after(() => proxy.close())

  for (const action of CREATE_ACTIONS) {
    for (const [name, fault] of FAULTS) {
      it(`create, ${action}: ${name} → converges to one correct table`, async () => {
        const table = uniqueTable('fault')
        const args = ['init:breakglass', '--endpoint-url', proxy.endpoint, '--table', table, '--yes']
        await converges(proxy, action, fault, {args: [...args, '--wait-timeout', '30']})
        const creates = proxy.answers.filter(answer => answer.action === 'CreateTable' && answer.tableStatus)
        expect(creates.length, 'successful CreateTable calls').to.be.at.most(1)
      })
    }
  }

  it('throttling beyond the retry budget: one clear line after bounded attempts; a rerun finishes', async () => {
    proxy.reset()
    proxy.fault('DescribeTable', {
      kind: 'error', status: 400, times: 4, type: 'ThrottlingException',
    })
    const table = uniqueTable('budget')
    const args = ['init:breakglass', '--endpoint-url', proxy.endpoint, '--table', table, '--yes']
    const run = await runCli(args, {env})
    expect(run.code).to.equal(1)
    expect(run.stderr.trim().split('\n').at(-1)).to.match(/^Error \(THROTTLED\): .* after 4 attempts/)
    // Four attempts, each one DescribeTable, then it stopped: bounded, and nothing was created.
    expect(proxy.calls.filter(call => call === 'DescribeTable')).to.have.length(4)
    expect(proxy.calls.filter(call => call === 'CreateTable')).to.deep.equal([])
    const rerun = await runCli(args, {env})
    expect(rerun.code, rerun.stderr).to.equal(0)
  })

  it('CreateTable whose answer is lost is never re-sent for the existing table', async () => {
    proxy.reset()
    proxy.fault('CreateTable', {kind: 'lose-answer', times: 1})
    const table = uniqueTable('lost')
    const run = await runCli(['init:sessions', '--endpoint-url', proxy.endpoint, '--table', table, '--yes'], {env})
    expect(run.code, run.stderr).to.equal(0)
    expect(proxy.calls.filter(call => call === 'CreateTable')).to.have.length(1)
    expect(run.stdout).to.contain('the table exists; continued with it')
  })
})
