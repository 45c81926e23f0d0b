/**
 * Error classification by type and name, oclif's parse errors kept with their reason, and the
 * copyable commands the CLI suggests.
 */
import {Errors, Flags, Parser} from '@oclif/core'
import {expect} from 'chai'

import {classifyAwsError, classifyCredentialsError, isRetryable} from '../../src/aws/errors.js'
import {SentinelError} from '../../src/errors.js'
import {redact, rememberSecrets} from '../../src/redact.js'
import {commandLine, nextSteps, shellQuote} from '../../src/report/next-steps.js'
import {isDebug} from '../../src/shared/debug.js'
import {connectionFlags, runModeFlags} from '../../src/shared/flags.js'
import {parseErrorReason, toSentinelError} from '../../src/shared/sentinel-command.js'
import {APPROVALS_TABLE, RATE_LIMIT_TABLE, SESSIONS_TABLE} from '../../src/tables/definitions.js'
import {awsError} from '../support/fake-dynamodb.js'

const context = {action: 'dynamodb:CreateTable', endpoint: 'dynamodb.cn-north-1.amazonaws.com.cn', resource: 't-1'}

describe('errors and messages', () => {
  it(
    'redaction: a password in any URL, the endpoint variables\' passwords, and every credential the SDK resolved',
    () => {
      const env = {AWS_ENDPOINT_URL_KMS: 'https://ops:p%40ss-w0rd-long@kms.example.com'}
      expect(redact('failed at https://ops:p%40ss-w0rd-long@kms.example.com/x', env))
      .to.equal('failed at https://****@kms.example.com/x')
      expect(redact('the proxy said: bad password p@ss-w0rd-long', env)).to.equal('the proxy said: bad password ****')
      const token = 'IQoJb3JpZ2luX2VjEFromAnSsoRoleNotTheEnvironment'
      expect(redact(`token ${token} rejected`, {})).to.contain(token)
      rememberSecrets(token, 'short')
      expect(redact(`token ${token} rejected; short`, {})).to.equal('token **** rejected; short')
    },
  )

  it('AWS errors are classified by name, keep their cause and say whether a retry may help', () => {
    const cases: [Error, string, number][] = [
      [awsError('AccessDeniedException', 'no'), 'ACCESS_DENIED', 4],
      [awsError('UnrecognizedClientException', 'bad key'), 'INVALID_CREDENTIALS', 3],
      [awsError('ExpiredTokenException', 'old'), 'EXPIRED_CREDENTIALS', 3],
      [awsError('ThrottlingException', 'slow down'), 'THROTTLED', 1],
      [awsError('LimitExceededException', 'too many'), 'LIMIT_EXCEEDED', 1],
      [awsError('InternalServerError', 'oops', 500), 'AWS_ERROR', 1],
      [Object.assign(new Error('connect ECONNREFUSED'), {code: 'ECONNREFUSED'}), 'ENDPOINT_UNREACHABLE', 7],
      [Object.assign(new Error('no answer'), {name: 'TimeoutError'}), 'ENDPOINT_UNREACHABLE', 7],
    ]
    for (const [raw, code, exitCode] of cases) {
      const error = classifyAwsError(raw, context)
      expect(error.code, raw.name).to.equal(code)
      expect(error.exitCode, raw.name).to.equal(exitCode)
      expect(error.cause).to.equal(raw)
    }

    expect(classifyAwsError(awsError('InternalServerError', 'x', 500), context).aws?.retryable).to.equal(true)
    expect(classifyAwsError(awsError('ValidationException', 'x'), context).aws?.retryable).to.equal(false)
    expect(isRetryable(awsError('ThrottlingException', 'x'))).to.equal(true)
  })

  it('a network error names the host the SDK really called', () => {
    const error = classifyAwsError(Object.assign(new Error('getaddrinfo'), {code: 'ENOTFOUND'}), context)
    expect(error.message).to.contain('dynamodb.cn-north-1.amazonaws.com.cn').and.contain('ENOTFOUND')
  })

  it('message text never decides the class: an AccessDenied-sounding 500 is a server error', () => {
    const error = classifyAwsError(awsError('InternalServerError', 'AccessDenied: timeout, throttled', 500), context)
    expect(error.code).to.equal('AWS_ERROR')
  })

  it('credential provider errors by type: SSO, or no credentials; other errors are not credential errors', () => {
    const sso = Object.assign(new Error('Token is expired'), {name: 'TokenProviderError'})
    const none = Object.assign(new Error('Could not load credentials from any providers'), {
      name: 'CredentialsProviderError',
    })
    expect(classifyCredentialsError(sso)?.code).to.equal('SSO_EXPIRED')
    expect(classifyCredentialsError(none)?.code).to.equal('NO_CREDENTIALS')
    expect(classifyCredentialsError(new Error('credentials profile SSO expired'))).to.equal(undefined)
  })

  it('an internal error is UNEXPECTED, exit 1, whatever its message says', () => {
    const error = toSentinelError(new TypeError('Cannot read properties of undefined (reading \'argument\')'))
    expect(error.code).to.equal('UNEXPECTED')
    expect(error.exitCode).to.equal(1)
    expect(error.suggestion).to.contain('SENTINEL_DEBUG=1')
  })

  it("oclif's parse errors are usage errors that keep their reason", async () => {
    const cliError = new Errors.CLIError('The following error occurred:\n  --local-dir needs it', {exit: 2})
    const error = toSentinelError(cliError)
    expect(error.code).to.equal('INVALID_INPUT')
    expect(error.message).to.equal('--local-dir needs it.')
    // The real parser on the CLI's own flags: the reason comes from the data its errors carry.
    const flags = {...connectionFlags, ...runModeFlags}
    const refused = async (argv: string[], input?: Parameters<typeof Parser.parse>[1]) =>
      Parser.parse(argv, input ?? {flags}).then(() => expect.fail(`parsed: ${argv}`), (error_: Error) => error_)
    expect(parseErrorReason(await refused(['--wait-timeout', '0'])))
    .to.equal('--wait-timeout: Expected an integer greater than or equal to 1 but received: 0.')
    expect(toSentinelError(await refused(['--wait-timeout', '0'])).code).to.equal('INVALID_INPUT')
    // Each of two exclusive flags names the other; said once, as oclif checks them (in declaration order).
    const localFirst = Object.fromEntries([
      ['local', connectionFlags.local],
      ['endpoint-url', connectionFlags['endpoint-url']],
    ])
    expect(parseErrorReason(await refused(['--local', '--endpoint-url', 'x'], {flags: localFirst})))
    .to.equal('--endpoint-url cannot be used with --local.')
    expect(parseErrorReason(await refused(['--local', '--endpoint-url', 'x'])))
    .to.equal('--local cannot be used with --endpoint-url.')
    expect(parseErrorReason(await refused(['--local-dir', 'x'])))
    .to.equal('--local-dir needs --local.')
    const accountId = Flags.string({relationships: [{flags: ['generate-iam', 'export'], type: 'some'}]})
    expect(parseErrorReason(await refused(['--account-id', '1'], {flags: {...runModeFlags, 'account-id': accountId}})))
    .to.equal('--account-id needs --generate-iam or --export.')
    expect(parseErrorReason(await refused(['--nope']))).to.equal('Nonexistent flag: --nope.')
    // An unknown flag or an unexpected argument stops the parse: that is the reason, not a relationship.
    expect(parseErrorReason(await refused(['--nope', '--local', '--endpoint-url', 'x'])))
    .to.equal('Nonexistent flag: --nope.')
    expect(parseErrorReason(await refused(['extra', '--local-dir', 'x']))).to.equal('Unexpected argument: extra.')
    // A required flag missing beside a broken relationship: neither reason is dropped.
    const required = {...flags, name: Flags.string({required: true})}
    expect(parseErrorReason(await refused(['--local-dir', 'x'], {flags: required})))
    .to.equal('All of the following must be provided when using --local-dir: --local; Missing required flag name.')
    // A flag that does not keep its reason as data still gets it said, behind its own name.
    const count = await refused(['--count', 'x'], {flags: {count: Flags.integer()}})
    expect(toSentinelError(count))
    .to.include({code: 'INVALID_INPUT', message: '--count: Expected an integer but received: x.'})
  })

  it("oclif's parse errors are told apart by the data they carry, never by their class's name (issue 24)", async () => {
    const flags = {...connectionFlags, ...runModeFlags}
    const refused = async (argv: string[]) =>
      Parser.parse(argv, {flags}).then(() => expect.fail(`parsed: ${argv}`), (error_: Error) => error_)
    const broken = await refused(['--local-dir', 'x'])
    const unknown = await refused(['--nope', '--local', '--endpoint-url', 'x'])
    // As a bundler or minifier may name them: the validation error's class renamed, and another class
    // given its name.
    const renamed = [[broken.constructor, 'e'], [unknown.constructor, 'FailedFlagValidationError']] as const
    const names = renamed.map(([errorClass]) => Object.getOwnPropertyDescriptor(errorClass, 'name')!)
    try {
      for (const [errorClass, value] of renamed) Object.defineProperty(errorClass, 'name', {configurable: true, value})
      expect(parseErrorReason(broken)).to.equal('--local-dir needs --local.')
      expect(parseErrorReason(unknown)).to.equal('Nonexistent flag: --nope.')
    } finally {
      for (const [index, [errorClass]] of renamed.entries()) Object.defineProperty(errorClass, 'name', names[index])
    }
  })

  it('SENTINEL_DEBUG: 1, true, yes, on are on; 0, false, empty or unset are off', () => {
    for (const on of ['1', 'true', 'YES', 'on']) expect(isDebug({SENTINEL_DEBUG: on}), on).to.equal(true)
    for (const off of ['0', 'false', '', ' ', 'no']) expect(isDebug({SENTINEL_DEBUG: off}), off).to.equal(false)
    expect(isDebug({})).to.equal(false)
  })

  it('suggested commands repeat the run\'s context and quote what a shell would split', () => {
    const tables = [
      {definition: SESSIONS_TABLE, source: '--session-table', tableName: 'prod sessions'},
      {definition: RATE_LIMIT_TABLE, source: 'default', tableName: 'sentinel-ratelimit'},
    ]
    const context = {
      bin: './bin/run.js',
      command: 'init:all',
      contextFlags: ['--region', 'eu-west-1', '--aws-profile', 'prod', '--kms-key', 'alias/sentinel'],
      multiTable: true,
      tables,
    }
    expect(commandLine(context, 'init:all', ['--generate-iam']))
    .to.equal("./bin/run.js init:all --session-table 'prod sessions' " +
      '--region eu-west-1 --aws-profile prod --kms-key alias/sentinel --generate-iam')
    const steps = nextSteps(context)
    expect(steps.join('\n'))
    .to.contain("SENTINEL_SESSION_TABLE='prod sessions'")
    .and.contain('SENTINEL_RATE_LIMIT_TABLE=sentinel-ratelimit')
    expect(steps.join('\n')).to.contain('--policy-for server').and.contain('--policy-for provisioner')
    expect(shellQuote("it's")).to.equal(String.raw`'it'\''s'`)
  })

  it('after --local, next steps say how to use the local tables, not AWS env vars or policies', () => {
    const steps = nextSteps({
      bin: 'sentinel',
      command: 'init:approvals',
      contextFlags: ['--local', '--local-dir', '/data/ddb'],
      local: {dataDir: '/data/ddb'},
      multiTable: false,
      tables: [{definition: APPROVALS_TABLE, source: 'default', tableName: 'sentinel-requests'}],
    })
    expect(steps[0]).to.contain('/data/ddb').and.contain('sentinel init:approvals --local --local-dir /data/ddb --plan')
    expect(steps.join('\n')).not.to.contain('--generate-iam')
    expect(steps.join('\n')).not.to.match(/SENTINEL_\w+_TABLE/)
  })

  it('a SentinelError keeps its cause and its code decides the exit code', () => {
    const cause = new Error('root')
    const error = new SentinelError('DRIFT', 'drifted', {cause, suggestion: 'fix it'})
    expect(error.exitCode).to.equal(5)
    expect(error.cause).to.equal(cause)
    expect(error.line).to.equal('drifted fix it')
  })
})
