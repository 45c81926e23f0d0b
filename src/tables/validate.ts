/**
 * Local checks on user input. Each returns the normalised value or throws an INVALID_INPUT
 * SentinelError naming what is wrong and how to fix it; none of them touches AWS.
 */
import {partitionOf} from '../aws/partitions.js'
import {invalidInput} from '../errors.js'
import {MAX_TAGS_PER_RESOURCE} from './definitions.js'

const ACCOUNT_ID = /^\d{12}$/
const KEY_ID = /^([\da-f]{8}-[\da-f]{4}-[\da-f]{4}-[\da-f]{4}-[\da-f]{12}|mrk-[\da-f]{32})$/
const ALIAS_NAME = /^alias\/[\w/-]{1,250}$/
const KMS_ARN = /^arn:(aws[\w-]*):kms:([a-z\d-]+):(\d{12}):(key\/.+|alias\/.+)$/
/** What DynamoDB allows in tag keys and values: letters, digits, white space and + - = . _ : / */
const TAG_TEXT = /^[\p{L}\p{Z}\p{N}\s+\-=._:/]*$/u

/**
 * DynamoDB's rule for a table name, in one place: the CLI checks it, the CloudFormation parameter
 * and the Terraform variable declare it, the help states it.
 */
export const TABLE_NAME_RULE = {
  /** One allowed character, as a regular expression class (JavaScript and RE2 read it alike). */
  characterClass: '[a-zA-Z0-9_.-]',
  /** The allowed characters, for help texts and suggestions. */
  characters: 'A-Z a-z 0-9 _ . -',
  /** The allowed characters in words, for error messages. */
  charactersInWords: 'letters, digits, "_", "." and "-"',
  /** The rule in words, for the exports' validation messages. */
  description: '3-255 characters: letters, digits, underscore, dot and hyphen',
  maxLength: 255,
  minLength: 3,
} as const

const TABLE_NAME = new RegExp(`^${TABLE_NAME_RULE.characterClass}+$`)

/** `source` is where the name came from: a flag ("--table") or an env var, never a guess. */
export function validateTableName(name: string, source = '--table'): string {
  const fix = source.startsWith('--') ? `Pass ${source} with` : `Set ${source} to`
  const {maxLength, minLength} = TABLE_NAME_RULE
  if (name.length < minLength || name.length > maxLength) {
    throw invalidInput(
      `Invalid table name "${name}" (from ${source}): it is ${name.length} ` +
        `character${name.length === 1 ? '' : 's'} long, DynamoDB needs ${minLength} to ${maxLength}.`,
      `${fix} a name of ${minLength}-${maxLength} characters.`,
    )
  }

  if (!TABLE_NAME.test(name)) {
    throw invalidInput(
      `Invalid table name "${name}" (from ${source}): only ${TABLE_NAME_RULE.charactersInWords} are allowed.`,
      `${fix} a name made of ${TABLE_NAME_RULE.characters} only.`,
    )
  }

  return name
}

export function validateAccountId(accountId: string, source = '--account-id'): string {
  if (!ACCOUNT_ID.test(accountId)) {
    const fix = source.startsWith('--') ? `Pass ${source} with` : `Set ${source} to`
    if (accountId.trim() === '') {
      throw invalidInput(
        `${source} is empty: no account to check the credentials against.`,
        `${fix} the 12-digit account number, e.g. 123456789012${source.startsWith('--') ? '' : ', or unset it'}.`,
      )
    }

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

/** A KMS key ARN (arn:PARTITION:kms:REGION:ACCOUNT:key/ID), not an alias, alias ARN or bare key ID. */
export function isKmsKeyArn(key: string): boolean {
  return KMS_ARN.exec(key)?.[4].startsWith('key/') ?? false
}

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
