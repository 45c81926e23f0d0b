/**
 * The shapes an oclif user expects, checked in-process: the help's USAGE line with the flag
 * relations whole, command lines spelt with the running CLI's topic separator, and the
 * CloudFormation template's sections and keys in the order AWS documents them.
 */
import {Flags} from '@oclif/core'
import {expect} from 'chai'
import {parseDocument} from 'yaml'

import {renderExport} from '../../src/export/index.js'
import {commandLine, commandWords, type RunContext} from '../../src/report/next-steps.js'
import {usageLine} from '../../src/shared/usage.js'
import {ALL_TABLES} from '../../src/tables/definitions.js'
import {desiredTables} from '../../src/tables/desired.js'

describe('oclif shapes', () => {
  it('USAGE: a dependent flag sits inside the flag it needs; exclusive flags are alternatives', () => {
    const flags = {
      a: Flags.boolean({exclusive: ['b', 'c']}),
      b: Flags.string({exclusive: ['a', 'c'], options: ['x', 'y']}),
      c: Flags.boolean({exclusive: ['a', 'b']}),
      'needs-a': Flags.string({dependsOn: ['a']}),
      'needs-b': Flags.boolean({dependsOn: ['b']}),
      plain: Flags.string({multiple: true}),
      switch: Flags.boolean({allowNo: true}),
      yes: Flags.boolean({char: 'y'}),
    }
    const named = Object.fromEntries(Object.entries(flags).map(([name, flag]) => [name, {...flag, name}]))
    expect(usageLine(named)).to.equal('<%= command.id %> [--a [--needs-a <value>] | --b x|y [--needs-b] | --c] ' +
      '[--plain <value>...] [--[no-]switch] [-y]')
  })

  it('USAGE: exclusion is not transitive: a flag that excludes only one alternative stands alone', () => {
    const flags = {
      'account-id': Flags.string({exclusive: ['export']}),
      export: Flags.string({exclusive: ['plan', 'account-id']}),
      plan: Flags.boolean({exclusive: ['export']}),
    }
    const named = Object.fromEntries(Object.entries(flags).map(([name, flag]) => [name, {...flag, name}]))
    // Not `[--account-id <value> | --export <value> | --plan]`: --account-id goes with --plan.
    expect(usageLine(named)).to.equal('<%= command.id %> [--account-id <value>] [--export <value> | --plan]')
  })

  it('command lines use the running CLI\'s separator: two words with a space, one with a colon', () => {
    expect(commandWords('init:all', ' ')).to.deep.equal(['init', 'all'])
    expect(commandWords('init:all', ':')).to.deep.equal(['init:all'])
    const context: RunContext = {
      bin: 'platform', command: 'init:status', contextFlags: ['--region', 'eu-west-1'], multiTable: true, tables: [],
    }
    expect(commandLine({...context, topicSeparator: ' '}, 'init:all', ['--plan']))
    .to.equal('platform init all --region eu-west-1 --plan')
    expect(commandLine(context, 'init:all', ['--plan'])).to.equal('platform init:all --region eu-west-1 --plan')
  })

  it('CloudFormation: sections in the documented order, Type first in each resource and parameter', () => {
    const choices = ALL_TABLES.map(definition => ({
      definition, source: 'default', tableName: definition.defaultTableName,
    }))
    const template = renderExport('cloudformation', desiredTables(choices, {
      deletionProtection: true, pitr: true,
    }, 'us-east-1'))
    const document = parseDocument(template, {version: '1.1'}).toJS({})
    expect(Object.keys(document)).to.deep.equal([
      'AWSTemplateFormatVersion', 'Description', 'Parameters', 'Resources', 'Outputs',
    ])
    for (const [id, resource] of Object.entries<Record<string, unknown>>(document.Resources)) {
      expect(Object.keys(resource)[0], id).to.equal('Type')
      expect(Object.keys(resource).at(-1), id).to.equal('Properties')
    }

    for (const [id, parameter] of Object.entries<Record<string, unknown>>(document.Parameters)) {
      expect(Object.keys(parameter)[0], id).to.equal('Type')
    }

    for (const [id, output] of Object.entries<Record<string, unknown>>(document.Outputs)) {
      expect(Object.keys(output), id).to.deep.equal(['Description', 'Value', 'Export'])
    }

    // Indexed tables are chained (CloudFormation fails the stack on DynamoDB's limit); the rate
    // limiter, without indexes, is not held back.
    expect(document.Resources.BreakGlassTable.DependsOn).to.equal('SessionTable')
    expect(document.Resources.ApprovalTable.DependsOn).to.equal('BreakGlassTable')
    expect(document.Resources.RateLimitTable).not.to.have.property('DependsOn')
    expect(document.Resources.SessionTable).not.to.have.property('DependsOn')
  })
})
