/**
 * Time to live on the table's expiry attribute: not a CreateTable parameter, so enabled with
 * UpdateTimeToLive after it. Disabling or moving it to another attribute is drift (AWS locks TTL for
 * up to an hour after it is disabled). The table's, one setting for all replicas; read in its region.
 */
import type {Action} from '../plan.js'

import {SentinelError} from '../../errors.js'
import {type TableDefinition} from '../../tables/definitions.js'
import {type TableSpec} from '../../tables/table-spec.js'
import {UNSUPPORTED} from '../live-table.js'
import {stateText, type TableSetting} from './setting.js'

function timeToLive(spec: TableSpec) {
  return {TimeToLiveSpecification: {AttributeName: spec.ttlAttribute, Enabled: true}}
}

function enableTtl(definition: TableDefinition): Action {
  return {summary: `Enable TTL on attribute "${definition.ttlAttribute}"`, type: 'enable-ttl'}
}

export const ttl: TableSetting = {
  actions: ['enable-ttl'],
  // Another process may enable TTL between our read and our call: AWS then refuses; check, don't fail.
  async apply(action, step) {
    const {desired: {definition, tableName}, port} = step
    const attribute = definition.ttlAttribute
    const specification = {AttributeName: attribute, Enabled: true}
    const send = () => port.updateTimeToLive({TableName: tableName, TimeToLiveSpecification: specification})
    try {
      await step.optional(action, 'UpdateTimeToLive', send)
    } catch (error) {
      if (!(error instanceof SentinelError && error.awsName === 'ValidationException')) throw error
      const ttl = (await port.describeTimeToLive({TableName: tableName})).TimeToLiveDescription
      const enabled = ttl?.AttributeName === attribute && ['ENABLED', 'ENABLING'].includes(ttl.TimeToLiveStatus ?? '')
      if (!enabled) throw error
      step.notice(`TTL on "${attribute}" was enabled by another process meanwhile.`)
    }
  },
  calls: ['DescribeTimeToLive', 'UpdateTimeToLive'],
  cloudFormation: {globalTable: timeToLive, table: timeToLive},
  compare({definition}, live, plan) {
    const {ttl} = live
    if (ttl.status === UNSUPPORTED) {
      plan.endpointGaps.push('TTL')
    } else if (ttl.status === 'DISABLED') {
      plan.actions.push(enableTtl(definition))
    } else if (ttl.status === 'DISABLING') {
      plan.drift.push({
        remedy: 'AWS allows re-enabling TTL about an hour after it was disabled: rerun then.',
        summary: 'TTL is being disabled.',
        type: 'ttl-disabling',
      })
    } else if (ttl.attribute !== definition.ttlAttribute) {
      plan.drift.push({
        remedy: `Sentinel writes expiry times to "${definition.ttlAttribute}". ` +
          'Disable TTL yourself (AWS then locks it for up to an hour), ' +
          `then rerun to enable it on "${definition.ttlAttribute}".`,
        summary: `TTL is ${ttl.status} on attribute "${ttl.attribute}", Sentinel needs "${definition.ttlAttribute}".`,
        type: 'ttl-attribute',
      })
    }
  },
  everyRegion: true,
  initial: ({definition}) => [enableTtl(definition)],
  name: 'TTL',
  part: 'ttl',
  read: () => true,
  state: {
    field: 'ttl',
    label: 'TTL',
    position: 1,
    text: ({ttl}) => (ttl.status === UNSUPPORTED
      ? stateText(UNSUPPORTED)
      : `${ttl.status}${ttl.attribute ? ` on "${ttl.attribute}"` : ''}`),
  },
  terraform: {
    table: (spec, hcl) => [
      hcl.block('ttl', [hcl.attribute('attribute_name', spec.ttlAttribute), hcl.attribute('enabled', true)]),
    ],
  },
}
