/**
 * Every flag of the CLI, in one place: where to connect, what kind of run, the table settings and
 * the table names. Commands compose these; the relationships between flags (exclusive, dependsOn)
 * are declared here so that oclif checks them before anything runs.
 */
import {Flags} from '@oclif/core'

import type {TableDefinition} from '../tables/definitions.js'

import {EXPORT_FORMATS} from '../export/index.js'
import {POLICY_FOR} from '../iam/policy.js'
import {TABLE_NAME_RULE} from '../tables/validate.js'
import {keepingReason} from './sentinel-command.js'

/**
 * `--region ''` (an unset shell variable, say) is a mistake to name, not "no region set" falling
 * back to AWS_REGION: an empty value is refused where it is parsed.
 */
function nonEmpty(example: string) {
  return async (input: string): Promise<string> => {
    if (input.trim() === '') throw new Error(`it is empty; give a value such as ${example}, or leave the flag out`)
    return input
  }
}

/** Where the CLI talks to; every command that reaches AWS has these. */
export const connectionFlags = {
  'aws-profile': Flags.string({
    description: 'Shared-config profile (SSO and role profiles work). Falls back to AWS_PROFILE.',
    helpGroup: 'AWS',
    parse: nonEmpty('prod'),
  }),
  'endpoint-url': Flags.string({
    description: 'A DynamoDB endpoint (a VPC or FIPS endpoint, DynamoDB Local...). Falls back to ' +
      'AWS_ENDPOINT_URL_DYNAMODB, AWS_ENDPOINT_URL, then the profile\'s endpoint_url.',
    exclusive: ['local'],
    helpGroup: 'AWS',
  }),
  local: Flags.boolean({
    description: 'Run against an embedded DynamoDB Local (needs Java 17+), started for this run; ' +
      'no AWS account needed.',
    exclusive: ['endpoint-url'],
    helpGroup: 'LOCAL',
  }),
  'local-dir': Flags.string({
    dependsOn: ['local'],
    description: 'Where --local keeps its data, so later --local runs see the same tables. ' +
      '[default: ~/.sentinel/dynamodb-local, or SENTINEL_LOCAL_DIR]',
    helpGroup: 'LOCAL',
  }),
  region: Flags.string({
    description: 'AWS region. Falls back to AWS_REGION, AWS_DEFAULT_REGION, then the profile\'s region.',
    helpGroup: 'AWS',
    parse: nonEmpty('eu-west-1'),
  }),
}

/** What every table should look like; init:status checks against the same settings. */
export const tableSettingsFlags = {
  'deletion-protection': Flags.boolean({
    allowNo: true,
    default: true,
    description: 'Deletion protection on (never turned off by sentinel).',
    helpGroup: 'TABLE SETTINGS',
  }),
  'kms-key': Flags.string({
    description: 'Customer-managed KMS key (key ID, key ARN, alias/NAME or alias ARN) to encrypt with; ' +
      'default: the AWS-managed key.',
    helpGroup: 'TABLE SETTINGS',
  }),
  pitr: Flags.boolean({
    allowNo: true,
    default: true,
    description: 'Point-in-time recovery on (never turned off by sentinel).',
    helpGroup: 'TABLE SETTINGS',
  }),
  tag: Flags.string({
    description: 'Tag to set, as key=value (repeatable): added, or its value set if another; never removed.',
    helpGroup: 'TABLE SETTINGS',
    multiple: true,
  }),
}

/** The same settings for init:status: what each table is checked against; nothing is changed. */
export const checkedSettingsFlags = {
  'deletion-protection': Flags.boolean({
    allowNo: true,
    default: true,
    description: 'Expect deletion protection on (--no-deletion-protection: do not require it).',
    helpGroup: 'CHECKED AGAINST',
  }),
  'kms-key': Flags.string({
    description: 'Expect encryption with this customer-managed KMS key; default: any KMS key.',
    helpGroup: 'CHECKED AGAINST',
  }),
  pitr: Flags.boolean({
    allowNo: true,
    default: true,
    description: 'Expect point-in-time recovery on (--no-pitr: do not require it).',
    helpGroup: 'CHECKED AGAINST',
  }),
  tag: Flags.string({
    description: 'Expect this tag with this value, as key=value (repeatable), besides sentinel:table.',
    helpGroup: 'CHECKED AGAINST',
    multiple: true,
  }),
}

/** The account a run must reach (as Terraform's allowed_account_ids); with --generate-iam, the policy's. */
export const accountIdFlag = {
  'account-id': Flags.string({
    description: 'The account the credentials must belong to: the run refuses, before any change, if STS says ' +
      'another (falls back to SENTINEL_ACCOUNT_ID). With --generate-iam: the account for the policy\'s ARNs ' +
      '(without it, from STS GetCallerIdentity).',
    exclusive: ['export'],
    helpGroup: 'AWS',
  }),
}

/**
 * Replicas in other regions: the table becomes a DynamoDB global table (version 2019.11.21,
 * multi-Region eventual consistency). Strong consistency (MRSC) is not offered: it does not support
 * TTL, which every Sentinel table needs.
 */
