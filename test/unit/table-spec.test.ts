/**
 * One description of a table: what the provisioning service sends to DynamoDB (CreateTable, then
 * TTL and PITR, recorded by the in-memory DynamoDB), the CloudFormation resource (the YAML parsed
 * back) and the Terraform resources (parsed back by HashiCorp's parser) say the same about every
 * table, whatever the settings: keys, indexes, TTL, billing, key, protections, tags and replicas.
 */
import {expect} from 'chai'

import {renderExport} from '../../src/export/index.js'
import {exportNames} from '../../src/export/names.js'
import {EndpointCapabilities} from '../../src/provisioning/live-table.js'
import {createTableInput, Provisioner} from '../../src/provisioning/provisioner.js'
import {ALL_TABLES, SENTINEL_TAG_KEY} from '../../src/tables/definitions.js'
import {type DesiredTable, desiredTables, type TableSettingsInput} from '../../src/tables/desired.js'
import {tableSpec} from '../../src/tables/table-spec.js'
import {FakeDynamoDb, fakeKms} from '../support/fake-dynamodb.js'
import {parseCloudFormation, parseTerraform, terraformString} from '../support/iac.js'

type Json = any

/** A table's settings, as each output states them, in one comparable form. */
interface Settings {
  keySchema: {AttributeName: string; KeyType: string}[]
  attributes: {AttributeName: string; AttributeType: string}[]
  indexes: {IndexName: string; KeySchema: {AttributeName: string; KeyType: string}[]; Projection: Json}[]
  billingMode: string
  ttlAttribute: string | undefined
  /** The customer-managed key as written (KMSMasterKeyId; Terraform's kms_key_arn or its lookup's key_id). */
  kmsKey: string | undefined
  deletionProtection: boolean
  pitr: boolean
  /** Key and value pairs, in the order written. */
  tags: [string, string][]
  replicas: Replica[]
}

interface Replica {
  region: string
  kmsKey: string | undefined
  deletionProtection: boolean
  pitr: boolean
  tags: [string, string][]
}

const REGION = 'us-east-1'
const KEY_ARN = 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab'
const EU_KEY_ARN = 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab'
const REPLICAS = ['eu-west-1', 'ap-southeast-2']

const SETTINGS: Record<string, Partial<TableSettingsInput>> = {
  'customer key (alias), tags': {kmsKey: 'alias/sentinel', tags: ['team=x', 'a=b']},
  'customer key (ARN)': {kmsKey: KEY_ARN},
  'customer key (ID)': {kmsKey: '1234abcd-12ab-34cd-56ef-1234567890ab', tags: ['z=last']},
  default: {},
  'replicas, AWS-managed key': {replicaRegions: REPLICAS},
  'replicas with their own keys, tags': {
    kmsKey: KEY_ARN,
    replicaKmsKeys: [`eu-west-1=${EU_KEY_ARN}`, 'ap-southeast-2=alias/ap'],
    replicaRegions: REPLICAS,
    tags: ['team=x', 'a=b'],
  },
}

function desired(settings: Partial<TableSettingsInput>): DesiredTable[] {
  const choices = ALL_TABLES.map(definition => ({
    definition,
    source: 'default',
    tableName: definition.defaultTableName,
  }))
  return desiredTables(choices, {deletionProtection: true, pitr: true, ...settings}, REGION)
}

/** What the provisioning service sends for a new table: CreateTable, then UpdateTimeToLive and PITR. */
async function fromProvisioning(table: DesiredTable): Promise<Omit<Settings, 'replicas'>> {
  const fake = new FakeDynamoDb()
  const provisioner = new Provisioner(new EndpointCapabilities(fake), {
    resolveKey: fakeKms(), timing: {pollMs: 1, rereadMs: 1},
  })
  // Replicas are added after the table (global-table.ts); the table in its own region is what is created.
  // An alias comes resolved (as KMS would, to the ARN the in-memory DynamoDB reports), so the check
  // after CreateTable can compare the key: resolving it is not what this test is about.
  const alias = table.kmsKey?.kind === 'alias' ? table.kmsKey.name : undefined
  const resolvedKmsKey = alias ? {arn: `arn:aws:kms:us-east-1:123456789012:key/${alias}`} : undefined
  const inspection = await provisioner.inspect({...table, replicas: undefined, resolvedKmsKey})
  await provisioner.apply(inspection, {deadline: Date.now() + 5000})
  const sent = (operation: string): Json[] => fake.sent.filter(call => call.operation === operation)
  .map(call => call.input)
  const [create] = sent('createTable')
  const ttl = sent('updateTimeToLive').map(input => input.TimeToLiveSpecification)
  const pitr = sent('updateContinuousBackups').map(input => input.PointInTimeRecoverySpecification)
  expect(sent('createTable')).to.have.length(1)
  expect(sent('tagResource'), 'every tag goes with CreateTable').to.deep.equal([])
  expect(ttl.every(spec => spec.Enabled)).to.equal(true)
  return {
    attributes: create.AttributeDefinitions,
    billingMode: create.BillingMode,
    deletionProtection: create.DeletionProtectionEnabled,
    indexes: create.GlobalSecondaryIndexes ?? [],
    keySchema: create.KeySchema,
    kmsKey: create.SSESpecification.KMSMasterKeyId,
    pitr: pitr.length === 1 && pitr[0].PointInTimeRecoveryEnabled === true,
    tags: create.Tags.map((tag: Json) => [tag.Key, tag.Value]),
    ttlAttribute: ttl.length === 1 ? ttl[0].AttributeName : undefined,
  }
}

