/**
 * --export: the CloudFormation template is checked against AWS's resource specification for
 * AWS::DynamoDB::Table (@aws-cdk/aws-service-spec), the Terraform configuration is parsed by
 * HashiCorp's HCL parser and checked against the aws provider's schema (oldest and newest version
 * the required_providers constraint admits that we hold a schema for), and both are read back into
 * the CreateTable calls the tools would make, which must match the table definitions.
 */
import {format as terraformFmt} from '@cdktf/hcl-tools'
import {expect} from 'chai'
import {isNode, parseDocument, visit} from 'yaml'

import {SentinelError} from '../../src/errors.js'
import {renderCloudFormation} from '../../src/export/cloudformation.js'
import {
  EXPORT_FORMATS, type ExportFormat, RENDERERS, renderExport,
} from '../../src/export/index.js'
import {renderTerraform} from '../../src/export/terraform.js'
import {ALL_TABLES, keyAttributes, type TableDefinition} from '../../src/tables/definitions.js'
import {type DesiredTable, desiredTables, type TableSettingsInput} from '../../src/tables/desired.js'
import {
  cloudFormationProblems,
  importsFromTerraform,
  parseCloudFormation,
  parseTerraform,
  providerSchemas,
  type TableBuild,
  tablesFromCloudFormation,
  tablesFromTerraform,
  terraformProblems,
} from '../support/iac.js'

const REGION = 'us-east-1'
const KEY_ARN = 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab'
const KEY_ID = '1234abcd-12ab-34cd-56ef-1234567890ab'
/**
 * The GSI hash_key / range_key arguments are deprecated from provider 6.30 on in favour of key_schema,
 * which 5.x lacks; the export keeps them so one file works across the whole constraint.
 */
const ALLOWED_DEPRECATIONS = ['global_secondary_index.hash_key', 'global_secondary_index.range_key']

function tables(
  settings: Partial<TableSettingsInput> = {},
  names: Partial<Record<string, string>> = {},
): DesiredTable[] {
  const choices = ALL_TABLES.map(definition => ({
    definition,
    source: 'default',
    tableName: names[definition.kind] ?? definition.defaultTableName,
  }))
  return desiredTables(choices, {deletionProtection: true, pitr: true, ...settings}, REGION)
}

/** What the CLI itself creates for a table, straight from the definition (not from an export). */
function expectBuildMatchesDefinition(build: TableBuild, definition: TableDefinition, tableName: string): void {
  const create = build.createTable
  expect(create.TableName).to.equal(tableName)
  expect(create.BillingMode).to.equal('PAY_PER_REQUEST')
  expect(create.KeySchema).to.deep.equal([{AttributeName: definition.partitionKey, KeyType: 'HASH'}])
  expect(create.AttributeDefinitions)
  .to.have.deep.members(keyAttributes(definition).map(name => ({AttributeName: name, AttributeType: 'S'})))
  expect(create.AttributeDefinitions).to.have.length(keyAttributes(definition).length)
  const indexes = definition.indexes.map(gsi => ({
    IndexName: gsi.name,
    KeySchema: [
      {AttributeName: gsi.partitionKey, KeyType: 'HASH'},
      {AttributeName: gsi.sortKey, KeyType: 'RANGE'},
    ],
    Projection: {ProjectionType: 'ALL'},
  }))
  expect(create.GlobalSecondaryIndexes ?? []).to.have.deep.members(indexes)
  expect(create.GlobalSecondaryIndexes ?? []).to.have.length(indexes.length)
  expect(build.timeToLive).to.deep.equal({
    TableName: tableName,
    TimeToLiveSpecification: {AttributeName: definition.ttlAttribute, Enabled: true},
  })
  expect(build.tags['sentinel:table']).to.equal(definition.kind)
}

/** A build as both formats should agree on it: tags in key order, no format-specific id. */
function comparable(build: TableBuild) {
  return {
    ...build,
    createTable: {
      ...build.createTable,
      Tags: [...(build.createTable.Tags ?? [])].sort((a, b) => (a.Key! < b.Key! ? -1 : 1)),
    },
    id: undefined,
  }
}

