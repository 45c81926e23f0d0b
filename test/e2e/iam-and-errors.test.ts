/** --generate-iam, and the errors operators meet: one line, a remedy, the right exit code, no AWS call. */
import {expect} from 'chai'
import {execFileSync, spawnSync} from 'node:child_process'
import {
  mkdtempSync, rmSync, symlinkSync, writeFileSync,
} from 'node:fs'
import {join, resolve} from 'node:path'

import {startAwsLayer} from '../support/aws-behaviour.js'
import {
  cleanEnv, parseJson, runCli, scratchDir,
} from '../support/cli.js'
import {
  emulatePitrAndTags, type RecordingProxy, startProxy, WRITE_ACTIONS,
} from '../support/proxy.js'
import {dynamoLocal, startStsStub, uniqueTable} from '../support/servers.js'

/** One line on stderr starting with "Error (", no stack trace. */
function expectOneLineError(stderr: string, code: string): void {
  const lines = stderr.trim().split('\n')
  expect(lines.at(-1)).to.match(new RegExp(`^Error \\(${code}\\): `))
  expect(stderr).not.to.match(/\n\s+at .+:\d+:\d+/)
}

describe('--generate-iam (end to end)', () => {
  it('prints a valid policy with real partition, region and --account-id, and needs no AWS', async () => {
    const run = await runCli([
      'init:sessions',
      '--generate-iam',
      '--region',
      'cn-north-1',
      '--account-id',
      '123456789012',
      '--table',
      'my-sessions',
    ])
    expect(run.code, run.stderr).to.equal(0)
    const policy = JSON.parse(run.stdout)
    expect(policy.Statement.map((statement: {Sid: string}) => statement.Sid))
    .to.deep.equal(['SentinelSessionTableProvisioning', 'SentinelSessionTableOperations'])
    expect(policy.Statement[0].Resource).to.equal('arn:aws-cn:dynamodb:cn-north-1:123456789012:table/my-sessions')
    expect(policy.Statement[1].Resource)
    .to.include('arn:aws-cn:dynamodb:cn-north-1:123456789012:table/my-sessions/index/*')
    expect(run.stderr).to.equal('')
  })

  it('takes the account from STS GetCallerIdentity when --account-id is absent', async () => {
    const sts = await startStsStub('210987654321')
    const run = await runCli(
      ['init:breakglass', '--generate-iam', '--region', 'us-gov-west-1'],
      {env: cleanEnv({AWS_ENDPOINT_URL_STS: sts.endpoint})},
    )
    expect(run.code, run.stderr).to.equal(0)
    expect(JSON.parse(run.stdout).Statement[0].Resource)
    .to.equal('arn:aws-us-gov:dynamodb:us-gov-west-1:210987654321:table/sentinel-breakglass')
    expect(sts.calls).to.equal(1)
  })

  it('falls back to "*" with a warning on stderr when the account cannot be had', async () => {
    const run = await runCli(['init:approvals', '--generate-iam', '--region', 'us-east-1', '--endpoint-url', 'http://127.0.0.1:9'])
    expect(run.code).to.equal(0)
    expect(JSON.parse(run.stdout).Statement[0].Resource)
    .to.equal('arn:aws:dynamodb:us-east-1:*:table/sentinel-requests')
    expect(run.stderr).to.contain('Warning').and.contain('--account-id')
  })

  it('--json wraps the policy; --kms-key adds the KMS statement; init:all covers all four tables', async () => {
    const run = await runCli([
      'init:all',
      '--generate-iam',
      '--region',
      'eu-west-1',
      '--account-id',
      '123456789012',
      '--kms-key',
      'alias/sentinel',
      '--json',
    ])
    const doc = parseJson(run.stdout)
    expect(doc.result.mode).to.equal('generate-iam')
    const sids = doc.result.policy.Statement.map((statement: {Sid: string}) => statement.Sid)
    expect(sids).to.include.members([
      'SentinelSessionTableKms',
      'SentinelBreakGlassTableOperations',
      'SentinelApprovalTableProvisioning',
    ])
    expect(sids).to.include.members([
      'SentinelRateLimitTableOperations',
      'SentinelRateLimitTableProvisioning',
      'SentinelRateLimitTableKms',
    ])
    // Four tables × Provisioning, Operations, Kms and KmsKeyLookup (the CLI's own DescribeKey of the alias).
    expect(sids).to.include('SentinelSessionTableKmsKeyLookup')
    expect(sids).to.have.length(16)
  })
})

