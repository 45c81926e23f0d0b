/**
 * Progress on stderr, per table. On a terminal: oclif's spinner showing each unfinished table's
 * latest step. In a CI log: one line per step per table, and on a long wait a heartbeat at most
 * every 30 s, never a line per poll. Silent under --json.
 */
import {ux} from '@oclif/core'

import type {TableReporter} from '../provisioning/provisioner.js'

export type ProgressMode = 'line' | 'silent' | 'spinner'

export const HEARTBEAT_MS = 30_000

export class Progress {
  private spinning = false
  private readonly inFlightByTable = new Map<string, string>()
  /** On a terminal: each unfinished table's latest step, all shown at once (init:all runs them together). */
  private readonly stepByTable = new Map<string, string>()

  constructor(
    readonly mode: ProgressMode,
    private readonly write: (line: string) => void,
    private readonly now: () => number = Date.now,
  ) {}

  /** A step of the run as a whole ("Reading …", "Starting DynamoDB Local"). */
  status(message: string): void {
    if (this.mode === 'spinner') this.spin(message)
    else if (this.mode === 'line') this.write(message)
  }

  stop(message?: string): void {
    if (this.mode === 'spinner' && this.spinning) ux.action.stop(message ?? 'done')
    this.spinning = false
  }

  /** A table's apply has ended: the spinner stops naming it. */
  finished(tableName: string): void {
    this.stepByTable.delete(tableName)
    if (this.mode === 'spinner' && this.spinning && this.stepByTable.size > 0) this.spin(this.steps())
  }

  /** What is under way in AWS across every table, for the interrupt message. */
  inFlight(): string | undefined {
    return [...this.inFlightByTable.values()].join('; ') || undefined
  }

  /** A reporter for one table: its steps and heartbeats are its own, not shared with the others. */
  forTable(tableName: string): TableReporter {
    let lastLineAt = 0
    let lastPhase = ''
    // The first progress line of a step is printed (a wait is a step of its own); then heartbeats.
    let progressShown = false
    return {
      inFlight: what => {
        if (what) this.inFlightByTable.set(tableName, what)
        else this.inFlightByTable.delete(tableName)
      },
      phase: message => {
        if (message === lastPhase) return
        lastPhase = message
        lastLineAt = this.now()
        progressShown = false
        if (this.mode === 'spinner') this.tableStep(tableName, message)
        else this.status(message)
      },
      progress: message => {
        if (this.mode === 'spinner') {
          this.tableStep(tableName, message)
          return
        }

        if (this.mode === 'line' && (!progressShown || this.now() - lastLineAt >= HEARTBEAT_MS)) {
          progressShown = true
          lastLineAt = this.now()
          this.write(message)
        }
      },
    }
  }

  private tableStep(tableName: string, message: string): void {
    this.stepByTable.set(tableName, message)
    this.spin(this.steps())
  }

  private steps(): string {
    return [...this.stepByTable.values()].join('; ')
  }

  private spin(message: string): void {
    if (this.spinning) ux.action.status = message
    else ux.action.start(message)
    this.spinning = true
  }
}
