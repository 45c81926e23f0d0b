/**
 * Reads an exported CloudFormation template or Terraform configuration back the way the tools do,
 * independently of our generator: the YAML is parsed with CloudFormation's short-form tags mapped to
 * their long form, the HCL by HashiCorp's own parser (@cdktf/hcl2json). From that it builds what
 * CloudFormation / the Terraform provider would send to DynamoDB (CreateTable, then TTL and PITR),
 * and checks the documents against each tool's published schema.
 *
 * Every mapping is strict: a property or argument these helpers do not know is an error, so an
 * export that grows a setting fails the round-trip tests until the setting is mapped here too.
 */
import {
  CreateTableCommand,
  type CreateTableCommandInput,
  DescribeTableCommand,
  type DynamoDBClient,
  UpdateContinuousBackupsCommand,
  UpdateTimeToLiveCommand,
  type UpdateTimeToLiveCommandInput,
} from '@aws-sdk/client-dynamodb'
import {readFileSync} from 'node:fs'
import {parseDocument, type ScalarTag} from 'yaml'

/** One table as a tool would build it: the CreateTable call and the settings applied after it. */
export interface TableBuild {
  /** CloudFormation logical ID or Terraform resource name. */
  id: string
  createTable: CreateTableCommandInput
  timeToLive?: UpdateTimeToLiveCommandInput
  pointInTimeRecovery: boolean
  tags: Record<string, string>
}

// ---------------------------------------------------------------------------------------------
// CloudFormation

type Json = any

/** CloudFormation's short-form intrinsics, as CloudFormation itself expands them. */
const CFN_TAGS: ScalarTag[] = [
  {resolve: (value: string) => ({Ref: value}), tag: '!Ref'},
  {resolve: (value: string) => ({'Fn::Sub': value}), tag: '!Sub'},
  {
    resolve(value: string) {
      const dot = value.indexOf('.')
      return {'Fn::GetAtt': [value.slice(0, dot), value.slice(dot + 1)]}
    },
    tag: '!GetAtt',
  },
]

/** The template as CloudFormation reads it: YAML 1.1, short-form tags expanded; any warning fails. */
export function parseCloudFormation(text: string): Json {
  const document = parseDocument(text, {customTags: CFN_TAGS, version: '1.1'})
  const problems = [...document.errors, ...document.warnings]
  if (problems.length > 0)
    throw new Error(`Template is not clean YAML: ${problems.map(problem => problem.message).join('; ')}`)
  return document.toJS()
}

/** Resolves {Ref: Parameter} to the parameter's value (its Default unless overridden). */
function resolveParameters(value: Json, parameters: Record<string, Json>, overrides: Record<string, string>): Json {
  if (Array.isArray(value)) return value.map(item => resolveParameters(item, parameters, overrides))
  if (value && typeof value === 'object') {
    if (typeof value.Ref === 'string' && Object.keys(value).length === 1) {
      if (value.Ref in overrides) return overrides[value.Ref]
      if (!(value.Ref in parameters)) throw new Error(`!Ref ${value.Ref} names no parameter`)
      if (parameters[value.Ref].Default === undefined) throw new Error(`Parameter ${value.Ref} has no Default`)
      return parameters[value.Ref].Default
    }

    return Object.fromEntries(Object.entries(value)
    .map(([key, item]) => [key, resolveParameters(item, parameters, overrides)]))
  }

  return value
}

function takeKnown(source: Record<string, Json>, known: readonly string[], where: string): Record<string, Json> {
  const unknown = Object.keys(source).filter(key => !known.includes(key))
  if (unknown.length > 0) throw new Error(`${where}: no mapping for ${unknown.join(', ')}`)
  return source
}

