/**
 * Faults from AWS, injected by a proxy in front of DynamoDB Local on every call the CLI makes:
 * throttling, 500s, dropped connections, lost answers, slow answers. Within the retry budget each
 * run converges by itself to one correct table (so without retries these tests fail); beyond it,
 * the run fails clearly after bounded retries and a rerun finishes. Never a second CreateTable for
 * a table that exists, never a destructive call.
 */
import {expect} from 'chai'

import {cleanEnv, runCli} from '../support/cli.js'
import {
  emulatePitrAndTags, type Fault, type RecordingProxy, startProxy,
} from '../support/proxy.js'
import {dynamoLocal, uniqueTable} from '../support/servers.js'

/** Calls made while creating a table. */
const CREATE_ACTIONS = ['DescribeTable', 'DescribeTimeToLive', 'CreateTable', 'UpdateTimeToLive']
/** Calls made while reconciling an existing table: deletion protection, PITR, tags. */
const RECONCILE_ACTIONS = [
  'UpdateTable',
  'DescribeContinuousBackups',
  'UpdateContinuousBackups',
  'ListTagsOfResource',
  'TagResource',
]
const FAULTS: [string, Fault][] = [
  ['throttling (400 ThrottlingException) x2', {
    kind: 'error',
    status: 400,
    times: 2,
    type: 'ThrottlingException',
  }],
  ['500 InternalServerError x2', {
    kind: 'error',
    status: 500,
    times: 2,
    type: 'InternalServerError',
  }],
  ['dropped connection x1', {kind: 'drop', times: 1}],
  ['answer lost after the server acted x1', {kind: 'lose-answer', times: 1}],
  ['slow answer (1.5 s) x1', {kind: 'delay', ms: 1500, times: 1}],
]

describe('faults from AWS on every call (end to end)', function () {
  this.timeout(120_000)
  let proxy: RecordingProxy
  const env = cleanEnv({AWS_REGION: 'us-east-1'})

  before(async () => {
    proxy = await startProxy((await dynamoLocal()).endpoint)
  })

  after(() => proxy.close())

  async function converges(args: string[], action: string, fault: Fault, setup?: string[]): Promise<void> {
    if (setup) expect((await runCli(setup, {env})).code).to.equal(0)
    proxy.reset()
    emulatePitrAndTags(proxy)
    proxy.fault(action, fault)
    const run = await runCli(args, {env})
    // Within the retry budget the run itself converges: retries, not a rerun, absorb the fault.
    expect(run.code, run.stderr).to.equal(0)
    // The fault was met, and the call went out again after it; a CreateTable or UpdateTable whose
    // answer was lost is not resent but checked by reading the table, and a slow answer is waited for.
    const checkedByReading = fault.kind === 'lose-answer' && ['CreateTable', 'UpdateTable'].includes(action)
    const resent = fault.kind !== 'delay' && !checkedByReading
    const sent = proxy.calls.filter(call => call === action).length
    expect(sent, `${action} calls`).to.be.at.least(resent ? (fault.times ?? 1) + 1 : 1)

    expect(proxy.calls.filter(call => /^Delete|^Untag/.test(call))).to.deep.equal([])
    const check = await runCli([...args.filter(arg => arg !== '--yes'), '--json'], {env})
    expect(JSON.parse(check.stdout).result.tables[0].outcome, check.stdout).to.equal('unchanged')
  }

  for (const action of CREATE_ACTIONS) {
    for (const [name, fault] of FAULTS) {
      it(`create, ${action}: ${name} → converges to one correct table`, async () => {
        const table = uniqueTable('fault')
        await converges(
          ['init:breakglass', '--endpoint-url', proxy.endpoint, '--table', table, '--yes', '--wait-timeout', '30'],
          action,
          fault,
        )
        const creates = proxy.answers.filter(answer => answer.action === 'CreateTable' && answer.tableStatus)
        expect(creates.length, 'successful CreateTable calls').to.be.at.most(1)
      })
    }
  }

  for (const action of RECONCILE_ACTIONS) {
    for (const [name, fault] of FAULTS) {
      it(`reconcile, ${action}: ${name} → converges in place`, async () => {
        const table = uniqueTable('refault')
        const base = ['init:approvals', '--endpoint-url', proxy.endpoint, '--table', table, '--wait-timeout', '30']
        await converges(
          [...base, '--yes', '--tag', 'team=sec'],
          action,
          fault,
          [...base, '--yes', '--no-deletion-protection', '--no-pitr'],
        )
        expect(proxy.calls.filter(call => call === 'CreateTable')).to.deep.equal([])
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
