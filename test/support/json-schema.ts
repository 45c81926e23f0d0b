/**
 * The published JSON Schemas (schemas/*.json) as the tests check them: every --json document a
 * test reads through parseJson (the real CLI, cli.ts) or onlyJson (in-process, command-runner.ts) is
 * validated with ajv against the schema of its kind (ok: false, the error document; else the
 * result document), so a field added, dropped or retyped without the schema fails the test.
 */
import {Ajv, type ValidateFunction} from 'ajv'
import {readFileSync} from 'node:fs'
import {fileURLToPath} from 'node:url'

const SCHEMAS = fileURLToPath(new URL('../../schemas/', import.meta.url))

let validators: undefined | {error: ValidateFunction; result: ValidateFunction}

function compiled() {
  if (!validators) {
    // strict: a schema keyword ajv does not know is an error, not ignored.
    const ajv = new Ajv({allErrors: true, strict: true})
    const load = (file: string) => ajv.compile(JSON.parse(readFileSync(`${SCHEMAS}${file}`, 'utf8')))
    validators = {error: load('error.json'), result: load('result.json')}
  }

  return validators
}

/** Which schema a document is checked against: its `ok` says which kind it claims to be. */
export function schemaOf(document: unknown): 'error' | 'result' {
  return (document as null | {ok?: unknown})?.ok === false ? 'error' : 'result'
}

/** The schema's complaints about a document (empty when it conforms). */
export function schemaErrors(document: unknown): string[] {
  const kind = schemaOf(document)
  const validate = compiled()[kind]
  if (validate(document)) return []
  return (validate.errors ?? []).map(error =>
    `${kind}.json: ${error.instancePath || '/'} ${error.message} ${JSON.stringify(error.params)}`)
}

const rootValidators = new Map<string, ValidateFunction>()

/**
 * The CLI's own documents, which no command prints: `sentinel --json` (commands.json) and
 * `sentinel --version --json` (version.json). Throws, listing what the schema says, unless it conforms.
 */
export function assertConformsTo(document: unknown, file: 'commands.json' | 'version.json'): void {
  if (!rootValidators.has(file)) {
    const ajv = new Ajv({allErrors: true, strict: true})
    rootValidators.set(file, ajv.compile(JSON.parse(readFileSync(`${SCHEMAS}${file}`, 'utf8'))))
  }

  const validate = rootValidators.get(file)!
  if (!validate(document)) {
    throw new Error(`The document does not conform to schemas/${file}: ${JSON.stringify(validate.errors)}`)
  }
}

/** Throws, listing what the schema says, unless the document conforms to the schema of its kind. */
export function assertConforms(document: unknown): void {
  const errors = schemaErrors(document)
  if (errors.length > 0) {
    throw new Error(`The --json document does not conform to its published schema:\n  ${errors.join('\n  ')}\n` +
      `${JSON.stringify(document, null, 2).slice(0, 4000)}`)
  }
}
