import {expect} from 'chai'

import type {DesiredTable} from '../../src/tables/desired.js'

import {type LiveTable, UNREAD, UNSUPPORTED} from '../../src/provisioning/live-table.js'
import {isConverged, planTable} from '../../src/provisioning/plan.js'
import {BREAKGLASS_TABLE, SESSIONS_TABLE} from '../../src/tables/definitions.js'

type Tags = Record<string, string>

/** Tags are Maps in the CLI (a key such as __proto__ is a tag like any other); written here as objects. */
type DesiredOverrides = Partial<Omit<DesiredTable, 'tags'>> & {tags?: Tags}
const desired = ({tags, ...overrides}: DesiredOverrides = {}): DesiredTable => ({
  definition: BREAKGLASS_TABLE,
  deletionProtection: true,
  pitr: true,
  tableName: 'sentinel-breakglass',
  tags: new Map(Object.entries(tags ?? {})),
  ...overrides,
})

/** A live table exactly as Sentinel wants it. */
type LiveOverrides = Partial<Omit<LiveTable, 'tags'>> & {tags?: LiveTable['tags'] | Tags}
const converged = ({tags, ...overrides}: LiveOverrides = {}): LiveTable => ({
  arn: 'arn:aws:dynamodb:us-east-1:123456789012:table/sentinel-breakglass',
  attributeTypes: {
    created_at: 'S',
    id: 'S',
    invoker: 'S',
    profile: 'S',
    status: 'S',
  },
  billingMode: 'PAY_PER_REQUEST',
  deletionProtection: true,
  encryption: {kind: 'kms', kmsKeyArn: 'arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555'},
  indexes: BREAKGLASS_TABLE.indexes.map(gsi => ({
    name: gsi.name,
    partitionKey: gsi.partitionKey,
    projectionType: 'ALL',
    sortKey: gsi.sortKey,
    status: 'ACTIVE',
  })),
  localIndexes: [],
  name: 'sentinel-breakglass',
  partitionKey: 'id',
  pitr: 'ENABLED',
  status: 'ACTIVE',
  tags: typeof tags === 'string' ? tags : new Map(Object.entries(tags ?? {'sentinel:table': 'breakglass'})),
  ttl: {attribute: 'ttl', status: 'ENABLED'},
  ...overrides,
})

const types = (plan: ReturnType<typeof planTable>) => plan.actions.map(action => action.type)
const driftTypes = (plan: ReturnType<typeof planTable>) => plan.drift.map(drift => drift.type)