/** What CloudFormation's AWS::DynamoDB::Table handler sends for each table of the template. */
export function tablesFromCloudFormation(template: Json, overrides: Record<string, string> = {}): TableBuild[] {
  const builds: TableBuild[] = []
  for (const [id, resource] of Object.entries<Json>(template.Resources ?? {})) {
    if (resource.Type !== 'AWS::DynamoDB::Table') throw new Error(`${id}: unexpected resource type ${resource.Type}`)
    const properties = takeKnown(
      resolveParameters(resource.Properties, template.Parameters ?? {}, overrides),
      [
        'AttributeDefinitions',
        'BillingMode',
        'DeletionProtectionEnabled',
        'GlobalSecondaryIndexes',
        'KeySchema',
        'PointInTimeRecoverySpecification',
        'SSESpecification',
        'TableName',
        'Tags',
        'TimeToLiveSpecification',
      ],
      id,
    )
    const sse =
      properties.SSESpecification &&
      takeKnown(properties.SSESpecification, ['KMSMasterKeyId', 'SSEEnabled', 'SSEType'], `${id}.SSESpecification`)
    const tags: Record<string, string> = Object.fromEntries((properties.Tags ?? [])
    .map((tag: Json) => [tag.Key, tag.Value]))
    const ttl = properties.TimeToLiveSpecification
    builds.push({
      createTable: {
        AttributeDefinitions: properties.AttributeDefinitions,
        BillingMode: properties.BillingMode,
        DeletionProtectionEnabled: properties.DeletionProtectionEnabled,
        GlobalSecondaryIndexes: properties.GlobalSecondaryIndexes,
        KeySchema: properties.KeySchema,
        SSESpecification: sse && {Enabled: sse.SSEEnabled, KMSMasterKeyId: sse.KMSMasterKeyId, SSEType: sse.SSEType},
        TableName: properties.TableName,
        Tags: properties.Tags,
      },
      id,
      pointInTimeRecovery: Boolean(properties.PointInTimeRecoverySpecification?.PointInTimeRecoveryEnabled),
      tags,
      timeToLive: ttl && {
        TableName: properties.TableName,
        TimeToLiveSpecification: {AttributeName: ttl.AttributeName, Enabled: ttl.Enabled},
      },
    })
  }

  return builds
}

// ---------------------------------------------------------------------------------------------
// Terraform

/** The configuration as HashiCorp's HCL parser reads it (Terraform's JSON form of it). */
export async function parseTerraform(text: string): Promise<Json> {
  const {parse} = await import('@cdktf/hcl2json')
  return parse('sentinel-tables.tf', text)
}

/**
 * hcl2json gives strings in Terraform's JSON syntax: "${...}" is an expression, "$${" and "%%{"
 * are a literal "${" and "%{". Returns the literal text, or the expression's source.
 */
export function terraformString(value: string): {expression?: string; literal?: string} {
  const whole = /^\$\{(.*)\}$/s.exec(value)
  if (whole && !value.startsWith('$${')) return {expression: whole[1]}
  if (/(?<!\$)\$\{|(?<!%)%\{/.test(value)) throw new Error(`Unsupported template: ${value}`)
  return {literal: value.replaceAll('$${', '${').replaceAll('%%{', '%{')}
}

export interface TerraformContext {
  /** Variable values other than the defaults. */
  variables?: Record<string, string>
  /** What data.aws_kms_key.<name>.arn resolves to, given the data source's key_id. */
  kmsKeyArn?: (keyId: string) => string
}

function terraformResolver(config: Json, context: TerraformContext) {
  const resolve = (value: Json): Json => {
    if (Array.isArray(value)) return value.map(item => resolve(item))
    if (value && typeof value === 'object')
      return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, resolve(item)]))
    if (typeof value !== 'string') return value
    const {expression, literal} = terraformString(value)
    if (literal !== undefined) return literal
    const variable = /^var\.([\w-]+)$/.exec(expression!)
    if (variable) {
      const name = variable[1]
      if (context.variables && name in context.variables) return context.variables[name]
      const declared = config.variable?.[name]?.[0]
      if (!declared || declared.default === undefined) throw new Error(`var.${name} has no default`)
      return declared.default
    }

    const kms = /^data\.aws_kms_key\.([\w-]+)\.arn$/.exec(expression!)
    if (kms) {
      const keyId = config.data?.aws_kms_key?.[kms[1]]?.[0]?.key_id
      if (!keyId) throw new Error(`${expression} names no aws_kms_key data source`)
      if (!context.kmsKeyArn) throw new Error(`No KMS lookup given for ${keyId}`)
      return context.kmsKeyArn(keyId)
    }

    throw new Error(`Unsupported expression: ${expression}`)
  }

  return resolve
}

