/**
 * The commands' orchestration in-process (as sf tests commands with its command runner): the real
 * command classes under oclif's Config, against the in-memory DynamoDB, a fake STS and KMS and a
 * scripted prompt (test/support/command-runner.ts). Confirm, decline, no terminal, --json, partial
 * failure and its exit code, a read refused on one table, init:status green and red, Ctrl-C during
 * apply. No child process and no Java: the end-to-end tests show the same through bin/run.js.
 */
import type {DescribeTableCommandInput} from '@aws-sdk/client-dynamodb'

import {expect} from 'chai'

import type {PortOperation} from '../../src/aws/dynamodb-port.js'

import {ExitCode} from '../../src/errors.js'
import {
  type Interrupted, onlyJson, runCommand, startCommand,
} from '../support/command-runner.js'
import {FakeDynamoDb} from '../support/fake-dynamodb.js'

const REGION = ['--region', 'us-east-1']
const WRITES = new Set<PortOperation>([
  'createTable', 'tagResource', 'updateContinuousBackups', 'updateTable', 'updateTimeToLive',
])
const FOUR = ['sentinel-sessions', 'sentinel-breakglass', 'sentinel-requests', 'sentinel-ratelimit']
/** A terminal to answer on; stdout sent to a file, so the plan is shown with the question. */
const AT_A_TERMINAL = {terminal: {stdin: true}}

const writes = (fake: FakeDynamoDb) => fake.calls.filter(call => WRITES.has(call))

type TableJson = {table: string; outcome: string; status: string; error?: {code: string}; actions: {type: string}[]}

