/**
 * The real CLI (bin/run.js) against DynamoDB Local, through a proxy that records every call.
 */
import {DescribeTableCommand, DescribeTimeToLiveCommand} from '@aws-sdk/client-dynamodb'
import {expect} from 'chai'

import {
  cleanEnv, parseJson, runCli, runInTerminal,
} from '../support/cli.js'
import {type RecordingProxy, startProxy, WRITE_ACTIONS} from '../support/proxy.js'
import {dynamoLocal, sdkClient, uniqueTable} from '../support/servers.js'

const env = () => cleanEnv({AWS_REGION: 'us-east-1'})

describe('init:<table> against DynamoDB Local (end to end)', () => {
  let proxy: RecordingProxy
  let endpoint: string

  before(async () => {
    const local = await dynamoLocal()
    proxy = await startProxy(local.endpoint)
    endpoint = proxy.endpoint
  })

  after(() => proxy.close())

  beforeEach(() => proxy.reset())

  it('creates the sessions table with every index (gsi-device-id too), TTL and deletion protection', async () => {
    const table = uniqueTable('sessions')
    const run = await runCli(['init:sessions', '--endpoint-url', endpoint, '--table', table, '--yes'], {env: env()})
    expect(run.code, run.stderr).to.equal(0)
    expect(run.stdout)
    .to.contain(`✔ ${table}: created`)
    .and.contain('SENTINEL_SESSION_TABLE')
    .and.contain('--generate-iam')
    expect(run.stderr).not.to.match(/Warning|NodeVersionSupport|at .*\.js:\d+/)
    const client = sdkClient((await dynamoLocal()).endpoint)
    const {Table} = await client.send(new DescribeTableCommand({TableName: table}))
    expect(Table?.GlobalSecondaryIndexes?.map(gsi => gsi.IndexName).sort())
    .to.deep.equal(['gsi-device-id', 'gsi-profile', 'gsi-server-instance', 'gsi-status', 'gsi-user'])
    expect(Table?.GlobalSecondaryIndexes?.every(gsi => gsi.Projection?.ProjectionType === 'ALL')).to.equal(true)
    expect(Table?.KeySchema).to.deep.equal([{AttributeName: 'id', KeyType: 'HASH'}])
    expect(Table?.AttributeDefinitions?.every(attribute => attribute.AttributeType === 'S')).to.equal(true)
    expect(Table?.BillingModeSummary?.BillingMode).to.equal('PAY_PER_REQUEST')
    expect(Table?.DeletionProtectionEnabled).to.equal(true)
    const ttl = await client.send(new DescribeTimeToLiveCommand({TableName: table}))
    expect(ttl.TimeToLiveDescription).to.deep.include({AttributeName: 'ttl', TimeToLiveStatus: 'ENABLED'})
    // Order AWS requires: create, then wait (DescribeTable), then TTL.
    const create = proxy.calls.indexOf('CreateTable')
    expect(proxy.calls.indexOf('UpdateTimeToLive')).to.be.greaterThan(proxy.calls.indexOf('DescribeTable', create))
    client.destroy()
  })

  it('a rerun on a correct table makes no write call, at most 4 reads, and says unchanged', async () => {
    const table = uniqueTable('rerun')
    expect((await runCli(
      ['init:breakglass', '--endpoint-url', endpoint, '--table', table, '--yes'],
      {env: env()},
    )).code).to.equal(0)
    proxy.reset()
    const run = await runCli(['init:breakglass', '--endpoint-url', endpoint, '--table', table], {env: env()})
    expect(run.code, run.stderr).to.equal(0)
    expect(run.stdout).to.contain('unchanged')
    expect(proxy.calls.filter(action => WRITE_ACTIONS.has(action))).to.deep.equal([])
    // DescribeTable, DescribeTimeToLive, DescribeContinuousBackups and ListTagsOfResource.
    expect(proxy.calls.length).to.be.at.most(4)
  })

  it('--plan reads, prints each action and changes nothing', async () => {
    const table = uniqueTable('plan')
    const run = await runCli(['init:approvals', '--endpoint-url', endpoint, '--table', table, '--plan'], {env: env()})
    expect(run.code, run.stderr).to.equal(0)
    expect(run.stdout)
    .to.contain(`Table ${table} (approvals): does not exist`)
    .and.contain('+ Create table')
    .and.contain('+ Enable TTL')
    expect(proxy.calls.filter(action => WRITE_ACTIONS.has(action))).to.deep.equal([])
    const again = await runCli(
      ['init:approvals', '--endpoint-url', endpoint, '--table', table, '--plan', '--json'],
      {env: env()},
    )
    const doc = parseJson(again.stdout)
    expect(doc.ok).to.equal(true)
    expect(doc.result.mode).to.equal('plan')
    expect(doc.result.tables[0].actions.map((action: {type: string}) => action.type))
    .to.deep.equal(['create-table', 'enable-ttl', 'enable-pitr'])
  })

  it('--json: exactly one JSON document on stdout for apply, with the outcome and ARN', async () => {
    const table = uniqueTable('json')
    const run = await runCli(
      ['init:sessions', '--endpoint-url', endpoint, '--table', table, '--yes', '--json'],
      {env: env()},
    )
    expect(run.code, run.stderr).to.equal(0)
    const doc = parseJson(run.stdout)
    // The envelope has warnings too (issue 24), none on this run.
    expect(doc).to.have.keys('ok', 'result', 'warnings')
    expect(doc.warnings).to.deep.equal([])
    expect(doc.result.tables[0]).to.include({
      converged: true,
      kind: 'sessions',
      outcome: 'created',
      table,
    })
    expect(doc.result.tables[0].arn).to.match(new RegExp(`table/${table}$`))
    expect(doc.result.target).to.include({endpoint, region: 'us-east-1'})
    expect(run.stderr).to.equal('')
  })

  it('--json errors are one JSON document too, with a stable code', async () => {
    const run = await runCli(['init:sessions', '--endpoint-url', endpoint, '--table', 'x', '--json'], {env: env()})
    expect(run.code).to.equal(2)
    const doc = parseJson(run.stdout)
    expect(doc.ok).to.equal(false)
    expect(doc.error).to.include({code: 'INVALID_INPUT', exitCode: 2})
  })

  it('without a terminal and without --yes: fails at once naming --yes, changes nothing', async () => {
    const table = uniqueTable('notty')
    const run = await runCli(['init:sessions', '--endpoint-url', endpoint, '--table', table], {env: env()})
    expect(run.code).to.equal(2)
    expect(run.stderr).to.contain('NON_INTERACTIVE').and.contain('--yes')
    expect(run.stderr.trim().split('\n').filter(line => line.startsWith('Error')).length).to.equal(1)
    expect(proxy.calls.filter(action => WRITE_ACTIONS.has(action))).to.deep.equal([])
  })

  it('asks on a terminal: "n" changes nothing (exit 9), "y" applies', async () => {
    const table = uniqueTable('prompt')
    const args = ['init:breakglass', '--endpoint-url', endpoint, '--table', table]
    const declined = await runInTerminal(args, 'n\r', env())
    expect(declined.screen).to.contain('Apply').and.contain('(y/N)')
    expect(declined.code).to.equal(9)
    expect(proxy.calls.filter(action => WRITE_ACTIONS.has(action))).to.deep.equal([])
    const accepted = await runInTerminal(args, 'y\r', env())
    expect(accepted.code, accepted.screen).to.equal(0)
    expect(accepted.screen).to.contain('created')
    expect(proxy.calls).to.include('CreateTable')
  })

  it('reports a wrong key schema as drift, exits 5 and leaves the table as it was', async () => {
    const table = uniqueTable('drift')
    const client = sdkClient((await dynamoLocal()).endpoint)
    const {CreateTableCommand} = await import('@aws-sdk/client-dynamodb')
    await client.send(new CreateTableCommand({
      AttributeDefinitions: [{AttributeName: 'pk', AttributeType: 'S'}],
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [{AttributeName: 'pk', KeyType: 'HASH'}],
      TableName: table,
    }))
    proxy.reset()
    const run = await runCli(['init:sessions', '--endpoint-url', endpoint, '--table', table, '--yes'], {env: env()})
    expect(run.code).to.equal(5)
    expect(run.stdout).to.contain('! Drift: Key schema is (pk)')
    expect(run.stderr).to.contain('DRIFT')
    expect(proxy.calls.filter(action => WRITE_ACTIONS.has(action))).to.deep.equal([])
    client.destroy()
  })
})
