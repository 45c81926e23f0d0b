/**
 * An unknown command is a usage error in the CLI's own form: one line `Error (INVALID_INPUT): …`
 * naming the closest command (if one is close), exit 2, and one JSON document under --json —
 * not oclif's raw text.
 */
import type {Hook} from '@oclif/core'

import {SentinelError} from '../errors.js'
import {writeError} from '../shared/error-output.js'
import {invocation} from '../shared/run-input.js'

/** Levenshtein distance: a typo is a letter or two away, another command is further. */
function distance(a: string, b: string): number {
  let previous = Array.from({length: b.length + 1}, (_, index) => index)
  for (const [i, charA] of [...a].entries()) {
    const current = [i + 1]
    for (const [j, charB] of [...b].entries()) {
      current.push(Math.min(previous[j + 1] + 1, current[j] + 1, previous[j] + (charA === charB ? 0 : 1)))
    }

    previous = current
  }

  return previous[b.length]
}

const hook: Hook.CommandNotFound = async function (options) {
  const typed = options.id.replaceAll(' ', ':')
  const known = options.config.commandIDs.filter(id => id !== 'help').sort()
  const [closest] = known
  .map(id => ({distance: distance(typed, id), id}))
  .filter(candidate => candidate.distance <= 3)
  .sort((a, b) => a.distance - b.distance)
  const didYouMean = closest ? `Did you mean ${closest.id}? ` : ''
  const bin = invocation(options.config.bin)
  const error = new SentinelError('INVALID_INPUT', `There is no command "${typed}".`, {
    suggestion: `${didYouMean}The commands are ${known.join(', ')}; ${bin} --help describes them.`,
  })
  writeError(error, options.argv?.includes('--json') ?? false)
  process.exit(error.exitCode)
}

export default hook