/** The table's resource in the CloudFormation template (a Table, or a GlobalTable with its Replicas). */
function fromCloudFormation(template: Json, table: DesiredTable): Settings {
  const resource = template.Resources[exportNames(table.definition).cfnResource]
  const properties = resource.Properties
  const replica = (entry: Json): Replica => ({
    deletionProtection: entry.DeletionProtectionEnabled,
    kmsKey: entry.SSESpecification?.KMSMasterKeyId,
    pitr: entry.PointInTimeRecoverySpecification.PointInTimeRecoveryEnabled,
    region: entry.Region,
    tags: entry.Tags.map((tag: Json) => [tag.Key, tag.Value]),
  })
  const sse = properties.SSESpecification
  expect(sse).to.include({SSEEnabled: true, SSEType: 'KMS'})
  expect(properties.TimeToLiveSpecification.Enabled).to.equal(true)
  const own = resource.Type === 'AWS::DynamoDB::GlobalTable'
    ? replica(properties.Replicas[0])
    : replica({...properties, Region: {Ref: 'AWS::Region'}})
  expect(own.region).to.deep.equal({Ref: 'AWS::Region'})
  return {
    attributes: properties.AttributeDefinitions,
    billingMode: properties.BillingMode,
    deletionProtection: own.deletionProtection,
    indexes: properties.GlobalSecondaryIndexes ?? [],
    keySchema: properties.KeySchema,
    kmsKey: own.kmsKey,
    pitr: own.pitr,
    replicas: (properties.Replicas ?? []).slice(1).map((entry: Json) => replica(entry)),
    tags: own.tags,
    ttlAttribute: properties.TimeToLiveSpecification.AttributeName,
  }
}

/** The table's aws_dynamodb_table and its aws_dynamodb_table_replica resources in the configuration. */
function fromTerraform(config: Json, table: DesiredTable): Settings {
  const name = exportNames(table.definition).tfResource
  const resource = config.resource.aws_dynamodb_table[name][0]
  /** A key ARN as written, or the key_id of the aws_kms_key data source that resolves it. */
  const key = (value: string | undefined) => {
    if (value === undefined) return
    const lookup = /^data\.aws_kms_key\.(\w+)\.arn$/.exec(expression(value) ?? '')
    return lookup ? config.data.aws_kms_key[lookup[1]][0].key_id : terraformString(value).literal
  }

  const regionOf = (provider: string) =>
    config.provider.aws.find((entry: Json) => `aws.${entry.alias}` === expression(provider)).region
  const replicas = Object.values<Json[]>(config.resource.aws_dynamodb_table_replica ?? {})
  .map(([entry]) => entry)
  .filter(entry => expression(entry.global_table_arn) === `aws_dynamodb_table.${name}.arn`)
  .map(entry => ({
    deletionProtection: entry.deletion_protection_enabled,
    kmsKey: key(entry.kms_key_arn),
    pitr: entry.point_in_time_recovery,
    region: regionOf(entry.provider),
    tags: Object.entries<string>(entry.tags),
  }))
  const [sse] = resource.server_side_encryption
  const [ttl] = resource.ttl
  expect(sse.enabled).to.equal(true)
  expect(ttl.enabled).to.equal(true)
  return {
    attributes: resource.attribute.map((attribute: Json) => ({
      AttributeName: attribute.name,
      AttributeType: attribute.type,
    })),
    billingMode: resource.billing_mode,
    deletionProtection: resource.deletion_protection_enabled,
    indexes: (resource.global_secondary_index ?? []).map((gsi: Json) => ({
      IndexName: gsi.name,
      KeySchema: [{AttributeName: gsi.hash_key, KeyType: 'HASH'}, {AttributeName: gsi.range_key, KeyType: 'RANGE'}],
      Projection: {ProjectionType: gsi.projection_type},
    })),
    keySchema: [{AttributeName: resource.hash_key, KeyType: 'HASH'}],
    kmsKey: key(sse.kms_key_arn),
    pitr: resource.point_in_time_recovery[0].enabled,
    // hcl2json returns an object's keys sorted, so Terraform's order cannot be compared; the set can.
    replicas: sortedByRegion(replicas),
    tags: Object.entries<string>(resource.tags),
    ttlAttribute: ttl.attribute_name,
  }
}

