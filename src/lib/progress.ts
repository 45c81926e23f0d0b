/**
 * Progress on stderr: oclif's spinner on a terminal; elsewhere (CI logs) one line per change of
 * phase, not one per poll. Silent under --json.
 */
import {ux} from '@oclif/core'

export class Progress {
  private active = false
  private lastPhase = ''

  constructor(
    private readonly mode: 'line' | 'silent' | 'spinner',
    private readonly write: (line: string) => void,
  ) {}

  status(message: string): void {
    if (this.mode === 'silent') return
    if (this.mode === 'spinner') {
      if (this.active) ux.action.status = message
      else ux.action.start(message)
      this.active = true
      return
    }

    // "Waiting for x: table CREATING (3s)" and "(4s)" are the same phase.
    const phase = message.replace(/\s*\(\d+s\)$/, '')
    if (phase !== this.lastPhase) this.write(message)
    this.lastPhase = phase
  }

  stop(message?: string): void {
    if (this.mode === 'spinner' && this.active) ux.action.stop(message ?? 'done')
    this.active = false
    this.lastPhase = ''
  }
}
