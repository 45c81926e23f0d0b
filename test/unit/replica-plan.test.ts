import {expect} from 'chai'

import {type LiveTable} from '../../src/provisioning/live-table.js'
import {planTable} from '../../src/provisioning/plan.js'
import {isReplicaConverged, planReplica, unnamedReplica} from '../../src/provisioning/replica-plan.js'
import {BREAKGLASS_TABLE} from '../../src/tables/definitions.js'
import {globalBreakglass} from '../support/desired.js'

const keyIn = (region: string) => `arn:aws:kms:${region}:123456789012:key/11111111-2222-3333-4444-555555555555`

const desired = globalBreakglass

/** The table (or a replica, in `region`) exactly as Sentinel wants it. */
const live = (region: string, overrides: Partial<LiveTable> = {}): LiveTable => ({
  arn: `arn:aws:dynamodb:${region}:123456789012:table/sentinel-breakglass`,
  attributeTypes: Object.fromEntries(['created_at', 'id', 'invoker', 'profile', 'status'].map(name => [name, 'S'])),
  billingMode: 'PAY_PER_REQUEST',
  deletionProtection: true,
  encryption: {kind: 'kms', kmsKeyArn: keyIn(region)},
  indexes: BREAKGLASS_TABLE.indexes.map(gsi => ({
    name: gsi.name, partitionKey: gsi.partitionKey, projectionType: 'ALL', sortKey: gsi.sortKey, status: 'ACTIVE',
  })),
  localIndexes: [],
  name: 'sentinel-breakglass',
  partitionKey: 'id',
  pitr: 'ENABLED',
  status: 'ACTIVE',
  tags: new Map([['sentinel:table', 'breakglass'], ['team', 'sec']]),
  ttl: {attribute: 'ttl', status: 'ENABLED'},
  ...overrides,
})

const withReplica = (status: string, extra: object = {}) =>
  live('us-east-1', {replicas: [{region: 'eu-west-1', status, ...extra}], stream: {viewType: 'NEW_AND_OLD_IMAGES'}})
const types = (plan: {actions: {type: string}[]}) => plan.actions.map(action => action.type)
const replica = {region: 'eu-west-1'}

