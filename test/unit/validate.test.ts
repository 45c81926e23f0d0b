import {expect} from 'chai'

import {regionNotice, validateRegion} from '../../src/aws/connection.js'
import {partitionOf} from '../../src/aws/partitions.js'
import {
  parseKmsKey, parseTags, validateAccountId, validateTableName,
} from '../../src/tables/validate.js'
import {failure} from '../support/failure.js'

describe('input validation', () => {
  it('table names: 3-255 characters of A-Z a-z 0-9 _ . -', () => {
    expect(validateTableName('sentinel-sessions')).to.equal('sentinel-sessions')
    expect(validateTableName('a.b_c-D9')).to.equal('a.b_c-D9')
    expect(validateTableName('x'.repeat(255))).to.have.length(255)
    for (const bad of ['ab', 'x'.repeat(256), 'has space', 'semi;colon', 'ümlaut', 'slash/x', '']) {
      const error = failure(() => validateTableName(bad))
      expect(error.code).to.equal('INVALID_INPUT')
      expect(error.exitCode).to.equal(2)
      expect(error.suggestion).to.contain('--table')
    }
  })

  it('regions and partitions', () => {
    for (const good of ['us-east-1', 'eu-central-2', 'us-gov-west-1', 'cn-northwest-1', 'ap-southeast-4']) {
      expect(validateRegion(good, '--region')).to.equal(good)
    }

    for (const bad of ['us-east', 'US-EAST-1', 'useast1', 'us_east_1', 'moon-1']) {
      expect(failure(() => validateRegion(bad, '--region')).message).to.contain(bad)
    }

    expect(partitionOf('cn-north-1').name).to.equal('aws-cn')
    expect(partitionOf('us-gov-east-1').name).to.equal('aws-us-gov')
    expect(partitionOf('eu-west-1').name).to.equal('aws')
  })

  it('regions: a typo of a listed region is refused with it; a new number of a listed name is not a typo', () => {
    const typos: [string, string][] = [
      ['eu-wset-1', 'eu-west-1'],
      ['us-esat-1', 'us-east-1'],
      ['ap-southeast1', 'ap-southeast-1'],
      ['cn-nrth-1', 'cn-north-1'],
    ]
    for (const [typo, meant] of typos) {
      expect(failure(() => validateRegion(typo, 'AWS_REGION')).message).to.contain(`did you mean ${meant}?`)
    }

    expect(validateRegion('eu-west-4', '--region')).to.equal('eu-west-4')
    expect(regionNotice('eu-west-4')).to.contain('not known to this version')
    expect(regionNotice('eu-west-1')).to.equal(undefined)
  })

  it('account IDs are 12 digits', () => {
    expect(validateAccountId('012345678901')).to.equal('012345678901')
    for (const bad of ['12345678901', '1234567890123', '12345678901a', '']) failure(() => validateAccountId(bad))
  })

  it('KMS keys: ID, ARN, alias, alias ARN; same region; not an AWS-managed alias', () => {
    expect(parseKmsKey('11111111-2222-3333-4444-555555555555', 'us-east-1').kind).to.equal('key-id')
    expect(parseKmsKey('mrk-0123456789abcdef0123456789abcdef', 'us-east-1').kind).to.equal('key-id')
    expect(parseKmsKey('alias/sentinel', 'us-east-1').kind).to.equal('alias')
    const keyArn = 'arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555'
    const keyArnElsewhere = 'arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555'
    expect(parseKmsKey(keyArn, 'us-east-1').kind).to.equal('key-arn')
    expect(parseKmsKey('arn:aws:kms:us-east-1:123456789012:alias/sentinel', 'us-east-1').kind).to.equal('alias-arn')
    expect(failure(() => parseKmsKey(keyArnElsewhere, 'us-east-1')).message).to.contain('eu-west-1')
    expect(failure(() => parseKmsKey('alias/aws/dynamodb', 'us-east-1')).suggestion).to.contain('Leave out --kms-key')
    const badKeys = [
      'not-a-key',
      'arn:aws:kms:us-east-1:123:key/x',
      'alias/',
      'arn:aws:kms:us-east-1:123456789012:key/zzz',
    ]
    for (const bad of badKeys) failure(() => parseKmsKey(bad, 'us-east-1'))
  })

  it('tags: key=value, unique, no aws: prefix, lengths, characters', () => {
    expect(Object.fromEntries(parseTags(['team=sec', 'env=prod', 'empty=', 'a b=c+d-e=f.g_h:i/j'], 'sentinel:table')))
    .to.deep.equal({
      'a b': 'c+d-e=f.g_h:i/j', empty: '', env: 'prod', team: 'sec',
    })
    // Keys an object would inherit or swallow are tags like any other (issue 16).
    const special = parseTags(['constructor=x', '__proto__=y', 'toString=z'], 'sentinel:table')
    expect([...special]).to.deep.equal([['constructor', 'x'], ['__proto__', 'y'], ['toString', 'z']])
    const cases: [string[], string][] = [
      [['novalue'], 'expected key=value'],
      [['=x'], 'expected key=value'],
      [['aws:x=1'], 'reserved'],
      [['AWS:x=1'], 'reserved'],
      [['a=1', 'a=2'], 'Duplicate'],
      [[`${'k'.repeat(129)}=1`], 'at most 128'],
      [[`k=${'v'.repeat(257)}`], 'at most 256'],
      [['k=v;'], 'letters, digits'],
      [['team=a@b'], 'letters, digits, white space and + - = . _ : /'],
      [['constructor=x', 'constructor=y'], 'Duplicate'],
      [['sentinel:table=x'], 'sets this tag itself'],
      [Array.from({length: 50}, (_, index) => `k${index}=v`), 'at most 49'],
    ]
    for (const [input, message] of cases) {
      expect(failure(() => parseTags(input, 'sentinel:table')).message).to.contain(message)
    }
  })
})
