import {expect} from 'chai'

import {ALL_TABLES, APPROVALS_TABLE, BREAKGLASS_TABLE, keyAttributes, SESSIONS_TABLE} from '../../src/lib/tables.js'

const indexes = (definition: typeof SESSIONS_TABLE) => definition.indexes.map((gsi) => [gsi.name, gsi.partitionKey, gsi.sortKey])

describe('table definitions (SPEC)', () => {
  it('sessions: default name, env var and the five indexes including gsi-device-id', () => {
    expect(SESSIONS_TABLE.defaultTableName).to.equal('sentinel-sessions')
    expect(SESSIONS_TABLE.envVar).to.equal('SENTINEL_SESSION_TABLE')
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
    expect(BREAKGLASS_TABLE.envVar).to.equal('SENTINEL_BREAKGLASS_TABLE')
    expect(indexes(BREAKGLASS_TABLE)).to.deep.equal([
      ['gsi-invoker', 'invoker', 'created_at'],
      ['gsi-status', 'status', 'created_at'],
      ['gsi-profile', 'profile', 'created_at'],
    ])
    expect(APPROVALS_TABLE.defaultTableName).to.equal('sentinel-requests')
    expect(APPROVALS_TABLE.envVar).to.equal('SENTINEL_REQUEST_TABLE')
    expect(indexes(APPROVALS_TABLE)).to.deep.equal([
      ['gsi-requester', 'requester', 'created_at'],
      ['gsi-status', 'status', 'created_at'],
      ['gsi-profile', 'profile', 'created_at'],
    ])
  })

  it('every table: key id, TTL on ttl, Sid kinds', () => {
    expect(ALL_TABLES.map((table) => [table.partitionKey, table.ttlAttribute])).to.deep.equal([
      ['id', 'ttl'],
      ['id', 'ttl'],
      ['id', 'ttl'],
    ])
    expect(ALL_TABLES.map((table) => table.policyKind)).to.deep.equal(['Session', 'BreakGlass', 'Approval'])
  })

  it('keyAttributes lists each key attribute once', () => {
    expect(keyAttributes(SESSIONS_TABLE)).to.deep.equal(['id', 'user', 'created_at', 'status', 'profile', 'server_instance_id', 'device_id'])
  })
})
