/**
 * AWS partitions and regions, from the AWS SDK's own partition data: which partition a region is in
 * (every ARN names it), its DNS suffix (every endpoint and KMS service name uses it), and whether a
 * string is shaped like a region at all. partitionOf() answers exactly as the SDK's partition() does.
 *
 * The data is the SDK's partitionsInfo (@aws-sdk/core, client submodule, which the DynamoDB client
 * uses), generated into sdk-partitions.ts at build time rather than imported from the SDK: importing
 * that module costs about 45 ms of start-up, which --help, --generate-iam and every input error
 * would pay without calling AWS. Neither module imports anything else.
 */
import {SDK_PARTITION_DATA} from './sdk-partitions.js'

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

export interface SdkPartitions {
  partitions: readonly PartitionData[]
  version: string
}

interface RegionShape {
  partition: PartitionData
  shape: RegExp
}

// Compiled on first use, so that loading this module costs nothing but the data.
let regionShapes: RegionShape[] | undefined

function shapes(): RegionShape[] {
  regionShapes ??= SDK_PARTITION_DATA.partitions.map(partition => ({
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
  for (const partition of SDK_PARTITION_DATA.partitions) {
    if (Object.hasOwn(partition.regions, region)) return {...partition.outputs, ...partition.regions[region]}
  }

  const matching = shapes().find(({shape}) => shape.test(region))
  if (matching) return {...matching.partition.outputs}
  const aws = SDK_PARTITION_DATA.partitions.find(partition => partition.id === 'aws')
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
  const listed = SDK_PARTITION_DATA.partitions.some(partition => Object.hasOwn(partition.regions, region))
  return listed || shapes().some(({shape}) => shape.test(region))
}

/** DynamoDB's regional host name: dynamodb.<region>.<dnsSuffix of the region's partition>. */
export function dynamoDbHost(region: string): string {
  return `dynamodb.${region}.${partitionOf(region).dnsSuffix}`
}

/** The regions the SDK's partition data lists (not its -global pseudo-regions). */
export function listedRegions(): string[] {
  return SDK_PARTITION_DATA.partitions.flatMap(partition => Object.keys(partition.regions))
  .filter(region => !region.endsWith('-global'))
}
