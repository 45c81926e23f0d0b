/**
 * An unknown command is a usage error in the CLI's own form: one line `Error (INVALID_INPUT): …`
 * naming the closest command, exit 2, and one JSON document under --json — not oclif's raw text.
 */
import type {Hook} from '@oclif/core'

import {SentinelError} from '../errors.js'
import {redact} from '../redact.js'

const hook: Hook.CommandNotFound = async function (options) {
  const known = options.config.commandIDs.filter(id => id !== 'help')
  const closest = known.find(id => id.startsWith(options.id.split(':')[0]) || options.id.startsWith(id)) ?? known[0]
  const didYouMean = closest ? ` (did you mean ${closest}?)` : ''
  const error = new SentinelError('INVALID_INPUT', `There is no command "${options.id.replaceAll(' ', ':')}".`, {
    suggestion: `Commands: ${known.join(', ')}${didYouMean}; ${options.config.bin} --help lists them.`,
  })
  if (options.argv?.includes('--json')) {
    process.stdout.write(`${JSON.stringify({error: error.toJSON(), ok: false}, null, 2)}\n`)
  } else {
    process.stderr.write(`${redact(`Error (${error.code}): ${error.line}`)}\n`)
  }

  process.exit(error.exitCode)
}

export default hook
