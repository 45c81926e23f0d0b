/**
 * The CLI at a real terminal (tmux): the prompt is seen before it waits, even with stderr sent to
 * a file; --json never asks; no and yes do what they say. These are what a fake TTY cannot show.
 */
import {expect} from 'chai'
import {readFileSync} from 'node:fs'
import {join} from 'node:path'

import {cleanEnv, scratchDir} from '../support/cli.js'
import {
  emulatePitrAndTags, type RecordingProxy, startProxy, WRITE_ACTIONS,
} from '../support/proxy.js'
import {dynamoLocal, uniqueTable} from '../support/servers.js'
import {startInTerminal, type TerminalSession} from '../support/tmux.js'

const env = () => cleanEnv({AWS_REGION: 'us-east-1', TERM: 'xterm'})

describe('at a real terminal (tmux)', () => {
  let proxy: RecordingProxy
  let terminal: TerminalSession | undefined

  before(async () => {
    proxy = await startProxy((await dynamoLocal()).endpoint)
  })

  beforeEach(() => {
    proxy.reset()
    emulatePitrAndTags(proxy)
  })

  afterEach(() => terminal?.close())

  after(() => proxy.close())

  it('with stderr sent to a file, the prompt still shows on the terminal; "y" applies', async () => {
    const table = uniqueTable('tty')
    const log = join(scratchDir(), `${table}.log`)
    terminal = startInTerminal(
      ['init:ratelimit', '--endpoint-url', proxy.endpoint, '--table', table],
      env(),
      `2>${log}`,
    )
    const asked = await terminal.waitFor(/\(y\/N\)/)
    expect(asked).to.contain(`Apply 3 changes to ${table}`)
    // The plan is on the screen above the question, so the answer is not blind.
    expect(asked).to.contain(`Create table ${table}`)
    expect(proxy.calls.filter(action => WRITE_ACTIONS.has(action))).to.deep.equal([])
    terminal.type('y')
    const done = await terminal.waitFor(/EXIT=\d+/)
    expect(done).to.contain('EXIT=0').and.contain(`✔ ${table}: created`)
    expect(readFileSync(log, 'utf8')).not.to.contain('(y/N)')
  })

  it('"n" changes nothing, says so once, and exits 9', async () => {
    const table = uniqueTable('ttyno')
    terminal = startInTerminal(['init:ratelimit', '--endpoint-url', proxy.endpoint, '--table', table], env())
    await terminal.waitFor(/\(y\/N\)/)
    terminal.type('n')
    const done = await terminal.waitFor(/EXIT=\d+/)
    expect(done).to.contain('EXIT=9')
    expect(done.match(/nothing was changed/gi)).to.have.length(1)
    expect(proxy.calls.filter(action => WRITE_ACTIONS.has(action))).to.deep.equal([])
  })

  it('under --json, nothing is asked: NON_INTERACTIVE at once, with the plan in the JSON', async () => {
    const table = uniqueTable('ttyjson')
    const out = join(scratchDir(), `${table}.json`)
    terminal = startInTerminal(
      ['init:ratelimit', '--endpoint-url', proxy.endpoint, '--table', table, '--json'],
      env(),
      `>${out}`,
    )
    const done = await terminal.waitFor(/EXIT=\d+/)
    expect(done).to.contain('EXIT=2').and.not.contain('(y/N)')
    const doc = JSON.parse(readFileSync(out, 'utf8'))
    expect(doc.error.code).to.equal('NON_INTERACTIVE')
    expect(doc.error.suggestion).to.contain('--yes')
    expect(doc.result.tables[0].actions.map((action: {type: string}) => action.type)).to.include('create-table')
    expect(proxy.calls.filter(action => WRITE_ACTIONS.has(action))).to.deep.equal([])
  })

  it('progress on a terminal is a spinner on stderr; stdout keeps only the plan and the outcome', async () => {
    const table = uniqueTable('ttyspin')
    const out = join(scratchDir(), `${table}.out`)
    terminal = startInTerminal(
      ['init:ratelimit', '--endpoint-url', proxy.endpoint, '--table', table, '--yes'],
      env(),
      `>${out}`,
    )
    await terminal.waitFor(/EXIT=0/)
    const stdout = readFileSync(out, 'utf8')
    expect(stdout).to.contain(`✔ ${table}: created`)
    expect(stdout).not.to.match(/Reading|Creating table|Waiting for/)
  })
})
