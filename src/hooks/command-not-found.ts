/**
 * An unknown command is a usage error in the CLI's own form: one line `Error (INVALID_INPUT): …`
 * naming the closest command (if one is close), exit 2, and one JSON document under --json —
 * not oclif's raw text.
 */
import type {Hook} from '@oclif/core'

import {SentinelError} from '../errors.js'
import {redact} from '../redact.js'
import {closest as closestTo} from '../shared/distance.js'
import {invocation} from '../shared/run-input.js'

const hook: Hook.CommandNotFound = async function (options) {
  const typed = options.id.replaceAll(' ', ':')
  const known = options.config.commandIDs.filter(id => id !== 'help').sort()
  const closest = closestTo(typed, known, 3)
  const didYouMean = closest ? `Did you mean ${closest}? ` : ''
  const bin = invocation(options.config.bin)
  const error = new SentinelError('INVALID_INPUT', `There is no command "${typed}".`, {
    suggestion: `${didYouMean}The commands are ${known.join(', ')}; ${bin} --help describes them.`,
  })
  if (options.argv?.includes('--json')) {
    process.stdout.write(`${JSON.stringify({error: error.toJSON(), ok: false}, null, 2)}\n`)
  } else {
    process.stderr.write(`${redact(`Error (${error.code}): ${error.line}`)}\n`)
  }

  process.exit(error.exitCode)
}

export default hook
