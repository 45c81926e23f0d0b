/**
 * The provisioning template (after Heroku's PGSettingsCommand and the CDK's bootstrap): the base
 * owns the flags and run() — check input locally, read live state, plan, show the target and
 * plan, confirm, apply, report — and a subclass names only its tables.
 */
import {Flags} from '@oclif/core'

import type {ApplyProgress} from './apply.js'
import type {Connection} from './aws-config.js'
import {SentinelError} from './errors.js'
import type {Inspection as TableInspection} from './inspect.js'
import {buildPolicy} from './iam.js'
import type {DesiredTable} from './plan.js'
import {makeTarget, nextSteps, renderOutcome, renderPlan, renderTarget, type RunResult, tableResult, type TableResult} from './report.js'
import {ResultError, SentinelCommand, toSentinelError} from './sentinel-command.js'
import {SENTINEL_TAG_KEY, type TableDefinition} from './tables.js'
import {parseKmsKey, parseTags, validateAccountId, validateTableName, validateWaitTimeout} from './validate.js'

export interface TableSettings {
  'deletion-protection': boolean
  'kms-key'?: string
  pitr: boolean
  tag?: string[]
}

export interface ProvisionFlags extends TableSettings {
  'account-id'?: string
  'aws-profile'?: string
  'endpoint-url'?: string
  'generate-iam': boolean
  local: boolean
  'local-dir'?: string
  plan: boolean
  region?: string
  'wait-timeout': number
  yes: boolean
}

export interface TableChoice {
  definition: TableDefinition
  tableName: string
}

interface Inspection extends TableInspection {
  result: TableResult
}

/** What every table should look like, shared by the provisioning commands and init:status. */
export const tableSettingsFlags = {
  'kms-key': Flags.string({
    description: 'Customer-managed KMS key (key ID, key ARN, alias/NAME or alias ARN) to encrypt with; default: the AWS-managed key.',
    helpGroup: 'TABLE SETTINGS',
  }),
  tag: Flags.string({
    description: 'Tag to add, as key=value (repeatable). Tags are added, never removed or changed.',
    helpGroup: 'TABLE SETTINGS',
    multiple: true,
  }),
  'deletion-protection': Flags.boolean({
    allowNo: true,
    default: true,
    description: 'Turn deletion protection on (never turned off by sentinel).',
    helpGroup: 'TABLE SETTINGS',
  }),
  pitr: Flags.boolean({
    allowNo: true,
    default: true,
    description: 'Turn point-in-time recovery on (never turned off by sentinel).',
    helpGroup: 'TABLE SETTINGS',
  }),
}

/** Table names are checked before anything else, even the region. */
export function validateChoices(choices: TableChoice[]): TableChoice[] {
  return choices.map((choice) => ({...choice, tableName: validateTableName(choice.tableName)}))
}

/** Checks tags and the KMS key locally and builds each table's desired state. */
export function desiredTables(choices: TableChoice[], flags: TableSettings, region: string): DesiredTable[] {
  const tags = parseTags(flags.tag ?? [], SENTINEL_TAG_KEY)
  const kmsKey = flags['kms-key'] ? parseKmsKey(flags['kms-key'], region) : undefined
  return choices.map((choice) => ({
    definition: choice.definition,
    deletionProtection: flags['deletion-protection'],
    kmsKey,
    pitr: flags.pitr,
    tableName: choice.tableName,
    tags,
  }))
}

export abstract class ProvisionCommand extends SentinelCommand {
  /** What is under way in AWS, per table: init:all applies tables concurrently. */
  private readonly inFlightByTable = new Map<string, string>()

  static baseFlags = {
    ...SentinelCommand.baseFlags,
    plan: Flags.boolean({description: 'Show what would change and change nothing.', exclusive: ['generate-iam']}),
    yes: Flags.boolean({char: 'y', description: 'Apply without asking for confirmation (needed without a terminal).'}),
    'generate-iam': Flags.boolean({description: 'Print the IAM policy document for the table(s) and exit.'}),
    'account-id': Flags.string({
      dependsOn: ['generate-iam'],
      description: 'Account for the --generate-iam ARNs; without it the account comes from STS GetCallerIdentity.',
    }),
    'wait-timeout': Flags.integer({
      default: 600,
      description: 'Seconds to wait for the table and its indexes to become ACTIVE (index backfill can be slow).',
      max: 86_400,
      min: 1,
    }),
    ...tableSettingsFlags,
  }

