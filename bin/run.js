#!/usr/bin/env node
// The AWS SDK warns about Node 20 on stderr at its first call; operators cannot act on it.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true'
// oclif's index checks the running Node against @oclif/core's own engines (>=18) with semver on
// every command run, about 4% of its start-up; sentinel's own engines (>=20.19) are stricter, and
// npm checks those when it installs sentinel. A value the user set is kept.
process.env.OCLIF_DISABLE_ENGINE_WARNING ??= 'true'

let main
try {
  ({main} = await import('../dist/main.js'))
} catch (error) {
  // A checkout that was never built (or a broken install): one plain line, never a stack trace.
  const reason = String(error?.message ?? error).split('\n')[0]
  process.stderr.write(`Error: sentinel is not built here (${reason}). Run npm run build (npm ci does it).\n`)
  process.exit(1)
}

await main(process.argv.slice(2), import.meta.url)

// Leave promptly: idle keep-alive sockets must not hold the process open.
process.exit()
