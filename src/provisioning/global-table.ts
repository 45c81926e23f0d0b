/**
 * A table and its replicas (a global table, version 2019.11.21), on top of the one-region
 * provisioning service. inspect() reads the table in its own region and each named replica in the
 * replica's region, in parallel. apply() does what AWS documents, in its order: the table converges
 * in its own region first; then, one replica after another, UpdateTable ReplicaUpdates Create (one
 * replica action per call, only while the table, its indexes and every replica are ACTIVE), a wait
 * for the replica with progress, and the settings AWS does not copy (deletion protection, PITR,
 * tags) through a client for the replica's region. A replica being created is joined. A replica is
 * never removed: no ReplicaUpdates Delete is ever sent. One replica's apply is replica-apply.ts.
 */
import type {DesiredReplica} from '../tables/replicas.js'

import {SentinelError} from '../errors.js'
import {type DesiredTable, kmsKeyId} from '../tables/desired.js'
import {isKmsKeyArn} from '../tables/validate.js'
import {type LiveReplica, type LiveTable} from './live-table.js'
import {planTable, type TablePlan} from './plan.js'
import {
  type ApplyOptions,
  driftError,
  type Inspection,
  type Provisioner,
  type ProvisionOutcome,
  type ReplicaOutcome,
  SILENT_REPORTER,
  withApplied,
} from './provisioner.js'
import {ReplicaApply} from './replica-apply.js'
import {
  planReplica, REPLICA_BUSY, type ReplicaReads, unnamedReplica,
} from './replica-plan.js'
import {partsToRead, PER_REGION_SETTINGS} from './settings/index.js'

/** The provisioning service for the region of each replica (a client signed for that region). */
export type RegionalProvisioners = (region: string) => Promise<Provisioner>

/** True when apply has something to do for the table or a named replica, and nothing is drifted. */
export function hasPendingWork(inspection: Inspection): boolean {
  if (inspection.error) return false
  const all = combinedPlan(inspection)
  // What a replica not named lacks is not apply's to set: it is reported with the command that names it.
  const replicaActions = (inspection.replicas ?? []).some(replica => replica.named && replica.actions.length > 0)
  return all.drift.length === 0 && (all.actions.length > 0 || replicaActions)
}

/**
 * The table's plan with every replica's drift added, each summary naming its region. A replica not
 * named counts too: it holds the same data, and a wait on the table fails on its state anyway.
 */
export function combinedPlan(inspection: Inspection): TablePlan {
  const replicaDrift = (inspection.replicas ?? []).flatMap(replica =>
    replica.drift.map(drift => ({
      ...drift,
      summary: drift.scope?.kind === 'replica' ? drift.summary : `Replica in ${replica.region}: ${drift.summary}`,
    })))
  return {...inspection.plan, drift: [...inspection.plan.drift, ...replicaDrift]}
}

export class GlobalTables {
  constructor(
    readonly home: Provisioner,
    private readonly regional: RegionalProvisioners,
  ) {}

  /** The table in its region, then every replica in its own region (in parallel), named or not. */
  async inspect(desired: DesiredTable, options: {full?: boolean} = {}): Promise<Inspection> {
    const inspected = await this.home.inspect(desired, options)
    const inspection = {...inspected, plan: homePlan(inspected.plan, inspected.live)}
    const named = desired.replicas ?? []
    const listed = inspection.live?.replicas ?? []
    if (named.length === 0 && listed.length === 0) return inspection
    const replicas = await Promise.all(named.map(async replica => {
      const entry = listed.find(candidate => candidate.region === replica.region)
      const reads = await this.readReplica(desired, replica, entry, {...options, table: inspection.live})
      // The regional read goes with the plan: apply sets the replica's settings from it (ReplicaApply).
      return {...planReplica(desired, replica, reads), live: reads.regional}
    }))
    // Every replica holds all of Sentinel's data: one no --replica-region names is checked as closely.
    const unnamed = await Promise.all(listed
    .filter(entry => !named.some(replica => replica.region === entry.region))
    .map(async entry => {
      const reads = await this.readReplica(desired, {region: entry.region}, entry, {...options, table: inspection.live})
      .catch((error: unknown) => {
        const key = desired.kmsKey && entry.kmsKeyArn ? ` --replica-kms-key ${entry.region}=${entry.kmsKeyArn}` : ''
        throw unnamedReadError(error, entry.region, `--replica-region ${entry.region}${key}`)
      })
      return unnamedReplica(desired, entry, reads)
    }))
    return {...inspection, replicas: [...replicas, ...unnamed]}
  }

  /** What a replica's plan needs: its region's read when it can be read there, its key resolved. */
  private async readReplica(
    desired: DesiredTable,
    replica: DesiredReplica,
    entry: LiveReplica | undefined,
    {full, table}: {full?: boolean; table: LiveTable | undefined},
  ): Promise<ReplicaReads> {
    // A replica in a state that needs a human is reported from the table's answer alone.
    const readable = entry && (entry.status === 'ACTIVE' || REPLICA_BUSY.has(entry.status))
    if (!readable) return {table}
    const provisioner = await this.regional(replica.region)
    // TTL is the global table's, one setting for every replica: read at home, never here.
    const what = partsToRead(desired, {full, settings: PER_REGION_SETTINGS})
    const regional = await provisioner.read(desired.tableName, what)
    const {kmsKey} = replica
    // The replica's key as its region reports it (a key ARN), else as the table lists it: Replicas[]
    // KMSMasterKeyId may be the alias or key ID given when it was added.
    const given = regional?.encryption.kmsKeyArn ?? entry.kmsKeyArn
    // A customer key (named, or for a replica nobody named the table's kind of key) is described for
    // its state: DynamoDB can use only an Enabled key. The AWS-managed key is never asked about.
    if (!(kmsKey ?? desired.kmsKey) || !given) return {regional, table}
    return {...await replicaKey(provisioner, kmsKey, given), regional, table}
  }

