/**
 * The provisioning template (after Heroku's PGSettingsCommand and the CDK's bootstrap): the base
 * owns the flags and run() — check input locally, read live state, plan, show the target and
 * plan, confirm, apply, report — and a subclass names only its tables.
 */
import {Flags, type Interfaces} from '@oclif/core'

import type {ApplyProgress} from './apply.js'
import type {Connection} from './aws-config.js'
import {type TableChoice, tableSettingsFlags} from './desired.js'
import {type ErrorCode, SentinelError} from './errors.js'
import type {Inspection as TableInspection} from './inspect.js'
import {buildPolicy} from './iam.js'
import type {DesiredTable} from './plan.js'
import {makeTarget, nextSteps, renderOutcome, renderPlan, renderTarget, type RunResult, tableResult, type TableResult} from './report.js'
import {connectionFlags, ResultError, SentinelCommand, toSentinelError} from './sentinel-command.js'
import type {TableDefinition} from './tables.js'
import {validateAccountId} from './validate.js'

interface Inspection extends TableInspection {
  result: TableResult
}

/** Every flag of a provisioning command: connection, run mode and table settings. */
const provisionFlags = {
  ...connectionFlags,
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

type ProvisionFlags = Interfaces.InferredFlags<typeof provisionFlags>

export abstract class ProvisionCommand extends SentinelCommand {
  static baseFlags = provisionFlags

  /** What is under way in AWS, per table: init:all applies tables concurrently. */
  private readonly inFlightByTable = new Map<string, string>()

  /** The tables this command provisions, named from its flags. */
  protected abstract chooseTables(flags: Record<string, unknown>): TableChoice[]

  /** The base owns run(): check, read, plan, confirm, apply, report. */
  async run(): Promise<RunResult> {
    const {flags: parsed} = await this.parse(this.constructor as typeof ProvisionCommand)
    const flags = parsed as unknown as ProvisionFlags

    // 1. Everything local first: bad input never reaches AWS.
    const {connection, desired} = await this.prepare(this.chooseTables(flags), flags)
    const accountId = flags['account-id'] ? validateAccountId(flags['account-id']) : undefined
    if (flags['generate-iam']) return this.generateIam(connection, desired, accountId)

    // 2. Read the live state and plan, every table at once.
    const {applyPlan, driftError} = await import('./apply.js')
    const {inspections: read, target} = await this.inspectAll(connection, desired, flags, {iamHint: `sentinel ${this.id} --generate-iam`})
    const inspections = read.map(withResult)
    const result: RunResult = {
      command: this.id ?? '',
      mode: flags.plan ? 'plan' : 'apply',
      nextSteps: desired.flatMap((table) => nextSteps(table.definition, table.tableName, `init:${table.definition.kind}`, connection.region)).filter((step, index, all) => all.indexOf(step) === index),
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
      throw new ResultError('DECLINED', 'Declined at the prompt; nothing was changed.', {result, suggestion: 'Rerun and answer yes, or pass --yes.'})
    }

    // 4. Apply concurrently: the total is about the slowest table, not the sum.
    const deadline = Date.now() + flags['wait-timeout'] * 1000
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
    if (failed.length === 1 && inspections.length === 1) throw new ResultError(first.code as ErrorCode, first.message, {exitCode: first.exitCode, result, suggestion: first.suggestion})
    throw new ResultError('PARTIAL_FAILURE', `${failed.length} of ${inspections.length} tables failed: ${failed.map((inspection) => `${inspection.result.table} (${inspection.result.error?.code})`).join(', ')}.`, {
      exitCode: first.exitCode,
      result,
      suggestion: 'See each table above; fix the cause and rerun (finished tables are left as they are).',
    })
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
    const target = accountId ? makeTarget(connection.region, accountId, connection.endpoint) : await this.target(connection)
    if (!target.account) {
      process.stderr.write(`Warning: could not determine the AWS account (${target.accountNote}); the policy uses "*" for it. Pass --account-id to name it.\n`)
    }

    const policy = buildPolicy({account: target.account ?? '*', region: connection.region}, desired)
    this.out(JSON.stringify(policy, null, 2))
    return {
      command: this.id ?? '',
      mode: 'generate-iam',
      nextSteps: ['aws iam create-policy --policy-name SentinelTables --policy-document file://policy.json'],
      policy,
      tables: [],
      target,
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
