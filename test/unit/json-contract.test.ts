/**
 * The --json contract (issue 24): the published JSON Schemas (schemas/*.json) are what the
 * documents' types give (src/shared/json-document.ts, `npm run schemas`); every kind of document
 * each command prints conforms to them, in-process (test/support/command-runner.ts); a document that
 * breaks them is refused (the check can fail); and warnings are in the document under --json, on
 * stderr as before in text.
 */
import {expect} from 'chai'

// @ts-expect-error: a plain JavaScript build script, without type declarations
import {committedSchemas, generateSchemas} from '../../scripts/schemas-lib.mjs'
import {regionNotice} from '../../src/aws/connection.js'
import {SentinelError} from '../../src/errors.js'
import {type IamWorld} from '../support/aws-iam.js'
import {type FakeWorld, onlyJson, runCommand} from '../support/command-runner.js'
import {FakeDynamoDb} from '../support/fake-dynamodb.js'
import {assertConforms, schemaErrors, schemaOf} from '../support/json-schema.js'

const REGION = ['--region', 'us-east-1']
const TABLE_COMMANDS = ['init:all', 'init:approvals', 'init:breakglass', 'init:ratelimit', 'init:sessions']
const ACCOUNT_UNKNOWN = new SentinelError(
  'NO_CREDENTIALS',
  'No AWS credentials were found, so nothing was sent to AWS.',
)

/** Runs a command with --json, expects its exit code, and returns its one document (checked by onlyJson). */
async function documentOf(id: string, argv: string[], exitCode: number, world?: FakeWorld) {
  const run = await runCommand(id, [...argv, '--json'], world ?? {port: new FakeDynamoDb()})
  expect(run.exitCode, run.stdout).to.equal(exitCode)
  expect(run.stderr, 'nothing but the document').to.equal('')
  return onlyJson(run.stdout)
}

/** A real document to break: init:sessions --plan's, as printed. */
async function planDocument(): Promise<any> {
  return documentOf('init:sessions', [...REGION, '--plan'], 0)
}

describe('--json contract: the published schemas (in-process)', function () {
  this.timeout(60_000)

  it('the committed schemas are what the documents\' types give (else: npm run schemas)', () => {
    expect(committedSchemas()).to.deep.equal(generateSchemas())
  })

  for (const id of TABLE_COMMANDS) {
    it(`${id}: apply, plan, policy, both exports, NON_INTERACTIVE and a usage error conform`, async () => {
      const applied = await documentOf(id, [...REGION, '--yes'], 0)
      expect([applied.ok, applied.result.mode, applied.warnings]).to.deep.equal([true, 'apply', []])
      const planned = await documentOf(id, [...REGION, '--plan'], 0)
      expect(planned.result.mode).to.equal('plan')
      const policy = await documentOf(id, [...REGION, '--generate-iam'], 0)
      expect(policy.result.policy.Version).to.equal('2012-10-17')
      for (const format of ['terraform', 'cloudformation']) {
        const exported = await documentOf(id, ['--export', format], 0)
        expect([exported.result.mode, exported.result.export.format]).to.deep.equal(['export', format])
      }

      const unconfirmed = await documentOf(id, REGION, 2)
      const kind = [unconfirmed.ok, unconfirmed.error.code, schemaOf(unconfirmed)]
      expect(kind).to.deep.equal([false, 'NON_INTERACTIVE', 'error'])
      expect(unconfirmed.result.tables.length).to.be.greaterThan(0)
      const usage = await documentOf(id, ['--region', 'eu-wset-1'], 2)
      expect(usage).to.deep.include({ok: false, warnings: []}).and.not.to.have.property('result')
      expect(usage.error.code).to.equal('INVALID_INPUT')
    })
  }

  it('init:all, one table\'s CreateTable refused: the PARTIAL_FAILURE document conforms', async () => {
    const port = new FakeDynamoDb()
    port.script('createTable', {kind: 'error', name: 'AccessDeniedException', table: 'sentinel-breakglass'})
    const document = await documentOf('init:all', [...REGION, '--yes'], 4, {port})
    expect(document.error.code).to.equal('PARTIAL_FAILURE')
    expect(document.result.tables.map((table: {outcome: string}) => table.outcome))
    .to.deep.equal(['created', 'failed', 'created', 'created'])
  })

  it('init:status: green, red (NOT_CONVERGED), a table unread (PARTIAL_FAILURE) and with roles conform', async () => {
    const port = new FakeDynamoDb()
    expect((await runCommand('init:all', [...REGION, '--yes'], {port})).exitCode).to.equal(0)
    const green = await documentOf('init:status', REGION, 0, {port})
    expect([green.result.mode, green.result.tables[0].state.pitr]).to.deep.equal(['status', 'ENABLED'])
    const red = await documentOf('init:status', [...REGION, '--session-table', 'sentinel-missing'], 6, {port})
    expect(red.error.code).to.equal('NOT_CONVERGED')
    port.script('describeTable', {kind: 'error', name: 'AccessDeniedException', table: 'sentinel-requests'})
    const unread = await documentOf('init:status', REGION, 4, {port})
    expect(unread.result.tables.find((table: {error?: unknown}) => table.error).status).to.equal('UNKNOWN')
    const role = 'arn:aws:iam::123456789012:role/sentinel-tvm'
    // IAM knows no such role: the check says so (unknown, exit 11), the document carries the role.
    const iam: IamWorld = {roles: {}}
    const roles = await documentOf('init:status', [...REGION, '--server-role', role], 11, {iam, port})
    expect(roles.result.roles.map((entry: {verdict: string}) => entry.verdict)).to.deep.equal(['unknown'])
  })

  it('a document that breaks the contract is refused: a required field missing, an unknown ok, outcome, mode, ' +
    'warning code or error code, a field not in the contract', async () => {
    const valid = await planDocument()
    expect(schemaErrors(valid)).to.deep.equal([])
    const broken: [string, (document: any) => void][] = [
      ['no warnings', document => delete document.warnings],
      ['no result', document => delete document.result],
      ['a table without its outcome', document => delete document.result.tables[0].outcome],
      ['ok is "yes"', document => Object.assign(document, {ok: 'yes'})],
      ['an unknown outcome', document => Object.assign(document.result.tables[0], {outcome: 'deleted'})],
      ['an unknown mode', document => Object.assign(document.result, {mode: 'destroy'})],
      ['an unknown warning code', document => Object.assign(document, {warnings: [{code: 'SOMETHING', message: 'x'}]})],
      ['a warning without its message', document => Object.assign(document, {warnings: [{code: 'UNKNOWN_REGION'}]})],
      ['a field not in the contract', document => Object.assign(document.result, {extra: true})],
      ['an error document without its error', document => Object.assign(document, {ok: false})],
      ['an unknown error code', document =>
        Object.assign(document, {error: {code: 'OOPS', exitCode: 1, message: 'x'}, ok: false})],
    ]
    for (const [what, breakIt] of broken) {
      const document = structuredClone(valid)
      breakIt(document)
      expect(schemaErrors(document), what).not.to.deep.equal([])
      expect(() => assertConforms(document), what).to.throw('does not conform to its published schema')
    }
  })
})

