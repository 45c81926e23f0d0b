/**
 * The four tables Sentinel runs on, exactly as the Sentinel server and its Lambda TVM use them.
 * Every key attribute is a string; every index projects ALL. These definitions are the one source
 * of truth: the planner, the IAM policies and the CloudFormation / Terraform exports derive from
 * them, so a new index or setting reaches all of them at once.
 */
export type TableKind = 'approvals' | 'breakglass' | 'ratelimit' | 'sessions'

/** An item-level DynamoDB action the Sentinel runtime (server, TVM, CLI) calls on a table. */
export type RuntimeAction = 'DeleteItem' | 'GetItem' | 'PutItem' | 'Query' | 'Scan' | 'UpdateItem'

export interface IndexDefinition {
  name: string
  partitionKey: string
  sortKey: string
}

export interface TableDefinition {
  kind: TableKind
  /** Used in IAM Sids (Sentinel<policyKind>TableProvisioning) and export resource names. */
  policyKind: 'Approval' | 'BreakGlass' | 'RateLimit' | 'Session'
  /** What the table holds, for help texts and reports. */
  purpose: string
  defaultTableName: string
  /** The env var the Lambda TVM reads the name from; the first one is what next steps print. */
  envVars: readonly string[]
  /** The flag init:all and init:status take for this table's name (the server's own spelling). */
  nameFlag: string
  /** Other spellings of nameFlag that Sentinel's own commands use. */
  nameFlagAliases: readonly string[]
  /** Where the Sentinel server / CLI takes the name, if anywhere. */
  serverFlag?: string
  partitionKey: string
  ttlAttribute: string
  indexes: readonly IndexDefinition[]
  /** What the runtime calls on the table (Go data layers); the server policy allows exactly these. */
  runtimeActions: readonly RuntimeAction[]
}

function index(name: string, partitionKey: string, sortKey: string): IndexDefinition {
  return {name, partitionKey, sortKey}
}

export const SESSIONS_TABLE: TableDefinition = {
  defaultTableName: 'sentinel-sessions',
  envVars: ['SENTINEL_SESSION_TABLE'],
  indexes: [
    index('gsi-user', 'user', 'created_at'),
    index('gsi-status', 'status', 'created_at'),
    index('gsi-profile', 'profile', 'created_at'),
    index('gsi-server-instance', 'server_instance_id', 'status'),
    // The server looks sessions up by device; the Go provisioner forgot this index.
    index('gsi-device-id', 'device_id', 'created_at'),
  ],
  kind: 'sessions',
  nameFlag: 'session-table',
  nameFlagAliases: [],
  partitionKey: 'id',
  policyKind: 'Session',
  purpose: 'server sessions',
  runtimeActions: ['GetItem', 'PutItem', 'UpdateItem', 'DeleteItem', 'Query', 'Scan'],
  serverFlag: '--session-table',
  ttlAttribute: 'ttl',
}

export const BREAKGLASS_TABLE: TableDefinition = {
  defaultTableName: 'sentinel-breakglass',
  envVars: ['SENTINEL_BREAKGLASS_TABLE'],
  indexes: [
    index('gsi-invoker', 'invoker', 'created_at'),
    index('gsi-status', 'status', 'created_at'),
    index('gsi-profile', 'profile', 'created_at'),
  ],
  kind: 'breakglass',
  nameFlag: 'breakglass-table',
  nameFlagAliases: [],
  partitionKey: 'id',
  policyKind: 'BreakGlass',
  purpose: 'break-glass events',
  runtimeActions: ['GetItem', 'PutItem', 'DeleteItem', 'Query'],
  serverFlag: '--breakglass-table',
  ttlAttribute: 'ttl',
}

export const APPROVALS_TABLE: TableDefinition = {
  defaultTableName: 'sentinel-requests',
  // The TVM reads SENTINEL_APPROVAL_TABLE; the Go provisioner printed SENTINEL_REQUEST_TABLE.
  envVars: ['SENTINEL_APPROVAL_TABLE', 'SENTINEL_REQUEST_TABLE'],
  indexes: [
    index('gsi-requester', 'requester', 'created_at'),
    index('gsi-status', 'status', 'created_at'),
    index('gsi-profile', 'profile', 'created_at'),
  ],
  kind: 'approvals',
  nameFlag: 'request-table',
  // Sentinel's bootstrap and status commands spell it --approval-table.
  nameFlagAliases: ['approval-table'],
  partitionKey: 'id',
  policyKind: 'Approval',
  purpose: 'approval requests',
  runtimeActions: ['GetItem', 'PutItem', 'DeleteItem', 'Query'],
  serverFlag: '--request-table',
  ttlAttribute: 'ttl',
}

/** The TVM's distributed rate limiter: items RL#<principal>, conditional UpdateItem only. */
export const RATE_LIMIT_TABLE: TableDefinition = {
  defaultTableName: 'sentinel-ratelimit',
  envVars: ['SENTINEL_RATE_LIMIT_TABLE'],
  indexes: [],
  kind: 'ratelimit',
  nameFlag: 'rate-limit-table',
  nameFlagAliases: [],
  partitionKey: 'PK',
  policyKind: 'RateLimit',
  purpose: 'rate limiter',
  runtimeActions: ['UpdateItem'],
  ttlAttribute: 'TTL',
}

export const ALL_TABLES: readonly TableDefinition[] = [
  SESSIONS_TABLE,
  BREAKGLASS_TABLE,
  APPROVALS_TABLE,
  RATE_LIMIT_TABLE,
]

/**
 * An index as DynamoDB's CreateTable and UpdateTable and CloudFormation's Table spell it (the same
 * shape in all three): said once, so the API calls and the template cannot disagree.
 */
export function indexSpec(gsi: IndexDefinition) {
  return {
    IndexName: gsi.name,
    KeySchema: [
      {AttributeName: gsi.partitionKey, KeyType: 'HASH' as const},
      {AttributeName: gsi.sortKey, KeyType: 'RANGE' as const},
    ],
    Projection: {ProjectionType: 'ALL' as const},
  }
}

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

/**
 * DynamoDB's limit of tags per resource. Tags AWS assigns itself (aws: prefix) do not count
 * toward it (Tagging resources in DynamoDB, "Tagging restrictions").
 */
export const MAX_TAGS_PER_RESOURCE = 50

/** Whether a tag counts toward MAX_TAGS_PER_RESOURCE: AWS-assigned aws: tags do not. */
export function countsTowardTagLimit(key: string): boolean {
  return !key.toLowerCase().startsWith('aws:')
}
