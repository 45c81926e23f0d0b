/**
 * The break-glass table as the unit tests want it by default: deletion protection and PITR on, a
 * replica in eu-west-1, a tag of its own (team=sec); each test overrides what it is about.
 */
import type {DesiredTable} from '../../src/tables/desired.js'

import {BREAKGLASS_TABLE} from '../../src/tables/definitions.js'

export const globalBreakglass = (overrides: Partial<DesiredTable> = {}): DesiredTable => ({
  definition: BREAKGLASS_TABLE,
  deletionProtection: true,
  pitr: true,
  replicas: [{region: 'eu-west-1'}],
  tableName: 'sentinel-breakglass',
  tags: new Map([['team', 'sec']]),
  ...overrides,
})