const TERRAFORM_ORDER = ['session', 'break_glass', 'approval', 'rate_limit']
function inDefinitionOrder(builds: TableBuild[]): TableBuild[] {
  return [...builds].sort((a, b) => TERRAFORM_ORDER.indexOf(a.id) - TERRAFORM_ORDER.indexOf(b.id))
}

describe('export: CloudFormation', () => {
  it("is valid against AWS::DynamoDB::Table in AWS's resource specification, with every setting", async () => {
    for (const settings of [
      {},
      {kmsKey: KEY_ARN, tags: ['team=security']},
      {kmsKey: 'alias/sentinel'},
    ]) {
      const template = parseCloudFormation(renderExport('cloudformation', tables(settings)))
      expect(await cloudFormationProblems(template), JSON.stringify(settings)).to.deep.equal([])
    }
  })

  it('the spec check catches a misspelt property, a wrong type, a missing required property, a bad Ref', async () => {
    const template = parseCloudFormation(renderExport('cloudformation', tables()))
    const properties = template.Resources.SessionTable.Properties
    properties.BilingMode = 'PAY_PER_REQUEST'
    properties.DeletionProtectionEnabled = 'true'
    delete properties.KeySchema
    properties.GlobalSecondaryIndexes[0].Projection = {Extra: 1, ProjectionType: 'ALL'}
    properties.TimeToLiveSpecification = {AttributeName: 'ttl'}
    properties.TableName = {Ref: 'NoSuchParameter'}
    const problems = await cloudFormationProblems(template)
    expect(problems.join('\n'))
    .to.contain('unknown property BilingMode')
    .and.contain('DeletionProtectionEnabled: expected a boolean')
    .and.contain('required property KeySchema is missing')
    .and.contain('Projection: unknown property Extra')
    .and.contain('TimeToLiveSpecification: required property Enabled is missing')
    .and.contain('Ref to unknown NoSuchParameter')
  })

  it('holds every table as SPEC lists it, retained, with the names as parameters and outputs', () => {
    const text = renderExport('cloudformation', tables())
    const template = parseCloudFormation(text)
    const builds = tablesFromCloudFormation(template)
    expect(builds.map(build => build.id)).to.deep.equal([
      'SessionTable',
      'BreakGlassTable',
      'ApprovalTable',
      'RateLimitTable',
    ])
    for (const [index, definition] of ALL_TABLES.entries()) {
      const build = builds[index]
      expectBuildMatchesDefinition(build, definition, definition.defaultTableName)
      expect(build.createTable.SSESpecification).to.deep.equal({
        Enabled: true,
        KMSMasterKeyId: undefined,
        SSEType: 'KMS',
      })
      expect(build.createTable.DeletionProtectionEnabled).to.equal(true)
      expect(build.pointInTimeRecovery).to.equal(true)
      const resource = template.Resources[build.id]
      expect(resource).to.include({
        DeletionPolicy: 'Retain',
        Type: 'AWS::DynamoDB::Table',
        UpdateReplacePolicy: 'Retain',
      })
      const parameter = template.Parameters[`${definition.policyKind}TableName`]
      expect(parameter).to.include({Default: definition.defaultTableName, Type: 'String'})
      expect(resource.Properties.TableName).to.deep.equal({Ref: `${definition.policyKind}TableName`})
      const nameOutput = template.Outputs[`${definition.policyKind}TableName`]
      expect(nameOutput.Value).to.deep.equal({Ref: build.id})
      expect(nameOutput.Description).to.contain(definition.envVars[0])
      expect(nameOutput.Export.Name).to.deep.equal({
        'Fn::Sub': `\${AWS::StackName}-${definition.policyKind}TableName`,
      })
      expect(template.Outputs[`${definition.policyKind}TableArn`].Value).to.deep.equal({
        'Fn::GetAtt': [build.id, 'Arn'],
      })
    }

    expect(builds[3].timeToLive?.TimeToLiveSpecification?.AttributeName).to.equal('TTL')
    expect(text).to.contain('TableName: !Ref SessionTableName').and.contain('Value: !GetAtt SessionTable.Arn')
    expect(text.startsWith('# Sentinel DynamoDB tables')).to.equal(true)
  })

  it('chains the tables with indexes with DependsOn (DynamoDB limits concurrent index creation)', () => {
    const template = parseCloudFormation(renderExport('cloudformation', tables()))
    expect(template.Resources.SessionTable.DependsOn).to.equal(undefined)
    expect(template.Resources.BreakGlassTable.DependsOn).to.equal('SessionTable')
    expect(template.Resources.ApprovalTable.DependsOn).to.equal('BreakGlassTable')
    expect(template.Resources.RateLimitTable.DependsOn).to.equal(undefined)
  })

  it('carries the KMS key, custom names, --tag and the protections on (never switched off)', () => {
    const names = {
      approvals: 'prod-requests',
      breakglass: 'prod-bg',
      ratelimit: 'prod-rl',
      sessions: 'prod-sessions',
    }
    const settings = {
      kmsKey: KEY_ARN,
      tags: ['team=security', 'cost-center=42'],
    }
    const template = parseCloudFormation(renderExport('cloudformation', tables(settings, names)))
    const builds = tablesFromCloudFormation(template)
    for (const [index, definition] of ALL_TABLES.entries()) {
      expectBuildMatchesDefinition(builds[index], definition, names[definition.kind])
      expect(builds[index].createTable.SSESpecification).to.deep.equal({
        Enabled: true,
        KMSMasterKeyId: KEY_ARN,
        SSEType: 'KMS',
      })
      expect(builds[index].createTable.DeletionProtectionEnabled).to.equal(true)
      expect(builds[index].pointInTimeRecovery).to.equal(true)
      expect(builds[index].tags).to.deep.equal({
        'cost-center': '42',
        'sentinel:table': definition.kind,
        team: 'security',
      })
    }

    expect(tablesFromCloudFormation(template, {SessionTableName: 'other'})[0].createTable.TableName).to.equal('other')
  })

  it('passes a key ID or alias as DynamoDB takes it (KMSMasterKeyId accepts either)', () => {
    for (const key of [KEY_ID, 'alias/sentinel']) {
      const template = parseCloudFormation(renderExport('cloudformation', tables({kmsKey: key})))
      const [build] = tablesFromCloudFormation(template)
      expect(build.createTable.SSESpecification?.KMSMasterKeyId).to.equal(key)
    }
  })

  it("quotes what YAML 1.1 (CloudFormation's YAML) would read as a boolean, number, date or null", () => {
    const values = [
      'yes',
      'No',
      'on',
      'OFF',
      'y',
      '0123',
      '1_000',
      '0x1F',
      '12:30',
      '2024-01-01',
      'null',
      'a: b',
      '- x',
      ': team',
      '+1',
      '.5',
      '= x',
    ]
    const tags = values.map((value, index) => `k${index}=${value}`)
    const template = parseCloudFormation(renderExport('cloudformation', tables({tags})))
    const [build] = tablesFromCloudFormation(template)
    for (const [index, value] of values.entries()) expect(build.tags[`k${index}`], value).to.equal(value)
    expect(template.AWSTemplateFormatVersion).to.equal('2010-09-09')
  })

  it('is deterministic, whatever order the tags came in', () => {
    const a = renderExport('cloudformation', tables({tags: ['b=2', 'a=1']}))
    const b = renderExport('cloudformation', tables({tags: ['a=1', 'b=2']}))
    expect(a).to.equal(b)
    expect(a).to.equal(renderExport('cloudformation', tables({tags: ['b=2', 'a=1']})))
  })

  it('names the tables that already exist and how to import them', () => {
    const text = renderExport('cloudformation', tables(), {existing: new Map([['sentinel-sessions', {}]])})
    expect(text).to.contain('Already exist: sentinel-sessions').and.contain('"LogicalResourceId":"SessionTable"')
    expect(renderExport('cloudformation', tables())).not.to.contain('Already exist')
  })

  it('--import-existing: the tables that exist depend on nothing; all existing is imported as printed', () => {
    const all = new Map(tables().map(table => [table.tableName, {}]))
    const text = renderExport('cloudformation', tables(), {existing: all})
    const template = parseCloudFormation(text) as {Resources: Record<string, {DependsOn?: string}>}
    const dependsOn = Object.values(template.Resources).map(resource => resource.DependsOn)
    expect(dependsOn).to.deep.equal([undefined, undefined, undefined, undefined])
    expect(text).to.contain('aws cloudformation create-change-set --stack-name sentinel-tables')
    .and.contain('--change-set-type IMPORT')
    .and.contain('--template-body file://sentinel-tables.yaml')
    .and.contain('--resources-to-import \'[{"LogicalResourceId":"SessionTable"')
    .and.contain('aws cloudformation execute-change-set')
    .and.not.contain('create the rest')
    .and.not.contain('Deploy:')
    // Some exist: their resources depend on nothing; the rest are still chained, then deployed.
    const some = renderExport('cloudformation', tables(), {existing: new Map([['sentinel-sessions', {}]])})
    const partial = parseCloudFormation(some) as {Resources: Record<string, {DependsOn?: string}>}
    expect(partial.Resources.SessionTable.DependsOn).to.equal(undefined)
    expect(Object.values(partial.Resources).some(resource => resource.DependsOn)).to.equal(true)
    expect(some).to.contain('sentinel-import.yaml').and.contain('create the rest')
  })
})

