import {expect} from 'chai'

import {parseReplicas} from '../../src/tables/replicas.js'
import {parseKmsKey} from '../../src/tables/validate.js'
import {failure} from '../support/failure.js'

const KEY = '11111111-2222-3333-4444-555555555555'
const keyArn = (region: string, partition = 'aws') => `arn:${partition}:kms:${region}:123456789012:key/${KEY}`

describe('--replica-region and --replica-kms-key', () => {
  it('keeps the regions in the order given; no key with the AWS-managed key', () => {
    expect(parseReplicas({regions: ['eu-west-1', 'us-west-2']}, 'us-east-1', undefined))
    .to.deep.equal([{region: 'eu-west-1'}, {region: 'us-west-2'}])
    expect(parseReplicas({}, 'us-east-1', undefined)).to.deep.equal([])
  })

  it('a customer key: one key per replica region, each parsed', () => {
    const home = parseKmsKey(keyArn('us-east-1'), 'us-east-1')
    const replicas = parseReplicas(
      {kmsKeys: [`eu-west-1=${keyArn('eu-west-1')}`, 'us-west-2=alias/sentinel'], regions: ['eu-west-1', 'us-west-2']},
      'us-east-1',
      home,
    )
    expect(replicas).to.deep.equal([
      {kmsKey: {arn: keyArn('eu-west-1'), kind: 'key-arn', region: 'eu-west-1'}, region: 'eu-west-1'},
      {kmsKey: {kind: 'alias', name: 'alias/sentinel'}, region: 'us-west-2'},
    ])
  })

  const cases: [string, () => unknown, RegExp][] = [
    ['the table\'s own region', () => parseReplicas({regions: ['us-east-1']}, 'us-east-1', undefined), /own region/],
    ['an unknown region', () => parseReplicas({regions: ['eu-west-9']}, 'us-east-1', undefined), /Unknown AWS region/],
    ['a typo', () => parseReplicas({regions: ['euwest1']}, 'us-east-1', undefined), /Unknown AWS region "euwest1"/],
    ['a pseudo-region', () => parseReplicas({regions: ['aws-global']}, 'us-east-1', undefined), /Unknown/],
    ['another partition', () => parseReplicas({regions: ['cn-north-1']}, 'us-east-1', undefined), /partition aws-cn/],
    ['GovCloud from aws', () => parseReplicas({regions: ['us-gov-west-1']}, 'us-east-1', undefined), /do not cross/],
    ['a region twice', () => parseReplicas({regions: ['eu-west-1', 'eu-west-1']}, 'us-east-1', undefined), /twice/],
    [
      'a customer key without a replica key',
      () => parseReplicas({regions: ['eu-west-1']}, 'us-east-1', parseKmsKey(keyArn('us-east-1'), 'us-east-1')),
      /no key for replica region eu-west-1/,
    ],
    [
      'a replica key in another region',
      () => parseReplicas(
        {kmsKeys: [`eu-west-1=${keyArn('us-east-1')}`], regions: ['eu-west-1']},
        'us-east-1',
        parseKmsKey(keyArn('us-east-1'), 'us-east-1'),
      ),
      /names a key in us-east-1/,
    ],
    [
      'a replica key without --kms-key',
      () => parseReplicas(
        {kmsKeys: [`eu-west-1=${keyArn('eu-west-1')}`], regions: ['eu-west-1']},
        'us-east-1',
        undefined,
      ),
      /needs --kms-key/,
    ],
    [
      'a replica key for a region that is no replica',
      () => parseReplicas(
        {kmsKeys: [`us-west-2=${keyArn('us-west-2')}`], regions: ['eu-west-1']},
        'us-east-1',
        {kind: 'alias', name: 'alias/x'},
      ),
      /not a --replica-region/,
    ],
    [
      'a replica key without REGION=',
      () => parseReplicas({kmsKeys: [keyArn('eu-west-1')], regions: ['eu-west-1']}, 'us-east-1', undefined),
      /expected REGION=KEY/,
    ],
    [
      'a malformed replica key',
      () => parseReplicas(
        {kmsKeys: ['eu-west-1=nonsense'], regions: ['eu-west-1']},
        'us-east-1',
        {kind: 'alias', name: 'alias/x'},
      ),
      /--replica-kms-key eu-west-1="nonsense"/,
    ],
  ]
  for (const [what, fn, message] of cases) {
    it(`refuses ${what}: INVALID_INPUT, exit 2, one line with a fix`, () => {
      const error = failure(fn)
      expect(error.code).to.equal('INVALID_INPUT')
      expect(error.exitCode).to.equal(2)
      expect(error.message).to.match(message)
      expect(error.suggestion).to.be.a('string').and.not.equal('')
      expect(error.line).not.to.contain('\n')
    })
  }

  it('a region a typo away from a listed one: "did you mean" it, as --region does; a newer number: no guess', () => {
    const typo = failure(() => parseReplicas({regions: ['eu-wset-1']}, 'us-east-1', undefined))
    expect(typo.message).to.equal('Unknown AWS region "eu-wset-1" (from --replica-region): did you mean eu-west-1?')
    expect(typo.suggestion).to.equal('Pass --replica-region eu-west-1.')
    const newer = failure(() => parseReplicas({regions: ['eu-west-9']}, 'us-east-1', undefined))
    expect(newer.message).to.equal('Unknown AWS region "eu-west-9" (from --replica-region).')
  })

  it('without a home region (an export): own region and partition are not checked, keys still are', () => {
    expect(parseReplicas({regions: ['us-east-1']}, undefined, undefined)).to.deep.equal([{region: 'us-east-1'}])
    expect(() => parseReplicas(
      {kmsKeys: [`eu-west-1=${keyArn('us-east-1')}`], regions: ['eu-west-1']},
      undefined,
      {kind: 'alias', name: 'alias/x'},
    )).to.throw(/names a key in us-east-1/)
  })
})
