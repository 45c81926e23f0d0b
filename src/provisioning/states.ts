/**
 * States AWS can report that no wait will see end: what each means and what a human must do.
 * Table states from DescribeTable's TableStatus; replica states from Replicas[].ReplicaStatus
 * (DynamoDB API reference, TableDescription and ReplicaDescription). A wait that sees one fails at
 * once with these words instead of polling until --wait-timeout.
 */
import type {TableDescription} from '@aws-sdk/client-dynamodb'

export interface StateMeaning {
  /** What the state means, as a clause: "DynamoDB cannot use the table's KMS key ...". */
  meaning: string
  /** What to do, as a sentence. */
  remedy: string
}

const KEY_INACCESSIBLE: StateMeaning = {
  meaning: 'DynamoDB cannot use its KMS key (the key is disabled, pending deletion, or its key policy or ' +
    'grant no longer lets DynamoDB use it); reads and writes fail, and after seven days AWS archives it',
  remedy: 'Enable the key or give DynamoDB access to it again (key policy, grants); it returns to ACTIVE ' +
    'within minutes. Then rerun.',
}

/** Table states that never end in ACTIVE on their own. */
export const FAILED_TABLE_STATES: Readonly<Record<string, StateMeaning>> = {
  ARCHIVED: {
    meaning: 'AWS archived it because its KMS key was inaccessible for more than seven days; ' +
      'its data is kept only in the backup AWS made when archiving',
    remedy: 'Give DynamoDB access to the key again, then restore the table from that backup ' +
      '(aws dynamodb restore-table-from-backup); then rerun.',
  },
  ARCHIVING: {
    meaning: 'AWS is archiving it because its KMS key has been inaccessible for more than seven days',
    remedy: 'Give DynamoDB access to the key again; once archived, restore the table from the backup AWS ' +
      'makes (aws dynamodb restore-table-from-backup). Then rerun.',
  },
  INACCESSIBLE_ENCRYPTION_CREDENTIALS: KEY_INACCESSIBLE,
}

/** Replica states that never end in ACTIVE on their own (global tables). */
export const FAILED_REPLICA_STATES: Readonly<Record<string, StateMeaning>> = {
  ARCHIVED: FAILED_TABLE_STATES.ARCHIVED,
  ARCHIVING: FAILED_TABLE_STATES.ARCHIVING,
  CREATION_FAILED: {
    meaning: 'AWS could not create it',
    remedy: 'See the replica in the DynamoDB console for the reason (often its region\'s KMS key or quotas), ' +
      'fix it, remove the failed replica yourself, then rerun.',
  },
  INACCESSIBLE_ENCRYPTION_CREDENTIALS: KEY_INACCESSIBLE,
  REGION_DISABLED: {
    meaning: 'its region is disabled for this account, so it cannot be reached; if the region stays disabled ' +
      'for more than 20 hours AWS removes the replica',
    remedy: 'Enable the region for the account (AWS account settings, Regions), then rerun.',
  },
  REPLICATION_NOT_AUTHORIZED: {
    meaning: 'DynamoDB is not allowed to replicate to it (the service-linked role ' +
      'AWSServiceRoleForDynamoDBReplication lacks access, or a service control policy denies it)',
    remedy: 'Restore the role\'s permissions or lift the denial in that region, then rerun.',
  },
}

/** Replica states that need a human: the ones no wait sees end (above), and a replica being removed. */
export const REPLICA_NEEDS_A_HUMAN: Readonly<Record<string, StateMeaning>> = {
  ...FAILED_REPLICA_STATES,
  DELETING: {
    meaning: 'someone is removing it (its data goes with it)',
    remedy: 'Wait until it is gone, then rerun to add it again.',
  },
}

export interface FailedState extends StateMeaning {
  /** "table sentinel-sessions" or "replica in eu-west-1". */
  subject: string
  state: string
}

/** The first state in a DescribeTable answer that no wait will see end, if any. */
export function failedState(table: TableDescription): FailedState | undefined {
  const status = table.TableStatus ?? ''
  if (Object.hasOwn(FAILED_TABLE_STATES, status)) {
    return {...FAILED_TABLE_STATES[status], state: status, subject: `table ${table.TableName}`}
  }

  for (const replica of table.Replicas ?? []) {
    const replicaStatus = replica.ReplicaStatus ?? ''
    if (Object.hasOwn(FAILED_REPLICA_STATES, replicaStatus)) {
      const subject = `replica of ${table.TableName} in ${replica.RegionName}`
      return {...FAILED_REPLICA_STATES[replicaStatus], state: replicaStatus, subject}
    }
  }

  return undefined
}

