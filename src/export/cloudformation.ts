/**
 * The tables as a CloudFormation template (YAML): one AWS::DynamoDB::Table per table, retained on
 * delete and on replacement, names as Parameters, names and ARNs as Outputs. Built as data and
 * serialised by the `yaml` library in YAML 1.1 mode, the YAML version CloudFormation reads, so a
 * string such as "yes" or "2010-09-09" is quoted rather than read back as a boolean or a date.
 */
import {createRequire} from 'node:module'

import type {DesiredTable} from '../tables/desired.js'

import {type ReplicaSettings, TABLE_SETTINGS} from '../provisioning/settings/index.js'
import {type TableSpec, tableSpec} from '../tables/table-spec.js'
import {TABLE_NAME_RULE} from '../tables/validate.js'
import {adoptedSpec} from './adopt.js'
import {
  type ExistingTables,
  exportNames,
  runtimeEnvVar,
  whereSentinelReadsIt,
} from './names.js'

type Yaml = typeof import('yaml')

let yamlModule: undefined | Yaml
/**
 * `yaml` costs ~40 ms to load; the command bundles hoist static imports of packages to start-up,
 * so it is required on first use and commands that export nothing never pay for it.
 */
function yaml(): Yaml {
  yamlModule ??= createRequire(import.meta.url)('yaml') as Yaml
  return yamlModule
}

/** A short-form intrinsic function (!Ref X, !GetAtt X.Arn, !Sub "..."): a tagged scalar. */
function intrinsic(tag: '!GetAtt' | '!Ref' | '!Sub', value: string) {
  const node = new (yaml().Scalar)(value)
  node.tag = tag
  return node
}

export function renderCloudFormation(
  tables: readonly DesiredTable[],
  options: {existing?: ExistingTables; statusCommand?: string} = {},
): string {
  const parameters: Record<string, unknown> = {}
  const resources: Record<string, unknown> = {}
  const outputs: Record<string, unknown> = {}
  let previousIndexedTable: string | undefined
  for (const table of tables) {
    const {definition} = table
    const names = exportNames(definition)
    // A table that exists is imported (a change set of type IMPORT), not created: it waits for
    // nothing, and no table waits for it, so the template imports as printed.
    const imported = options.existing?.has(table.tableName) ?? false
    // Keys in the order of AWS's template anatomy (written in insertion order): Type first in a
    // parameter and a resource; an output's Description, Value, Export.
    /* eslint-disable perfectionist/sort-objects */
    parameters[names.cfnNameParameter] = {
      Type: 'String',
      Description: `Name of the ${definition.purpose} table (${runtimeEnvVar(definition)}).`,
      Default: table.tableName,
      AllowedPattern: `${TABLE_NAME_RULE.characterClass}+`,
      ConstraintDescription: `${TABLE_NAME_RULE.description}.`,
      MaxLength: TABLE_NAME_RULE.maxLength,
      MinLength: TABLE_NAME_RULE.minLength,
    }
    const description = adoptedSpec(tableSpec(table), options.existing?.get(table.tableName)?.live)
    const global = description.replicas.length > 0
    resources[names.cfnResource] = {
      Type: global ? 'AWS::DynamoDB::GlobalTable' : 'AWS::DynamoDB::Table',
      // DynamoDB limits how many tables with indexes may be CREATING at once, and CloudFormation's
      // table handler fails the stack on LimitExceededException: AWS's guidance is to chain such
      // tables with DependsOn. (The Terraform provider retries that refusal, so the Terraform
      // export needs no depends_on.)
      ...(definition.indexes.length > 0 && previousIndexedTable && !imported ? {DependsOn: previousIndexedTable} : {}),
      // Stateful: neither deleting the stack nor a replacing update may drop the data.
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: global
        ? globalTableProperties(description, names.cfnNameParameter)
        : tableProperties(description, names.cfnNameParameter),
    }
    if (definition.indexes.length > 0 && !imported) previousIndexedTable = names.cfnResource
    outputs[names.cfnNameOutput] = {
      Description: `${capitalized(definition.purpose)} table name: set ${whereSentinelReadsIt(definition)} to this.`,
      Value: intrinsic('!Ref', names.cfnResource),
      Export: {Name: intrinsic('!Sub', `\${AWS::StackName}-${names.cfnNameOutput}`)},
    }
    outputs[names.cfnArnOutput] = {
      Description: `${capitalized(definition.purpose)} table ARN, for IAM policies.`,
      Value: intrinsic('!GetAtt', `${names.cfnResource}.Arn`),
      Export: {Name: intrinsic('!Sub', `\${AWS::StackName}-${names.cfnArnOutput}`)},
    }
    /* eslint-enable perfectionist/sort-objects */
  }

  // The sections in the order of AWS's template anatomy: format version, description, parameters,
  // resources, outputs.
  /* eslint-disable perfectionist/sort-objects */
  const template = {
    AWSTemplateFormatVersion: '2010-09-09',
    Description: `Sentinel's DynamoDB tables (${tables.map(table => table.definition.purpose).join(', ')}).`,
    Parameters: parameters,
    Resources: resources,
    Outputs: outputs,
  }
  /* eslint-enable perfectionist/sort-objects */
  // aliasDuplicateObjects false: an object used twice (a global table's replicas share their tags) is
  // written out each time; CloudFormation refuses a template with YAML aliases.
  const document = new (yaml().Document)(template, {aliasDuplicateObjects: false, version: '1.1'})
  document.commentBefore = headerComment(tables, options.existing, options.statusCommand)
  // lineWidth 0: never fold a long description over several lines.
  return document.toString({lineWidth: 0})
}

