/** Help texts derived from the table definitions, so that texts and tables never disagree. */
import type {TableDefinition} from '../tables/definitions.js'

export function tableCommandDescription(definition: TableDefinition): string {
  const indexes = definition.indexes.length === 0
    ? 'no indexes'
    : `indexes ${definition.indexes.map(gsi => gsi.name).join(', ')}`
  const server = definition.serverFlag ? ` (the Sentinel server and CLI take ${definition.serverFlag})` : ''
  return `Creates the ${definition.purpose} table (key ${definition.partitionKey}; ${indexes}; ` +
    `TTL on ${definition.ttlAttribute}; on-demand billing; KMS encryption; deletion protection; ` +
    'point-in-time recovery), or brings an existing one to that definition in place. ' +
    'Reads the live table first, shows the plan and asks before changing anything. ' +
    'Never deletes or replaces anything: drift it cannot fix in place is reported.\n\n' +
    `The Lambda TVM finds the table through ${definition.envVars[0]}${server}. ` +
    'With --replica-region, the table becomes a global table with a replica in each region named (its own ' +
    'deletion protection, PITR and tags set there); replicas are never removed.'
}
