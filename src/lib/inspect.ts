/** Read a table's live state and plan it against the desired state. */
import {type DynamoGateway, readLiveTable} from './gateway.js'
import {type DesiredTable, type LiveTable, planTable, type TablePlan, UNREAD} from './plan.js'

export interface Inspection {
  desired: DesiredTable
  live: LiveTable | undefined
  plan: TablePlan
}

/**
 * Tags cost a read, so by default they are read only when the user asked for tags or the table
 * needs work anyway: a rerun on a correct table makes three read calls and no write.
 */
export async function inspectTable(gateway: DynamoGateway, desired: DesiredTable, options: {full?: boolean} = {}): Promise<Inspection> {
  const wantTags = options.full || Object.keys(desired.tags).length > 0
  let live = await readLiveTable(gateway, desired.tableName, {pitr: desired.pitr || Boolean(options.full), tags: wantTags})
  let plan = planTable(desired, live)
  if (live && live.tags === UNREAD && plan.actions.length > 0 && plan.drift.length === 0) {
    live = await readLiveTable(gateway, desired.tableName, {pitr: desired.pitr, tags: true})
    plan = planTable(desired, live)
  }

  return {desired, live, plan}
}
