/**
 * What every table command shares, as steps its run() composes (after the CDK's bootstrap: settle
 * the input, read the live state, then decide): the input settled locally before any AWS call, the
 * session, the live state of every table read at once beside the account lookup, and what an
 * interrupt leaves behind. Two paths are built on it: ProvisionTableCommand (plan, confirm, apply,
 * and the policy and export) and init:status (read-only).
 */
import type {TableDefinition} from '../tables/definitions.js'

import {
  type Connection, regionNotice, resolveConnection, validateRegion,
} from '../aws/connection.js'
import {type AwsSession, LOCAL_CREDENTIALS} from '../aws/session.js'
import {GlobalTables} from '../provisioning/global-table.js'
import {EndpointCapabilities} from '../provisioning/live-table.js'
import {type Inspection, Provisioner, unreadInspection} from '../provisioning/provisioner.js'
import {commandLine, type RunContext} from '../report/next-steps.js'
import {makeTarget, type RunResult, type Target} from '../report/report.js'
import {
  type ExpectedAccount, guardAccount, type RunAsked, type RunFacts,
} from '../report/run-result.js'
import {
  type DesiredTable, desiredTables, type TableChoice, validateChoices,
} from '../tables/desired.js'
import {Progress} from './progress.js'
import {
  chooseTables, expectedAccountOf, localDataDir, localRegion, refuseAccountWithLocal, refuseReplicasOnLocal,
  runContext, type RunFlags, settingsOf, type TableNameFlags, withSuggestions,
} from './run-input.js'
import {SentinelCommand, toSentinelError} from './sentinel-command.js'
import {CLI_SERVICES, type RunServices} from './services.js'

/**
 * How long a command without --wait-timeout (init status) waits for another --local run to finish
 * with the data folder: a read-only check does not sit behind a run held at its prompt for minutes.
 */
export const STATUS_FOLDER_WAIT_S = 30

/** Everything a run has settled locally, before any AWS call. */
export interface Run {
  flags: RunFlags
  connection: Connection
  desired: DesiredTable[]
  context: RunContext
  /** --account-id, else SENTINEL_ACCOUNT_ID: the account the credentials must belong to. */
  expectedAccount?: ExpectedAccount
}

/** The live state of every table, read at once, and the account the credentials belong to. */
export interface ReadState {
  inspections: Inspection[]
  target: Target
  /** The provisioning service of the table's region and of each replica's region. */
  globalTables: GlobalTables
}

/** Where a silent Progress writes: nowhere. */
function writeNothing(): void {}

export abstract class TableCommand extends SentinelCommand<RunResult> {
  /**
   * The tables this command works on (one for init:sessions, all four for init:all and init:status).
   * Abstract, so a command that does not name them does not compile (TypeScript has no abstract static).
   */
  protected abstract readonly tables: readonly TableDefinition[]
  /** Where runs reach AWS and the operator: the SDK and the terminal; fakes in the command tests. */
  static services: RunServices = CLI_SERVICES
  protected progress = new Progress('silent', writeNothing)
  /** For --local: where DynamoDB Local keeps this run's data (an interrupt says so, not "AWS"). */
  private localDir?: string
  /** The run's session, once connected (init:status's role check reads table policies through it). */
  protected session?: AwsSession

  protected get services(): RunServices {
    return (this.constructor as typeof TableCommand).services
  }

  protected get commandId(): string {
    return this.id ?? ''
  }

  /** The command that changes these tables, for the commands a run suggests: this one, by default. */
  protected get applyCommandId(): string {
    return this.commandId
  }

  /** Progress on stderr (a spinner on a terminal, lines in a CI log, nothing under --json). */
  protected startRun(flags: RunFlags): void {
    const mode = this.jsonEnabled() ? 'silent' : (process.stderr.isTTY ? 'spinner' : 'line')
    this.progress = new Progress(mode, line => this.info(line))
    if (flags.local) this.localDir = localDataDir(flags)
  }

  /** The tables named (flags, env vars, defaults), checked: bad names never reach AWS. */
  protected chooseTables(flags: RunFlags & TableNameFlags): TableChoice[] {
    refuseReplicasOnLocal(flags)
    return validateChoices(chooseTables(this.tables, flags))
  }

  /** Region, profile, endpoint, settings and the account to guard, all checked locally: no AWS call. */
  protected async settle(flags: RunFlags, choices: TableChoice[]): Promise<Run> {
    // --export --import-existing reads the account's tables too: guarded like a run (plain --export never gets here).
    if (flags.local && !flags['generate-iam']) refuseAccountWithLocal(flags)
    // Checked first: an empty --account-id must not fall through to a lookup it would have skipped.
    const expectedAccount = expectedAccountOf(flags)
    const connection = await this.resolveTarget(flags)
    const unknownRegion = regionNotice(connection.region)
    if (unknownRegion) this.warning({code: 'UNKNOWN_REGION', message: unknownRegion})
    const desired = desiredTables(choices, settingsOf(flags), connection.region)
    this.checkDesired(flags, desired)
    const command = {
      bin: this.config.bin,
      id: this.commandId,
      multiTable: this.tables.length > 1,
      topicSeparator: this.config.topicSeparator,
    }
    const context = runContext(command, flags, choices, connection)
    return {
      connection,
      context,
      desired: withSuggestions(desired, {connection, context, flags}, this.applyCommandId),
      expectedAccount,
      flags,
    }
  }

