/**
 * A real terminal for the tests: the CLI runs in a detached tmux session, the test reads the
 * screen with capture-pane and types with send-keys, as an operator would at a terminal.
 */
import {execFileSync} from 'node:child_process'
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {setTimeout as sleep} from 'node:timers/promises'

import {BIN, scratchDir} from './cli.js'

export interface TerminalSession {
  /** What the terminal shows now (the whole pane, trailing blank lines dropped). */
  screen(): string
  /** Types text, then Enter unless `enter` is false. */
  type(text: string, enter?: boolean): void
  /** Waits until the screen matches, up to `timeoutMs`; returns the screen. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<string>
  close(): void
}

let sessions = 0

/**
 * Starts `sentinel ARGS` in a new tmux session with `env`; `shellSuffix` is appended to the
 * command line (e.g. `2>err.log`). The session prints EXIT=<code> when the CLI ends.
 */
export function startInTerminal(args: string[], env: NodeJS.ProcessEnv, shellSuffix = ''): TerminalSession {
  const name = `sentinel-test-${process.pid}-${++sessions}`
  const script = join(scratchDir(), `${name}.sh`)
  const exports = Object.entries(env)
  .filter(([, value]) => value !== undefined)
  .map(([key, value]) => `export ${key}=${shellQuote(String(value))}`)
  const command = [process.execPath, BIN, ...args].map(part => shellQuote(part)).join(' ')
  writeFileSync(script, [...exports, `${command} ${shellSuffix}`, 'echo "EXIT=$?"', 'sleep 600', ''].join('\n'))
  execFileSync('tmux', ['new-session', '-d', '-s', name, '-x', '200', '-y', '50', `bash ${shellQuote(script)}`])
  const screen = () => execFileSync('tmux', ['capture-pane', '-p', '-t', name], {encoding: 'utf8'}).trimEnd()
  return {
    close() {
      try {
        execFileSync('tmux', ['kill-session', '-t', name], {stdio: 'ignore'})
      } catch {
        // Already gone.
      }
    },
    screen,
    type(text, enter = true) {
      execFileSync('tmux', ['send-keys', '-t', name, '-l', text])
      if (enter) execFileSync('tmux', ['send-keys', '-t', name, 'Enter'])
    },
    async waitFor(pattern, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs
      for (;;) {
        const shown = screen()
        if (pattern.test(shown)) return shown
        if (Date.now() > deadline) throw new Error(`The terminal never showed ${pattern}; it shows:\n${shown}`)
        await sleep(100)
      }
    },
  }
}

function shellQuote(text: string): string {
  return `'${text.replaceAll("'", String.raw`'\''`)}'`
}