describe('export: Terraform', () => {
  const schemas = providerSchemas()

  it("parses with HashiCorp's HCL parser and fits the aws provider schema, oldest and newest", async () => {
    expect(Object.keys(schemas)).to.deep.equal(['5.3.0', '6.47.0'])
    for (const settings of [
      {},
      {kmsKey: KEY_ARN, tags: ['team=security']},
      {kmsKey: 'alias/sentinel'},
    ]) {
      const existing = new Map([['sentinel-requests', {}]])
      const config = await parseTerraform(renderExport('terraform', tables(settings), {existing}))
      for (const [version, schema] of Object.entries(schemas)) {
        expect(
          terraformProblems(config, schema, ALLOWED_DEPRECATIONS),
          `${version} ${JSON.stringify(settings)}`,
        ).to.deep.equal([])
      }
    }
  })

  it('the schema check catches unknown, computed-only, deprecated and missing arguments and extra blocks', async () => {
    const config = await parseTerraform(renderExport('terraform', tables()))
    const table = config.resource.aws_dynamodb_table.session[0]
    table.biling_mode = 'PAY_PER_REQUEST'
    table.arn = 'arn:aws:dynamodb:us-east-1:123456789012:table/x'
    delete table.name
    table.ttl.push({attribute_name: 'other', enabled: true})
    table.deletion_protection_enabled = 'yes'
    config.variable.session_table_name[0].defualt = 'x'
    const problems = terraformProblems(config, schemas['6.47.0']).join('\n')
    expect(problems)
    .to.contain('unknown argument or block biling_mode')
    .and.contain('arn: computed only')
    .and.contain('required argument name is missing')
    .and.contain('ttl: at most 1 block(s)')
    .and.contain('deletion_protection_enabled: "yes" is not of type "bool"')
    .and.contain('global_secondary_index.hash_key: deprecated')
    .and.contain('variable.session_table_name: unknown argument or block defualt')
  })

  it('is already formatted as terraform fmt writes it', async () => {
    for (const settings of [{}, {kmsKey: 'alias/sentinel', tags: ['team=security', 'a b=c']}]) {
      const text = renderExport('terraform', tables(settings), {existing: new Map([['sentinel-sessions', {}]])})
      expect(await terraformFmt(text)).to.equal(text)
    }
  })

  it('holds every table as SPEC lists it, undestroyable, with names as variables and outputs', async () => {
    const config = await parseTerraform(renderExport('terraform', tables()))
    // HashiCorp's parser hands resources back by name, sorted; the definitions' order is checked in the text.
    const builds = inDefinitionOrder(tablesFromTerraform(config))
    expect(builds.map(build => build.id)).to.deep.equal(['session', 'break_glass', 'approval', 'rate_limit'])
    for (const [index, definition] of ALL_TABLES.entries()) {
      const build = builds[index]
      expectBuildMatchesDefinition(build, definition, definition.defaultTableName)
      expect(build.createTable.SSESpecification).to.deep.equal({Enabled: true, SSEType: 'KMS'})
      expect(build.createTable.DeletionProtectionEnabled).to.equal(true)
      expect(build.pointInTimeRecovery).to.equal(true)
      const resource = config.resource.aws_dynamodb_table[build.id][0]
      expect(resource.lifecycle).to.deep.equal([{prevent_destroy: true}])
      const variable = `${build.id}_table_name`
      expect(resource.name).to.equal(`\${var.${variable}}`)
      expect(config.variable[variable][0]).to.include({default: definition.defaultTableName, type: '${string}'})
      expect(config.variable[variable][0].validation).to.have.length(1)
      expect(config.output[`${build.id}_table_name`][0].value).to.equal(`\${aws_dynamodb_table.${build.id}.name}`)
      expect(config.output[`${build.id}_table_name`][0].description).to.contain(definition.envVars[0])
      expect(config.output[`${build.id}_table_arn`][0].value).to.equal(`\${aws_dynamodb_table.${build.id}.arn}`)
      expect(config.output.sentinel_environment[0].value[definition.envVars[0]])
      .to.equal(`\${aws_dynamodb_table.${build.id}.name}`)
    }

    expect(builds[3].timeToLive?.TimeToLiveSpecification?.AttributeName).to.equal('TTL')
    const text = renderExport('terraform', tables())
    const order = TERRAFORM_ORDER.map(name => text.indexOf(`resource "aws_dynamodb_table" "${name}"`))
    expect(order)
    .to.deep.equal([...order].sort((a, b) => a - b))
    .and.not.include(-1)
    expect(config.terraform[0].required_version).to.equal('>= 1.5.0')
    expect(config.terraform[0].required_providers[0].aws).to.deep.equal({
      source: 'hashicorp/aws',
      version: '>= 5.0, < 7.0',
    })
    expect(config.import).to.equal(undefined)
    expect(config.data).to.equal(undefined)
  })

  it('carries a key ARN as is, custom names, --tag and the protections on (never switched off)', async () => {
    const names = {
      approvals: 'prod-requests',
      breakglass: 'prod-bg',
      ratelimit: 'prod-rl',
      sessions: 'prod-sessions',
    }
    const settings = {
      kmsKey: KEY_ARN,
      tags: ['team=security', 'cost center=42'],
    }
    const config = await parseTerraform(renderExport('terraform', tables(settings, names)))
    const builds = inDefinitionOrder(tablesFromTerraform(config))
    for (const [index, definition] of ALL_TABLES.entries()) {
      expectBuildMatchesDefinition(builds[index], definition, names[definition.kind])
      expect(builds[index].createTable.SSESpecification).to.deep.equal({
        Enabled: true,
        KMSMasterKeyId: KEY_ARN,
        SSEType: 'KMS',
      })
      expect(builds[index].createTable.DeletionProtectionEnabled).to.equal(true)
      expect(builds[index].pointInTimeRecovery).to.equal(true)
      expect(builds[index].tags).to.deep.equal({
        'cost center': '42',
        'sentinel:table': definition.kind,
        team: 'security',
      })
    }

    expect(config.data).to.equal(undefined)
    const renamed = tablesFromTerraform(config, {variables: {session_table_name: 'other'}})
    .find(build => build.id === 'session')
    expect(renamed?.createTable.TableName).to.equal('other')
  })

  it('resolves a key ID or alias to its ARN through one aws_kms_key data source', async () => {
    for (const key of [KEY_ID, 'alias/sentinel', 'arn:aws:kms:us-east-1:123456789012:alias/sentinel']) {
      const config = await parseTerraform(renderExport('terraform', tables({kmsKey: key})))
      expect(config.data.aws_kms_key).to.deep.equal({sentinel_tables: [{key_id: key}]})
      const builds = tablesFromTerraform(config, {kmsKeyArn: keyId => `resolved:${keyId}`})
      for (const build of builds)
        expect(build.createTable.SSESpecification?.KMSMasterKeyId).to.equal(`resolved:${key}`)
      for (const table of Object.values<any>(config.resource.aws_dynamodb_table)) {
        expect(table[0].server_side_encryption[0].kms_key_arn).to.equal('${data.aws_kms_key.sentinel_tables.arn}')
      }
    }
  })

  it('adds an import block for each table that exists, and none for the others', async () => {
    const existing = new Map([
      ['sentinel-ratelimit', {}],
      ['sentinel-sessions', {arn: 'arn:aws:dynamodb:us-east-1:123456789012:table/sentinel-sessions'}],
    ])
    const config = await parseTerraform(renderExport('terraform', tables(), {existing}))
    expect(importsFromTerraform(config)).to.deep.equal([
      {id: 'sentinel-sessions', to: 'aws_dynamodb_table.session'},
      {id: 'sentinel-ratelimit', to: 'aws_dynamodb_table.rate_limit'},
    ])
    expect(renderExport('terraform', tables(), {existing})).to.contain('The import blocks adopt the tables')
    const plain = renderExport('terraform', tables())
    expect(plain).not.to.match(/import blocks? adopt/i)
    expect(plain).to.contain('export with --import-existing')
    const elsewhere = new Map([['someone-elses-table', {}]])
    const none = await parseTerraform(renderExport('terraform', tables(), {existing: elsewhere}))
    expect(importsFromTerraform(none)).to.deep.equal([])
  })

  it('is deterministic, whatever order the tags came in', () => {
    const a = renderExport('terraform', tables({tags: ['b=2', 'a=1']}))
    expect(a).to.equal(renderExport('terraform', tables({tags: ['a=1', 'b=2']})))
  })
})

