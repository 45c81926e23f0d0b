import {expect} from 'chai'

import {
  ALL_TABLES,
  APPROVALS_TABLE,
  BREAKGLASS_TABLE,
  keyAttributes,
  RATE_LIMIT_TABLE,
  SESSIONS_TABLE,
} from '../../src/tables/definitions.js'

const indexes = (definition: typeof SESSIONS_TABLE) =>
  definition.indexes.map(gsi => [gsi.name, gsi.partitionKey, gsi.sortKey])

describe('table definitions (SPEC)', () => {
  it('sessions: default name, env var and the five indexes including gsi-device-id', () => {
    expect(SESSIONS_TABLE.defaultTableName).to.equal('sentinel-sessions')
    expect(SESSIONS_TABLE.envVars).to.deep.equal(['SENTINEL_SESSION_TABLE'])
    expect(SESSIONS_TABLE.serverFlag).to.equal('--session-table')
    expect(indexes(SESSIONS_TABLE)).to.deep.equal([
      ['gsi-user', 'user', 'created_at'],
      ['gsi-status', 'status', 'created_at'],
      ['gsi-profile', 'profile', 'created_at'],
      ['gsi-server-instance', 'server_instance_id', 'status'],
      ['gsi-device-id', 'device_id', 'created_at'],
    ])
  })

  it('breakglass and approvals', () => {
    expect(BREAKGLASS_TABLE.defaultTableName).to.equal('sentinel-breakglass')
    expect(BREAKGLASS_TABLE.envVars).to.deep.equal(['SENTINEL_BREAKGLASS_TABLE'])
    expect(indexes(BREAKGLASS_TABLE)).to.deep.equal([
      ['gsi-invoker', 'invoker', 'created_at'],
      ['gsi-status', 'status', 'created_at'],
      ['gsi-profile', 'profile', 'created_at'],
    ])
    expect(APPROVALS_TABLE.defaultTableName).to.equal('sentinel-requests')
    // The TVM reads SENTINEL_APPROVAL_TABLE; SENTINEL_REQUEST_TABLE is the Go provisioner's old name.
    expect(APPROVALS_TABLE.envVars).to.deep.equal(['SENTINEL_APPROVAL_TABLE', 'SENTINEL_REQUEST_TABLE'])
    expect(APPROVALS_TABLE.nameFlagAliases).to.deep.equal(['approval-table'])
    expect(indexes(APPROVALS_TABLE)).to.deep.equal([
      ['gsi-requester', 'requester', 'created_at'],
      ['gsi-status', 'status', 'created_at'],
      ['gsi-profile', 'profile', 'created_at'],
    ])
  })

  it('rate limit: key PK, TTL on TTL (upper case), no indexes, UpdateItem only', () => {
    expect(RATE_LIMIT_TABLE.defaultTableName).to.equal('sentinel-ratelimit')
    expect(RATE_LIMIT_TABLE.envVars).to.deep.equal(['SENTINEL_RATE_LIMIT_TABLE'])
    expect([RATE_LIMIT_TABLE.partitionKey, RATE_LIMIT_TABLE.ttlAttribute]).to.deep.equal(['PK', 'TTL'])
    expect(RATE_LIMIT_TABLE.indexes).to.deep.equal([])
    expect(RATE_LIMIT_TABLE.runtimeActions).to.deep.equal(['UpdateItem'])
  })

  it('every table: its own key and TTL attribute, Sid kinds, init:all flag names', () => {
    expect(ALL_TABLES.map(table => [table.partitionKey, table.ttlAttribute])).to.deep.equal([
      ['id', 'ttl'],
      ['id', 'ttl'],
      ['id', 'ttl'],
      ['PK', 'TTL'],
    ])
    expect(ALL_TABLES.map(table => table.policyKind)).to.deep.equal(['Session', 'BreakGlass', 'Approval', 'RateLimit'])
    expect(ALL_TABLES.map(table => table.nameFlag))
    .to.deep.equal(['session-table', 'breakglass-table', 'request-table', 'rate-limit-table'])
  })

  it('keyAttributes lists each key attribute once', () => {
    expect(keyAttributes(SESSIONS_TABLE))
    .to.deep.equal(['id', 'user', 'created_at', 'status', 'profile', 'server_instance_id', 'device_id'])
  })
})
