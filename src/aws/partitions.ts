/**
 * AWS partitions and regions, from the AWS SDK's own partition data: which partition a region is in
 * (every ARN names it), its DNS suffix (every endpoint and KMS service name uses it), and whether a
 * string is shaped like a region at all. partitionOf() answers exactly as the SDK's partition() does.
 *
 * The data is the SDK's partitionsInfo (@aws-sdk/core, client submodule, which the DynamoDB client
 * uses), copied here verbatim rather than imported: importing that module costs about 45 ms of
 * start-up, which --help, --generate-iam and every input error would pay without calling AWS.
 * test/unit/partitions.test.ts fails when the installed SDK's data differs from this copy and prints
 * the data to paste in its place.
 */

export interface PartitionOutputs {
  /** The partition as ARNs name it: aws, aws-cn, aws-us-gov, aws-iso, aws-eusc... */
  name: string
  /** amazonaws.com, amazonaws.com.cn, amazonaws.eu, c2s.ic.gov... */
  dnsSuffix: string
  dualStackDnsSuffix: string
  implicitGlobalRegion: string
  supportsDualStack: boolean
  supportsFIPS: boolean
}

/** What partitionOf() returns: the partition's outputs, plus the description of a region the SDK lists. */
export interface PartitionInfo extends PartitionOutputs {
  description?: string
}

export interface PartitionData {
  id: string
  outputs: PartitionOutputs
  /** The shape of every region of the partition, listed or not yet listed. */
  regionRegex: string
  regions: Record<string, {description: string}>
}

/** The SDK's partitionsInfo, verbatim. Do not edit by hand: paste what the partitions test prints. */
export const SDK_PARTITIONS: {partitions: readonly PartitionData[]; version: string} = {
  partitions: [
    {
      id: 'aws',
      outputs: {
        dnsSuffix: 'amazonaws.com',
        dualStackDnsSuffix: 'api.aws',
        implicitGlobalRegion: 'us-east-1',
        name: 'aws',
        supportsDualStack: true,
        supportsFIPS: true,
      },
      regionRegex: String.raw`^(us|eu|ap|sa|ca|me|af|il|mx)\-\w+\-\d+$`,
      regions: {
        'af-south-1': {description: 'Africa (Cape Town)'},
        'ap-east-1': {description: 'Asia Pacific (Hong Kong)'},
        'ap-east-2': {description: 'Asia Pacific (Taipei)'},
        'ap-northeast-1': {description: 'Asia Pacific (Tokyo)'},
        'ap-northeast-2': {description: 'Asia Pacific (Seoul)'},
        'ap-northeast-3': {description: 'Asia Pacific (Osaka)'},
        'ap-south-1': {description: 'Asia Pacific (Mumbai)'},
        'ap-south-2': {description: 'Asia Pacific (Hyderabad)'},
        'ap-southeast-1': {description: 'Asia Pacific (Singapore)'},
        'ap-southeast-2': {description: 'Asia Pacific (Sydney)'},
        'ap-southeast-3': {description: 'Asia Pacific (Jakarta)'},
        'ap-southeast-4': {description: 'Asia Pacific (Melbourne)'},
        'ap-southeast-5': {description: 'Asia Pacific (Malaysia)'},
        'ap-southeast-6': {description: 'Asia Pacific (New Zealand)'},
        'ap-southeast-7': {description: 'Asia Pacific (Thailand)'},
        'aws-global': {description: 'aws global region'},
        'ca-central-1': {description: 'Canada (Central)'},
        'ca-west-1': {description: 'Canada West (Calgary)'},
        'eu-central-1': {description: 'Europe (Frankfurt)'},
        'eu-central-2': {description: 'Europe (Zurich)'},
        'eu-north-1': {description: 'Europe (Stockholm)'},
        'eu-south-1': {description: 'Europe (Milan)'},
        'eu-south-2': {description: 'Europe (Spain)'},
        'eu-west-1': {description: 'Europe (Ireland)'},
        'eu-west-2': {description: 'Europe (London)'},
        'eu-west-3': {description: 'Europe (Paris)'},
        'il-central-1': {description: 'Israel (Tel Aviv)'},
        'me-central-1': {description: 'Middle East (UAE)'},
        'me-south-1': {description: 'Middle East (Bahrain)'},
        'me-west-1': {description: 'Middle East (Saudi Arabia)'},
        'mx-central-1': {description: 'Mexico (Central)'},
        'sa-east-1': {description: 'South America (Sao Paulo)'},
        'sa-west-1': {description: 'South America (Chile)'},
        'us-east-1': {description: 'US East (N. Virginia)'},
        'us-east-2': {description: 'US East (Ohio)'},
        'us-west-1': {description: 'US West (N. California)'},
        'us-west-2': {description: 'US West (Oregon)'},
      },
    },
    {
      id: 'aws-cn',
      outputs: {
        dnsSuffix: 'amazonaws.com.cn',
        dualStackDnsSuffix: 'api.amazonwebservices.com.cn',
        implicitGlobalRegion: 'cn-northwest-1',
        name: 'aws-cn',
        supportsDualStack: true,
        supportsFIPS: true,
      },
      regionRegex: String.raw`^cn\-\w+\-\d+$`,
      regions: {
        'aws-cn-global': {description: 'aws-cn global region'},
        'cn-north-1': {description: 'China (Beijing)'},
        'cn-northwest-1': {description: 'China (Ningxia)'},
      },
    },
    {
      id: 'aws-eusc',
      outputs: {
        dnsSuffix: 'amazonaws.eu',
        dualStackDnsSuffix: 'api.amazonwebservices.eu',
        implicitGlobalRegion: 'eusc-de-east-1',
        name: 'aws-eusc',
        supportsDualStack: true,
        supportsFIPS: true,
      },
      regionRegex: String.raw`^eusc\-(de)\-\w+\-\d+$`,
      regions: {
        'eusc-de-east-1': {description: 'AWS European Sovereign Cloud (Germany)'},
      },
    },
    {
      id: 'aws-iso',
      outputs: {
        dnsSuffix: 'c2s.ic.gov',
        dualStackDnsSuffix: 'api.aws.ic.gov',
        implicitGlobalRegion: 'us-iso-east-1',
        name: 'aws-iso',
        supportsDualStack: true,
        supportsFIPS: true,
      },
      regionRegex: String.raw`^us\-iso\-\w+\-\d+$`,
      regions: {
        'aws-iso-global': {description: 'aws-iso global region'},
        'us-iso-east-1': {description: 'US ISO East'},
        'us-iso-west-1': {description: 'US ISO WEST'},
      },
    },
    {
      id: 'aws-iso-b',
      outputs: {
        dnsSuffix: 'sc2s.sgov.gov',
        dualStackDnsSuffix: 'api.aws.scloud',
        implicitGlobalRegion: 'us-isob-east-1',
        name: 'aws-iso-b',
        supportsDualStack: true,
        supportsFIPS: true,
      },
      regionRegex: String.raw`^us\-isob\-\w+\-\d+$`,
      regions: {
        'aws-iso-b-global': {description: 'aws-iso-b global region'},
        'us-isob-east-1': {description: 'US ISOB East (Ohio)'},
        'us-isob-west-1': {description: 'US ISOB West'},
      },
    },
    {
      id: 'aws-iso-e',
      outputs: {
        dnsSuffix: 'cloud.adc-e.uk',
        dualStackDnsSuffix: 'api.cloud-aws.adc-e.uk',
        implicitGlobalRegion: 'eu-isoe-west-1',
        name: 'aws-iso-e',
        supportsDualStack: true,
        supportsFIPS: true,
      },
      regionRegex: String.raw`^eu\-isoe\-\w+\-\d+$`,
      regions: {
        'aws-iso-e-global': {description: 'aws-iso-e global region'},
        'eu-isoe-west-1': {description: 'EU ISOE West'},
      },
    },
    {
      id: 'aws-iso-f',
      outputs: {
        dnsSuffix: 'csp.hci.ic.gov',
        dualStackDnsSuffix: 'api.aws.hci.ic.gov',
        implicitGlobalRegion: 'us-isof-south-1',
        name: 'aws-iso-f',
        supportsDualStack: true,
        supportsFIPS: true,
      },
      regionRegex: String.raw`^us\-isof\-\w+\-\d+$`,
      regions: {
        'aws-iso-f-global': {description: 'aws-iso-f global region'},
        'us-isof-east-1': {description: 'US ISOF EAST'},
        'us-isof-south-1': {description: 'US ISOF SOUTH'},
      },
    },
    {
      id: 'aws-us-gov',
      outputs: {
        dnsSuffix: 'amazonaws.com',
        dualStackDnsSuffix: 'api.aws',
        implicitGlobalRegion: 'us-gov-west-1',
        name: 'aws-us-gov',
        supportsDualStack: true,
        supportsFIPS: true,
      },
      regionRegex: String.raw`^us\-gov\-\w+\-\d+$`,
      regions: {
        'aws-us-gov-global': {description: 'aws-us-gov global region'},
        'us-gov-east-1': {description: 'AWS GovCloud (US-East)'},
        'us-gov-west-1': {description: 'AWS GovCloud (US-West)'},
      },
    },
  ],
  version: '1.1',
}

