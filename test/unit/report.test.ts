/**
 * What a run reports: the target line, the plan, the outcome and the status, as an operator reads
 * them, and the typed result behind --json.
 */
import {expect} from 'chai'

import type {DesiredTable} from '../../src/tables/desired.js'

import {type LiveTable, UNSUPPORTED} from '../../src/provisioning/live-table.js'
import {planTable} from '../../src/provisioning/plan.js'
import {
  describeState, makeTarget, renderEndpointGaps, renderOutcome, renderPlan, renderStatus, renderTarget, tableResult,
} from '../../src/report/report.js'
import {SESSIONS_TABLE} from '../../src/tables/definitions.js'

const desired: DesiredTable = {
  definition: SESSIONS_TABLE, deletionProtection: true, pitr: true, tableName: 'sentinel-sessions', tags: new Map(),
}

function live(overrides: Partial<LiveTable> = {}): LiveTable {
  return {
    arn: 'arn:aws:dynamodb:eu-west-1:123456789012:table/sentinel-sessions',
    attributeTypes: {id: 'S'},
    billingMode: 'PAY_PER_REQUEST',
    deletionProtection: true,
    encryption: {kind: 'kms', kmsKeyArn: 'arn:aws:kms:eu-west-1:123456789012:key/abc'},
    indexes: [...SESSIONS_TABLE.indexes]
    .map(gsi => ({...gsi, projectionType: 'ALL', status: 'ACTIVE'}))
    .sort((a, b) => a.name.localeCompare(b.name)),
    itemCount: 7,
    localIndexes: [],
    name: 'sentinel-sessions',
    partitionKey: 'id',
    pitr: 'ENABLED',
    status: 'ACTIVE',
    tags: new Map([['sentinel:table', 'sessions']]),
    ttl: {attribute: 'ttl', status: 'ENABLED'},
    ...overrides,
  }
}

describe('report', () => {
  it('the target names account, region and endpoint; the partition comes from the region', () => {
    const target = makeTarget({account: '123456789012', endpoint: 'https://vpce.example', region: 'cn-north-1'})
    expect(target).to.deep.equal({
      account: '123456789012', accountNote: undefined, endpoint: 'https://vpce.example', partition: 'aws-cn', region: 'cn-north-1',
    })
    expect(renderTarget(target)).to.equal('Target: account 123456789012, region cn-north-1, endpoint https://vpce.example')
    const unknown = makeTarget({accountNote: 'STS is not called for an endpoint override', region: 'us-east-1'})
    expect(renderTarget(unknown))
    .to.equal('Target: account unknown (STS is not called for an endpoint override), region us-east-1')
    const local = makeTarget({endpoint: 'http://127.0.0.1:8000', local: true, region: 'us-east-1'})
    expect(renderTarget(local)).to.equal('Target: embedded DynamoDB Local at http://127.0.0.1:8000')
  })

  it('a plan lists actions, drift with its fix, and notices; a converged table says so', () => {
    const missing = tableResult({desired, live: undefined, plan: planTable(desired, undefined)}, 'planned')
    const lines = renderPlan(missing)
    expect(lines[0]).to.equal('Table sentinel-sessions (sessions): does not exist')
    expect(lines[1]).to.match(/^ {2}\+ Create table sentinel-sessions: key id \(S\), 5 indexes/)
    const drifted = live({billingMode: 'PROVISIONED'})
    const driftLines = renderPlan(tableResult({desired, live: drifted, plan: planTable(desired, drifted)}, 'planned'))
    const billing = '  ! Drift: Billing mode is PROVISIONED, Sentinel\'s tables are on-demand (PAY_PER_REQUEST).'
    expect(driftLines).to.include(billing)
    expect(driftLines.some(line => line.startsWith('      Fix: Switch the table to on-demand'))).to.equal(true)
    const converged = live()
    expect(renderPlan(tableResult({desired, live: converged, plan: planTable(desired, converged)}, 'planned')))
    .to.deep.equal([
      'Table sentinel-sessions (sessions): ACTIVE',
      '  No changes: the table matches Sentinel\'s definition.',
    ])
  })

  it('a plan whose only work is a replica\'s never says the table matches (issue 22, item 14)', () => {
    const converged = live()
    const replicas = [{
      actions: [{summary: 'Turn deletion protection on', type: 'enable-deletion-protection' as const}],
      drift: [], endpointGaps: [], named: true, notices: [], region: 'eu-west-1', status: 'ACTIVE',
    }]
    const lines = renderPlan(tableResult(
      {
        desired, live: converged, plan: planTable(desired, converged), replicas,
      },
      'planned',
    ))
    expect(lines.join('\n')).not.to.contain('matches')
    expect(lines).to.deep.equal([
      'Table sentinel-sessions (sessions): ACTIVE',
      '  No changes to the table in its own region; its replicas:',
      '  Replica eu-west-1: ACTIVE',
      '    + Turn deletion protection on',
    ])
  })

  it('an outcome: refused drift is said as refused, not failed; a success shows its ARN and what was applied', () => {
    const base = tableResult({desired, live: live(), plan: planTable(desired, live())}, 'planned')
    const refused = {
      ...base, error: {
        code: 'DRIFT', exitCode: 5, message: 'Table has drift.', suggestion: 'Fix it.',
      }, outcome: 'refused' as const,
    }
    expect(renderOutcome(refused)[0])
    .to.equal('✖ sentinel-sessions: refused: drift sentinel cannot fix in place; nothing changed: Table has drift.')
    const updated = {...base, applied: ['Turn deletion protection on'], outcome: 'updated' as const}
    expect(renderOutcome(updated)).to.deep.equal([
      '✔ sentinel-sessions: updated',
      '  ARN: arn:aws:dynamodb:eu-west-1:123456789012:table/sentinel-sessions',
      '  + Turn deletion protection on',
    ])
    expect(renderOutcome({...base, outcome: 'unchanged'})[0])
    .to.equal('✔ sentinel-sessions: unchanged (already matches Sentinel\'s definition)')
  })

  it('status: the state in words, indexes in name order, what the endpoint does not report said as such', () => {
    const emulated = live({deletionProtection: UNSUPPORTED, encryption: {kind: 'unreported'}, pitr: UNSUPPORTED})
    const state = describeState(emulated)
    expect(state).to.include({
      deletionProtection: 'not supported by endpoint',
      encryption: 'not reported by endpoint',
      itemCount: 7,
      pitr: 'not supported by endpoint',
    })
    expect(state.indexes.map(index => index.name)).to.deep.equal(state.indexes.map(index => index.name).sort())
    const result = {...tableResult({desired, live: emulated, plan: planTable(desired, emulated)}, 'status'), state}
    const lines = renderStatus(result)
    expect(lines[0]).to.equal('✔ sentinel-sessions (sessions): ACTIVE, matches')
    expect(lines[1]).to.contain('TTL ENABLED on "ttl"; PITR not supported by endpoint').and.contain('~7 items')
  })

  it('endpoint gaps are one line for the whole run, or none', () => {
    expect(renderEndpointGaps([])).to.deep.equal([])
    expect(renderEndpointGaps(['point-in-time recovery', 'tagging'])).to.deep.equal([
      'Not checked, because the endpoint does not implement or report it: point-in-time recovery, tagging.',
    ])
  })
})
