/**
 * The run service (src/report/run-result.ts), called in-process: from inspections and apply
 * outcomes to the typed result and its error, with no command, no AWS and no output.
 */
import {expect} from 'chai'

import type {LiveTable} from '../../src/provisioning/live-table.js'
import type {Inspection, ProvisionOutcome} from '../../src/provisioning/provisioner.js'
import type {RunContext} from '../../src/report/next-steps.js'
import type {DesiredTable} from '../../src/tables/desired.js'

import {ResultError, SentinelError} from '../../src/errors.js'
import {planTable} from '../../src/provisioning/plan.js'
import {unreadInspection} from '../../src/provisioning/provisioner.js'
import {makeTarget} from '../../src/report/report.js'
import {
  appliedResult, decidedResult, guardAccount, plannedResult, planOnly, type RunFacts, runFailure, statusVerdict,
} from '../../src/report/run-result.js'
import {ALL_TABLES, SESSIONS_TABLE, type TableDefinition} from '../../src/tables/definitions.js'

const target = makeTarget({account: '123456789012', region: 'eu-west-1'})

function desired(definition: TableDefinition): DesiredTable {
  return {
    definition, deletionProtection: true, pitr: true, tableName: definition.defaultTableName, tags: new Map(),
  }
}

function facts(command: string, tables: readonly TableDefinition[]): RunFacts {
  const context: RunContext = {
    bin: 'sentinel',
    command,
    contextFlags: ['--region', 'eu-west-1'],
    multiTable: tables.length > 1,
    tables: tables.map(definition => ({definition, source: 'default', tableName: definition.defaultTableName})),
    topicSeparator: ' ',
  }
  return {command, context, target}
}

/** The table as it is once converged (what the planner wants, read back). */
function converged(definition: TableDefinition, overrides: Partial<LiveTable> = {}): LiveTable {
  const attributeTypes = Object.fromEntries([definition.partitionKey, ...definition.indexes
  .flatMap(gsi => [gsi.partitionKey, gsi.sortKey])].map(name => [name, 'S']))
  return {
    arn: `arn:aws:dynamodb:eu-west-1:123456789012:table/${definition.defaultTableName}`,
    attributeTypes,
    billingMode: 'PAY_PER_REQUEST',
    deletionProtection: true,
    encryption: {kind: 'kms', kmsKeyArn: 'arn:aws:kms:eu-west-1:123456789012:key/abc'},
    indexes: definition.indexes.map(gsi => ({...gsi, projectionType: 'ALL', status: 'ACTIVE'}))
    .sort((a, b) => a.name.localeCompare(b.name)),
    itemCount: 0,
    localIndexes: [],
    name: definition.defaultTableName,
    partitionKey: definition.partitionKey,
    pitr: 'ENABLED',
    status: 'ACTIVE',
    tags: new Map([['sentinel:table', definition.kind]]),
    ttl: {attribute: definition.ttlAttribute, status: 'ENABLED'},
    ...overrides,
  }
}

function inspected(definition: TableDefinition, live: LiveTable | undefined): Inspection {
  const table = desired(definition)
  return {desired: table, live, plan: planTable(table, live)}
}

function created(definition: TableDefinition): ProvisionOutcome {
  return {
    applied: ['Created'], endpointGaps: ['TTL'], live: converged(definition), notices: [], outcome: 'created',
  }
}