function expression(value: string): string | undefined {
  return terraformString(value).expression
}

function sortedTags(tags: [string, string][]): [string, string][] {
  return [...tags].sort(([a], [b]) => (a < b ? -1 : 1))
}

function sortedByRegion(replicas: Replica[]): Replica[] {
  return [...replicas].sort((a, b) => (a.region < b.region ? -1 : 1))
}

function withoutReplicas(settings: Settings): Omit<Settings, 'replicas'> {
  const table: Partial<Settings> = {...settings}
  delete table.replicas
  return table as Omit<Settings, 'replicas'>
}

function withTagSets(settings: Settings): Settings {
  return {
    ...settings,
    replicas: sortedByRegion(settings.replicas).map(replica => ({...replica, tags: sortedTags(replica.tags)})),
    tags: sortedTags(settings.tags),
  }
}

describe('one description of a table: CreateTable, CloudFormation and Terraform agree', () => {
  for (const [name, settings] of Object.entries(SETTINGS)) {
    it(`every table, ${name}`, async () => {
      const tables = desired(settings)
      const template = parseCloudFormation(renderExport('cloudformation', tables))
      const config = await parseTerraform(renderExport('terraform', tables))
      for (const table of tables) {
        const where = `${table.definition.kind}, ${name}`
        const cloudFormation = fromCloudFormation(template, table)
        const provisioning = await fromProvisioning(table)
        // The same values in the same order: the tags too (sorted by key, the marker among them).
        expect(provisioning, `${where}: CreateTable vs CloudFormation`)
        .to.deep.equal(withoutReplicas(cloudFormation))
        expect(withTagSets(fromTerraform(config, table)), `${where}: Terraform vs CloudFormation`)
        .to.deep.equal(withTagSets(cloudFormation))

        // And what they agree on is the table as asked for.
        const {definition} = table
        expect(cloudFormation.keySchema, where)
        .to.deep.equal([{AttributeName: definition.partitionKey, KeyType: 'HASH'}])
        expect(cloudFormation.indexes.map(gsi => gsi.IndexName)).to.deep.equal(definition.indexes.map(gsi => gsi.name))
        expect(cloudFormation.ttlAttribute).to.equal(definition.ttlAttribute)
        expect(cloudFormation.billingMode).to.equal('PAY_PER_REQUEST')
        expect(cloudFormation.kmsKey).to.equal(settings.kmsKey)
        expect(cloudFormation.deletionProtection && cloudFormation.pitr).to.equal(true)
        const tags = new Map([...(settings.tags ?? []).map(tag => tag.split('=') as [string, string]),
          [SENTINEL_TAG_KEY, definition.kind]])
        expect(cloudFormation.tags).to.deep.equal(sortedTags([...tags]))
        expect(cloudFormation.replicas.map(replica => replica.region)).to.deep.equal(settings.replicaRegions ?? [])
        const replicaKeys = new Map((settings.replicaKmsKeys ?? []).map(pair => pair.split('=') as [string, string]))
        for (const replica of cloudFormation.replicas) {
          expect(replica, `${where}: replica in ${replica.region}`).to.deep.include({
            deletionProtection: true, kmsKey: replicaKeys.get(replica.region), pitr: true, tags: cloudFormation.tags,
          })
        }
      }
    })
  }

  it('createTableInput reads its every value from the description', () => {
    const [table] = desired(SETTINGS['replicas with their own keys, tags'])
    const description = tableSpec(table)
    const input = createTableInput(description)
    expect(input).to.deep.equal({
      AttributeDefinitions: description.attributeDefinitions,
      BillingMode: description.billingMode,
      DeletionProtectionEnabled: description.deletionProtection,
      GlobalSecondaryIndexes: description.indexes,
      KeySchema: description.keySchema,
      SSESpecification: {Enabled: true, KMSMasterKeyId: KEY_ARN, SSEType: 'KMS'},
      TableName: description.tableName,
      Tags: description.tags,
    })
    // No StreamSpecification: AWS turns the stream on with the first replica.
    expect(description.stream).to.deep.equal({viewType: 'NEW_AND_OLD_IMAGES'})
    const euKey = {arn: EU_KEY_ARN, kind: 'key-arn', region: 'eu-west-1'}
    const apKey = {kind: 'alias', name: 'alias/ap'}
    expect(description.replicas.map(replica => [replica.region, replica.encryption])).to.deep.equal([
      ['eu-west-1', {key: euKey, kind: 'customer-managed', kmsMasterKeyId: EU_KEY_ARN}],
      ['ap-southeast-2', {key: apKey, kind: 'customer-managed', kmsMasterKeyId: 'alias/ap'}],
    ])
  })
})
