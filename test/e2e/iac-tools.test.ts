/**
 * The exports checked by the tools operators run on them, through the real CLI: AWS's cfn-lint on
 * the CloudFormation template; Terraform (the hashicorp/aws provider from the filesystem mirror in
 * /opt/tf-plugins, no network) validating the configuration, applying it onto DynamoDB Local through
 * the AWS-behaviour layer (tags and PITR as AWS keeps them, tables held CREATING, and CreateTable of
 * an indexed table refused while another is being created), after which `sentinel init status`
 * finds every table converged; and `--import-existing` making Terraform plan to import every table
 * sentinel made, creating and destroying nothing. One `terraform init` serves every case here;
 * adopting tables changed by hand with Terraform runs beside this file (iac-adopt.test.ts).
 */
import {expect} from 'chai'
import {mkdtempSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {type AwsLayer, requestsOf, startAwsLayer} from '../support/aws-behaviour.js'
import {cleanEnv, runCli, scratchDir} from '../support/cli.js'
import {
  BY_HAND, describeAsAws, exec, expectConverged, exportDocument, findTool, planCounts, SETTINGS, skipWithout,
  tableNames, tablesChangedByHand, type Terraform, terraformWorkspace,
} from '../support/iac-tools.js'
import {parseCloudFormation} from '../support/iac.js'
import {
  allTableFlags, dynamoLocal, freshDynamoLocal, uniqueNames,
} from '../support/servers.js'

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
    let layer: AwsLayer
    let terraform: Terraform

    before(async function () {
      terraform = await terraformWorkspace(this)
      // Tables stay CREATING for a while, and DynamoDB refuses to create an indexed table while
      // another is CREATING: the provider must ride that out, as the export's comment says.
      layer = await startAwsLayer((await dynamoLocal()).endpoint, {creating: {ms: 1500}, indexCreationLimit: true})
      describeAsAws(layer)
    })

    after(() => layer?.close())

    const workingFolder = (name: string, document: string) => terraform.workingFolder(name, document, layer.endpoint)
    const tf = (cwd: string, args: string[]) => terraform.tf(cwd, args)

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
      await expectConverged(flags, layer.endpoint)
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
      expect(planCounts(plan), plan).to.deep.equal({
        adds: 0, changes: 0, destroys: 0, imports: 4,
      })
    })
  })
})
