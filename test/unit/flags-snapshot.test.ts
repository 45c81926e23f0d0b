/**
 * Every command's flags as scripts and CI jobs call them (issue 24): names, short names, aliases,
 * type, options, defaults, bounds, required, relationships, hidden, repeatable, --no- form, and
 * whether --json is taken. A flag changed by accident fails here; one changed on purpose is
 * recorded with `npm run snapshot:flags` (see CONTRIBUTING.md), and the diff of
 * test/fixtures/flags.snapshot.json shows the change in review. Descriptions are left out: the
 * README's command reference (`npm run readme`) shows them.
 */
import {expect} from 'chai'
import {readFileSync, writeFileSync} from 'node:fs'
import {fileURLToPath} from 'node:url'

import {COMMANDS} from '../support/command-runner.js'

const SNAPSHOT = fileURLToPath(new URL('../fixtures/flags.snapshot.json', import.meta.url))
/** What a flag promises its callers; each kept when the flag declares it. */
const CONTRACT = [
  'type',
  'char',
  'aliases',
  'charAliases',
  'options',
  'default',
  'min',
  'max',
  'required',
  'multiple',
  'allowNo',
  'dependsOn',
  'exclusive',
  'exactlyOne',
  'atLeastOne',
  'combinable',
  'relationships',
  'hidden',
  'deprecated',
] as const

/** One flag's contract: the declared properties in CONTRACT's order (a default computed at run time named so). */
function flagContract(flag: Record<string, unknown>): Record<string, unknown> {
  const contract: Record<string, unknown> = {}
  for (const key of CONTRACT) {
    const value = flag[key]
    if (value === undefined || (Array.isArray(value) && value.length === 0)) continue
    contract[key] = typeof value === 'function' ? '(computed when run)' : value
  }

  return contract
}

/** Every command's flags, as oclif merges them (base flags, then the command's own), sorted by name. */
function flagsSnapshot(): Record<string, unknown> {
  return Object.fromEntries(Object.entries(COMMANDS).map(([id, command]) => {
    const flags = {...command.baseFlags, ...command.flags} as Record<string, Record<string, unknown>>
    const names = Object.keys(flags).sort()
    return [id, {
      flags: Object.fromEntries(names.map(name => [name, flagContract(flags[name])])),
      json: command.enableJsonFlag === true,
    }]
  }))
}

describe('the flags of every command (snapshot)', () => {
  it('are as recorded in test/fixtures/flags.snapshot.json (on purpose: npm run snapshot:flags)', () => {
    const current = flagsSnapshot()
    if (process.env.UPDATE_SNAPSHOTS === '1') writeFileSync(SNAPSHOT, `${JSON.stringify(current, null, 2)}\n`)
    expect(current).to.deep.equal(JSON.parse(readFileSync(SNAPSHOT, 'utf8')))
  })
})
