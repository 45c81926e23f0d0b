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
    const usage = error?.oclif?.exit === 2
    const reason = String(error?.message ?? error).split('\n')[0].replace(/^\W*(Error:\s*)?/, '').replace(/\.?$/, '.')
    const report = {
      code: usage ? 'INVALID_INPUT' : 'UNEXPECTED',
      exitCode: usage ? 2 : 1,
      message: reason,
      suggestion: usage
        ? 'See --help for the commands and flags.'
        : 'Rerun with SENTINEL_DEBUG=1 for details, and report it.',
    }
    if (process.argv.includes('--json')) {
      process.stdout.write(`${JSON.stringify({error: report, ok: false}, null, 2)}\n`)
    } else {
      process.stderr.write(`Error (${report.code}): ${report.message} ${report.suggestion}\n`)
    }

    process.exitCode = report.exitCode
  }
}

// Leave promptly: idle keep-alive sockets must not hold the process open.
process.exit()
