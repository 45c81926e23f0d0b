/**
 * The desired state of each table: its definition, its name and the operator's settings (KMS key,
 * tags, deletion protection, PITR, replicas), checked locally before anything reaches AWS. Plain data: the
 * planner, the IAM policies and the exports all read it.
 */
import {invalidInput} from '../errors.js'
import {SENTINEL_TAG_KEY, type TableDefinition} from './definitions.js'
import {type DesiredReplica, parseReplicas} from './replicas.js'
import {
  type KmsKeyRef, parseKmsKey, parseTags, validateTableName,
} from './validate.js'

export interface DesiredTable {
  definition: TableDefinition
  tableName: string
  /** A customer-managed key; undefined means the AWS-managed key for DynamoDB. */
  kmsKey?: KmsKeyRef
  /**
   * kmsKey as KMS DescribeKey describes it (set by the provisioning service when a table's key must
   * be compared or used): the key's ARN and state, or why it could not be described (the error's
   * code and suggestion, so a fix matches the cause).
   */
  resolvedKmsKey?: {arn: string; customKeyStoreId?: string; state?: string} | {
    code?: string; error: string; suggestion?: string
  }
  deletionProtection: boolean
  pitr: boolean
  /** User tags; the Sentinel marker tag is added by desiredTags(). */
  tags: ReadonlyMap<string, string>
  /** Replicas in other regions (a global table); none or undefined: a table in one region. */
  replicas?: readonly DesiredReplica[]
  /**
   * Set by the command, so that a drift fix prints commands that can be copied as they are: the AWS
   * CLI flags reaching the same place (--region, --profile, --endpoint-url; shell-quoted), the same
   * for `aws kms` (--region, --profile: the DynamoDB endpoint is not KMS's), and this run again
   * with the table's own name flag naming a new table; and the --profile alone (for another region).
   */
  suggest?: {awsCliArgs: string; kmsCliArgs?: string; newTableCommand?: string; profileCliArgs?: string}
}

/** A table a command works on, with where its name came from (a flag, an env var, the default). */
export interface TableChoice {
  definition: TableDefinition
  tableName: string
  /** "--table", "--session-table", "SENTINEL_SESSION_TABLE", "default"... for error messages. */
  source: string
}

/** The operator's settings, as given on the command line. */
export interface TableSettingsInput {
  kmsKey?: string
  tags?: readonly string[]
  deletionProtection: boolean
  pitr: boolean
  /** --replica-region, repeatable. */
  replicaRegions?: readonly string[]
  /** --replica-kms-key REGION=KEY, repeatable. */
  replicaKmsKeys?: readonly string[]
}

/** Table names are checked before anything else, even the region; one name never serves two kinds. */
export function validateChoices(choices: readonly TableChoice[]): TableChoice[] {
  const checked = choices.map(choice => ({...choice, tableName: validateTableName(choice.tableName, choice.source)}))
  for (const [index, choice] of checked.entries()) {
    const other = checked.slice(0, index).find(candidate => candidate.tableName === choice.tableName)
    if (other) {
      throw invalidInput(
        `Table name "${choice.tableName}" is given to both the ${other.definition.purpose} table (${other.source}) ` +
          `and the ${choice.definition.purpose} table (${choice.source}); each kind needs its own table.`,
        `Give the ${choice.definition.purpose} table another name with ${flagFor(choice)}.`,
      )
    }
  }

  return checked
}

function flagFor(choice: TableChoice): string {
  return choice.source.startsWith('--') ? choice.source : `--${choice.definition.nameFlag}`
}

/** Checks tags and the KMS key locally and builds each table's desired state. */
export function desiredTables(
  choices: readonly TableChoice[],
  settings: TableSettingsInput,
  region: string | undefined,
): DesiredTable[] {
  const tags = parseTags(settings.tags ?? [], SENTINEL_TAG_KEY)
  const kmsKey = settings.kmsKey === undefined ? undefined : parseKmsKey(settings.kmsKey, region)
  const replicas = parseReplicas({kmsKeys: settings.replicaKmsKeys, regions: settings.replicaRegions}, region, kmsKey)
  return choices.map(choice => ({
    definition: choice.definition,
    deletionProtection: settings.deletionProtection,
    kmsKey,
    pitr: settings.pitr,
    tableName: choice.tableName,
    tags,
    ...(replicas.length > 0 ? {replicas} : {}),
  }))
}

/** The user's tags plus the Sentinel marker tag. */
export function desiredTags(desired: DesiredTable): Map<string, string> {
  return new Map([...desired.tags, [SENTINEL_TAG_KEY, desired.definition.kind]])
}

export function describeEncryption(kmsKey: KmsKeyRef | undefined): string {
  if (!kmsKey) return 'the AWS-managed KMS key'
  return `customer-managed KMS key ${kmsKeyId(kmsKey)}`
}

/** The key as DynamoDB's KMSMasterKeyId takes it: key ID, key ARN, alias name or alias ARN. */
export function kmsKeyId(kmsKey: KmsKeyRef): string {
  switch (kmsKey.kind) {
  case 'alias': {
    return kmsKey.name
  }

  case 'key-id': {
    return kmsKey.id
  }

  default: {
    return kmsKey.arn
  }
  }
}
