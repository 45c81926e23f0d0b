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