  /** The tables this command provisions, named from its flags. */
  protected abstract chooseTables(flags: Record<string, unknown>): TableChoice[]

  /** The base owns run(): check, read, plan, confirm, apply, report. */
  async run(): Promise<RunResult> {
    const {flags: parsed} = await this.parse(this.constructor as typeof ProvisionCommand)
    const flags = parsed as unknown as ProvisionFlags & Record<string, unknown>

    // 1. Everything local first: bad input never reaches AWS.
    const choices = validateChoices(this.chooseTables(flags))
    const connection = await this.resolveTarget(flags)
    const desired = desiredTables(choices, flags, connection.region)
    const accountId = flags['account-id'] ? validateAccountId(flags['account-id']) : undefined
    const deadlineMs = validateWaitTimeout(flags['wait-timeout']) * 1000

    if (flags['generate-iam']) return this.generateIam(connection, desired, accountId)

    // 2. Read the live state and plan, every table at once.
    const [{applyPlan, driftError}, {inspectTable}] = await Promise.all([import('./apply.js'), import('./inspect.js')])
    await this.connect(connection, flags, `sentinel ${this.id} --generate-iam`)
    this.progress.status(`Reading ${desired.map((table) => table.tableName).join(', ')}`)
    const [target, inspections] = await Promise.all([this.target(connection), Promise.all(desired.map(async (table) => withResult(await inspectTable(this.gateway!, table))))])
    this.progress.stop('read')
    const result: RunResult = {
      command: this.id ?? '',
      mode: flags.plan ? 'plan' : 'apply',
      nextSteps: desired.flatMap((table) => nextSteps(table.definition, table.tableName, this.commandFor(table.definition), connection.region)).filter((step, index, all) => all.indexOf(step) === index),
      tables: inspections.map((inspection) => inspection.result),
      target,
    }
    this.out(renderTarget(target))
    for (const inspection of inspections) this.out(renderPlan(inspection.result).join('\n'))
    if (flags.plan) return result

    // 3. Drifted tables are refused; the rest are applied once confirmed.
    for (const inspection of inspections.filter((candidate) => candidate.plan.drift.length > 0)) {
      inspection.result.outcome = 'refused'
      inspection.result.error = driftError(inspection.plan).toJSON()
    }

    const pending = inspections.filter((inspection) => inspection.plan.drift.length === 0 && inspection.plan.actions.length > 0)
    for (const inspection of inspections.filter((candidate) => candidate.plan.drift.length === 0 && candidate.plan.actions.length === 0)) inspection.result.outcome = 'unchanged'
    if (pending.length > 0 && !(await this.confirmed(flags, pending, target.account, connection))) {
      for (const inspection of pending) inspection.result.outcome = 'declined'
      this.out('Nothing was changed.')
      throw Object.assign(new ResultError('DECLINED', 'Declined at the prompt; nothing was changed.', {suggestion: 'Rerun and answer yes, or pass --yes.'}), {result})
    }

    // 4. Apply concurrently: the total is about the slowest table, not the sum.
    const deadline = Date.now() + deadlineMs
    await Promise.all(pending.map((inspection) => this.applyOne(applyPlan, inspection, deadline)))
    this.progress.stop(pending.some((inspection) => inspection.result.error) ? 'failed' : 'done')

    this.out()
    for (const inspection of inspections) this.out(renderOutcome(inspection.result).join('\n'))
    const failed = inspections.filter((inspection) => inspection.result.error)
    if (failed.length === 0) {
      this.out('\nNext steps:')
      for (const step of result.nextSteps) this.out(`  • ${step}`)
      return result
    }

    const first = failed[0].result.error!
    const error =
      failed.length === 1 && inspections.length === 1
        ? new ResultError(first.code as never, first.message, {exitCode: first.exitCode, suggestion: first.suggestion})
        : new ResultError('PARTIAL_FAILURE', `${failed.length} of ${inspections.length} tables failed: ${failed.map((inspection) => `${inspection.result.table} (${inspection.result.error?.code})`).join(', ')}.`, {
            exitCode: first.exitCode,
            suggestion: 'See each table above; fix the cause and rerun (finished tables are left as they are).',
          })
    throw Object.assign(error, {result})
  }

