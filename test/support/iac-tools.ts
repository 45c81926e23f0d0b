/**
 * What the tests of the exports under the real tools share (test/e2e/iac-tools.test.ts,
 * test/e2e/iac-adopt.test.ts): finding cfn-lint and terraform, the layer's answers as AWS gives
 * them, tables changed by hand after sentinel made them, and a Terraform workspace: the hashicorp/aws
 * provider from the filesystem mirror in /opt/tf-plugins (no network), one `terraform init` per
 * file, its data dir shared by every working folder of that file.
 */
import type {Context} from 'mocha'

import {
  DescribeTableCommand, ListTagsOfResourceCommand, TagResourceCommand, UpdateTableCommand,
} from '@aws-sdk/client-dynamodb'
import {expect} from 'chai'
import {execFile} from 'node:child_process'
import {
  copyFileSync, existsSync, mkdirSync, mkdtempSync, writeFileSync,
} from 'node:fs'
import {delimiter, join} from 'node:path'
import {setTimeout} from 'node:timers/promises'
import {promisify} from 'node:util'

import type {AwsLayer} from './aws-behaviour.js'

import {
  cleanEnv, parseJson, runCli, scratchDir,
} from './cli.js'
import {
  allTableFlags, sdkClient, type TableNames, uniqueNames,
} from './servers.js'

export const exec = promisify(execFile)

/** The tool on PATH, or at the place this machine image installs it; undefined when absent. */
export function findTool(name: string, alsoAt: string[] = []): string | undefined {
  const candidates = [...(process.env.PATH ?? '').split(delimiter).map(dir => join(dir, name)), ...alsoAt]
  return candidates.find(path => existsSync(path))
}

export function skipWithout(context: Context, tool: string, path: string | undefined): void {
  if (path) return
  console.log(`      skipped: ${tool} is not installed on this machine (CI's image has it)`)
  // A missing tool is said, never passed as a test that checked nothing.
  // eslint-disable-next-line mocha/no-skipped-tests
  context.skip()
}

export const SETTINGS = ['--tag', 'team=security', '--tag', 'cost-center=42']

/** The AWS-managed key (alias/aws/dynamodb) as DescribeTable reports it, in the layer's account. */
const AWS_MANAGED_KEY = 'arn:aws:kms:us-east-1:000000000000:key/0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d'

/**
 * What DescribeTable reports on AWS and DynamoDB Local leaves out, added to its answers:
 * - SSEDescription: DynamoDB Local takes SSESpecification but never reports it; a table created or
 *   updated with SSE on KMS (the default type when enabled) is described with it;
 * - each index's ProvisionedThroughput, which AWS reports as zeros for an on-demand table and
 *   DynamoDB Local omits (the provider reads an index's name along with it).
 */