/**
 * An AWS::DynamoDB::Table's properties in the order the template has always had them: keys, billing,
 * name, indexes, then the rest by name. A setting's properties this list does not know follow, by name.
 */
const TABLE_ORDER = [
  'AttributeDefinitions',
  'BillingMode',
  'KeySchema',
  'TableName',
  'GlobalSecondaryIndexes',
  'DeletionProtectionEnabled',
  'PointInTimeRecoverySpecification',
  'SSESpecification',
  'StreamSpecification',
  'Tags',
  'TimeToLiveSpecification',
]

/** A GlobalTable's: the table's, then the global table's own. */
const GLOBAL_TABLE_ORDER = [
  'AttributeDefinitions',
  'BillingMode',
  'KeySchema',
  'TableName',
  'GlobalSecondaryIndexes',
  'TimeToLiveSpecification',
  'MultiRegionConsistency',
  'Replicas',
  'SSESpecification',
  'StreamSpecification',
]

/** The properties in `order`; any other after them, by name. */
function ordered(properties: Record<string, unknown>, order: readonly string[]): Record<string, unknown> {
  const rank = (name: string) => (order.includes(name) ? order.indexOf(name) : order.length)
  return Object.fromEntries(Object.entries(properties)
  .sort(([a], [b]) => rank(a) - rank(b) || (a < b ? -1 : (a > b ? 1 : 0))))
}

/** Every setting's properties of one kind (settings/), merged. */
function settingsProperties(kind: 'globalTable' | 'table', spec: TableSpec): Record<string, unknown> {
  return Object.assign({}, ...TABLE_SETTINGS.map(setting => setting.cloudFormation?.[kind]?.(spec) ?? {}))
}

function tableProperties(description: TableSpec, nameParameter: string): Record<string, unknown> {
  return ordered({
    TableName: intrinsic('!Ref', nameParameter),
    ...settingsProperties('table', description),
  }, TABLE_ORDER)
}

/**
 * A global table (version 2019.11.21): keys, indexes, TTL, billing and the stream once, for every
 * replica; deletion protection, PITR, tags and the key per replica (AWS does not copy them), the
 * stack's region first, with the table's own.
 */
function globalTableProperties(description: TableSpec, nameParameter: string): Record<string, unknown> {
  return ordered({
    Replicas: [
      replica(description, intrinsic('!Ref', 'AWS::Region')),
      ...description.replicas.map(other => replica(other, other.region)),
    ],
    TableName: intrinsic('!Ref', nameParameter),
    ...settingsProperties('globalTable', description),
  }, GLOBAL_TABLE_ORDER)
}

/** One entry of a global table's Replicas: a replica's own settings, in its region; by name. */
function replica(settings: ReplicaSettings, region: unknown) {
  const properties: Record<string, unknown> = {}
  for (const setting of TABLE_SETTINGS) Object.assign(properties, setting.cloudFormation?.replica?.(settings))
  return ordered({...properties, Region: region}, [])
}

