/**
 * `npm run bench`: every performance figure with its target, in one run, on this machine.
 *   1. start-up: median wall time of --help and --generate-iam vs `node -e 0`, a bare one-command
 *      oclif 4 CLI (built here, same node_modules) and the AWS CLI;
 *   2. waiting: ACTIVE → noticed, for 2 s / 7 s / 60 s creations on dynalite, polls per second;
 *      peer: `aws dynamodb wait table-exists` on the same server;
 *   3. parallel setup: init:all --yes with 5 s creations, PITR on, vs T + 1.0 s;
 *   4. reruns: read and write calls per table on converged tables (DynamoDB Local);
 *   5. memory: peak RSS of each command;
 *   6. a silent endpoint (accepts, never answers): time to ENDPOINT_UNREACHABLE;
 *   7. global tables: init:all --yes with two replicas per table (DynamoDB Local behind the
 *      AWS-behaviour layer: tables CREATING for T, replicas for R) vs 2 × R + T + 1.5 s; how soon
 *      a replica's ACTIVE is noticed, and DescribeTable polls per second while it is awaited;
 *   8. roles: what init status --server-role / --provisioner-role adds (2 roles × 4 tables × 3
 *      regions, IAM answering at once through test/support/aws-iam.ts), and how many IAM calls;
 *   9. requests with replicas: DynamoDB requests at the wire, per region, of a converged rerun of
 *      init:all (4 tables, 2 replicas each) and of the repair of one tag changed by hand in one replica.
 *   10. suite: the whole test suite's wall time (mocha, as `npm test` runs it after build and lint).
 * Measured through the test suite's real servers and recording proxy. A benchmark, not a test.
 */