const single = (blocks: Json[] | undefined, where: string): Json | undefined => {
  if (blocks && blocks.length > 1) throw new Error(`${where}: more than one block`)
  return blocks?.[0]
}

/** What the aws provider's aws_dynamodb_table sends for each resource of the configuration. */
export function tablesFromTerraform(config: Json, context: TerraformContext = {}): TableBuild[] {
  const resolve = terraformResolver(config, context)
  const builds: TableBuild[] = []
  for (const [type, resources] of Object.entries<Json>(config.resource ?? {})) {
    if (type !== 'aws_dynamodb_table') throw new Error(`Unexpected resource type ${type}`)
    for (const [id, blocks] of Object.entries<Json[]>(resources)) {
      const table = takeKnown(
        resolve(single(blocks, id)),
        [
          'attribute',
          'billing_mode',
          'deletion_protection_enabled',
          'global_secondary_index',
          'hash_key',
          'lifecycle',
          'name',
          'point_in_time_recovery',
          'server_side_encryption',
          'tags',
          'ttl',
        ],
        id,
      )
      const sse = single(table.server_side_encryption, `${id}.server_side_encryption`)
      const ttl = single(table.ttl, `${id}.ttl`)
      const pitr = single(table.point_in_time_recovery, `${id}.point_in_time_recovery`)
      const tags: Record<string, string> = table.tags ?? {}
      builds.push({
        createTable: {
          AttributeDefinitions: (table.attribute ?? []).map((attribute: Json) => ({
            AttributeName: attribute.name,
            AttributeType: attribute.type,
          })),
          // The provider's default is PROVISIONED.
          BillingMode: table.billing_mode ?? 'PROVISIONED',
          DeletionProtectionEnabled: table.deletion_protection_enabled,
          GlobalSecondaryIndexes: table.global_secondary_index?.map((gsi: Json) => {
            takeKnown(gsi, ['hash_key', 'name', 'projection_type', 'range_key'], `${id}.global_secondary_index`)
            return {
              IndexName: gsi.name,
              KeySchema: [
                {AttributeName: gsi.hash_key, KeyType: 'HASH'},
                ...(gsi.range_key ? [{AttributeName: gsi.range_key, KeyType: 'RANGE'}] : []),
              ],
              Projection: {ProjectionType: gsi.projection_type},
            }
          }),
          KeySchema: [{AttributeName: table.hash_key, KeyType: 'HASH'}],
          // As the provider expands it: enabled means SSEType KMS, with the key when one is named.
          SSESpecification: sse && {
            Enabled: sse.enabled,
            ...(sse.enabled ? {SSEType: 'KMS'} : {}),
            ...(sse.kms_key_arn ? {KMSMasterKeyId: sse.kms_key_arn} : {}),
          },
          TableName: table.name,
          Tags: Object.entries(tags).map(([Key, Value]) => ({Key, Value})),
        },
        id,
        pointInTimeRecovery: Boolean(pitr?.enabled),
        tags,
        timeToLive: ttl?.enabled
          ? {TableName: table.name, TimeToLiveSpecification: {AttributeName: ttl.attribute_name, Enabled: true}}
          : undefined,
      })
    }
  }

  return builds
}

/** The import blocks: which resource adopts which existing table. */
export function importsFromTerraform(config: Json): {to: string; id: string}[] {
  return (config.import ?? []).map((block: Json) => ({
    id: terraformString(block.id).literal!,
    to: terraformString(block.to).expression!,
  }))
}

// ---------------------------------------------------------------------------------------------
// Building the tables

