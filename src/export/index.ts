/**
 * --export: the tables as CloudFormation or Terraform, derived from the same DesiredTable values the
 * planner applies, so an exported table is one `sentinel init:status` calls converged. Pure: no AWS
 * call here; the caller reads the live account only for Terraform's import blocks (--import-existing).
 */
import type {DesiredTable} from '../tables/desired.js'
import type {ExistingTables} from './names.js'

import {renderCloudFormation} from './cloudformation.js'
import {renderTerraform} from './terraform.js'

export {type ExistingTables} from './names.js'

export const EXPORT_FORMATS = ['cloudformation', 'terraform'] as const
export type ExportFormat = (typeof EXPORT_FORMATS)[number]

export interface ExportOptions {
  /** Tables that already exist (name -> live info): import blocks (Terraform), import advice (CloudFormation). */
  existing?: ExistingTables
  /** The command that checks the tables, as the running CLI spells it (default `sentinel init status`). */
  statusCommand?: string
}

/** The document to print on stdout; deterministic for the same tables and options. */
export function renderExport(
  format: ExportFormat,
  tables: readonly DesiredTable[],
  options: ExportOptions = {},
): string {
  return format === 'cloudformation' ? renderCloudFormation(tables, options) : renderTerraform(tables, options)
}
