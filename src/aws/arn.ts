/**
 * ARNs read by the AWS SDK's own parser (@aws-sdk/util-arn-parser), not split by hand. Required on
 * first use, not imported: it loads part of the SDK's core, which only the paths that read an ARN
 * (the role check, a key's policy, an alias ARN's account) should pay, not every command's start-up.
 */
import type {ARN} from '@aws-sdk/util-arn-parser'

import {createRequire} from 'node:module'

const requireCjs = createRequire(import.meta.url)

function parser(): typeof import('@aws-sdk/util-arn-parser') {
  return requireCjs('@aws-sdk/util-arn-parser') as typeof import('@aws-sdk/util-arn-parser')
}

/** An ARN's partition, service, region, account and resource; undefined for what is not an ARN. */
export function parseArn(text: string): ARN | undefined {
  const {parse, validate} = parser()
  return validate(text) ? parse(text) : undefined
}

/** The parts of an ARN already checked (a flag's, validated locally); a malformed one is a bug. */
export function arnParts(arn: string): ARN {
  return parser().parse(arn)
}
