/**
 * --import-existing adopts live tables as they are (issue 22, item 7): what the plan leaves alone —
 * tags set by hand, an index someone added, a stream someone turned on — is carried into both
 * templates exactly, so applying them removes none of it; a table the template would replace or
 * rebuild (key schema, an index's keys, billing, TTL attribute, a stream's view type) is refused,
 * naming each difference, and nothing is rendered.
 */
import {expect} from 'chai'

import {SentinelError} from '../../src/errors.js'
import {EXPORT_FORMATS, type LiveFacts, renderExport} from '../../src/export/index.js'
import {ALL_TABLES, APPROVALS_TABLE, RATE_LIMIT_TABLE} from '../../src/tables/definitions.js'
import {type DesiredTable, desiredTables, type TableSettingsInput} from '../../src/tables/desired.js'
import {keyAttribute, tableSpec} from '../../src/tables/table-spec.js'
import {
  cloudFormationProblems, parseCloudFormation, parseTerraform, providerSchemas, terraformProblems,
} from '../support/iac.js'

const ALLOWED_DEPRECATIONS = ['global_secondary_index.hash_key', 'global_secondary_index.range_key']

function tables(settings: Partial<TableSettingsInput> = {}): DesiredTable[] {
  const choices = ALL_TABLES.map(definition => ({
    definition, source: 'default', tableName: definition.defaultTableName,
  }))
  return desiredTables(choices, {
    deletionProtection: true, pitr: true, tags: ['team=security'], ...settings,
  }, 'us-east-1')
}

function tableNamed(desired: readonly DesiredTable[], name: string): DesiredTable {
  return desired.find(table => table.tableName === name)!
}

/** The table as `sentinel init` made it, as the plan reads it back; `changes` are what was done by hand since. */
function madeBySentinel(table: DesiredTable, changes: Partial<LiveFacts> = {}): LiveFacts {
  const spec = tableSpec(table)
  return {
    attributeTypes: Object.fromEntries(spec.attributeDefinitions.map(({AttributeName, AttributeType}) =>
      [AttributeName, AttributeType])),
    billingMode: 'PAY_PER_REQUEST',
    indexes: spec.indexes.map(gsi => ({
      name: gsi.IndexName,
      partitionKey: keyAttribute(gsi.KeySchema, 'HASH'),
      projectionType: 'ALL',
      sortKey: keyAttribute(gsi.KeySchema, 'RANGE'),
    })),
    localIndexes: [],
    partitionKey: table.definition.partitionKey,
    tags: new Map(spec.tags.map(tag => [tag.Key, tag.Value])),
    ttl: {attribute: spec.ttlAttribute, status: 'ENABLED'},
    ...changes,
  }
}

/** Every table exists; the approvals table has been changed by hand as the plan leaves alone. */
function handChanged(desired: readonly DesiredTable[]) {
  const approvals = tableNamed(desired, APPROVALS_TABLE.defaultTableName)
  const made = madeBySentinel(approvals)
  const live = madeBySentinel(approvals, {
    attributeTypes: {...made.attributeTypes, amount: 'N', region: 'S'},
    indexes: [
      ...made.indexes,
      {
        name: 'by-region', nonKeyAttributes: ['requester', 'status'], partitionKey: 'region', projectionType: 'INCLUDE',
      },
      {
        name: 'by-region-amount',
        // As DynamoDB may report an index of an on-demand table: -1 is no maximum.
        onDemandThroughput: {maxReadRequestUnits: -1, maxWriteRequestUnits: 100},
        partitionKey: 'region',
        projectionType: 'KEYS_ONLY',
        sortKey: 'amount',
      },
    ],
    stream: {viewType: 'NEW_IMAGE'},
    tags: new Map([
      ...made.tags as Map<string, string>,
      ['aws:cloudformation:stack-name', 'old-stack'],
      ['owner', 'data-platform'],
      ['team', 'platform'],
    ]),
  })
  return new Map(desired.map(table => [table.tableName, {
    live: table === approvals ? live : madeBySentinel(table),
    region: 'us-east-1',
  }]))
}

