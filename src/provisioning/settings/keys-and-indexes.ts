/**
 * The key schema, the key attributes' types and the global secondary indexes: carried by CreateTable;
 * a missing index is added (one per UpdateTable); keys, types and projections cannot change in
 * place, so they are drift. Indexes and local indexes nobody asked for are left alone.
 */
import type {TableSetting} from './setting.js'

import {indexSpec, keyAttributes} from '../../tables/definitions.js'
import {
  type IndexSpec, keyAttribute, stringAttributes, type TableSpec,
} from '../../tables/table-spec.js'

function formatKeys(partitionKey?: string, sortKey?: string): string {
  return sortKey ? `(${partitionKey}, ${sortKey})` : `(${partitionKey ?? 'none'})`
}

/** What AWS::DynamoDB::Table and AWS::DynamoDB::GlobalTable spell alike. */
function cfnKeys(spec: TableSpec): Record<string, unknown> {
  return {
    AttributeDefinitions: spec.attributeDefinitions,
    KeySchema: spec.keySchema,
    ...(spec.indexes.length > 0 ? {GlobalSecondaryIndexes: spec.indexes.map(gsi => cfnIndex(gsi))} : {}),
  }
}

/**
 * An index as CloudFormation takes it: a maximum on-demand throughput of -1 (none, as DynamoDB
 * reports it) is left out, since CloudFormation's minimum is 1 and it compares templates, not the
 * live table.
 */
function cfnIndex(gsi: IndexSpec): IndexSpec {
  const {OnDemandThroughput: throughput, ...index} = gsi
  const limits = Object.fromEntries(Object.entries(throughput ?? {}).filter(([, value]) => value >= 1))
  return Object.keys(limits).length > 0 ? {...index, OnDemandThroughput: limits} : index
}

export const keysAndIndexes: TableSetting = {
  actions: ['add-index'],
  async apply(action, step) {
    if (action.type !== 'add-index') return
    const {index} = action
    await step.updateTable(action, {
      AttributeDefinitions: stringAttributes([index.partitionKey, index.sortKey]),
      GlobalSecondaryIndexUpdates: [{Create: indexSpec(index)}],
    })
  },
  calls: ['CreateTable', 'DescribeTable', 'UpdateTable'],
  cloudFormation: {globalTable: cfnKeys, table: cfnKeys},
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
  createTable: spec => ({
    AttributeDefinitions: spec.attributeDefinitions,
    GlobalSecondaryIndexes: spec.indexes.length === 0 ? undefined : spec.indexes,
    KeySchema: spec.keySchema,
  }),
  name: 'keys and indexes',
  part: 'table',
  terraform: {
    // hash_key / range_key rather than key_schema: key_schema exists only from provider 6.30 on.
    table: (spec, hcl) => [
      hcl.attribute('hash_key', keyAttribute(spec.keySchema, 'HASH')!),
      ...spec.attributeDefinitions.map(definition =>
        hcl.block('attribute', [
          hcl.attribute('name', definition.AttributeName),
          hcl.attribute('type', definition.AttributeType),
        ])),
      ...spec.indexes.map(gsi => {
        const rangeKey = keyAttribute(gsi.KeySchema, 'RANGE')
        const throughput = gsi.OnDemandThroughput
        return hcl.block('global_secondary_index', [
          hcl.attribute('name', gsi.IndexName),
          hcl.attribute('hash_key', keyAttribute(gsi.KeySchema, 'HASH')!),
          // An index someone added to an adopted table may have no sort key.
          rangeKey === undefined ? undefined : hcl.attribute('range_key', rangeKey),
          hcl.attribute('projection_type', gsi.Projection.ProjectionType),
          gsi.Projection.NonKeyAttributes
            ? hcl.attribute('non_key_attributes', gsi.Projection.NonKeyAttributes)
            : undefined,
          // An adopted index's maximum on-demand throughput, as live (-1: none); provider >= 5.100.0.
          throughput
            ? hcl.block('on_demand_throughput', [
              throughput.MaxReadRequestUnits === undefined
                ? undefined
                : hcl.attribute('max_read_request_units', throughput.MaxReadRequestUnits),
              throughput.MaxWriteRequestUnits === undefined
                ? undefined
                : hcl.attribute('max_write_request_units', throughput.MaxWriteRequestUnits),
            ])
            : undefined,
        ])
      }),
    ],
  },
}