import {DescribeTableCommand, DynamoDBClient, TagResourceCommand} from '@aws-sdk/client-dynamodb'
import {execFileSync, spawn, spawnSync} from 'node:child_process'
import {
  existsSync,
  mkdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import {cpus, totalmem} from 'node:os'
import {join, resolve} from 'node:path'

import {type AwsLayer, startAwsLayer, startSilentEndpoint} from '../test/support/aws-behaviour.js'
import {startIamEndpoint} from '../test/support/aws-iam.js'
import {
  BIN, cleanEnv, removeScratch, runCli,
} from '../test/support/cli.js'
import {startProxy} from '../test/support/proxy.js'
import {
  dynamoLocal,
  startDynalite,
  startStsStub,
  stopAllServers,
  uniqueTable,
} from '../test/support/servers.js'

const RUNS = Number(process.env.BENCH_RUNS ?? 21)

/** One figure of the report: what was measured, against which target, and the peer's figure. */
interface Row {
  figure: string
  value: string
  target: string
  ok: boolean | null
  peer?: string
}
const rows: Row[] = []
const row = ({figure, ok, peer, target, value}: Row) => {
  rows.push({
    figure,
    ok,
    peer,
    target,
    value,
  })
  const mark = ok === null ? '·' : (ok ? '✔' : '✖')
  console.error(`  ${mark} ${figure}: ${value} (target ${target})${peer ? ` | peer: ${peer}` : ''}`)
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]
const hasAws = spawnSync('aws', ['--version'], {encoding: 'utf8'}).status === 0
const awsVersion = hasAws
  ? spawnSync('aws', ['--version'], {encoding: 'utf8'}).stdout.trim()
    || spawnSync('aws', ['--version'], {encoding: 'utf8'}).stderr.trim()
  : ''

function timeCommand(command: string, args: string[], env = process.env): number {
  const started = process.hrtime.bigint()
  const result = spawnSync(command, args, {env, stdio: 'ignore'})
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} exited ${result.status}`)
  return Number(process.hrtime.bigint() - started) / 1e6
}

/** Interleaved runs, so machine noise hits every command alike. */
function medians(commands: Record<string, [string, string[]]>): Record<string, number> {
  const samples: Record<string, number[]> = Object.fromEntries(Object.keys(commands).map(name => [name, []]))
  for (let run = 0; run < RUNS; run++) {
    for (const [name, [command, args]] of Object.entries(commands)) samples[name].push(timeCommand(command, args))
  }

  return Object.fromEntries(Object.entries(samples).map(([name, values]) => [name, median(values)]))
}

/**
 * A bare oclif 4 CLI (same node_modules): by default one command, the target's baseline; with
 * `commands` > 1, as many commands as sentinel has, all alike, for the figure beside it (oclif sorts a
 * plugin's commands with localeCompare, whose first call builds ICU's collator: a one-command CLI never
 * sorts, so it never pays that, and no CLI of several commands can avoid it).
 */
function buildBareOclif(folder = 'bench/.bare', commands = 1): string {
  const dir = resolve(folder)
  mkdirSync(join(dir, 'commands'), {recursive: true})
  mkdirSync(join(dir, 'bin'), {recursive: true})
  writeFileSync(join(dir, 'package.json'), JSON.stringify({
    dependencies: {'@oclif/core': '^4', '@oclif/plugin-help': '^6'},
    files: ['bin', 'commands'],
    name: 'bare',
    oclif: {bin: 'bare', commands: './commands', plugins: ['@oclif/plugin-help']},
    type: 'module',
    version: '1.0.0',
  }))
  // A real command parses its argv (oclif warns when one does not), so the baseline does too.
  const source =
    "import {Command, Flags} from '@oclif/core'\n" +
      'export default class Hello extends Command {\n' +
      "  static summary = 'Say hello.'\n" +
      "  static flags = {name: Flags.string({default: 'world'})}\n" +
      '  async run() {\n' +
      '    const {flags} = await this.parse(Hello)\n' +
      // eslint-disable-next-line no-template-curly-in-string -- the generated command's own template literal
      '    this.log(`hello ${flags.name}`)\n' +
      '  }\n' +
      '}\n'
  writeFileSync(join(dir, 'commands', 'hello.js'), source)
  for (let more = 2; more <= commands; more++) writeFileSync(join(dir, 'commands', `hello${more}.js`), source)
  writeFileSync(
    join(dir, 'bin', 'run.js'),
    "#!/usr/bin/env node\nconst {execute} = await import('@oclif/core')\nawait execute({dir: import.meta.url})\n",
  )
  // oclif resolves plugins from the CLI's own node_modules: without this link the baseline would
  // silently run without @oclif/plugin-help and be cheaper than a real one-command CLI.
  if (!existsSync(join(dir, 'node_modules'))) symlinkSync(resolve('node_modules'), join(dir, 'node_modules'))
  execFileSync(process.execPath, [resolve('node_modules/oclif/bin/run.js'), 'manifest'], {cwd: dir, stdio: 'ignore'})
  return join(dir, 'bin', 'run.js')
}

/** Async: the proxy the command talks to lives in this process and must keep answering. */
function peakRssMb(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise(done => {
    const child = spawn('/usr/bin/time', ['-f', '%M', process.execPath, BIN, ...args], {
      env,
      stdio: ['ignore', 'ignore', 'pipe'],
    })
    let stderr = ''
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString()
    })
    child.on('close', () => done(Number(stderr.trim().split('\n').at(-1)) / 1024))
  })
}

async function startup(): Promise<void> {
  console.error('1. start-up')
  const bare = buildBareOclif()
  const manifest = JSON.parse(readFileSync('oclif.manifest.json', 'utf8')) as {commands: object}
  const commandCount = Object.keys(manifest.commands).length
  const bareMany = buildBareOclif('bench/.bare-many', commandCount)
  const iam = [BIN, 'init:sessions', '--generate-iam', '--account-id', '123456789012', '--region', 'us-east-1']
  const commands: Record<string, [string, string[]]> = {
    bare: [process.execPath, [bare, '--help']],
    bareMany: [process.execPath, [bareMany, '--help']],
    bareManyRun: [process.execPath, [bareMany, 'hello', '--name', 'sentinel']],
    bareRun: [process.execPath, [bare, 'hello', '--name', 'sentinel']],
    help: [process.execPath, [BIN, '--help']],
    iam: [process.execPath, iam],
    node: [process.execPath, ['-e', '0']],
  }
  if (hasAws) commands.aws = ['aws', ['dynamodb', 'help']]
  const times = medians(commands)
  const {bare: bareHelp, bareRun, help, iam: iamRun} = commands
  const instructions = instructionCounts({
    bare: bareHelp, bareRun, help, iam: iamRun,
  })
  const peer = hasAws
    ? `AWS CLI \`aws dynamodb help\` ${(times.aws / times.node).toFixed(1)}× (${times.aws.toFixed(0)} ms)`
    : 'AWS CLI not installed (apt-get install awscli)'
  console.error(`     node -e 0 ${times.node.toFixed(1)} ms; ` +
    `bare oclif --help ${times.bare.toFixed(1)} ms (${(times.bare / times.node).toFixed(2)}×)`)
  console.error('     bare oclif running its one command ' +
    `${times.bareRun.toFixed(1)} ms (${(times.bareRun / times.node).toFixed(2)}×)`)
  console.error(`     a bare oclif CLI of ${commandCount} commands (as many as sentinel's): ` +
    `--help ${times.bareMany.toFixed(1)} ms, running one ${times.bareManyRun.toFixed(1)} ms`)
  // Like for like: help against the bare CLI's help, a command run against the bare CLI's command run.
  for (const [name, label, bareName, manyName] of [
    ['help', 'sentinel --help', 'bare', 'bareMany'],
    ['iam', 'sentinel init:sessions --generate-iam --account-id … --region us-east-1', 'bareRun', 'bareManyRun'],
  ] as const) {
    const ratio = times[name] / times.node
    const vsBare = times[name] / times[bareName]
    const within = ratio <= 2 || vsBare <= 1.1
    const bareWhat = bareName === 'bare' ? '--help' : 'command'
    row({
      figure: `start-up: ${label}`,
      ok: within,
      peer,
      target: '≤ 2.0× node, or ≤ 1.10× bare oclif when its floor is above 2.0×',
      value: `${times[name].toFixed(1)} ms = ${ratio.toFixed(2)}× node -e 0; ` +
        `${vsBare.toFixed(2)}× bare oclif ${bareWhat} (${(times[bareName] / times.node).toFixed(2)}× node); ` +
        `${(times[name] / times[manyName]).toFixed(2)}× a bare CLI of ${commandCount} commands` +
        (instructions ? `; in instructions ${(instructions[name] / instructions[bareName]).toFixed(3)}×` : ''),
    })
  }
}

