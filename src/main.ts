/**
 * The CLI's entry point when sentinel runs as its own CLI (bin/run.js); inside a host CLI the host's
 * entry point runs instead, and its unknown-command handling stays its own. Sentinel's commands
 * report their own errors; what reaches here comes from oclif itself (an unknown command, help for
 * one, a flag help does not take): the CLI's one-line form or one JSON document, never a stack trace.
 */
import type {Interfaces} from '@oclif/core'

import {createRequire} from 'node:module'

import type {CommandListDocument, VersionDocument} from './shared/json-document.js'

import {SentinelError} from './errors.js'
import {
  reportOclifError, resultDocument, writeError, writeJson,
} from './shared/error-output.js'
import {displayId, unknownCommandError, visibleCommands} from './shared/unknown-command.js'

// oclif's subpath entries, not its index: the index also loads what only commands and plugins use
// (its parser, flags, ux, semver for a Node version check), which `sentinel --help` does not need.
// Required, not imported: importing a CommonJS file from ESM has Node scan its source for its export
// names first, which cost --generate-iam more than the index saved it.
const requireCjs = createRequire(import.meta.url)
const {Config} = requireCjs('@oclif/core/config') as typeof import('@oclif/core/config')
const Errors = requireCjs('@oclif/core/errors') as typeof import('@oclif/core/errors')
const {flush} = requireCjs('@oclif/core/flush') as typeof import('@oclif/core/flush')
const {run} = requireCjs('@oclif/core/run') as typeof import('@oclif/core/run')

export async function main(argv: string[], root: string): Promise<void> {
  const json = argv.includes('--json')
  try {
    if (json && argv[0] === '--version') {
      await printVersion(root)
      return
    }

    await run(argv, root)
    await flush()
  } catch (error) {
    if (error instanceof Errors.ExitError) {
      process.exitCode = error.oclif.exit
      return
    }

    // oclif says it found no command with a plain CLIError (no code): what was not found is read
    // from the command line as oclif read it, never from its message.
    const config = error instanceof Errors.CLIError ? await Config.load(root) : undefined
    const unknown = config && await unknownCommand(config, argv)
    if (config && unknown !== undefined) {
      if (unknown.startsWith('-')) {
        noCommand(config, argv)
        return
      }

      const notFound = unknownCommandError(config, unknown, undefined, argv)
      writeError(notFound, json)
      process.exitCode = notFound.exitCode
      return
    }

    process.exitCode = reportOclifError(error, argv)
  }
}

/**
 * The command the command line asks for that the CLI has none of (nor a topic of that name), looked
 * up as oclif's run and help look it up, with oclif's own functions: help's subject for `help X` and
 * `X --help`, else the command's ID (`--json` when only flags were given); undefined when the command
 * line names a command or a topic, so that oclif failed for another reason.
 */
async function unknownCommand(config: Interfaces.Config, argv: string[]): Promise<string | undefined> {
  const help = requireCjs('@oclif/core/help') as typeof import('@oclif/core/help')
  const helpFlags = help.getHelpFlagAdditions(config)
  const found = (id: string) => Boolean(config.findCommand(id) ?? config.findTopic(id))
  const helpAsked = argv.slice(0, [...argv, '--'].indexOf('--')).some(arg => helpFlags.includes(arg))
  const [id, ...rest] = help.normalizeArgv(config, argv)
  if (!helpAsked && id !== 'help') return id === undefined || found(id) ? undefined : id
  const subject = helpSubject(config, helpAsked ? argv : await helpCommandArgv(config, rest))
  return subject === undefined || found(subject) ? undefined : subject
}

/** What oclif's help shows help for (its getHelpSubject): the first word, help flags left out, as an ID. */
function helpSubject(config: Interfaces.Config, argv: string[]): string | undefined {
  const help = requireCjs('@oclif/core/help') as typeof import('@oclif/core/help')
  const helpFlags = help.getHelpFlagAdditions(config)
  const words = argv.filter(arg => !helpFlags.includes(arg))
  const standard = config.topicSeparator === ':' ? words : help.standardizeIDFromArgv(words, config)
  const subject = standard.find(arg => arg !== 'help')
  return subject === undefined || subject.startsWith('-') ? undefined : subject
}

/** The words `help` was given, as its command parses them (its own flags taken out). */
async function helpCommandArgv(config: Interfaces.Config, argv: string[]): Promise<string[]> {
  const command = await config.findCommand('help')?.load()
  if (!command) return argv
  const {parse} = requireCjs('@oclif/core/parser') as typeof import('@oclif/core/parser')
  try {
    const parsed = await parse(argv, {
      args: command.args, flags: {...command.baseFlags, ...command.flags}, strict: command.strict,
    })
    return parsed.argv.map(String)
  } catch {
    return []
  }
}

/**
 * Flags but no command: `sentinel --json` is the machine-readable form of `sentinel` (the list of
 * commands, exit 0); anything else is a usage error, as one line or one JSON document.
 */
function noCommand(config: Interfaces.Config, argv: string[]): void {
  if (argv.every(arg => arg === '--json')) {
    const commands = visibleCommands(config).map(id => ({
      command: `${config.bin} ${displayId(id, config)}`,
      id,
      summary: config.findCommand(id)?.summary ?? '',
    }))
    const document: CommandListDocument = resultDocument({bin: config.bin, commands})
    writeJson(document)
    return
  }

  const list = visibleCommands(config).map(id => displayId(id, config)).join(', ')
  const error = new SentinelError('INVALID_INPUT', `No command given, only ${argv.join(' ')}.`, {
    suggestion: `Name one of ${list} first; ${config.bin} --help describes them.`,
  })
  writeError(error, argv.includes('--json'))
  process.exitCode = error.exitCode
}

/** `sentinel --version --json`: the version line as data, as sf prints it. */
async function printVersion(root: string): Promise<void> {
  const config = await Config.load(root)
  const result = {
    architecture: `${config.platform}-${config.arch}`,
    cliVersion: `${config.name}/${config.version}`,
    nodeVersion: `node-${process.version}`,
  }
  const document: VersionDocument = resultDocument(result)
  writeJson(document)
}
