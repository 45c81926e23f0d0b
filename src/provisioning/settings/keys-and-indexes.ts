/**
 * The key schema, the key attributes' types and the global secondary indexes: carried by CreateTable;
 * a missing index is added (one per UpdateTable); keys, types and projections cannot change in
 * place, so they are drift. Indexes and local indexes nobody asked for are left alone.
 */
import type {TableSetting} from './setting.js'

import {keyAttributes} from '../../tables/definitions.js'

function formatKeys(partitionKey?: string, sortKey?: string): string {
  return sortKey ? `(${partitionKey}, ${sortKey})` : `(${partitionKey ?? 'none'})`
}

export const keysAndIndexes: TableSetting = {
  actions: ['add-index'],
  calls: ['CreateTable', 'DescribeTable', 'UpdateTable'],
  compare(desired, live, plan) {
    const {definition} = desired
    if (live.partitionKey !== definition.partitionKey || live.sortKey !== undefined) {
      plan.drift.push({
        remedy: 'A key schema cannot change in place: create a new table with the right keys ' +
          (desired.suggest?.newTableCommand
            ? `(${desired.suggest.newTableCommand}, or another new name), `
            : `(rerun this command with the ${definition.purpose} table's name flag naming a new table), `) +
          'copy the items over, and point Sentinel at it.',
        summary: `Key schema is ${formatKeys(live.partitionKey, live.sortKey)}, ` +
          `Sentinel needs (${definition.partitionKey}) with no sort key.`,
        type: 'key-schema',
      })
    }

    for (const attribute of keyAttributes(definition)) {
      const type = live.attributeTypes[attribute]
      if (type && type !== 'S') {
        plan.drift.push({
          remedy: 'Attribute types cannot change while a key uses them: ' +
            `move the data to a new table whose ${attribute} is a string (S).`,
          summary: `Key attribute ${attribute} has type ${type}, Sentinel needs S.`,
          type: 'attribute-type',
        })
      }
    }

    for (const gsi of definition.indexes) {
      const found = live.indexes.find(candidate => candidate.name === gsi.name)
      if (!found) {
        plan.actions.push({
          index: gsi,
          summary: `Add index ${gsi.name} ${formatKeys(gsi.partitionKey, gsi.sortKey)}, projecting ALL`,
          type: 'add-index',
        })
        continue
      }

      if (found.partitionKey !== gsi.partitionKey || found.sortKey !== gsi.sortKey) {
        plan.drift.push({
          remedy: `An index's keys cannot change in place: delete index ${gsi.name} yourself ` +
            '(queries on it fail until it is back), then rerun to add it with the right keys.',
          summary: `Index ${gsi.name} has keys ${formatKeys(found.partitionKey, found.sortKey)}, ` +
            `Sentinel needs ${formatKeys(gsi.partitionKey, gsi.sortKey)}.`,
          type: 'index-keys',
        })
      }

      if (found.projectionType !== undefined && found.projectionType !== 'ALL') {
        plan.drift.push({
          remedy: `A projection cannot change in place: delete index ${gsi.name} yourself, ` +
            'then rerun to add it projecting ALL.',
          summary: `Index ${gsi.name} projects ${found.projectionType}, Sentinel needs ALL.`,
          type: 'index-projection',
        })
      }
    }

    const extra = live.indexes
    .filter(gsi => !definition.indexes.some(wanted => wanted.name === gsi.name))
    .map(gsi => gsi.name)
    if (extra.length > 0) plan.notices.push(`Index ${extra.join(', ')} is not in Sentinel's definition; left alone.`)
    if (live.localIndexes.length > 0) {
      const names = live.localIndexes.join(', ')
      plan.notices.push(`Local secondary index ${names} is not in Sentinel's definition; left alone.`)
    }
  },
  created({definition}) {
    const count = definition.indexes.length
    const indexNames = definition.indexes.map(gsi => gsi.name).join(', ')
    const indexSummary = count === 0 ? 'no indexes' : `${count} ${count === 1 ? 'index' : 'indexes'} (${indexNames})`
    return `key ${definition.partitionKey} (S), ${indexSummary}`
  },
  name: 'keys and indexes',
  part: 'table',
}
