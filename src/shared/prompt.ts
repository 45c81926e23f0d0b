/** The yes/no question before a change, asked where the user is looking. */
import {openSync} from 'node:fs'
import {WriteStream} from 'node:tty'

/**
 * Asks on the terminal, default No. The prompt goes to the terminal even when stderr is
 * redirected (`2>log`), or the CLI would seem to hang while it waits for an answer.
 */
export async function promptYesNo(message: string, before: readonly string[] = []): Promise<boolean> {
  const {default: confirm} = await import('@inquirer/confirm')
  // A tty.WriteStream knows the terminal's width; a plain file stream on /dev/tty does not, and the
  // prompt would then wrap at 80 columns, leaving "(y/N)" alone on the next line.
  const output = process.stderr.isTTY ? process.stderr : new WriteStream(openSync('/dev/tty', 'w'))
  for (const line of before) output.write(`${line}\n`)
  return confirm({default: false, message}, {output})
}