describe('planReplica', () => {
  for (const status of ['DELETING', 'INACCESSIBLE_ENCRYPTION_CREDENTIALS', 'ARCHIVED']) {
    it(`listed ACTIVE at home but ${status} in its own region: drift, never converged`, () => {
      const plan = planReplica(desired({kmsKey: undefined}), replica, {
        regional: live('eu-west-1', {deletionProtection: false, pitr: 'DISABLED', status}),
        table: withReplica('ACTIVE'),
      })
      const expected = status === 'DELETING' ? 'table-deleting' : 'table-status'
      expect(plan.drift.map(drift => drift.type)).to.deep.equal([expected])
      expect(isReplicaConverged(plan)).to.equal(false)
    })
  }

  it('a missing replica: add it, then deletion protection, PITR and tags in its region (AWS copies none)', () => {
    const plan = planReplica(desired(), replica, {table: live('us-east-1')})
    expect(plan.status).to.equal('MISSING')
    expect(types(plan)).to.deep.equal(['create-replica', 'enable-deletion-protection', 'enable-pitr', 'add-tags'])
    expect(plan.actions.at(-1)?.summary).to.equal('Add tags team=sec, sentinel:table=breakglass')
    expect(isReplicaConverged(plan)).to.equal(false)
  })

  it('a missing replica of a table that does not exist yet: the same, after the table', () => {
    expect(types(planReplica(desired(), replica, {table: undefined})))
    .to.deep.equal(['create-replica', 'enable-deletion-protection', 'enable-pitr', 'add-tags'])
  })

  it('--no-deletion-protection --no-pitr: only the tags', () => {
    const plan = planReplica(desired({deletionProtection: false, pitr: false}), replica, {table: live('us-east-1')})
    expect(types(plan)).to.deep.equal(['create-replica', 'add-tags'])
  })

  it('an ACTIVE replica with everything: converged; one lacking what AWS does not copy: just that', () => {
    const all = planReplica(desired(), replica, {regional: live('eu-west-1'), table: withReplica('ACTIVE')})
    expect(isReplicaConverged(all)).to.equal(true)
    const bare = live('eu-west-1', {deletionProtection: false, pitr: 'DISABLED', tags: new Map()})
    const plan = planReplica(desired(), replica, {regional: bare, table: withReplica('ACTIVE')})
    expect(types(plan)).to.deep.equal(['enable-deletion-protection', 'enable-pitr', 'add-tags'])
    expect(plan.arn).to.equal('arn:aws:dynamodb:eu-west-1:123456789012:table/sentinel-breakglass')
  })

  it('a replica being created: wait for it (with its progress), then its settings', () => {
    const regional = live('eu-west-1', {deletionProtection: false, status: 'CREATING'})
    const plan = planReplica(desired(), replica, {regional, table: withReplica('CREATING', {progress: '40'})})
    expect(types(plan)).to.deep.equal(['wait-for-replica', 'enable-deletion-protection'])
    expect(plan.actions[0].summary).to.contain('40%')
  })

  for (const status of ['CREATION_FAILED',
    'INACCESSIBLE_ENCRYPTION_CREDENTIALS',
    'REPLICATION_NOT_AUTHORIZED',
    'REGION_DISABLED',
    'ARCHIVING',
    'ARCHIVED',
    'DELETING']) {
    it(`a replica ${status}: drift with a remedy, nothing planned`, () => {
      const plan = planReplica(desired(), replica, {table: withReplica(status)})
      expect(plan.drift.map(drift => drift.type)).to.deep.equal(['replica-status'])
      expect(plan.drift[0].remedy).to.be.a('string').and.not.equal('')
      expect(plan.actions).to.deep.equal([])
    })
  }

  it('a replica encrypted with another key than --replica-kms-key: drift, never changed', () => {
    const kmsKey = {arn: keyIn('eu-west-1'), kind: 'key-arn' as const, region: 'eu-west-1'}
    const wanted = {kmsKey, region: 'eu-west-1'}
    const other = keyIn('eu-west-1').replace('11111111', '99999999')
    const table = withReplica('ACTIVE', {kmsKeyArn: other})
    const onOther = live('eu-west-1', {encryption: {kind: 'kms', kmsKeyArn: other}})
    const plan = planReplica(desired(), wanted, {regional: onOther, table})
    expect(plan.drift.map(drift => drift.type)).to.deep.equal(['replica-key'])
    // The fix names the table, the key, the run's region and endpoint: copyable as printed.
    const suggest = {awsCliArgs: '--region us-east-1 --endpoint-url http://127.0.0.1:8000'}
    const fix = planReplica(desired({suggest}), wanted, {regional: onOther, table}).drift[0].remedy
    expect(fix).to.contain('aws dynamodb update-table --table-name sentinel-breakglass --replica-updates ' +
      `'Update={RegionName=eu-west-1,KMSMasterKeyId=${keyIn('eu-west-1')}}' ` +
      '--region us-east-1 --endpoint-url http://127.0.0.1:8000;')
    .and.contain(`pass --replica-kms-key eu-west-1=${other} instead`)
    expect(fix).not.to.match(/\bNAME\b|\bKEY\b|…/)
    const listed = withReplica('ACTIVE', {kmsKeyArn: keyIn('eu-west-1')})
    const same = planReplica(desired(), wanted, {regional: live('eu-west-1'), table: listed})
    expect(same.drift).to.deep.equal([])
  })

  it('an alias --replica-kms-key: compared by the key KMS resolved in that region, unverified if it could not', () => {
    const wanted = {kmsKey: {kind: 'alias' as const, name: 'alias/sentinel'}, region: 'eu-west-1'}
    const table = withReplica('ACTIVE', {kmsKeyArn: keyIn('eu-west-1')})
    const regional = live('eu-west-1')
    const resolved = planReplica(desired(), wanted, {regional, resolvedKey: {arn: keyIn('eu-west-1')}, table})
    expect(resolved.drift).to.deep.equal([])
    const failed = planReplica(desired(), wanted, {regional, resolvedKey: {error: 'AccessDeniedException'}, table})
    expect(failed.drift.map(drift => drift.type)).to.deep.equal(['kms-key-unverified'])
    expect(failed.drift[0].summary).to.contain('AccessDeniedException')
  })

  it('Replicas[] listing the alias or key ID it was added with: compared as the key ARNs KMS resolved in its ' +
    'region, never as text (issue 22, item 13)', () => {
    const keyArn = keyIn('eu-west-1')
    const byAlias = {kmsKey: {kind: 'alias' as const, name: 'alias/sentinel'}, region: 'eu-west-1'}
    const listedAlias = withReplica('ACTIVE', {kmsKeyArn: 'alias/sentinel'})
    const same = planReplica(desired(), byAlias, {
      liveKey: {arn: keyArn}, resolvedKey: {arn: keyArn}, table: listedAlias,
    })
    expect(same.drift).to.deep.equal([])
    const byId = {kmsKey: {id: '11111111-2222-3333-4444-555555555555', kind: 'key-id' as const}, region: 'eu-west-1'}
    const listedId = withReplica('ACTIVE', {kmsKeyArn: '11111111-2222-3333-4444-555555555555'})
    expect(planReplica(desired(), byId, {liveKey: {arn: keyArn}, table: listedId}).drift).to.deep.equal([])
    // Another key, once resolved, is drift; a listed key KMS could not resolve is never called matching.
    const other = keyArn.replace('11111111', '99999999')
    const moved = planReplica(desired(), byAlias, {
      liveKey: {arn: other}, resolvedKey: {arn: keyArn}, table: listedAlias,
    })
    expect(moved.drift.map(drift => drift.type)).to.deep.equal(['replica-key'])
    const unknown = planReplica(desired(), byId, {
      liveKey: {error: 'AccessDeniedException', id: 'alias/other'}, table: listedId,
    })
    expect(unknown.drift.map(drift => drift.type)).to.deep.equal(['kms-key-unverified'])
    expect(unknown.drift[0].summary).to.contain('alias/other').and.contain('AccessDeniedException')
  })

  for (const [state, command] of [
    ['PendingDeletion', 'aws kms cancel-key-deletion --key-id'],
    ['Disabled', 'aws kms enable-key --key-id'],
  ]) {
    it(`its own key ${state} in its region (described by KMS there): kms-key-state drift, the fix in that ` +
      'region, never converged', () => {
      const kmsKey = {arn: keyIn('eu-west-1'), kind: 'key-arn' as const, region: 'eu-west-1'}
      const table = withReplica('ACTIVE', {kmsKeyArn: keyIn('eu-west-1')})
      const suggest = {
        awsCliArgs: '--region us-east-1',
        kmsCliArgs: '--region us-east-1 --profile prod',
        profileCliArgs: '--profile prod',
      }
      const plan = planReplica(desired({suggest}), {kmsKey, region: 'eu-west-1'}, {
        keyState: {arn: keyIn('eu-west-1'), state},
        liveKey: {arn: keyIn('eu-west-1')},
        regional: live('eu-west-1'),
        table,
      })
      expect(plan.drift.map(drift => drift.type)).to.deep.equal(['kms-key-state'])
      expect(plan.drift[0].summary).to.contain(`Replica in eu-west-1: KMS key ${keyIn('eu-west-1')} ` +
        `(--replica-kms-key) is ${state}`)
      expect(plan.drift[0].remedy).to.contain(`${command} ${keyIn('eu-west-1')} --region eu-west-1 --profile prod`)
      .and.not.contain('us-east-1')
      expect(isReplicaConverged(plan)).to.equal(false)
      const enabled = planReplica(desired({suggest}), {kmsKey, region: 'eu-west-1'}, {
        keyState: {arn: keyIn('eu-west-1'), state: 'Enabled'}, regional: live('eu-west-1'), table,
      })
      expect(enabled.drift).to.deep.equal([])
    })
  }

  it('its own key Updating (a multi-Region key): wait, never "pass --kms-key" (sentinel never changes a replica\'s ' +
    'key)', () => {
    const kmsKey = {arn: keyIn('eu-west-1'), kind: 'key-arn' as const, region: 'eu-west-1'}
    const table = withReplica('ACTIVE', {kmsKeyArn: keyIn('eu-west-1')})
    const plan = planReplica(desired(), {kmsKey, region: 'eu-west-1'}, {
      keyState: {arn: keyIn('eu-west-1'), state: 'Updating'}, regional: live('eu-west-1'), table,
    })
    expect(plan.drift.map(drift => drift.type)).to.deep.equal(['kms-key-state'])
    expect(plan.drift[0].remedy).to.contain(`aws kms describe-key --key-id ${keyIn('eu-west-1')} --region eu-west-1`)
    .and.not.contain('--kms-key')
  })

  it('its key\'s state KMS could not tell: kms-key-unverified with the cause\'s fix, never converged', () => {
    const kmsKey = {arn: keyIn('eu-west-1'), kind: 'key-arn' as const, region: 'eu-west-1'}
    const table = withReplica('ACTIVE', {kmsKeyArn: keyIn('eu-west-1')})
    const plan = planReplica(desired(), {kmsKey, region: 'eu-west-1'}, {
      keyState: {code: 'ACCESS_DENIED', error: 'AccessDeniedException.'}, regional: live('eu-west-1'), table,
    })
    expect(plan.drift.map(drift => drift.type)).to.deep.equal(['kms-key-unverified'])
    expect(plan.drift[0].summary).to.contain('Replica in eu-west-1').and.contain('(its state)')
    .and.contain('AccessDeniedException')
    expect(plan.drift[0].remedy).to.contain('kms:DescribeKey').and.contain('eu-west-1')
  })

  it('a stream that does not carry NEW_AND_OLD_IMAGES: drift before any replica is added', () => {
    const plan = planReplica(desired(), replica, {table: live('us-east-1', {stream: {viewType: 'KEYS_ONLY'}})})
    expect(plan.drift.map(drift => drift.type)).to.deep.equal(['stream-view-type'])
    expect(plan.actions).to.deep.equal([])
  })
})

