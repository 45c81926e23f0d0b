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

  it('a tag given with another value live is drift, set in place with TagResource (issue 22)', () => {
    const live = converged({tags: {'sentinel:table': 'breakglass', team: 'security'}})
    const plan = planTable(desired({tags: {team: 'platform'}}), live)
    expect(isConverged(plan)).to.equal(false)
    expect(types(plan)).to.deep.equal(['set-tag-values'])
    expect(plan.actions[0].summary).to.equal('Set tag team=platform (now team=security)')
    const action = plan.actions[0] as {tags: ReadonlyMap<string, string>}
    expect([...action.tags]).to.deep.equal([['team', 'platform']])
    expect(plan.notices).to.deep.equal([])
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
    const enabled = {arn, state: 'Enabled'}
    const byArn = desired({kmsKey: {arn, kind: 'key-arn', region: 'us-east-1'}, resolvedKmsKey: enabled})
    expect(isConverged(planTable(byArn, converged()))).to.equal(true)
    const byId = desired({kmsKey: {id: sameId, kind: 'key-id'}, resolvedKmsKey: enabled})
    expect(isConverged(planTable(byId, converged()))).to.equal(true)
    const other = {arn: arn.replace(sameId, otherId), state: 'Enabled'}
    expect(types(planTable(desired({kmsKey: {id: otherId, kind: 'key-id'}, resolvedKmsKey: other}), converged())))
    .to.deep.equal(['set-encryption'])
  })

  describe('the state of the key --kms-key names (KMS DescribeKey KeyState, issue 22)', () => {
    const arn = 'arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555'
    const where = '--region us-east-1 --profile prod'
    const onKey = (state: string, extra: object = {}) => desired({
      kmsKey: {arn, kind: 'key-arn', region: 'us-east-1'},
      resolvedKmsKey: {arn, state, ...extra},
      suggest: {awsCliArgs: `${where} --endpoint-url https://vpce.example.com`, kmsCliArgs: where},
    })
    const fixes: [string, string][] = [
      ['Disabled', `aws kms enable-key --key-id ${arn} ${where}`],
      ['PendingDeletion',
        `aws kms cancel-key-deletion --key-id ${arn} ${where} && aws kms enable-key --key-id ${arn} ${where}`],
      ['PendingImport', `aws kms get-parameters-for-import --key-id ${arn} --wrapping-algorithm RSAES_OAEP_SHA_256 ` +
        `--wrapping-key-spec RSA_2048 ${where} gives`],
      ['Unavailable', `aws kms connect-custom-key-store --custom-key-store-id cks-1234 ${where}`],
    ]
    for (const [state, fix] of fixes) {
      it(`a table on a key that is ${state}: drift naming the state, what it means and the command`, () => {
        const plan = planTable(onKey(state, {customKeyStoreId: 'cks-1234'}), converged())
        expect(isConverged(plan)).to.equal(false)
        expect(driftTypes(plan)).to.deep.equal(['kms-key-state'])
        expect(plan.drift[0].summary).to.contain(`KMS key ${arn} (--kms-key) is ${state}: `)
        expect(plan.drift[0].remedy).to.contain(fix).and.not.contain('--endpoint-url')
      })
    }

    it('a new table, or a switch, onto a key pending deletion is refused before anything is sent', () => {
      expect(driftTypes(planTable(onKey('PendingDeletion'), undefined))).to.deep.equal(['kms-key-state'])
      const switching = planTable(onKey('Disabled'), converged({encryption: {kind: 'aws-owned'}}))
      expect(driftTypes(switching)).to.deep.equal(['kms-key-state'])
    })

    it('an Enabled key is converged; a key ARN KMS could not describe is not, with a fix for the cause', () => {
      expect(isConverged(planTable(onKey('Enabled'), converged()))).to.equal(true)
      const denied = {code: 'ACCESS_DENIED', error: 'Access denied: kms:DescribeKey on the key.'}
      const unreachable = {
        code: 'ENDPOINT_UNREACHABLE',
        error: 'Cannot reach kms.us-east-1.amazonaws.com (ETIMEDOUT) calling kms:DescribeKey.',
        suggestion: 'Check the network to kms.us-east-1.amazonaws.com, or set AWS_ENDPOINT_URL_KMS to a KMS ' +
          'endpoint this machine can reach (such as a VPC endpoint for KMS); then rerun.',
      }
      const plan = (resolvedKmsKey: DesiredTable['resolvedKmsKey']) =>
        planTable(desired({kmsKey: {arn, kind: 'key-arn', region: 'us-east-1'}, resolvedKmsKey}), converged())
      for (const failure of [denied, unreachable, undefined]) {
        expect(driftTypes(plan(failure)), JSON.stringify(failure)).to.deep.equal(['kms-key-unverified'])
      }

      expect(plan(denied).drift[0].remedy).to.contain('Allow kms:DescribeKey')
      expect(plan(unreachable).drift[0].summary).to.contain('its state) could not be checked: Cannot reach kms.')
      expect(plan(unreachable).drift[0].remedy).to.contain('AWS_ENDPOINT_URL_KMS').and.not.contain('Allow kms:')
    })

    it('a change of key under way onto a key pending deletion: drift at once, not a wait that cannot end', () => {
      const updating = converged({encryption: {kind: 'kms', kmsKeyArn: arn, status: 'UPDATING'}})
      const plan = planTable(onKey('PendingDeletion'), updating)
      expect(driftTypes(plan)).to.deep.equal(['kms-key-state'])
      expect(isConverged(plan)).to.equal(false)
    })

    it('no --kms-key: the AWS-managed key needs no state', () => {
      expect(isConverged(planTable(desired(), converged()))).to.equal(true)
    })
  })

  it('encryption UPDATING (a change of key under way) is not converged: waited for, then compared', () => {
    const arn = 'arn:aws:kms:us-east-1:123456789012:key/99999999-2222-3333-4444-555555555555'
    const plan = planTable(desired(), converged({encryption: {kind: 'kms', kmsKeyArn: arn, status: 'UPDATING'}}))
    expect(isConverged(plan)).to.equal(false)
    expect(types(plan)).to.deep.equal(['wait-for-table'])
    expect(plan.actions[0].summary).to.contain(`(to ${arn})`).and.contain('SSE UPDATING')
  })

  it('an on-demand throughput cap on the table or an index is drift, with the command that lifts it', () => {
    const where = '--region us-east-1'
    const live = converged({
      indexes: converged().indexes.map(gsi => (gsi.name === 'gsi-status' ? {...gsi, onDemandCap: {maxRead: 5}} : gsi)),
      onDemandCap: {maxRead: 1, maxWrite: 1},
    })
    const plan = planTable(desired({suggest: {awsCliArgs: where}}), live)
    expect(driftTypes(plan)).to.deep.equal(['on-demand-cap'])
    expect(plan.drift[0].summary).to.contain('the table at most 1 read request units a second and at most 1 write')
    .and.contain('index gsi-status at most 5 read')
    expect(plan.drift[0].remedy)
    .to.contain('aws dynamodb update-table --table-name sentinel-breakglass --on-demand-throughput ' +
      `MaxReadRequestUnits=-1,MaxWriteRequestUnits=-1 ${where}`)
    .and.contain("--global-secondary-index-updates 'Update={IndexName=gsi-status,OnDemandThroughput=" +
      `{MaxReadRequestUnits=-1,MaxWriteRequestUnits=-1}}' ${where}`)
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
