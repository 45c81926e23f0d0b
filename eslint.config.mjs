// ESLint with oclif's shared config (the convention of oclif CLIs), run by `npm test` and CI.
import oclif from 'eslint-config-oclif'

export default [
  {
    // src/aws/sdk-partitions.ts is generated at build time from the installed AWS SDK.
    ignores: [
      'dist/', 'bench/.bare*/', 'bench/results/', 'node_modules/', 'oclif.manifest.json', 'src/aws/sdk-partitions.ts',
    ],
  },
  ...oclif,
  {
    rules: {
      // indent-binary-ops and operator-linebreak fight each other on wrapped expressions (and --fix
      // then indents with tabs).
      '@stylistic/indent-binary-ops': 'off',
      '@stylistic/max-len': ['error', {
        code: 120,
        ignoreRegExpLiterals: true,
        ignoreStrings: false,
        ignoreTemplateLiterals: false,
        ignoreUrls: true,
      }],
      '@stylistic/operator-linebreak': 'off',
      // Polls, retries and page reads are sequential on purpose.
      'no-await-in-loop': 'off',
      // Members are ordered for reading (a template method's run() first), not alphabetically.
      'perfectionist/sort-classes': 'off',
      'perfectionist/sort-interfaces': 'off',
      'perfectionist/sort-object-types': 'off',
      // Its fix drops `undefined` where a type needs it said.
      'unicorn/no-useless-undefined': 'off',
      // Its fix writes switch statements in a style the other rules then reject.
      'unicorn/prefer-switch': 'off',
    },
  },
  {
    // Each layer depends only downward: commands, hooks → shared → report → iam, export →
    // provisioning → tables → aws → errors.ts, redact.ts. IAM and the exports read the table settings
    // (src/provisioning/settings: each setting's calls and what it carries), so they sit above it.
    files: ['src/**/*.ts'],
    rules: {
      'import/no-restricted-paths': ['error', {
        zones: [
          {from: ['src/commands', 'src/hooks'], target: 'src/!(commands|hooks)/**'},
          {from: 'src/shared', target: 'src/!(commands|hooks|shared)/**'},
          {from: 'src/report', target: 'src/!(commands|hooks|shared|report)/**'},
          {from: ['src/iam', 'src/export'], target: 'src/provisioning/**'},
          {from: ['src/provisioning', 'src/iam', 'src/export'], target: ['src/tables', 'src/aws']},
          {from: 'src/tables', target: 'src/aws'},
          {from: 'src/!(errors.ts|redact.ts)', target: ['src/errors.ts', 'src/redact.ts']},
        ],
      }],
    },
  },
  {
    // The rules that read every imported module for its exports (import-js/eslint-plugin-import#2340:
    // half the linter's time) check what the compiler checks in src during the build, and what a
    // test fails to load on when npm test runs it; typescript-eslint advises them off for
    // TypeScript. The scripts and the benchmark, which npm test does not load, keep them.
    files: ['src/**/*.ts', 'test/**/*.ts'],
    rules: {
      'import/default': 'off',
      'import/named': 'off',
      'import/namespace': 'off',
      'import/no-named-as-default': 'off',
      'import/no-named-as-default-member': 'off',
    },
  },
  {
    // The interrupt handler and the not-found hook leave at once, by design.
    files: ['src/shared/sentinel-command.ts', 'src/hooks/*.ts', 'bin/*.js'],
    rules: {'n/no-process-exit': 'off', 'unicorn/no-process-exit': 'off'},
  },
  {
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      'mocha/max-top-level-suites': 'off',
      // A forgotten .only or .skip would silently run part of the suite (mocha's forbidOnly stops .only too).
      'mocha/no-exclusive-tests': 'error',
      'mocha/no-skipped-tests': 'error',
      'no-unused-expressions': 'off',
    },
  },
  {
    // These fixtures spell Terraform and DynamoDB names (snake_case) exactly as those tools do.
    files: [
      'test/e2e/lifecycle.test.ts',
      'test/support/iac.ts',
      'test/unit/export-hcl.test.ts',
      'test/unit/export.test.ts',
      'test/unit/plan.test.ts',
    ],
    rules: {camelcase: ['error', {properties: 'never'}]},
  },
  {
    // Terraform interpolations (${…}) are literal text in these fixtures and expectations.
    files: ['test/unit/export-hcl.test.ts', 'test/unit/export.test.ts'],
    rules: {'no-template-curly-in-string': 'off'},
  },
]