describe('--json contract: warnings', function () {
  this.timeout(60_000)

  it('a region unknown to this version: UNKNOWN_REGION in the document, nothing on stderr; ' +
    'in text the same line on stderr as before', async () => {
    const argv = ['--region', 'eu-west-4', '--plan']
    const document = await documentOf('init:sessions', argv, 0)
    expect(document.warnings).to.deep.equal([{code: 'UNKNOWN_REGION', message: regionNotice('eu-west-4')}])
    const text = await runCommand('init:sessions', argv, {port: new FakeDynamoDb()})
    expect(text.exitCode).to.equal(0)
    // The warning first, then the progress lines, as before.
    expect(text.stderr.split('\n')[0]).to.equal(`Warning: ${regionNotice('eu-west-4')}`)
    expect(text.stderr.match(/Warning/g)).to.have.length(1)
  })

  it('a failure after a warning: the error document carries the warning too', async () => {
    // Not confirmed (no --yes): NON_INTERACTIVE, after the region's warning.
    const document = await documentOf('init:ratelimit', ['--region', 'eu-west-4'], 2)
    expect(document.error.code).to.equal('NON_INTERACTIVE')
    expect(document.warnings.map((warning: {code: string}) => warning.code)).to.deep.equal(['UNKNOWN_REGION'])
  })

  it('--generate-iam without the account: UNKNOWN_ACCOUNT in the document (the policy uses "*"); ' +
    'in text the same line on stderr as before', async () => {
    const world = {account: ACCOUNT_UNKNOWN, port: new FakeDynamoDb()}
    const document = await documentOf('init:approvals', [...REGION, '--generate-iam'], 0, world)
    const unknown = 'not determine the AWS account (no AWS credentials were found, so nothing was sent to AWS); ' +
      'the policy uses "*" for it. Pass --account-id to name it.'
    expect(document.warnings).to.deep.equal([{code: 'UNKNOWN_ACCOUNT', message: `Could ${unknown}`}])
    expect(document.result.policy.Statement[0].Resource)
    .to.equal('arn:aws:dynamodb:us-east-1:*:table/sentinel-requests')
    const text = await runCommand('init:approvals', [...REGION, '--generate-iam'], world)
    expect(text.exitCode).to.equal(0)
    expect(text.stderr).to.equal(`Warning: could ${unknown}\n`)
  })
})