interface RegionShape {
  partition: PartitionData
  shape: RegExp
}

// Compiled on first use, so that loading this module costs nothing but the data.
let regionShapes: RegionShape[] | undefined

function shapes(): RegionShape[] {
  regionShapes ??= SDK_PARTITIONS.partitions.map(partition => ({
    partition,
    shape: new RegExp(partition.regionRegex),
  }))
  return regionShapes
}

/**
 * The partition of a region, as the SDK resolves it: a region the SDK lists, else the partition
 * whose regionRegex matches, else aws.
 */
export function partitionOf(region: string): PartitionInfo {
  for (const partition of SDK_PARTITIONS.partitions) {
    if (Object.hasOwn(partition.regions, region)) return {...partition.outputs, ...partition.regions[region]}
  }

  const matching = shapes().find(({shape}) => shape.test(region))
  if (matching) return {...matching.partition.outputs}
  const aws = SDK_PARTITIONS.partitions.find(partition => partition.id === 'aws')
  if (!aws) throw new Error('The AWS SDK partition data has no aws partition.')
  return {...aws.outputs}
}

/**
 * Whether a region is one the SDK lists or is shaped like a region of a known partition
 * (us-east-1, cn-north-1, eusc-de-east-1, a region newer than this data...). The SDK's pseudo-regions
 * (aws-global, aws-cn-global...) are not: no table lives there. Typos such as us-east or useast-1 are not.
 */
export function isKnownRegionShape(region: string): boolean {
  if (region.endsWith('-global')) return false
  const listed = SDK_PARTITIONS.partitions.some(partition => Object.hasOwn(partition.regions, region))
  return listed || shapes().some(({shape}) => shape.test(region))
}

/** DynamoDB's regional host name: dynamodb.<region>.<dnsSuffix of the region's partition>. */
export function dynamoDbHost(region: string): string {
  return `dynamodb.${region}.${partitionOf(region).dnsSuffix}`
}
