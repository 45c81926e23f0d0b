/**
 * A global table's replicas and the stream they need (version 2019.11.21, eventual consistency): the
 * table's consistency mode is compared here; each replica is planned on its own (replica-plan.ts)
 * and added by the global-table service (global-table.ts). MRSC cannot change in place: drift.
 */
import type {TableSetting} from './setting.js'

export const replicas: TableSetting = {
  actions: [],
  calls: ['DescribeTable', 'UpdateTable'],
  cloudFormation: {
    globalTable: spec => ({
      // Eventual consistency: strong consistency (MRSC) does not support TTL, which Sentinel needs.
      MultiRegionConsistency: 'EVENTUAL',
      ...(spec.stream ? {StreamSpecification: {StreamViewType: spec.stream.viewType}} : {}),
    }),
    // A stream someone turned on, on a table in one region that --import-existing adopts.
    table: spec => (spec.stream ? {StreamSpecification: {StreamViewType: spec.stream.viewType}} : {}),
  },
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
  terraform: {
    // A global table's stream, as AWS turns it on with the first replica, or one an adopted table has:
    // declared, so no perpetual diff and nothing turned off.
    table: (spec, hcl) => (spec.stream
      ? [hcl.attribute('stream_enabled', true), hcl.attribute('stream_view_type', spec.stream.viewType)]
      : []),
  },
}
