// `npm pack` runs prepack, then reads the files, then runs postpack. The packed package.json must not
// carry the prepare script: the tarball already holds the built dist/, building needs the dev
// dependencies it does not install, and npm would ask whoever installs it to approve the script.
// prepack strips it (keeping the original beside it); postpack puts the original back.
import {
  copyFileSync, readFileSync, renameSync, writeFileSync,
} from 'node:fs'

const ORIGINAL = '.package.json.unpacked'
if (process.argv[2] === 'strip') {
  copyFileSync('package.json', ORIGINAL)
  const manifest = JSON.parse(readFileSync('package.json', 'utf8'))
  delete manifest.scripts.prepare
  writeFileSync('package.json', `${JSON.stringify(manifest, null, 2)}\n`)
} else {
  renameSync(ORIGINAL, 'package.json')
}
