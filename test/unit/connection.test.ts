/**
 * Where the CLI connects, resolved locally as the SDKs define it: region chain, profiles, and the
 * DynamoDB endpoint from the flag, AWS_ENDPOINT_URL_DYNAMODB, AWS_ENDPOINT_URL, or the profile.
 */
import {DescribeTableCommand, DynamoDBClient} from '@aws-sdk/client-dynamodb'
import {GetCallerIdentityCommand, STSClient} from '@aws-sdk/client-sts'
import {expect} from 'chai'
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {
  type ConnectionInput, profileUsesSso, resolveConnection, serviceConfiguredEndpoint,
} from '../../src/aws/connection.js'
import {dynamoDbClientConfig} from '../../src/aws/sdk-dynamodb.js'
import {stsClientConfig} from '../../src/aws/sts.js'
import {SentinelError} from '../../src/errors.js'
import {scratchDir} from '../support/cli.js'

const CONFIG = `[default]
region = eu-west-1

[profile dev]
region = eu-north-1
endpoint_url = http://127.0.0.1:4566

[profile svc]
region = us-west-2
services = local-ddb

[services local-ddb]
dynamodb =
  endpoint_url = http://127.0.0.1:8000

[profile eusc]
region = eusc-de-east-1

[profile quiet]
region = us-west-2
endpoint_url = http://127.0.0.1:4566
ignore_configured_endpoint_urls = true

[profile sso]
sso_session = corp
sso_account_id = 123456789012
sso_role_name = Admin
region = us-east-1

[sso-session corp]
sso_start_url = https://corp.awsapps.com/start
sso_region = us-east-1

[profile role]
role_arn = arn:aws:iam::123456789012:role/deploy
source_profile = middle

[profile middle]
role_arn = arn:aws:iam::123456789012:role/hop
source_profile = sso

[profile loop-a]
role_arn = arn:aws:iam::123456789012:role/a
source_profile = loop-b

[profile loop-b]
role_arn = arn:aws:iam::123456789012:role/b
source_profile = loop-a
`

/** The host a client would send its first request to; stopped before anything is sent. */
async function hostCalled(client: DynamoDBClient | STSClient, send: () => Promise<unknown>): Promise<string> {
  let host = ''
  const stop = new Error('stopped before sending')
  const record = (args: {request: unknown}) => {
    host = `${(args.request as {hostname?: string}).hostname}`
    throw stop
  }

  // eslint-disable-next-line unicorn/consistent-function-scoping
  client.middlewareStack.add(() => async args => record(args), {step: 'build'})
  const error = await send().then(() => undefined, (error_: unknown) => error_)
  client.destroy()
  expect(error).to.equal(stop)
  return host
}

/** Resolves with these environment variables set (as the SDK reads them: from process.env). */
async function resolveWith(input: ConnectionInput & {env?: Record<string, string>}) {
  const {env = {}, ...connection} = input
  Object.assign(process.env, env)
  try {
    return await resolveConnection(connection)
  } finally {
    for (const name of Object.keys(env)) delete process.env[name]
  }
}

