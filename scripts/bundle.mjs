// Bundles each command into one file under dist/commands: a command then loads one module of ours
// instead of fifteen, which is most of what start-up spends beyond oclif itself. Dependencies stay
// external (the AWS SDK is still imported only on the paths that call AWS).
import {build} from 'esbuild'
import {readdirSync} from 'node:fs'

const commands = readdirSync('src/commands/init').map((file) => `src/commands/init/${file}`)
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
