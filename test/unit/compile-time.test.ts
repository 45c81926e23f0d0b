/**
 * What the compiler refuses, checked with the TypeScript compiler on a command written as a
 * mistake: a table command that does not name its tables does not build (it used to build and
 * fail at run time as UNEXPECTED).
 */
import {expect} from 'chai'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'
import ts from 'typescript'

const HERE = dirname(fileURLToPath(import.meta.url))
const ROOT = join(HERE, '..', '..')

/** The compiler's errors for each source, type-checked as files of src/commands under the project's options. */
function compileErrors(sources: Record<string, string>): Record<string, string[]> {
  const config = ts.getParsedCommandLineOfConfigFile(join(ROOT, 'tsconfig.json'), {noEmit: true}, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic(diagnostic) {
      throw new Error(ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'))
    },
  })
  if (!config) throw new Error('tsconfig.json could not be read')
  const pathOf = (name: string) => join(ROOT, 'src', 'commands', 'init', `${name}.ts`)
  const files = new Map(Object.entries(sources).map(([name, source]) => [pathOf(name), source]))
  const host = ts.createCompilerHost(config.options)
  const readFile = host.readFile.bind(host)
  const getSourceFile = host.getSourceFile.bind(host)
  host.fileExists = path => files.has(path) || ts.sys.fileExists(path)
  host.readFile = path => files.get(path) ?? readFile(path)
  host.getSourceFile = (path, language, ...rest) => {
    const source = files.get(path)
    return source === undefined ? getSourceFile(path, language, ...rest) : ts.createSourceFile(path, source, language)
  }

  const program = ts.createProgram([...files.keys()], config.options, host)
  return Object.fromEntries(Object.keys(sources).map(name => [name,
    ts.getPreEmitDiagnostics(program, program.getSourceFile(pathOf(name)))
    .map(diagnostic => `TS${diagnostic.code}: ${ts.flattenDiagnosticMessageText(diagnostic.messageText, ' ')}`)]))
}

/** A table command with `body` as its class body. */
function tableCommand(body: string): string {
  return [
    "import {ProvisionTableCommand} from '../../shared/provision-table-command.js'",
    "import {SESSIONS_TABLE} from '../../tables/definitions.js'",
    'export default class Mistake extends ProvisionTableCommand {',
    body,
    '}',
    '',
  ].join('\n')
}

describe('what does not compile (issue 24)', function () {
  // The compiler reads the project's sources and their types (the AWS SDK's among them).
  this.timeout(60_000)

  it('a table command that does not name its tables', () => {
    const errors = compileErrors({
      forgotten: tableCommand(''),
      named: tableCommand('  protected readonly tables = [SESSIONS_TABLE]'),
    })
    expect(errors.named).to.deep.equal([])
    expect(errors.forgotten).to.have.length(1)
    expect(errors.forgotten[0])
    .to.match(/^TS2515: Non-abstract class 'Mistake' does not implement inherited abstract member tables /)
  })
})