/** "Table x is INACCESSIBLE_ENCRYPTION_CREDENTIALS: DynamoDB cannot use ...." */
export function describeFailedState(failed: FailedState): string {
  const subject = failed.subject.charAt(0).toUpperCase() + failed.subject.slice(1)
  return `${subject} is ${failed.state}: ${failed.meaning}.`
}

/**
 * KMS key states (DescribeKey KeyMetadata.KeyState) other than Enabled, for the key --kms-key names:
 * DynamoDB can use only an Enabled key, and a table on a key it cannot use becomes
 * INACCESSIBLE_ENCRYPTION_CREDENTIALS, then is archived after seven days (AWS KMS Developer Guide,
 * "Key states of AWS KMS keys"; DynamoDB Developer Guide, "Inaccessible KMS key").
 */
export const KEY_STATES: Readonly<Record<string, {meaning: string}>> = {
  Creating: {meaning: 'KMS is still making this multi-Region replica key; it cannot be used until it is Enabled'},
  Disabled: {
    meaning: 'DynamoDB cannot use a disabled key; a table on it becomes unreadable within minutes ' +
      '(INACCESSIBLE_ENCRYPTION_CREDENTIALS), and is archived after seven days',
  },
  PendingDeletion: {
    meaning: 'the key is scheduled for deletion; DynamoDB cannot use it now, and once it is deleted every table ' +
      'on it is unreadable for good',
  },
  PendingImport: {
    meaning: 'the key has no key material (it was never imported, or was deleted or expired), ' +
      'so DynamoDB cannot use it',
  },
  PendingReplicaDeletion: {
    meaning: 'this multi-Region key is scheduled for deletion and waits for its replica keys to go; DynamoDB ' +
      'cannot use it, and once it is deleted every table on it is unreadable for good',
  },
  Unavailable: {
    meaning: 'its custom key store is disconnected, so DynamoDB cannot use it until the store is connected again',
  },
  Updating: {meaning: 'KMS is changing this multi-Region key\'s primary Region; wait until it is Enabled again'},
}

/** The AWS CLI commands that bring a key back to Enabled, copyable as printed; `where` is --region (--profile). */
export function keyStateFix(
  state: string,
  key: {arn: string; customKeyStoreId?: string; where: string},
  // The flag that could name another key; '' for a replica (sentinel never changes a replica's key).
  flag = '--kms-key',
): string {
  const kms = (command: string, ...args: string[]) =>
    ['aws', 'kms', command, ...args, ...(key.where ? [key.where] : [])].join(' ')
  const enable = kms('enable-key', '--key-id', key.arn)
  switch (state) {
  case 'Disabled': {
    return `Enable the key (${enable}), then rerun.`
  }

  case 'PendingDeletion':
  case 'PendingReplicaDeletion': {
    // CancelKeyDeletion leaves the key Disabled: it must be enabled too.
    return `Cancel the deletion and enable the key (${kms('cancel-key-deletion', '--key-id', key.arn)} && ` +
      `${enable}), then rerun.`
  }

  case 'PendingImport': {
    const wrapping = ['--wrapping-algorithm', 'RSAES_OAEP_SHA_256', '--wrapping-key-spec', 'RSA_2048']
    const parameters = kms('get-parameters-for-import', '--key-id', key.arn, ...wrapping)
    return `Import the key material again: ${parameters} gives a public key and an import token; wrap the ` +
      'same key material with that public key and import it with aws kms import-key-material; then rerun.'
  }

  case 'Unavailable': {
    // Every key in a custom key store names it; the listing is the fallback should one not.
    const store = key.customKeyStoreId
      ? kms('connect-custom-key-store', '--custom-key-store-id', key.customKeyStoreId)
      : kms('describe-custom-key-stores')
    return `Connect its custom key store again (${store}), then rerun.`
  }

  default: {
    return `Wait until the key is Enabled (${kms('describe-key', '--key-id', key.arn)} shows its KeyState), ` +
      `then rerun${flag ? `; or pass ${flag} naming an Enabled key` : ''}.`
  }
  }
}
