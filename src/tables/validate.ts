/**
 * Local checks on user input. Each returns the normalised value or throws an INVALID_INPUT
 * SentinelError naming what is wrong and how to fix it; none of them touches AWS.
 */
import {isKnownRegionShape, partitionOf, SDK_PARTITIONS} from '../aws/partitions.js'
import {invalidInput} from '../errors.js'
import {closest} from '../shared/distance.js'
import {MAX_TAGS_PER_RESOURCE} from './definitions.js'

const TABLE_NAME = /^[\w.-]+$/
const ACCOUNT_ID = /^\d{12}$/
const KEY_ID = /^([\da-f]{8}-[\da-f]{4}-[\da-f]{4}-[\da-f]{4}-[\da-f]{12}|mrk-[\da-f]{32})$/
const ALIAS_NAME = /^alias\/[\w/-]{1,250}$/
const KMS_ARN = /^arn:(aws[\w-]*):kms:([a-z\d-]+):(\d{12}):(key\/.+|alias\/.+)$/
/** What DynamoDB allows in tag keys and values: letters, digits, white space and + - = . _ : / */
const TAG_TEXT = /^[\p{L}\p{Z}\p{N}\s+\-=._:/]*$/u

/** `source` is where the name came from: a flag ("--table") or an env var, never a guess. */
export function validateTableName(name: string, source = '--table'): string {
  const fix = source.startsWith('--') ? `Pass ${source} with` : `Set ${source} to`
  if (name.length < 3 || name.length > 255) {
    throw invalidInput(
      `Invalid table name "${name}" (from ${source}): ` +
        `it is ${name.length} character${name.length === 1 ? '' : 's'} long, DynamoDB needs 3 to 255.`,
      `${fix} a name of 3-255 characters.`,
    )
  }

  if (!TABLE_NAME.test(name)) {
    throw invalidInput(
      `Invalid table name "${name}" (from ${source}): only letters, digits, "_", "." and "-" are allowed.`,
      `${fix} a name made of A-Z a-z 0-9 _ . - only.`,
    )
  }

  return name
}

/** A region's name without its number: eu-west for eu-west-1. */
function stem(region: string): string {
  return region.replace(/\d+$/, '')
}

/** The regions the SDK's partition data lists (not its -global pseudo-regions). */
function listedRegions(): string[] {
  return SDK_PARTITIONS.partitions.flatMap(partition => Object.keys(partition.regions))
  .filter(region => !region.endsWith('-global'))
}

/**
 * A region the SDK lists, or one shaped like a region of a known partition (newer than this data:
 * see regionNotice). A region a typo away from a listed one is refused with the suggestion.
 */
export function validateRegion(region: string, source: string): string {
  const listed = listedRegions()
  if (listed.includes(region)) return region
  // A new region differs from a listed one only in its number (eu-west-4): not a typo.
  const near = closest(region, listed, 2)
  if (near && stem(near) !== stem(region)) {
    throw invalidInput(
      `Unknown AWS region "${region}" (from ${source}): did you mean ${near}?`,
      `${source.startsWith('--') ? `Pass ${source}` : `Set ${source} to`} ${near}.`,
    )
  }

  if (!isKnownRegionShape(region)) {
    throw invalidInput(
      `Invalid AWS region "${region}" (from ${source}).`,
      'Use a region code such as us-east-1, eu-west-2 or us-gov-west-1.',
    )
  }

  return region
}

/** Said for a region shaped like one but not in this version's partition data; undefined otherwise. */
export function regionNotice(region: string): string | undefined {
  if (listedRegions().includes(region)) return undefined
  return `Region ${region} is not known to this version of sentinel (its AWS SDK partition data); ` +
    `continuing as partition ${partitionOf(region).name}. If it is a typo, fix it; else update sentinel.`
}

export function validateAccountId(accountId: string, source = '--account-id'): string {
  if (!ACCOUNT_ID.test(accountId)) {
    const fix = source.startsWith('--') ? `Pass ${source} with` : `Set ${source} to`
    throw invalidInput(
      `Invalid AWS account ID "${accountId}" (from ${source}): it must be exactly 12 digits.`,
      `${fix} the 12-digit account number, e.g. 123456789012.`,
    )
  }

  return accountId
}

export type KmsKeyRef =
  | {arn: string; kind: 'alias-arn'; region: string}
  | {arn: string; kind: 'key-arn'; region: string}
  | {id: string; kind: 'key-id'}
  | {kind: 'alias'; name: string}

