/**
 * Issue 17, multi-Region, beside test/e2e/global-tables.test.ts: every bad --replica-region and
 * --replica-kms-key input refused before any call; a replica no --replica-region names (issue 22),
 * reported and left alone; the exports and the IAM policy with replicas, checked against the
 * resource spec, cfn-lint, terraform validate and the provider schemas.
 */
import {expect} from 'chai'
import {spawnSync} from 'node:child_process'
import {mkdtempSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {parseJson, runCli, scratchDir} from '../support/cli.js'
import {
  env, everyPair, exportArgs, expression, fourTables, keyIn, lastLine, log, output, sessions, sessionsArgs, Started,
  statusOf, tableIn, writes,
} from '../support/global-tables.js'
import {terraformEnv} from '../support/iac-tools.js'
import {
  cloudFormationProblems,
  parseCloudFormation,
  parseTerraform,
  providerSchemas,
  terraformProblems,
} from '../support/iac.js'
import {uniqueTable} from '../support/servers.js'

describe('global tables: input, replicas nobody named, exports (issue 17, end to end)', function () {
  this.timeout(120_000)
  const started = new Started()
  const layer = (creatingCalls?: number) => started.layer(creatingCalls)

  afterEach(() => started.closeAll())

  describe('input, before any call (exit 2)', () => {
    const cases: [string, string[], RegExp][] = [
      ['the table\'s own region', ['--replica-region', 'us-east-1'], /own region/],
      ['an unknown region', ['--replica-region', 'eu-west-9'], /Unknown AWS region "eu-west-9"/],
      [
        'a region with a typo',
        ['--replica-region', 'eu-wset-1'],
        /"eu-wset-1" .*did you mean eu-west-1\? Pass --replica-region eu-west-1\./,
      ],
      ['a region of another partition', ['--replica-region', 'cn-north-1'], /do not cross partitions/],
      ['a region given twice', ['--replica-region', 'eu-west-1', '--replica-region', 'eu-west-1'], /twice/],
      [
        'a customer key without a replica key',
        ['--kms-key',
          keyIn('us-east-1'),
          '--replica-region',
          'eu-west-1',
          '--replica-region',
          'us-west-2',
          '--replica-kms-key',
          `eu-west-1=${keyIn('eu-west-1')}`],
        /no key for replica region us-west-2/,
      ],
      [
        'a replica key in another region',
        [
          '--kms-key',
          keyIn('us-east-1'),
          '--replica-region',
          'eu-west-1',
          '--replica-kms-key',
          `eu-west-1=${keyIn('us-east-1')}`,
        ],
        /names a key in us-east-1 \(aws\), not in eu-west-1/,
      ],
      [
        '--replica-kms-key without --replica-region',
        ['--replica-kms-key', `eu-west-1=${keyIn('eu-west-1')}`],
        /replica-region/,
      ],
    ]

    it(
      'each bad input: one line with a fix, exit 2, nothing sent (every provisioning command, status, plan, iam)',
      async () => {
        const aws = await layer()
        const table = uniqueTable('gt-input')
        const commands = [
          ['init:sessions', '--table', table],
          ['init:all', '--plan'],
          ['init:status'],
          ['init:ratelimit', '--generate-iam', '--account-id', '123456789012'],
        ]
        const attempts = everyPair(cases, commands).map(([[what, args, message], command]) => ({
          args: [...command, '--endpoint-url', aws.endpoint, ...args], command, message, what,
        }))
        const runs = await Promise.all(attempts.map(async attempt => ({
          ...attempt, run: await runCli(attempt.args, {env: env()}),
        })))
        for (const {command, message, run, what} of runs) {
          const where = `${what}, ${command[0]}\n${output(run)}`
          expect(run.code, where).to.equal(2)
          expect(lastLine(run), where).to.match(/^Error \(INVALID_INPUT\): /).and.match(message)
          expect(run.stderr.trim().split('\n'), where).to.have.length(1)
        }

        expect(aws.requests, log(aws)).to.deep.equal([])
      },
    )

    it('--local cannot keep replicas: exit 2 before DynamoDB Local starts', async () => {
      const run = await runCli(['init:sessions', '--local', '--replica-region', 'eu-west-1', '--yes'], {env: env()})
      expect(run.code, output(run)).to.equal(2)
      expect(lastLine(run)).to.match(/^Error \(INVALID_INPUT\): /).and.contain('--replica-region')
    })
  })

  describe('a replica no --replica-region names (issue 22, item 1)', () => {
    it('left unprotected by an interrupted run: init status exits 6 naming it; apply leaves it alone and says ' +
      'how to name it; the printed command sets its protections', async () => {
      const aws = await layer()
      const {names, table} = await fourTables(aws, 'gt-un')
      // What a run interrupted right after adding a replica leaves: ACTIVE, deletion protection and PITR off.
      aws.aws.replicas!.tables.get(table)!.replicas.set('us-west-2', {
        deletionProtection: false, pitr: false, status: 'ACTIVE',
      })
      const status = await statusOf(aws, names, '--json')
      expect(status.code, output(status)).to.equal(6)
      const result = tableIn(status, table)
      expect(result.converged).to.equal(false)
      const unnamed = result.replicas.find((replica: {region: string}) => replica.region === 'us-west-2')
      expect(unnamed).to.include({converged: false, named: false, status: 'ACTIVE'})
      expect(unnamed.actions.map((action: {type: string}) => action.type))
      .to.deep.equal(['enable-deletion-protection', 'enable-pitr', 'add-tags'])
      expect(unnamed.notices[0]).to.contain('name it (--replica-region us-west-2)')
      const steps = parseJson(status.stdout).result.nextSteps as string[]
      expect(steps[1]).to.match(/^Make them: .* --replica-region eu-west-1 --replica-region us-west-2 /)
      expect(parseJson(status.stdout).error.message).to.contain('replica in us-west-2 not named by --replica-region')
      // Its protections were read in its own region.
      const west = aws.requests.filter(request => request.region === 'us-west-2').map(request => request.action)
      expect(west, log(aws)).to.include.members(['DescribeTable', 'DescribeContinuousBackups', 'ListTagsOfResource'])

      const text = await statusOf(aws, names)
      expect(text.code, output(text)).to.equal(6)
      expect(text.stdout).to.contain('✖ Replica us-west-2: ACTIVE (not named by --replica-region)')
      .and.contain('+ needs: Turn deletion protection on')

      // The plan: the table itself has no changes, never "matches" above the replica's work (item 14).
      const plan = await sessions(aws, table, '--replica-region', 'eu-west-1', '--plan')
      expect(plan.code, output(plan)).to.equal(0)
      expect(plan.stdout).not.to.contain('No changes: the table matches')
      expect(plan.stdout).to.contain('No changes to the table in its own region; its replicas:')

      const mark = aws.requests.length
      const apply = await sessions(aws, table, '--replica-region', 'eu-west-1', '--yes')
      expect(apply.code, output(apply)).to.equal(0)
      expect(writes(aws.requests.slice(mark)), 'nothing written for a replica not named').to.deep.equal([])
      expect(apply.stdout).to.contain(`! ${table}: unchanged; a replica not named by --replica-region falls short`)
      .and.not.contain('already matches')
      const naming = apply.stdout.split('\n').find(line => line.includes('name it (a replica is never removed): '))
      expect(naming, apply.stdout).to.be.a('string')
      expect(aws.aws.replicas!.tables.get(table)!.replicas.get('us-west-2')).to.include({deletionProtection: false})

      // The command it prints, run as printed (with --yes): the replica's protections set in its region.
      const named = await runCli(['init:sessions', ...sessionsArgs(naming!), '--yes'], {env: env()})
      expect(named.code, output(named)).to.equal(0)
      expect(aws.aws.replicas!.tables.get(table)!.replicas.get('us-west-2'))
      .to.include({deletionProtection: true, pitr: true, status: 'ACTIVE'})
      expect(aws.aws.replicas!.updates.filter(update => update.action !== 'Create'), 'never a Delete').to.deep.equal([])
      // Protected now, it passes the gate without being named.
      const green = await statusOf(aws, names)
      expect(green.code, output(green)).to.equal(0)

      // Unproven is not green: a read denied in its region fails the table, saying to name the region.
      aws.aws.denials.push({actions: ['DescribeTable'], region: 'us-west-2', table})
      const denied = await statusOf(aws, names, '--json')
      expect(denied.code, output(denied)).to.equal(4)
      const {error} = tableIn(denied, table)
      expect(error.message).to.equal(`Access denied: dynamodb:DescribeTable on ${table} in us-west-2.`)
      expect(error.suggestion).to.contain('add --replica-region us-west-2 to that command')
    })

    it('INACCESSIBLE_ENCRYPTION_CREDENTIALS, CREATION_FAILED, DELETING, REGION_DISABLED: init status exits 6 with ' +
      'the state as drift; apply is refused, nothing written', async () => {
      const aws = await layer()
      const {names, table} = await fourTables(aws, 'gt-bad')
      const states = ['INACCESSIBLE_ENCRYPTION_CREDENTIALS', 'CREATION_FAILED', 'DELETING', 'REGION_DISABLED']
      for (const state of states) {
        aws.aws.replicas!.tables.get(table)!.replicas.set('us-west-2', {
          deletionProtection: true, pitr: true, status: state,
        })
        const status = await statusOf(aws, names, '--json')
        expect(status.code, `${state}\n${output(status)}`).to.equal(6)
        const unnamed = tableIn(status, table).replicas.find((replica: {region: string}) =>
          replica.region === 'us-west-2')
        expect(unnamed).to.include({converged: false, named: false, status: state})
        expect(unnamed.drift.map((drift: {type: string}) => drift.type), state).to.deep.equal(['replica-status'])
        expect(unnamed.drift[0].summary).to.contain(`Replica in us-west-2 is ${state}`)
        const mark = aws.requests.length
        const apply = await sessions(aws, table, '--replica-region', 'eu-west-1', '--yes')
        expect(apply.code, `${state}\n${output(apply)}`).to.equal(5)
        expect(lastLine(apply)).to.contain(`Replica in us-west-2 is ${state}`)
        expect(writes(aws.requests.slice(mark)), state).to.deep.equal([])
      }
    })
  })

  describe('--export and --generate-iam with replicas', () => {
    it('cloudformation: an AWS::DynamoDB::GlobalTable per table, valid for the spec and cfn-lint', async () => {
      const run = await runCli(exportArgs('cloudformation'), {env: env()})
      expect(run.code, output(run)).to.equal(0)
      const template = parseCloudFormation(run.stdout)
      expect(await cloudFormationProblems(template)).to.deep.equal([])
      const session = template.Resources.SessionTable
      expect(session).to.include({
        DeletionPolicy: 'Retain', Type: 'AWS::DynamoDB::GlobalTable', UpdateReplacePolicy: 'Retain',
      })
      expect(session.Properties.StreamSpecification).to.deep.equal({StreamViewType: 'NEW_AND_OLD_IMAGES'})
      expect(session.Properties.MultiRegionConsistency).to.equal('EVENTUAL')
      const replicas = session.Properties.Replicas as Record<string, any>[]
      expect(replicas.map(replica => replica.Region)).to.deep.equal([{Ref: 'AWS::Region'}, 'eu-west-1', 'us-west-2'])
      expect(replicas.map(replica => replica.SSESpecification.KMSMasterKeyId))
      .to.deep.equal([keyIn('us-east-1'), 'alias/sentinel', keyIn('us-west-2')])
      for (const replica of replicas) {
        expect(replica.DeletionProtectionEnabled).to.equal(true)
        expect(replica.PointInTimeRecoverySpecification).to.deep.equal({PointInTimeRecoveryEnabled: true})
        expect(replica.Tags).to.deep.include({Key: 'team', Value: 'sec'})
      }

      // AWS's documented path for a stack that holds the table as AWS::DynamoDB::Table.
      expect(run.stdout).to.match(/^# .*would replace the table/m).and.match(/^# .*IMPORT/m)
      const file = join(mkdtempSync(join(scratchDir(), 'cfn-')), 'sentinel-tables.yaml')
      writeFileSync(file, run.stdout)
      const lint = spawnSync('cfn-lint', [file], {encoding: 'utf8'})
      expect(lint.status, `${lint.stdout}${lint.stderr}`).to.equal(0)
    })

    it('terraform: aws_dynamodb_table_replica per region under a provider alias, the stream declared; ' +
      'terraform validate with provider 5.100.0, the 6.47.0 schema', async () => {
      const run = await runCli(exportArgs('terraform'), {env: env()})
      expect(run.code, output(run)).to.equal(0)
      const config = await parseTerraform(run.stdout)
      expect(terraformProblems(config, providerSchemas()['6.47.0'], ['global_secondary_index.hash_key',
        'global_secondary_index.range_key'])).to.deep.equal([])
      const table = config.resource.aws_dynamodb_table.session[0]
      expect(table).to.have.property('stream_enabled', true)
      expect(table).to.have.property('stream_view_type', 'NEW_AND_OLD_IMAGES')
      expect(table.lifecycle[0]).to.have.deep.property('ignore_changes', [expression('replica')])
      const replica = config.resource.aws_dynamodb_table_replica.session_eu_west_1[0]
      expect(replica).to.have.property('deletion_protection_enabled', true)
      expect(replica).to.have.property('point_in_time_recovery', true)
      expect(replica).to.have.property('provider', expression('aws.eu_west_1'))
      expect(config.resource.aws_dynamodb_table_replica.session_us_west_2[0].kms_key_arn).to.equal(keyIn('us-west-2'))
      expect(Object.keys(config.resource.aws_dynamodb_table_replica)).to.have.length(8)

      const dir = mkdtempSync(join(scratchDir(), 'tf-'))
      writeFileSync(join(dir, 'sentinel-tables.tf'), run.stdout)
      const tfEnv = terraformEnv(dir)
      const terraform = (...args: string[]) => spawnSync('terraform', args, {cwd: dir, encoding: 'utf8', env: tfEnv})
      const init = terraform('init', '-backend=false', '-input=false', '-no-color')
      expect(init.status, `${init.stdout}${init.stderr}`).to.equal(0)
      expect(init.stdout).to.contain('5.100.0')
      const validate = terraform('validate', '-no-color')
      expect(validate.status, `${validate.stdout}${validate.stderr}`).to.equal(0)
      expect(terraform('fmt', '-check').status, 'terraform fmt has nothing to change').to.equal(0)
    })

    it('--generate-iam: the replica statements and the replication role', async () => {
      const run = await runCli([
        'init:sessions',
        '--generate-iam',
        '--region',
        'us-east-1',
        '--account-id',
        '123456789012',
        '--replica-region',
        'eu-west-1',
        '--policy-for',
        'provisioner',
      ], {env: env()})
      expect(run.code, output(run)).to.equal(0)
      const sids = JSON.parse(run.stdout).Statement.map((statement: {Sid: string}) => statement.Sid)
      expect(sids).to.deep.equal([
        'SentinelSessionTableProvisioning', 'SentinelSessionTableReplicas', 'SentinelDynamoDbReplicationRole',
      ])
    })
  })
})
