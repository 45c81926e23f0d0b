/**
 * A table setting, behind one interface: how it is compared with the live table (the actions, drift,
 * notices and endpoint gaps it adds to a plan), what a new table or replica needs for it, how
 * `init status` shows it, which live part is read for it and which DynamoDB calls it makes (the IAM
 * policies are derived from them). The planner, the status report and the policies iterate the
 * settings (index.ts); a new setting is one module here, its flag and its tests (CONTRIBUTING.md).
 */
import type {
  CreateReplicationGroupMemberAction, CreateTableCommandInput, UpdateTableCommandInput,
} from '@aws-sdk/client-dynamodb'

import type {DynamoAction, DynamoDbPort} from '../../aws/dynamodb-port.js'
import type {DesiredTable} from '../../tables/desired.js'
import type {Encryption, ReplicaSpec, TableSpec} from '../../tables/table-spec.js'
import type {Call} from '../fault-policy.js'
import type {LivePart, LiveTable} from '../live-table.js'
import type {Action, TablePlan} from '../plan.js'

import {UNREAD, UNSUPPORTED} from '../live-table.js'

/** The fields of `init status`'s state (the --json result's `state`) that a setting fills. */
export type StateField = 'billingMode' | 'deletionProtection' | 'encryption' | 'pitr' | 'ttl'

/** What a replica holds of its own, as a GlobalTable's Replicas entry writes it (the table's own region too). */
export type ReplicaSettings = Omit<ReplicaSpec, 'region'>

/** How the Terraform export lets a setting write HCL (export/hcl.ts behind it; `Item` is its body item). */
export interface HclWriter<Item> {
  attribute(name: string, value: unknown): Item
  block(type: string, body: readonly (Item | undefined)[]): Item
  /** kms_key_arn for a customer key (in a replica's region): its ARN, or an aws_kms_key data source's. */
  kmsKeyArn(encryption: Encryption, region?: string): Item | undefined
}

/** An operation an emulator may lack (DynamoDB Local has no PITR or tagging). */
export type OptionalOperation = 'TagResource' | 'UpdateContinuousBackups' | 'UpdateTimeToLive'

/** What a setting's apply may do to one table: the table apply's own steps (table-apply.ts). */
export interface ApplyStep {
  readonly desired: DesiredTable
  /** The table's one description, as CreateTable and the exports write it. */
  readonly spec: TableSpec
  readonly port: DynamoDbPort
  /** UpdateTable with this change: sent once, re-planned while AWS says the table is busy, then waited for. */
  updateTable(action: Action, input: Omit<UpdateTableCommandInput, 'TableName'>): Promise<void>
  /**
   * A call the endpoint may lack: skipped when it does (the final plan says so once), retried while
   * a table just created is not visible yet. Whether it was made.
   */
  optional(action: Action, operation: OptionalOperation, send: () => Promise<unknown>): Promise<boolean>
  /** The table's ARN, as last read (or asked). */
  tableArn(): Promise<string>
  /** Tags written, which ListTagsOfResource may not show for a while: read again, never written again. */
  wroteTags(tags: ReadonlyMap<string, string>): void
  /** Something the operator should know about what apply found (another process's change...). */
  notice(text: string): void
  /** Progress within the step, for the operator (a poll, a wait). */
  progress(message: string): void
  /** The operation, riding out the faults the policy rides for this call (fault-policy.ts, FAULTS). */
  ride<T>(call: Call, operation: () => Promise<T>, onFault?: () => void): Promise<T>
}

export interface TableSetting {
  /** What it is, in the words of the README. */
  readonly name: string
  /**
   * AWS keeps it per replica (it copies it to none): compared and set in each replica's own region,
   * and a new replica starts without it. Otherwise it is the table's, one for every replica.
   */
  readonly perRegion?: boolean
  /** Its words in the create-table action's summary: CreateTable carries it, so a new table has it. */
  created?(desired: DesiredTable): string
  /**
   * The actions that give it to a table or replica that has none of it: after CreateTable when
   * CreateTable cannot carry it (no `created`), and on a new replica when it is per region.
   */
  initial?(desired: DesiredTable): Action[]
  /** A table about to be created: what would make the creation wrong (drift). */
  checkNew?(desired: DesiredTable, plan: TablePlan): void
  /** Compares the desired table with the live one: actions, drift, notices, endpoint gaps. */
  compare(desired: DesiredTable, live: LiveTable, plan: TablePlan): void
  /** The action types it plans; each is applied by the setting (apply). */
  readonly actions: readonly Action['type'][]
  /** Carries out one of its actions on the table (through the DynamoDB port, ApplyStep's steps). */
  apply?(action: Action, step: ApplyStep): Promise<void>
  /** The part of the live table its actions change, read again after them (live-table.ts). */
  readonly part: LivePart
  /**
   * With a part of its own (a call besides DescribeTable): whether a read makes that call, for this
   * desired table; `full` when everything is read (init status, an export adopting live tables).
   */
  read?(desired: DesiredTable, full: boolean): boolean
  /** Its part of `init status`'s state line, in `position` order, and of the --json `state`. */
  readonly state?: {field: StateField; label: string; position: number; text(live: LiveTable): string}
  /** Its part of the CreateTable input (what CreateTable cannot carry is an action of its own, `initial`). */
  createTable?(spec: TableSpec): Partial<CreateTableCommandInput>
  /** Its part of a new replica's UpdateTable ReplicaUpdates Create (what a replica takes when added). */
  replicaCreate?(replica: ReplicaSpec): Partial<CreateReplicationGroupMemberAction>
  /**
   * Its CloudFormation properties: of an AWS::DynamoDB::Table; of an AWS::DynamoDB::GlobalTable, once
   * for every replica; and of each entry of its Replicas (what each replica holds of its own).
   */
  readonly cloudFormation?: {
    globalTable?(spec: TableSpec): Record<string, unknown>
    replica?(replica: ReplicaSettings): Record<string, unknown>
    table?(spec: TableSpec): Record<string, unknown>
  }
  /** Its Terraform: in the aws_dynamodb_table, and in each aws_dynamodb_table_replica. */
  readonly terraform?: {
    replica?<Item>(replica: ReplicaSpec, hcl: HclWriter<Item>): (Item | undefined)[]
    table?<Item>(spec: TableSpec, hcl: HclWriter<Item>): (Item | undefined)[]
  }
  /** The DynamoDB calls reading and applying it make: the provisioner policy is derived from them. */
  readonly calls: readonly DynamoAction[]
  /**
   * Its calls are allowed in every replica's region though it is the table's: AWS checks TTL's
   * permission in each region with a replica ("Using IAM with global tables").
   */
  readonly everyRegion?: boolean
}

/** A live value as `init status` shows it: what the endpoint lacks, or what was not read, said so. */
export function stateText(value: string): string {
  return value === UNSUPPORTED ? 'not supported by endpoint' : (value === UNREAD ? 'not read' : value)
}

/**
 * An AWS CLI command for this table, with the run's region, profile and endpoint (quoted by the
 * command): copyable as printed. Table names and ARNs need no quoting ([A-Za-z0-9_.:/-]).
 */
export function awsDynamodb(
  desired: DesiredTable,
  command: string,
  args: readonly string[],
  last: string[] = [],
): string {
  const where = desired.suggest?.awsCliArgs
  return ['aws', 'dynamodb', command, ...args, ...(where ? [where] : []), ...last].join(' ')
}
