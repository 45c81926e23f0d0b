/**
 * Every command's output, byte for byte: stdout, stderr and the exit code of the real command
 * classes in-process (test/support/command-runner.ts), compared with the files recorded in
 * test/fixtures/golden/. A refactor keeps them identical; a change of output on purpose re-records
 * them (`npm run snapshot:golden`) and shows in the diff.
 * Replicas in other regions are proven end to end (test/e2e/global-tables.test.ts): the in-process
 * world is one region, so here they appear only where no region is read (policies, exports).
 */
import {expect} from 'chai'
import {mkdirSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'

import type {PortOperation} from '../../src/aws/dynamodb-port.js'

import {type FakeWorld, runCommand, type RunOptions} from '../support/command-runner.js'
import {FakeDynamoDb, type Script} from '../support/fake-dynamodb.js'

const GOLDEN = fileURLToPath(new URL('../fixtures/golden', import.meta.url))
const UPDATE = process.env.UPDATE_SNAPSHOTS === '1'
const REGION = ['--region', 'us-east-1']
const ACCOUNT = ['--account-id', '123456789012']
const KEY_ARN = 'arn:aws:kms:us-east-1:123456789012:key/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0'
const REPLICA_KEY = 'arn:aws:kms:eu-west-1:123456789012:key/9f8e7d6c-5b4a-3928-1706-f5e4d3c2b1a0'
const REPLICA_KEYS = [
  '--replica-kms-key', `eu-west-1=${REPLICA_KEY}`, '--replica-kms-key', 'us-west-2=alias/sentinel-replica',
]
const TERMINAL: RunOptions = {terminal: {stdin: true}}

/** Four converged tables, as a first `init all --yes` leaves them. */
async function converged(): Promise<FakeDynamoDb> {
  const port = new FakeDynamoDb()
  const run = await runCommand('init:all', [...REGION, '--yes'], {port})
  if (run.exitCode !== 0) throw new Error(run.stderr)
  return port
}

/**
 * Tables made by hand: sessions with a key of the wrong type (drift), ratelimit with the right key
 * but no TTL, PITR or protection, and a tag of its own.
 */
function handMade(): FakeDynamoDb {
  const port = new FakeDynamoDb()
  port.seed({
    AttributeDefinitions: [{AttributeName: 'id', AttributeType: 'N'}],
    BillingMode: 'PAY_PER_REQUEST',
    KeySchema: [{AttributeName: 'id', KeyType: 'HASH'}],
    TableName: 'sentinel-sessions',
  }, {tags: {team: 'platform'}})
  port.seed({
    AttributeDefinitions: [{AttributeName: 'PK', AttributeType: 'S'}],
    BillingMode: 'PAY_PER_REQUEST',
    KeySchema: [{AttributeName: 'PK', KeyType: 'HASH'}],
    TableName: 'sentinel-ratelimit',
  }, {tags: {owner: 'me'}})
  return port
}

interface Case {
  name: string
  id: string
  argv: string[]
  world?: () => FakeWorld | Promise<FakeWorld>
  options?: RunOptions
}

const empty = () => ({port: new FakeDynamoDb()})
const kase = (name: string, id: string, argv: string[], more: Partial<Case> = {}): Case => ({
  argv, id, name, ...more,
})
/** An empty account whose DynamoDB answers `operation` as scripted. */
const answering = (operation: PortOperation, script: Script): Partial<Case> => ({
  world: () => ({port: new FakeDynamoDb().script(operation, script)}),
})
/** The hand-made tables, and four converged ones. */
const hand = {world: () => ({port: handMade()})}
const done = {world: async () => ({port: await converged()})}
const IAM = [...REGION, ...ACCOUNT, '--generate-iam']
const REPLICAS = ['--replica-region', 'eu-west-1', '--replica-region', 'us-west-2']

/** A customer key at home and in each replica region, a tag, two replicas. */
const KEYED = ['--kms-key', KEY_ARN, '--tag', 'team=platform', ...REPLICAS, ...REPLICA_KEYS]
const CASES: Case[] = [
  kase('iam-all-default', 'init:all', IAM),
  kase('iam-all-server', 'init:all', [...IAM, '--policy-for', 'server']),
  kase('iam-all-provisioner-kms', 'init:all', [...IAM, '--policy-for', 'provisioner', '--kms-key', KEY_ARN]),
  kase('iam-all-server-replicas', 'init:all', [...IAM, '--policy-for', 'server', ...REPLICAS]),
  kase('iam-all-json', 'init:all', [...IAM, '--json']),
  kase('iam-sessions', 'init:sessions', IAM),
  kase('iam-breakglass-server', 'init:breakglass', [...IAM, '--policy-for', 'server']),
  kase('iam-approvals-table', 'init:approvals', [...IAM, '--table', 'my-requests']),
  kase('iam-ratelimit-provisioner', 'init:ratelimit', [...IAM, '--policy-for', 'provisioner']),
  kase('iam-no-account', 'init:sessions', [...REGION, '--generate-iam']),
  kase('export-cfn-all', 'init:all', [...REGION, '--export', 'cloudformation']),
  kase('export-tf-all', 'init:all', [...REGION, '--export', 'terraform']),
  kase('export-cfn-replicas-kms', 'init:all', [...REGION, '--export', 'cloudformation', ...KEYED, '--no-pitr']),
  kase('export-tf-replicas-kms', 'init:all', [...REGION, '--export', 'terraform', ...KEYED]),
  kase('export-tf-one', 'init:sessions', [...REGION, '--export', 'terraform', '--table', 'my-sessions']),
  kase('export-cfn-json', 'init:ratelimit', [...REGION, '--export', 'cloudformation', '--json']),
  kase('export-tf-import-existing', 'init:all', [...REGION, '--export', 'terraform', '--import-existing'], {
    ...done, options: {env: {SENTINEL_ACCOUNT_ID: '123456789012'}},
  }),
  kase('export-cfn-import-existing', 'init:all', [...REGION, '--export', 'cloudformation', '--import-existing'], hand),
  kase('export-cfn-import-converged', 'init:all', [...REGION, '--export', 'cloudformation', '--import-existing'], done),
  kase('plan-empty', 'init:all', [...REGION, '--plan']),
  kase('plan-empty-json', 'init:all', [...REGION, '--plan', '--json']),
  kase('plan-kms', 'init:sessions', [...REGION, '--plan', '--kms-key', 'alias/sentinel', '--tag', 'a=b']),
  kase('apply-create', 'init:all', [...REGION, '--yes']),
  kase('apply-create-json', 'init:all', [...REGION, '--yes', '--json']),
  kase('apply-confirmed', 'init:ratelimit', REGION, {options: TERMINAL, world: () => ({answer: true, ...empty()})}),
  kase('apply-declined', 'init:ratelimit', REGION, {options: TERMINAL, world: () => ({answer: false, ...empty()})}),
  kase('apply-non-interactive', 'init:ratelimit', REGION),
  kase('rerun-converged', 'init:all', [...REGION, '--yes'], done),
  kase('rerun-converged-json', 'init:all', [...REGION, '--yes', '--json'], done),
  kase('status-green', 'init:status', REGION, done),
  kase('status-green-json', 'init:status', [...REGION, '--json'], done),
  kase('status-missing', 'init:status', REGION),
  kase('status-missing-json', 'init:status', [...REGION, '--json']),
  kase('status-hand-made', 'init:status', REGION, hand),
  kase('status-hand-made-json', 'init:status', [...REGION, '--json'], hand),
  kase('plan-hand-made', 'init:all', [...REGION, '--plan'], hand),
  kase('plan-hand-made-json', 'init:all', [...REGION, '--plan', '--json'], hand),
  kase('apply-settings-off', 'init:ratelimit', [...REGION, '--yes', '--no-pitr', '--no-deletion-protection'], hand),
  kase('apply-hand-made', 'init:all', [...REGION, '--yes'], hand),
  kase('apply-hand-made-json', 'init:all', [...REGION, '--yes', '--json'], hand),
  kase('apply-tag-value', 'init:ratelimit', [...REGION, '--yes', '--tag', 'owner=platform'], hand),
  kase('error-region', 'init:all', ['--region', 'nowhere-1', '--plan']),
  kase('error-tag', 'init:all', [...REGION, '--tag', 'novalue', '--plan']),
  kase('error-tag-json', 'init:all', [...REGION, '--tag', 'novalue', '--plan', '--json']),
  kase('error-empty-account', 'init:all', [...REGION, '--account-id', '', '--plan']),
  kase('error-unknown-flag', 'init:all', [...REGION, '--bogus']),
  kase('error-policy-for-alone', 'init:all', [...REGION, '--policy-for', 'server']),
  kase('error-export-and-iam', 'init:all', [...REGION, '--export', 'terraform', '--generate-iam']),
  kase('error-replica-typo', 'init:all', [...REGION, '--replica-region', 'eu-wset-1', '--plan']),
  kase('error-kms-key', 'init:sessions', [...REGION, '--kms-key', 'not-a-key', '--plan']),
  kase('error-table-name', 'init:sessions', [...REGION, '--table', 'bad name!', '--plan']),
  kase('error-wrong-account', 'init:all', [...REGION, '--account-id', '210987654321', '--yes']),
  kase('error-export-format', 'init:all', [...REGION, '--export', 'pulumi']),
  // What AWS answers, as the SDK adapter classifies it (src/aws/errors.ts).
  kase('aws-throttled-create', 'init:ratelimit', [...REGION, '--yes'], answering('createTable', {
    kind: 'error', name: 'ThrottlingException', times: 9,
  })),
  kase('aws-denied-status', 'init:status', REGION, answering('describeTable', {
    kind: 'error', message: 'User is not authorized to perform: dynamodb:DescribeTable', name: 'AccessDeniedException',
  })),
  kase('aws-validation-create', 'init:sessions', [...REGION, '--yes'], answering('createTable', {
    kind: 'error', message: 'One or more parameter values were invalid', name: 'ValidationException',
  })),
  kase('aws-limit-then-create', 'init:ratelimit', [...REGION, '--yes'], answering('createTable', {
    kind: 'error', message: 'Too many tables being created at once', name: 'LimitExceededException',
  })),
  kase('aws-in-use-then-update', 'init:ratelimit', [...REGION, '--yes'], {
    world: () => ({
      port: handMade().script('updateTable', {
        kind: 'error', message: 'Table is being updated', name: 'ResourceInUseException',
      }),
    }),
  }),
]

/**
 * The tables of `init all` are applied at once, so their progress lines on stderr interleave as
 * the calls happen to end: each table's lines are kept in their order, grouped by table.
 */
const tableOf = (line: string) => /sentinel-[a-z]+/.exec(line)?.[0] ?? ''

function byTable(stderr: string): string {
  return stderr.split('\n').map((line, at) => ({at, line, table: tableOf(line)}))
  .sort((a, b) => a.table.localeCompare(b.table) || a.at - b.at)
  .map(({line}) => line)
  .join('\n')
}

function recordOf(run: {exitCode: number; stderr: string; stdout: string}): string {
  return `exit ${run.exitCode}\n--- stdout\n${run.stdout}\n--- stderr (grouped by table)\n${byTable(run.stderr)}\n`
}

describe('golden output: every command byte for byte (test/fixtures/golden)', () => {
  if (UPDATE) mkdirSync(GOLDEN, {recursive: true})
  for (const {argv, id, name, options, world = empty} of CASES) {
    it(`${name}: sentinel ${id.replace(':', ' ')} ${argv.join(' ')}`, async () => {
      const run = await runCommand(id, argv, await world(), options)
      const file = join(GOLDEN, `${name}.txt`)
      const record = recordOf(run)
      if (UPDATE) writeFileSync(file, record)
      expect(record).to.equal(readFileSync(file, 'utf8'))
    })
  }
})
