#!/usr/bin/env node
// The AWS SDK warns about Node 20 on stderr at its first call; operators cannot act on it.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true'

const {Errors, flush, run} = await import('@oclif/core')
try {
  await run(process.argv.slice(2), import.meta.url)
  await flush()
} catch (error) {
  // Sentinel's commands report their own errors; what reaches here comes from oclif itself (help for
  // an unknown command, a flag help does not take): the CLI's one-line form, never a stack trace.
  if (error instanceof Errors.ExitError) {
    process.exitCode = error.oclif.exit
  } else {
    try {
      // Built by npm run build, as every command is.
      const {reportOclifError} = await import('../dist/shared/error-output.js')
      process.exitCode = reportOclifError(error, process.argv)
    } catch {
      // No build to report with: still one plain line and the exit code oclif meant (2 for usage).
      process.stderr.write(`Error: ${String(error?.message ?? error).split('\n')[0]}\n`)
      process.exitCode = error?.oclif?.exit === 2 ? 2 : 1
    }
  }
}

// Leave promptly: idle keep-alive sockets must not hold the process open.
process.exit()
