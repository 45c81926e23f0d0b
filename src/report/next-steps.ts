import {accessSync, constants, realpathSync} from 'node:fs'
import {delimiter, join, relative} from 'node:path'

/**
 * Commands and settings the operator can copy as they are: each suggestion repeats the run's
 * context (region, profile, endpoint or --local, KMS key, table names), so that what it prints
 * is what this run would have done.
 */
import type {TableChoice} from '../tables/desired.js'

export interface RunContext {
  /** How to invoke this CLI: "sentinel" when it is on PATH, else the path that was run. */
  bin: string
  /** The command id, e.g. init:all. */
  command: string
  /** How the running CLI separates topic and command: ' ' (init all) or ':' (init:all; the default). */
  topicSeparator?: string
  /** True when the command covers several tables (init:all, init:status): one flag per table. */
  multiTable: boolean
  tables: readonly TableChoice[]
  /** Flags that say where and how (--region eu-west-1, --aws-profile prod, --local, --kms-key …). */
  contextFlags: readonly string[]
  local?: {dataDir?: string}
  /** --replica-region: a Lambda TVM may run in each. */
  replicaRegions?: readonly string[]
}

/** Quotes an argument for a POSIX shell when it needs it. */
export function shellQuote(argument: string): string {
  return /^[\w@%+=:,./-]+$/.test(argument) ? argument : `'${argument.replaceAll("'", String.raw`'\''`)}'`
}

/** The flags naming the tables, only where they differ from the defaults. */
export function tableFlags(context: Pick<RunContext, 'multiTable' | 'tables'>): string[] {
  return context.tables
  .filter(choice => choice.tableName !== choice.definition.defaultTableName)
  .flatMap(choice => [context.multiTable ? `--${choice.definition.nameFlag}` : '--table', choice.tableName])
}

/** A command ID as the running CLI takes it: `init all` (two words) or `init:all`. */
export function commandWords(id: string, topicSeparator = ':'): string[] {
  return topicSeparator === ' ' ? id.split(':') : [id.replaceAll(':', topicSeparator)]
}

/** A command line for this CLI in the run's context. */
export function commandLine(context: RunContext, command: string, extra: readonly string[] = []): string {
  const words = commandWords(command, context.topicSeparator)
  return [context.bin, ...words, ...tableFlags(context), ...context.contextFlags, ...extra]
  .map(part => shellQuote(part))
  .join(' ')
}

/** Where Sentinel reads each table's name, and the commands worth running next. */
export function nextSteps(context: RunContext): string[] {
  if (context.local) {
    // DynamoDB Local runs only during a --local run: say how to use these tables, not AWS's env vars.
    const where = context.local.dataDir ? ` in ${context.local.dataDir}` : ''
    // init status checks all four tables (the README's CI gate); after one table, its own --plan checks it.
    const check = context.multiTable
      ? commandLine(context, 'init:status')
      : commandLine(context, context.command, ['--plan'])
    return [
      `The tables live in DynamoDB Local's data${where}; it runs only during a --local run, so pass --local ` +
      `(and the same --local-dir) to use them again. Check them: ${check}`,
      'Against AWS, rerun without --local and with --region; the next steps then name the env vars and the policies.',
    ]
  }

  const steps = context.tables.map(({definition, tableName}) => {
    const server = definition.serverFlag
      ? `; the server and CLI take ${definition.serverFlag} ${shellQuote(tableName)}`
      : ''
    const envVar = `${definition.envVars[0]}=${shellQuote(tableName)}`
    return `${capitalise(definition.purpose)} table: the Lambda TVM reads ${envVar}${server}.`
  })
  if (context.replicaRegions?.length) {
    steps.push(`Replicas in ${context.replicaRegions.join(', ')}: a Lambda TVM there reads the same table names in ` +
      'its own region (AWS_REGION); the server policy below covers every region.')
  }

  for (const [role, who] of [['server', 'the Sentinel server / TVM role'], ['provisioner', 'whoever runs this CLI']]) {
    const file = `${role}-policy.json`
    const policy = commandLine(context, context.command, ['--generate-iam', '--policy-for', role])
    const create = `aws iam create-policy --policy-name Sentinel${capitalise(role)} --policy-document file://${file}`
    steps.push(`IAM policy for ${who}: ${policy} > ${file} && ${create}`)
  }

  return steps
}

export function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1)
}

/** "sentinel" when that is on PATH; else the path this CLI was started with, as the user can type it. */
export function invocation(bin: string, argv: readonly string[] = process.argv): string {
  const script = argv[1] ?? bin
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    try {
      accessSync(join(dir, bin), constants.X_OK)
      // Another program may have the same name (HashiCorp's sentinel): it must be this one.
      if (realpathSync(join(dir, bin)) === realpathSync(script)) return bin
    } catch {
      // Not in this folder of PATH.
    }
  }

  const path = relative(process.cwd(), script)
  return path.startsWith('..') || path.startsWith('/') ? script : `./${path}`
}