export const replicaFlags = {
  'replica-kms-key': Flags.string({
    dependsOn: ['replica-region'],
    description: 'With a customer-managed --kms-key: the key for the replica in REGION, as REGION=KEY ' +
      '(repeatable, one per replica region; a key ARN must be in that region).',
    helpGroup: 'MULTI-REGION',
    multiple: true,
  }),
  'replica-region': Flags.string({
    description: 'Also keep a replica in this region (repeatable): the table becomes a global table (version ' +
      '2019.11.21, eventual consistency) and the Lambda TVM of each region reads its own replica. Deletion ' +
      'protection, PITR and tags are set in every region. Strong consistency (MRSC) is not offered: it does ' +
      'not support TTL, which every Sentinel table needs. Replicas are never removed. Not with --local.',
    helpGroup: 'MULTI-REGION',
    multiple: true,
  }),
}

/**
 * The deployed roles init:status proves (issue 23): the server roles (the Lambda TVM's execution
 * role, the credential server's) and the provisioner roles (the CI role that runs init).
 */
export const roleFlags = {
  'provisioner-role': Flags.string({
    description: 'Check that this role (the CI role that runs init) may do what provisioning needs, as ' +
      '--generate-iam --policy-for provisioner prints it, in every region (repeatable; a role ARN).',
    helpGroup: 'ROLES',
    multiple: true,
  }),
  'server-role': Flags.string({
    description: 'Check that this role (the Lambda TVM\'s execution role, the credential server\'s role) may do ' +
      'what the runtime needs, as --generate-iam --policy-for server prints it, in every region (repeatable; a ' +
      'role ARN).',
    helpGroup: 'ROLES',
    multiple: true,
  }),
}

/** With --generate-iam: the roles init:status will check, so the policy grants what that check reads. */
const checkedRoleFlags = {
  'provisioner-role': Flags.string({
    dependsOn: ['generate-iam'],
    description: 'With --generate-iam: a provisioner role init status will check (repeatable); the policy then ' +
      'grants what that check reads (iam:SimulatePrincipalPolicy on the roles, kms:GetKeyPolicy, ' +
      'dynamodb:GetResourcePolicy).',
    helpGroup: 'IAM',
    multiple: true,
  }),
  'server-role': Flags.string({
    dependsOn: ['generate-iam'],
    description: 'With --generate-iam: a server role init status will check (repeatable); as --provisioner-role.',
    helpGroup: 'IAM',
    multiple: true,
  }),
}

/** How a provisioning command runs: apply (default), plan, a policy, or an export. */
export const runModeFlags = {
  ...accountIdFlag,
  export: Flags.option({
    description: 'Print the table definition(s) as infrastructure as code and exit; ' +
      'changes nothing and needs no AWS access.',
    helpGroup: 'EXPORT',
    options: EXPORT_FORMATS,
  })(),
  'generate-iam': Flags.boolean({
    description: 'Print the IAM policy document for the table(s) and exit; changes nothing.',
    exclusive: ['export'],
    helpGroup: 'IAM',
  }),
  'import-existing': Flags.boolean({
    dependsOn: ['export'],
    description: 'With --export: read the account and adopt each table that already exists ' +
      '(Terraform: an import block; CloudFormation: the import change set to run first).',
    helpGroup: 'EXPORT',
  }),
  plan: Flags.boolean({
    description: 'Show what would change and change nothing.',
    exclusive: ['generate-iam', 'export'],
  }),
  'policy-for': Flags.option({
    dependsOn: ['generate-iam'],
    description: 'Whose policy: the operator running this CLI (provisioner), ' +
      'the Sentinel server / TVM role (server), or both. [default: both]',
    helpGroup: 'IAM',
    options: POLICY_FOR,
  })(),
  'wait-timeout': keepingReason(Flags.integer({
    default: 600,
    description: 'Seconds to wait for the table, its indexes and its replicas to become ACTIVE (index backfill ' +
      'and replica creation can be slow).',
    max: 86_400,
    min: 1,
  })),
  yes: Flags.boolean({
    char: 'y',
    description: 'Apply without asking (needed without a terminal, and with --json).',
  }),
  ...checkedRoleFlags,
}

/** --table on a command for one table. */
export function tableNameFlag(definition: TableDefinition) {
  return {
    table: Flags.string({
      description: `Table name (${TABLE_NAME_RULE.minLength}-${TABLE_NAME_RULE.maxLength} ` +
        `of ${TABLE_NAME_RULE.characters}). ` +
        `Falls back to ${definition.envVars.join(', then ')}. ` +
        `[default: ${definition.defaultTableName}]`,
    }),
  }
}

/** One flag per table on init:all and init:status, spelt as the Sentinel server spells it. */
export function tableNameFlags(definitions: readonly TableDefinition[]) {
  return Object.fromEntries(definitions.map(definition => [
    definition.nameFlag,
    Flags.string({
      aliases: [...definition.nameFlagAliases],
      description: `Name of the ${definition.purpose} table. Falls back to ${definition.envVars.join(', then ')}. ` +
        `[default: ${definition.defaultTableName}]`,
      helpGroup: 'TABLES',
    }),
  ]))
}