describe('commands in-process (oclif Config, in-memory DynamoDB, no Java)', () => {
  it('confirmed at the prompt: applied, exit 0, the result returned; the plan shown with the question', async () => {
    const fake = new FakeDynamoDb()
    const run = await runCommand('init:ratelimit', REGION, {answer: true, port: fake}, AT_A_TERMINAL)
    expect(run.exitCode, run.stderr).to.equal(0)
    expect(run.asked).to.have.length(1)
    expect(run.asked[0].message)
    .to.equal('Apply 3 changes to sentinel-ratelimit (account 123456789012, region us-east-1)?')
    expect(run.asked[0].before.join('\n')).to.contain('Create table sentinel-ratelimit')
    expect(writes(fake)).to.deep.equal(['createTable', 'updateTimeToLive', 'updateContinuousBackups'])
    expect(fake.tables.has('sentinel-ratelimit')).to.equal(true)
    expect(run.stdout).to.contain('✔ sentinel-ratelimit: created')
    expect(run.returned?.tables.map(table => table.outcome)).to.deep.equal(['created'])
    expect(run.returned?.target).to.include({account: '123456789012', region: 'us-east-1'})
    expect(run.sessions).to.deep.equal({closed: 1, opened: 1})
  })

  it('declined at the prompt: DECLINED, exit 9, nothing written, said once', async () => {
    const fake = new FakeDynamoDb()
    const run = await runCommand('init:ratelimit', REGION, {answer: false, port: fake}, AT_A_TERMINAL)
    expect(run.exitCode).to.equal(ExitCode.DECLINED).and.to.equal(9)
    expect(run.asked).to.have.length(1)
    expect(writes(fake)).to.deep.equal([])
    expect(fake.tables.size).to.equal(0)
    expect(run.stderr.trim().split('\n').at(-1)).to.match(/^Error \(DECLINED\): Declined at the prompt; nothing was changed\./)
    expect(`${run.stdout}${run.stderr}`.match(/nothing was changed/gi)).to.have.length(1)
    expect(run.sessions.closed).to.equal(1)
  })

  it('no terminal and no --yes: NON_INTERACTIVE, exit 2, nothing asked or written; the plan on stdout', async () => {
    const fake = new FakeDynamoDb()
    const run = await runCommand('init:ratelimit', REGION, {port: fake})
    expect(run.exitCode).to.equal(2)
    expect(run.asked).to.deep.equal([])
    expect(writes(fake)).to.deep.equal([])
    expect(run.stdout).to.contain('Create table sentinel-ratelimit')
    expect(run.stderr.trim().split('\n').at(-1)).to.match(/^Error \(NON_INTERACTIVE\): Not changing sentinel-ratelimit: there is no terminal to confirm on\..*--yes/)
  })

  it('--json never asks, even at a terminal: NON_INTERACTIVE, exit 2, the plan in the one JSON document', async () => {
    const fake = new FakeDynamoDb()
    const run = await runCommand('init:ratelimit', [...REGION, '--json'], {answer: true, port: fake}, {
      terminal: {stderr: false, stdin: true, stdout: true},
    })
    expect(run.exitCode).to.equal(2)
    expect(run.asked).to.deep.equal([])
    expect(writes(fake)).to.deep.equal([])
    const document = onlyJson(run.stdout)
    expect(document.ok).to.equal(false)
    expect(document.error).to.include({code: 'NON_INTERACTIVE', exitCode: 2})
    expect(document.error.suggestion).to.contain('--yes --json')
    expect(document.result.tables[0].actions.map((action: {type: string}) => action.type)).to.include('create-table')
    expect(run.stderr).to.equal('')
  })

  it('--yes --json: exactly one JSON document on stdout and nothing else; nothing on stderr', async () => {
    const fake = new FakeDynamoDb()
    const run = await runCommand('init:all', [...REGION, '--yes', '--json'], {port: fake})
    expect(run.exitCode, run.stdout).to.equal(0)
    expect(run.stdout.trim().startsWith('{') && run.stdout.trim().endsWith('}')).to.equal(true)
    const document = onlyJson(run.stdout)
    expect(document.ok).to.equal(true)
    expect(document.result.mode).to.equal('apply')
    expect(document.result.tables.map((table: TableJson) => [table.table, table.outcome]))
    .to.deep.equal(FOUR.map(name => [name, 'created']))
    expect(run.stderr).to.equal('')
    expect(run.asked).to.deep.equal([])
  })

  it('init:all, two tables\' writes refused: PARTIAL_FAILURE with the first failing table\'s exit code; ' +
    'the other tables created', async () => {
    const fake = new FakeDynamoDb()
    fake.script('createTable', {kind: 'error', name: 'AccessDeniedException', table: 'sentinel-breakglass'})
    fake.script('createTable', {kind: 'error', name: 'ValidationException', table: 'sentinel-ratelimit'})
    const run = await runCommand('init:all', [...REGION, '--yes', '--json'], {port: fake})
    const document = onlyJson(run.stdout)
    expect(document.error.code).to.equal('PARTIAL_FAILURE')
    // The first failing table (in the tables' order) is break-glass: AccessDenied, exit 4, not rate limit's 1.
    expect(run.exitCode).to.equal(ExitCode.ACCESS_DENIED).and.to.equal(4)
    expect(document.error.exitCode).to.equal(4)
    expect(document.error.message)
    .to.equal('2 of 4 tables failed: sentinel-breakglass (ACCESS_DENIED), sentinel-ratelimit (AWS_ERROR).')
    expect(document.result.tables.map((table: TableJson) => table.outcome))
    .to.deep.equal(['created', 'failed', 'created', 'failed'])
    expect(document.result.tables[1].error.code).to.equal('ACCESS_DENIED')
    expect(document.error.suggestion).to.contain('init all --region us-east-1 --yes')
    expect([...fake.tables.keys()].sort()).to.deep.equal(['sentinel-requests', 'sentinel-sessions'])
    expect(fake.count('createTable')).to.equal(4)
  })

  it('init:all, DescribeTable refused on one table: reported with that table, the others created, exit 4', async () => {
    const fake = new FakeDynamoDb()
    fake.script('describeTable', {kind: 'error', name: 'AccessDeniedException', table: 'sentinel-requests'})
    const run = await runCommand('init:all', [...REGION, '--yes'], {port: fake})
    expect(run.exitCode).to.equal(4)
    expect(run.stdout).to.contain('✔ sentinel-sessions: created').and.contain('✔ sentinel-ratelimit: created')
    expect(run.stdout).to.match(/✖ sentinel-requests: failed: Access denied: dynamodb:DescribeTable on sentinel-requests/)
    const last = run.stderr.trim().split('\n').at(-1)
    expect(last).to.match(/^Error \(PARTIAL_FAILURE\): 1 of 4 tables failed: sentinel-requests \(ACCESS_DENIED\)\./)
    expect([...fake.tables.keys()].sort())
    .to.deep.equal(['sentinel-breakglass', 'sentinel-ratelimit', 'sentinel-sessions'])
    // Nothing was sent to the table that could not be read.
    expect(fake.count('createTable')).to.equal(3)
  })

  it('a table changed, then found drifted (its KMS alias unresolvable): failed with what was done, ' +
    'not refused', async () => {
    const fake = new FakeDynamoDb()
    // KMS knows no alias/k: whether the new table is on its key cannot be checked after creating it.
    const run = await runCommand('init:all', [...REGION, '--kms-key', 'alias/k', '--yes', '--json'], {port: fake})
    const document = onlyJson(run.stdout)
    expect(run.exitCode).to.equal(ExitCode.DRIFT)
    expect(document.error.code).to.equal('PARTIAL_FAILURE')
    expect(document.error.message).to.match(/^4 of 4 tables failed: sentinel-sessions \(DRIFT\), /)
    const [sessions] = document.result.tables
    expect(sessions).to.include({converged: false, outcome: 'failed', status: 'ACTIVE'})
    expect(sessions.applied[0]).to.equal('Created table sentinel-sessions')
    expect(sessions.error.suggestion).to.match(/^This run had changed the table before the drift was seen;/)
    expect([...fake.tables.keys()]).to.have.length(4)
    const args = [...REGION, '--kms-key', 'alias/k', '--yes']
    const text = await runCommand('init:sessions', args, {port: new FakeDynamoDb()})
    expect(text.stdout).to.contain('✖ sentinel-sessions: failed: Table sentinel-sessions has 1 drift item')
    .and.contain('  + Created table sentinel-sessions')
    expect(text.stdout).not.to.contain('nothing changed')
  })

  it('init:all --plan with one table unread: the others planned, "Apply it" said, PARTIAL_FAILURE exit 4', async () => {
    const fake = new FakeDynamoDb()
    fake.script('describeTable', {kind: 'error', name: 'AccessDeniedException', table: 'sentinel-requests'})
    const run = await runCommand('init:all', [...REGION, '--plan'], {port: fake})
    expect(run.exitCode).to.equal(4)
    expect(run.stdout).to.contain('Apply it: ').and.contain('init all --region us-east-1')
    expect(run.stderr.trim().split('\n').at(-1))
    .to.match(/^Error \(PARTIAL_FAILURE\): 1 of 4 tables failed: sentinel-requests \(ACCESS_DENIED\)\./)
    expect(writes(fake)).to.deep.equal([])
    fake.script('describeTable', {kind: 'error', name: 'AccessDeniedException', table: 'sentinel-requests'})
    const json = onlyJson((await runCommand('init:all', [...REGION, '--plan', '--json'], {port: fake})).stdout)
    expect(json.result.mode).to.equal('plan')
    expect(json.result.nextSteps).to.have.length(1)
    expect(json.result.nextSteps[0]).to.match(/^Apply it: /)
    expect(json.result.tables.map((table: TableJson) => table.status))
    .to.deep.equal(['MISSING', 'MISSING', 'UNKNOWN', 'MISSING'])
  })

  it('init:status with one table unread: never green; the others reported; exit 4', async () => {
    const fake = new FakeDynamoDb()
    expect((await runCommand('init:all', [...REGION, '--yes'], {port: fake})).exitCode).to.equal(0)
    fake.script('listTagsOfResource', {kind: 'error', name: 'AccessDeniedException', table: 'sentinel-breakglass'})
    const run = await runCommand('init:status', REGION, {port: fake})
    expect(run.exitCode).to.equal(4)
    expect(run.stdout).to.contain('1 of 4 tables could not be read.')
    expect(run.stdout).not.to.contain('All 4 tables match')
    expect(run.stdout).to.contain('✔ sentinel-sessions (sessions): ACTIVE, matches')
  })

  it('init:status: green after init:all (exit 0, reads only); red with one table missing (exit 6)', async () => {
    const fake = new FakeDynamoDb()
    const made = await runCommand('init:all', [...REGION, '--yes'], {port: fake})
    expect(made.exitCode, made.stderr).to.equal(0)
    fake.calls.length = 0

    const green = await runCommand('init:status', REGION, {port: fake})
    expect(green.exitCode, green.stdout + green.stderr).to.equal(0)
    expect(green.stdout).to.contain('All 4 tables match Sentinel\'s definition.')
    expect(writes(fake)).to.deep.equal([])
    expect(fake.count('describeTable')).to.equal(4)

    fake.tables.delete('sentinel-requests')
    const red = await runCommand('init:status', [...REGION, '--json'], {port: fake})
    expect(red.exitCode).to.equal(ExitCode.NOT_CONVERGED).and.to.equal(6)
    const document = onlyJson(red.stdout)
    expect(document.error.code).to.equal('NOT_CONVERGED')
    expect(document.error.message).to.equal('sentinel-requests (missing) does not match Sentinel\'s definition.')
    const statuses = document.result.tables.map((table: TableJson) => [table.table, table.status])
    expect(statuses).to.deep.equal([
      ['sentinel-sessions', 'ACTIVE'],
      ['sentinel-breakglass', 'ACTIVE'],
      ['sentinel-requests', 'MISSING'],
      ['sentinel-ratelimit', 'ACTIVE'],
    ])
    expect(writes(fake)).to.deep.equal([])
  })

  it('init:status --kms-key <key ARN>: green while the key is Enabled, exit 6 once it is PendingDeletion ' +
    '(issue 22)', async () => {
    const fake = new FakeDynamoDb()
    const key = 'arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555'
    const world = {keys: {[key]: key}, keyStates: {} as Record<string, string>, port: fake}
    const args = [...REGION, '--kms-key', key]
    expect((await runCommand('init:all', [...args, '--yes'], world)).exitCode).to.equal(0)
    expect((await runCommand('init:status', args, world)).exitCode).to.equal(0)
    world.keyStates[key] = 'PendingDeletion'
    fake.calls.length = 0
    const red = await runCommand('init:status', [...args, '--json'], world)
    expect(red.exitCode).to.equal(ExitCode.NOT_CONVERGED)
    type Drifted = {drift: {type: string; remedy: string}[]}
    const drift = onlyJson(red.stdout).result.tables.map((table: Drifted) => table.drift)
    for (const [item] of drift) {
      expect(item.type).to.equal('kms-key-state')
      expect(item.remedy).to.contain(`aws kms cancel-key-deletion --key-id ${key} --region us-east-1 && `)
    }

    expect(writes(fake)).to.deep.equal([])
  })

  it('init:status --tag team=platform on tables tagged team=security: exit 6; apply sets it (issue 22)', async () => {
    const fake = new FakeDynamoDb()
    expect((await runCommand('init:all', [...REGION, '--tag', 'team=security', '--yes'], {port: fake})).exitCode)
    .to.equal(0)
    const expecting = [...REGION, '--tag', 'team=platform']
    const red = await runCommand('init:status', expecting, {port: fake})
    expect(red.exitCode).to.equal(ExitCode.NOT_CONVERGED)
    expect(red.stdout).to.contain('+ needs: Set tag team=platform (now team=security)')
    fake.calls.length = 0
    expect((await runCommand('init:all', [...expecting, '--yes'], {port: fake})).exitCode).to.equal(0)
    expect(writes(fake)).to.deep.equal(['tagResource', 'tagResource', 'tagResource', 'tagResource'])
    expect((await runCommand('init:status', expecting, {port: fake})).exitCode).to.equal(0)
  })

  it('Ctrl-C while a table is being created: exit 130, names what is left in AWS, says a rerun continues', async () => {
    const fake = new HeldAfterCreate()
    const running = startCommand('init:ratelimit', [...REGION, '--yes'], {port: fake})
    await fake.held
    let interrupted: Interrupted
    try {
      interrupted = running.signal('SIGINT')
    } finally {
      // Let the run go on (a real process has left by now), so that it ends and closes what it opened.
      fake.release()
      await running.done
    }

    const run = await running.done

    expect(interrupted.exitCode).to.equal(ExitCode.SIGINT).and.to.equal(130)
    const line = interrupted.stderr.trim().split('\n').at(-1)
    expect(line).to.match(/^Error \(INTERRUPTED\): Interrupted by SIGINT\. Still under way in AWS: .*sentinel-ratelimit.*; it finishes on its own\./)
    expect(line).to.contain('Rerun the same command to continue')
    expect(interrupted.stdout).not.to.contain('created')
    // Only CreateTable was sent: the interrupt came while AWS was creating the table.
    expect(fake.calls.slice(0, fake.callsWhenHeld).filter(call => WRITES.has(call))).to.deep.equal(['createTable'])
    expect(run.sessions).to.deep.equal({closed: 1, opened: 1})
  })
})

/** Holds the first DescribeTable after CreateTable until released: the run is then mid-apply. */
class HeldAfterCreate extends FakeDynamoDb {
  callsWhenHeld = 0
  readonly held: Promise<void>
  private reached!: () => void
  private releaseHold!: () => void
  private readonly hold: Promise<void>

  constructor() {
    super()
    this.held = new Promise(resolve => {
      this.reached = resolve
    })
    this.hold = new Promise(resolve => {
      this.releaseHold = resolve
    })
  }

  async describeTable(input: DescribeTableCommandInput) {
    if (this.count('createTable') > 0 && this.callsWhenHeld === 0) {
      this.callsWhenHeld = this.calls.length
      this.reached()
      await this.hold
    }

    return super.describeTable(input)
  }

  release(): void {
    this.releaseHold()
  }
}
