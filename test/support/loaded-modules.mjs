// Preloaded (node --import) into a CLI run by the start-up tests: on exit, writes the Node built-ins
// and the CommonJS files the run loaded to LOADED_MODULES_FILE, as JSON.
import {writeFileSync} from 'node:fs'
import {createRequire} from 'node:module'

const require = createRequire(import.meta.url)
process.on('exit', () => {
  const builtins = process.moduleLoadList.filter(name => name.startsWith('NativeModule ')).map(name => name.slice(13))
  writeFileSync(process.env.LOADED_MODULES_FILE, JSON.stringify({builtins, commonJs: Object.keys(require.cache)}))
})
