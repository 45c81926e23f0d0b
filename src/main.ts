/**
 * The CLI's entry point when sentinel runs as its own CLI (bin/run.js); inside a host CLI the host's
 * entry point runs instead, and its unknown-command handling stays its own. Sentinel's commands
 * report their own errors; what reaches here comes from oclif itself (an unknown command, help for
 * one, a flag help does not take): the CLI's one-line form or one JSON document, never a stack trace.
 */
import type {Interfaces} from '@oclif/core'

import {createRequire} from 'node:module'

import {SentinelError} from './errors.js'
import {reportOclifError, writeError, writeJson} from './shared/error-output.js'
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

    const message = String((error as Error)?.message ?? error)
    // oclif's own words: "command X not found" (run) and "Command X not found." (help X).
    const unknown = /^command (\S+) not found\.?$/i.exec(message.trim())
    if (unknown) {
      const config = await Config.load(root)
      if (unknown[1].startsWith('-')) {
        noCommand(config, argv)
        return
      }

      const notFound = unknownCommandError(config, unknown[1], undefined, argv)
      writeError(notFound, json)
      process.exitCode = notFound.exitCode
      return
    }

    process.exitCode = reportOclifError(error, argv)
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
    writeJson({ok: true, result: {bin: config.bin, commands}})
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
  writeJson({ok: true, result})
}
