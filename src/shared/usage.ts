/**
 * The USAGE line of a command's help, with its flag relations as they are: a flag that needs another
 * sits inside it (`--local [--local-dir <value>]`), flags that exclude each other are alternatives
 * (`[--plan | --generate-iam … | --export …]`). oclif's own docopts rendering loses a flag once it
 * has been placed in one relation, which printed `[--plan |  | ]` and `[--local-dir <value> ]`.
 */
import {type Command, Flags} from '@oclif/core'

type AnyFlag = Command.Flag.Any

function flagToken(flag: AnyFlag): string {
  const name = flag.char ? `-${flag.char}` : `--${flag.type === 'boolean' && flag.allowNo ? '[no-]' : ''}${flag.name}`
  if (flag.type === 'boolean') return name
  const value = flag.options ? flag.options.join('|') : '<value>'
  return `${name} ${value}${flag.multiple ? '...' : ''}`
}

/** `<%= command.id %> [--a] [--b <value> | --c [--d <value>]] …` for oclif's help template. */
export function usageLine(flags: Record<string, AnyFlag>): string {
  const visible = Object.values(flags).filter(flag => !flag.hidden)
  const names = new Set(visible.map(flag => flag.name))
  // A flag that depends on exactly one other flag is shown inside it.
  const parentOf = new Map<string, string>()
  for (const flag of visible) {
    const needs = (flag.dependsOn ?? []).filter(name => names.has(name))
    if (needs.length === 1) parentOf.set(flag.name, needs[0])
  }

  // Flags that exclude each other form one group of alternatives (union of the exclusive relations).
  const groupOf = new Map<string, string>(visible.map(flag => [flag.name, flag.name]))
  const root = (name: string): string => {
    const up = groupOf.get(name)!
    return up === name ? name : root(up)
  }

  for (const flag of visible) {
    if (parentOf.has(flag.name)) continue
    for (const other of flag.exclusive ?? []) {
      if (names.has(other) && !parentOf.has(other)) groupOf.set(root(other), root(flag.name))
    }
  }

  // `a | b | c` claims every pair excludes each other; exclusion is not transitive (--account-id
  // excludes --export but goes with --plan), so a member that does not exclude all the others
  // stands on its own, fewest exclusions first.
  const excludes = (a: AnyFlag, b: AnyFlag) =>
    Boolean(a.exclusive?.includes(b.name) || b.exclusive?.includes(a.name))
  for (const flag of visible) {
    const group = () => visible.filter(other => !parentOf.has(other.name) && root(other.name) === root(flag.name))
    for (;;) {
      const members = group()
      const misfit = members
      .filter(member => members.some(other => other !== member && !excludes(member, other)))
      .sort((a, b) => (a.exclusive?.length ?? 0) - (b.exclusive?.length ?? 0))[0]
      if (!misfit) break
      const rest = members.filter(member => member !== misfit)
      groupOf.set(misfit.name, misfit.name)
      for (const member of rest) groupOf.set(member.name, rest[0].name)
    }
  }

  const element = (flag: AnyFlag): string => {
    const children = visible.filter(child => parentOf.get(child.name) === flag.name)
    return [flagToken(flag), ...children.map(child => `[${element(child)}]`)].join(' ')
  }

  const parts: string[] = []
  const done = new Set<string>()
  for (const flag of visible) {
    if (parentOf.has(flag.name) || done.has(root(flag.name))) continue
    done.add(root(flag.name))
    const members = visible.filter(other => !parentOf.has(other.name) && root(other.name) === root(flag.name))
    const alternatives = members.map(member => element(member)).join(' | ')
    parts.push(members.some(member => member.required) ? `(${alternatives})` : `[${alternatives}]`)
  }

  return ['<%= command.id %>', ...parts].join(' ')
}

/** A command class's USAGE line (oclif reads a static `usage`): `static usage = usageOf(this)`, after its flags. */
export function usageOf(command: Pick<Command.Class, 'baseFlags' | 'enableJsonFlag' | 'flags'>): string {
  const json = command.enableJsonFlag ? {json: Flags.boolean({description: 'Format output as json.'})} : {}
  const flags = {...json, ...command.baseFlags, ...command.flags} as Record<string, AnyFlag>
  return usageLine(Object.fromEntries(Object.entries(flags).map(([name, flag]) => [name, {...flag, name}])))
}