describe('connection resolution (SDK config loaders)', () => {
  const saved = {...process.env}

  beforeEach(() => {
    const config = join(scratchDir(), `config-${Date.now()}-${Math.random()}`)
    writeFileSync(config, CONFIG)
    for (const name of Object.keys(process.env)) if (/^AWS_(?!SDK_JS_)/.test(name)) delete process.env[name]
    process.env.AWS_CONFIG_FILE = config
    process.env.AWS_SHARED_CREDENTIALS_FILE = join(scratchDir(), 'no-credentials')
  })

  afterEach(() => {
    process.env = {...saved}
  })

  it('the region: --region, then AWS_REGION, then AWS_DEFAULT_REGION, then the profile', async () => {
    expect((await resolveWith({region: 'us-east-1'})).regionSource).to.equal('--region')
    expect(await resolveWith({env: {AWS_DEFAULT_REGION: 'ca-central-1', AWS_REGION: 'sa-east-1'}}))
    .to.include({region: 'sa-east-1', regionSource: 'AWS_REGION'})
    expect(await resolveWith({env: {AWS_DEFAULT_REGION: 'ca-central-1'}}))
    .to.include({region: 'ca-central-1', regionSource: 'AWS_DEFAULT_REGION'})
    expect(await resolveWith({env: {}})).to.include({region: 'eu-west-1', regionSource: 'profile default'})
    expect(await resolveWith({env: {}, profile: 'eusc'})).to.include({region: 'eusc-de-east-1'})
  })

  it('the endpoint: the flag first, then AWS_ENDPOINT_URL_DYNAMODB, then AWS_ENDPOINT_URL', async () => {
    const env = {AWS_ENDPOINT_URL: 'http://127.0.0.1:2', AWS_ENDPOINT_URL_DYNAMODB: 'http://127.0.0.1:1', AWS_REGION: 'us-east-1'}
    expect(await resolveWith({endpointUrl: 'http://127.0.0.1:9', env})).to.include({endpoint: 'http://127.0.0.1:9', endpointSource: '--endpoint-url'})
    expect(await resolveWith({env})).to.include({endpoint: 'http://127.0.0.1:1', endpointSource: 'AWS_ENDPOINT_URL_DYNAMODB'})
    expect(await resolveWith({env: {AWS_ENDPOINT_URL: 'http://127.0.0.1:2', AWS_REGION: 'us-east-1'}}))
    .to.include({endpoint: 'http://127.0.0.1:2', endpointSource: 'AWS_ENDPOINT_URL'})
  })

  it("a profile's endpoint_url and its services section, also named with --aws-profile", async () => {
    expect(await resolveWith({env: {}, profile: 'dev'})).to.include({endpoint: 'http://127.0.0.1:4566', region: 'eu-north-1'})
    expect(await resolveWith({env: {}, profile: 'svc'})).to.include({endpoint: 'http://127.0.0.1:8000', region: 'us-west-2'})
    expect((await resolveWith({env: {}})).endpoint).to.equal(undefined)
  })

  it('AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true ignores every configured endpoint but the flag', async () => {
    const env = {AWS_ENDPOINT_URL: 'http://127.0.0.1:2', AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: 'true'}
    expect((await resolveWith({env, profile: 'dev'})).endpoint).to.equal(undefined)
    expect((await resolveWith({endpointUrl: 'http://127.0.0.1:9', env, profile: 'dev'})).endpoint).to.equal('http://127.0.0.1:9')
  })

  it("the profile's ignore_configured_endpoint_urls ignores its endpoint_url and the environment's", async () => {
    expect(await resolveWith({env: {}, profile: 'quiet'})).to.include({endpoint: undefined, region: 'us-west-2'})
    const env = {AWS_ENDPOINT_URL: 'http://127.0.0.1:2'}
    expect((await resolveWith({env, profile: 'quiet'})).endpoint).to.equal(undefined)
    expect((await resolveWith({env: {...env, AWS_PROFILE: 'quiet'}})).endpoint).to.equal(undefined)
    // AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=false in the environment comes before the profile's setting.
    expect(await resolveWith({env: {...env, AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: 'false'}, profile: 'quiet'}))
    .to.include({endpoint: 'http://127.0.0.1:2', endpointSource: 'AWS_ENDPOINT_URL'})
  })

  it('--aws-profile names the profile whose endpoint counts, over AWS_PROFILE; else AWS_PROFILE', async () => {
    expect(await resolveWith({env: {AWS_PROFILE: 'svc'}, profile: 'dev'}))
    .to.include({endpoint: 'http://127.0.0.1:4566', region: 'eu-north-1'})
    expect(await resolveWith({env: {AWS_PROFILE: 'svc'}})).to.include({endpoint: 'http://127.0.0.1:8000', region: 'us-west-2'})
    expect(process.env.AWS_PROFILE, 'left as it was').to.equal(undefined)
  })

  it('--aws-profile leaves AWS_PROFILE as it was, set or unset', async () => {
    process.env.AWS_PROFILE = 'svc'
    expect(await resolveConnection({profile: 'dev'})).to.include({endpoint: 'http://127.0.0.1:4566'})
    expect(process.env.AWS_PROFILE).to.equal('svc')
    delete process.env.AWS_PROFILE
    expect(await resolveConnection({profile: 'dev'})).to.include({endpoint: 'http://127.0.0.1:4566'})
    expect(process.env).not.to.have.property('AWS_PROFILE')
  })

  it('resolutions under different profiles at once each read their own profile and restore AWS_PROFILE', async () => {
    const profiles = ['dev', 'svc', 'dev', 'quiet', 'svc']
    const connections = await Promise.all(profiles.map(profile => resolveConnection({profile})))
    expect(connections.map(connection => connection.endpoint)).to.deep.equal([
      'http://127.0.0.1:4566', 'http://127.0.0.1:8000', 'http://127.0.0.1:4566', undefined, 'http://127.0.0.1:8000',
    ])
    expect(process.env).not.to.have.property('AWS_PROFILE')
  })

  it('the clients send where the connection says, not to the endpoint_url of AWS_PROFILE\'s profile', async () => {
    process.env.AWS_PROFILE = 'dev'
    const connection = {
      ...await resolveConnection({profile: 'eusc'}),
      credentials: {accessKeyId: 'test', secretAccessKey: 'test'},
    }
    expect(connection.endpoint, 'profile eusc has no endpoint').to.equal(undefined)
    const dynamodb = new DynamoDBClient(dynamoDbClientConfig(connection))
    expect(await hostCalled(dynamodb, () => dynamodb.send(new DescribeTableCommand({TableName: 't'}))))
    .to.equal('dynamodb.eusc-de-east-1.amazonaws.eu')
    const sts = new STSClient(stsClientConfig(connection, undefined))
    expect(await hostCalled(sts, () => sts.send(new GetCallerIdentityCommand({}))))
    .to.equal('sts.eusc-de-east-1.amazonaws.eu')
    // The connection's endpoint, when there is one, is where they send.
    const local = {...connection, endpoint: 'http://127.0.0.1:8000'}
    const dynamodbLocal = new DynamoDBClient(dynamoDbClientConfig(local))
    expect(await hostCalled(dynamodbLocal, () => dynamodbLocal.send(new DescribeTableCommand({TableName: 't'}))))
    .to.equal('127.0.0.1')
  })

  it("the SDK's configured-endpoint reader missing is an UNEXPECTED error, never a silent no endpoint", () => {
    const missing = (() => serviceConfiguredEndpoint({}))
    expect(missing).to.throw(SentinelError).with.property('code', 'UNEXPECTED')
    expect(() => serviceConfiguredEndpoint({serviceConfiguredEndpoint: 'x'})).to.throw(SentinelError)
    expect(serviceConfiguredEndpoint({serviceConfiguredEndpoint: Promise.resolve.bind(Promise)})).to.be.a('function')
  })

  it('SSO: the profile, or the end of its source_profile chain (a role assumed with SSO credentials)', async () => {
    expect(await profileUsesSso('sso')).to.equal(true)
    expect(await profileUsesSso('role')).to.equal(true)
    expect(await profileUsesSso('middle')).to.equal(true)
    expect(await profileUsesSso('dev')).to.equal(false)
    expect(await profileUsesSso('loop-a'), 'a source_profile cycle ends').to.equal(false)
    expect(await profileUsesSso('ghost')).to.equal(false)
  })

  it('a malformed endpoint names where it came from; an unknown profile names the known ones', async () => {
    const bad = await resolveWith({env: {AWS_ENDPOINT_URL: 'not a url', AWS_REGION: 'us-east-1'}})
    .catch((error: unknown) => error)
    expect(bad).to.be.instanceOf(SentinelError)
    expect((bad as SentinelError).message).to.contain('AWS_ENDPOINT_URL')
    const unknown = await resolveWith({env: {}, profile: 'ghost'}).catch((error: unknown) => error)
    expect((unknown as SentinelError).code).to.equal('UNKNOWN_PROFILE')
    expect((unknown as SentinelError).suggestion).to.contain('dev').and.contain('svc').and.not.contain('services')
  })
})
