/**
 * A topic given flags is a command mistyped, not a request for help: `sentinel init --region x`
 * (or `init status` in a CLI whose topics are separated by a colon) would print the topic's help
 * and exit 0, so a CI gate written that way would always pass. It is a usage error naming the
 * topic's commands. Only sentinel's own topic is checked: inside a host CLI, the host's stay its own.
 */
import type {Hook, Interfaces} from '@oclif/core'

import {realpathSync} from 'node:fs'
import {sep} from 'node:path'
import {fileURLToPath} from 'node:url'

import {writeError} from '../shared/error-output.js'
import {unknownCommandError} from '../shared/unknown-command.js'

const hook: Hook.Init = async function (options) {
  const {argv, config, id} = options
  if (!id || argv.length === 0 || config.findCommand(id) || !config.findTopic(id)) return
  const helpFlags = new Set(['--help', ...(config.pjson.oclif.additionalHelpFlags ?? [])])
  if (argv.some(arg => helpFlags.has(arg))) return
  const own = ownPluginName(config)
  if (!config.commands.some(command => command.id.startsWith(`${id}:`) && command.pluginName === own)) return
  const error = unknownCommandError(config, id, id)
  writeError(error, argv.includes('--json'))
  process.exit(error.exitCode)
}

/**
 * The plugin this file belongs to: sentinel itself, or sentinel loaded as a plugin of a host CLI.
 * Installed from npm, sentinel lives inside the host (host/node_modules/sentinel-infra), so the host's
 * root contains this file too: the plugin whose root is closest to the file (the longest) is sentinel.
 */
function ownPluginName(config: Interfaces.Config): string | undefined {
  const here = realpathSync(fileURLToPath(import.meta.url))
  const containing = [...config.plugins.values()]
  .map(plugin => ({name: plugin.name, root: realRoot(plugin.root)}))
  .filter(plugin => here.startsWith(`${plugin.root}${sep}`))
  .sort((a, b) => b.root.length - a.root.length)
  return containing[0]?.name
}

/** A plugin's root with links resolved; as given if it cannot be (a plugin whose folder is gone). */
function realRoot(root: string): string {
  try {
    return realpathSync(root)
  } catch {
    return root
  }
}

export default hook