/** Creates each table as the tool would: CreateTable (with tags), wait for ACTIVE, TTL, PITR. */
export async function buildTables(client: DynamoDBClient, builds: readonly TableBuild[]): Promise<void> {
  for (const build of builds) {
    const tableName = build.createTable.TableName!
    await client.send(new CreateTableCommand(build.createTable))
    for (let attempt = 0; ; attempt++) {
      const {Table} = await client.send(new DescribeTableCommand({TableName: tableName}))
      const indexes = Table?.GlobalSecondaryIndexes ?? []
      if (Table?.TableStatus === 'ACTIVE' && indexes.every(gsi => gsi.IndexStatus === 'ACTIVE')) break
      if (attempt > 100) throw new Error(`${tableName} never became ACTIVE`)
      await new Promise(resolve => {
        setTimeout(resolve, 100)
      })
    }

    if (build.timeToLive) await client.send(new UpdateTimeToLiveCommand(build.timeToLive))
    if (build.pointInTimeRecovery) {
      await client.send(new UpdateContinuousBackupsCommand({
        PointInTimeRecoverySpecification: {PointInTimeRecoveryEnabled: true},
        TableName: tableName,
      }))
    }
  }
}

// ---------------------------------------------------------------------------------------------
// CloudFormation: AWS's resource specification (@aws-cdk/aws-service-spec)

type SpecType = {type: string; element?: SpecType; types?: SpecType[]; reference?: {$ref: string}}
interface SpecProperty {
  type: SpecType
  required?: boolean
  deprecated?: string
}

let specDatabase: any
async function dynamoDbTableSpec(): Promise<{db: any; resource: Json}> {
  if (!specDatabase) {
    const {loadAwsServiceSpec} = await import('@aws-cdk/aws-service-spec')
    specDatabase = await loadAwsServiceSpec()
  }

  const [resource] = specDatabase.lookup('resource', 'cloudFormationType', 'equals', 'AWS::DynamoDB::Table')
  return {db: specDatabase, resource}
}

/** The resource types an export holds: a table, or a global table (with replicas). */
const TABLE_TYPES = ['AWS::DynamoDB::Table', 'AWS::DynamoDB::GlobalTable']

async function tableSpecs(): Promise<Record<string, Json>> {
  const {db} = await dynamoDbTableSpec()
  const lookup = (type: string) => db.lookup('resource', 'cloudFormationType', 'equals', type)[0]
  return Object.fromEntries(TABLE_TYPES.map(type => [type, lookup(type)]))
}

/** The template anatomy (AWS CloudFormation User Guide, "Template sections" and each section's page). */
const TEMPLATE_SECTIONS = [
  'AWSTemplateFormatVersion',
  'Conditions',
  'Description',
  'Mappings',
  'Metadata',
  'Outputs',
  'Parameters',
  'Resources',
  'Rules',
  'Transform',
]
const PARAMETER_KEYS = [
  'AllowedPattern',
  'AllowedValues',
  'ConstraintDescription',
  'Default',
  'Description',
  'MaxLength',
  'MaxValue',
  'MinLength',
  'MinValue',
  'NoEcho',
  'Type',
]
const RESOURCE_KEYS = [
  'Condition',
  'CreationPolicy',
  'DeletionPolicy',
  'DependsOn',
  'Metadata',
  'Properties',
  'Type',
  'UpdatePolicy',
  'UpdateReplacePolicy',
]
const DELETION_POLICIES = new Set(['Delete', 'Retain', 'RetainExceptOnCreate', 'Snapshot'])
const OUTPUT_KEYS = ['Condition', 'Description', 'Export', 'Value']
const PSEUDO_PARAMETERS = new Set([
  'AWS::AccountId',
  'AWS::NotificationARNs',
  'AWS::NoValue',
  'AWS::Partition',
  'AWS::Region',
  'AWS::StackId',
  'AWS::StackName',
  'AWS::URLSuffix',
])

/**
 * Problems CloudFormation would reject the template for: every AWS::DynamoDB::Table property name,
 * required property and value type (recursively, through the spec's type definitions), every Ref and
 * GetAtt target, and the shape of each section. An empty list means valid.
 */
