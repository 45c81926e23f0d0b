/** The yes/no question before a change, asked where the user is looking. */
import {createWriteStream, openSync} from 'node:fs'

/**
 * Asks on the terminal, default No. The prompt goes to the terminal even when stderr is
 * redirected (`2>log`), or the CLI would seem to hang while it waits for an answer.
 */
export async function promptYesNo(message: string, before: readonly string[] = []): Promise<boolean> {
  const {default: confirm} = await import('@inquirer/confirm')
  const output = process.stderr.isTTY ? process.stderr : createWriteStream('', {fd: openSync('/dev/tty', 'w')})
  for (const line of before) output.write(`${line}\n`)
  return confirm({default: false, message}, {output})
}
