/**
 * The package as npm packs it, without touching the checkout. `npm pack` in the checkout runs
 * prepack, which rebuilds dist/ and rewrites package.json, while other test files (mocha runs files
 * in parallel) run the CLI from them. So the files package.json's `files` names are copied to a
 * folder of their own, the project's own prepack step strips the manifest there
 * (scripts/pack-manifest.mjs strip, as prepack runs it), and npm packs that folder running nothing.
 * dist/ is the one `npm test` has just built.
 */
import {execFile} from 'node:child_process'
import {mkdtempSync, readFileSync} from 'node:fs'
import {join, resolve} from 'node:path'
import {promisify} from 'node:util'

const run = promisify(execFile)
const ROOT = resolve('.')

/** Packs the package into `into`; returns the tarball's path. */
export async function packTarball(into: string): Promise<string> {
  const staging = mkdtempSync(join(into, 'staging-'))
  const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {files: string[]}
  const entries = ['package.json', 'README.md', ...manifest.files].map(entry => join(ROOT, entry))
  await run('cp', ['-R', ...entries, staging])

  await run(process.execPath, [join(ROOT, 'scripts', 'pack-manifest.mjs'), 'strip'], {cwd: staging})
  const packed = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', into], {
    cwd: staging, env: process.env, maxBuffer: 16 * 1024 * 1024,
  })
  return join(into, JSON.parse(packed.stdout.slice(packed.stdout.indexOf('[')))[0].filename)
}