describe('the run service (report/run-result.ts)', () => {
  it('plans every table, then reports each outcome; the endpoint gaps apply learnt are added once', () => {
    const [sessions, breakglass] = ALL_TABLES
    const inspections = [inspected(sessions, undefined), inspected(breakglass, converged(breakglass))]
    const run = facts('init:all', ALL_TABLES.slice(0, 2))
    const planned = plannedResult(run, 'apply', inspections)
    expect(planned.tables.map(table => [table.table, table.outcome, table.converged]))
    .to.deep.equal([['sentinel-sessions', 'planned', false], ['sentinel-breakglass', 'planned', true]])
    expect(planned.nextSteps).to.not.be.empty

    const {errors, result} = appliedResult(planned, inspections, [created(sessions), undefined])
    expect(errors).to.deep.equal([])
    expect(result.tables.map(table => [table.outcome, table.converged, table.status]))
    .to.deep.equal([['created', true, 'ACTIVE'], ['unchanged', true, 'ACTIVE']])
    expect(result.endpointGaps).to.deep.equal(['TTL'])
    expect(runFailure(run, result, {asked: {confirmed: true, json: false}})).to.equal(undefined)
  })

  it('one of several tables failing: PARTIAL_FAILURE with its exit code and a copyable rerun', () => {
    const [sessions, breakglass] = ALL_TABLES
    const inspections = [inspected(sessions, undefined), inspected(breakglass, undefined)]
    const run = facts('init:all', ALL_TABLES.slice(0, 2))
    const denied = new SentinelError('ACCESS_DENIED', 'Access denied to dynamodb:CreateTable.')
    const {errors, result} = appliedResult(plannedResult(run, 'apply', inspections), inspections, [
      created(sessions), denied,
    ])
    expect(result.tables.map(table => table.outcome)).to.deep.equal(['created', 'failed'])
    const failure = runFailure(run, result, {asked: {confirmed: true, json: false}, errors})!
    expect(failure).to.be.instanceOf(ResultError)
    expect(failure.code).to.equal('PARTIAL_FAILURE')
    expect(failure.exitCode).to.equal(4)
    expect(failure.cause).to.equal(denied)
    expect(failure.message).to.equal('1 of 2 tables failed: sentinel-breakglass (ACCESS_DENIED).')
    expect(failure.suggestion).to.equal('See each table above; fix the cause and rerun (finished tables are left ' +
      'as they are): sentinel init all --region eu-west-1 --yes')
    expect(runFailure(run, result, {asked: {confirmed: false, json: true}, errors})!.suggestion)
    .to.match(/^See result\.tables; .*: sentinel init all --region eu-west-1$/)
  })

  it('a drifted table is refused, never applied, and counted as refused rather than failed', () => {
    const [sessions, breakglass] = ALL_TABLES
    const drifted = inspected(sessions, converged(sessions, {billingMode: 'PROVISIONED'}))
    expect(drifted.plan.drift).to.not.be.empty
    const inspections = [drifted, inspected(breakglass, converged(breakglass))]
    const run = facts('init:all', ALL_TABLES.slice(0, 2))
    const {result} = appliedResult(plannedResult(run, 'apply', inspections), inspections, [undefined, undefined])
    expect(result.tables.map(table => table.outcome)).to.deep.equal(['refused', 'unchanged'])
    const failure = runFailure(run, result, {asked: {confirmed: false, json: false}})!
    expect(failure.code).to.equal('PARTIAL_FAILURE')
    expect(failure.exitCode).to.equal(5)
    expect(failure.message)
    .to.equal('1 of 2 tables refused (drift sentinel cannot fix in place): sentinel-sessions (DRIFT).')
  })

  it('one table: its own error carries the result', () => {
    const inspections = [inspected(SESSIONS_TABLE, undefined)]
    const run = facts('init:sessions', [SESSIONS_TABLE])
    const throttled = new SentinelError('THROTTLED', 'Throttled.')
    const {errors, result} = appliedResult(plannedResult(run, 'apply', inspections), inspections, [throttled])
    const failure = runFailure(run, result, {asked: {confirmed: false, json: false}, errors})!
    expect(failure.code).to.equal('THROTTLED')
    expect(failure.result).to.equal(result)
  })

  it('declined or not confirmable: the pending tables say so, the converged ones are unchanged', () => {
    const [sessions, breakglass] = ALL_TABLES
    const inspections = [inspected(sessions, undefined), inspected(breakglass, converged(breakglass))]
    const planned = plannedResult(facts('init:all', ALL_TABLES.slice(0, 2)), 'apply', inspections)
    expect(decidedResult(planned, inspections, 'declined').tables.map(table => table.outcome))
    .to.deep.equal(['declined', 'unchanged'])
  })

  it('--plan: "Apply it" only when something is pending; an unread table fails the plan', () => {
    const run = facts('init:sessions', [SESSIONS_TABLE])
    const pending = [inspected(SESSIONS_TABLE, undefined)]
    const asked = {confirmed: false, json: false}
    const plan = planOnly(run, plannedResult(run, 'plan', pending), pending, asked)
    expect(plan.applyLine).to.equal('Apply it: sentinel init sessions --region eu-west-1')
    expect(plan.result.nextSteps).to.deep.equal([plan.applyLine])
    expect(plan.failure).to.equal(undefined)

    const done = [inspected(SESSIONS_TABLE, converged(SESSIONS_TABLE))]
    const nothing = planOnly(run, plannedResult(run, 'plan', done), done, asked)
    expect(nothing.applyLine).to.equal(undefined)
    expect(nothing.result.nextSteps).to.deep.equal([])

    const unread = [unreadInspection(desired(SESSIONS_TABLE), new SentinelError('ACCESS_DENIED', 'Denied.'))]
    expect(planOnly(run, plannedResult(run, 'plan', unread), unread, asked).failure?.code).to.equal('ACCESS_DENIED')
  })

  it('status: all match; or which need attention (exit 6, init all suggested); or which could not be read', () => {
    const run = facts('init:status', ALL_TABLES)
    const asked = {confirmed: false, json: false}
    const green = ALL_TABLES.map(definition => inspected(definition, converged(definition)))
    const ok = statusVerdict(run, green, 'init:all', asked)
    expect(ok.failure).to.equal(undefined)
    expect(ok.summary).to.equal("All 4 tables match Sentinel's definition.")
    expect(ok.result.tables.every(table => table.state !== undefined)).to.equal(true)

    const missing = [inspected(ALL_TABLES[0], undefined), ...green.slice(1)]
    const red = statusVerdict(run, missing, 'init:all', asked)
    expect(red.failure?.code).to.equal('NOT_CONVERGED')
    expect(red.failure?.exitCode).to.equal(6)
    expect(red.failure?.message).to.equal("sentinel-sessions (missing) does not match Sentinel's definition.")
    expect(red.summary)
    .to.equal('1 of 4 tables needs attention. See the changes: sentinel init all --region eu-west-1 --plan')
    expect(red.result.nextSteps).to.deep.equal([
      'See the changes: sentinel init all --region eu-west-1 --plan',
      'Make them: sentinel init all --region eu-west-1 (drift needs a human)',
    ])

    const denied = new SentinelError('ACCESS_DENIED', 'Denied.')
    const unread = [unreadInspection(desired(ALL_TABLES[0]), denied),
      inspected(ALL_TABLES[1], undefined),
      ...green.slice(2)]
    const unknown = statusVerdict(run, unread, 'init:all', asked)
    expect(unknown.summary).to.equal('1 of 4 tables could not be read. Also: sentinel-breakglass (missing).')
    expect(unknown.failure?.code).to.equal('PARTIAL_FAILURE')
    expect(unknown.failure?.exitCode).to.equal(4)
  })

  it('a replica nobody named that lacks protection: status exit 6 naming its region; the commands name it, ' +
    'apply leaves it alone but never says the table matches (issue 22, item 1)', () => {
    const run = facts('init:status', ALL_TABLES)
    const asked = {confirmed: false, json: false}
    const green = ALL_TABLES.map(definition => inspected(definition, converged(definition)))
    const [first] = green
    const replica = {
      actions: [{summary: 'Turn deletion protection on', type: 'enable-deletion-protection' as const}],
      drift: [], endpointGaps: [], named: false, nameWith: ['--replica-region', 'us-west-2'], notices: [],
      region: 'us-west-2', status: 'ACTIVE',
    }
    const withUnnamed = [{...first, replicas: [replica]}, ...green.slice(1)]
    const red = statusVerdict(run, withUnnamed, 'init:all', asked)
    expect(red.failure?.exitCode).to.equal(6)
    expect(red.failure?.message).to.equal('sentinel-sessions (needs changes: replica in us-west-2 not named by ' +
      "--replica-region) does not match Sentinel's definition.")
    expect(red.result.tables[0].replicas?.[0]).to.include({converged: false, named: false})
    expect(red.result.nextSteps.slice(0, 2)).to.deep.equal([
      'See the changes: sentinel init all --region eu-west-1 --replica-region us-west-2 --plan',
      'Make them: sentinel init all --region eu-west-1 --replica-region us-west-2 (drift needs a human)',
    ])

    const apply = facts('init:sessions', [SESSIONS_TABLE])
    const inspections = [withUnnamed[0]]
    const planned = plannedResult(apply, 'apply', inspections)
    expect(planned.nextSteps[0]).to.contain('name it (a replica is never removed): ' +
      'sentinel init sessions --region eu-west-1 --replica-region us-west-2')
    const {result} = appliedResult(planned, inspections, [undefined])
    expect(result.tables[0]).to.include({converged: false, outcome: 'unchanged'})
    expect(planOnly(apply, planned, inspections, asked).result.nextSteps).to.deep.equal([
      'The replica in us-west-2, not named by --replica-region, lacks what apply sets only in the regions named; ' +
        'name it (a replica is never removed): ' +
        'sentinel init sessions --region eu-west-1 --replica-region us-west-2 --plan',
    ])
  })

  it('the account guard: the expected account passes; another, or none known, stops the run', () => {
    const expected = {id: '123456789012', source: '--account-id'}
    expect(() => guardAccount(expected, target)).to.not.throw()
    expect(() => guardAccount(undefined, target)).to.not.throw()
    const other = makeTarget({account: '210987654321', region: 'eu-west-1'})
    expect(() => guardAccount(expected, other))
    .to.throw(SentinelError, 'belong to account 210987654321, not 123456789012')
    const unknown = makeTarget({accountNote: 'STS denied', region: 'eu-west-1'})
    expect(() => guardAccount(expected, unknown)).to.throw(SentinelError, 'Cannot confirm')
  })
})
