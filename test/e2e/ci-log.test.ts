/**
 * Without a terminal (a CI log), progress is a line per step per table, never a line per poll,
 * and what an endpoint lacks is said once for the run, not once per table.
 */
import {expect} from 'chai'

import {cleanEnv, runCli} from '../support/cli.js'
import {startDynalite, uniqueTable} from '../support/servers.js'

describe('a CI log (no terminal)', () => {
  it('init:all, 3 s creations: each table\'s steps once, no poll lines, the endpoint\'s gaps said once', async () => {
    const dynalite = await startDynalite({createTableMs: 3000})
    const tables = [uniqueTable('cs'), uniqueTable('cb'), uniqueTable('cr'), uniqueTable('cl')]
    const flags = ['--session-table', '--breakglass-table', '--request-table', '--rate-limit-table']
    const names = flags.flatMap((flag, index) => [flag, tables[index]])
    const args = ['init:all', '--endpoint-url', dynalite.endpoint, ...names, '--yes']
    args.push('--no-deletion-protection', '--no-pitr')
    const run = await runCli(args, {env: cleanEnv({AWS_REGION: 'us-east-1'})})
    expect(run.code, run.stderr).to.equal(0)
    const lines = run.stderr.trim().split('\n')
    for (const table of tables) {
      const own = lines.filter(line => line.includes(table))
      expect(own.filter(line => line.startsWith(`Creating table ${table}`)), table).to.have.length(1)
      // One line when the wait starts; a heartbeat comes only every 30 s.
      expect(own.filter(line => line.startsWith(`Waiting for ${table}`)), table).to.have.length(1)
    }

    // Reading, then per table: creating, waiting (and TTL where the endpoint has it).
    expect(lines.length).to.be.at.most(1 + (4 * 3))
    const gaps = run.stdout.split('\n').filter(line => line.startsWith('Not checked, because the endpoint'))
    expect(gaps).to.have.length(1)
  })
})