/** Accepts a key ID, key ARN, alias name or alias ARN of a customer-managed key. */
export function parseKmsKey(input: string, region: string | undefined): KmsKeyRef {
  if (input.trim() === '') {
    throw invalidInput('--kms-key is empty.', 'Name a key, or leave out --kms-key to use the AWS-managed key.')
  }

  const how = 'Pass --kms-key as a key ID, a key ARN (arn:aws:kms:REGION:ACCOUNT:key/ID), alias/NAME or an alias ARN.'
  if (KEY_ID.test(input)) return {id: input, kind: 'key-id'}
  if (ALIAS_NAME.test(input)) {
    if (input.startsWith('alias/aws/')) {
      throw invalidInput(
        `--kms-key "${input}" is an AWS-managed key alias, not a customer-managed key.`,
        'Leave out --kms-key to use the AWS-managed key for DynamoDB.',
      )
    }

    return {kind: 'alias', name: input}
  }

  const arn = KMS_ARN.exec(input)
  if (!arn) throw invalidInput(`Invalid --kms-key "${input}".`, how)
  const [, partition, keyRegion, , resource] = arn
  // Exports need no region; a key ARN then names its own.
  if (region && (partition !== partitionOf(region).name || keyRegion !== region)) {
    throw invalidInput(
      `--kms-key "${input}" is in ${keyRegion} (${partition}), ` +
        `but the table is in ${region} (${partitionOf(region).name}).`,
      'DynamoDB needs a KMS key in the same region as the table; pass a key from that region.',
    )
  }

  if (resource.startsWith('key/') && !KEY_ID.test(resource.slice(4))) {
    throw invalidInput(`Invalid key ID in --kms-key "${input}".`, how)
  }

  if (resource.startsWith('alias/') && !ALIAS_NAME.test(resource)) {
    throw invalidInput(`Invalid alias in --kms-key "${input}".`, how)
  }

  return resource.startsWith('key/')
    ? {arn: input, kind: 'key-arn', region: keyRegion}
    : {arn: input, kind: 'alias-arn', region: keyRegion}
}

/**
 * Parses repeated --tag key=value flags; keys must be unique and not reserved. A Map: a key such
 * as constructor or __proto__ is a tag like any other.
 */
export function parseTags(inputs: readonly string[], reservedKey: string): Map<string, string> {
  const tags = new Map<string, string>()
  for (const input of inputs) {
    const eq = input.indexOf('=')
    if (eq <= 0) {
      throw invalidInput(`Invalid --tag "${input}": expected key=value.`, 'Pass each tag as --tag key=value.')
    }

    const key = input.slice(0, eq)
    const value = input.slice(eq + 1)
    if (key.length > 128) {
      throw invalidInput(
        `Invalid --tag key "${key.slice(0, 20)}...": it has ${key.length} characters, at most 128 are allowed.`,
        'Shorten the tag key.',
      )
    }

    if (value.length > 256) {
      throw invalidInput(
        `Invalid --tag value for "${key}": it has ${value.length} characters, at most 256 are allowed.`,
        'Shorten the tag value.',
      )
    }

    if (key.toLowerCase().startsWith('aws:')) {
      throw invalidInput(
        `Invalid --tag key "${key}": the aws: prefix is reserved for AWS.`,
        'Choose a key that does not start with aws:.',
      )
    }

    if (key === reservedKey) {
      throw invalidInput(`Invalid --tag key "${key}": sentinel sets this tag itself.`, 'Choose another tag key.')
    }

    if (!TAG_TEXT.test(key) || !TAG_TEXT.test(value)) {
      throw invalidInput(
        `Invalid --tag "${input}": DynamoDB allows letters, digits, white space and + - = . _ : / in tags.`,
        'Remove the other characters.',
      )
    }

    if (tags.has(key)) throw invalidInput(`Duplicate --tag key "${key}".`, 'Pass each tag key once.')
    tags.set(key, value)
  }

  // One of DynamoDB's tags per table is Sentinel's own.
  const allowed = MAX_TAGS_PER_RESOURCE - 1
  if (tags.size > allowed) {
    throw invalidInput(
      `Too many --tag flags (${tags.size}): at most ${allowed} are allowed ` +
        `(DynamoDB allows ${MAX_TAGS_PER_RESOURCE} tags per table; sentinel sets one).`,
      'Pass fewer tags.',
    )
  }

  return tags
}
