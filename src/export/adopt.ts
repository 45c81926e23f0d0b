/**
 * --import-existing adopts live tables, and applied, either tool makes a table what its template says:
 * an index, a tag or a stream the template lacks is removed (Terraform plans it; CloudFormation does
 * it on the next update). So what the plan leaves alone is carried into the template as it is live
 * (tags set by hand, an index someone added, a stream someone turned on), and a table that differs
 * where neither tool can change it without loss (a key schema: replacement; an index's keys: the index
 * rebuilt) or where sentinel leaves the change to the operator (billing) is refused, naming each
 * difference, as the plan reports it as drift. Pure: the live facts are read by the caller.
 */
import type {ExistingTables, LiveFacts} from './names.js'

import {invalidInput} from '../errors.js'
import {countsTowardTagLimit, MAX_TAGS_PER_RESOURCE, SENTINEL_TAG_KEY} from '../tables/definitions.js'
import {
  type AttributeSpec, type IndexSpec, keyAttribute, type KeyElement, type TableSpec,
} from '../tables/table-spec.js'

const ATTRIBUTE_TYPES = new Set(['B', 'N', 'S'])
const PROJECTION_TYPES = new Set(['ALL', 'INCLUDE', 'KEYS_ONLY'])
/** Tags AWS sets itself (aws:cloudformation:…): neither tool may write them, and both leave them alone. */
const isAwsTag = (key: string) => key.startsWith('aws:')

/** The spec as the adopted table is live: its own indexes, tags and stream carried over Sentinel's. */
export function adoptedSpec(spec: TableSpec, live: LiveFacts | undefined): TableSpec {
  if (!live) return spec
  const extraIndexes = live.indexes.filter(gsi => !spec.indexes.some(own => own.IndexName === gsi.name))
  const attributeDefinitions = [...spec.attributeDefinitions]
  for (const name of extraIndexes.flatMap(gsi => [gsi.partitionKey, gsi.sortKey])) {
    if (!name || attributeDefinitions.some(known => known.AttributeName === name)) continue
    const type = live.attributeTypes[name] as AttributeSpec['AttributeType']
    attributeDefinitions.push({AttributeName: name, AttributeType: type})
  }

  type ViewType = NonNullable<TableSpec['stream']>['viewType']
  const liveStream = live.stream?.viewType ? {viewType: live.stream.viewType as ViewType} : undefined
  return {
    ...spec,
    attributeDefinitions,
    indexes: [
      ...spec.indexes.map(own => withThroughput(own, live.indexes.find(gsi => gsi.name === own.IndexName))),
      ...extraIndexes.map(gsi => withThroughput(indexOf(gsi), gsi)),
    ],
    ...(spec.stream ?? liveStream ? {stream: spec.stream ?? liveStream} : {}),
    // A replica keeps its own tags (AWS copies none): those set by hand in its region are carried too.
    replicas: spec.replicas.map(replica => ({
      ...replica,
      tags: mergedTags(replica.tags, live.replicaTags?.get(replica.region) ?? ''),
    })),
    tags: adoptedTags(spec, live),
  }
}

/**
 * Refuses, before anything is printed, the tables the template cannot adopt as they are: one
 * sentence per table naming each difference and what applying the template would do about it, and
 * the check (`checkCommand`) that reports the same drift with its remedies.
 */
export function refuseUnadoptable(
  specs: readonly TableSpec[],
  existing: ExistingTables | undefined,
  checkCommand = 'sentinel init status',
): void {
  const refused = specs.flatMap(spec => {
    const live = existing?.get(spec.tableName)?.live
    const problems = live ? adoptionProblems(spec, live) : []
    return problems.length > 0 ? [`Table ${spec.tableName} ${problems.join('; ')}.`] : []
  })
  if (refused.length === 0) return
  const one = refused.length === 1
  throw invalidInput(
    `--import-existing cannot adopt ${one ? 'a table' : `${refused.length} tables`} as the template ` +
      `describes ${one ? 'it' : 'them'}: ${refused.join(' ')}`,
    `Nothing was printed. To see each difference and how to resolve it, then export again: ${checkCommand}`,
  )
}

/** What differs between the live table and its template in a way the template must not be applied over. */
export function adoptionProblems(spec: TableSpec, live: LiveFacts): string[] {
  return [
    ...keyProblems(spec, live),
    ...indexProblems(spec, live),
    ...settingProblems(spec, live),
    ...capProblems(live),
    ...tagProblems(spec, live),
  ]
}

/**
 * An on-demand cap nobody asked for is drift to the plan (it throttles the runtime): a template that
 * kept it would be a table init status never calls converged, and one that dropped it would lift it
 * unasked. The operator lifts it (init status prints the command), then exports again.
 */
