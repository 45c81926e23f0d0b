/**
 * On-demand billing (PAY_PER_REQUEST), with no OnDemandThroughput cap on the table or an index:
 * carried by CreateTable. Another billing mode or a cap is reported, never switched or lifted: both
 * are spending decisions someone made on purpose.
 */
import type {LiveTable, OnDemandCap} from '../live-table.js'
import type {TablePlan} from '../plan.js'

import {type DesiredTable} from '../../tables/desired.js'
import {awsDynamodb, type TableSetting} from './setting.js'

export const billing: TableSetting = {
  actions: [],
  calls: ['CreateTable', 'DescribeTable'],
  cloudFormation: {
    globalTable: spec => ({BillingMode: spec.billingMode}),
    table: spec => ({BillingMode: spec.billingMode}),
  },
  compare(desired, live, plan) {
    if (live.billingMode !== 'PAY_PER_REQUEST') {
      const onDemand = ['--table-name', desired.tableName, '--billing-mode', 'PAY_PER_REQUEST']
      plan.drift.push({
        remedy: `Switch the table to on-demand yourself (${awsDynamodb(desired, 'update-table', onDemand)}) ` +
          'once you have checked the cost, then rerun.',
        summary: `Billing mode is ${live.billingMode}, Sentinel's tables are on-demand (PAY_PER_REQUEST).`,
        type: 'billing-mode',
      })
    }

    planOnDemandCaps(desired, live, plan)
  },
  created: () => 'on-demand billing',
  createTable: spec => ({BillingMode: spec.billingMode}),
  name: 'billing',
  part: 'table',
  state: {
    field: 'billingMode', label: 'billing', position: 5, text: live => live.billingMode,
  },
  terraform: {table: (spec, hcl) => [hcl.attribute('billing_mode', spec.billingMode)]},
}

/**
 * OnDemandThroughput caps on the table or an index: nobody asked Sentinel for them, and a low cap
 * throttles the TVM. Reported, not lifted: a cap is a spending limit someone set on purpose, and
 * lifting it is theirs to decide, as switching billing mode is.
 */
function planOnDemandCaps(desired: DesiredTable, live: LiveTable, plan: TablePlan): void {
  const capped = [
    ...(live.onDemandCap ? [{cap: live.onDemandCap, name: undefined}] : []),
    ...live.indexes.filter(gsi => gsi.onDemandCap).map(gsi => ({cap: gsi.onDemandCap!, name: gsi.name})),
  ]
  if (capped.length === 0) return
  const noLimit = 'MaxReadRequestUnits=-1,MaxWriteRequestUnits=-1'
  const fixes = capped.map(({name}) => awsDynamodb(desired, 'update-table', name === undefined
    ? ['--table-name', desired.tableName, '--on-demand-throughput', noLimit]
    : ['--table-name',
      desired.tableName,
      '--global-secondary-index-updates',
      `'Update={IndexName=${name},OnDemandThroughput={${noLimit}}}'`]))
  const what = capped.map(({cap, name}) => `${name === undefined ? 'the table' : `index ${name}`} ${formatCap(cap)}`)
  plan.drift.push({
    remedy: `Remove the cap yourself once you have checked the cost (-1 means no limit): ${fixes.join('; ')}; ` +
      'then rerun.',
    summary: `On-demand throughput is capped (${what.join(', ')}); Sentinel's tables are not capped, and requests ` +
      'over a cap are throttled (the TVM fails them).',
    type: 'on-demand-cap',
  })
}

function formatCap(cap: OnDemandCap): string {
  const parts = [
    ...(cap.maxRead === undefined ? [] : [`at most ${cap.maxRead} read request units a second`]),
    ...(cap.maxWrite === undefined ? [] : [`at most ${cap.maxWrite} write request units a second`]),
  ]
  return parts.join(' and ')
}