const home = (status: string) =>
  live('us-east-1', {replicas: [{region: 'ap-south-1', status}], stream: {viewType: 'NEW_AND_OLD_IMAGES'}})
const entry = (status: string) => ({region: 'ap-south-1', status})

describe('unnamedReplica: a replica no --replica-region names (issue 22, item 1)', () => {
  const plain = desired({kmsKey: undefined, replicas: undefined})

  it('protected as Sentinel wants: checked, converged, left alone', () => {
    const plan = unnamedReplica(plain, entry('ACTIVE'), {regional: live('ap-south-1'), table: home('ACTIVE')})
    expect(plan).to.include({named: false, region: 'ap-south-1', status: 'ACTIVE'})
    expect(plan.notices[0]).to.contain('checked and left alone')
    expect(plan.nameWith).to.equal(undefined)
    expect(isReplicaConverged(plan)).to.equal(true)
  })

  it('ACTIVE without deletion protection and PITR (an interrupted run): not converged; the flags that name it', () => {
    const regional = live('ap-south-1', {deletionProtection: false, pitr: 'DISABLED'})
    const plan = unnamedReplica(plain, entry('ACTIVE'), {regional, table: home('ACTIVE')})
    expect(types(plan)).to.deep.equal(['enable-deletion-protection', 'enable-pitr'])
    expect(isReplicaConverged(plan)).to.equal(false)
    expect(plan.nameWith).to.deep.equal(['--replica-region', 'ap-south-1'])
    expect(plan.notices[0]).to.contain('apply leaves it alone: name it (--replica-region ap-south-1)')
  })

  it('a table on a customer key: named with the replica\'s own live key, never a placeholder', () => {
    const kmsKey = {arn: keyIn('us-east-1'), kind: 'key-arn' as const, region: 'us-east-1'}
    const regional = live('ap-south-1', {deletionProtection: false})
    const onKey = desired({kmsKey, replicas: undefined})
    const plan = unnamedReplica(onKey, entry('ACTIVE'), {regional, table: home('ACTIVE')})
    expect(plan.nameWith).to.deep.equal([
      '--replica-region', 'ap-south-1', '--replica-kms-key', `ap-south-1=${keyIn('ap-south-1')}`,
    ])
    expect(plan.drift, 'no key named for it: not compared').to.deep.equal([])
  })

  for (const status of ['INACCESSIBLE_ENCRYPTION_CREDENTIALS', 'CREATION_FAILED', 'DELETING', 'REGION_DISABLED']) {
    it(`${status}: drift with its remedy, never converged`, () => {
      const plan = unnamedReplica(plain, entry(status), {table: home(status)})
      expect(plan.drift.map(drift => drift.type)).to.deep.equal(['replica-status'])
      expect(plan.drift[0].summary).to.contain(`Replica in ap-south-1 is ${status}`)
      expect(isReplicaConverged(plan)).to.equal(false)
    })
  }

  it('a table on a customer key, the replica\'s own key PendingDeletion: drift naming its region, left alone', () => {
    const onKey = desired({kmsKey: {arn: keyIn('us-east-1'), kind: 'key-arn', region: 'us-east-1'}, replicas: []})
    const entry = {kmsKeyArn: keyIn('eu-west-1'), region: 'eu-west-1', status: 'ACTIVE'}
    const plan = unnamedReplica(onKey, entry, {
      keyState: {arn: keyIn('eu-west-1'), state: 'PendingDeletion'},
      regional: live('eu-west-1'),
      table: live('us-east-1', {replicas: [entry], stream: {viewType: 'NEW_AND_OLD_IMAGES'}}),
    })
    expect(plan.drift.map(drift => drift.type)).to.deep.equal(['kms-key-state'])
    expect(plan.drift[0].summary).to.contain('Replica in eu-west-1').and.contain('(the replica\'s key)')
    expect(plan.drift[0].remedy).to.contain(`aws kms cancel-key-deletion --key-id ${keyIn('eu-west-1')} ` +
      '--region eu-west-1')
    expect(isReplicaConverged(plan)).to.equal(false)
  })

  it('being created by someone else: not yet checked, so not converged', () => {
    const plan = unnamedReplica(plain, entry('CREATING'), {table: home('CREATING')})
    expect(types(plan)[0]).to.equal('wait-for-replica')
    expect(isReplicaConverged(plan)).to.equal(false)
  })
})

describe('planTable: a multi-Region strongly consistent table', () => {
  it('is drift: MRSC does not support TTL', () => {
    const plan = planTable(desired(), live('us-east-1', {multiRegionConsistency: 'STRONG'}))
    expect(plan.drift.map(drift => drift.type)).to.deep.equal(['multi-region-strong'])
    expect(planTable(desired(), live('us-east-1', {multiRegionConsistency: 'EVENTUAL'})).drift).to.deep.equal([])
  })
})