describe('export --import-existing: what the plan leaves alone is carried (issue 22)', () => {
  it('CloudFormation keeps the hand-set tags, the added indexes and the stream, valid against the spec', async () => {
    const desired = tables()
    const template = parseCloudFormation(renderExport('cloudformation', desired, {existing: handChanged(desired)}))
    const {Properties: properties} = template.Resources.ApprovalTable
    expect(properties.StreamSpecification).to.deep.equal({StreamViewType: 'NEW_IMAGE'})
    expect(properties.Tags).to.deep.equal([
      {Key: 'owner', Value: 'data-platform'},
      {Key: 'sentinel:table', Value: 'approvals'},
      // --tag team=security is asked for: apply sets it over the live platform, and so does the template.
      {Key: 'team', Value: 'security'},
    ])
    expect(properties.GlobalSecondaryIndexes).to.deep.include.members([
      {
        IndexName: 'by-region',
        KeySchema: [{AttributeName: 'region', KeyType: 'HASH'}],
        Projection: {NonKeyAttributes: ['requester', 'status'], ProjectionType: 'INCLUDE'},
      },
      {
        IndexName: 'by-region-amount',
        KeySchema: [{AttributeName: 'region', KeyType: 'HASH'}, {AttributeName: 'amount', KeyType: 'RANGE'}],
        // CloudFormation's minimum is 1: -1 (no maximum) is left out, a maximum is kept.
        OnDemandThroughput: {MaxWriteRequestUnits: 100},
        Projection: {ProjectionType: 'KEYS_ONLY'},
      },
    ])
    expect(properties.GlobalSecondaryIndexes).to.have.length(5)
    expect(properties.AttributeDefinitions).to.deep.include.members([
      {AttributeName: 'region', AttributeType: 'S'},
      {AttributeName: 'amount', AttributeType: 'N'},
    ])
    // The tables nobody changed come out as without --import-existing.
    expect(template.Resources.SessionTable.Properties).not.to.have.property('StreamSpecification')
    expect(await cloudFormationProblems(template)).to.deep.equal([])
  })

  it('Terraform keeps them too, in arguments every provider version of the constraint takes', async () => {
    const desired = tables()
    const config = await parseTerraform(renderExport('terraform', desired, {existing: handChanged(desired)}))
    const [approval] = config.resource.aws_dynamodb_table.approval
    expect(approval.stream_enabled).to.equal(true)
    expect(approval.stream_view_type).to.equal('NEW_IMAGE')
    expect(approval.tags).to.deep.equal({owner: 'data-platform', 'sentinel:table': 'approvals', team: 'security'})
    // Terraform's argument names, as the parsed configuration spells them.
    /* eslint-disable camelcase */
    expect(approval.global_secondary_index).to.deep.include.members([
      {
        hash_key: 'region', name: 'by-region', non_key_attributes: ['requester', 'status'], projection_type: 'INCLUDE',
      },
      {
        hash_key: 'region',
        name: 'by-region-amount',
        on_demand_throughput: [{max_read_request_units: -1, max_write_request_units: 100}],
        projection_type: 'KEYS_ONLY',
        range_key: 'amount',
      },
    ])
    // on_demand_throughput came with later 5.x providers: the constraint admits those the export is planned with.
    expect(config.terraform[0].required_providers[0].aws.version).to.equal('>= 5.100.0, < 7.0')
    /* eslint-enable camelcase */
    expect(approval.attribute).to.deep.include.members([{name: 'region', type: 'S'}, {name: 'amount', type: 'N'}])
    expect(approval.attribute).to.have.length(7)
    expect(config.resource.aws_dynamodb_table.session[0]).not.to.have.property('stream_enabled')
    expect(terraformProblems(config, providerSchemas()['6.47.0'], ALLOWED_DEPRECATIONS)).to.deep.equal([])
    // Without it, every provider the usual constraint admits takes the adopted indexes.
    const noThroughput = handChanged(desired)
    for (const table of noThroughput.values()) {
      table.live = {...table.live, indexes: table.live.indexes.map(({onDemandThroughput: _dropped, ...gsi}) => gsi)}
    }

    const older = await parseTerraform(renderExport('terraform', desired, {existing: noThroughput}))
    expect(older.terraform[0].required_providers[0].aws.version).to.equal('>= 5.0, < 7.0')
    for (const [version, schema] of Object.entries(providerSchemas())) {
      expect(terraformProblems(older, schema, ALLOWED_DEPRECATIONS), version).to.deep.equal([])
    }

    // A table as sentinel made it comes out as when nothing was read of it.
    const known = new Map(desired.map(table => [table.tableName, {region: 'us-east-1'}]))
    const read = new Map(desired.map(table => [table.tableName, {live: madeBySentinel(table), region: 'us-east-1'}]))
    for (const format of EXPORT_FORMATS) {
      expect(renderExport(format, desired, {existing: read}), format)
      .to.equal(renderExport(format, desired, {existing: known}))
    }
  })
})

