/**
 * The desired state of each table, from the user's input: table names, tags, KMS key, and the
 * deletion-protection and PITR switches. Checked locally; shared by every command that reads tables.
 */
import {Flags, type Interfaces} from '@oclif/core'

import type {DesiredTable} from './plan.js'
import {SENTINEL_TAG_KEY, type TableDefinition} from './tables.js'
import {parseKmsKey, parseTags, validateTableName} from './validate.js'

export interface TableChoice {
  definition: TableDefinition
  tableName: string
}

/** What every table should look like, shared by the provisioning commands and init:status. */
export const tableSettingsFlags = {
  'kms-key': Flags.string({
    description: 'Customer-managed KMS key (key ID, key ARN, alias/NAME or alias ARN) to encrypt with; default: the AWS-managed key.',
    helpGroup: 'TABLE SETTINGS',
  }),
  tag: Flags.string({
    description: 'Tag to add, as key=value (repeatable). Tags are added, never removed or changed.',
    helpGroup: 'TABLE SETTINGS',
    multiple: true,
  }),
  'deletion-protection': Flags.boolean({
    allowNo: true,
    default: true,
    description: 'Turn deletion protection on (never turned off by sentinel).',
    helpGroup: 'TABLE SETTINGS',
  }),
  pitr: Flags.boolean({
    allowNo: true,
    default: true,
    description: 'Turn point-in-time recovery on (never turned off by sentinel).',
    helpGroup: 'TABLE SETTINGS',
  }),
}

/** Table names are checked before anything else, even the region. */
export function validateChoices(choices: TableChoice[]): TableChoice[] {
  return choices.map((choice) => ({...choice, tableName: validateTableName(choice.tableName)}))
}

/** Checks tags and the KMS key locally and builds each table's desired state. */
export function desiredTables(choices: TableChoice[], flags: TableSettings, region: string): DesiredTable[] {
  const tags = parseTags(flags.tag ?? [], SENTINEL_TAG_KEY)
  const kmsKey = flags['kms-key'] ? parseKmsKey(flags['kms-key'], region) : undefined
  return choices.map((choice) => ({
    definition: choice.definition,
    deletionProtection: flags['deletion-protection'],
    kmsKey,
    pitr: flags.pitr,
    tableName: choice.tableName,
    tags,
  }))
}

export type TableSettings = Interfaces.InferredFlags<typeof tableSettingsFlags>
