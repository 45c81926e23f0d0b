import type {RunResult} from '../../report/report.js'

import {unexpectedError} from '../../errors.js'
import {renderEndpointGaps, renderStatus, renderTarget} from '../../report/report.js'
import {renderRole, rolesFailure, rolesSummary} from '../../report/roles.js'
import {statusVerdict} from '../../report/run-result.js'
import {
  accountIdFlag, checkedSettingsFlags, connectionFlags, replicaFlags, roleFlags, tableNameFlags,
} from '../../shared/flags.js'
import {checkDeployedRoles} from '../../shared/role-check-run.js'
import {rolesOf} from '../../shared/run-input.js'
import {TableCommand} from '../../shared/table-command.js'
import {usageOf} from '../../shared/usage.js'
import {ALL_TABLES} from '../../tables/definitions.js'

/** The read-only path: read every table in full, report, exit 6 unless every table matches. */
export default class InitStatus extends TableCommand {
  static summary = 'Check all four Sentinel tables; change nothing.'
  static description = 'Reads each table (names from the flags, else the env vars the Lambda TVM reads, else the ' +
    'defaults) and reports whether it exists, its status, drift, TTL, point-in-time recovery, deletion protection, ' +
    'encryption and approximate item count. Exits 0 when every table matches Sentinel\'s definition and 6 when any ' +
    'is missing, needs a change or has drifted, so CI can gate on it. Makes only read calls.\n\n' +
    'The table settings flags (--kms-key, --tag, --no-pitr, --no-deletion-protection) say what to check against, ' +
    'exactly as they would be given to init all; init status never changes them.\n\n' +
    'With --replica-region, each named replica is checked in its own region too: present, ACTIVE, deletion ' +
    'protection, PITR, tags and key; exit 6 if any falls short. A replica not named is checked the same way ' +
    '(all but its key) and the suggested commands name it; a multi-Region strongly consistent (MRSC) table is ' +
    'drift (MRSC does not support TTL).\n\n' +
    'With --server-role / --provisioner-role, each role is proven able to do what Sentinel needs, as ' +
    '--generate-iam --policy-for server|provisioner prints it, on the exact ARNs, in the table\'s region and every ' +
    '--replica-region: IAM\'s policy simulator weighs its policies, permissions boundary and SCPs; key and table ' +
    'policies are read and evaluated for it. Verdict per role: ok, denied (exit 10, with the fix) or unknown ' +
    '(exit 11, with the reason). Nothing is attached or changed.'
  static examples = [
    {
      command: '<%= config.bin %> <%= command.id %> --region eu-west-1',
      description: 'Check the tables in eu-west-1.',
    },
    {
      command: '<%= config.bin %> <%= command.id %> --region us-east-1 --replica-region eu-west-1',
      description: 'Check the tables and their replicas in eu-west-1.',
    },
    {
      command: '<%= config.bin %> <%= command.id %> --region eu-west-1 --json',
      description: 'Gate a CI job on the tables being correct.',
    },
    {
      command: '<%= config.bin %> <%= command.id %> --region us-east-1 --replica-region eu-west-1 ' +
        '--server-role arn:aws:iam::123456789012:role/sentinel-tvm',
      description: 'Also prove that the Lambda TVM\'s role may do what it needs, in both regions.',
    },
  ]
  static baseFlags = {
    ...connectionFlags, ...accountIdFlag, ...checkedSettingsFlags, ...replicaFlags, ...roleFlags,
  }
  static flags = tableNameFlags(ALL_TABLES)
  static usage = usageOf(this)
  protected readonly tables = ALL_TABLES

  /** What makes the changes status finds missing: init:all, in every command it suggests. */
  protected get applyCommandId(): string {
    return 'init:all'
  }

  async run(): Promise<RunResult> {
    const {flags} = await this.parse(InitStatus)
    this.startRun(flags)
    const run = await this.settle(flags, this.chooseTables(flags))
    // Checked before any call: a bad role ARN never reaches AWS.
    const roles = rolesOf(flags, run.connection.region)
    const {inspections, target} = await this.readTables(run, {full: true})
    const verdict = statusVerdict(this.facts(run, target), inspections, this.applyCommandId, this.asked())
    if (roles.length > 0) {
      // The tables were read through this session: without it the roles would go unproven, never green.
      if (!this.session) throw unexpectedError(new Error('no AWS session once the tables were read'))
      this.progress.status(`Checking ${roles.length} role${roles.length === 1 ? '' : 's'}`)
      verdict.result.roles = await checkDeployedRoles({
        debug: line => this.debugLine(line),
        inspections,
        roles,
        run,
        services: this.services,
        session: this.session,
        target,
      })
      this.progress.stop('checked')
    }

    this.out(renderTarget(target))
    for (const table of verdict.result.tables) this.out(renderStatus(table).join('\n'))
    for (const line of renderEndpointGaps(verdict.result.endpointGaps ?? [])) this.out(line)
    for (const role of verdict.result.roles ?? []) this.out(renderRole(role).join('\n'))
    this.out(`\n${verdict.summary}`)
    if (verdict.result.roles) this.out(rolesSummary(verdict.result.roles))
    // The tables first: a role is proven against tables that are as Sentinel needs them.
    if (verdict.failure) throw verdict.failure
    const rolesError = rolesFailure(verdict.result.roles ?? [], verdict.result, this.jsonEnabled())
    if (rolesError) throw rolesError
    return verdict.result
  }
}
