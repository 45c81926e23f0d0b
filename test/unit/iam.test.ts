import {expect} from 'chai'

import {DYNAMO_ACTIONS} from '../../src/lib/actions.js'
import {buildPolicy} from '../../src/lib/iam.js'
import {ALL_TABLES, APPROVALS_TABLE, SESSIONS_TABLE} from '../../src/lib/tables.js'

describe('buildPolicy', () => {
  const policy = buildPolicy({account: '123456789012', region: 'eu-west-1'}, [{definition: SESSIONS_TABLE, tableName: 'sentinel-sessions'}])

  it('has the two Sids with the table ARN and index ARNs', () => {
    expect(policy.Version).to.equal('2012-10-17')
    expect(policy.Statement.map((statement) => statement.Sid)).to.deep.equal(['SentinelSessionTableProvisioning', 'SentinelSessionTableOperations'])
    const arn = 'arn:aws:dynamodb:eu-west-1:123456789012:table/sentinel-sessions'
    expect(policy.Statement[0].Resource).to.equal(arn)
    expect(policy.Statement[1].Resource).to.deep.equal([arn, `${arn}/index/*`])
    expect(policy.Statement[1].Action).to.deep.equal(['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:Query', 'dynamodb:Scan'])
  })

  it('provisioning covers every action the CLI calls and nothing that deletes a table', () => {
    const actions = policy.Statement[0].Action
    for (const action of ['CreateTable', 'DescribeTable', 'UpdateTimeToLive', ...DYNAMO_ACTIONS]) expect(actions).to.include(`dynamodb:${action}`)
    expect(actions.filter((action) => /Delete|Untag|\*/.test(action))).to.be.empty
  })

  it('names the real partition', () => {
    const arnOf = (region: string) => buildPolicy({account: '123456789012', region}, [{definition: APPROVALS_TABLE, tableName: 'x-y'}]).Statement[0].Resource
    expect(arnOf('cn-north-1')).to.equal('arn:aws-cn:dynamodb:cn-north-1:123456789012:table/x-y')
    expect(arnOf('us-gov-west-1')).to.equal('arn:aws-us-gov:dynamodb:us-gov-west-1:123456789012:table/x-y')
    expect(arnOf('eu-central-2')).to.equal('arn:aws:dynamodb:eu-central-2:123456789012:table/x-y')
  })

  it('a customer-managed key adds the KMS actions DynamoDB needs, conditioned on kms:ViaService', () => {
    const keyArn = 'arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555'
    const withKey = buildPolicy({account: '123456789012', region: 'eu-west-1'}, [{definition: SESSIONS_TABLE, kmsKey: {arn: keyArn, kind: 'key-arn', region: 'eu-west-1'}, tableName: 't-1'}])
    const kms = withKey.Statement[2]
    expect(kms.Sid).to.equal('SentinelSessionTableKms')
    expect(kms.Resource).to.equal(keyArn)
    expect(kms.Action).to.include.members(['kms:Decrypt', 'kms:GenerateDataKey*', 'kms:CreateGrant', 'kms:DescribeKey'])
    expect(kms.Condition).to.deep.equal({StringEquals: {'kms:ViaService': 'dynamodb.eu-west-1.amazonaws.com'}})
  })

  it('an alias allows the keys carrying that alias', () => {
    const withAlias = buildPolicy({account: '123456789012', region: 'us-east-1'}, [{definition: SESSIONS_TABLE, kmsKey: {kind: 'alias', name: 'alias/sentinel'}, tableName: 't-1'}])
    expect(withAlias.Statement[2].Resource).to.equal('arn:aws:kms:us-east-1:123456789012:key/*')
    expect(withAlias.Statement[2].Condition).to.deep.include({'ForAnyValue:StringEquals': {'kms:ResourceAliases': 'alias/sentinel'}})
  })

  it('init:all: one policy with all six Sids', () => {
    const all = buildPolicy({account: '123456789012', region: 'us-east-1'}, ALL_TABLES.map((definition) => ({definition, tableName: definition.defaultTableName})))
    expect(all.Statement.map((statement) => statement.Sid)).to.deep.equal([
      'SentinelSessionTableProvisioning',
      'SentinelSessionTableOperations',
      'SentinelBreakGlassTableProvisioning',
      'SentinelBreakGlassTableOperations',
      'SentinelApprovalTableProvisioning',
      'SentinelApprovalTableOperations',
    ])
  })
})