function capitalized(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1)
}

function headerComment(
  tables: readonly DesiredTable[],
  existing: ExistingTables | undefined,
  statusCommand = 'sentinel init status',
): string {
  const example = tables[0] ? `${exportNames(tables[0].definition).cfnNameParameter}=...` : 'Name=...'
  const adopt = tables.filter(table => existing?.has(table.tableName))
  const create = tables.filter(table => !existing?.has(table.tableName))
  const deploy = 'aws cloudformation deploy --stack-name sentinel-tables --template-file sentinel-tables.yaml'
  const lines = [
    ' Sentinel DynamoDB tables, generated by sentinel from the same definitions it applies.',
    ...(adopt.length === 0 ? [` Deploy: ${deploy}`] : []),
    ` Table names are parameters (defaults below; change with --parameter-overrides ${example}).`,
    ' Tables are retained when the stack is deleted or a table is replaced (renaming one replaces it).',
  ]
  const global = tables.filter(table => (table.replicas ?? []).length > 0)
  if (global.length > 0) {
    const regions = [...new Set(global.flatMap(table => (table.replicas ?? []).map(replica => replica.region)))]
    lines.push(
      ' Global tables (version 2019.11.21, eventual consistency): a replica in the stack\'s region and in ' +
        `${regions.join(', ')}.`,
      ' Deploy the stack in the table\'s own region, which must not be one of those. Replicas are never removed by',
      ' sentinel; removing one from Replicas deletes its data.',
      ' A stack that already holds these tables as AWS::DynamoDB::Table: changing the type would replace the table.',
      ' AWS\'s documented path instead: (1) set DeletionPolicy: Retain on the Table and update the stack;',
      ' (2) remove the Table from the template and update the stack (the table stays); (3) import it as',
      ' AWS::DynamoDB::GlobalTable with a change set of type IMPORT, whose only replica is the stack\'s region,',
      ' with the table\'s current settings; (4) then deploy this template to add the other replicas.',
    )
  }

  if (adopt.length > 0) lines.push(...importSteps(adopt, create, deploy))
  lines.push(` Then \`${statusCommand}\` with the same table names reports every table converged.`)
  return lines.join('\n')
}

/**
 * How to adopt the tables that exist: CloudFormation cannot import and create in one operation,
 * nor create a table that exists, so an IMPORT change set comes first (the printed template, as it
 * is, when every table exists), then a deploy for the rest.
 */
function importSteps(adopt: readonly DesiredTable[], create: readonly DesiredTable[], deploy: string): string[] {
  const resources = adopt.map(table => ({
    LogicalResourceId: exportNames(table.definition).cfnResource,
    ResourceIdentifier: {TableName: table.tableName},
    ResourceType: `AWS::DynamoDB::${(table.replicas ?? []).length > 0 ? 'GlobalTable' : 'Table'}`,
  }))
  const file = create.length === 0 ? 'sentinel-tables.yaml' : 'sentinel-import.yaml'
  const changeSet = '--stack-name sentinel-tables --change-set-name sentinel-import'
  const commands = [
    `   aws cloudformation create-change-set ${changeSet} --change-set-type IMPORT \\`,
    `     --template-body file://${file} \\`,
    `     --resources-to-import '${JSON.stringify(resources)}'`,
    `   aws cloudformation wait change-set-create-complete ${changeSet}`,
    `   aws cloudformation execute-change-set ${changeSet}`,
  ]
  const names = adopt.map(table => table.tableName).join(', ')
  if (create.length === 0) {
    const all = adopt.length === 1 ? `The table exists (${names})` : `All ${adopt.length} tables exist (${names})`
    return [
      ` ${all}: import, nothing to create. Save this template as sentinel-tables.yaml, as it is, and run:`,
      ...commands,
    ]
  }

  const leaveOut = create.map(table => exportNames(table.definition).cfnResource).join(', ')
  return [
    ` Already exist: ${names}. CloudFormation cannot import and create in one operation:`,
    ` 1. Copy this template to sentinel-import.yaml and delete from it the resources ${leaveOut}`,
    '    and the Outputs that name them (the tables that exist do not depend on them); then:',
    ...commands,
    ` 2. Then create the rest with this template (saved as sentinel-tables.yaml): ${deploy}`,
  ]
}
