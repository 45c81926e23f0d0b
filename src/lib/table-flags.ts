/** Flags that name tables: --table on a table command; one flag per table on init:all/status. */
import {Flags} from '@oclif/core'

import {ALL_TABLES, APPROVALS_TABLE, BREAKGLASS_TABLE, SESSIONS_TABLE, type TableDefinition} from './tables.js'

export function tableFlag(definition: TableDefinition) {
  return {
    table: Flags.string({
      default: definition.defaultTableName,
      description: "Table name (3-255 of A-Z a-z 0-9 _ . -).",
      env: definition.envVar,
    }),
  }
}

function namedTableFlag(definition: TableDefinition) {
  return Flags.string({
    default: definition.defaultTableName,
    description: `Name of the ${definition.purpose} table.`,
    env: definition.envVar,
    helpGroup: 'TABLES',
  })
}

/** The same names the Sentinel server takes (--session-table, --breakglass-table, --request-table). */
export const allTableFlags = {
  'session-table': namedTableFlag(SESSIONS_TABLE),
  'breakglass-table': namedTableFlag(BREAKGLASS_TABLE),
  'request-table': namedTableFlag(APPROVALS_TABLE),
}

export function tablesFromFlags(flags: Record<string, unknown>): {definition: TableDefinition; tableName: string}[] {
  return ALL_TABLES.map((definition) => ({definition, tableName: String(flags[definition.serverFlag.slice(2)])}))
}

/** A table command's help description, from its definition, so texts and tables never disagree. */
export function tableCommandDescription(definition: TableDefinition): string {
  const indexes = definition.indexes.map((gsi) => gsi.name).join(', ')
  return `Creates the ${definition.purpose} table (key ${definition.partitionKey}; indexes ${indexes}; TTL on ${definition.ttlAttribute}; on-demand billing; KMS encryption; deletion protection; point-in-time recovery), or brings an existing one to that definition in place. Reads the live table first, shows the plan and asks before changing anything. Never deletes or replaces anything: drift it cannot fix in place is reported.

The Sentinel server finds the table through ${definition.envVar} (or ${definition.serverFlag} on sentinel exec --server).`
}