export async function cloudFormationProblems(template: Json): Promise<string[]> {
  const {db} = await dynamoDbTableSpec()
  const specs = await tableSpecs()
  const problems: string[] = []
  const parameters = template.Parameters ?? {}
  const resources = template.Resources ?? {}
  const unknownKeys = (value: Json, known: readonly string[], where: string) => {
    for (const key of Object.keys(value ?? {}))
      if (!known.includes(key)) problems.push(`${where}: unknown key ${key}`)
  }

  unknownKeys(template, TEMPLATE_SECTIONS, 'template')
  if (template.AWSTemplateFormatVersion !== '2010-09-09')
    problems.push('AWSTemplateFormatVersion is not the string "2010-09-09"')
  if (typeof template.Description !== 'string' || template.Description.length > 1024)
    problems.push('Description must be a string of at most 1024 characters')
  for (const [name, parameter] of Object.entries<Json>(parameters)) {
    unknownKeys(parameter, PARAMETER_KEYS, `Parameters.${name}`)
    problems.push(...parameterProblems(name, parameter))
  }

  const checkIntrinsic = (value: Json, where: string): boolean => {
    if (!value || typeof value !== 'object' || Array.isArray(value) || Object.keys(value).length !== 1) return false
    const [[fn, argument]] = Object.entries<Json>(value)
    if (fn === 'Ref') {
      if (!(argument in parameters) && !(argument in resources) && !PSEUDO_PARAMETERS.has(argument))
        problems.push(`${where}: Ref to unknown ${argument}`)
      return true
    }

    if (fn === 'Fn::GetAtt') {
      const [target, attribute] = argument as [string, string]
      const type = resources[target]?.Type
      if (!TABLE_TYPES.includes(type))
        problems.push(`${where}: GetAtt on unknown resource ${target}`)
      else if (!(attribute in specs[type].attributes))
        problems.push(`${where}: ${type} has no attribute ${attribute}`)
      return true
    }

    if (fn === 'Fn::Sub') {
      for (const [, name] of String(argument).matchAll(/\$\{([^}!]+)\}/g)) {
        const base = name.split('.')[0]
        if (!(base in parameters) && !(base in resources) && !PSEUDO_PARAMETERS.has(name))
          problems.push(`${where}: Sub names unknown ${name}`)
      }

      return true
    }

    return false
  }

  /** Does `value` fit `type`? Problems are collected only for the branch that is checked for real. */
  const checkValue = (value: Json, type: SpecType, where: string, report: string[]): void => {
    const scalar = ['boolean', 'date-time', 'integer', 'number', 'string'].includes(type.type)
    if (scalar && checkIntrinsic(value, where)) return
    switch (type.type) {
    case 'array': {
      if (Array.isArray(value)) {
        for (const [index, item] of value.entries()) checkValue(item, type.element!, `${where}[${index}]`, report)
      } else {
        report.push(`${where}: expected a list`)
      }

      return
    }

    case 'map': {
      if (!value || typeof value !== 'object' || Array.isArray(value)) report.push(`${where}: expected a map`)
      else
        for (const [key, item] of Object.entries(value)) checkValue(item, type.element!, `${where}.${key}`, report)
      return
    }

    case 'ref': {
      checkProperties(value, db.get('typeDefinition', type.reference!.$ref).properties, where, report)
      return
    }

    case 'union': {
      const attempts = type.types!.map(member => {
        const memberReport: string[] = []
        checkValue(value, member, where, memberReport)
        return memberReport
      })
      if (!attempts.some(attempt => attempt.length === 0)) report.push(...attempts.flat())
      return
    }

    default: {
      const problem = leafValueProblem(value, type.type)
      if (problem) report.push(`${where}: ${problem}`)
    }
    }
  }

  const checkProperties = (
    value: Json,
    properties: Record<string, SpecProperty>,
    where: string,
    report: string[],
  ) => {
    if (!value || typeof value !== 'object' || Array.isArray(value)) {
      report.push(`${where}: expected an object`)
      return
    }

    for (const [name, property] of Object.entries(properties)) {
      if (property.required && value[name] === undefined)
        report.push(`${where}: required property ${name} is missing`)
    }

    for (const [name, item] of Object.entries(value)) {
      const property = properties[name]
      if (property) {
        if (property.deprecated && property.deprecated !== 'NONE') report.push(`${where}.${name}: deprecated`)
        checkValue(item, property.type, `${where}.${name}`, report)
      } else {
        report.push(`${where}: unknown property ${name}`)
      }
    }
  }

  const checkResource = (id: string, resource: Json) => {
    unknownKeys(resource, RESOURCE_KEYS, `Resources.${id}`)
    if (!TABLE_TYPES.includes(resource.Type)) {
      problems.push(`Resources.${id}: unexpected type ${resource.Type}`)
      return
    }

    for (const policy of ['DeletionPolicy', 'UpdateReplacePolicy']) {
      if (resource[policy] !== undefined && !DELETION_POLICIES.has(resource[policy]))
        problems.push(`Resources.${id}.${policy}: ${resource[policy]}`)
    }

    for (const dependency of [resource.DependsOn ?? []].flat()) {
      if (!(dependency in resources)) problems.push(`Resources.${id}.DependsOn: unknown ${dependency}`)
    }

    checkProperties(resource.Properties, specs[resource.Type].properties, `Resources.${id}.Properties`, problems)
  }

  for (const [id, resource] of Object.entries<Json>(resources)) checkResource(id, resource)

  const checkOutput = (name: string, output: Json) => {
    unknownKeys(output, OUTPUT_KEYS, `Outputs.${name}`)
    if (output.Value === undefined) problems.push(`Outputs.${name}: no Value`)
    else if (!checkIntrinsic(output.Value, `Outputs.${name}.Value`) && typeof output.Value !== 'string')
      problems.push(`Outputs.${name}: Value`)
    if (output.Export) {
      unknownKeys(output.Export, ['Name'], `Outputs.${name}.Export`)
      if (
        !checkIntrinsic(output.Export.Name, `Outputs.${name}.Export.Name`) &&
        typeof output.Export.Name !== 'string'
      )
        problems.push(`Outputs.${name}: Export.Name`)
    }
  }

  for (const [name, output] of Object.entries<Json>(template.Outputs ?? {})) checkOutput(name, output)

  // CloudFormation quotas: 200 parameters, 500 resources, 200 outputs per template.
  if (
    Object.keys(parameters).length > 200 ||
    Object.keys(resources).length > 500 ||
    Object.keys(template.Outputs ?? {}).length > 200
  )
    problems.push('over a template quota')
  return problems
}

