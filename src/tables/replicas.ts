/**
 * Replicas of a global table (version 2019.11.21): which regions, and the key each replica is
 * encrypted with, checked locally before anything reaches AWS. AWS's rules (SPEC, "Multi-Region:
 * global tables"): a replica lives in another region of the same partition; the table's own region
 * is not a replica; with a customer-managed key every replica needs a key of its own region, and
 * all replicas use the same type of key.
 */
import {listedRegions, partitionOf} from '../aws/partitions.js'
import {closest} from '../distance.js'
import {invalidInput, SentinelError} from '../errors.js'
import {type KmsKeyRef, parseKmsKey} from './validate.js'

export interface DesiredReplica {
  /** The replica's region (a region the SDK's partition data lists). */
  region: string
  /** The customer-managed key in that region; undefined with the AWS-managed key. */
  kmsKey?: KmsKeyRef
}

export interface ReplicaInput {
  regions?: readonly string[]
  /** REGION=KEY, one per replica region, with a customer-managed --kms-key. */
  kmsKeys?: readonly string[]
}

const REGION_FLAG = '--replica-region'
const KEY_FLAG = '--replica-kms-key'

/** A region the SDK's partition data lists (a replica cannot go to a region AWS does not know). */
function listedRegion(region: string): boolean {
  return listedRegions().includes(region)
}

/**
 * The replicas, in the order given. `home` is the table's own region; undefined for an export
 * without a region (the stack's or provider's region is then only known at deploy time).
 */
export function parseReplicas(input: ReplicaInput, home: string | undefined, kmsKey: KmsKeyRef | undefined):
DesiredReplica[] {
  const regions = input.regions ?? []
  const seen = new Set<string>()
  for (const region of regions) {
    if (!listedRegion(region)) {
      // A typo (eu-wset-1) is a letter or two from a listed region; a region newer than this data
      // (eu-west-9) differs only in its number and gets no guess.
      const near = closest(region, listedRegions(), 2)
      if (near && near.replace(/\d+$/, '') !== region.replace(/\d+$/, '')) {
        throw invalidInput(
          `Unknown AWS region "${region}" (from ${REGION_FLAG}): did you mean ${near}?`,
          `Pass ${REGION_FLAG} ${near}.`,
        )
      }

      throw invalidInput(
        `Unknown AWS region "${region}" (from ${REGION_FLAG}).`,
        `Pass ${REGION_FLAG} with a region code such as eu-west-1 or us-west-2.`,
      )
    }

    if (home && region === home) {
      throw invalidInput(
        `${REGION_FLAG} ${region} is the table's own region; a global table's replicas are in other regions.`,
        `Leave ${region} out of ${REGION_FLAG}: the table there is the one this command provisions.`,
      )
    }

    if (home && partitionOf(region).name !== partitionOf(home).name) {
      throw invalidInput(
        `${REGION_FLAG} ${region} is in partition ${partitionOf(region).name}, the table's region ${home} in ` +
          `${partitionOf(home).name}; global tables do not cross partitions.`,
        `Name replica regions of the ${partitionOf(home).name} partition only.`,
      )
    }

    if (seen.has(region)) throw invalidInput(`${REGION_FLAG} ${region} is given twice.`, 'Name each region once.')
    seen.add(region)
  }

  const keys = parseReplicaKeys(input.kmsKeys ?? [], regions)
  if (!kmsKey && keys.size > 0) {
    throw invalidInput(
      `${KEY_FLAG} needs --kms-key: every replica of a global table uses the same type of key, and the table ` +
        'uses the AWS-managed key.',
      `Pass --kms-key with the table's key, or leave out ${KEY_FLAG}.`,
    )
  }

  return regions.map(region => {
    const key = keys.get(region)
    if (kmsKey && !key) {
      throw invalidInput(
        `The table uses customer-managed key ${describeKey(kmsKey)}, but ${KEY_FLAG} names no key for replica ` +
          `region ${region}; DynamoDB needs a key in each replica's region.`,
        `Pass ${KEY_FLAG} ${region}=KEY with a customer-managed key in ${region}.`,
      )
    }

    return key ? {kmsKey: key, region} : {region}
  })
}

function describeKey(kmsKey: KmsKeyRef): string {
  return kmsKey.kind === 'alias' ? kmsKey.name : (kmsKey.kind === 'key-id' ? kmsKey.id : kmsKey.arn)
}

/** parseKmsKey's words about --kms-key, said of --replica-kms-key REGION=. */
function reworded(text: string, region: string): string {
  return text.replaceAll('--kms-key', `${KEY_FLAG} ${region}=`).replaceAll('= "', '="')
}

/** REGION=KEY pairs: each region a named replica region, once; a key ARN in that very region. */
function parseReplicaKeys(inputs: readonly string[], regions: readonly string[]): Map<string, KmsKeyRef> {
  const keys = new Map<string, KmsKeyRef>()
  for (const input of inputs) {
    const eq = input.indexOf('=')
    if (eq <= 0) {
      throw invalidInput(`Invalid ${KEY_FLAG} "${input}": expected REGION=KEY.`, `Pass ${KEY_FLAG} eu-west-1=KEY.`)
    }

    const region = input.slice(0, eq)
    const key = input.slice(eq + 1)
    if (!regions.includes(region)) {
      throw invalidInput(
        `${KEY_FLAG} names region ${region}, which is not a ${REGION_FLAG}.`,
        `Add ${REGION_FLAG} ${region}, or leave out that ${KEY_FLAG}.`,
      )
    }

    if (keys.has(region)) throw invalidInput(`${KEY_FLAG} names region ${region} twice.`, 'Give one key per region.')
    let parsed: KmsKeyRef
    try {
      parsed = parseKmsKey(key, undefined)
    } catch (error) {
      if (!(error instanceof SentinelError)) throw error
      throw invalidInput(reworded(error.message, region), reworded(error.suggestion ?? '', region))
    }

    if (parsed.kind === 'key-arn' || parsed.kind === 'alias-arn') {
      const partition = parsed.arn.split(':')[1]
      if (parsed.region !== region || partition !== partitionOf(region).name) {
        throw invalidInput(
          `${KEY_FLAG} ${region}=${key} names a key in ${parsed.region} (${partition}), not in ${region}.`,
          `DynamoDB needs each replica's key in the replica's own region; pass a key from ${region}.`,
        )
      }
    }

    keys.set(region, parsed)
  }

  return keys
}