/**
 * Instructions executed (valgrind's callgrind, node --single-threaded): the same count run after run
 * whatever else the machine is doing, so a ratio of these cannot be spoilt by load, as wall time can.
 * Undefined without valgrind.
 */
function instructionCounts(commands: Record<string, [string, string[]]>): Record<string, number> | undefined {
  if (spawnSync('valgrind', ['--version']).status !== 0) return undefined
  const counts: Record<string, number> = {}
  for (const [name, [command, args]] of Object.entries(commands)) {
    const run = spawnSync('valgrind', [
      '--tool=callgrind', '--callgrind-out-file=/dev/null', command, '--single-threaded', ...args,
    ], {encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe']})
    const refs = /refs:\s+([\d,]+)/.exec(run.stderr)?.[1]
    // A run that failed, or a valgrind that counts nothing, gives no figure rather than NaN.
    if (run.status !== 0 || !refs) {
      const why = run.stderr.trim().split('\n').at(-1)
      console.error(`     callgrind could not count ${name} (exit ${run.status}): ${why}`)
      return undefined
    }

    counts[name] = Number(refs.replaceAll(',', ''))
  }

  return counts
}

async function waiting(): Promise<void> {
  console.error('2. waiting (dynalite; three creation times at once)')
  const env = cleanEnv({AWS_REGION: 'us-east-1'})
  const measure = async (createMs: number) => {
    const dynalite = await startDynalite({createTableMs: createMs})
    const proxy = await startProxy(dynalite.endpoint)
    const table = uniqueTable('wait')
    const run = await runCli([
      'init:sessions',
      '--endpoint-url',
      proxy.endpoint,
      '--table',
      table,
      '--yes',
      '--no-deletion-protection',
      '--no-pitr',
      '--wait-timeout',
      '120',
    ], {env})
    if (run.code !== 0) throw new Error(run.stderr)
    const created = proxy.answers.find(answer => answer.action === 'CreateTable')!.at
    const noticed = proxy.answers.find(answer =>
      answer.action === 'DescribeTable' && answer.at > created && answer.tableStatus === 'ACTIVE')!.at
    const polls = proxy.answers
    .filter(answer => answer.action === 'DescribeTable' && answer.at > created && answer.at <= noticed)
    .map(answer => answer.at)
    // The rate between consecutive polls: (n - 1) intervals over the span they cover.
    const pollsPerSecond = (polls.length - 1) / ((polls.at(-1)! - polls[0]) / 1000)
    let peer = 'AWS CLI not installed'
    if (hasAws) {
      const peerProxy = await startProxy(dynalite.endpoint)
      const peerTable = uniqueTable('awscli')
      const awsEnv = {...env, AWS_DEFAULT_REGION: 'us-east-1', AWS_PAGER: ''}
      const aws = (...args: string[]) =>
        new Promise<void>(done => {
          spawn('aws', [...args, '--endpoint-url', peerProxy.endpoint], {env: awsEnv, stdio: 'ignore'})
          .on('close', () => done())
        })
      await aws(
        'dynamodb',
        'create-table',
        '--table-name',
        peerTable,
        '--attribute-definitions',
        'AttributeName=id,AttributeType=S',
        '--key-schema',
        'AttributeName=id,KeyType=HASH',
        '--billing-mode',
        'PAY_PER_REQUEST',
      )
      await aws('dynamodb', 'wait', 'table-exists', '--table-name', peerTable)
      const peerCreated = peerProxy.answers.find(answer => answer.action === 'CreateTable')!.at
      const peerNoticed = peerProxy.answers
      .find(answer => answer.action === 'DescribeTable' && answer.tableStatus === 'ACTIVE')?.at
      peer = peerNoticed
        ? `aws dynamodb wait table-exists noticed ${((peerNoticed - peerCreated - createMs) / 1000).toFixed(2)} s late`
        : 'aws wait did not finish'
      await peerProxy.close()
    }

    await proxy.close()
    return {lag: (noticed - created - createMs) / 1000, peer, pollsPerSecond}
  }

  const results = await Promise.all([2000, 7000, 60_000].map(async ms => [ms, await measure(ms)] as const))
  for (const [ms, result] of results) {
    row({
      figure: `waiting: ACTIVE → noticed, ${ms / 1000} s creation`,
      ok: result.lag <= 1 && result.pollsPerSecond <= 4,
      peer: result.peer,
      target: '≤ 1.0 s, ≤ 4 polls/s',
      value: `${result.lag.toFixed(2)} s, ${result.pollsPerSecond.toFixed(1)} DescribeTable/s`,
    })
  }
}

async function parallel(): Promise<void> {
  console.error('3. parallel setup (init:all, dynalite, 5 s creations, PITR on)')
  const createMs = 5000
  const dynalite = await startDynalite({createTableMs: createMs})
  // dynalite has no PITR: the AWS-behaviour layer emulates it, refusing the first
  // UpdateContinuousBackups after CreateTable as AWS does while it turns backups on.
  const aws = await startAwsLayer(dynalite.endpoint, {backupsUnavailableAfterCreate: {calls: 1}})
  const names = [
    '--session-table',
    uniqueTable('ps'),
    '--breakglass-table',
    uniqueTable('pb'),
    '--request-table',
    uniqueTable('pr'),
    '--rate-limit-table',
    uniqueTable('pl'),
  ]
  const run = await runCli(
    ['init:all', '--endpoint-url', aws.endpoint, ...names, '--yes', '--no-deletion-protection'],
    {env: cleanEnv({AWS_REGION: 'us-east-1'})},
  )
  await aws.close()
  if (run.code !== 0) throw new Error(run.stderr)
  if ([...aws.aws.pitr.values()].filter(Boolean).length !== 4) throw new Error('PITR was not enabled on every table')
  const seconds = run.ms / 1000
  row({
    figure: 'parallel: init:all --yes, T = 5 s per table, PITR on',
    ok: seconds <= (createMs / 1000) + 1,
    peer: `four aws create-table + wait in sequence: ≥ 4T = ${(4 * createMs) / 1000} s`,
    target: `≤ T + 1.0 s = ${((createMs / 1000) + 1).toFixed(1)} s`,
    value: `${seconds.toFixed(2)} s (process start to exit)`,
  })
}

async function reruns(): Promise<void> {
  console.error('4. reruns and 5. memory (DynamoDB Local)')
  const proxy = await startProxy((await dynamoLocal()).endpoint)
  const env = cleanEnv({AWS_REGION: 'us-east-1'})
  const names = [
    '--session-table',
    uniqueTable('rs'),
    '--breakglass-table',
    uniqueTable('rb'),
    '--request-table',
    uniqueTable('rr'),
    '--rate-limit-table',
    uniqueTable('rl'),
  ]
  const base = ['--endpoint-url', proxy.endpoint, ...names]
  await runCli(['init:all', ...base, '--yes'], {env})
  proxy.reset()
  await runCli(['init:all', ...base, '--yes'], {env})
  const writes = proxy.calls.filter(action => !/^(Describe|List)/.test(action)).length
  const reads = proxy.calls.length - writes
  row({
    figure: 'reruns: init:all on converged tables',
    ok: reads <= 4 * 4 && writes === 0,
    target: '≤ 4 reads per table (tags too), 0 writes',
    value: `${(reads / 4).toFixed(1)} reads per table, ${writes} writes`,
  })

  const commands: [string, string[]][] = [
    ['--help', ['--help']],
    [
      'init:sessions --generate-iam',
      ['init:sessions', '--generate-iam', '--account-id', '123456789012', '--region', 'us-east-1'],
    ],
    ['init:all --yes (rerun)', ['init:all', ...base, '--yes']],
    ['init:status', ['init:status', ...base]],
    [
      'init:sessions --plan --json',
      ['init:sessions', '--endpoint-url', proxy.endpoint, '--table', uniqueTable('m'), '--plan', '--json'],
    ],
    [
      'init:sessions --yes (create)',
      ['init:sessions', '--endpoint-url', proxy.endpoint, '--table', uniqueTable('m'), '--yes'],
    ],
  ]
  const peaks: [string, number][] = []
  for (const [name, args] of commands) peaks.push([name, await peakRssMb(args, env)])
  let worst = peaks[0]
  for (const peak of peaks) if (peak[1] > worst[1]) worst = peak
  const all = peaks.map(([name, mb]) => `${name} ${mb.toFixed(0)}`).join(', ')
  row({
    figure: 'memory: peak RSS, worst command',
    ok: worst[1] < 120,
    target: '< 120 MB',
    value: `${worst[1].toFixed(0)} MB (${worst[0]}); all: ${all}`,
  })
  await proxy.close()
}

const awsNote = hasAws ? awsVersion : 'no AWS CLI (apt-get install awscli for the peer column)'
/** An endpoint that takes the connection and never answers: how long until a clear error. */
async function silentEndpoint(): Promise<void> {
  console.error('6. a silent endpoint')
  const silent = await startSilentEndpoint()
  const args = ['init:sessions', '--endpoint-url', silent.endpoint, '--plan']
  const run = await runCli(args, {env: cleanEnv({AWS_REGION: 'us-east-1'})})
  await silent.close()
  const seconds = run.ms / 1000
  const unreachable = run.code === 7 && run.stderr.includes('ENDPOINT_UNREACHABLE')
  row({
    figure: 'silent endpoint: accepts, never answers',
    ok: unreachable && seconds <= 45,
    target: 'ENDPOINT_UNREACHABLE (exit 7) within 45 s',
    value: `exit ${run.code} after ${seconds.toFixed(1)} s`,
  })
}

/** init:all with two replicas per table: total time, and each replica's wait. */
async function globalTables(): Promise<void> {
  console.error('7. global tables (DynamoDB Local behind the AWS-behaviour layer)')
  const tableMs = 5000
  // Not a whole number of seconds: ACTIVE then falls between two polls, as it would on AWS.
  const replicaMs = 3500
  const regions = ['eu-west-1', 'us-west-2']
  const layer = await startAwsLayer((await dynamoLocal()).endpoint, {
    creating: {ms: tableMs},
    replicas: {creating: {ms: replicaMs}},
  })
  const names = ['session', 'breakglass', 'request', 'rate-limit'].map(kind => [`--${kind}-table`, uniqueTable('g')])
  const run = await runCli(
    [
      'init:all',
      '--endpoint-url',
      layer.endpoint,
      ...names.flat(),
      ...regions.flatMap(region => ['--replica-region', region]),
      '--yes',
    ],
    {env: cleanEnv({AWS_REGION: 'us-east-1'})},
  )
  if (run.code !== 0) throw new Error(run.stderr)
  const seconds = run.ms / 1000
  const nominal = (((regions.length * replicaMs) + tableMs) / 1000) + 1.5
  // T and R as the emulator delivered them, from each request to ACTIVE: DynamoDB Local takes
  // ~0.8 s to answer a CreateTable with five indexes, and the layer holds the table CREATING for T
  // from that answer. The CLI's own time is what is left over.
  const {updates} = layer.aws.replicas!
  const chains = names.map(([, table]) => {
    const request = layer.requests.find(entry => entry.action === 'CreateTable' && entry.table === table)!
    const answer = layer.answers.find(entry => entry.action === 'CreateTable' && entry.table === table)!
    const replicas = updates.filter(update => update.table === table).length
    return (answer.at + tableMs - request.at) + (replicas * replicaMs)
  })
  const delivered = Math.max(...chains) / 1000
  const span = (layer.requests.at(-1)!.at - layer.requests[0].at) / 1000
  row({
    figure: `global tables: init:all --yes, ${regions.length} replicas, T = 5 s, R = 3.5 s`,
    ok: seconds <= delivered + 1.5,
    peer: 'aws dynamodb update-table --replica-updates + wait, a table and a replica at a time: ≥ 4 × (T + 2R) = 48 s',
    target: `≤ replicas × R + T + 1.5 s: ${nominal.toFixed(1)} s nominal, ${(delivered + 1.5).toFixed(2)} s with T ` +
      'as the emulator delivered it',
    value: `${seconds.toFixed(2)} s (process start to exit; first to last request ${span.toFixed(2)} s)`,
  })

  // Each replica is ACTIVE R after its Create was answered; the first poll after that notices it.
  const lags: number[] = []
  const rates: number[] = []
  // BENCH_DEBUG=1: every request, with when it came and in which region, to see where time goes.
  if (process.env.BENCH_DEBUG) {
    const start = layer.requests[0].at
    for (const entry of layer.requests) {
      const when = ((entry.at - start) / 1000).toFixed(2)
      const what = `${entry.action} ${entry.table ?? entry.arn} ${entry.status} ${entry.error ?? ''}`
      console.error(`${when} ${entry.region} ${what}`)
    }

    console.error(updates.map(update => `${update.table} ${update.region} ${update.result} ` +
      `${((update.accepted - start) / 1000).toFixed(2)}`).join('\n'))
  }

  for (const update of updates.filter(entry => entry.result === 200)) {
    const activeAt = update.accepted + replicaMs
    const polls = layer.requests
    .filter(request => request.action === 'DescribeTable' && request.table === update.table &&
      request.region === 'us-east-1' && request.at >= update.at)
    const noticing = polls.find(request => request.at >= activeAt)
    if (!noticing) throw new Error(`No poll noticed the replica of ${update.table} in ${update.region}`)
    lags.push((noticing.at - activeAt) / 1000)
    const waiting = polls.filter(request => request.at <= noticing.at).map(request => request.at)
    if (waiting.length > 1) rates.push((waiting.length - 1) / ((waiting.at(-1)! - waiting[0]) / 1000))
  }

  const worstLag = Math.max(...lags)
  // Polls go out 1000 ms apart; their arrival at the proxy jitters by a few ms either way.
  const worstRate = Number(Math.max(...rates).toFixed(2))
  row({
    figure: `global tables: replica ACTIVE → noticed, ${lags.length} replicas`,
    ok: worstLag <= 1 && worstRate <= 1,
    target: '≤ 1.0 s, ≤ 1 DescribeTable/s per replica',
    value: `worst ${worstLag.toFixed(2)} s (median ${median(lags).toFixed(2)} s), ` +
      `at most ${worstRate.toFixed(2)} DescribeTable/s`,
  })
  await layer.close()
}

/** init status with two roles over four tables in three regions vs without: the time added, the IAM calls. */
async function roles(): Promise<void> {
  console.error('8. roles: init status --server-role --provisioner-role, 2 roles × 4 tables × 3 regions')
  const account = '123456789012'
  const layer = await startAwsLayer((await dynamoLocal()).endpoint, {
    replicas: {creating: {calls: 0}}, resourcePolicies: new Map(),
  })
  // Decisions kept once made: after the first run IAM answers at once.
  const iam = await startIamEndpoint({decisions: new Map(), roles: {}})
  const sts = await startStsStub(account)
  const env = cleanEnv({
    AWS_ENDPOINT_URL_IAM: iam.endpoint, AWS_ENDPOINT_URL_STS: sts.endpoint, AWS_REGION: 'us-east-1',
  })
  const names = ['session', 'breakglass', 'request', 'rate-limit']
  .flatMap(kind => [`--${kind}-table`, uniqueTable('ro')])
  const base = ['--endpoint-url',
    layer.endpoint,
    ...names,
    '--replica-region',
    'eu-west-1',
    '--replica-region',
    'us-west-2']
  const made = await runCli(['init:all', ...base, '--yes'], {env})
  if (made.code !== 0) throw new Error(made.stderr)
  const server = `arn:aws:iam::${account}:role/sentinel-tvm`
  const provisioner = `arn:aws:iam::${account}:role/ci-deploy`
  for (const [arn, policyFor] of [[server, 'server'], [provisioner, 'provisioner']]) {
    const printed = await runCli(['init:all',
      ...base,
      '--account-id',
      account,
      '--generate-iam',
      '--policy-for',
      policyFor], {env})
    iam.world.roles[arn] = {policies: {printed: JSON.parse(printed.stdout)}}
  }

  const withRoles = [...base, '--server-role', server, '--provisioner-role', provisioner]
  const runs = 5
  const plain: number[] = []
  const checked: number[] = []
  const calls: number[] = []
  // A first run makes IAM's decisions (kept), so that the measured runs get answers at once.
  await runCli(['init:status', ...withRoles], {env})
  for (let index = 0; index < runs; index++) {
    const without = await runCli(['init:status', ...base], {env})
    if (without.code !== 0) throw new Error(without.stderr)
    plain.push(without.ms)
    iam.calls.length = 0
    const run = await runCli(['init:status', ...withRoles], {env})
    if (run.code !== 0) throw new Error(run.stdout + run.stderr)
    checked.push(run.ms)
    calls.push(iam.calls.length)
  }

  const added = (median(checked) - median(plain)) / 1000
  row({
    figure: 'roles: init status --server-role --provisioner-role, 2 roles × 4 tables × 3 regions, IAM answering ' +
      'at once',
    ok: added < 1 && Math.max(...calls) <= 2 * 3 * 8,
    target: '< 1 s added; a bounded number of IAM calls (a few per role and region)',
    value: `+${added.toFixed(2)} s (median of ${runs}: ${(median(checked) / 1000).toFixed(2)} s vs ` +
      `${(median(plain) / 1000).toFixed(2)} s without); ${Math.max(...calls)} SimulatePrincipalPolicy calls a run`,
  })
  await iam.close()
  await layer.close()
}

/** The test suite as `npm test` runs it once built and linted: its wall time, against five minutes. */
async function suite(): Promise<void> {
  console.error('suite: every unit and end-to-end test (npm run test:files: in parallel as .mocharc.json says)')
  const started = performance.now()
  // The files in npm test's order (test/mocharc-suite.cjs: the longest first).
  const mocha = spawnSync('npm', ['run', '--silent', 'test:files', '--', '--reporter', 'dot'], {
    encoding: 'utf8', maxBuffer: 64 * 1024 * 1024,
  })
  const seconds = (performance.now() - started) / 1000
  const passing = /(\d+) passing/.exec(mocha.stdout)?.[1] ?? '0'
  const failing = /(\d+) failing/.exec(mocha.stdout)?.[1] ?? '0'
  row({
    figure: 'the test suite (mocha: unit and end to end, after build and lint)',
    ok: mocha.status === 0 && seconds <= 300,
    target: '≤ 300 s, every test passing',
    value: `${seconds.toFixed(0)} s, ${passing} passing, ${failing} failing`,
  })
}

/** Requests per region, home first: "40 (us-east-1 16, eu-west-1 12, us-west-2 12)". */
function perRegion(layer: AwsLayer, regions: string[]): {text: string; total: number} {
  const count = (region: string) => layer.requests.filter(request => request.region === region).length
  const total = layer.requests.length
  return {text: `${total} (${regions.map(region => `${region} ${count(region)}`).join(', ')})`, total}
}

/**
 * Requests at the wire with replicas: a rerun on converged tables (4 tables, home + 2 replica regions)
 * and the repair of one replica's tags (one tag changed by hand in eu-west-1). The minimum of a rerun:
 * per table DescribeTable, DescribeTimeToLive, DescribeContinuousBackups and ListTagsOfResource at
 * home, and the replica's own settings in each replica region (DescribeTable, DescribeContinuousBackups,
 * ListTagsOfResource): TTL is the global table's, one setting for every replica.
 */
async function requests(): Promise<void> {
  console.error('9. requests with replicas (DynamoDB Local behind the AWS-behaviour layer)')
  const regions = ['us-east-1', 'eu-west-1', 'us-west-2']
  const layer = await startAwsLayer((await dynamoLocal()).endpoint, {replicas: {creating: {calls: 0}}})
  const tables = ['session', 'breakglass', 'request', 'rate-limit'].map(kind => [`--${kind}-table`, uniqueTable('q')])
  const args = [
    'init:all',
    '--endpoint-url',
    layer.endpoint,
    ...tables.flat(),
    ...regions.slice(1).flatMap(region => ['--replica-region', region]),
    '--tag',
    'team=sec',
    '--yes',
  ]
  const env = cleanEnv({AWS_REGION: 'us-east-1'})
  const made = await runCli(args, {env})
  if (made.code !== 0) throw new Error(made.stderr)
  layer.requests.length = 0
  const rerun = await runCli(args, {env})
  if (rerun.code !== 0) throw new Error(rerun.stderr)
  const converged = perRegion(layer, regions)
  const rerunWrites = layer.requests.filter(request => !/^(Describe|List)/.test(request.action)).length
  row({
    figure: 'requests: init:all rerun, converged, 4 tables × (home + 2 replica regions)',
    ok: converged.total <= 40 && rerunWrites === 0,
    target: '≤ 40: 4 reads per table at home, 3 per replica region (table, PITR, tags), no write',
    value: `${converged.text}, ${rerunWrites} writes`,
  })

  // One tag changed by hand on one replica, in its region (AWS copies no tag between replicas).
  const europe = new DynamoDBClient({
    credentials: {accessKeyId: 'bench', secretAccessKey: 'bench'}, endpoint: layer.endpoint, maxAttempts: 1,
    region: 'eu-west-1',
  })
  try {
    const {Table: replica} = await europe.send(new DescribeTableCommand({TableName: tables[0][1]}))
    await europe.send(new TagResourceCommand({ResourceArn: replica!.TableArn, Tags: [{Key: 'team', Value: 'ops'}]}))
  } finally {
    europe.destroy()
  }

  layer.requests.length = 0
  const repair = await runCli(args, {env})
  if (repair.code !== 0) throw new Error(repair.stderr)
  const repaired = perRegion(layer, regions)
  const repairWrites = layer.requests.filter(request => !/^(Describe|List)/.test(request.action))
  .map(request => `${request.action} ${request.region}`)
  const table = tables[0][1]
  const there = layer.requests.filter(request => request.region === 'eu-west-1' &&
    (request.table === table || request.arn?.endsWith(`:table/${table}`))).length
  row({
    figure: 'requests: init:all repairing one replica\'s tag (eu-west-1), 4 tables × 3 regions',
    ok: repaired.total <= 46 && there <= 7 && repairWrites.join(', ') === 'TagResource eu-west-1',
    target: '≤ 46 in all, ≤ 7 for that replica in eu-west-1, the one write a TagResource there',
    value: `${repaired.text}, ${there} for that replica in eu-west-1; writes: ${repairWrites.join(', ')}`,
  })
  if (process.env.BENCH_DEBUG) {
    for (const entry of layer.requests) console.error(`${entry.region} ${entry.action} ${entry.table ?? entry.arn}`)
  }

  await layer.close()
}

console.error(`sentinel benchmark — node ${process.version}, ${cpus().length} cores, ` +
  `${(totalmem() / (2 ** 30)).toFixed(0)} GiB; ${awsNote}`)
// BENCH_ONLY=parallel (or startup, waiting, reruns, silent, global-tables, roles, requests, suite;
// comma-separated) runs only those sections.
const only = process.env.BENCH_ONLY?.split(',')
const sections: [string, () => Promise<void>][] = [
  ['startup', startup],
  ['waiting', waiting],
  ['parallel', parallel],
  ['reruns', reruns],
  ['silent', silentEndpoint],
  ['global-tables', globalTables],
  ['roles', roles],
  ['requests', requests],
  ['suite', suite],
]
try {
  for (const [name, section] of sections) if (!only || only.includes(name)) await section()
} finally {
  await stopAllServers()
  // Every HOME the runs made lives in one scratch folder: removed, as the test suite removes it.
  removeScratch()
}

console.log('\n| figure | measured | target | within | peer |\n|---|---|---|---|---|')
for (const entry of rows) {
  const within = entry.ok === null ? '' : (entry.ok ? 'yes' : 'NO')
  console.log(`| ${entry.figure} | ${entry.value} | ${entry.target} | ${within} | ${entry.peer ?? ''} |`)
}

// eslint-disable-next-line n/no-process-exit, unicorn/no-process-exit -- a script; its exit code is the verdict
process.exit(rows.every(entry => entry.ok !== false) ? 0 : 1)
