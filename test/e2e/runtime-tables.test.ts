/**
 * Issue 9: the fourth table (the rate limiter) and the names Sentinel's runtime reads, through
 * the real CLI (bin/run.js) against DynamoDB Local, behind a recording proxy that emulates what
 * DynamoDB Local lacks (PITR, tags).
 */
import {
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  type DynamoDBClient,
  GetItemCommand,
  UpdateItemCommand,
  type UpdateItemCommandOutput,
} from '@aws-sdk/client-dynamodb'
import {expect} from 'chai'

import {cleanEnv, parseJson, runCli} from '../support/cli.js'
import {
  emulatePitrAndTags,
  type PitrAndTags,
  type RecordedRequest,
  type RecordingProxy,
  startProxy,
  tableNameOf,
  WRITE_ACTIONS,
} from '../support/proxy.js'
import {
  allTableFlags, dynamoLocal, sdkClient, uniqueTable,
} from '../support/servers.js'

const env = (extra: Record<string, string | undefined> = {}) => cleanEnv({AWS_REGION: 'us-east-1', ...extra})

interface TableReport {
  actions: {type: string; summary: string}[]
  converged: boolean
  drift: unknown[]
  kind: string
  outcome: string
  table: string
  state?: Record<string, unknown>
}

/** The table a recorded request named (TableName, or the table in a tag call's ResourceArn). */
const tableOf = (request: RecordedRequest) => tableNameOf(String(request.table ?? request.arn ?? ''))
const writesOn = (requests: RecordedRequest[], table: string) =>
  requests
  .filter(request => WRITE_ACTIONS.has(request.action) && tableOf(request) === table)
  .map(request => request.action)

/** The kinds and names a JSON report covers, in its order. */
const namesOf = (tables: TableReport[]) => tables.map(table => [table.kind, table.table])

function actionsOf(statement: {Action: string | string[]}): string[] {
  return typeof statement.Action === 'string' ? [statement.Action] : statement.Action
}

function resourcesOf(statement: {Resource: string | string[]}): string[] {
  return typeof statement.Resource === 'string' ? [statement.Resource] : statement.Resource
}

/** The AWS error name a call was refused with, or 'accepted'. */
async function refusal(call: Promise<unknown>): Promise<string> {
  try {
    await call
    return 'accepted'
  } catch (error) {
    return (error as Error).name
  }
}

/** The counter, window start and expiry an UpdateItem left on the item. */
function view(output: UpdateItemCommandOutput) {
  return {
    count: output.Attributes?.count?.N,
    ttl: output.Attributes?.TTL?.N,
    window: output.Attributes?.window_start?.N,
  }
}

const approvalsName = (tables: TableReport[]) => tables.find(table => table.kind === 'approvals')?.table
const rateLimitName = (tables: TableReport[]) => tables.find(table => table.kind === 'ratelimit')?.table

interface IamPolicy {
  Statement: {Action: string | string[]; Effect: string; Resource: string | string[]}[]
}

/** init:ratelimit's IAM policy for one role, as printed. */
async function iam(policyFor: string, table: string): Promise<IamPolicy> {
  const run = await runCli([
    'init:ratelimit',
    '--table',
    table,
    '--generate-iam',
    '--policy-for',
    policyFor,
    '--account-id',
    '123456789012',
    '--region',
    'us-east-1',
  ], {env: env()})
  expect(run.code, run.stdout + run.stderr).to.equal(0)
  return JSON.parse(run.stdout) as IamPolicy
}

