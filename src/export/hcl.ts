/**
 * A small, structure-driven writer for HCL (Terraform's native syntax). npm has HCL parsers
 * (@cdktf/hcl2json) and a formatter (@cdktf/hcl-tools), but no maintained library that builds HCL
 * from data: the cdktf renderer comes only with the whole cdktf construct runtime, and the
 * remaining packages write HCL1, which Terraform >= 0.12 reads differently. So the document is
 * built as data (blocks, attributes, values) and this module only serialises it, escaping every
 * string per the HCL spec (quotes, backslashes, control characters and the template sequences
 * "${" and "%{"). The output is what `terraform fmt` would write; the tests check both that and
 * that HashiCorp's own parser reads it back to the same data.
 */

/** A reference such as var.session_table_name, aws_dynamodb_table.session.arn or string, written bare. */
export class HclReference {
  constructor(readonly path: string) {
    if (!TRAVERSAL.test(path)) throw new Error(`Not an HCL reference: ${path}`)
  }
}

/** A function call such as can(regex("...", var.name)); its arguments are values like any other. */
export class HclCall {
  constructor(
    readonly name: string,
    readonly args: readonly HclValue[],
  ) {
    if (!IDENTIFIER.test(name)) throw new Error(`Not an HCL function name: ${name}`)
  }
}

export type HclValue =
  boolean | HclCall | HclReference | number | readonly HclValue[] | string | {readonly [key: string]: HclValue}

export interface HclAttribute {
  kind: 'attribute'
  name: string
  value: HclValue
}

export interface HclBlock {
  kind: 'block'
  type: string
  labels: readonly string[]
  body: readonly HclBodyItem[]
}

export interface HclComment {
  kind: 'comment'
  lines: readonly string[]
}

export type HclBodyItem = HclAttribute | HclBlock | HclComment

const IDENTIFIER = /^[A-Za-z_][\w-]*$/
const TRAVERSAL = /^[A-Za-z_][\w-]*(\.[A-Za-z_][\w-]*)*$/
/** Bare words that mean something else as an object key (a for expression, a literal). */
const KEYWORDS = new Set(['false', 'for', 'if', 'in', 'null', 'true'])
const INDENT = '  '

export function attribute(name: string, value: HclValue): HclAttribute {
  if (!IDENTIFIER.test(name)) throw new Error(`Not an HCL attribute name: ${name}`)
  return {kind: 'attribute', name, value}
}

export function block(type: string, labels: readonly string[], body: readonly (HclBodyItem | undefined)[]): HclBlock {
  if (!IDENTIFIER.test(type)) throw new Error(`Not an HCL block type: ${type}`)
  return {
    body: body.filter(item => item !== undefined), kind: 'block', labels, type,
  }
}

export function comment(...lines: string[]): HclComment {
  return {kind: 'comment', lines}
}

export function reference(path: string): HclReference {
  return new HclReference(path)
}

export function call(name: string, ...args: HclValue[]): HclCall {
  return new HclCall(name, args)
}

/** A quoted HCL string: escapes per the spec, and "${" / "%{" doubled so they stay literal. */
export function quote(text: string): string {
  let out = ''
  for (const char of text) {
    const code = char.codePointAt(0)!
    if (char === '\\') out += '\\\\'
    else if (char === '"') out += String.raw`\"`
    else if (char === '\n') out += String.raw`\n`
    else if (char === '\r') out += String.raw`\r`
    else if (char === '\t') out += String.raw`\t`
    else if (code < 0x20 || code === 0x7F) out += `\\u${code.toString(16).padStart(4, '0')}`
    else out += char
  }

  // Replacer functions: in a replacement string "$$" would itself mean one "$".
  return `"${out.replaceAll('${', () => '$${').replaceAll('%{', () => '%%{')}"`
}

/** A whole file: a header comment, then top-level items separated by blank lines. */
export function renderHcl(items: readonly HclBodyItem[], header: readonly string[] = []): string {
  const head = header.map(line => (line ? `# ${line}` : '#'))
  return `${[...head, ...(head.length > 0 ? [''] : []), ...renderBody(items, 0)].join('\n')}\n`
}

function renderBody(items: readonly HclBodyItem[], depth: number): string[] {
  const lines: string[] = []
  // Runs of one-line attributes have their "=" aligned, as terraform fmt does; anything that spans
  // lines (a block, an object) stands apart, separated by a blank line.
  let run: {name: string; value: string}[] = []
  let previous: 'comment' | 'multi' | 'run' | undefined
  const flush = () => {
    const width = Math.max(...run.map(item => item.name.length))
    for (const item of run) lines.push(`${INDENT.repeat(depth)}${item.name.padEnd(width)} = ${item.value}`)
    run = []
  }

  for (const item of items) {
    if (item.kind === 'attribute') {
      const value = renderValue(item.value, depth)
      if (!value.includes('\n')) {
        if (previous === 'multi') lines.push('')
        run.push({name: item.name, value})
        previous = 'run'
        continue
      }

      if (run.length > 0) flush()
      if (previous && previous !== 'comment') lines.push('')
      lines.push(`${INDENT.repeat(depth)}${item.name} = ${value}`)
      previous = 'multi'
      continue
    }

    if (run.length > 0) flush()
    if (previous && previous !== 'comment') lines.push('')
    if (item.kind === 'comment') {
      for (const text of item.lines) lines.push(`${INDENT.repeat(depth)}#${text ? ` ${text}` : ''}`)
      previous = 'comment'
      continue
    }

    const head = [item.type, ...item.labels.map(label => quote(label))].join(' ')
    if (item.body.length === 0) {
      lines.push(`${INDENT.repeat(depth)}${head} {}`)
    } else {
      lines.push(`${INDENT.repeat(depth)}${head} {`, ...renderBody(item.body, depth + 1), `${INDENT.repeat(depth)}}`)
    }

    previous = 'multi'
  }

  if (run.length > 0) flush()
  return lines
}

function renderValue(value: HclValue, depth: number): string {
  if (typeof value === 'string') return quote(value)
  if (typeof value === 'boolean') return String(value)
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`HCL has no number ${value}`)
    return String(value)
  }

  if (value instanceof HclReference) return value.path
  if (value instanceof HclCall) return `${value.name}(${value.args.map(arg => renderValue(arg, depth)).join(', ')})`
  if (Array.isArray(value)) return `[${value.map((item: HclValue) => renderValue(item, depth)).join(', ')}]`
  const entries = Object.entries(value as {[key: string]: HclValue})
  if (entries.length === 0) return '{}'
  const keys = entries.map(([key]) => (IDENTIFIER.test(key) && !KEYWORDS.has(key) ? key : quote(key)))
  const width = Math.max(...keys.map(key => key.length))
  const inner = INDENT.repeat(depth + 1)
  const lines = entries.map(([, item], index) =>
    `${inner}${keys[index].padEnd(width)} = ${renderValue(item, depth + 1)}`)
  return `{\n${lines.join('\n')}\n${INDENT.repeat(depth)}}`
}
