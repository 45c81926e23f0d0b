/**
 * Partitions come from the AWS SDK's own data: src/aws/sdk-partitions.ts is generated from it at build
 * time (so the CLI starts without loading the SDK), and these tests prove the data answers exactly as
 * the installed SDK does, and that dynamoDbHost() is the host the DynamoDB client itself resolves.
 */
import {DynamoDBClient} from '@aws-sdk/client-dynamodb'
import {expect} from 'chai'
import {readFileSync} from 'node:fs'
import {createRequire} from 'node:module'

// @ts-expect-error: a plain JavaScript build script, without type declarations
import {checkAgainstSdk, installedSdkPartitions, sdkPartition} from '../../scripts/partitions-lib.mjs'
import {
  dynamoDbHost,
  isKnownRegionShape,
  type PartitionInfo,
  partitionOf,
} from '../../src/aws/partitions.js'
import {SDK_PARTITION_DATA} from '../../src/aws/sdk-partitions.js'

// The @aws-sdk/core the DynamoDB client loads, not whichever copy happens to be hoisted.
const requireFromDynamo = createRequire(createRequire(import.meta.url).resolve('@aws-sdk/client-dynamodb'))
const sdkClientModule = requireFromDynamo('@aws-sdk/core/client') as {partition: (region: string) => PartitionInfo}

const LISTED_REGIONS = SDK_PARTITION_DATA.partitions.flatMap(partition => Object.keys(partition.regions))
/** Regions no data lists (yet), one or more per partition's regionRegex, and strings of no region shape. */
const UNLISTED_REGIONS = [
  'us-west-9',
  'ap-southwest-7',
  'mx-north-2',
  'cn-south-9',
  'eusc-de-west-2',
  'us-iso-north-4',
  'us-isob-south-3',
  'eu-isoe-north-2',
  'us-isof-west-5',
  'us-gov-north-3',
]
const NOT_REGIONS = ['', 'us-east', 'useast-1', 'US-EAST-1', 'us-east-1a', 'xx-west-1', 'eusc-fr-east-1', 'local']

