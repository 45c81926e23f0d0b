/**
 * Where the CLI connects, resolved locally as the SDKs define it: region chain, profiles, and the
 * DynamoDB endpoint from the flag, AWS_ENDPOINT_URL_DYNAMODB, AWS_ENDPOINT_URL, or the profile.
 */
import {expect} from 'chai'
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {resolveConnection} from '../../src/aws/connection.js'
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
`

describe('connection resolution (SDK config loaders)', () => {
  const saved = {...process.env}

  beforeEach(() => {
    const config = join(scratchDir(), `config-${Date.now()}-${Math.random()}`)
    writeFileSync(config, CONFIG)
    for (const name of Object.keys(process.env)) if (name.startsWith('AWS_')) delete process.env[name]
    process.env.AWS_CONFIG_FILE = config
    process.env.AWS_SHARED_CREDENTIALS_FILE = join(scratchDir(), 'no-credentials')
  })

  afterEach(() => {
    process.env = {...saved}
  })

  it('the region: --region, then AWS_REGION, then AWS_DEFAULT_REGION, then the profile', async () => {
    expect((await resolveConnection({region: 'us-east-1'})).regionSource).to.equal('--region')
    expect(await resolveConnection({env: {AWS_DEFAULT_REGION: 'ca-central-1', AWS_REGION: 'sa-east-1'}}))
    .to.include({region: 'sa-east-1', regionSource: 'AWS_REGION'})
    expect(await resolveConnection({env: {AWS_DEFAULT_REGION: 'ca-central-1'}}))
    .to.include({region: 'ca-central-1', regionSource: 'AWS_DEFAULT_REGION'})
    expect(await resolveConnection({env: {}})).to.include({region: 'eu-west-1', regionSource: 'profile default'})
    expect(await resolveConnection({env: {}, profile: 'eusc'})).to.include({region: 'eusc-de-east-1'})
  })

  it('the endpoint: the flag first, then AWS_ENDPOINT_URL_DYNAMODB, then AWS_ENDPOINT_URL', async () => {
    const env = {AWS_ENDPOINT_URL: 'http://127.0.0.1:2', AWS_ENDPOINT_URL_DYNAMODB: 'http://127.0.0.1:1', AWS_REGION: 'us-east-1'}
    expect(await resolveConnection({endpointUrl: 'http://127.0.0.1:9', env})).to.include({endpoint: 'http://127.0.0.1:9', endpointSource: '--endpoint-url'})
    expect(await resolveConnection({env})).to.include({endpoint: 'http://127.0.0.1:1', endpointSource: 'AWS_ENDPOINT_URL_DYNAMODB'})
    expect(await resolveConnection({env: {AWS_ENDPOINT_URL: 'http://127.0.0.1:2', AWS_REGION: 'us-east-1'}}))
    .to.include({endpoint: 'http://127.0.0.1:2', endpointSource: 'AWS_ENDPOINT_URL'})
  })

  it("a profile's endpoint_url and its services section, also named with --aws-profile", async () => {
    expect(await resolveConnection({env: {}, profile: 'dev'})).to.include({endpoint: 'http://127.0.0.1:4566', region: 'eu-north-1'})
    expect(await resolveConnection({env: {}, profile: 'svc'})).to.include({endpoint: 'http://127.0.0.1:8000', region: 'us-west-2'})
    expect((await resolveConnection({env: {}})).endpoint).to.equal(undefined)
  })

  it('AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true ignores every configured endpoint but the flag', async () => {
    const env = {AWS_ENDPOINT_URL: 'http://127.0.0.1:2', AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: 'true'}
    expect((await resolveConnection({env, profile: 'dev'})).endpoint).to.equal(undefined)
    expect((await resolveConnection({endpointUrl: 'http://127.0.0.1:9', env, profile: 'dev'})).endpoint).to.equal('http://127.0.0.1:9')
  })

  it('a malformed endpoint names where it came from; an unknown profile names the known ones', async () => {
    const bad = await resolveConnection({env: {AWS_ENDPOINT_URL: 'not a url', AWS_REGION: 'us-east-1'}})
    .catch((error: unknown) => error)
    expect(bad).to.be.instanceOf(SentinelError)
    expect((bad as SentinelError).message).to.contain('AWS_ENDPOINT_URL')
    const unknown = await resolveConnection({env: {}, profile: 'ghost'}).catch((error: unknown) => error)
    expect((unknown as SentinelError).code).to.equal('UNKNOWN_PROFILE')
    expect((unknown as SentinelError).suggestion).to.contain('dev').and.contain('svc').and.not.contain('services')
  })
})