/** A parameter's own problems: its type, and its Default against its constraints. */
function parameterProblems(name: string, parameter: Json): string[] {
  const problems: string[] = []
  if (parameter.Type !== 'String') problems.push(`Parameters.${name}: Type ${parameter.Type}`)
  const value = parameter.Default
  if (typeof value !== 'string') problems.push(`Parameters.${name}: Default is not a string`)
  else if (parameter.AllowedPattern && !new RegExp(`^(?:${parameter.AllowedPattern})$`).test(value))
    problems.push(`Parameters.${name}: Default fails AllowedPattern`)
  else if (value.length < (parameter.MinLength ?? 0) || value.length > (parameter.MaxLength ?? Infinity))
    problems.push(`Parameters.${name}: Default length`)
  return problems
}

/** Why `value` does not fit a spec type with no members (boolean, string, tag...); undefined if it does. */
function leafValueProblem(value: Json, type: string): string | undefined {
  switch (type) {
  case 'boolean': {
    if (typeof value !== 'boolean') return `expected a boolean, got ${JSON.stringify(value)}`
    return undefined
  }

  case 'integer': {
    if (!Number.isInteger(value)) return `expected an integer, got ${JSON.stringify(value)}`
    return undefined
  }

  case 'json': {
    if (!value || typeof value !== 'object' || Array.isArray(value)) return 'expected a JSON object'
    return undefined
  }

  case 'number': {
    if (typeof value !== 'number') return `expected a number, got ${JSON.stringify(value)}`
    return undefined
  }

  case 'string': {
    if (typeof value !== 'string') return `expected a string, got ${JSON.stringify(value)}`
    return undefined
  }

  case 'tag': {
    if (
      !value ||
      typeof value !== 'object' ||
      typeof value.Key !== 'string' ||
      typeof value.Value !== 'string' ||
      Object.keys(value).length !== 2
    ) {
      return `expected {Key, Value} strings, got ${JSON.stringify(value)}`
    }

    return undefined
  }

  default: {
    return `spec type ${type} not understood by this check`
  }
  }
}

