/**
 * What a new user saw in a walk-through, through the real CLI: at a real terminal (tmux) the
 * prompt's "(y/N)" stays on the question's line when stderr is redirected, the target is shown above
 * the question when stdout goes to a file, and init all's spinner names every table in flight; the
 * account warning of --generate-iam and an interrupt under --local say what is true.
 */
import {expect} from 'chai'
import {mkdtempSync, readFileSync} from 'node:fs'
import {join} from 'node:path'

import {type AwsLayer, startAwsLayer} from '../support/aws-behaviour.js'
import {cleanEnv, runCli, scratchDir} from '../support/cli.js'
import {dynamoLocal, uniqueTable} from '../support/servers.js'
import {startInTerminal, type TerminalSession} from '../support/tmux.js'

const env = () => cleanEnv({AWS_REGION: 'us-east-1', TERM: 'xterm'})

describe('the walk-through\'s wording (end to end)', () => {
  let layer: AwsLayer
  let terminal: TerminalSession | undefined

  before(async () => {
    // Tables stay CREATING for 3 s, as in AWS, so that init all has every table in flight at once.
    layer = await startAwsLayer((await dynamoLocal()).endpoint, {creating: {ms: 3000}})
  })

  afterEach(() => terminal?.close())

  after(() => layer.close())

  it('with stderr sent to a file, "(y/N)" ends the question\'s line, however long the question', async () => {
    const table = uniqueTable('wrap')
    const log = join(scratchDir(), `${table}.log`)
    const args = ['init', 'ratelimit', '--endpoint-url', layer.endpoint, '--table', table]
    terminal = startInTerminal(args, env(), `2>${log}`)
    const screen = await terminal.waitFor(/\(y\/N\)/)
    const question = screen.split('\n').find(line => line.includes('Apply 3 changes'))
    // Longer than the 80 columns a prompt assumes when it cannot tell the terminal's width.
    expect(question).to.have.length.above(80)
    expect(question).to.match(/\? \(y\/N\)\s*$/)
    terminal.type('n')
    expect(await terminal.waitFor(/EXIT=\d+/)).to.contain('EXIT=9')
  })

  it('with stdout sent to a file, the target and the plan are shown above the question', async () => {
    const table = uniqueTable('target')
    const out = join(scratchDir(), `${table}.out`)
    const args = ['init', 'ratelimit', '--endpoint-url', layer.endpoint, '--table', table]
    terminal = startInTerminal(args, env(), `>${out}`)
    const screen = await terminal.waitFor(/\(y\/N\)/)
    expect(screen).to.match(/^Target: account unknown \(STS is not called for an emulator endpoint\), region us-east-1, endpoint http/m)
    expect(screen).to.contain(`Create table ${table}`)
    expect(screen.indexOf('Target: ')).to.be.below(screen.indexOf('Apply 3 changes'))
    terminal.type('n')
    expect(await terminal.waitFor(/EXIT=\d+/)).to.contain('EXIT=9')
    expect(readFileSync(out, 'utf8')).to.contain('Target: account unknown')
  })

  it('init all\'s spinner names every table in flight, not only the latest', async () => {
    const names = [uniqueTable('spin-s'), uniqueTable('spin-b'), uniqueTable('spin-r'), uniqueTable('spin-l')]
    const out = join(scratchDir(), `${names[0]}.out`)
    terminal = startInTerminal([
      'init',
      'all',
      '--endpoint-url',
      layer.endpoint,
      '--yes',
      '--session-table',
      names[0],
      '--breakglass-table',
      names[1],
      '--request-table',
      names[2],
      '--rate-limit-table',
      names[3],
    ], env(), `>${out}`)
    // At some moment the one spinner line shows the waits of at least two tables side by side.
    const inFlight = (screen: string) => names.filter(name => new RegExp(`Waiting for ${name}\\b`).test(screen))
    let most = 0
    const deadline = Date.now() + 30_000
    while (Date.now() < deadline && !/EXIT=\d+/.test(terminal.screen())) {
      most = Math.max(most, inFlight(terminal.screen()).length)

      await new Promise(resolve => {
        setTimeout(resolve, 50)
      })
    }

    expect(await terminal.waitFor(/EXIT=\d+/)).to.contain('EXIT=0')
    expect(most, 'tables named at once by the spinner').to.be.at.least(2)
  })

  it('--generate-iam without credentials warns plainly that the account is unknown', async () => {
    const run = await runCli(
      ['init', 'sessions', '--generate-iam', '--region', 'us-east-1'],
      {env: cleanEnv({AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined})},
    )
    expect(run.code, run.stderr).to.equal(0)
    expect(run.stderr.trim()).to.equal('Warning: could not determine the AWS account (no AWS credentials were ' +
      'found, so nothing was sent to AWS); the policy uses "*" for it. Pass --account-id to name it.')
  })

  it('an interrupt under --local says nothing was sent to AWS and where the data stays', async () => {
    const dir = mkdtempSync(join(scratchDir(), 'local-int-'))
    let signalled = false
    const run = await runCli(['init', 'ratelimit', '--local', '--local-dir', dir, '--yes'], {
      env: cleanEnv(),
      onStderr(stderr, child) {
        if (!signalled && stderr.includes('DynamoDB Local on')) {
          signalled = true
          child.kill('SIGINT')
        }
      },
    })
    expect(signalled).to.equal(true)
    expect(run.code).to.equal(130)
    const line = run.stderr.trim().split('\n').at(-1)
    expect(line).to.equal('Error (INTERRUPTED): Interrupted by SIGINT. Nothing was sent to AWS; DynamoDB Local stops ' +
      `with this run, its data stays in ${dir}. Rerun the same command to continue; ` +
      'it picks up where this run stopped.')
  })
})