describe('export: one source of truth', () => {
  it('both formats build the same tables from the same definitions', async () => {
    const settings = {kmsKey: KEY_ARN, tags: ['team=security']}
    const fromCfn = tablesFromCloudFormation(parseCloudFormation(renderExport('cloudformation', tables(settings))))
    const terraform = await parseTerraform(renderExport('terraform', tables(settings)))
    const fromTf = inDefinitionOrder(tablesFromTerraform(terraform))
    expect(fromTf.map(build => comparable(build))).to.deep.equal(fromCfn.map(build => comparable(build)))
    expect(EXPORT_FORMATS).to.deep.equal(['cloudformation', 'terraform'])
  })
})

describe('export: one renderer per format (issue 24)', () => {
  it('each format is written by its own renderer, and every format has one', () => {
    expect(Object.keys(RENDERERS).sort()).to.deep.equal([...EXPORT_FORMATS].sort())
    expect(renderExport('cloudformation', tables())).to.equal(renderCloudFormation(tables()))
    expect(renderExport('terraform', tables())).to.equal(renderTerraform(tables()))
  })

  it('a format without a renderer is refused as a bug, never written as Terraform', () => {
    const unknown = 'pulumi' as ExportFormat
    expect(() => renderExport(unknown, tables())).to.throw(SentinelError, 'no renderer for export format pulumi')
    .with.property('code', 'UNEXPECTED')
  })
})