// ---------------------------------------------------------------------------------------------
// Terraform: the aws provider's schema (test/fixtures) and the Terraform language's own blocks

interface SchemaAttribute {
  type: Json
  required?: boolean
  optional?: boolean
  computed?: boolean
  deprecated?: boolean
}
interface SchemaBlock {
  attributes: Record<string, SchemaAttribute>
  blocks?: Record<string, NestedSchemaBlock>
}
type NestedSchemaBlock = SchemaBlock & {nesting: string; max_items?: number; min_items?: number}
interface ProviderSchema {
  resources: Record<string, SchemaBlock>
  data_sources: Record<string, SchemaBlock>
}

/** The trimmed hashicorp/aws schemas (see the file's $comment for where they come from). */
export function providerSchemas(): Record<string, ProviderSchema> {
  return JSON.parse(readFileSync(new URL('../fixtures/terraform-aws-provider-schema.json', import.meta.url), 'utf8'))
  .versions
}

/** Terraform language blocks (developer.hashicorp.com/terraform/language, one page per block type). */
const TOP_LEVEL_BLOCKS = new Set([
  'check',
  'data',
  'import',
  'locals',
  'module',
  'moved',
  'output',
  'provider',
  'removed',
  'resource',
  'terraform',
  'variable',
])
const LANGUAGE_BLOCKS: Record<string, {attributes: string[]; blocks: Record<string, string[]>; required: string[]}> =
  {
    import: {attributes: ['for_each', 'id', 'identity', 'provider', 'to'], blocks: {}, required: ['to']},
    lifecycle: {
      attributes: ['create_before_destroy', 'ignore_changes', 'prevent_destroy', 'replace_triggered_by'],
      blocks: {postcondition: [], precondition: []},
      required: [],
    },
    output: {
      attributes: ['depends_on', 'description', 'ephemeral', 'sensitive', 'value'],
      blocks: {precondition: ['condition', 'error_message']},
      required: ['value'],
    },
    terraform: {
      attributes: ['experiments', 'required_version'],
      blocks: {
        backend: [],
        cloud: [],
        provider_meta: [],
        required_providers: [],
      },
      required: [],
    },
    variable: {
      attributes: ['default', 'description', 'ephemeral', 'nullable', 'sensitive', 'type'],
      blocks: {validation: ['condition', 'error_message']},
      required: [],
    },
  }
const RESOURCE_META_ARGUMENTS = ['count', 'depends_on', 'for_each', 'provider']

/**
 * Problems Terraform would report for the parsed configuration against one provider version's
 * schema: unknown or computed-only arguments, unknown blocks, missing required arguments, too many
 * nested blocks, wrong value types, deprecated arguments (unless allowed: "block.argument" paths
 * such as "global_secondary_index.hash_key"), and the argument names of the language's own
 * blocks. An empty list means valid.
 */
