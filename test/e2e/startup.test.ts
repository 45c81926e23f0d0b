/**
 * Start-up loads only what the path run uses (README "Performance"): `--help` loads no part of
 * `@oclif/core`'s index (main.ts takes oclif's subpath entries), and a run that never starts DynamoDB
 * Local (--generate-iam) loads no HTTP server or client of Node's (the launcher imports them when it
 * starts). What is loaded, not how long it took: no figure here depends on the machine's load.
 */
import {expect} from 'chai'
import {readFileSync} from 'node:fs'
import {join, resolve} from 'node:path'

import {cleanEnv, runCli, scratchDir} from '../support/cli.js'

async function loadedBy(args: string[]): Promise<{builtins: string[]; commonJs: string[]}> {
  const file = join(scratchDir(), `loaded-${process.pid}-${Date.now()}.json`)
  const preload = resolve('test/support/loaded-modules.mjs')
  const run = await runCli(args, {env: cleanEnv({LOADED_MODULES_FILE: file, NODE_OPTIONS: `--import=${preload}`})})
  expect(run.code, run.stderr).to.equal(0)
  return JSON.parse(readFileSync(file, 'utf8'))
}

describe('start-up loads only what the path uses (end to end)', () => {
  it('--help loads none of @oclif/core\'s index (its parser, flags and semver check)', async () => {
    const {commonJs} = await loadedBy(['--help'])
    const oclif = commonJs.filter(path => path.includes(`${join('@oclif', 'core', 'lib')}`))
    expect(oclif.length, 'oclif was loaded at all').to.be.above(10)
    expect(oclif.filter(path => path.endsWith(join('@oclif', 'core', 'lib', 'index.js')))).to.deep.equal([])
    expect(commonJs.filter(path => path.includes(`${join('node_modules', 'semver')}`))).to.deep.equal([])
  })

  it('--generate-iam loads no node:http (DynamoDB Local\'s launcher imports it when it starts), ' +
    'and no semver (oclif\'s check of its own engines)', async () => {
    const {builtins, commonJs} = await loadedBy([
      'init', 'sessions', '--generate-iam', '--account-id', '123456789012', '--region', 'us-east-1',
    ])
    expect(builtins, 'the list of built-ins was read').to.include('fs')
    expect(builtins.filter(name => /^_?http/.test(name))).to.deep.equal([])
    expect(commonJs.filter(path => path.includes(`${join('@oclif', 'core', 'lib', 'index.js')}`))).to.have.length(1)
    expect(commonJs.filter(path => path.includes(`${join('node_modules', 'semver')}`))).to.deep.equal([])
  })
})
