/**
 * Faults from AWS on every call the CLI makes (test/e2e/faults.test.ts for creating a table,
 * test/e2e/faults-reconcile.test.ts for reconciling one): the faults, the calls of each path, and
 * a run that must converge by itself with the fault injected by a proxy in front of DynamoDB Local.
 */
import {expect} from 'chai'

import {cleanEnv, runCli} from './cli.js'
import {emulatePitrAndTags, type Fault, type RecordingProxy} from './proxy.js'

/** Calls made while creating a table. */
export const CREATE_ACTIONS = ['DescribeTable', 'DescribeTimeToLive', 'CreateTable', 'UpdateTimeToLive']
/** Calls made while reconciling an existing table: deletion protection, PITR, tags. */
export const RECONCILE_ACTIONS = [
  'UpdateTable',
  'DescribeContinuousBackups',
  'UpdateContinuousBackups',
  'ListTagsOfResource',
  'TagResource',
]
export const FAULTS: [string, Fault][] = [
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

/** Through `proxy`, with `fault` injected on `action`, the run `args` converges by itself (after `setup`). */
export async function converges(
  proxy: RecordingProxy,
  action: string,
  fault: Fault,
  {args, setup}: {args: string[]; setup?: string[]},
): Promise<void> {
  const env = cleanEnv({AWS_REGION: 'us-east-1'})
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
