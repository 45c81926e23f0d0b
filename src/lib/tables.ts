/**
 * The three tables Sentinel runs on, exactly as the Sentinel server queries them.
 * Every key attribute is a string; every index projects ALL; TTL lives on `ttl`.
 */
export type TableKind = 'approvals' | 'breakglass' | 'sessions'

export interface IndexDefinition {
  name: string
  partitionKey: string
  sortKey: string
}

export interface TableDefinition {
  kind: TableKind
  /** Used in IAM Sids: Sentinel<policyKind>TableProvisioning. */
  policyKind: 'Approval' | 'BreakGlass' | 'Session'
  /** What the table holds, for help texts and reports. */
  purpose: string
  defaultTableName: string
  /** Where the Sentinel server reads the table name from. */
  envVar: string
  serverFlag: string
  partitionKey: string
  ttlAttribute: string
  indexes: readonly IndexDefinition[]
}

const PARTITION_KEY = 'id'
const TTL_ATTRIBUTE = 'ttl'

function index(name: string, partitionKey: string, sortKey: string): IndexDefinition {
  return {name, partitionKey, sortKey}
}

export const SESSIONS_TABLE: TableDefinition = {
  kind: 'sessions',
  policyKind: 'Session',
  purpose: 'server sessions',
  defaultTableName: 'sentinel-sessions',
  envVar: 'SENTINEL_SESSION_TABLE',
  serverFlag: '--session-table',
  partitionKey: PARTITION_KEY,
  ttlAttribute: TTL_ATTRIBUTE,
  indexes: [
    index('gsi-user', 'user', 'created_at'),
    index('gsi-status', 'status', 'created_at'),
    index('gsi-profile', 'profile', 'created_at'),
    index('gsi-server-instance', 'server_instance_id', 'status'),
    // The server looks sessions up by device; the Go provisioner forgot this index.
    index('gsi-device-id', 'device_id', 'created_at'),
  ],
}

export const BREAKGLASS_TABLE: TableDefinition = {
  kind: 'breakglass',
  policyKind: 'BreakGlass',
  purpose: 'break-glass events',
  defaultTableName: 'sentinel-breakglass',
  envVar: 'SENTINEL_BREAKGLASS_TABLE',
  serverFlag: '--breakglass-table',
  partitionKey: PARTITION_KEY,
  ttlAttribute: TTL_ATTRIBUTE,
  indexes: [
    index('gsi-invoker', 'invoker', 'created_at'),
    index('gsi-status', 'status', 'created_at'),
    index('gsi-profile', 'profile', 'created_at'),
  ],
}

export const APPROVALS_TABLE: TableDefinition = {
  kind: 'approvals',
  policyKind: 'Approval',
  purpose: 'approval requests',
  defaultTableName: 'sentinel-requests',
  envVar: 'SENTINEL_REQUEST_TABLE',
  serverFlag: '--request-table',
  partitionKey: PARTITION_KEY,
  ttlAttribute: TTL_ATTRIBUTE,
  indexes: [
    index('gsi-requester', 'requester', 'created_at'),
    index('gsi-status', 'status', 'created_at'),
    index('gsi-profile', 'profile', 'created_at'),
  ],
}

export const ALL_TABLES: readonly TableDefinition[] = [SESSIONS_TABLE, BREAKGLASS_TABLE, APPROVALS_TABLE]

/** Every attribute that appears in a key of the table or of an index, all of type S. */
export function keyAttributes(definition: TableDefinition): string[] {
  const names = new Set([definition.partitionKey])
  for (const gsi of definition.indexes) {
    names.add(gsi.partitionKey)
    names.add(gsi.sortKey)
  }

  return [...names]
}

/** The tag that marks a table as Sentinel's and says which kind it is. */
export const SENTINEL_TAG_KEY = 'sentinel:table'
