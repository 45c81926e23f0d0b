/**
 * What the CLI says when what was typed is not one of its commands: one line (or one JSON document
 * under --json) naming the closest command, exit 2. Commands are shown as the running CLI spells
 * them: its bin and its topic separator (`sentinel init sessions`, or `platform init:sessions`
 * inside a host CLI that separates topics with a colon).
 */
import type {Interfaces} from '@oclif/core'

import {closest as closestTo} from '../distance.js'
import {SentinelError} from '../errors.js'
import {commandWords, invocation, shellQuote} from '../report/next-steps.js'

/** A command ID (init:sessions) as the running CLI takes it on the command line. */
export function displayId(id: string, config: Pick<Interfaces.Config, 'topicSeparator'>): string {
  return id.replaceAll(':', config.topicSeparator)
}

/** The commands a person can run, as typed: help and hidden commands left out. */
export function visibleCommands(config: Interfaces.Config, within?: string): string[] {
  return config.commands
  .filter(command => !command.hidden && command.id !== 'help')
  .filter(command => within === undefined || command.id.startsWith(`${within}:`))
  .map(command => command.id)
  .sort()
}

/**
 * `id` names no command (or only a topic): the error to report, with the closest command. Given
 * the command line (`argv`), the closest command is said as one to copy: the bin, the command and
 * the rest of what was typed (`sentinel init sessions --region eu-west-1`).
 */
export function unknownCommandError(
  config: Interfaces.Config,
  id: string,
  within?: string,
  argv?: readonly string[],
): SentinelError {
  const typed = id.replaceAll(' ', ':')
  const known = visibleCommands(config, within)
  const closest = closestTo(typed, known, 3)
  const bin = invocation(config.bin)
  const didYouMean = closest ? `Did you mean ${suggestedLine(config, [bin, closest, typed], argv)}? ` : ''
  const what = within === undefined
    ? `There is no command "${displayId(typed, config)}".`
    : `"${displayId(within, config)}" is a topic, not a command: it runs nothing.`
  const help = within === undefined ? `${bin} --help` : `${bin} ${displayId(within, config)} --help`
  const list = known.map(command => displayId(command, config)).join(', ')
  return new SentinelError('INVALID_INPUT', what, {
    suggestion: `${didYouMean}The commands are ${list}; ${help} describes them.`,
  })
}

/** The command line with the closest command in place of the typo, the rest kept as it was typed. */
function suggestedLine(
  config: Interfaces.Config,
  [bin, closest, typed]: [string, string, string],
  argv: readonly string[] | undefined,
): string {
  if (argv === undefined) return displayId(closest, config)
  const help = argv[0] === 'help' ? ['help'] : []
  const rest = argv.slice(help.length)
  // The typo as one word (init:sesions) or as words (init sesions); flags before it are not kept.
  const typoWords = rest[0] === typed ? 1 : typed.split(':').length
  const typedFirst = rest.slice(0, typoWords).join(':') === typed
  const words = commandWords(closest, config.topicSeparator)
  const kept = typedFirst ? rest.slice(typoWords) : []
  return [bin, ...help, ...words, ...kept].map(part => shellQuote(part)).join(' ')
}