describe('planTable', () => {
  it('a missing table: create (with indexes, SSE, protection, tags), then TTL, then PITR', () => {
    const plan = planTable(desired(), undefined)
    expect(types(plan)).to.deep.equal(['create-table', 'enable-ttl', 'enable-pitr'])
    expect(plan.actions[0].summary)
    .to.contain('gsi-invoker')
    .and.contain('AWS-managed KMS key')
    .and.contain('deletion protection on')
    expect(plan.drift).to.be.empty
  })

  it('--no-pitr leaves PITR out of a create', () => {
    expect(types(planTable(desired({pitr: false}), undefined))).to.deep.equal(['create-table', 'enable-ttl'])
  })

  it('a correct table: no actions, no drift', () => {
    const plan = planTable(desired(), converged())
    expect(isConverged(plan)).to.equal(true)
    expect(plan.notices).to.be.empty
  })

  it('reconciles in place: TTL off, deletion protection off, a missing index, PITR off, AWS-owned key, ' +
    'missing tag', () => {
    const live = converged({
      deletionProtection: false,
      encryption: {kind: 'aws-owned'},
      indexes: converged().indexes.filter(gsi => gsi.name !== 'gsi-profile'),
      pitr: 'DISABLED',
      tags: {},
      ttl: {status: 'DISABLED'},
    })
    const plan = planTable(desired({tags: {team: 'sec'}}), live)
    expect(types(plan)).to.deep.equal([
      'add-index',
      'set-encryption',
      'enable-deletion-protection',
      'enable-ttl',
      'enable-pitr',
      'add-tags',
    ])
    expect(plan.actions[0]).to.include({type: 'add-index'})
    expect((plan.actions[0] as {index: {name: string}}).index.name).to.equal('gsi-profile')
    const added = (plan.actions.at(-1) as {tags: Map<string, string>}).tags
    expect(Object.fromEntries(added)).to.deep.equal({'sentinel:table': 'breakglass', team: 'sec'})
    expect(plan.drift).to.be.empty
  })

  it('a table being created by someone else is waited for', () => {
    expect(types(planTable(desired(), converged({status: 'CREATING'})))[0]).to.equal('wait-for-table')
    const busyIndex = converged().indexes.map((gsi, index) => (index === 0 ? {...gsi, status: 'CREATING'} : gsi))
    expect(types(planTable(desired(), converged({indexes: busyIndex})))).to.deep.equal(['wait-for-table'])
  })

  it('a table being deleted is drift that blocks everything', () => {
    const plan = planTable(desired(), converged({status: 'DELETING'}))
    expect(driftTypes(plan)).to.deep.equal(['table-deleting'])
    expect(plan.actions).to.be.empty
  })

  it('reports drift it must not touch: key schema, attribute type, index keys, projection, billing', () => {
    const live = converged({
      attributeTypes: {
        created_at: 'N',
        id: 'S',
        invoker: 'S',
        profile: 'S',
        status: 'S',
      },
      billingMode: 'PROVISIONED',
      indexes: [
        {
          name: 'gsi-invoker',
          partitionKey: 'invoker',
          projectionType: 'KEYS_ONLY',
          sortKey: 'created_at',
          status: 'ACTIVE',
        },
        {
          name: 'gsi-status',
          partitionKey: 'status',
          projectionType: 'ALL',
          status: 'ACTIVE',
        },
        {
          name: 'gsi-profile',
          partitionKey: 'profile',
          projectionType: 'ALL',
          sortKey: 'created_at',
          status: 'ACTIVE',
        },
      ],
      sortKey: 'created_at',
    })
    const plan = planTable(desired(), live)
    expect(driftTypes(plan))
    .to.have.members(['key-schema', 'attribute-type', 'index-projection', 'index-keys', 'billing-mode'])
    for (const drift of plan.drift) expect(drift.remedy).to.be.a('string').that.is.not.empty
  })

  it('TTL on another attribute is drift, never changed; disabling is drift too', () => {
    expect(driftTypes(planTable(desired(), converged({ttl: {attribute: 'expires', status: 'ENABLED'}}))))
    .to.deep.equal(['ttl-attribute'])
    expect(driftTypes(planTable(desired(), converged({ttl: {status: 'DISABLING'}})))).to.deep.equal(['ttl-disabling'])
  })

  it('extra indexes are left alone and mentioned', () => {
    const live = converged({
      indexes: [...converged().indexes, {
        name: 'gsi-extra',
        partitionKey: 'x',
        projectionType: 'ALL',
        status: 'ACTIVE',
      }],
    })
    const plan = planTable(desired(), live)
    expect(isConverged(plan)).to.equal(true)
    expect(plan.notices.join(',')).to.contain('gsi-extra')
  })

  it('never turns protection or PITR off; says so', () => {
    const plan = planTable(desired({deletionProtection: false, pitr: false}), converged())
    expect(isConverged(plan)).to.equal(true)
    expect(plan.notices.join(' ')).to.contain('never turns it off')
  })

  it('a Sentinel tag naming another kind is drift', () => {
    expect(driftTypes(planTable(desired(), converged({tags: {'sentinel:table': 'sessions'}}))))
    .to.deep.equal(['tag-conflict'])
  })

  it('an existing tag with another value is mentioned, not changed', () => {
    const live = converged({tags: {'sentinel:table': 'breakglass', team: 'ops'}})
    const plan = planTable(desired({tags: {team: 'sec'}}), live)
    expect(plan.actions).to.be.empty
    expect(plan.notices.join(',')).to.contain('Tag team is "ops"')
  })

  it('what an emulator does not implement is a gap of the endpoint, not an action nor a per-table notice', () => {
    const plan = planTable(desired(), converged({
      deletionProtection: UNSUPPORTED,
      encryption: {kind: 'unreported'},
      pitr: UNSUPPORTED,
      tags: UNSUPPORTED,
      ttl: {status: UNSUPPORTED},
    }))
    expect(isConverged(plan)).to.equal(true)
    expect(plan.notices).to.deep.equal([])
    expect([...plan.endpointGaps].sort()).to.deep.equal([
      'TTL',
      'deletion protection',
      'encryption settings',
      'point-in-time recovery',
      'tagging',
    ])
  })

  it('unread tags and PITR are not planned', () => {
    expect(isConverged(planTable(desired(), converged({pitr: UNREAD, tags: UNREAD})))).to.equal(true)
  })

  it('a named customer-managed key: compared by key ARN or ID, switched in place when different', () => {
    const arn = 'arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555'
    const sameId = '11111111-2222-3333-4444-555555555555'
    const otherId = '99999999-2222-3333-4444-555555555555'
    expect(isConverged(planTable(desired({kmsKey: {arn, kind: 'key-arn', region: 'us-east-1'}}), converged())))
    .to.equal(true)
    expect(isConverged(planTable(desired({kmsKey: {id: sameId, kind: 'key-id'}}), converged()))).to.equal(true)
    expect(types(planTable(desired({kmsKey: {id: otherId, kind: 'key-id'}}), converged())))
    .to.deep.equal(['set-encryption'])
  })

  it('an alias: compared by the key ARN KMS resolved it to; unresolved is never converged (issue 16)', () => {
    const arn = 'arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555'
    const other = 'arn:aws:kms:us-east-1:123456789012:key/99999999-2222-3333-4444-555555555555'
    const awsManaged = 'arn:aws:kms:us-east-1:123456789012:key/aaaaaaaa-2222-3333-4444-555555555555'
    const alias = {kind: 'alias', name: 'alias/sentinel'} as const
    const withKey = (resolvedKmsKey: DesiredTable['resolvedKmsKey']) => desired({kmsKey: alias, resolvedKmsKey})
    expect(isConverged(planTable(withKey({arn}), converged()))).to.equal(true)
    const elsewhere = planTable(withKey({arn: other}), converged())
    expect(types(elsewhere)).to.deep.equal(['set-encryption'])
    expect(elsewhere.actions[0].summary).to.contain(other).and.contain(arn)
    const managed = converged({encryption: {kind: 'kms', kmsKeyArn: awsManaged}})
    expect(types(planTable(withKey({arn}), managed))).to.deep.equal(['set-encryption'])
    for (const unresolved of [{error: 'Access denied: kms:DescribeKey on alias/sentinel.'}, undefined]) {
      const plan = planTable(withKey(unresolved), converged())
      expect(isConverged(plan)).to.equal(false)
      expect(driftTypes(plan)).to.deep.equal(['kms-key-unverified'])
      expect(plan.drift[0].summary).to.contain(arn).and.contain('alias/sentinel')
    }
  })

  it('sessions: a table made by the Go provisioner lacks gsi-device-id and gets it', () => {
    const live = converged({
      attributeTypes: {
        created_at: 'S',
        id: 'S',
        profile: 'S',
        server_instance_id: 'S',
        status: 'S',
        user: 'S',
      },
      indexes: SESSIONS_TABLE.indexes
      .filter(gsi => gsi.name !== 'gsi-device-id')
      .map(gsi => ({...gsi, projectionType: 'ALL', status: 'ACTIVE'})),
      tags: {'sentinel:table': 'sessions'},
    })
    const plan = planTable({...desired(), definition: SESSIONS_TABLE, tableName: 'sentinel-sessions'}, live)
    expect(plan.actions.map(action => action.summary))
    .to.deep.equal(['Add index gsi-device-id (device_id, created_at), projecting ALL'])
  })
})