describe('the policy covers every DynamoDB action the CLI really calls', () => {
  it('records create, rerun, plan, reconcile and status runs and finds each action in the policy', async () => {
    const proxy = await startProxy((await dynamoLocal()).endpoint)
    const env = cleanEnv({AWS_REGION: 'us-east-1'})
    const table = uniqueTable('iam')
    const flags = ['--endpoint-url', proxy.endpoint]
    emulatePitrAndTags(proxy)
    for (const args of [
      ['init:sessions', '--table', table, '--yes', '--tag', 'team=sec'],
      // A tag added to the table that exists: TagResource (a new table gets its tags in CreateTable).
      ['init:sessions', '--table', table, '--yes', '--tag', 'owner=ops'],
      ['init:sessions', '--table', table, '--yes'],
      ['init:sessions', '--table', table, '--plan'],
      ['init:status', '--session-table', table],
    ]) {
      await runCli([...args, ...flags], {env})
    }

    const policyRun = await runCli([
      'init:sessions',
      '--table',
      table,
      '--generate-iam',
      '--region',
      'us-east-1',
      '--account-id',
      '123456789012',
    ])
    const allowed = new Set(JSON.parse(policyRun.stdout).Statement[0].Action)
    const called = [...new Set(proxy.calls)]
    expect(called).to.include.members([
      'CreateTable',
      'DescribeTable',
      'DescribeTimeToLive',
      'UpdateTimeToLive',
      'UpdateContinuousBackups',
      'TagResource',
      'ListTagsOfResource',
    ])
    for (const action of called) expect(allowed.has(`dynamodb:${action}`), action).to.equal(true)
    expect(called).not.to.include('DeleteTable')
    await proxy.close()
  })
})

