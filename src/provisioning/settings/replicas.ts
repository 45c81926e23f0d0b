/**
 * A global table's replicas and the stream they need (version 2019.11.21, eventual consistency): the
 * table's consistency mode is compared here; each replica is planned on its own (replica-plan.ts)
 * and added by the global-table service (global-table.ts). MRSC cannot change in place: drift.
 */
import type {TableSetting} from './setting.js'

export const replicas: TableSetting = {
  actions: [],
  calls: ['DescribeTable', 'UpdateTable'],
  compare(_desired, live, plan) {
    if (live.multiRegionConsistency !== 'STRONG') return
    plan.drift.push({
      remedy: 'A global table\'s consistency mode cannot change in place: make a table with eventual consistency ' +
        '(sentinel\'s --replica-region) under another name, copy the items over, and point Sentinel at it.',
      summary: 'Table is a multi-Region strongly consistent (MRSC) global table; MRSC does not support TTL, ' +
        'which Sentinel needs.',
      type: 'multi-region-strong',
    })
  },
  name: 'replicas',
  part: 'table',
}