  /** The table first, then each named replica one after another; throws a SentinelError on failure. */
  async apply(inspection: Inspection, options: ApplyOptions): Promise<ProvisionOutcome> {
    const all = combinedPlan(inspection)
    if (all.drift.length > 0) throw driftError(all)
    const named = inspection.desired.replicas ?? []
    const homeOutcome = inspection.plan.actions.length > 0 || !inspection.live
      ? await this.home.apply(inspection, {...options, planner: homePlanner})
      : unchanged(inspection)
    if (named.length === 0) return homeOutcome
    // Replicas are added one after another; each one's own settings go on in its region meanwhile.
    const settings: Promise<{error?: unknown; outcome?: ReplicaOutcome}>[] = []
    const runs: ReplicaApply[] = []
    // A failure says what this run did first: the table's changes, then each replica's.
    const failure = (error: unknown) =>
      withApplied(error, [...homeOutcome.applied, ...runs.flatMap(run => run.applied)], homeOutcome.live)
    for (const replica of named) {
      const reporter = options.replicaReporter?.(replica.region) ?? SILENT_REPORTER
      const inspected = inspection.replicas?.find(plan => plan.named && plan.region === replica.region)?.live
      const run = new ReplicaApply(this, inspection.desired, replica, {...options, inspected, reporter})
      runs.push(run)
      try {
        await run.ensureActive()
      } catch (error) {
        await Promise.all(settings)
        throw failure(error)
      }

      settings.push(run.settings().then(outcome => ({outcome}), (error: unknown) => ({error})))
    }

    const settled = await Promise.all(settings)
    const failed = settled.find(result => result.error !== undefined)
    if (failed) throw failure(failed.error)
    const replicas = settled.map(result => result.outcome!)
    const changed = replicas.some(replica => replica.applied.length > 0)
    return Object.freeze({
      ...homeOutcome,
      outcome: homeOutcome.outcome === 'unchanged' && changed ? 'updated' : homeOutcome.outcome,
      replicas: Object.freeze(replicas),
    })
  }

  async regionalProvisioner(region: string): Promise<Provisioner> {
    return this.regional(region)
  }
}

/**
 * The table's plan, without waiting for the table while it is UPDATING only because a replica is
 * being created: that wait is the replica's (one DescribeTable a second), not the table's.
 */
function homePlan(plan: TablePlan, live: LiveTable | undefined): TablePlan {
  const replicaBusy = (live?.replicas ?? []).some(replica => REPLICA_BUSY.has(replica.status))
  const indexesActive = (live?.indexes ?? []).every(gsi => gsi.status === 'ACTIVE')
  if (!replicaBusy || !indexesActive || live?.status !== 'UPDATING') return plan
  return {...plan, actions: plan.actions.filter(action => action.type !== 'wait-for-table')}
}

function homePlanner(desired: DesiredTable, live: LiveTable | undefined): TablePlan {
  return homePlan(planTable(desired, live), live)
}

function unchanged(inspection: Inspection): ProvisionOutcome {
  return Object.freeze({
    applied: [], endpointGaps: [...inspection.plan.endpointGaps], live: inspection.live!, notices: [
      ...inspection.plan.notices,
    ], outcome: 'unchanged',
  })
}

/**
 * A read denied in the region of a replica no --replica-region names: the policy the suggestion
 * prints covers a replica's region only once it is named, so the suggestion says to name it.
 */
function unnamedReadError(error: unknown, region: string, flags: string): unknown {
  if (!(error instanceof SentinelError) || error.code !== 'ACCESS_DENIED') return error
  const named = new SentinelError(error.code, error.message, {
    cause: error.cause,
    exitCode: error.exitCode,
    suggestion: `${error.suggestion ?? ''} The replica in ${region} is not named by --replica-region: add ` +
      `${flags} to that command for a policy that covers its region.`.trim(),
  })
  named.aws = error.aws
  return named
}

/**
 * The replica's key compared as key ARNs, resolved by KMS in the replica's region (an alias names a
 * key only there), and described there for its state: once per key per region per run.
 */
async function replicaKey(
  provisioner: Provisioner,
  kmsKey: DesiredReplica['kmsKey'],
  given: string,
): Promise<Pick<ReplicaReads, 'keyState' | 'liveKey' | 'resolvedKey'>> {
  const alias = kmsKey?.kind === 'alias' || kmsKey?.kind === 'alias-arn'
  const resolvedKey = kmsKey && alias ? await provisioner.resolveKeyArn(kmsKeyId(kmsKey)) : undefined
  // The alias's key is the live one: one DescribeKey tells both.
  const keyState = resolvedKey && 'arn' in resolvedKey && resolvedKey.arn === given
    ? resolvedKey
    : await provisioner.resolveKeyArn(given)
  const liveKey = isKmsKeyArn(given) || !keyState ? {arn: given} : keyState
  return {keyState, liveKey: 'error' in liveKey ? {...liveKey, id: given} : liveKey, resolvedKey}
}
