// Bundles each command into one file under dist/commands: a command then loads one module of ours
// instead of fifteen, which is most of what start-up spends beyond oclif itself. Dependencies stay
// external (the AWS SDK is still imported only on the paths that call AWS). Every file below
// src/commands and src/hooks is an entry point, so a new topic is never silently left out; so is
// src/main.ts, which bin/run.js runs.
import {build} from 'esbuild'
import {readdirSync} from 'node:fs'
import {join} from 'node:path'

const entries = dir => readdirSync(dir, {recursive: true})
.filter(file => file.endsWith('.ts'))
.map(file => join(dir, file))
// Commands and hooks are what oclif loads; everything else is bundled into them.
const commands = [...entries('src/commands'), ...entries('src/hooks'), 'src/main.ts']
await build({
  bundle: true,
  entryPoints: commands,
  format: 'esm',
  logLevel: 'warning',
  outbase: 'src',
  outdir: 'dist',
  packages: 'external',
  platform: 'node',
  target: 'node20',
})
