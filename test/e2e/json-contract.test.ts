/**
 * The --json contract through the real CLI (bin/run.js) against DynamoDB Local (issue 24): each
 * command's documents of each kind conform to the published schemas (schemas/*.json; parseJson
 * checks every document), and a warning the run went on despite is in the document's `warnings`,
 * nothing on stderr. The in-process side is test/unit/json-contract.test.ts; the roles' documents
 * are checked in test/e2e/roles.test.ts, a table denied on read in test/e2e/verdict.test.ts.
 */
import {CreateTableCommand} from '@aws-sdk/client-dynamodb'
import {expect} from 'chai'

import {
  cleanEnv, type CliResult, parseJson, runCli,
} from '../support/cli.js'
import {
  allTableFlags, dynamoLocal, sdkClient, uniqueNames, uniqueTable,
} from '../support/servers.js'

const env = () => cleanEnv({AWS_REGION: 'us-east-1'})
const SINGLE = ['init:approvals', 'init:breakglass', 'init:ratelimit', 'init:sessions']

/** Runs the CLI with --json; expects its exit code and nothing on stderr; returns the document, checked. */
async function documentOf(args: string[], exitCode: number): Promise<any> {
  const run: CliResult = await runCli([...args, '--json'], {env: env()})
  expect(run.code, `${run.stdout}${run.stderr}`).to.equal(exitCode)
  expect(run.stderr, 'nothing but the document').to.equal('')
  return parseJson(run.stdout)
}

describe('--json contract: every command\'s documents conform to the published schemas (end to end)', function () {
  this.timeout(120_000)
  let endpoint: string

  before(async () => {
    endpoint = (await dynamoLocal()).endpoint
  })

  /** The documents a table command prints: apply, plan, policy, export, NON_INTERACTIVE, a usage error. */
  async function everyKind(id: string, names: string[]): Promise<void> {
    const at = ['--endpoint-url', endpoint, ...names]
    const planned = await documentOf([id, ...at, '--plan'], 0)
    expect([planned.result.mode, planned.warnings]).to.deep.equal(['plan', []])
    const unconfirmed = await documentOf([id, ...at], 2)
    expect([unconfirmed.error.code, unconfirmed.result.mode]).to.deep.equal(['NON_INTERACTIVE', 'apply'])
    const applied = await documentOf([id, ...at, '--yes'], 0)
    expect(applied.result.tables.map((table: {outcome: string}) => table.outcome)).to.include('created')
    const policy = await documentOf([id,
      ...names,
      '--region',
      'us-east-1',
      '--generate-iam',
      '--account-id',
      '123456789012'], 0)
    expect(policy.result.policy.Version).to.equal('2012-10-17')
    const exported = await documentOf([id, ...names, '--export', 'terraform'], 0)
    expect(exported.result).to.deep.include({mode: 'export', target: null})
    const usage = await documentOf([id, ...at, '--wait-timeout', '0'], 2)
    expect(usage).to.deep.include({ok: false, warnings: []}).and.not.to.have.property('result')
  }

  for (const id of SINGLE) {
    it(`${id}: plan, NON_INTERACTIVE, apply, policy, export and a usage error`, async () => {
      await everyKind(id, ['--table', uniqueTable('contract')])
    })
  }

  it(
    'init:all and init:status: every kind, status green and red, a table refused for drift (PARTIAL_FAILURE)',
    async () => {
      const names = uniqueNames('contract')
      await everyKind('init:all', allTableFlags(names))
      const status = ['init:status', '--endpoint-url', endpoint, ...allTableFlags(names)]
      const green = await documentOf(status, 0)
      expect([green.result.mode, green.result.tables.length]).to.deep.equal(['status', 4])
      const other = uniqueNames('contract-drift')
      const red = await documentOf(['init:status', '--endpoint-url', endpoint, ...allTableFlags(other)], 6)
      expect(red.error.code).to.equal('NOT_CONVERGED')

      // The rate limiter's table made by hand with another key: drift, refused; the other three created.
      const client = sdkClient(endpoint)
      await client.send(new CreateTableCommand({
        AttributeDefinitions: [{AttributeName: 'other', AttributeType: 'S'}],
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: [{AttributeName: 'other', KeyType: 'HASH'}],
        TableName: other.ratelimit,
      }))
      client.destroy()
      const partial = await documentOf(['init:all', '--endpoint-url', endpoint, ...allTableFlags(other), '--yes'], 5)
      expect(partial.error.code).to.equal('PARTIAL_FAILURE')
      expect(partial.result.tables.map((table: {outcome: string}) => table.outcome))
      .to.deep.equal(['created', 'created', 'created', 'refused'])
    },
  )

  it('warnings are in the document, not lost: an unknown region (UNKNOWN_REGION), an account it cannot tell ' +
    '(UNKNOWN_ACCOUNT)', async () => {
    const region = await documentOf(['init:sessions',
      '--region',
      'eu-west-4',
      '--generate-iam',
      '--account-id',
      '123456789012'], 0)
    expect(region.warnings.map((warning: {code: string}) => warning.code)).to.deep.equal(['UNKNOWN_REGION'])
    expect(region.warnings[0].message).to.match(/^Region eu-west-4 is not known to this version of sentinel/)
    // An emulator's endpoint: STS is not asked, so the policy's account is "*".
    const account = await documentOf(['init:sessions', '--endpoint-url', endpoint, '--generate-iam'], 0)
    expect(account.warnings.map((warning: {code: string}) => warning.code)).to.deep.equal(['UNKNOWN_ACCOUNT'])
    expect(account.result.target.account).to.equal(null)
  })
})