function capProblems(live: LiveFacts): string[] {
  const capped = [
    ...(capText(live.onDemandCap) ? [`the table (${capText(live.onDemandCap)})`] : []),
    ...live.indexes
    .filter(gsi => capText(gsi.onDemandCap))
    .map(gsi => `index ${gsi.name} (${capText(gsi.onDemandCap)})`),
  ]
  if (capped.length === 0) return []
  return [`has an on-demand throughput cap on ${capped.join(' and ')}, which Sentinel's tables do not have: ` +
    'it throttles Sentinel, so the template neither keeps it nor drops it unasked']
}

function capText(cap: LiveFacts['onDemandCap']): string {
  if (!cap) return ''
  return [
    ...(cap.maxRead === undefined ? [] : [`MaxReadRequestUnits ${cap.maxRead}`]),
    ...(cap.maxWrite === undefined ? [] : [`MaxWriteRequestUnits ${cap.maxWrite}`]),
  ].join(', ')
}

function keyProblems(spec: TableSpec, live: LiveFacts): string[] {
  const problems: string[] = []
  const partitionKey = keyAttribute(spec.keySchema, 'HASH')
  const sortKey = keyAttribute(spec.keySchema, 'RANGE')
  if (live.partitionKey !== partitionKey || live.sortKey !== sortKey) {
    problems.push(`has key schema ${keys(live.partitionKey, live.sortKey)}, ` +
      `the template's ${keys(partitionKey, sortKey)}: a key schema cannot change in place, ` +
      'so applied, the template would replace the table with a new, empty one')
  }

  for (const {AttributeName, AttributeType} of spec.attributeDefinitions) {
    const type = live.attributeTypes[AttributeName]
    if (type === undefined || type === AttributeType) continue
    problems.push(`has key attribute ${AttributeName} of type ${type}, the template's ${AttributeType}: ` +
      'a type cannot change while a key uses it, so applied, the template would replace the table or its index')
  }

  return problems
}

function indexProblems(spec: TableSpec, live: LiveFacts): string[] {
  const problems: string[] = []
  for (const own of spec.indexes) {
    const found = live.indexes.find(gsi => gsi.name === own.IndexName)
    if (!found) continue
    const wanted = keys(keyAttribute(own.KeySchema, 'HASH'), keyAttribute(own.KeySchema, 'RANGE'))
    const has = keys(found.partitionKey, found.sortKey)
    const projection = projectionOf(found.projectionType, found.nonKeyAttributes)
    const wantedProjection = projectionOf(own.Projection.ProjectionType, own.Projection.NonKeyAttributes)
    const differs = [
      ...(has === wanted ? [] : [`keys ${has} (the template's ${wanted})`]),
      ...(found.projectionType === undefined || projection === wantedProjection
        ? []
        : [`projection ${projection} (the template's ${wantedProjection})`]),
    ]
    if (differs.length === 0) continue
    problems.push(`has index ${own.IndexName} with ${differs.join(' and ')}: an index's keys and projection ` +
      'cannot change in place, so applied, the template would delete the index and build it again ' +
      '(queries on it fail meanwhile)')
  }

  // An index the template carries must be described in full: a guessed one would be rebuilt.
  for (const gsi of live.indexes) {
    if (spec.indexes.some(own => own.IndexName === gsi.name)) continue
    const untyped = [gsi.partitionKey, gsi.sortKey]
    .filter(name => name !== undefined && !ATTRIBUTE_TYPES.has(live.attributeTypes[name] ?? ''))
    if (gsi.partitionKey && untyped.length === 0 && PROJECTION_TYPES.has(gsi.projectionType ?? '')) continue
    problems.push(`has index ${gsi.name}, whose keys or projection DynamoDB did not fully describe: ` +
      'the template cannot carry it, and without it, applied, would delete it')
  }

  return problems
}

function settingProblems(spec: TableSpec, live: LiveFacts): string[] {
  const problems: string[] = []
  if (live.billingMode !== spec.billingMode) {
    problems.push(`has billing mode ${live.billingMode}, the template's ${spec.billingMode}: applied, the ` +
      'template would switch it, which sentinel leaves to you once you have checked the cost')
  }

  const ttlOn = live.ttl.status === 'ENABLED' || live.ttl.status === 'ENABLING'
  if (ttlOn && live.ttl.attribute !== spec.ttlAttribute) {
    problems.push(`has TTL on attribute "${live.ttl.attribute}", the template's "${spec.ttlAttribute}": ` +
      'TTL cannot move to another attribute while it is on, so applying the template would fail')
  }

  if (spec.stream && live.stream?.viewType && live.stream.viewType !== spec.stream.viewType) {
    problems.push(`has a stream of ${live.stream.viewType}, the template's ${spec.stream.viewType} ` +
      '(replicas need it): a stream\'s view type cannot change while it is on, so applied, ' +
      'the template would turn the stream off first')
  }

  if (spec.replicas.length > 0 && live.multiRegionConsistency === 'STRONG') {
    problems.push('is a multi-Region strongly consistent (MRSC) global table, the template\'s eventually ' +
      'consistent: the consistency mode cannot change in place (and MRSC has no TTL, which Sentinel needs)')
  }

  return problems
}

