/**
 * What both exports derive from a table's definition: the names of its parameter / variable,
 * resource and outputs. Kept in one place so the CloudFormation and Terraform documents can never
 * disagree about what a table is called (what it holds is its TableSpec, tables/table-spec.ts).
 */
import type {TableDefinition} from '../tables/definitions.js'

/** Tables that already exist: table name -> what the live account says about it. */
export type ExistingTables = ReadonlyMap<string, {
  arn?: string
  /** The region the table was read in (its own), and the regions of its replicas. */
  region?: string
  replicaRegions?: readonly string[]
  /** What the table holds that the template must keep, or refuse over (adopt.ts); absent: not read. */
  live?: LiveFacts
}>

/**
 * A live table as the plan reads it (DescribeTable, DescribeTimeToLive, ListTagsOfResource),
 * normalised: what an export adopting the table compares with its template. The provisioning
 * layer's LiveTable has this shape, so the plan and the export read the same facts.
 */
export interface LiveFacts {
  partitionKey?: string
  sortKey?: string
  /** Attribute name -> type (S, N, B), for every key attribute of the table and its indexes. */
  attributeTypes: Readonly<Record<string, string>>
  indexes: readonly {
    name: string
    partitionKey?: string
    sortKey?: string
    projectionType?: string
    nonKeyAttributes?: readonly string[]
    onDemandThroughput?: {maxReadRequestUnits?: number; maxWriteRequestUnits?: number}
    /** The index's on-demand caps, only those set (a positive number). */
    onDemandCap?: {maxRead?: number; maxWrite?: number}
  }[]
  localIndexes: readonly string[]
  /** The table's on-demand caps, only those set (a positive number). */
  onDemandCap?: {maxRead?: number; maxWrite?: number}
  billingMode: string
  ttl: {attribute?: string; status: string}
  /** The table's tags; a string when they were not read or the endpoint has no tagging. */
  tags: ReadonlyMap<string, string> | string
  multiRegionConsistency?: string
  /** The table's stream, if one is on. */
  stream?: {viewType?: string}
  /** The tags of each replica the template names that exists (region -> tags), read in its region. */
  replicaTags?: ReadonlyMap<string, ReadonlyMap<string, string> | string>
}

export interface ExportNames {
  /** CloudFormation logical IDs: SessionTable, SessionTableName (parameter and output), SessionTableArn. */
  cfnResource: string
  cfnNameParameter: string
  cfnNameOutput: string
  cfnArnOutput: string
  /** Terraform: aws_dynamodb_table.session, var.session_table_name, output session_table_arn... */
  tfResource: string
  tfNameVariable: string
  tfNameOutput: string
  tfArnOutput: string
}

/** Names come from policyKind (Session, BreakGlass, Approval, RateLimit), like the IAM Sids. */
export function exportNames(definition: TableDefinition): ExportNames {
  const pascal = definition.policyKind
  const snake = pascal.replaceAll(/(?<=[a-z\d])(?=[A-Z])/g, '_').toLowerCase()
  return {
    cfnArnOutput: `${pascal}TableArn`,
    cfnNameOutput: `${pascal}TableName`,
    cfnNameParameter: `${pascal}TableName`,
    cfnResource: `${pascal}Table`,
    tfArnOutput: `${snake}_table_arn`,
    tfNameOutput: `${snake}_table_name`,
    tfNameVariable: `${snake}_table_name`,
    tfResource: snake,
  }
}

/** The env var the Lambda TVM reads the table's name from (the first one the definition lists). */
export function runtimeEnvVar(definition: TableDefinition): string {
  return definition.envVars[0]
}

/** "SENTINEL_SESSION_TABLE (Lambda TVM) and --session-table (sentinel exec --server)". */
export function whereSentinelReadsIt(definition: TableDefinition): string {
  const server = definition.serverFlag ? ` and ${definition.serverFlag} (Sentinel server and CLI)` : ''
  return `${runtimeEnvVar(definition)} (Lambda TVM)${server}`
}