  /** The single-table command that provisions this definition, for next-step hints. */
  protected commandFor(definition: TableDefinition): string {
    return `init:${definition.kind}`
  }

  private async confirmed(flags: ProvisionFlags, pending: Inspection[], account: null | string, connection: Connection): Promise<boolean> {
    if (flags.yes) return true
    const names = pending.map((inspection) => inspection.desired.tableName).join(', ')
    if (!process.stdin.isTTY) {
      throw new SentinelError('NON_INTERACTIVE', `Not changing ${names}: there is no terminal to confirm on.`, {
        suggestion: 'Pass --yes to apply the plan above (or --plan to only show it).',
      })
    }

    const {default: confirm} = await import('@inquirer/confirm')
    const count = pending.reduce((sum, inspection) => sum + inspection.plan.actions.length, 0)
    const where = `account ${account ?? 'unknown'}, region ${connection.region}${connection.endpoint ? `, endpoint ${connection.endpoint}` : ''}`
    this.inFlight = undefined
    return confirm({default: false, message: `Apply ${count} change${count === 1 ? '' : 's'} to ${names} (${where})?`}, {output: process.stderr})
  }

  private async applyOne(applyPlan: typeof import('./apply.js').applyPlan, inspection: Inspection, deadline: number): Promise<void> {
    const {desired, result} = inspection
    const progress: ApplyProgress = {
      inFlight: (what) => {
        if (what) this.inFlightByTable.set(desired.tableName, what)
        else this.inFlightByTable.delete(desired.tableName)
        this.inFlight = [...this.inFlightByTable.values()].join('; ') || undefined
      },
      status: (message) => this.progress.status(message),
    }
    try {
      const applied = await applyPlan(this.gateway!, desired, inspection.plan, {deadline, progress})
      result.outcome = applied.outcome
      result.applied = applied.applied
      result.notices = applied.notices
      result.arn = applied.live.arn ?? result.arn
      result.status = applied.live.status
      result.converged = true
    } catch (error) {
      const sentinelError = toSentinelError(error as Error)
      result.outcome = sentinelError.code === 'DRIFT' ? 'refused' : 'failed'
      result.error = sentinelError.toJSON()
    }
  }

  private async generateIam(connection: Connection, desired: DesiredTable[], accountId: string | undefined): Promise<RunResult> {
    let account = accountId
    let note: string | undefined
    if (!account) {
      try {
        const {lookupAccount} = await import('./gateway.js')
        account = await lookupAccount(connection)
      } catch (error) {
        note = toSentinelError(error as Error).message
        account = '*'
        process.stderr.write(`Warning: could not determine the AWS account (${note}); the policy uses "*" for it. Pass --account-id to name it.\n`)
      }
    }

    const policy = buildPolicy({account, region: connection.region}, desired)
    this.out(JSON.stringify(policy, null, 2))
    return {
      command: this.id ?? '',
      mode: 'generate-iam',
      nextSteps: ['aws iam create-policy --policy-name SentinelTables --policy-document file://policy.json'],
      policy,
      tables: [],
      target: makeTarget(connection.region, account === '*' ? undefined : account, connection.endpoint, note),
    }
  }
}

function withResult(inspection: TableInspection): Inspection {
  const {desired, live, plan} = inspection
  return {...inspection, result: tableResult(desired.definition, desired.tableName, plan, live, 'planned')}
}

/** A command for one table: a subclass declares its definition and texts, nothing more. */
export abstract class ProvisionTableCommand extends ProvisionCommand {
  abstract readonly definition: TableDefinition

  protected chooseTables(flags: Record<string, unknown>): TableChoice[] {
    return [{definition: this.definition, tableName: String(flags.table)}]
  }
}
