import {expect} from 'chai'

import type {Inspection} from '../../src/provisioning/provisioner.js'
import type {ReplicaPlan} from '../../src/provisioning/replica-plan.js'

import {DYNAMO_ACTIONS} from '../../src/aws/dynamodb-port.js'
import {PROVISIONING_ACTIONS, REPLICA_SETTINGS_ACTIONS} from '../../src/iam/policy.js'
import {combinedPlan} from '../../src/provisioning/global-table.js'
import {type Action, planTable, sameAction} from '../../src/provisioning/plan.js'
import {
  partsToRead, PER_REGION_SETTINGS, settingOf, STATE_LINE, TABLE_SETTINGS,
} from '../../src/provisioning/settings/index.js'
import {tableResult} from '../../src/report/report.js'
import {BREAKGLASS_TABLE} from '../../src/tables/definitions.js'
import {globalBreakglass} from '../support/desired.js'

const desired = globalBreakglass()

/** One replica's plan with this drift; nothing else to do. */
const replicaWith = (drift: ReplicaPlan['drift']): ReplicaPlan => ({
  actions: [], drift, endpointGaps: [], named: true, notices: [], region: 'eu-west-1', status: 'ACTIVE',
})

/** The table missing (nothing to compare), with its replicas' plans. */
const inspection = (replicas: ReplicaPlan[]): Inspection => ({
  desired, live: undefined, plan: {...planTable(desired, undefined), drift: []}, replicas,
})

describe('table settings (src/provisioning/settings)', () => {
  it('every action a setting plans is carried out by that setting, and no two settings plan one type', () => {
    const claimed = TABLE_SETTINGS.flatMap(setting => setting.actions)
    expect(new Set(claimed).size, claimed.join(', ')).to.equal(claimed.length)
    for (const setting of TABLE_SETTINGS) {
      if (setting.actions.length > 0) expect(setting.apply, setting.name).to.be.a('function')
      for (const type of setting.actions) expect(settingOf(type)).to.equal(setting)
    }

    // The table's own steps are no setting's: create-table and the wait read everything again.
    expect(settingOf('create-table')).to.equal(undefined)
    expect(settingOf('wait-for-table')).to.equal(undefined)
  })

  it('per region: what AWS copies to no replica (deletion protection, PITR, tags), and only that', () => {
    expect(PER_REGION_SETTINGS.map(setting => setting.name))
    .to.deep.equal(['deletion protection', 'point-in-time recovery', 'tags'])
  })

  it("the provisioner policy's table actions: DescribeTable and the settings' calls, every port operation", () => {
    expect(PROVISIONING_ACTIONS).to.deep.equal(DYNAMO_ACTIONS)
  })

  it("a replica's region is allowed DescribeTable and the per-region settings' calls, and TTL's", () => {
    expect([...REPLICA_SETTINGS_ACTIONS].sort()).to.deep.equal([
      'DescribeContinuousBackups',
      'DescribeTable',
      'DescribeTimeToLive',
      'ListTagsOfResource',
      'TagResource',
      'UpdateContinuousBackups',
      'UpdateTable',
      'UpdateTimeToLive',
    ])
  })

  it('what a read calls: TTL in the table\'s own region only, PITR when wanted or all is read, tags always', () => {
    expect(partsToRead(desired)).to.deep.equal({pitr: true, tags: true, ttl: true})
    expect(partsToRead({...desired, pitr: false})).to.deep.equal({pitr: false, tags: true, ttl: true})
    expect(partsToRead({...desired, pitr: false}, {full: true})).to.deep.equal({pitr: true, tags: true, ttl: true})
    expect(partsToRead({...desired, pitr: false}, {settings: PER_REGION_SETTINGS}))
    .to.deep.equal({pitr: false, tags: true, ttl: false})
  })

  it("init status's state line: each setting's label, in the line's order", () => {
    const labels = STATE_LINE.map(({label}) => label)
    expect(labels).to.deep.equal(['TTL', 'PITR', 'deletion protection', 'encryption', 'billing'])
  })
})

const encrypt = (summary: string): Action => ({summary, type: 'set-encryption'})

describe('decisions on types, not message text', () => {
  it('an action is still needed when one of its type is planned, whatever its summary says', () => {
    expect(sameAction(encrypt('Encrypt with x; now a'), encrypt('Encrypt with x; now b'))).to.equal(true)
    const [first, second] = BREAKGLASS_TABLE.indexes
    const add = (index: typeof first): Action => ({index, summary: 'Add index', type: 'add-index'})
    expect(sameAction(add(first), add(second)), 'another index').to.equal(false)
    expect(sameAction(add(first), add(first))).to.equal(true)
  })

  it("a replica's drift names its region once: by the drift's scope, not by how its summary starts", () => {
    const own = {
      remedy: 'r', scope: {kind: 'replica', region: 'eu-west-1'} as const, summary: 'Replica in eu-west-1 is X.',
      type: 'replica-status' as const,
    }
    // Drift of the table as read in the replica's region, whose summary happens to start with "Replica ".
    const regional = {remedy: 'r', summary: 'Replica tag set is full.', type: 'tag-limit' as const}
    const {drift} = combinedPlan(inspection([replicaWith([own, regional])]))
    expect(drift.map(item => item.summary))
    .to.deep.equal(['Replica in eu-west-1 is X.', 'Replica in eu-west-1: Replica tag set is full.'])
  })

  it('the --json drift carries its type, summary and remedy only (no scope)', () => {
    const own = {
      remedy: 'r', scope: {kind: 'replica', region: 'eu-west-1'} as const, summary: 'Replica in eu-west-1 is X.',
      type: 'replica-status' as const,
    }
    const result = tableResult(inspection([replicaWith([own])]), 'planned')
    expect(JSON.stringify(result.replicas?.[0].drift))
    .to.equal('[{"remedy":"r","summary":"Replica in eu-west-1 is X.","type":"replica-status"}]')
  })
})