export function terraformProblems(
  config: Json,
  schema: ProviderSchema,
  allowDeprecated: readonly string[] = [],
): string[] {
  const problems: string[] = []
  const isExpression = (value: Json) => typeof value === 'string' && terraformString(value).expression !== undefined
  const checkType = (value: Json, type: Json, where: string) => {
    if (isExpression(value)) return
    const scalar: Record<string, string> = {bool: 'boolean', number: 'number', string: 'string'}
    let ok = false
    if (typeof type === 'string') ok = typeof value === scalar[type]
    else if (type[0] === 'map') {
      ok = Boolean(value) && typeof value === 'object' && !Array.isArray(value)
      ok &&= Object.values(value).every(item => isExpression(item) || typeof item === scalar[type[1]])
    } else if (type[0] === 'list' || type[0] === 'set') ok = Array.isArray(value)
    if (!ok) problems.push(`${where}: ${JSON.stringify(value)} is not of type ${JSON.stringify(type)}`)
  }

  const checkBlock = (
    body: Json,
    block: SchemaBlock,
    where: string,
    extra: {attributes?: string[]; blocks?: string[]} = {},
  ) => {
    for (const [name, attribute] of Object.entries(block.attributes)) {
      if (attribute.required && body[name] === undefined)
        problems.push(`${where}: required argument ${name} is missing`)
    }

    for (const [name, value] of Object.entries<Json>(body)) {
      if (extra.attributes?.includes(name) || extra.blocks?.includes(name)) continue
      const attribute = block.attributes[name]
      const nested = block.blocks?.[name]
      if (attribute) checkAttribute(value, attribute, `${where}.${name}`)
      else if (nested) checkNestedBlocks(value, nested, `${where}.${name}`)
      else problems.push(`${where}: unknown argument or block ${name}`)
    }
  }

  const checkAttribute = (value: Json, attribute: SchemaAttribute, where: string) => {
    if (!attribute.optional && !attribute.required)
      problems.push(`${where}: computed only, cannot be set`)
    const path = where.replaceAll(/\[\d+\]/g, '')
    if (attribute.deprecated && !allowDeprecated.some(allowed => path.endsWith(`.${allowed}`)))
      problems.push(`${path}: deprecated`)
    checkType(value, attribute.type, where)
  }

  const checkNestedBlocks = (value: Json, nested: NestedSchemaBlock, where: string) => {
    if (!Array.isArray(value)) {
      problems.push(`${where}: expected blocks`)
      return
    }

    if (nested.max_items !== undefined && value.length > nested.max_items)
      problems.push(`${where}: at most ${nested.max_items} block(s)`)
    if (nested.min_items !== undefined && value.length < nested.min_items)
      problems.push(`${where}: at least ${nested.min_items} block(s)`)
    for (const [index, item] of value.entries()) checkBlock(item, nested, `${where}[${index}]`)
  }

  const checkLanguageBlock = (body: Json, kind: string, where: string) => {
    const {attributes, blocks, required} = LANGUAGE_BLOCKS[kind]
    for (const name of required)
      if (body[name] === undefined) problems.push(`${where}: required argument ${name} is missing`)
    for (const [name, value] of Object.entries<Json>(body)) {
      if (attributes.includes(name)) continue
      if (name in blocks) {
        const allowed = blocks[name]
        for (const key of [value].flat().flatMap(item => Object.keys(item)))
          if (allowed.length > 0 && !allowed.includes(key))
            problems.push(`${where}.${name}: unknown argument ${key}`)
      } else {
        problems.push(`${where}: unknown argument or block ${name}`)
      }
    }
  }

  const checkDataSources = (type: string, named: Json) => {
    const block = schema.data_sources[type]
    if (block) {
      for (const [name, bodies] of Object.entries<Json[]>(named))
        for (const body of bodies)
          checkBlock(body, block, `data.${type}.${name}`, {attributes: RESOURCE_META_ARGUMENTS})
    } else {
      problems.push(`data source ${type} not in the schema`)
    }
  }

  const checkResources = (type: string, named: Json) => {
    const block = schema.resources[type]
    if (!block) {
      problems.push(`resource type ${type} not in the schema`)
      return
    }

    for (const [name, bodies] of Object.entries<Json[]>(named)) {
      for (const body of bodies) {
        checkBlock(body, block, `${type}.${name}`, {attributes: RESOURCE_META_ARGUMENTS, blocks: ['lifecycle']})
        for (const lifecycle of body.lifecycle ?? [])
          checkLanguageBlock(lifecycle, 'lifecycle', `${type}.${name}.lifecycle`)
      }
    }
  }

  for (const key of Object.keys(config))
    if (!TOP_LEVEL_BLOCKS.has(key)) problems.push(`unknown top-level block ${key}`)
  for (const body of config.terraform ?? []) checkLanguageBlock(body, 'terraform', 'terraform')
  for (const [name, bodies] of Object.entries<Json[]>(config.variable ?? {}))
    for (const body of bodies) checkLanguageBlock(body, 'variable', `variable.${name}`)
  for (const [name, bodies] of Object.entries<Json[]>(config.output ?? {}))
    for (const body of bodies) checkLanguageBlock(body, 'output', `output.${name}`)
  for (const body of config.import ?? []) checkLanguageBlock(body, 'import', 'import')
  for (const [type, named] of Object.entries<Json>(config.data ?? {})) checkDataSources(type, named)
  for (const [type, named] of Object.entries<Json>(config.resource ?? {})) checkResources(type, named)
  return problems
}
