/**
 * What the CLI says when what was typed is not one of its commands: one line (or one JSON document
 * under --json) naming the closest command, exit 2. Commands are shown as the running CLI spells
 * them: its bin and its topic separator (`sentinel init sessions`, or `platform init:sessions`
 * inside a host CLI that separates topics with a colon).
 */
import type {Interfaces} from '@oclif/core'

import {closest as closestTo} from '../distance.js'
import {SentinelError} from '../errors.js'
import {invocation} from './run-input.js'

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

/** `id` names no command (or only a topic): the error to report, with the closest command. */
export function unknownCommandError(config: Interfaces.Config, id: string, within?: string): SentinelError {
  const typed = id.replaceAll(' ', ':')
  const known = visibleCommands(config, within)
  const closest = closestTo(typed, known, 3)
  const didYouMean = closest ? `Did you mean ${displayId(closest, config)}? ` : ''
  const bin = invocation(config.bin)
  const what = within === undefined
    ? `There is no command "${displayId(typed, config)}".`
    : `"${displayId(within, config)}" is a topic, not a command: it runs nothing.`
  const help = within === undefined ? `${bin} --help` : `${bin} ${displayId(within, config)} --help`
  const list = known.map(command => displayId(command, config)).join(', ')
  return new SentinelError('INVALID_INPUT', what, {
    suggestion: `${didYouMean}The commands are ${list}; ${help} describes them.`,
  })
}
