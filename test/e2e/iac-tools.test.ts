/**
 * The exports checked by the tools operators run on them, through the real CLI: AWS's cfn-lint on
 * the CloudFormation template; Terraform (the hashicorp/aws provider from the filesystem mirror in
 * /opt/tf-plugins, no network) validating the configuration, applying it onto DynamoDB Local through
 * the AWS-behaviour layer (tags and PITR as AWS keeps them, tables held CREATING, and CreateTable of
 * an indexed table refused while another is being created), after which `sentinel init status`
 * finds every table converged; and `--import-existing` making Terraform plan to import every table
 * sentinel made, creating and destroying nothing. One `terraform init` serves every case.
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

import {type AwsLayer, requestsOf, startAwsLayer} from '../support/aws-behaviour.js'
import {
  cleanEnv, parseJson, runCli, scratchDir,
} from '../support/cli.js'
import {parseCloudFormation} from '../support/iac.js'
import {
  allTableFlags, dynamoLocal, freshDynamoLocal, sdkClient, type TableNames, uniqueNames,
} from '../support/servers.js'

const exec = promisify(execFile)

/** The tool on PATH, or at the place this machine image installs it; undefined when absent. */
function findTool(name: string, alsoAt: string[] = []): string | undefined {
  const candidates = [...(process.env.PATH ?? '').split(delimiter).map(dir => join(dir, name)), ...alsoAt]
  return candidates.find(path => existsSync(path))
}

function skipWithout(context: Context, tool: string, path: string | undefined): void {
  if (path) return
  console.log(`      skipped: ${tool} is not installed on this machine (CI's image has it)`)
  // A missing tool is said, never passed as a test that checked nothing.
  // eslint-disable-next-line mocha/no-skipped-tests
  context.skip()
}

const SETTINGS = ['--tag', 'team=security', '--tag', 'cost-center=42']

/** The AWS-managed key (alias/aws/dynamodb) as DescribeTable reports it, in the layer's account. */
const AWS_MANAGED_KEY = 'arn:aws:kms:us-east-1:000000000000:key/0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d'

/**
 * What DescribeTable reports on AWS and DynamoDB Local leaves out, added to its answers:
 * - SSEDescription: DynamoDB Local takes SSESpecification but never reports it; a table created or
 *   updated with SSE on KMS (the default type when enabled) is described with it;
 * - each index's ProvisionedThroughput, which AWS reports as zeros for an on-demand table and
 *   DynamoDB Local omits (the provider reads an index's name along with it).
 */
