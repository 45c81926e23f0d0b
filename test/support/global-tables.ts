/**
 * What the end-to-end tests of global tables share (test/e2e/global-tables.test.ts,
 * test/e2e/global-tables-edges.test.ts): key ARNs per region, the CLI runs they make through the
 * AWS-behaviour layer, what they read in its answers and in the log of its calls.
 */
import {expect} from 'chai'

import {
  type AwsBehaviourOptions, type AwsLayer, callLog, startAwsLayer,
} from './aws-behaviour.js'
import {
  cleanEnv, type CliResult, parseJson, runCli,
} from './cli.js'
import {type RecordedRequest, WRITE_ACTIONS} from './proxy.js'
import {dynamoLocal, uniqueTable} from './servers.js'

/** What the tests of a describe block start, closed last first by `closeAll` (its afterEach). */
export class Started {
  private readonly closers: (() => Promise<void>)[] = []

  add(close: () => Promise<void>): void {
    this.closers.push(close)
  }

  async closeAll(): Promise<void> {
    for (const close of this.closers.splice(0).reverse()) await close()
  }

  /**
   * The AWS-behaviour layer before the shared DynamoDB Local: a replica CREATING for `creatingCalls`
   * polls, or as `options` say.
   */
  async layer(creatingCalls: AwsBehaviourOptions | number = 2): Promise<AwsLayer> {
    const options = typeof creatingCalls === 'number' ? {replicas: {creating: {calls: creatingCalls}}} : creatingCalls
    const aws = await startAwsLayer((await dynamoLocal()).endpoint, options)
    this.add(() => aws.close())
    return aws
  }
}

export const keyIn = (region: string, id = '11111111-2222-3333-4444-555555555555') =>
  `arn:aws:kms:${region}:123456789012:key/${id}`
/** Each item of `first` with each item of `second`. */
export function everyPair<A, B>(first: readonly A[], second: readonly B[]): [A, B][] {
  return first.flatMap(one => second.map(other => [one, other] as [A, B]))
}

/** A Terraform expression as hcl2json gives it. */
export const expression = (text: string) => `\${${text}}`
export const env = () => cleanEnv({AWS_REGION: 'us-east-1'})
export const output = (run: CliResult) => `exit ${run.code}\n--- stdout\n${run.stdout}\n--- stderr\n${run.stderr}`
export const lastLine = (run: CliResult) => run.stderr.trim().split('\n').at(-1) ?? ''
export const log = (aws: AwsLayer) =>
  aws.requests.map(request => `${request.region} ${callLog([request])}`).join('\n')
export const writes = (requests: RecordedRequest[]) => requests.filter(request => WRITE_ACTIONS.has(request.action))

export function sessions(aws: AwsLayer, table: string, ...extra: string[]): Promise<CliResult> {
  return runCli(['init:sessions', '--endpoint-url', aws.endpoint, '--table', table, ...extra], {env: env()})
}

/** init:all --export with a customer key and two replicas, one key an alias. */
export const exportArgs = (format: string) => [
  'init:all',
  '--export',
  format,
  '--region',
  'us-east-1',
  '--kms-key',
  keyIn('us-east-1'),
  '--replica-region',
  'eu-west-1',
  '--replica-kms-key',
  'eu-west-1=alias/sentinel',
  '--replica-region',
  'us-west-2',
  '--replica-kms-key',
  `us-west-2=${keyIn('us-west-2')}`,
  '--tag',
  'team=sec',
]

/** The four tables as global tables with a replica in eu-west-1, converged. */
export async function fourTables(aws: AwsLayer, prefix: string) {
  const kinds = ['session', 'breakglass', 'request', 'rate-limit']
  const names = kinds.flatMap(kind => [`--${kind}-table`, uniqueTable(`${prefix}-${kind}`)])
  const made = await runCli(
    ['init:all', '--endpoint-url', aws.endpoint, ...names, '--replica-region', 'eu-west-1', '--yes'],
    {env: env()},
  )
  expect(made.code, output(made)).to.equal(0)
  return {names, table: names[1]}
}

export const statusOf = (aws: AwsLayer, names: string[], ...extra: string[]) => runCli(
  ['init:status', '--endpoint-url', aws.endpoint, ...names, '--replica-region', 'eu-west-1', ...extra],
  {env: env()},
)
export const tableIn = (done: CliResult, table: string) =>
  parseJson(done.stdout).result.tables.find((entry: {table: string}) => entry.table === table)
/** The arguments of an `init sessions` command the CLI printed (topic separator a space), after its words. */
export const sessionsArgs = (line: string) => {
  const words = line.split(' ')
  return words.slice(words.indexOf('sessions') + 1)
}