  /** A command's own local checks of the desired tables (an export's), before anything else is read. */
  protected checkDesired(_flags: RunFlags, _desired: readonly DesiredTable[]): void {}

  /** How this run was asked for: the rerun a failure suggests repeats --yes; --json points at the JSON. */
  protected asked(): RunAsked {
    return {confirmed: this.argv.includes('--yes') || this.argv.includes('-y'), json: this.jsonEnabled()}
  }

  /** Who ran and where, for the run service (report/run-result.ts). */
  protected facts(run: Run, target: Target): RunFacts {
    return {command: this.commandId, context: run.context, target}
  }

  /**
   * Every table read and planned at once, beside the account lookup. One table that cannot be read
   * is kept with its error, so the others go on; if none can be read, that is the error, unless STS
   * named an account the guard refuses (credentials of the wrong account read nothing).
   */
  protected async readTables(run: Run, options: {full: boolean}): Promise<ReadState> {
    const session = await this.connect(run)
    const home = new Provisioner(new EndpointCapabilities(session.port), {
      resolveKey: this.services.kmsKeyResolver(session.connection),
    })
    // A replica's region has its own client (and KMS for its key), and its own learning of what the
    // endpoint lacks.
    const regional = new Map<string, Promise<Provisioner>>()
    const globalTables = new GlobalTables(home, region => {
      let made = regional.get(region)
      if (!made) {
        made = session.regionalPort(region).then(port => new Provisioner(new EndpointCapabilities(port), {
          resolveKey: this.services.kmsKeyResolver({...session.connection, region}),
        }))
        regional.set(region, made)
      }

      return made
    })
    this.progress.status(`Reading ${run.desired.map(table => table.tableName).join(', ')}`)
    const [target, inspections] = await Promise.all([
      this.target(session.connection),
      Promise.all(run.desired.map(table => inspectOne(globalTables, table, options))),
    ])
    this.progress.stop('read')
    const unread = inspections.filter(inspection => inspection.error)
    const noneRead = unread.length === inspections.length
    if (noneRead && !target.account) throw unread[0].error
    guardAccount(run.expectedAccount, target)
    if (noneRead) throw unread[0].error
    return {globalTables, inspections, target}
  }

  /** The run's session (DynamoDB Local started for --local); closed when the command ends. */
  protected async connect(run: Run): Promise<AwsSession> {
    this.session = await this.services.openSession(run.connection, {
      debug: line => this.debugLine(line),
      iamHint: commandLine(run.context, this.applyCommandId, ['--generate-iam', '--policy-for', 'provisioner']),
      localDir: run.connection.local ? localDataDir(run.flags) : undefined,
      // init status has no --wait-timeout: a gate waits a bounded while for another run, then says so.
      localWaitMs: (run.flags['wait-timeout'] ?? STATUS_FOLDER_WAIT_S) * 1000,
      // Told only when a DynamoDB Local left by a killed run was stopped; said as it is, no prefix.
      onLocalNotice: line => this.warning({code: 'LOCAL_LEFTOVER_STOPPED', message: line}, line),
      onLocalStarting: () => this.progress.status('Starting DynamoDB Local'),
      onLocalWaiting: line => this.progress.status(line),
      onSilence: line => this.progress.status(line),
    })
    if (this.session.local) {
      this.progress.stop()
      this.info(`DynamoDB Local on ${this.session.local.endpoint}, data in ${this.session.local.dataDir ?? 'memory'}`)
    }

    return this.session
  }

  /** The account to show before a change: from STS when it can be had, else null with the reason. */
  protected async target(connection: Connection): Promise<Target> {
    const {endpoint, local, region} = connection
    try {
      return makeTarget({
        account: await this.services.lookupAccount(connection), endpoint, local, region,
      })
    } catch (error) {
      const accountNote = toSentinelError(error as Error).message.replace(/\.$/, '')
      return makeTarget({
        accountNote, endpoint, local, region,
      })
    }
  }

  protected inFlight(): string | undefined {
    return this.progress.inFlight()
  }

  protected leftBehind(): string {
    if (this.localDir === undefined) return super.leftBehind()
    // DynamoDB Local runs only during this run: nothing goes on after it, in AWS or locally.
    return `Nothing was sent to AWS; DynamoDB Local stops with this run, its data stays in ${this.localDir}.`
  }

  protected beforeError(): void {
    this.progress.stop('failed')
  }

  protected async release(): Promise<void> {
    await this.session?.close()
  }

  /** Region, profile and endpoint, checked locally; no AWS call and nothing started. */
  private async resolveTarget(flags: RunFlags): Promise<Connection> {
    if (!flags.local) {
      return resolveConnection({
        endpointUrl: flags['endpoint-url'],
        // A policy for a named account makes no call at all.
        needsEndpoint: !(flags['generate-iam'] && flags['account-id']),
        profile: flags['aws-profile'],
        region: flags.region,
      })
    }

    // DynamoDB Local ignores the region (-sharedDb), so no AWS config is read; ARNs still name one.
    const [region, source] = localRegion(flags)
    return {
      credentials: LOCAL_CREDENTIALS, local: true, region: validateRegion(region, source), regionSource: source,
    }
  }
}

/** Reads and plans one table; a failure is kept with the table, so the others go on. */
async function inspectOne(tables: GlobalTables, table: DesiredTable, options: {full: boolean}): Promise<Inspection> {
  try {
    return await tables.inspect(table, options)
  } catch (error) {
    return unreadInspection(table, toSentinelError(error as Error))
  }
}