describe('errors operators meet (end to end)', () => {
  let proxy: RecordingProxy

  before(async () => {
    proxy = await startProxy((await dynamoLocal()).endpoint)
  })

  after(() => proxy.close())

  beforeEach(() => proxy.reset())
  /** What reached the endpoint in each bad-input run, kept past beforeEach's reset. */
  const badInputRuns: string[][] = []

  // One bad input per line, as a table: wrapping the longer rows would only make it harder to read.
  /* eslint-disable @stylistic/max-len */
  const badInputs: [string, string[], Record<string, string>, string, number][] = [
    ['table name too short', ['init:sessions', '--table', 'ab'], {}, 'INVALID_INPUT', 2],
    ['table name with a space', ['init:sessions', '--table', 'has space'], {}, 'INVALID_INPUT', 2],
    ['bad region', ['init:sessions', '--region', 'mars-1'], {}, 'INVALID_INPUT', 2],
    ['bad region from AWS_REGION', ['init:sessions'], {AWS_REGION: 'nowhere'}, 'INVALID_INPUT', 2],
    ['bad account id', ['init:sessions', '--generate-iam', '--account-id', '12345', '--region', 'us-east-1'], {}, 'INVALID_INPUT', 2],
    ['--account-id with --export', ['init:sessions', '--account-id', '123456789012', '--export', 'terraform'], {}, 'INVALID_INPUT', 2],
    ['--plan with --generate-iam', ['init:sessions', '--plan', '--generate-iam', '--region', 'us-east-1'], {}, 'INVALID_INPUT', 2],
    ['--local with --endpoint-url', ['init:sessions', '--local', '--endpoint-url', 'http://127.0.0.1:1'], {}, 'INVALID_INPUT', 2],
    ['unknown flag', ['init:sessions', '--bogus'], {}, 'INVALID_INPUT', 2],
    ['--account-id with --local (status)', ['init:status', '--local', '--account-id', '123456789012'], {}, 'INVALID_INPUT', 2],
    ['--account-id with --local --plan', ['init:sessions', '--local', '--plan', '--account-id', '123456789012'], {}, 'INVALID_INPUT', 2],
    ['SENTINEL_ACCOUNT_ID with --local', ['init:all', '--local', '--yes'], {SENTINEL_ACCOUNT_ID: '123456789012'}, 'INVALID_INPUT', 2],
    ['empty --account-id (the guard is not switched off)', ['init:sessions', '--yes', '--account-id', '', '--region', 'us-east-1'], {}, 'INVALID_INPUT', 2],
    ['empty --account-id=', ['init:sessions', '--yes', '--account-id=', '--region', 'us-east-1'], {}, 'INVALID_INPUT', 2],
    ['empty --account-id with --generate-iam', ['init:sessions', '--generate-iam', '--account-id', '', '--region', 'us-east-1'], {}, 'INVALID_INPUT', 2],
    ['empty SENTINEL_ACCOUNT_ID (a CI variable that expanded to nothing)', ['init:status', '--region', 'us-east-1'], {SENTINEL_ACCOUNT_ID: ''}, 'INVALID_INPUT', 2],
    ['SENTINEL_ACCOUNT_ID with --local --export --import-existing', ['init:sessions', '--local', '--export', 'terraform', '--import-existing'], {SENTINEL_ACCOUNT_ID: '123456789012'}, 'INVALID_INPUT', 2],
    ['bad --wait-timeout', ['init:sessions', '--wait-timeout', '0', '--region', 'us-east-1'], {}, 'INVALID_INPUT', 2],
    ['bad --kms-key', ['init:sessions', '--kms-key', 'nope', '--region', 'us-east-1'], {}, 'INVALID_INPUT', 2],
    ['KMS key in another region', ['init:sessions', '--kms-key', 'arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555', '--region', 'us-east-1'], {}, 'INVALID_INPUT', 2],
    ['tag with aws: prefix', ['init:sessions', '--tag', 'aws:x=1', '--region', 'us-east-1'], {}, 'INVALID_INPUT', 2],
    ['duplicate tags', ['init:sessions', '--tag', 'a=1', '--tag', 'a=2', '--region', 'us-east-1'], {}, 'INVALID_INPUT', 2],
    ['malformed endpoint', ['init:sessions', '--endpoint-url', 'not a url', '--region', 'us-east-1'], {}, 'INVALID_INPUT', 2],
    ['no region anywhere', ['init:sessions'], {}, 'NO_REGION', 3],
    ['unknown profile', ['init:sessions', '--aws-profile', 'nope', '--region', 'us-east-1'], {}, 'UNKNOWN_PROFILE', 3],
    ['unknown AWS_PROFILE', ['init:status'], {AWS_PROFILE: 'ghost', AWS_REGION: 'us-east-1'}, 'UNKNOWN_PROFILE', 3],
  ]
  /* eslint-enable @stylistic/max-len */
  for (const [name, args, extraEnv, code, exit] of badInputs) {
    it(`bad input: ${name} → ${code}, exit ${exit}, one line, nothing sent`, async () => {
      const withEndpoint = args.includes('--endpoint-url') || args.includes('--local')
        ? args
        : [...args, '--endpoint-url', proxy.endpoint]
      const run = await runCli(withEndpoint, {env: cleanEnv(extraEnv)})
      expect(run.code, run.stderr).to.equal(exit)
      expectOneLineError(run.stderr, code)
      expect(run.stdout).to.equal('')
      badInputRuns.push([...proxy.calls])
      expect(proxy.calls).to.deep.equal([])
    })
  }

  const configCases: [string, string, string, RegExp][] = [
    ['a malformed ~/.aws/config', '[profile dev\nregion = eu-west-1\n', 'UNKNOWN_PROFILE', /line 1 is malformed: "\[profile dev"/],
    ['a profile without a region', '[profile dev]\noutput = json\n', 'NO_REGION', /profile dev has none/],
    ['a profile only in another file', '[profile other]\nregion = eu-west-1\n', 'UNKNOWN_PROFILE', /Use one of: other/],
  ]
  for (const [name, config, code, message] of configCases) {
    it(`bad config: ${name} → ${code}, exit 3, one line, nothing sent`, async () => {
      const env = cleanEnv({AWS_PROFILE: 'dev'})
      writeFileSync(env.AWS_CONFIG_FILE!, config)
      const run = await runCli(['init:sessions', '--plan', '--endpoint-url', proxy.endpoint], {env})
      expect(run.code, run.stderr).to.equal(3)
      expectOneLineError(run.stderr, code)
      expect(run.stderr).to.match(message)
      expect(proxy.calls).to.deep.equal([])
    })
  }

  it('no region names all four ways to set one', async () => {
    const run = await runCli(['init:sessions', '--plan'])
    expect(run.stderr)
    .to.contain('--region')
    .and.contain('AWS_REGION')
    .and.contain('AWS_DEFAULT_REGION')
    .and.contain('profile')
  })

  it('the profile\'s region is used when no flag or env var sets one', async () => {
    const env = cleanEnv({AWS_PROFILE: 'dev'})
    writeFileSync(env.AWS_CONFIG_FILE!, '[profile dev]\nregion = eu-north-1\n')
    const run = await runCli(['init:sessions', '--generate-iam', '--account-id', '123456789012'], {env})
    expect(run.code, run.stderr).to.equal(0)
    expect(run.stdout).to.contain('arn:aws:dynamodb:eu-north-1:123456789012:table/sentinel-sessions')
  })

  it('--account-id with --local says why and what to do; with --generate-iam it names the ARNs\' account', async () => {
    const refused = await runCli(['init', 'status', '--local', '--account-id', '123456789012'])
    expect(refused.code, refused.stderr).to.equal(2)
    expect(refused.stderr).to.contain('--account-id cannot be checked with --local: DynamoDB Local has no AWS account.')
    .and.contain('Leave out --account-id with --local')
    const policy = await runCli(['init:sessions', '--local', '--generate-iam', '--account-id', '123456789012'])
    expect(policy.code, policy.stderr).to.equal(0)
    expect(policy.stdout).to.contain(':123456789012:table/sentinel-sessions')
  })

  it('no credentials → NO_CREDENTIALS, exit 3', async () => {
    const run = await runCli(
      ['init:sessions', '--plan', '--endpoint-url', proxy.endpoint, '--region', 'us-east-1'],
      {env: cleanEnv({AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined})},
    )
    expect(run.code).to.equal(3)
    expectOneLineError(run.stderr, 'NO_CREDENTIALS')
    // The same words on every run, whichever concurrent read met the missing credentials first.
    expect(run.stderr).to.contain('No AWS credentials were found, so nothing was sent to AWS.')
  })

  it('an expired SSO session → SSO_EXPIRED naming aws sso login, exit 3', async () => {
    const env = cleanEnv({AWS_ACCESS_KEY_ID: undefined, AWS_PROFILE: 'sso', AWS_SECRET_ACCESS_KEY: undefined})
    writeFileSync(
      env.AWS_CONFIG_FILE!,
      '[profile sso]\nsso_session = corp\nsso_account_id = 123456789012\nsso_role_name = Admin\nregion = us-east-1\n\n[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = us-east-1\n',
    )
    const run = await runCli(['init:sessions', '--plan', '--endpoint-url', proxy.endpoint], {env})
    expect(run.code, run.stderr).to.equal(3)
    expectOneLineError(run.stderr, 'SSO_EXPIRED')
    expect(run.stderr).to.contain('aws sso login')
  })

  it('AccessDenied names the action and the table, points to --generate-iam, exit 4; ' +
    'a rerun with access finishes', async () => {
    const table = uniqueTable('denied')
    proxy.fault('CreateTable', {
      kind: 'error',
      message: 'User is not authorized to perform: dynamodb:CreateTable',
      status: 400,
      type: 'AccessDeniedException',
    })
    const env = cleanEnv({AWS_REGION: 'us-east-1'})
    const run = await runCli(['init:sessions', '--endpoint-url', proxy.endpoint, '--table', table, '--yes'], {env})
    expect(run.code).to.equal(4)
    expect(run.stderr).to.contain('dynamodb:CreateTable').and.contain(table).and.contain('--generate-iam')
    proxy.reset()
    const rerun = await runCli(['init:sessions', '--endpoint-url', proxy.endpoint, '--table', table, '--yes'], {env})
    expect(rerun.code, rerun.stderr).to.equal(0)
    expect(rerun.stdout).to.contain('created')
  })

  it('an unreachable endpoint is named, exit 7', async () => {
    const run = await runCli(['init:sessions', '--plan', '--endpoint-url', 'http://127.0.0.1:9', '--region', 'us-east-1'])
    expect(run.code).to.equal(7)
    expectOneLineError(run.stderr, 'ENDPOINT_UNREACHABLE')
    expect(run.stderr).to.contain('http://127.0.0.1:9')
  })

  it('a DynamoDB limit is explained, exit 1', async () => {
    proxy.fault('CreateTable', {
      kind: 'error',
      message: 'Subscriber limit exceeded',
      status: 400,
      type: 'LimitExceededException',
    })
    const run = await runCli([
      'init:sessions',
      '--endpoint-url',
      proxy.endpoint,
      '--table',
      uniqueTable('limit'),
      '--yes',
      '--wait-timeout',
      '1',
    ], {env: cleanEnv({AWS_REGION: 'us-east-1'})})
    expect(run.code).to.equal(1)
    expectOneLineError(run.stderr, 'LIMIT_EXCEEDED')
  })

  it('never prints secrets: marker credentials stay out of stdout, stderr, --json and debug output', async () => {
    const markers = {
      AWS_ACCESS_KEY_ID: 'AKIAMARKERKEYID12345',
      AWS_SECRET_ACCESS_KEY: 'SecretMarkerValue0123456789',
      AWS_SESSION_TOKEN: 'SessionTokenMarkerValue9876',
    }
    proxy.fault('DescribeTable', {
      kind: 'error',
      message: `The security token ${markers.AWS_SESSION_TOKEN} for ${markers.AWS_ACCESS_KEY_ID} is invalid`,
      status: 400,
      type: 'UnrecognizedClientException',
    })
    const outputs: string[] = []
    for (const extra of [[], ['--json']]) {
      const run = await runCli(
        ['init:sessions', '--plan', '--endpoint-url', proxy.endpoint, '--region', 'us-east-1', ...extra],
        {env: cleanEnv({...markers, SENTINEL_DEBUG: '1'})},
      )
      expect(run.code).to.equal(3)
      outputs.push(run.stdout, run.stderr)
    }

    const all = outputs.join('\n')
    expect(all).to.contain('INVALID_CREDENTIALS')
    for (const marker of Object.values(markers)) expect(all).not.to.contain(marker)
  })

  it('no write call reaches the endpoint on any bad input above', () => {
    expect(badInputRuns).to.have.length(badInputs.length)
    expect(badInputRuns.flat().filter(action => WRITE_ACTIONS.has(action))).to.deep.equal([])
  })
})

