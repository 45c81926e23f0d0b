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
  /** True when the command covers several tables (init:all, init:status): one flag per table. */
  multiTable: boolean
  tables: readonly TableChoice[]
  /** Flags that say where and how (--region eu-west-1, --aws-profile prod, --local, --kms-key …). */
  contextFlags: readonly string[]
  local?: {dataDir?: string}
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

/** A command line for this CLI in the run's context. */
export function commandLine(context: RunContext, command: string, extra: readonly string[] = []): string {
  return [context.bin, command, ...tableFlags(context), ...context.contextFlags, ...extra]
  .map((part, index) => index === 0 ? part : shellQuote(part))
  .join(' ')
}

/** Where Sentinel reads each table's name, and the commands worth running next. */
export function nextSteps(context: RunContext): string[] {
  const steps: string[] = []
  if (context.local) {
    const where = context.local.dataDir ? ` in ${context.local.dataDir}` : ''
    steps.push(`The tables live in DynamoDB Local's data${where}; DynamoDB Local runs only during a --local run. ` +
      `Check them with: ${commandLine({...context, multiTable: true}, 'init:status')}`)
  }

  for (const {definition, tableName} of context.tables) {
    const server = definition.serverFlag
      ? `; the server and CLI take ${definition.serverFlag} ${shellQuote(tableName)}`
      : ''
    const envVar = `${definition.envVars[0]}=${shellQuote(tableName)}`
    steps.push(`${capitalise(definition.purpose)} table: the Lambda TVM reads ${envVar}${server}.`)
  }

  if (!context.local) {
    const serverPolicy = commandLine(context, context.command, ['--generate-iam', '--policy-for', 'server'])
    const provisionerPolicy = commandLine(context, context.command, ['--generate-iam', '--policy-for', 'provisioner'])
    steps.push(
      `IAM policy for the Sentinel server / TVM role: ${serverPolicy}`,
      `IAM policy for whoever runs this CLI: ${provisionerPolicy}`,
    )
  }

  return steps
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1)
}
