#!/usr/bin/env node
// The AWS SDK warns about Node 20 on stderr at its first call; operators cannot act on it.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true'

const {main} = await import('../dist/main.js')
await main(process.argv.slice(2), import.meta.url)

// Leave promptly: idle keep-alive sockets must not hold the process open.
process.exit()
