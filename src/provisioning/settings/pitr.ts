/**
 * Point-in-time recovery: not a CreateTable parameter, so enabled with UpdateContinuousBackups after
 * it; never turned off (--no-pitr only stops requiring it). Per region: AWS copies it to no replica.
 */
import type {Action} from '../plan.js'

import {UNREAD, UNSUPPORTED} from '../live-table.js'
import {stateText, type TableSetting} from './setting.js'

const enablePitr: Action = {summary: 'Enable point-in-time recovery', type: 'enable-pitr'}

export const pitr: TableSetting = {
  actions: ['enable-pitr'],
  async apply(action, step) {
    const {desired: {tableName}, port} = step
    // Right after creation AWS may answer ContinuousBackupsUnavailableException for a while: asked
    // again at the policy's pace (backups-unavailable).
    await step.ride('backups', () => step.optional(action, 'UpdateContinuousBackups', () =>
      port.updateContinuousBackups({
        PointInTimeRecoverySpecification: {PointInTimeRecoveryEnabled: true},
        TableName: tableName,
      })), () => step.progress(`Waiting for backups on ${tableName} to become available`))
  },
  calls: ['DescribeContinuousBackups', 'UpdateContinuousBackups'],
  cloudFormation: {
    replica: replica => ({PointInTimeRecoverySpecification: {PointInTimeRecoveryEnabled: replica.pitr}}),
    table: spec => ({PointInTimeRecoverySpecification: {PointInTimeRecoveryEnabled: spec.pitr}}),
  },
  compare(desired, live, plan) {
    if (live.pitr === UNSUPPORTED) {
      if (desired.pitr) plan.endpointGaps.push('point-in-time recovery')
    } else if (live.pitr !== UNREAD && live.pitr !== 'ENABLED' && desired.pitr) {
      plan.actions.push({...enablePitr})
    } else if (live.pitr === 'ENABLED' && !desired.pitr) {
      plan.notices.push('Point-in-time recovery is on; --no-pitr never turns it off.')
    }
  },
  initial: desired => (desired.pitr ? [{...enablePitr}] : []),
  name: 'point-in-time recovery',
  part: 'pitr',
  perRegion: true,
  // Only when it is wanted (or everything is read): with --no-pitr apply has nothing to compare.
  read: (desired, full) => desired.pitr || full,
  state: {
    field: 'pitr', label: 'PITR', position: 2, text: live => stateText(live.pitr),
  },
  terraform: {
    replica: (replica, hcl) => [hcl.attribute('point_in_time_recovery', replica.pitr)],
    table: (spec, hcl) => [hcl.block('point_in_time_recovery', [hcl.attribute('enabled', spec.pitr)])],
  },
}