describe('issue 9: the rate-limit table and the names the runtime reads (end to end)', () => {
  let proxy: RecordingProxy
  let emulated: PitrAndTags
  let localEndpoint: string

  beforeEach(async () => {
    localEndpoint = (await dynamoLocal()).endpoint
    proxy = await startProxy(localEndpoint)
    emulated = emulatePitrAndTags(proxy)
  })

  afterEach(() => proxy.close())

  describe('init:ratelimit', () => {
    it('creates the table as the rate limiter needs it (PK, TTL on "TTL", no index, on-demand, tag, ' +
      'deletion protection); a rerun is unchanged with no write', async () => {
      const table = uniqueTable('ratelimit')
      const run = await runCli(
        ['init:ratelimit', '--endpoint-url', proxy.endpoint, '--table', table, '--yes'],
        {env: env()},
      )
      expect(run.code, run.stdout + run.stderr).to.equal(0)
      expect(run.stdout).to.contain(`✔ ${table}: created`)
      expect(proxy.requests.filter(request => request.action === 'CreateTable').map(request => tableOf(request)))
      .to.deep.equal([table])

      const client = sdkClient(localEndpoint)
      try {
        const {Table} = await client.send(new DescribeTableCommand({TableName: table}))
        expect(Table?.KeySchema).to.deep.equal([{AttributeName: 'PK', KeyType: 'HASH'}])
        expect(Table?.AttributeDefinitions).to.deep.equal([{AttributeName: 'PK', AttributeType: 'S'}])
        expect(Table?.GlobalSecondaryIndexes ?? []).to.deep.equal([])
        expect(Table?.LocalSecondaryIndexes ?? []).to.deep.equal([])
        expect(Table?.BillingModeSummary?.BillingMode).to.equal('PAY_PER_REQUEST')
        expect(Table?.DeletionProtectionEnabled).to.equal(true)
        const ttl = await client.send(new DescribeTimeToLiveCommand({TableName: table}))
        // Upper case: the rate limiter writes its expiry to "TTL", not "ttl".
        expect(ttl.TimeToLiveDescription).to.deep.include({AttributeName: 'TTL', TimeToLiveStatus: 'ENABLED'})
        expect(Table?.TableArn).to.be.a('string')
        expect(emulated.tags.get(Table!.TableArn!)).to.deep.equal({'sentinel:table': 'ratelimit'})
        expect(emulated.pitr.get(table)).to.equal(true)
      } finally {
        client.destroy()
      }

      const mark = proxy.requests.length
      const rerun = await runCli(
        ['init:ratelimit', '--endpoint-url', proxy.endpoint, '--table', table, '--yes', '--json'],
        {env: env()},
      )
      expect(rerun.code, rerun.stdout + rerun.stderr).to.equal(0)
      const doc = parseJson(rerun.stdout)
      expect(doc.result.tables).to.have.length(1)
      expect(doc.result.tables[0]).to.include({
        converged: true,
        kind: 'ratelimit',
        outcome: 'unchanged',
        table,
      })
      expect(doc.result.tables[0].actions).to.deep.equal([])
      const rerunRequests = proxy.requests.slice(mark)
      expect(rerunRequests.length, 'the rerun read the table').to.be.greaterThan(0)
      expect(rerunRequests.filter(request => WRITE_ACTIONS.has(request.action)).map(request => request.action))
      .to.deep.equal([])
    })

    it("takes the rate limiter's conditional increment and window reset on the table it made " +
      '(DynamoDB Local, SDK UpdateItem)', async () => {
      const table = uniqueTable('rl-items')
      const run = await runCli(
        ['init:ratelimit', '--endpoint-url', proxy.endpoint, '--table', table, '--yes'],
        {env: env()},
      )
      expect(run.code, run.stdout + run.stderr).to.equal(0)

      // The exact Go expressions are not in SPEC; these two are written as SPEC describes the
      // limiter: items keyed RL#<principal>, a conditional if_not_exists increment up to the
      // limit, and a conditional reset once the window has passed. Times are fixed epoch
      // seconds, not the clock, and in the future (2100): DynamoDB Local really deletes items
      // whose "TTL" is past, which would restart the count under the test's feet.
      const key = {PK: {S: 'RL#arn:aws:iam::123456789012:role/dev'}}
      const names = {'#count': 'count', '#ttl': 'TTL', '#window': 'window_start'}
      const limit = 3
      const window = 60
      const t0 = 4_102_444_800
      const client: DynamoDBClient = sdkClient(localEndpoint)
      const increment = (now: number) =>
        client.send(new UpdateItemCommand({
          ConditionExpression: 'attribute_not_exists(#count) OR #count < :limit',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: {
            ':expires': {N: String(now + (2 * window))},
            ':limit': {N: String(limit)},
            ':now': {N: String(now)},
            ':one': {N: '1'},
            ':zero': {N: '0'},
          },
          Key: key,
          ReturnValues: 'ALL_NEW',
          TableName: table,
          UpdateExpression: 'SET #count = if_not_exists(#count, :zero) + :one, ' +
            '#window = if_not_exists(#window, :now), #ttl = if_not_exists(#ttl, :expires)',
        }))
      const reset = (now: number) =>
        client.send(new UpdateItemCommand({
          ConditionExpression: '#window < :window_start',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: {
            ':expires': {N: String(now + (2 * window))},
            ':now': {N: String(now)},
            ':one': {N: '1'},
            ':window_start': {N: String(now - window)},
          },
          Key: key,
          ReturnValues: 'ALL_NEW',
          TableName: table,
          UpdateExpression: 'SET #count = :one, #window = :now, #ttl = :expires',
        }))
      const stored = async () => {
        const {Item} = await client.send(new GetItemCommand({ConsistentRead: true, Key: key, TableName: table}))
        return {count: Item?.count?.N, ttl: Item?.TTL?.N, window: Item?.window_start?.N}
      }

      try {
        // (a) N increments up to the limit; the window start and expiry are set once.
        const counts: (string | undefined)[] = []
        for (let call = 0; call < limit; call++) {
          const output = await increment(t0 + call)
          counts.push(output.Attributes?.count?.N)
          expect(view(output)).to.include({ttl: String(t0 + (2 * window)), window: String(t0)})
        }

        expect(counts).to.deep.equal(['1', '2', '3'])
        expect(await refusal(increment(t0 + 5)), 'the call past the limit').to.equal('ConditionalCheckFailedException')
        expect(await stored()).to.deep.equal({count: '3', ttl: String(t0 + (2 * window)), window: String(t0)})

        // (b) The reset is refused while the window is current, and taken once it has passed.
        expect(await refusal(reset(t0 + 30)), 'a reset inside the window').to.equal('ConditionalCheckFailedException')
        expect((await stored()).count).to.equal('3')
        const after = t0 + window + 30
        expect(view(await reset(after)))
        .to.deep.equal({count: '1', ttl: String(after + (2 * window)), window: String(after)})

        // The new window counts on from 1 up to the limit again.
        expect(view(await increment(after + 1)))
        .to.deep.equal({count: '2', ttl: String(after + (2 * window)), window: String(after)})
        expect((await increment(after + 2)).Attributes?.count?.N).to.equal('3')
        expect(await refusal(increment(after + 3))).to.equal('ConditionalCheckFailedException')

        // The attribute the limiter writes its expiry to is the one the table expires on.
        const {Item} = await client.send(new GetItemCommand({ConsistentRead: true, Key: key, TableName: table}))
        expect(Object.keys(Item ?? {}).sort()).to.deep.equal(['PK', 'TTL', 'count', 'window_start'])
        const ttl = await client.send(new DescribeTimeToLiveCommand({TableName: table}))
        expect(Item).to.have.property(ttl.TimeToLiveDescription?.AttributeName ?? '(no TTL attribute)')
      } finally {
        client.destroy()
      }
    })
  })

  describe('upgrade from the three-table version', () => {
    it('init:all plans and makes only the rate-limit table; the three existing tables get no write', async () => {
      const old = {approvals: uniqueTable('up-req'), breakglass: uniqueTable('up-bg'), sessions: uniqueTable('up-ses')}
      const rateLimit = uniqueTable('up-rl')
      for (const [command, table] of [
        ['init:sessions', old.sessions],
        ['init:breakglass', old.breakglass],
        ['init:approvals', old.approvals],
      ]) {
        const made = await runCli([command, '--endpoint-url', proxy.endpoint, '--table', table, '--yes'], {env: env()})
        expect(made.code, `${command}: ${made.stdout}${made.stderr}`).to.equal(0)
      }

      const flags = [
        '--endpoint-url',
        proxy.endpoint,
        ...allTableFlags({...old, ratelimit: rateLimit}),
      ]

      let mark = proxy.requests.length
      const plan = await runCli(['init:all', ...flags, '--plan', '--json'], {env: env()})
      expect(plan.code, plan.stdout + plan.stderr).to.equal(0)
      const planned = parseJson(plan.stdout).result.tables as TableReport[]
      expect(namesOf(planned)).to.deep.equal([
        ['sessions', old.sessions],
        ['breakglass', old.breakglass],
        ['approvals', old.approvals],
        ['ratelimit', rateLimit],
      ])
      const withActions = planned.filter(table => table.actions.length > 0)
      expect(namesOf(withActions), 'tables with planned actions').to.deep.equal([['ratelimit', rateLimit]])
      expect(withActions[0].actions[0].type).to.equal('create-table')
      for (const table of planned.slice(0, 3)) expect(table.drift, table.table).to.deep.equal([])
      expect(proxy.requests.slice(mark).filter(request => WRITE_ACTIONS.has(request.action)), 'writes during --plan')
      .to.deep.equal([])

      mark = proxy.requests.length
      const apply = await runCli(['init:all', ...flags, '--yes', '--json'], {env: env()})
      expect(apply.code, apply.stdout + apply.stderr).to.equal(0)
      const applied = parseJson(apply.stdout).result.tables as TableReport[]
      expect(applied.map(table => [table.table, table.outcome])).to.deep.equal([
        [old.sessions, 'unchanged'],
        [old.breakglass, 'unchanged'],
        [old.approvals, 'unchanged'],
        [rateLimit, 'created'],
      ])
      const requests = proxy.requests.slice(mark)
      expect(requests.filter(request => request.action === 'CreateTable').map(request => tableOf(request)))
      .to.deep.equal([rateLimit])
      for (const table of Object.values(old)) expect(writesOn(requests, table), `writes on ${table}`).to.deep.equal([])
      expect(requests.filter(request => tableOf(request) === old.sessions).length, 'the old tables were read')
      .to.be.greaterThan(0)
    })
  })

  describe('table names', () => {
    const allPlan = async (args: string[], extraEnv: Record<string, string> = {}) => {
      const run = await runCli(
        ['init:all', '--endpoint-url', proxy.endpoint, ...args, '--plan', '--json'],
        {env: env(extraEnv)},
      )
      expect(run.code, run.stdout + run.stderr).to.equal(0)
      return parseJson(run.stdout).result.tables as TableReport[]
    }

    it('without names, init:all covers the four default tables, the rate limiter as sentinel-ratelimit', async () => {
      expect(namesOf(await allPlan([]))).to.deep.equal([
        ['sessions', 'sentinel-sessions'],
        ['breakglass', 'sentinel-breakglass'],
        ['approvals', 'sentinel-requests'],
        ['ratelimit', 'sentinel-ratelimit'],
      ])
    })

    it('the approvals name comes from SENTINEL_APPROVAL_TABLE first, then SENTINEL_REQUEST_TABLE', async () => {
      const approval = uniqueTable('env-approval')
      const request = uniqueTable('env-request')
      const both = await allPlan([], {SENTINEL_APPROVAL_TABLE: approval, SENTINEL_REQUEST_TABLE: request})
      expect(approvalsName(both)).to.equal(approval)
      expect(both.map(table => table.table)).not.to.include(request)
      expect(approvalsName(await allPlan([], {SENTINEL_REQUEST_TABLE: request}))).to.equal(request)
    })

    it('--approval-table X names the approvals table as --request-table X does', async () => {
      const name = uniqueTable('approval-flag')
      const viaApproval = await allPlan(['--approval-table', name])
      const viaRequest = await allPlan(['--request-table', name])
      expect(approvalsName(viaApproval)).to.equal(name)
      expect(namesOf(viaApproval)).to.deep.equal(namesOf(viaRequest))
    })

    it('SENTINEL_RATE_LIMIT_TABLE and --rate-limit-table name the fourth table (the flag first), ' +
      'on init:all and init:ratelimit', async () => {
      const fromEnv = uniqueTable('env-rl')
      const fromFlag = uniqueTable('flag-rl')
      expect(rateLimitName(await allPlan([], {SENTINEL_RATE_LIMIT_TABLE: fromEnv}))).to.equal(fromEnv)
      expect(rateLimitName(await allPlan(['--rate-limit-table', fromFlag]))).to.equal(fromFlag)
      expect(rateLimitName(await allPlan(['--rate-limit-table', fromFlag], {SENTINEL_RATE_LIMIT_TABLE: fromEnv})))
      .to.equal(fromFlag)
      const single = await runCli(
        ['init:ratelimit', '--endpoint-url', proxy.endpoint, '--plan', '--json'],
        {env: env({SENTINEL_RATE_LIMIT_TABLE: fromEnv})},
      )
      expect(single.code, single.stdout + single.stderr).to.equal(0)
      expect(namesOf(parseJson(single.stdout).result.tables)).to.deep.equal([['ratelimit', fromEnv]])
    })

    it('init:status --json covers all four tables, the rate limiter included', async () => {
      const names = {
        approvals: uniqueTable('st-req'),
        breakglass: uniqueTable('st-bg'),
        ratelimit: uniqueTable('st-rl'),
        sessions: uniqueTable('st-ses'),
      }
      const flags = [
        '--endpoint-url',
        proxy.endpoint,
        '--session-table',
        names.sessions,
        '--breakglass-table',
        names.breakglass,
        '--approval-table',
        names.approvals,
      ]
      const made = await runCli(
        ['init:all', ...flags, '--yes'],
        {env: env({SENTINEL_RATE_LIMIT_TABLE: names.ratelimit})},
      )
      expect(made.code, made.stdout + made.stderr).to.equal(0)
      const mark = proxy.requests.length
      const status = await runCli(
        ['init:status', ...flags, '--json'],
        {env: env({SENTINEL_RATE_LIMIT_TABLE: names.ratelimit})},
      )
      expect(status.code, status.stdout + status.stderr).to.equal(0)
      const tables = parseJson(status.stdout).result.tables as TableReport[]
      expect(namesOf(tables)).to.deep.equal([
        ['sessions', names.sessions],
        ['breakglass', names.breakglass],
        ['approvals', names.approvals],
        ['ratelimit', names.ratelimit],
      ])
      for (const table of tables) expect(table.converged, table.table).to.equal(true)
      expect(tables[3].state).to.include({ttl: 'ENABLED on "TTL"'})
      expect(
        proxy.requests.slice(mark).filter(request => tableOf(request) === names.ratelimit).length,
        'status read the rate-limit table',
      ).to.be.greaterThan(0)
      expect(proxy.requests.slice(mark).filter(request => WRITE_ACTIONS.has(request.action))).to.deep.equal([])
    })

    const conflicts: {
      title: string
      command: string
      args: string[]
      env: Record<string, string>
      sources: string[]
    }[] = [
      {
        args: ['--session-table', 'x-same', '--rate-limit-table', 'x-same'],
        command: 'init:all',
        env: {},
        sources: ['--session-table', '--rate-limit-table'],
        title: 'two flags',
      },
      {
        args: ['--rate-limit-table', 'x-same'],
        command: 'init:all',
        env: {SENTINEL_SESSION_TABLE: 'x-same'},
        sources: ['SENTINEL_SESSION_TABLE', '--rate-limit-table'],
        title: 'an env var and a flag',
      },
      {
        args: [],
        command: 'init:all',
        env: {SENTINEL_APPROVAL_TABLE: 'x-same', SENTINEL_RATE_LIMIT_TABLE: 'x-same'},
        sources: ['SENTINEL_APPROVAL_TABLE', 'SENTINEL_RATE_LIMIT_TABLE'],
        title: 'two env vars',
      },
      {
        args: ['--session-table', 'x-same', '--rate-limit-table', 'x-same'],
        command: 'init:status',
        env: {},
        sources: ['--session-table', '--rate-limit-table'],
        title: 'two flags on init:status',
      },
    ]
    for (const conflict of conflicts) {
      it(`one name for two kinds (${conflict.title}) is INVALID_INPUT, exit 2, naming both sources, ` +
        'and nothing reaches the endpoint', async () => {
        const plan = conflict.command === 'init:all' ? ['--plan'] : []
        const run = await runCli(
          [conflict.command, '--endpoint-url', proxy.endpoint, ...conflict.args, ...plan, '--json'],
          {env: env(conflict.env)},
        )
        expect(run.code, run.stdout + run.stderr).to.equal(2)
        const doc = parseJson(run.stdout)
        expect(doc.ok).to.equal(false)
        expect(doc.error).to.include({code: 'INVALID_INPUT', exitCode: 2})
        expect(doc.error.message).to.contain('x-same')
        for (const source of conflict.sources) expect(doc.error.message).to.contain(source)
        expect(proxy.requests).to.deep.equal([])

        const text = await runCli(
          [conflict.command, '--endpoint-url', proxy.endpoint, ...conflict.args, ...plan],
          {env: env(conflict.env)},
        )
        expect(text.code).to.equal(2)
        const errors = text.stderr.trim().split('\n').filter(line => line.startsWith('Error'))
        expect(errors).to.have.length(1)
        expect(errors[0]).to.contain('INVALID_INPUT')
        for (const source of conflict.sources) expect(errors[0]).to.contain(source)
        expect(proxy.requests).to.deep.equal([])
      })
    }

    it('--approval-table given the rate-limit table\'s name is refused the same way', async () => {
      const run = await runCli([
        'init:all',
        '--endpoint-url',
        proxy.endpoint,
        '--approval-table',
        'x-same',
        '--rate-limit-table',
        'x-same',
        '--plan',
        '--json',
      ], {env: env()})
      expect(run.code, run.stdout + run.stderr).to.equal(2)
      const {error} = parseJson(run.stdout)
      expect(error.code).to.equal('INVALID_INPUT')
      expect(error.message).to.contain('--rate-limit-table').and.match(/--approval-table|--request-table/)
      expect(proxy.requests).to.deep.equal([])
    })
  })

  describe('init:ratelimit --generate-iam', () => {
    it('server: one statement allowing only dynamodb:UpdateItem on the table ARN, no index resource', async () => {
      const table = uniqueTable('iam-rl')
      const policy = await iam('server', table)
      expect(policy.Statement).to.have.length(1)
      const [statement] = policy.Statement
      expect(statement.Effect).to.equal('Allow')
      expect(actionsOf(statement)).to.deep.equal(['dynamodb:UpdateItem'])
      expect(resourcesOf(statement)).to.deep.equal([`arn:aws:dynamodb:us-east-1:123456789012:table/${table}`])
      expect(JSON.stringify(policy)).not.to.contain('/index/')
      expect(proxy.requests).to.deep.equal([])
    })

    it('provisioner: no item-level action', async () => {
      const table = uniqueTable('iam-rl')
      const policy = await iam('provisioner', table)
      expect(policy.Statement.length).to.be.greaterThan(0)
      const actions = policy.Statement.flatMap(statement => actionsOf(statement))
      expect(actions).to.include('dynamodb:CreateTable')
      const itemLevel = actions.filter(action => /Item|Query|Scan|PartiQL|\*/.test(action))
      expect(itemLevel).to.deep.equal([])
      for (const statement of policy.Statement) {
        for (const resource of resourcesOf(statement)) {
          expect(resource).to.match(new RegExp(`^arn:aws:dynamodb:us-east-1:123456789012:table/${table}(/|$)`))
        }
      }
    })
  })

  describe('next steps after init:all', () => {
    it('name, for every table, the env var the Lambda TVM reads and the server flag where there is one; ' +
      'never SENTINEL_REQUEST_TABLE', async () => {
      const names = {
        approvals: uniqueTable('ns-req'),
        breakglass: uniqueTable('ns-bg'),
        ratelimit: uniqueTable('ns-rl'),
        sessions: uniqueTable('ns-ses'),
      }
      const args = [
        'init:all',
        '--endpoint-url',
        proxy.endpoint,
        ...allTableFlags(names),
        '--yes',
      ]
      const expected = [
        {env: `SENTINEL_SESSION_TABLE=${names.sessions}`, flag: `--session-table ${names.sessions}`},
        {env: `SENTINEL_BREAKGLASS_TABLE=${names.breakglass}`, flag: `--breakglass-table ${names.breakglass}`},
        {env: `SENTINEL_APPROVAL_TABLE=${names.approvals}`, flag: `--request-table ${names.approvals}`},
        {env: `SENTINEL_RATE_LIMIT_TABLE=${names.ratelimit}`},
      ]
      const check = (steps: string[], where: string) => {
        for (const {env: setting, flag} of expected) {
          const lines = steps.filter(step => step.includes(setting))
          expect(lines, `${where}: a step with ${setting}`).to.have.length(1)
          if (flag) expect(lines[0], where).to.contain(flag)
        }
      }

      const run = await runCli(args, {env: env()})
      expect(run.code, run.stdout + run.stderr).to.equal(0)
      expect(run.stdout).to.contain(`✔ ${names.ratelimit}: created`)
      const section = run.stdout.split('Next steps:')[1]
      expect(section, 'a "Next steps:" section').to.be.a('string')
      check(section.split('\n'), 'text')
      expect(run.stdout + run.stderr).not.to.contain('SENTINEL_REQUEST_TABLE')

      const json = await runCli([...args, '--json'], {env: env()})
      expect(json.code, json.stdout + json.stderr).to.equal(0)
      const steps = parseJson(json.stdout).result.nextSteps as string[]
      check(steps, 'json')
      expect(json.stdout + json.stderr).not.to.contain('SENTINEL_REQUEST_TABLE')
    })
  })
})
