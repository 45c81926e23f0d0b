/**
 * Deletion protection: carried by CreateTable, turned on with UpdateTable, never turned off
 * (--no-deletion-protection only stops requiring it). Per region: AWS copies it to no replica.
 */
import type {Action} from '../plan.js'

import {UNSUPPORTED} from '../live-table.js'
import {stateText, type TableSetting} from './setting.js'

const turnOn: Action = {summary: 'Turn deletion protection on', type: 'enable-deletion-protection'}

export const deletionProtection: TableSetting = {
  actions: ['enable-deletion-protection'],
  async apply(action, step) {
    await step.updateTable(action, {DeletionProtectionEnabled: true})
  },
  calls: ['CreateTable', 'DescribeTable', 'UpdateTable'],
  cloudFormation: {
    replica: replica => ({DeletionProtectionEnabled: replica.deletionProtection}),
    table: spec => ({DeletionProtectionEnabled: spec.deletionProtection}),
  },
  compare(desired, live, plan) {
    if (live.deletionProtection === UNSUPPORTED) {
      plan.endpointGaps.push('deletion protection')
    } else if (!live.deletionProtection && desired.deletionProtection) {
      plan.actions.push({...turnOn})
    } else if (live.deletionProtection && !desired.deletionProtection) {
      plan.notices.push('Deletion protection is on; --no-deletion-protection never turns it off.')
    }
  },
  created: desired => `deletion protection ${desired.deletionProtection ? 'on' : 'off'}`,
  createTable: spec => ({DeletionProtectionEnabled: spec.deletionProtection}),
  initial: desired => (desired.deletionProtection ? [{...turnOn}] : []),
  name: 'deletion protection',
  part: 'table',
  perRegion: true,
  state: {
    field: 'deletionProtection',
    label: 'deletion protection',
    position: 3,
    text: live => (live.deletionProtection === UNSUPPORTED
      ? stateText(UNSUPPORTED)
      : (live.deletionProtection ? 'ENABLED' : 'DISABLED')),
  },
  terraform: {
    replica: (replica, hcl) => [hcl.attribute('deletion_protection_enabled', replica.deletionProtection)],
    table: (spec, hcl) => [hcl.attribute('deletion_protection_enabled', spec.deletionProtection)],
  },
}
