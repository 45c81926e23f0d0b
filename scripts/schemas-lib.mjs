// The published JSON Schemas of the --json documents (schemas/*.json), generated from their
// TypeScript types in src/shared/json-document.ts with ts-json-schema-generator, so that the schemas
// say exactly what the types say. `npm run schemas` writes them; test/unit/json-schema.test.ts fails
// when the committed ones differ from what the types give.
import {readFileSync, writeFileSync} from 'node:fs'
import {createRequire} from 'node:module'
import {fileURLToPath} from 'node:url'

const require = createRequire(import.meta.url)
const ROOT = fileURLToPath(new URL('..', import.meta.url))

/** Each published schema: its file in schemas/ and the type it describes. */
export const SCHEMAS = {
  'commands.json': 'CommandListDocument',
  'error.json': 'InitErrorDocument',
  'result.json': 'InitResultDocument',
  'version.json': 'VersionDocument',
}

/** The schemas as the types give them, by file name, each as the text written to its file. */
export function generateSchemas() {
  const {createGenerator} = require('ts-json-schema-generator')
  const generator = createGenerator({
    // The types' comments are written for maintainers; the README says what each field means.
    jsDoc: 'none',
    path: `${ROOT}src/shared/json-document.ts`,
    // tsc checks the types in the build and the lint; generating needs only their shapes.
    skipTypeCheck: true,
    sortProps: true,
    tsconfig: `${ROOT}tsconfig.json`,
  })
  return Object.fromEntries(Object.entries(SCHEMAS).map(([file, type]) =>
    [file, `${JSON.stringify(generator.createSchema(type), null, 2)}\n`]))
}

/** The committed schemas, by file name (undefined for one missing). */
export function committedSchemas() {
  return Object.fromEntries(Object.keys(SCHEMAS).map(file => {
    try {
      return [file, readFileSync(`${ROOT}schemas/${file}`, 'utf8')]
    } catch {
      return [file, undefined]
    }
  }))
}

export function writeSchemas() {
  for (const [file, text] of Object.entries(generateSchemas())) writeFileSync(`${ROOT}schemas/${file}`, text)
}