describe('the reason said for a refused command line (end to end)', () => {
  // An unknown flag or an unexpected argument stops oclif's parse before flag relationships are
  // checked: that is the reason to say, even when the same line also breaks a relationship.
  const cases: [string[], string][] = [
    [['init:sessions', '--local-dir', 'x', '--bogus'], 'Error (INVALID_INPUT): Nonexistent flag: --bogus.'],
    [
      ['init:sessions', 'extra', '--plan', '--export', 'terraform'],
      'Error (INVALID_INPUT): Unexpected argument: extra.',
    ],
    [['init:sessions', '--local-dir', 'x'], 'Error (INVALID_INPUT): --local-dir needs --local.'],
  ]
  for (const [args, line] of cases) {
    it(`${args.slice(1).join(' ')} → "${line}"`, async () => {
      const run = await runCli(args, {env: cleanEnv()})
      expect(run.code, run.stderr).to.equal(2)
      expect(run.stderr).to.match(new RegExp(`^${line.replaceAll(/[.*+?^${}()|[\]\\]/g, String.raw`\$&`)} `))
      expect(run.stderr.trim().split('\n')).to.have.length(1)
      expect(run.stdout).to.equal('')
    })
  }
})

describe('bin/run.js without its build', () => {
  it('says in one plain line that the CLI is not built and how to build it, no stack trace', () => {
    // A copy of the CLI whose dist lacks the entry point (main.js, which carries the error reporter).
    const root = mkdtempSync(join(scratchDir(), 'cli-copy-'))
    execFileSync('cp', ['-r', 'bin', 'dist', 'package.json', 'oclif.manifest.json', root])
    rmSync(join(root, 'dist/main.js'))
    symlinkSync(resolve('node_modules'), join(root, 'node_modules'))
    const bin = join(root, 'bin/run.js')
    const run = spawnSync(process.execPath, [bin, 'help', 'nope'], {encoding: 'utf8', env: cleanEnv()})
    expect(run.status, run.stderr).to.equal(1)
    expect(run.stderr).to.match(/^Error: sentinel is not built here \(.*main\.js.*\)\. Run npm run build \(npm ci does it\)\.\n$/)
    expect(run.stdout).to.equal('')
  })
})

