import {expect} from 'chai'

/**
 * Issue 23, in-process: the role check (src/iam/role-check.ts) against IAM's simulator as AWS answers
 * it (test/support/aws-iam.ts: the same evaluator, identity policies, a boundary, SCPs, short pages,
 * throttling), key policies and table resource policies. Each test builds the roles from the policy
 * --generate-iam prints, or from what real deployments grant (Sentinel's CDK stack: no index/*).
 */
import type {KeyDescription} from '../../src/aws/kms.js'
import type {Inspection} from '../../src/provisioning/provisioner.js'

import {SentinelError} from '../../src/errors.js'
import {buildPolicy, type PolicyDocument} from '../../src/iam/policy.js'
import {
  checkRoles, keyArnsOf, parseRoleArn, plannedCalls, type RoleCheckInput, roleName, type RoleResult,
  type RoleToCheck,
} from '../../src/iam/role-check.js'
import {checkedTables} from '../../src/shared/role-check-run.js'
import {ALL_TABLES} from '../../src/tables/definitions.js'
import {type DesiredTable, desiredTables} from '../../src/tables/desired.js'
import {cdkLikeGrant, fakeIam, type IamWorld} from '../support/aws-iam.js'

const ACCOUNT = '123456789012'
const HOME = 'us-east-1'
const REPLICAS = ['eu-west-1', 'us-west-2']
const SERVER = `arn:aws:iam::${ACCOUNT}:role/sentinel/tvm-execution`
const PROVISIONER = `arn:aws:iam::${ACCOUNT}:role/ci-deploy`
const keyIn = (region: string) => `arn:aws:kms:${region}:${ACCOUNT}:key/11111111-2222-3333-4444-555555555555`
const scope = {account: ACCOUNT, region: HOME}

function tables(options: {kms?: boolean | string; replicas?: string[]} = {}): DesiredTable[] {
  const choices = ALL_TABLES.map(definition =>
    ({definition, source: 'default', tableName: definition.defaultTableName}))
  return desiredTables(choices, {
    deletionProtection: true,
    kmsKey: typeof options.kms === 'string' ? options.kms : (options.kms ? keyIn(HOME) : undefined),
    pitr: true,
    replicaKmsKeys: options.kms ? (options.replicas ?? []).map(region => `${region}=${keyIn(region)}`) : undefined,
    replicaRegions: options.replicas,
    tags: [],
  }, HOME)
}

/** The key policy AWS gives a key by default: the account's root, so IAM policies decide. */
function rootKeyPolicy(account = ACCOUNT): string {
  return JSON.stringify({
    Statement: [{
      Action: 'kms:*', Effect: 'Allow', Principal: {AWS: `arn:aws:iam::${account}:root`}, Resource: '*', Sid: 'Root',
    }],
    Version: '2012-10-17',
  })
}

interface Fixture {
  world: IamWorld
  /** KMS: an alias to its key's ARN. */
  aliases?: Record<string, string>
  keyPolicies?: Record<string, string>
  resourcePolicies?: Record<string, string>
}

/** KMS DescribeKey over a table of aliases; an alias it lacks is not found. */
function aliasResolver(aliases: Record<string, string>) {
  return async (alias: string): Promise<KeyDescription> => {
    const arn = aliases[alias]
    if (!arn) throw new SentinelError('AWS_ERROR', `Alias ${alias} is not found.`)
    return {arn, state: 'Enabled'}
  }
}

async function check(roles: RoleToCheck[], desired: DesiredTable[], fixture: Fixture) {
  const iam = fakeIam(fixture.world)
  const keyReads: string[] = []
  const resourceReads: string[] = []
  const kms = aliasResolver(fixture.aliases ?? {})
  const keyArns = await keyArnsOf(desired, scope, () => kms)
  const input: RoleCheckInput = {
    keyArns, roles, scope, tables: desired,
  }
  const results = await checkRoles(input, {
    iam,
    async readKeyPolicy(arn) {
      keyReads.push(arn)
      const policy = fixture.keyPolicies?.[arn]
      if (!policy) throw new SentinelError('AWS_ERROR', `no key ${arn}`)
      return policy
    },
    async readResourcePolicy(arn) {
      resourceReads.push(arn)
      return fixture.resourcePolicies?.[arn]
    },
  })
  return {
    calls: iam.calls, input, keyReads, resourceReads, results,
  }
}