describe('export: CloudFormation global tables', () => {
  it('are written without YAML anchors or aliases, which CloudFormation refuses', () => {
    const text = renderExport('cloudformation', tables({
      kmsKey: KEY_ARN,
      replicaKmsKeys: ['eu-west-1=alias/eu', 'ap-southeast-2=alias/ap'],
      replicaRegions: ['eu-west-1', 'ap-southeast-2'],
      tags: ['team=security'],
    }))
    const document = parseDocument(text, {version: '1.1'})
    let aliasesAndAnchors = 0
    visit(document, {
      Alias() {
        aliasesAndAnchors++
      },
      Node(_, node) {
        if (isNode(node) && node.anchor) aliasesAndAnchors++
      },
    })
    expect(aliasesAndAnchors, text).to.equal(0)
    const replicas = parseCloudFormation(text).Resources.SessionTable.Properties.Replicas
    expect(replicas).to.have.length(3)
    for (const replica of replicas) expect(replica.Tags).to.deep.include({Key: 'team', Value: 'security'})
  })
})

describe('exports never switch protections off (issue 16)', () => {
  for (const format of EXPORT_FORMATS) {
    for (const [settings, flag] of [
      [{pitr: false}, '--no-pitr'],
      [{deletionProtection: false}, '--no-deletion-protection'],
    ] as const) {
      it(`${format} with ${flag} is refused, naming the flag`, () => {
        expect(() => renderExport(format, tables(settings))).to.throw(SentinelError, flag)
        .with.property('code', 'INVALID_INPUT')
      })
    }
  }
})