describe('partitions (the AWS SDK partition data)', () => {
  it('names the partition and DNS suffix of a region in each partition', () => {
    const expected: [string, string, string][] = [
      ['us-east-1', 'aws', 'amazonaws.com'],
      ['eu-west-1', 'aws', 'amazonaws.com'],
      ['cn-north-1', 'aws-cn', 'amazonaws.com.cn'],
      ['cn-northwest-1', 'aws-cn', 'amazonaws.com.cn'],
      ['us-gov-west-1', 'aws-us-gov', 'amazonaws.com'],
      ['us-gov-east-1', 'aws-us-gov', 'amazonaws.com'],
      ['eusc-de-east-1', 'aws-eusc', 'amazonaws.eu'],
      ['us-iso-east-1', 'aws-iso', 'c2s.ic.gov'],
      ['us-isob-east-1', 'aws-iso-b', 'sc2s.sgov.gov'],
      ['eu-isoe-west-1', 'aws-iso-e', 'cloud.adc-e.uk'],
      ['us-isof-south-1', 'aws-iso-f', 'csp.hci.ic.gov'],
    ]
    for (const [region, name, dnsSuffix] of expected) {
      expect(partitionOf(region), region).to.include({dnsSuffix, name})
    }

    expect(partitionOf('eu-west-1').description).to.equal('Europe (Ireland)')
  })

  it('an unlisted region of a valid shape gets the partition whose regionRegex matches, as in the SDK', () => {
    expect(UNLISTED_REGIONS.map(region => partitionOf(region).name)).to.deep.equal([
      'aws',
      'aws',
      'aws',
      'aws-cn',
      'aws-eusc',
      'aws-iso',
      'aws-iso-b',
      'aws-iso-e',
      'aws-iso-f',
      'aws-us-gov',
    ])
    for (const region of UNLISTED_REGIONS) {
      expect(partitionOf(region), region).not.to.have.property('description')
      expect(isKnownRegionShape(region), region).to.equal(true)
    }
  })

  it('isKnownRegionShape: every region the SDK lists, no pseudo-region, no typo', () => {
    const real = LISTED_REGIONS.filter(region => !region.endsWith('-global'))
    expect(real).to.include.members(['us-east-1', 'cn-north-1', 'eusc-de-east-1', 'us-isof-south-1'])
    for (const region of real) expect(isKnownRegionShape(region), region).to.equal(true)
    const pseudo = LISTED_REGIONS.filter(region => region.endsWith('-global'))
    expect(pseudo).to.include.members(['aws-global', 'aws-cn-global'])
    for (const region of [...pseudo, ...NOT_REGIONS]) expect(isKnownRegionShape(region), region).to.equal(false)
  })

  it('answers exactly as the installed SDK partition() does, for every listed, unlisted and non-region', () => {
    const regions = [...LISTED_REGIONS, ...UNLISTED_REGIONS, ...NOT_REGIONS]
    expect(regions.length).to.be.greaterThan(60)
    for (const region of regions) {
      expect(partitionOf(region), region).to.deep.equal(sdkClientModule.partition(region))
    }
  })

  it('holds the installed SDK partition data verbatim', () => {
    const installed = installedSdkPartitions()
    const hint = "The installed SDK's partition data differs from src/aws/sdk-partitions.ts: run npm run build."
    expect(installed, hint).to.deep.equal(structuredClone(SDK_PARTITION_DATA))
  })

  it("the generator's check refuses data that answers otherwise than the SDK's partition()", () => {
    const installed = installedSdkPartitions()
    expect(() => checkAgainstSdk(installed, sdkPartition())).not.to.throw()
    const altered = structuredClone(installed)
    altered.partitions.find((partition: {id: string}) => partition.id === 'aws-cn').outputs.dnsSuffix = 'amazonaws.com'
    expect(() => checkAgainstSdk(altered, sdkPartition(), 'altered'))
    .to.throw(/^altered disagrees with the SDK's partition\("(aws-)?cn-/)
    const renamed = structuredClone(installed)
    renamed.partitions[0].regions['us-east-1'].description = 'Somewhere'
    expect(() => checkAgainstSdk(renamed, sdkPartition())).to.throw('partition("us-east-1")')
  })

  it('dynamoDbHost is the host the DynamoDB client resolves for the region', () => {
    expect(dynamoDbHost('us-east-1')).to.equal('dynamodb.us-east-1.amazonaws.com')
    expect(dynamoDbHost('cn-north-1')).to.equal('dynamodb.cn-north-1.amazonaws.com.cn')
    expect(dynamoDbHost('eusc-de-east-1')).to.equal('dynamodb.eusc-de-east-1.amazonaws.eu')
    expect(dynamoDbHost('us-gov-west-1')).to.equal('dynamodb.us-gov-west-1.amazonaws.com')
    expect(dynamoDbHost('us-isof-south-1')).to.equal('dynamodb.us-isof-south-1.csp.hci.ic.gov')
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true'
    const credentials = {accessKeyId: 'test', secretAccessKey: 'test'}
    const client = new DynamoDBClient({credentials, region: 'us-east-1'})
    const regions = [...LISTED_REGIONS.filter(region => !region.endsWith('-global')), ...UNLISTED_REGIONS]
    for (const region of regions) {
      const endpoint = client.config.endpointProvider({Region: region, UseDualStack: false, UseFIPS: false})
      expect(`${endpoint.url.protocol}//${dynamoDbHost(region)}/`, region).to.equal(endpoint.url.href)
    }

    client.destroy()
  })

  it('stays light: the module imports only its generated data, which imports nothing, so loading it never ' +
    'loads the SDK', () => {
    const source = readFileSync(new URL('../../src/aws/partitions.ts', import.meta.url), 'utf8')
    expect(source.match(/^\s*import\s.*$/gm)).to.deep.equal(["import {SDK_PARTITION_DATA} from './sdk-partitions.js'"])
    expect(source).not.to.match(/\brequire\(|\bimport\(/)
    const data = readFileSync(new URL('../../src/aws/sdk-partitions.ts', import.meta.url), 'utf8')
    expect(data.match(/^\s*import\s(?!type\s).*$/gm), 'only type imports (erased at run time)').to.equal(null)
    expect(data).not.to.match(/\brequire\(|\bimport\(/)
  })
})