function tagProblems(spec: TableSpec, live: LiveFacts): string[] {
  return [
    ...tagSetProblems(undefined, spec.tags, live.tags),
    ...spec.replicas.flatMap(replica =>
      tagSetProblems(replica.region, replica.tags, live.replicaTags?.get(replica.region) ?? '')),
  ]
}

/** A marker of another kind, or too many tags, on the table or (`region`) on one of its replicas. */
function tagSetProblems(
  region: string | undefined,
  tags: TableSpec['tags'],
  liveTags: ReadonlyMap<string, string> | string,
): string[] {
  if (typeof liveTags === 'string') return []
  const marker = tags.find(tag => tag.Key === SENTINEL_TAG_KEY)?.Value
  const liveMarker = liveTags.get(SENTINEL_TAG_KEY)
  if (marker !== undefined && liveMarker !== undefined && liveMarker !== marker) {
    return [`${region ? `has its replica in ${region}` : 'is'} tagged ${SENTINEL_TAG_KEY}=${liveMarker}, ` +
      `the template's ${SENTINEL_TAG_KEY}=${marker}: it is another kind of Sentinel table, ` +
      'so check the table names given']
  }

  const count = mergedTags(tags, liveTags).filter(tag => countsTowardTagLimit(tag.Key)).length
  if (count <= MAX_TAGS_PER_RESOURCE) return []
  return [`would have ${count} tags${region ? ` on its replica in ${region}` : ''} with the template's added to ` +
    `its own; DynamoDB allows ${MAX_TAGS_PER_RESOURCE}, so applying the template would fail`]
}

/**
 * Sentinel's tags with the table's own: a tag set by hand is kept; where both name a key, the value
 * asked for wins, as apply sets it (TagResource, removing nothing). AWS's own aws: tags are left to AWS.
 */
function adoptedTags(spec: TableSpec, live: LiveFacts): TableSpec['tags'] {
  return mergedTags(spec.tags, live.tags)
}

/** Tags the template writes, and the live ones it does not name (a string: none read). */
function mergedTags(template: TableSpec['tags'], live: ReadonlyMap<string, string> | string): TableSpec['tags'] {
  if (typeof live === 'string') return template
  const tags = new Map(template.map(tag => [tag.Key, tag.Value]))
  for (const [key, value] of live) if (!isAwsTag(key) && !tags.has(key)) tags.set(key, value)
  return [...tags]
  .sort(([a], [b]) => (a < b ? -1 : (a > b ? 1 : 0)))
  .map(([Key, Value]) => ({Key, Value}))
}

function indexOf(gsi: LiveFacts['indexes'][number]): IndexSpec {
  const schema: KeyElement[] = [
    {AttributeName: gsi.partitionKey!, KeyType: 'HASH'},
    ...(gsi.sortKey ? [{AttributeName: gsi.sortKey, KeyType: 'RANGE' as const}] : []),
  ]
  const projectionType = gsi.projectionType as IndexSpec['Projection']['ProjectionType']
  return {
    IndexName: gsi.name,
    KeySchema: schema,
    Projection: {
      ...(gsi.nonKeyAttributes?.length ? {NonKeyAttributes: [...gsi.nonKeyAttributes]} : {}),
      ProjectionType: projectionType,
    },
  }
}

/**
 * The index with the maximum on-demand throughput DynamoDB reports for it, as reported: Terraform
 * compares each index as a whole, so one the template leaves it out of would be planned as removed
 * and added again.
 */
function withThroughput(index: IndexSpec, live: LiveFacts['indexes'][number] | undefined): IndexSpec {
  const throughput = live?.onDemandThroughput
  if (!throughput) return index
  return {
    ...index,
    OnDemandThroughput: {
      ...(throughput.maxReadRequestUnits === undefined ? {} : {MaxReadRequestUnits: throughput.maxReadRequestUnits}),
      ...(throughput.maxWriteRequestUnits === undefined ? {} : {MaxWriteRequestUnits: throughput.maxWriteRequestUnits}),
    },
  }
}

function keys(partitionKey?: string, sortKey?: string): string {
  return sortKey ? `(${partitionKey}, ${sortKey})` : `(${partitionKey ?? 'none'})`
}

function projectionOf(type: string | undefined, nonKeyAttributes: readonly string[] | undefined): string {
  return nonKeyAttributes?.length ? `${type} (${[...nonKeyAttributes].sort().join(', ')})` : `${type}`
}
