// `npm test` after the build: the linter and every test file at once. The test files spend most of
// their time waiting on servers and child processes, so the linter's CPU fits beside them instead
// of adding its half minute before them. The linter's report is printed after mocha's; either
// failing fails the run.
import {spawn} from 'node:child_process'

/** Runs an npm script; its output goes to the terminal, or is kept when `keep` is set. */
function npmRun(script, keep = false) {
  return new Promise(resolve => {
    const child = spawn('npm', ['run', '--silent', script], {stdio: keep ? ['ignore', 'pipe', 'pipe'] : 'inherit'})
    let output = ''
    if (keep) {
      for (const stream of [child.stdout, child.stderr]) {
        stream.on('data', chunk => {
          output += chunk
        })
      }
    }

    child.on('close', code => resolve({code: code ?? 1, output}))
  })
}

const [lint, mocha] = await Promise.all([npmRun('lint', true), npmRun('test:files')])
if (lint.code !== 0 || lint.output.trim() !== '') {
  process.stdout.write(`\nnpm run lint (exit ${lint.code}):\n${lint.output}`)
}

process.exitCode = mocha.code || lint.code