const printed = (policyFor: 'provisioner' | 'server', desired: DesiredTable[]) =>
  buildPolicy(scope, desired, {policyFor})

/** The grant of Sentinel's CDK stack: item actions on each table ARN, no index/*. */
function cdkLikePolicy(desired: DesiredTable[], regions: string[]): PolicyDocument {
  return cdkLikeGrant(desired.flatMap(table => regions.map(region =>
    `arn:aws:dynamodb:${region}:${ACCOUNT}:table/${table.tableName}`))) as PolicyDocument
}

const summary = (result: RoleResult) =>
  result.denied.map(denial => `${denial.by} ${denial.region} ${denial.action} ${denial.resource}`).sort()

describe('role check: will Sentinel run? (issue 23, in-process)', function () {
  this.timeout(60_000)

  it('a role holding exactly the printed policy is ok, in every region, on the key too, in few calls', async () => {
    const desired = tables({kms: true, replicas: REPLICAS})
    const world: IamWorld = {
      roles: {
        [PROVISIONER]: {policies: {printed: printed('provisioner', desired)}},
        [SERVER]: {policies: {printed: printed('server', desired)}},
      },
    }
    const keyPolicies = Object.fromEntries([HOME, ...REPLICAS].map(region => [keyIn(region), rootKeyPolicy()]))
    const both: RoleToCheck[] = [{arn: SERVER, kind: 'server'}, {arn: PROVISIONER, kind: 'provisioner'}]
    const {calls, input, keyReads, results} = await check(both, desired, {keyPolicies, world})
    for (const result of results) {
      expect(result.verdict, JSON.stringify(result, null, 2)).to.equal('ok')
      expect(result.fix.policy).to.equal(null)
    }

    // Exact ARNs only: never "*", every index the runtime queries by name, the key by its ARN.
    const asked = calls.flatMap(call => call.resources)
    expect(asked.some(arn => arn.includes('*'))).to.equal(false)
    for (const region of [HOME, ...REPLICAS]) {
      expect(asked).to.include(`arn:aws:dynamodb:${region}:${ACCOUNT}:table/sentinel-sessions/index/gsi-device-id`)
      expect(asked).to.include(keyIn(region))
    }

    // GetItem is never asked of an index ARN.
    for (const call of calls) {
      if (call.resources.some(arn => arn.includes('/index/'))) expect(call.actions).to.deep.equal(['dynamodb:Query'])
    }

    // A few calls per role and region, and each key policy read once for both roles.
    expect(calls.length).to.equal(await plannedCalls(input))
    expect(calls.length).to.be.at.most(2 * 3 * 8)
    expect([...keyReads].sort()).to.deep.equal([HOME, ...REPLICAS].map(region => keyIn(region)).sort())
    // Context per region, and for the key the service and the caller's account.
    const kmsCall = calls.find(call =>
      call.actions.includes('kms:Decrypt') && call.resources.includes(keyIn('eu-west-1')))
    expect(kmsCall?.context).to.deep.include({
      'aws:RequestedRegion': ['eu-west-1'],
      'kms:CallerAccount': [ACCOUNT],
      'kms:ViaService': ['dynamodb.eu-west-1.amazonaws.com'],
    })
  })

  it(
    'a role like Sentinel\'s CDK stack (no index/*) is denied each index Query; the printed fix.policy makes it ok',
    async () => {
      const desired = tables({replicas: ['eu-west-1']})
      const world: IamWorld = {roles: {[SERVER]: {policies: {cdk: cdkLikePolicy(desired, [HOME, 'eu-west-1'])}}}}
      const [result] = (await check([{arn: SERVER, kind: 'server'}], desired, {world})).results
      expect(result.verdict).to.equal('denied')
      const indexes = desired.flatMap(table =>
        table.definition.indexes.map(index => `${table.tableName}/index/${index.name}`))
      expect(indexes).to.have.length(11)
      const expected = [HOME, 'eu-west-1'].flatMap(region => indexes.map(index =>
        `identity ${region} dynamodb:Query arn:aws:dynamodb:${region}:${ACCOUNT}:table/${index}`)).sort()
      expect(summary(result)).to.deep.equal(expected)
      const deviceIndex = result.denied.find(denial => denial.resource.endsWith('gsi-device-id'))
      expect(deviceIndex?.table).to.equal('sentinel-sessions')
      // The fix is the role's own policy, in the printed policy's terms, and the command that attaches it.
      expect(result.fix.policy?.Statement.map(statement => statement.Action)).to.deep.equal([
        ['dynamodb:Query'], ['dynamodb:Query'], ['dynamodb:Query'],
      ])
      expect(result.fix.commands[1]).to.match(/^aws iam put-role-policy --role-name tvm-execution --policy-name SentinelServerFix[\da-f]{8} --policy-document file:\/\/sentinel-server-fix-tvm-execution\.json$/)
      world.roles[SERVER].policies.fix = result.fix.policy!
      const [again] = (await check([{arn: SERVER, kind: 'server'}], desired, {world})).results
      expect(again.verdict, JSON.stringify(again.denied)).to.equal('ok')
    },
  )

  it('an SCP keeping the organization in one region denies only the replica region, by scp', async () => {
    const desired = tables({replicas: ['eu-west-1']})
    const scp = {
      Statement: [{
        Condition: {StringNotEquals: {'aws:RequestedRegion': [HOME]}},
        Effect: 'Deny',
        NotAction: ['iam:*'],
        Resource: '*',
        Sid: 'OnlyUsEast1',
      }],
      Version: '2012-10-17',
    }
    const world: IamWorld = {roles: {[SERVER]: {policies: {printed: printed('server', desired)}}}, scps: {region: scp}}
    const [result] = (await check([{arn: SERVER, kind: 'server'}], desired, {world})).results
    expect(result.verdict).to.equal('denied')
    expect(new Set(result.denied.map(denial => denial.region))).to.deep.equal(new Set(['eu-west-1']))
    expect(new Set(result.denied.map(denial => denial.by))).to.deep.equal(new Set(['scp']))
    // Every runtime call in that region: 6 + 4 + 4 + 1 on the tables, 11 index queries.
    expect(result.denied).to.have.length(26)
    expect(result.fix.policy).to.equal(null)
    expect(result.fix.notes.join('\n')).to.include('service control policy')
  })

  it('a replica no --replica-region names, the table on --kms-key: checked in its region on its own live key; a ' +
    'role printed for the home region only is denied there', async () => {
    const desired = tables({kms: true})
    const region = 'eu-west-1'
    // What the status run's inspections found: each table lists a replica nobody named, on its own key.
    const inspections = desired.map(table => ({
      desired: table,
      live: {replicas: [{kmsKeyArn: keyIn(region), region, status: 'ACTIVE'}]},
      replicas: [{named: false, region}],
    })) as unknown as Inspection[]
    const checked = checkedTables(desired, inspections)
    expect(checked[0].replicas).to.deep.equal([{kmsKey: {arn: keyIn(region), kind: 'key-arn', region}, region}])
    const keyPolicies = {[keyIn(HOME)]: rootKeyPolicy(), [keyIn(region)]: rootKeyPolicy()}
    const homeOnly = buildPolicy(scope, desired, {policyFor: 'server'})
    const {results: [denied]} = await check([{arn: SERVER, kind: 'server'}], checked, {
      keyPolicies, world: {roles: {[SERVER]: {policies: {homeOnly}}}},
    })
    expect(denied.verdict).to.equal('denied')
    expect(denied.regions).to.deep.equal([HOME, region])
    expect(new Set(denied.denied.map(denial => denial.region))).to.deep.equal(new Set([region]))
    expect(denied.denied.map(denial => denial.resource)).to.include(keyIn(region))
    const everywhere = buildPolicy(scope, tables({kms: true, replicas: [region]}), {policyFor: 'server'})
    const {results: [ok]} = await check([{arn: SERVER, kind: 'server'}], checked, {
      keyPolicies, world: {roles: {[SERVER]: {policies: {everywhere}}}},
    })
    expect(ok.verdict, JSON.stringify(ok.denied)).to.equal('ok')
    // Without the inspections' replicas the check proves the home region only: what it did before.
    const {results: [before]} = await check([{arn: SERVER, kind: 'server'}], desired, {
      keyPolicies, world: {roles: {[SERVER]: {policies: {homeOnly}}}},
    })
    expect(before.regions).to.deep.equal([HOME])
  })

  it('a boundary without DeleteItem denies DeleteItem on each table that needs it, by boundary', async () => {
    const desired = tables()
    const boundary = {
      Statement: [{Effect: 'Allow', NotAction: ['dynamodb:DeleteItem'], Resource: '*'}], Version: '2012-10-17',
    }
    const world: IamWorld = {roles: {[SERVER]: {boundary, policies: {printed: printed('server', desired)}}}}
    const [result] = (await check([{arn: SERVER, kind: 'server'}], desired, {world})).results
    expect(summary(result)).to.deep.equal(['sentinel-breakglass', 'sentinel-requests', 'sentinel-sessions'].map(table =>
      `boundary us-east-1 dynamodb:DeleteItem arn:aws:dynamodb:us-east-1:${ACCOUNT}:table/${table}`))
    expect(result.fix.notes[0]).to.include('permissions boundary')
  })

  it('a key policy that neither names the role nor delegates to IAM denies Decrypt, by key-policy', async () => {
    const desired = tables({kms: true})
    const otherOnly = JSON.stringify({
      Statement: [{
        Action: 'kms:*', Effect: 'Allow', Principal: {AWS: `arn:aws:iam::${ACCOUNT}:role/admin`},
        Resource: '*',
      }],
      Version: '2012-10-17',
    })
    const world: IamWorld = {roles: {[SERVER]: {policies: {printed: printed('server', desired)}}}}
    const keyPolicies = {[keyIn(HOME)]: otherOnly}
    const [result] = (await check([{arn: SERVER, kind: 'server'}], desired, {keyPolicies, world}))
    .results
    expect(new Set(summary(result))).to.deep.equal(new Set([`key-policy us-east-1 kms:Decrypt ${keyIn(HOME)}`]))
    expect(result.denied.map(denial => denial.table).sort()).to.deep.equal(desired.map(table => table.tableName).sort())
    const [fix] = result.fix.resourcePolicies
    expect(fix.add).to.deep.include({Action: ['kms:Decrypt'], Principal: {AWS: SERVER}})
    expect(result.fix.commands.join('\n'))
    .to.include(`aws kms put-key-policy --key-id ${keyIn(HOME)} --policy-name default`)
  })

  it(
    'a replica\'s resource policy denying PutItem denies it there only, by resource-policy, naming the statement',
    async () => {
      const desired = tables({replicas: ['eu-west-1']})
      const replicaArn = `arn:aws:dynamodb:eu-west-1:${ACCOUNT}:table/sentinel-breakglass`
      const denyPut = JSON.stringify({
        Statement: [{
          Action: 'dynamodb:PutItem', Effect: 'Deny', Principal: '*', Resource: replicaArn, Sid: 'NoWrites',
        }],
        Version: '2012-10-17',
      })
      const world: IamWorld = {roles: {[SERVER]: {policies: {printed: printed('server', desired)}}}}
      const resourcePolicies = {[replicaArn]: denyPut}
      const server: RoleToCheck[] = [{arn: SERVER, kind: 'server'}]
      const {resourceReads, results: [result]} = await check(server, desired, {resourcePolicies, world})
      expect(summary(result)).to.deep.equal([`resource-policy eu-west-1 dynamodb:PutItem ${replicaArn}`])
      expect(result.denied[0].policy).to.equal('NoWrites')
      expect(result.fix.resourcePolicies[0]).to.deep.include({remove: ['NoWrites'], resource: replicaArn})
      // Each table's policy read once per region.
      expect(resourceReads).to.have.length(8)
    },
  )

  it('reads every page (one result a page) and AWS\'s older per-resource answers alike', async () => {
    const desired = tables({replicas: ['eu-west-1']})
    for (const shape of [{pageSize: 1}, {pageSize: 1, perResource: true}]) {
      const policies = {cdk: cdkLikePolicy(desired, [HOME, 'eu-west-1'])}
      const world: IamWorld = {roles: {[SERVER]: {policies}}, ...shape}
      const {calls, results: [result]} = await check([{arn: SERVER, kind: 'server'}], desired, {world})
      expect(result.denied, JSON.stringify(shape)).to.have.length(22)
      expect(calls.filter(call => call.marker !== undefined).length).to.be.greaterThan(0)
    }
  })

  it('an IAM that names the same Marker again: unknown after two pages of a simulation, never a loop', async () => {
    const desired = tables()
    const policies = {printed: printed('server', desired)}
    const world: IamWorld = {pageSize: 1, repeatMarker: true, roles: {[SERVER]: {policies}}}
    const {calls, results: [result]} = await check([{arn: SERVER, kind: 'server'}], desired, {world})
    expect(result.verdict).to.equal('unknown')
    expect(result.unknown[0].reason).to.include('did not page to an end')
    // Each simulation asked for its first page and at most once more: the repeated Marker ends it.
    const simulations = calls.filter(call => call.marker === undefined).length
    expect(calls.length).to.be.greaterThan(simulations).and.at.most(simulations * 2)
  })

  it('what cannot be checked is unknown with its reason, never ok: caller denied, throttled, no role', async () => {
    const desired = tables()
    const policies = {printed: printed('server', desired)}
    const cases: [IamWorld, string][] = [
      [{callerDenied: true, roles: {[SERVER]: {policies}}}, 'ACCESS_DENIED'],
      [{roles: {[SERVER]: {policies}}, throttle: 1000}, 'THROTTLED'],
      [{roles: {}}, 'NO_SUCH_ROLE'],
    ]
    for (const [world, code] of cases) {
      const [result] = (await check([{arn: SERVER, kind: 'server'}], desired, {world})).results
      expect(result.verdict, code).to.equal('unknown')
      expect(result.unknown.map(entry => entry.code)).to.deep.equal([code])
      expect(result.unknown[0].reason).to.include(SERVER)
    }
  })

  it(
    'a provisioner role is checked for provisioning: the server policy alone is denied, the printed one ok',
    async () => {
      const desired = tables({replicas: ['eu-west-1']})
      const world: IamWorld = {roles: {[PROVISIONER]: {policies: {printed: printed('server', desired)}}}}
      const [denied] = (await check([{arn: PROVISIONER, kind: 'provisioner'}], desired, {world})).results
      expect(denied.verdict).to.equal('denied')
      expect(denied.denied.map(denial => denial.action)).to.include.members([
        'dynamodb:CreateTable', 'dynamodb:CreateTableReplica', 'iam:CreateServiceLinkedRole',
      ])
      world.roles[PROVISIONER].policies.fix = denied.fix.policy!
      const [fixed] = (await check([{arn: PROVISIONER, kind: 'provisioner'}], desired, {world})).results
      expect(fixed.verdict, JSON.stringify(fixed.denied)).to.equal('ok')
    },
  )

  it(
    'a role of another account needs each table\'s resource policy: denied by resource-policy, said in its notes',
    async () => {
      const other = 'arn:aws:iam::210987654321:role/tvm'
      const desired = tables()
      const world: IamWorld = {roles: {[other]: {policies: {printed: printed('server', desired)}}}}
      const [result] = (await check([{arn: other, kind: 'server'}], desired, {world})).results
      expect(result.crossAccount).to.equal(true)
      expect(result.notes[0]).to.include('account 210987654321')
      expect(new Set(result.denied.map(denial => denial.by))).to.deep.equal(new Set(['resource-policy']))
      expect(result.fix.resourcePolicies[0].add).to.deep.include({Principal: {AWS: other}})
    },
  )

  it('role ARNs are checked locally: users, malformed values and another partition refused, paths kept', () => {
    for (const bad of [
      `arn:aws:iam::${ACCOUNT}:user/ci`,
      'tvm',
      `arn:aws:iam::${ACCOUNT}:role/`,
      'arn:aws:iam::12345:role/x',
      `arn:aws:sts::${ACCOUNT}:assumed-role/x/y`,
    ]) {
      expect(() => parseRoleArn(bad, '--server-role', HOME), bad).to.throw(SentinelError).with.property('exitCode', 2)
    }

    expect(() => parseRoleArn(`arn:aws:iam::${ACCOUNT}:user/ci`, '--server-role', HOME)).to.throw(/IAM user, not a role/)
    expect(() => parseRoleArn(`arn:aws-cn:iam::${ACCOUNT}:role/x`, '--server-role', HOME)).to.throw(/partition aws-cn/)
    expect(parseRoleArn(`arn:aws-cn:iam::${ACCOUNT}:role/x`, '--server-role', 'cn-north-1').name).to.equal('x')
    expect(roleName(SERVER)).to.equal('tvm-execution')
  })

  it('--generate-iam with the roles adds what the check reads, as statements of their own', () => {
    const desired = tables({kms: true, replicas: ['eu-west-1']})
    const policy = buildPolicy(scope, desired, {checkedRoles: [SERVER, PROVISIONER], policyFor: 'provisioner'})
    const bySid = Object.fromEntries(policy.Statement.map(statement => [statement.Sid, statement]))
    expect(bySid.SentinelRoleCheckSimulate).to.deep.include({
      Action: ['iam:SimulatePrincipalPolicy'], Resource: [SERVER,
        PROVISIONER],
    })
    expect(bySid.SentinelRoleCheckTablePolicies.Resource).to.have.length(8)
    expect(bySid.SentinelRoleCheckKeyPolicy).to.deep.include({Action: ['kms:GetKeyPolicy'], Resource: keyIn(HOME)})
    expect(bySid.SentinelRoleCheckKeyPolicy2).to.deep.include({Resource: keyIn('eu-west-1')})
    expect(buildPolicy(scope, desired, {checkedRoles: [SERVER], policyFor: 'server'}).Statement
    .some(statement => statement.Sid.startsWith('SentinelRoleCheck'))).to.equal(false)
  })

  it('a role without the printed KMS statements (a Terraform module without KMS rights) is denied Decrypt; the fix ' +
    'is those statements, with their conditions', async () => {
    const desired = tables({kms: true, replicas: ['eu-west-1']})
    const withoutKms = printed('server', desired)
    withoutKms.Statement = withoutKms.Statement.filter(statement => !statement.Sid.includes('Kms'))
    const world: IamWorld = {roles: {[SERVER]: {policies: {terraform: withoutKms}}}}
    const keyPolicies = Object.fromEntries([HOME, 'eu-west-1'].map(region => [keyIn(region), rootKeyPolicy()]))
    const [result] = (await check([{arn: SERVER, kind: 'server'}], desired, {keyPolicies, world})).results
    expect(new Set(summary(result))).to.deep.equal(new Set([HOME, 'eu-west-1'].map(region =>
      `identity ${region} kms:Decrypt ${keyIn(region)}`)))
    const conditions = result.fix.policy?.Statement
    .map(statement => statement.Condition?.StringEquals['kms:ViaService'])
    expect(new Set(conditions)).to.deep.equal(new Set(['dynamodb.eu-west-1.amazonaws.com',
      'dynamodb.us-east-1.amazonaws.com']))
    world.roles[SERVER].policies.fix = result.fix.policy!
    const [fixed] = (await check([{arn: SERVER, kind: 'server'}], desired, {keyPolicies, world})).results
    expect(fixed.verdict, JSON.stringify(fixed.denied)).to.equal('ok')
  })

  it('an explicit Deny in one of the role\'s policies: denied by explicit-deny, naming the policy', async () => {
    const desired = tables()
    const noScans = {
      Statement: [{Action: 'dynamodb:Scan', Effect: 'Deny', Resource: '*'}], Version: '2012-10-17',
    }
    const policies = {'deny-scans': noScans, printed: printed('server', desired)}
    const world: IamWorld = {roles: {[SERVER]: {policies}}}
    const [result] = (await check([{arn: SERVER, kind: 'server'}], desired, {world})).results
    expect(result.denied.map(denial => `${denial.by} ${denial.action} ${denial.policy}`)).to.deep.equal([
      'explicit-deny dynamodb:Scan deny-scans',
    ])
    expect(result.fix.policy).to.equal(null)
    expect(result.fix.notes[0]).to.include('explicit Deny in deny-scans')
  })

  it('a key named by alias is asked by its ARN, with kms:ResourceAliases: the printed policy is ok', async () => {
    const desired = tables({kms: 'alias/sentinel'})
    const world: IamWorld = {roles: {[PROVISIONER]: {policies: {printed: printed('provisioner', desired)}}}}
    const fixture = {aliases: {'alias/sentinel': keyIn(HOME)}, keyPolicies: {[keyIn(HOME)]: rootKeyPolicy()}, world}
    const {calls, results: [result]} = await check([{arn: PROVISIONER, kind: 'provisioner'}], desired, fixture)
    expect(result.verdict, JSON.stringify(result.denied)).to.equal('ok')
    const keyCalls = calls.filter(call => call.resources.includes(keyIn(HOME)))
    expect(keyCalls.length).to.be.greaterThan(0)
    for (const call of keyCalls) expect(call.context['kms:ResourceAliases']).to.deep.equal(['alias/sentinel'])
    // Without the alias resolved, the key is not checked: unknown, never ok.
    const [unresolved] = (await check([{arn: PROVISIONER, kind: 'provisioner'}], desired, {...fixture, aliases: {}}))
    .results
    expect(unresolved.verdict).to.equal('unknown')
    expect(unresolved.unknown[0].reason).to.include('alias/sentinel could not be resolved')
  })
})
