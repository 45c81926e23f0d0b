/**
 * Tags: the operator's and the sentinel:table marker. Carried by CreateTable; a missing tag is added
 * and a tag given with another value set, with TagResource (which removes nothing); a marker of
 * another kind and a tag set past DynamoDB's limit are drift. Every page of ListTagsOfResource is
 * read. Per region: AWS copies tags to no replica.
 */
import {countsTowardTagLimit, MAX_TAGS_PER_RESOURCE, SENTINEL_TAG_KEY} from '../../tables/definitions.js'
import {desiredTags} from '../../tables/desired.js'
import {type TagSpec} from '../../tables/table-spec.js'
import {UNREAD, UNSUPPORTED} from '../live-table.js'
import {awsDynamodb, type TableSetting} from './setting.js'

function tagMap(tags: readonly TagSpec[]): Record<string, string> {
  return Object.fromEntries(tags.map(tag => [tag.Key, tag.Value]))
}

export const tags: TableSetting = {
  actions: ['add-tags', 'set-tag-values'],
  // TagResource sets a tag's value whether or not the tag is there, and removes nothing.
  async apply(action, step) {
    if (action.type !== 'add-tags' && action.type !== 'set-tag-values') return
    const arn = await step.tableArn()
    const tags = [...action.tags].map(([Key, Value]) => ({Key, Value}))
    const done = await step.optional(action, 'TagResource', () => step.port.tagResource({ResourceArn: arn, Tags: tags}))
    if (done) step.wroteTags(action.tags)
  },
  calls: ['CreateTable', 'ListTagsOfResource', 'TagResource'],
  cloudFormation: {
    replica: replica => ({Tags: replica.tags}),
    table: spec => ({Tags: spec.tags}),
  },
  compare(desired, live, plan) {
    if (live.tags === UNREAD) return
    if (live.tags === UNSUPPORTED) {
      plan.endpointGaps.push('tagging')
      return
    }

    const missing = new Map<string, string>()
    const changed = new Map<string, string>()
    const was: string[] = []
    for (const [key, value] of desiredTags(desired)) {
      const current = live.tags.get(key)
      if (current === undefined) {
        missing.set(key, value)
      } else if (current !== value && key === SENTINEL_TAG_KEY) {
        plan.drift.push({
          remedy: 'Check that you are provisioning the right table: ' +
            `give the ${desired.definition.purpose} table's name with --${desired.definition.nameFlag} ` +
            // No command named: plan knows neither the CLI's name nor its topic separator.
            `(the commands for all four tables) or --table (the ${desired.definition.kind} command).`,
          summary: `Table is tagged ${SENTINEL_TAG_KEY}=${current}, ` +
            `but this command provisions the ${desired.definition.kind} table.`,
          type: 'tag-conflict',
        })
      } else if (current !== value) {
        // A tag given is an expectation: another value is drift, set in place (TagResource removes nothing).
        changed.set(key, value)
        was.push(`${key}=${current}`)
      }
    }

    if (changed.size > 0) {
      plan.actions.push({
        summary: `Set tag ${formatTags(changed)} (now ${was.join(', ')})`, tags: changed, type: 'set-tag-values',
      })
    }

    // AWS-assigned aws: tags do not count toward the limit.
    const count = [...live.tags.keys(), ...missing.keys()].filter(key => countsTowardTagLimit(key)).length
    if (missing.size > 0 && count > MAX_TAGS_PER_RESOURCE) {
      const resource = ['--resource-arn', live.arn ?? desired.tableName]
      const untag = awsDynamodb(desired, 'untag-resource', resource, ['--tag-keys'])
      plan.drift.push({
        remedy: `Remove tags you no longer need from the table (${untag} and the keys to remove), ` +
          'or pass fewer --tag flags, then rerun.',
        summary: `Adding ${formatTags(missing)} would give the table ${count} tags; ` +
          `DynamoDB allows ${MAX_TAGS_PER_RESOURCE} (aws: tags not counted).`,
        type: 'tag-limit',
      })
    } else if (missing.size > 0) {
      plan.actions.push({summary: `Add tags ${formatTags(missing)}`, tags: missing, type: 'add-tags'})
    }
  },
  created: desired => `tags ${formatTags(desiredTags(desired))}`,
  createTable: spec => ({Tags: spec.tags}),
  initial(desired) {
    const all = desiredTags(desired)
    return [{summary: `Add tags ${formatTags(all)}`, tags: all, type: 'add-tags'}]
  },
  name: 'tags',
  part: 'tags',
  perRegion: true,
  // Always, every page: a sentinel:table tag of another kind (or none) is part of every plan.
  read: () => true,
  terraform: {
    replica: (replica, hcl) => [hcl.attribute('tags', tagMap(replica.tags))],
    table: (spec, hcl) => [hcl.attribute('tags', tagMap(spec.tags))],
  },
}

function formatTags(tags: ReadonlyMap<string, string>): string {
  return [...tags].map(([key, value]) => `${key}=${value}`).join(', ')
}