/** The export's refusal when the tables are live with these changes by hand (table name -> changes). */
function refusal(
  format: (typeof EXPORT_FORMATS)[number],
  desired: DesiredTable[],
  changes: Record<string, Partial<LiveFacts>>,
): SentinelError {
  const existing = new Map(desired.map(table => [table.tableName, {
    live: madeBySentinel(table, changes[table.tableName] ?? {}),
    region: 'us-east-1',
  }]))
  try {
    renderExport(format, desired, {existing, statusCommand: 'sentinel init status'})
  } catch (error) {
    expect(error).to.be.instanceOf(SentinelError)
    expect(error).to.have.property('code', 'INVALID_INPUT')
    expect(error).to.have.property('exitCode', 2)
    return error as SentinelError
  }

  throw new Error('expected the export to be refused')
}

describe('export --import-existing: a table the template would replace or rebuild is refused (issue 22)', () => {
  for (const format of EXPORT_FORMATS) {
    it(`${format}: a key schema that contradicts the template, naming both and the replacement`, () => {
      const desired = tables()
      const error = refusal(format, desired, {
        'sentinel-ratelimit': {attributeTypes: {PK: 'S', SK: 'S'}, sortKey: 'SK'},
      })
      expect(error.message).to.equal('--import-existing cannot adopt a table as the template describes it: ' +
        'Table sentinel-ratelimit has key schema (PK, SK), the template\'s (PK): a key schema cannot change ' +
        'in place, so applied, the template would replace the table with a new, empty one.')
      expect(error.suggestion).to.equal('Nothing was printed. To see each difference and how to resolve it, ' +
        'then export again: sentinel init status')
    })
  }

  it('each difference of each table in one message: key type, index keys and projection, billing, TTL, marker', () => {
    const desired = tables()
    const approvals = madeBySentinel(tableNamed(desired, APPROVALS_TABLE.defaultTableName))
    const error = refusal('terraform', desired, {
      'sentinel-ratelimit': {
        attributeTypes: {PK: 'N'},
        billingMode: 'PROVISIONED',
        tags: new Map([['sentinel:table', 'sessions']]),
        ttl: {attribute: 'expires', status: 'ENABLED'},
      },
      'sentinel-requests': {
        indexes: approvals.indexes.map(gsi => (gsi.name === 'gsi-status'
          ? {...gsi, projectionType: 'KEYS_ONLY', sortKey: 'updated_at'}
          : gsi)),
      },
    })
    expect(error.message).to.match(/^--import-existing cannot adopt 2 tables as the template describes them: /)
    expect(error.message).to.contain('Table sentinel-requests has index gsi-status with keys (status, updated_at) ' +
      '(the template\'s (status, created_at)) and projection KEYS_ONLY (the template\'s ALL): an index\'s keys and ' +
      'projection cannot change in place, so applied, the template would delete the index and build it again')
    for (const part of [
      'Table sentinel-ratelimit has key attribute PK of type N, the template\'s S',
      'has billing mode PROVISIONED, the template\'s PAY_PER_REQUEST',
      'has TTL on attribute "expires", the template\'s "TTL"',
      'is tagged sentinel:table=sessions, the template\'s sentinel:table=ratelimit',
    ]) {
      expect(error.message).to.contain(part)
    }

    expect(error.message).not.to.contain('\n')
  })

  it('an on-demand cap on the table or an index (drift to init status): refused, neither kept nor dropped', () => {
    const desired = tables()
    const approvals = madeBySentinel(tableNamed(desired, APPROVALS_TABLE.defaultTableName))
    for (const format of EXPORT_FORMATS) {
      const error = refusal(format, desired, {
        'sentinel-ratelimit': {onDemandCap: {maxRead: 1}},
        'sentinel-requests': {
          indexes: approvals.indexes.map(gsi => (gsi.name === 'gsi-status'
            ? {...gsi, onDemandCap: {maxWrite: 5}}
            : gsi)),
        },
      })
      expect(error.message).to.contain('Table sentinel-ratelimit has an on-demand throughput cap on the table ' +
        '(MaxReadRequestUnits 1), which Sentinel\'s tables do not have')
      expect(error.message).to.contain('Table sentinel-requests has an on-demand throughput cap on index ' +
        'gsi-status (MaxWriteRequestUnits 5)')
    }
  })

  it('a global table whose stream is not NEW_AND_OLD_IMAGES, as replicas need', () => {
    const desired = tables({replicaRegions: ['eu-west-1']})
    const error = refusal('cloudformation', desired, {
      [RATE_LIMIT_TABLE.defaultTableName]: {stream: {viewType: 'KEYS_ONLY'}},
    })
    expect(error.message).to.contain('Table sentinel-ratelimit has a stream of KEYS_ONLY, ' +
      'the template\'s NEW_AND_OLD_IMAGES (replicas need it)')
  })

  it('a global table: the tags set by hand on a replica, in its region, are carried to that replica', async () => {
    const desired = tables({replicaRegions: ['eu-west-1']})
    const existing = new Map(desired.map(table => {
      const made = madeBySentinel(table, {stream: {viewType: 'NEW_AND_OLD_IMAGES'}})
      const replicaTags = new Map([['eu-west-1', new Map([...made.tags as Map<string, string>, ['owner', 'eu-ops']])]])
      return [table.tableName, {live: {...made, replicaTags}, region: 'us-east-1', replicaRegions: ['eu-west-1']}]
    }))
    const config = await parseTerraform(renderExport('terraform', desired, {existing}))
    expect(config.resource.aws_dynamodb_table_replica.session_eu_west_1[0].tags)
    .to.deep.equal({owner: 'eu-ops', 'sentinel:table': 'sessions', team: 'security'})
    expect(config.resource.aws_dynamodb_table.session[0].tags).not.to.have.property('owner')
    const template = parseCloudFormation(renderExport('cloudformation', desired, {existing}))
    const [home, europe] = template.Resources.SessionTable.Properties.Replicas
    expect(europe.Tags).to.deep.include({Key: 'owner', Value: 'eu-ops'})
    expect(home.Tags).not.to.deep.include({Key: 'owner', Value: 'eu-ops'})
    // A replica tagged as another kind of table is refused like the table itself.
    const wrong = new Map([...existing].map(([name, table]) => [name, {
      ...table,
      live: {...table.live, replicaTags: new Map([['eu-west-1', new Map([['sentinel:table', 'approvals']])]])},
    }]))
    expect(() => renderExport('cloudformation', desired.slice(0, 1), {existing: wrong})).to.throw(
      SentinelError,
      'Table sentinel-sessions has its replica in eu-west-1 tagged sentinel:table=approvals, ' +
        'the template\'s sentinel:table=sessions',
    )
  })

  it('what the plan only notes (a tag with another value, TTL off) is carried or applied, not refused', async () => {
    const desired = tables()
    const existing = new Map(desired.map(table => [table.tableName, {
      live: madeBySentinel(table, {tags: new Map([['team', 'platform'], ['x', 'y']]), ttl: {status: 'DISABLED'}}),
      region: 'us-east-1',
    }]))
    const config = await parseTerraform(renderExport('terraform', desired, {existing}))
    const [rateLimit] = config.resource.aws_dynamodb_table.rate_limit
    // The marker the table lacks is added, and --tag team=security's value set (as apply does); x is kept.
    expect(rateLimit.tags).to.deep.equal({'sentinel:table': 'ratelimit', team: 'security', x: 'y'})
    expect(rateLimit.ttl).to.deep.equal([{attribute_name: 'TTL', enabled: true}]) // eslint-disable-line camelcase
    const template = parseCloudFormation(renderExport('cloudformation', desired, {existing}))
    expect(template.Resources.RateLimitTable.Properties.Tags).to.deep.equal([
      {Key: 'sentinel:table', Value: 'ratelimit'}, {Key: 'team', Value: 'security'}, {Key: 'x', Value: 'y'},
    ])
  })
})