export function describeAsAws(layer: AwsLayer): void {
  const encrypted = new Map<string, string>()
  const describe = (table: string) => (answer: {body: any; status: number}) => {
    const description = answer.body?.TableDescription ?? answer.body?.Table
    if (answer.status !== 200 || !description) return
    const key = encrypted.get(table)
    if (key) description.SSEDescription = {KMSMasterKeyArn: key, SSEType: 'KMS', Status: 'ENABLED'}
    for (const index of description.GlobalSecondaryIndexes ?? []) {
      index.ProvisionedThroughput ??= {NumberOfDecreasesToday: 0, ReadCapacityUnits: 0, WriteCapacityUnits: 0}
    }

    return {body: answer.body}
  }

  layer.intercept(call => {
    if (!call.table) return
    const table = call.table.replace(/^arn:.*:table\//, '')
    const sse = call.body.SSESpecification
    const kms = sse?.Enabled && (sse.SSEType ?? 'KMS') === 'KMS'
    if ((call.action === 'CreateTable' || call.action === 'UpdateTable') && kms) {
      encrypted.set(table, sse.KMSMasterKeyId ?? AWS_MANAGED_KEY)
    }

    if (['CreateTable', 'DescribeTable', 'UpdateTable'].includes(call.action)) return {after: describe(table)}
  })
}

export function tableNames(prefix: string): {flags: string[]; names: string[]} {
  const names = uniqueNames(prefix)
  return {flags: allTableFlags(names), names: [names.sessions, names.breakglass, names.approvals, names.ratelimit]}
}

/** What an operator did by hand to tables sentinel made, which `init status` leaves alone. */
export const BY_HAND = {
  index: {name: 'by-region', nonKeyAttribute: 'device_id', partitionKey: 'region'},
  stream: 'NEW_IMAGE',
  tag: {Key: 'owner', Value: 'data-platform'},
} as const

/**
 * Makes the four tables with sentinel through `endpoint` (an AWS-behaviour layer: DynamoDB Local has
 * no tagging), then by hand: a tag on the approvals table, an index on the sessions table, a stream
 * on the rate-limit table. Returns the approvals table's ARN.
 */
export async function tablesChangedByHand(endpoint: string, names: TableNames): Promise<string> {
  const made = await runCli(
    ['init', 'all', '--endpoint-url', endpoint, ...allTableFlags(names), ...SETTINGS, '--yes'],
    {env: cleanEnv({AWS_REGION: 'us-east-1'})},
  )
  expect(made.code, made.stderr).to.equal(0)
  const client = sdkClient(endpoint)
  try {
    const {Table: approvals} = await client.send(new DescribeTableCommand({TableName: names.approvals}))
    await client.send(new TagResourceCommand({ResourceArn: approvals!.TableArn, Tags: [BY_HAND.tag]}))
    const {index} = BY_HAND
    await client.send(new UpdateTableCommand({
      AttributeDefinitions: [{AttributeName: index.partitionKey, AttributeType: 'S'}],
      GlobalSecondaryIndexUpdates: [{
        Create: {
          IndexName: index.name,
          KeySchema: [{AttributeName: index.partitionKey, KeyType: 'HASH'}],
          Projection: {NonKeyAttributes: [index.nonKeyAttribute], ProjectionType: 'INCLUDE'},
        },
      }],
      TableName: names.sessions,
    }))
    // DynamoDB Local builds the index for a moment; till it is ACTIVE, the plan waits for it (not converged).
    for (let polls = 0; ; polls++) {
      const {Table: sessions} = await client.send(new DescribeTableCommand({TableName: names.sessions}))
      const statuses = sessions?.GlobalSecondaryIndexes?.map(gsi => `${gsi.IndexName} ${gsi.IndexStatus}`)
      if (statuses?.every(status => status.endsWith(' ACTIVE'))) break
      expect(polls, `polls for the added index to become ACTIVE: ${statuses?.join(', ')}`).to.be.below(600)
      await setTimeout(100)
    }

    await client.send(new UpdateTableCommand({
      StreamSpecification: {StreamEnabled: true, StreamViewType: BY_HAND.stream},
      TableName: names.ratelimit,
    }))
    return approvals!.TableArn!
  } finally {
    client.destroy()
  }
}

/** The hand-made changes are all still there. */
export async function expectChangesByHandKept(
  endpoint: string,
  names: TableNames,
  approvalsArn: string,
): Promise<void> {
  const client = sdkClient(endpoint)
  try {
    const {Tags: tags} = await client.send(new ListTagsOfResourceCommand({ResourceArn: approvalsArn}))
    expect(tags).to.deep.include(BY_HAND.tag)
    const {Table: sessions} = await client.send(new DescribeTableCommand({TableName: names.sessions}))
    expect(sessions!.GlobalSecondaryIndexes?.map(gsi => gsi.IndexName)).to.include(BY_HAND.index.name)
    const {Table: rateLimit} = await client.send(new DescribeTableCommand({TableName: names.ratelimit}))
    expect(rateLimit!.StreamSpecification).to.deep.equal({StreamEnabled: true, StreamViewType: BY_HAND.stream})
  } finally {
    client.destroy()
  }
}

export async function exportDocument(format: string, args: string[]): Promise<string> {
  const run = await runCli(['init', 'all', '--export', format, ...args], {env: cleanEnv({AWS_REGION: 'us-east-1'})})
  expect(run.code, run.stderr).to.equal(0)
  return run.stdout
}

/** `terraform plan`'s summary line as counts; fails the test, with the plan, when it has none. */
export function planCounts(plan: string): {adds: number; changes: number; destroys: number; imports: number} {
  const summary = /Plan: (\d+) to import, (\d+) to add, (\d+) to change, (\d+) to destroy\./.exec(plan)
  expect(summary, plan).to.not.equal(null)
  const [imports, adds, changes, destroys] = summary!.slice(1).map(Number)
  return {
    adds, changes, destroys, imports,
  }
}

/** A Terraform workspace: one `terraform init`, then working folders that share its provider. */
export interface Terraform {
  /** A root module: the export, and the provider pointed at `endpoint` (DynamoDB Local behind a layer). */
  workingFolder(name: string, document: string, endpoint: string): string
  tf(cwd: string, args: string[]): Promise<string>
}

/**
 * The environment terraform runs in, offline: the provider from the mirror (a CLI config written in
 * `dir`), no update check. GOGC=400: the AWS provider builds its schema on every start (each
 * validate, plan and apply starts it), garbage-heavy work that a larger collector target does
 * with a third less CPU, for about 140 MB more memory.
 */
export function terraformEnv(dir: string): NodeJS.ProcessEnv {
  const cliConfig = join(dir, 'terraform.rc')
  writeFileSync(cliConfig, 'provider_installation {\n  filesystem_mirror {\n    path = "/opt/tf-plugins"\n  }\n}\n')
  return {
    ...process.env, CHECKPOINT_DISABLE: '1', GOGC: '400', TF_CLI_CONFIG_FILE: cliConfig, TF_IN_AUTOMATION: '1',
  }
}

/**
 * Sets up a workspace in a before hook (`context`): skips, saying why, when terraform or the
 * provider mirror is missing; otherwise runs `terraform init` once, in its own folder, from the
 * mirror (the provider linked, not copied).
 */
export async function terraformWorkspace(context: Context): Promise<Terraform> {
  const terraform = findTool('terraform')
  skipWithout(context, 'terraform', terraform)
  if (!existsSync('/opt/tf-plugins/registry.terraform.io/hashicorp/aws')) {
    skipWithout(context, 'the hashicorp/aws provider mirror (/opt/tf-plugins)', undefined)
  }

  const root = mkdtempSync(join(scratchDir(), 'terraform-'))
  // One data dir (the provider, linked from the mirror) for every working folder: one init.
  const tfEnv = {...terraformEnv(root), TF_DATA_DIR: join(root, 'data')}

  const workingFolder = (name: string, document: string, endpoint: string): string => {
    const dir = join(root, name)
    mkdirSync(dir)
    writeFileSync(join(dir, 'sentinel-tables.tf'), document)
    writeFileSync(join(dir, 'provider.tf'), [
      'provider "aws" {',
      '  region                      = "us-east-1"',
      '  access_key                  = "test"',
      '  secret_key                  = "test"',
      '  skip_credentials_validation = true',
      '  skip_metadata_api_check     = true',
      '  skip_requesting_account_id  = true',
      '  skip_region_validation      = true',
      `  endpoints {\n    dynamodb = "${endpoint}"\n  }`,
      '}',
      '',
    ].join('\n'))
    const lock = join(root, 'init', '.terraform.lock.hcl')
    if (existsSync(lock)) copyFileSync(lock, join(dir, '.terraform.lock.hcl'))
    return dir
  }

  const tf = async (cwd: string, args: string[]): Promise<string> => {
    try {
      const {stdout} = await exec(terraform!, [...args, '-no-color'], {cwd, env: tfEnv, maxBuffer: 64 * 1024 * 1024})
      return stdout
    } catch (error) {
      const {stderr, stdout} = error as {stderr: string; stdout: string}
      throw new Error(`terraform ${args.join(' ')} failed:\n${stdout}\n${stderr}`)
    }
  }

  // The provider's endpoint does not matter to init; the lock file it writes is copied to each folder.
  await tf(workingFolder('init', await exportDocument('terraform', []), 'http://127.0.0.1:1'), [
    'init', '-input=false', '-backend=false',
  ])
  return {tf, workingFolder}
}

/** `init status` through `endpoint` finds the four tables converged, exit 0. */
export async function expectConverged(flags: string[], endpoint: string): Promise<void> {
  const status = await runCli(
    ['init', 'status', '--endpoint-url', endpoint, ...flags, ...SETTINGS, '--json'],
    {env: cleanEnv({AWS_REGION: 'us-east-1'})},
  )
  expect(status.code, `${status.stdout}\n${status.stderr}`).to.equal(0)
  const tables = parseJson(status.stdout).result.tables as {converged: boolean; table: string}[]
  expect(tables).to.have.length(4)
  for (const table of tables) expect(table.converged, JSON.stringify(table).slice(0, 1500)).to.equal(true)
}