function describeAsAws(layer: AwsLayer): void {
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

function tableNames(prefix: string): {flags: string[]; names: string[]} {
  const names = uniqueNames(prefix)
  return {flags: allTableFlags(names), names: [names.sessions, names.breakglass, names.approvals, names.ratelimit]}
}

/** What an operator did by hand to tables sentinel made, which `init status` leaves alone. */
const BY_HAND = {
  index: {name: 'by-region', nonKeyAttribute: 'device_id', partitionKey: 'region'},
  stream: 'NEW_IMAGE',
  tag: {Key: 'owner', Value: 'data-platform'},
} as const

/**
 * Makes the four tables with sentinel through `endpoint` (an AWS-behaviour layer: DynamoDB Local has
 * no tagging), then by hand: a tag on the approvals table, an index on the sessions table, a stream
 * on the rate-limit table. Returns the approvals table's ARN.
 */
async function tablesChangedByHand(endpoint: string, names: TableNames): Promise<string> {
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
async function expectChangesByHandKept(endpoint: string, names: TableNames, approvalsArn: string): Promise<void> {
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

async function exportDocument(format: string, args: string[]): Promise<string> {
  const run = await runCli(['init', 'all', '--export', format, ...args], {env: cleanEnv({AWS_REGION: 'us-east-1'})})
  expect(run.code, run.stderr).to.equal(0)
  return run.stdout
}

describe('the exports under the real tools (end to end)', function () {
  this.timeout(600_000)

  describe('cfn-lint', () => {
    const cfnLint = findTool('cfn-lint', ['/root/.pyenv/shims/cfn-lint'])

    before(function () {
      skipWithout(this, 'cfn-lint', cfnLint)
    })

    it('finds nothing to report in any variant of the template', async () => {
      const dir = mkdtempSync(join(scratchDir(), 'cfn-'))
      const variants: Record<string, string[]> = {
        'customer key by alias, tags': ['--kms-key', 'alias/sentinel', ...SETTINGS],
        // (--no-pitr and --no-deletion-protection are refused with --export: a template never turns them off.)
        'customer key by ARN': [
          '--kms-key', 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
        ],
        defaults: [],
      }
      const files = Object.entries(variants).map(([name, args], index) => {
        const file = join(dir, `variant-${index}.yaml`)
        return {args, file, name}
      })
      for (const {args, file} of files) writeFileSync(file, await exportDocument('cloudformation', args))
      // --import-existing with every table there: the template imported as printed (no DependsOn).
      const localDir = mkdtempSync(join(scratchDir(), 'cfn-import-'))
      const local = ['--local', '--local-dir', localDir]
      const made = await runCli(['init', 'all', ...local, '--yes'], {env: cleanEnv()})
      expect(made.code, made.stderr).to.equal(0)
      const imported = await exportDocument('cloudformation', ['--import-existing', ...local])
      expect(imported).to.contain('--change-set-type IMPORT').and.not.contain('DependsOn')
      const importFile = join(dir, 'import-existing.yaml')
      writeFileSync(importFile, imported)
      files.push({args: local, file: importFile, name: 'import-existing'})
      // cfn-lint exits 0 only when it reports nothing (errors, warnings or informational findings).
      const lint = await exec(cfnLint!, ['--', ...files.map(({file}) => file)]).catch(error => error)
      expect(lint.code ?? 0, `${lint.stdout}${lint.stderr}`).to.equal(0)
      expect(lint.stdout).to.equal('')
    })
  })

  describe('cfn-lint, adopting tables changed by hand', () => {
    const cfnLint = findTool('cfn-lint', ['/root/.pyenv/shims/cfn-lint'])
    let layer: AwsLayer | undefined

    before(function () {
      skipWithout(this, 'cfn-lint', cfnLint)
    })

    after(() => layer?.close())

    it('--import-existing keeps a hand-set tag, an added index and a stream; cfn-lint finds nothing', async () => {
      // A DynamoDB Local of its own: with ten or more tables, it never finishes an index added by UpdateTable.
      layer = await startAwsLayer((await freshDynamoLocal()).endpoint)
      const names = uniqueNames('cfnadopt')
      await tablesChangedByHand(layer.endpoint, names)
      const document = await exportDocument('cloudformation', [
        '--import-existing', '--endpoint-url', layer.endpoint, ...allTableFlags(names), ...SETTINGS,
      ])
      const template = parseCloudFormation(document)
      expect(template.Resources.ApprovalTable.Properties.Tags).to.deep.include(BY_HAND.tag)
      expect(template.Resources.SessionTable.Properties.GlobalSecondaryIndexes).to.deep.include({
        IndexName: BY_HAND.index.name,
        KeySchema: [{AttributeName: BY_HAND.index.partitionKey, KeyType: 'HASH'}],
        Projection: {NonKeyAttributes: [BY_HAND.index.nonKeyAttribute], ProjectionType: 'INCLUDE'},
      })
      expect(template.Resources.RateLimitTable.Properties.StreamSpecification)
      .to.deep.equal({StreamViewType: BY_HAND.stream})
      const file = join(mkdtempSync(join(scratchDir(), 'cfn-adopt-')), 'import-existing.yaml')
      writeFileSync(file, document)
      const lint = await exec(cfnLint!, ['--', file]).catch(error => error)
      expect(lint.code ?? 0, `${lint.stdout}${lint.stderr}`).to.equal(0)
      expect(lint.stdout).to.equal('')
    })
  })

  describe('terraform', () => {
    const terraform = findTool('terraform')
    let layer: AwsLayer
    let root: string
    let initialised: string
    let tfEnv: NodeJS.ProcessEnv

    before(async function () {
      skipWithout(this, 'terraform', terraform)
      if (!existsSync('/opt/tf-plugins/registry.terraform.io/hashicorp/aws')) {
        skipWithout(this, 'the hashicorp/aws provider mirror (/opt/tf-plugins)', undefined)
      }

      // Tables stay CREATING for a while, and DynamoDB refuses to create an indexed table while
      // another is CREATING: the provider must ride that out, as the export's comment says.
      layer = await startAwsLayer((await dynamoLocal()).endpoint, {creating: {ms: 1500}, indexCreationLimit: true})
      describeAsAws(layer)
      root = mkdtempSync(join(scratchDir(), 'terraform-'))
      const cliConfig = join(root, 'terraform.rc')
      writeFileSync(cliConfig, 'provider_installation {\n  filesystem_mirror {\n    path = "/opt/tf-plugins"\n  }\n}\n')
      tfEnv = {
        ...process.env,
        CHECKPOINT_DISABLE: '1',
        TF_CLI_CONFIG_FILE: cliConfig,
        // One data dir (the provider, linked from the mirror) for every working folder: one init.
        TF_DATA_DIR: join(root, 'data'),
        TF_IN_AUTOMATION: '1',
      }
      initialised = workingFolder('init', await exportDocument('terraform', []))
      await tf(initialised, ['init', '-input=false', '-backend=false'])
    })

    after(() => layer?.close())

    /** A root module: the export, and the provider pointed at DynamoDB Local through the layer. */
    function workingFolder(name: string, document: string, endpoint = layer.endpoint): string {
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

    async function tf(cwd: string, args: string[]): Promise<string> {
      try {
        const {stdout} = await exec(terraform!, [...args, '-no-color'], {cwd, env: tfEnv, maxBuffer: 64 * 1024 * 1024})
        return stdout
      } catch (error) {
        const {stderr, stdout} = error as {stderr: string; stdout: string}
        throw new Error(`terraform ${args.join(' ')} failed:\n${stdout}\n${stderr}`)
      }
    }

    async function expectConverged(flags: string[], endpoint = layer.endpoint): Promise<void> {
      const status = await runCli(
        ['init', 'status', '--endpoint-url', endpoint, ...flags, ...SETTINGS, '--json'],
        {env: cleanEnv({AWS_REGION: 'us-east-1'})},
      )
      expect(status.code, `${status.stdout}\n${status.stderr}`).to.equal(0)
      const tables = parseJson(status.stdout).result.tables as {converged: boolean; table: string}[]
      expect(tables).to.have.length(4)
      for (const table of tables) expect(table.converged, JSON.stringify(table).slice(0, 1500)).to.equal(true)
    }

    it('validate, then apply onto DynamoDB Local: init status finds every table converged', async () => {
      const {flags, names} = tableNames('tfapply')
      const dir = workingFolder('apply', await exportDocument('terraform', [...flags, ...SETTINGS]))
      expect(await tf(dir, ['validate'])).to.contain('The configuration is valid.')
      const refusedBefore = layer.aws.refusals.length
      const applied = await tf(dir, ['apply', '-auto-approve', '-input=false'])
      expect(applied).to.contain('Apply complete! Resources: 4 added, 0 changed, 0 destroyed.')
      for (const name of names) {
        expect(requestsOf(layer.requests, 'CreateTable', {status: 200, table: name}), name).to.have.length(1)
      }

      // The provider retried the refused creates: the export needs no depends_on between tables.
      expect(layer.aws.refusals.length - refusedBefore, 'CreateTable refused by the index limit').to.be.above(0)
      await expectConverged(flags)
      // And Terraform agrees: the tables it made are what it was asked for.
      expect(await tf(dir, ['plan', '-input=false'])).to.contain('No changes.')
    })

    it('--import-existing: terraform plans to import each table sentinel made, and nothing else', async () => {
      const {flags} = tableNames('tfimport')
      const made = await runCli(
        ['init', 'all', '--endpoint-url', layer.endpoint, ...flags, ...SETTINGS, '--yes'],
        {env: cleanEnv({AWS_REGION: 'us-east-1'})},
      )
      expect(made.code, made.stderr).to.equal(0)
      const document = await exportDocument('terraform', [
        '--import-existing', '--endpoint-url', layer.endpoint, ...flags, ...SETTINGS,
      ])
      const dir = workingFolder('import', document)
      const plan = await tf(dir, ['plan', '-input=false'])
      const summary = /Plan: (\d+) to import, (\d+) to add, (\d+) to change, (\d+) to destroy\./.exec(plan)
      expect(summary, plan).to.not.equal(null)
      const [imports, adds, changes, destroys] = summary!.slice(1).map(Number)
      expect({
        adds, changes, destroys, imports,
      }, plan).to.deep.equal({
        adds: 0, changes: 0, destroys: 0, imports: 4,
      })
    })

    it('--import-existing of tables changed by hand (tag, index, stream): imported, nothing removed', async () => {
      // A DynamoDB Local of its own: with ten or more tables, it never finishes an index added by UpdateTable.
      const own = await startAwsLayer((await freshDynamoLocal()).endpoint)
      try {
        describeAsAws(own)
        const names = uniqueNames('tfadopt')
        const approvalsArn = await tablesChangedByHand(own.endpoint, names)
        // The plan leaves the changes alone: every table is converged.
        await expectConverged(allTableFlags(names), own.endpoint)
        const document = await exportDocument('terraform', [
          '--import-existing', '--endpoint-url', own.endpoint, ...allTableFlags(names), ...SETTINGS,
        ])
        const dir = workingFolder('adopt', document, own.endpoint)
        const plan = await tf(dir, ['plan', '-input=false'])
        const summary = /Plan: (\d+) to import, (\d+) to add, (\d+) to change, (\d+) to destroy\./.exec(plan)
        expect(summary, plan).to.not.equal(null)
        const [imports, adds, changes, destroys] = summary!.slice(1).map(Number)
        expect({
          adds, changes, destroys, imports,
        }, plan).to.deep.equal({
          adds: 0, changes: 0, destroys: 0, imports: 4,
        })
        const applied = await tf(dir, ['apply', '-auto-approve', '-input=false'])
        expect(applied).to.contain('Apply complete! Resources: 4 imported, 0 added, 0 changed, 0 destroyed.')
        await expectChangesByHandKept(own.endpoint, names, approvalsArn)
        expect(await tf(dir, ['plan', '-input=false'])).to.contain('No changes.')
      } finally {
        await own.close()
      }
    })
  })
})
