/**
 * --export: the tables as CloudFormation or Terraform, derived from the same DesiredTable values the
 * planner applies, so an exported table is one `sentinel init:status` calls converged. Pure: no AWS
 * call here; for --import-existing the caller reads the tables that exist, as the plan reads them, and
 * the export adopts them as they are (adopt.ts).
 */
import type {DesiredTable} from '../tables/desired.js'
import type {ExistingTables, LiveFacts} from './names.js'

import {invalidInput, unexpectedError} from '../errors.js'
import {tableSpec} from '../tables/table-spec.js'
import {refuseUnadoptable} from './adopt.js'
import {renderCloudFormation} from './cloudformation.js'
import {renderTerraform} from './terraform.js'

export {type LiveFacts} from './names.js'

export const EXPORT_FORMATS = ['cloudformation', 'terraform'] as const
export type ExportFormat = (typeof EXPORT_FORMATS)[number]

export interface ExportOptions {
  /** For a refused adoption: the command that shows each difference and its remedy, with the run's flags. */
  checkCommand?: string
  /** Tables that already exist (name -> live info): import blocks (Terraform), import advice (CloudFormation). */
  existing?: ExistingTables
  /** The command that checks the tables, as the running CLI spells it (default `sentinel init status`). */
  statusCommand?: string
}

/** What writes one format's document from the tables. */
export type Renderer = (tables: readonly DesiredTable[], options: ExportOptions) => string

/** Each format's renderer: a format added to EXPORT_FORMATS without one does not compile. */
export const RENDERERS: Readonly<Record<ExportFormat, Renderer>> = {
  cloudformation: renderCloudFormation,
  terraform: renderTerraform,
}

/**
 * The CLI never turns deletion protection or PITR off, and neither may its templates: with
 * --import-existing (or a stack update) `deletion_protection_enabled = false` or
 * `PointInTimeRecoveryEnabled: false` would switch them off on live tables. Leaving them unset is no
 * safer (both tools then plan the default, off), so the combination is refused before anything runs.
 */
export function checkExportable(tables: readonly DesiredTable[]): void {
  const off = [
    ...(tables.some(table => !table.pitr) ? ['--no-pitr'] : []),
    ...(tables.some(table => !table.deletionProtection) ? ['--no-deletion-protection'] : []),
  ]
  if (off.length === 0) return
  throw invalidInput(
    `--export cannot be used with ${off.join(' or ')}: the template would switch ` +
      `${off.length === 2 ? 'these protections' : 'this protection'} off on tables it is applied to, ` +
      'and sentinel never turns a protection off.',
    `Leave out ${off.join(' and ')}; the exported tables keep deletion protection and point-in-time recovery on.`,
  )
}

/** A live table as the plan reads it, with its ARN and replicas (the provisioning layer's LiveTable). */
export type LiveTableFacts = LiveFacts & {arn?: string; replicas?: readonly {region: string}[]}

/**
 * For --import-existing: the tables that exist, as the plan reads them (undefined: not found), read
 * in `region`, the tables' own, with the regions of their replicas.
 */
export function existingTables(
  desired: readonly DesiredTable[],
  read: readonly (LiveTableFacts | undefined)[],
  region: string,
): ExistingTables {
  return new Map(desired.flatMap((table, index) => {
    const found = read[index]
    if (!found) return []
    const {arn, replicas, ...live} = found
    const replicaRegions = (replicas ?? []).map(replica => replica.region)
    return [[table.tableName, {
      arn, live, region, replicaRegions,
    }] as const]
  }))
}

/** The document to print on stdout; deterministic for the same tables and options. */
export function renderExport(
  format: ExportFormat,
  tables: readonly DesiredTable[],
  options: ExportOptions = {},
): string {
  // The type admits only known formats; a value cast past it is refused, never rendered as another.
  if (!Object.hasOwn(RENDERERS, format)) throw unexpectedError(new Error(`no renderer for export format ${format}`))
  checkExportable(tables)
  refuseDroppingReplicas(tables, options.existing)
  refuseUnadoptable(
    tables.map(table => tableSpec(table)),
    options.existing,
    options.checkCommand ?? options.statusCommand,
  )
  return RENDERERS[format](tables, options)
}

/**
 * A template that adopts a global table must name every replica it has: applied, one without them
 * removes those replicas, and their data goes with them (CloudFormation's Replicas, Terraform's
 * replica). Nothing is printed then; the operator names them, or chooses to remove them by hand.
 */
function refuseDroppingReplicas(desired: readonly DesiredTable[], existing: ExistingTables | undefined): void {
  for (const table of desired) {
    const named = new Set((table.replicas ?? []).map(replica => replica.region))
    const unnamed = (existing?.get(table.tableName)?.replicaRegions ?? []).filter(region => !named.has(region))
    if (unnamed.length === 0) continue
    const flags = unnamed.map(region => `--replica-region ${region}`).join(' ')
    throw invalidInput(`Table ${table.tableName} has replicas in ${unnamed.join(', ')} ` +
      'that --replica-region does not name: a template without them would remove them, and their data, ' +
      'when applied.', `Rerun with ${flags} (and their --replica-kms-key with a customer key).`)
  }
}