describe('an endpoint URL with credentials in it', () => {
  for (const url of ['ftp://ops:s3cr3t-pass@db.example.com', 'http://ops:s3cr3t-pass@[broken']) {
    it(`${url.split(':')[0]}: refused without echoing the password, nothing sent`, async () => {
      const run = await runCli(['init', 'sessions', '--plan', '--region', 'us-east-1', '--endpoint-url', url], {
        env: cleanEnv(),
      })
      expect(run.code, run.stderr).to.equal(2)
      expect(run.stderr).to.match(/^Error \(INVALID_INPUT\): /)
      expect(`${run.stdout}${run.stderr}`).not.to.contain('s3cr3t')
    })
  }

  // The other endpoints the CLI calls and names: STS's in the target line and its error, KMS's in its error.
  for (const [variable, extra] of [
    ['AWS_ENDPOINT_URL_STS', []],
    ['AWS_ENDPOINT_URL_KMS', ['--kms-key', 'alias/sentinel']],
    ['AWS_ENDPOINT_URL', []],
  ] as const) {
    it(`${variable} with a password: refused without echoing it, under --json and not, nothing sent`, async () => {
      const proxy = await startProxy((await dynamoLocal()).endpoint)
      const args = ['init', 'status', '--region', 'us-east-1', '--endpoint-url', proxy.endpoint, ...extra]
      const environment = cleanEnv({[variable]: 'http://ops:s3cr3t-pass@127.0.0.1:1'})
      const text = await runCli(args, {env: environment})
      const json = await runCli([...args, '--json'], {env: environment})
      await proxy.close()
      for (const run of [text, json]) {
        expect(run.code, run.stdout + run.stderr).to.equal(2)
        expect(`${run.stdout}${run.stderr}`).not.to.contain('s3cr3t')
      }

      expectOneLineError(text.stderr, 'INVALID_INPUT')
      expect(text.stderr).to.contain(variable).and.contain('http://127.0.0.1:1')
      expect(parseJson(json.stdout).error.code).to.equal('INVALID_INPUT')
      expect(proxy.calls).to.deep.equal([])
    })
  }

  it('a session token from ~/.aws/credentials that the endpoint echoes in its error is never printed', async () => {
    const token = 'FwoGZXIvYXdzEXAMPLEfromTheCredentialsFileOnly0123456789'
    const environment = cleanEnv({AWS_ACCESS_KEY_ID: undefined, AWS_PROFILE: 'ci', AWS_SECRET_ACCESS_KEY: undefined})
    writeFileSync(environment.AWS_SHARED_CREDENTIALS_FILE!, '[ci]\naws_access_key_id = fileaccesskey\n' +
      `aws_secret_access_key = filesecretkey0123456789\naws_session_token = ${token}\n`)
    const aws = await startAwsLayer((await dynamoLocal()).endpoint, {echoSessionToken: true})
    const args = ['init', 'sessions', '--plan', '--region', 'us-east-1', '--endpoint-url', aws.endpoint]
    args.push('--table', uniqueTable('echo'))
    const runs = [
      await runCli(args, {env: environment}),
      await runCli([...args, '--json'], {env: environment}),
      await runCli(args, {env: {...environment, SENTINEL_DEBUG: '1'}}),
    ]
    await aws.close()
    expect(aws.aws.echoedTokens, 'the endpoint did echo the token').to.include(token)
    for (const run of runs) {
      expect(run.code, run.stdout + run.stderr).to.equal(1)
      expect(`${run.stdout}${run.stderr}`).not.to.contain(token)
      expect(`${run.stdout}${run.stderr}`).to.contain('The session token **** is not valid')
    }
  })
})
