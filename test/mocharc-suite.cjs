// `npm test`'s mocha run: .mocharc.json with every test file, the longest end-to-end files first
// (parallel mocha starts files in the order given, so the longest must not start last), then the
// other end-to-end files and the unit tests. `npx mocha FILE` still runs FILE alone.
/* global module, require */
// eslint-disable-next-line @typescript-eslint/no-require-imports -- mocha loads its config as CommonJS
const base = require('../.mocharc.json')

const LONGEST_FIRST = [
  'roles',
  'global-tables',
  'iac-adopt',
  'table-edges',
  'iac-tools',
  'real-aws',
  'iam-and-errors',
  'verdict',
  'install',
  'faults',
  'global-tables-edges',
  'readme-walk',
  'lifecycle',
  'runtime-tables',
  'faults-reconcile',
  'local-folder',
]

module.exports = {
  ...base,
  spec: [
    ...LONGEST_FIRST.map(name => `test/e2e/${name}.test.ts`),
    `test/e2e/!(${LONGEST_FIRST.join('|')}).test.ts`,
    'test/unit/**/*.test.ts',
  ],
}
