import {expect} from 'chai'

import type {DesiredTable} from '../../src/tables/desired.js'

import {type LiveTable} from '../../src/provisioning/live-table.js'
import {planTable} from '../../src/provisioning/plan.js'
import {isReplicaConverged, planReplica, unnamedReplica} from '../../src/provisioning/replica-plan.js'
import {BREAKGLASS_TABLE} from '../../src/tables/definitions.js'

const keyIn = (region: string) => `arn:aws:kms:${region}:123456789012:key/11111111-2222-3333-4444-555555555555`

const desired = (overrides: Partial<DesiredTable> = {}): DesiredTable => ({
  definition: BREAKGLASS_TABLE,
  deletionProtection: true,
  pitr: true,
  replicas: [{region: 'eu-west-1'}],
  tableName: 'sentinel-breakglass',
  tags: {team: 'sec'},
  ...overrides,
})

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
  tags: {'sentinel:table': 'breakglass', team: 'sec'},
  ttl: {attribute: 'ttl', status: 'ENABLED'},
  ...overrides,
})

const withReplica = (status: string, extra: object = {}) =>
  live('us-east-1', {replicas: [{region: 'eu-west-1', status, ...extra}], stream: {viewType: 'NEW_AND_OLD_IMAGES'}})
const types = (plan: {actions: {type: string}[]}) => plan.actions.map(action => action.type)
const replica = {region: 'eu-west-1'}

describe('planReplica', () => {
  it('a missing replica: add it, then deletion protection, PITR and tags in its region (AWS copies none)', () => {
    const plan = planReplica(desired(), replica, live('us-east-1'), undefined)
    expect(plan.status).to.equal('MISSING')
    expect(types(plan)).to.deep.equal(['create-replica', 'enable-deletion-protection', 'enable-pitr', 'add-tags'])
    expect(plan.actions.at(-1)?.summary).to.equal('Add tags team=sec, sentinel:table=breakglass')
    expect(isReplicaConverged(plan)).to.equal(false)
  })

  it('a missing replica of a table that does not exist yet: the same, after the table', () => {
    expect(types(planReplica(desired(), replica, undefined, undefined)))
    .to.deep.equal(['create-replica', 'enable-deletion-protection', 'enable-pitr', 'add-tags'])
  })

  it('--no-deletion-protection --no-pitr: only the tags', () => {
    const plan = planReplica(desired({deletionProtection: false, pitr: false}), replica, live('us-east-1'), undefined)
    expect(types(plan)).to.deep.equal(['create-replica', 'add-tags'])
  })

  it('an ACTIVE replica with everything: converged; one lacking what AWS does not copy: just that', () => {
    expect(isReplicaConverged(planReplica(desired(), replica, withReplica('ACTIVE'), live('eu-west-1')))).to.equal(true)
    const bare = live('eu-west-1', {deletionProtection: false, pitr: 'DISABLED', tags: {}})
    const plan = planReplica(desired(), replica, withReplica('ACTIVE'), bare)
    expect(types(plan)).to.deep.equal(['enable-deletion-protection', 'enable-pitr', 'add-tags'])
    expect(plan.arn).to.equal('arn:aws:dynamodb:eu-west-1:123456789012:table/sentinel-breakglass')
  })

  it('a replica being created: wait for it (with its progress), then its settings', () => {
    const plan = planReplica(desired(), replica, withReplica('CREATING', {progress: '40'}), live('eu-west-1', {
      deletionProtection: false, status: 'CREATING',
    }))
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
      const plan = planReplica(desired(), replica, withReplica(status), undefined)
      expect(plan.drift.map(drift => drift.type)).to.deep.equal(['replica-status'])
      expect(plan.drift[0].remedy).to.be.a('string').and.not.equal('')
      expect(plan.actions).to.deep.equal([])
    })
  }

  it('a replica encrypted with another key than --replica-kms-key: drift, never changed', () => {
    const kmsKey = {arn: keyIn('eu-west-1'), kind: 'key-arn' as const, region: 'eu-west-1'}
    const wanted = {kmsKey, region: 'eu-west-1'}
    const other = keyIn('eu-west-1').replace('11111111', '99999999')
    const plan = planReplica(desired(), wanted, withReplica('ACTIVE', {kmsKeyArn: other}), live('eu-west-1'))
    expect(plan.drift.map(drift => drift.type)).to.deep.equal(['replica-key'])
    const listed = withReplica('ACTIVE', {kmsKeyArn: keyIn('eu-west-1')})
    const same = planReplica(desired(), wanted, listed, live('eu-west-1'))
    expect(same.drift).to.deep.equal([])
  })

  it('a stream that does not carry NEW_AND_OLD_IMAGES: drift before any replica is added', () => {
    const plan = planReplica(desired(), replica, live('us-east-1', {stream: {viewType: 'KEYS_ONLY'}}), undefined)
    expect(plan.drift.map(drift => drift.type)).to.deep.equal(['stream-view-type'])
    expect(plan.actions).to.deep.equal([])
  })

  it('a replica no --replica-region names: reported, left alone, never failing the gate', () => {
    const plan = unnamedReplica({region: 'ap-south-1', status: 'ACTIVE'})
    expect(plan).to.include({named: false, region: 'ap-south-1', status: 'ACTIVE'})
    expect(plan.notices[0]).to.contain('left alone')
    expect(isReplicaConverged(plan)).to.equal(true)
  })
})

describe('planTable: a multi-Region strongly consistent table', () => {
  it('is drift: MRSC does not support TTL', () => {
    const plan = planTable(desired(), live('us-east-1', {multiRegionConsistency: 'STRONG'}))
    expect(plan.drift.map(drift => drift.type)).to.deep.equal(['multi-region-strong'])
    expect(planTable(desired(), live('us-east-1', {multiRegionConsistency: 'EVENTUAL'})).drift).to.deep.equal([])
  })
})
