/**
 * The one policy for the AWS faults the provisioning service rides out: FAULTS says, for each
 * behaviour of AWS, how it is recognised (by the error's type or code, the SDK's own classifiers
 * behind them, never its message), where and at what pace it is retried (a pause, a backoff, the
 * SDK's standard strategy's attempts; always until the run's deadline at most), and what the run
 * says when it gives up. FaultPolicy.ride() runs one call under it, on a clock unit tests replace.
 * Any other error ends the call at once, as it is.
 */
import {setTimeout as sleep} from 'node:timers/promises'

import {throttledError} from '../aws/errors.js'
import {type RetryErrorType, type RetrySchedule, standardRetrySchedule} from '../aws/request-policy.js'
import {SentinelError} from '../errors.js'
import {isNotFound, NotVisibleYet} from './live-table.js'
import {MAX_POLL_INTERVAL_MS, pollInterval} from './wait.js'

/** The time and the pauses of a run; a fake in unit tests runs minutes of retries in milliseconds. */
export interface Clock {
  /** Milliseconds since epoch. */
  now(): number
  sleep(ms: number): Promise<unknown>
}

export const SYSTEM_CLOCK: Clock = {
  now: () => Date.now(),
  sleep: ms => sleep(ms),
}

/** The provisioning service's pauses the paces are made of (ProvisionerTiming; unit tests shorten them). */
export interface FaultTiming {
  /** Between DescribeTable polls while waiting for ACTIVE. */
  pollMs: number
  /** Between reads while AWS does not show a table or tags just written. */
  rereadMs: number
  /** With no other creation of this run to wait for, before asking CreateTable again. */
  limitRetryMs: number
}

/** Where a fault is met: each call rides out only the faults whose row names it, at that row's pace. */
export type Call =
  /** UpdateContinuousBackups right after the table's creation. */
  | 'backups'
  /** CreateTable. */
  | 'create'
  /** A DescribeTable poll of a wait for ACTIVE. */
  | 'poll'
  /** Reading the live table (right after a creation or a change: it is eventually consistent). */
  | 'read'
  /** CreateTable or UpdateTable sent again after an unclear answer (read first: never blindly resent). */
  | 'resend'
  /** UpdateTimeToLive, UpdateContinuousBackups or TagResource, right after the table's creation. */
  | 'setting'
  /** UpdateTable on the table or for a replica. */
  | 'update'

/** How often a fault is retried; every pace stops at the run's deadline (see Ride.deadlineAt). */
export type Pace =
  /** The SDK's standard retry strategy (backoff, jitter, retry quota), MAX_ATTEMPTS attempts in all. */
  | {readonly errorType: RetryErrorType; readonly kind: 'sdk-standard'}
  /** First `firstMs`, then twice the last, never more than `maxMs`; `toDeadline`: never past the deadline. */
  | {
    readonly firstMs: (timing: FaultTiming) => number
    readonly kind: 'backoff'
    readonly maxMs: (timing: FaultTiming, elapsedMs: number) => number
    readonly toDeadline?: boolean
  }
  /** The same pause each time. */
  | {readonly kind: 'fixed'; readonly ms: (timing: FaultTiming) => number}
  /** Until another creation with indexes of this run ends (CreationGate), or `limitRetryMs` without one. */
  | {readonly kind: 'other-creations'}

export interface Fault {
  /** What AWS does. */
  readonly behaviour: string
  /** By the error's type or code: the SDK's classifiers decided the code (src/aws/errors.ts). */
  readonly recognise: (error: unknown) => boolean
  /** The calls that ride it out, each at its pace; in any other call it ends the call at once. */
  readonly pace: Partial<Record<Call, Pace>>
  /** What the run reports when it gives up (deadline passed, attempts spent, or not ridden there). */
  readonly giveUp: (error: unknown) => unknown
}

const awsNamed = (name: string) => (error: unknown) => error instanceof SentinelError && error.awsName === name
const asItIs = (error: unknown) => error

/**
 * The busy table's pace: from one poll interval, doubling, at most 5 s (after the table is ACTIVE
 * again). One backoff for in use and limit exceeded: either refusal grows the next pause.
 */
const BUSY: Pace = {firstMs: timing => timing.pollMs, kind: 'backoff', maxMs: () => 5000}

/** A poll that failed for a reason that passes: from 1 s, doubling, at most 5 s; one backoff for both faults. */
const POLL_BACKOFF: Pace = {
  firstMs: () => 1000, kind: 'backoff', maxMs: () => MAX_POLL_INTERVAL_MS, toDeadline: true,
}

/** The AWS behaviours ridden out. No error is recognised by two rows. */
export const FAULTS = {
  'backups-unavailable': {
    behaviour: 'right after CreateTable, UpdateContinuousBackups answers ContinuousBackupsUnavailableException',
    giveUp: asItIs,
    // Asked again soon (100 ms, then 200 ms), then at the pace of a wait, never after a fixed second.
    pace: {
      backups: {
        firstMs: () => 100,
        kind: 'backoff',
        maxMs: (timing, elapsedMs) => pollInterval(elapsedMs, timing.pollMs),
      },
    },
    recognise: awsNamed('ContinuousBackupsUnavailableException'),
  },
  /**
   * The table is busy with another change (or, for CreateTable, another process creates it: joined
   * by the caller, not retried). DescribeTable may say ACTIVE while AWS still refuses: the pause grows.
   */
  'in-use': {
    behaviour: 'UpdateTable answers ResourceInUseException: another change to the table is under way',
    giveUp: asItIs,
    pace: {update: BUSY},
    recognise: awsNamed('ResourceInUseException'),
  },
  /** LIMIT_EXCEEDED; the SDK counts it as throttling, but it waits for the operations it counts. */
  'limit-exceeded': {
    behaviour: 'LimitExceededException: too many table or index operations at once in the account and region',
    giveUp: asItIs,
    pace: {create: {kind: 'other-creations'}, update: BUSY},
    recognise: awsNamed('LimitExceededException'),
  },
  /** Right after CreateTable a setting's call may answer ResourceNotFoundException (ridden only then). */
  'not-found-after-create': {
    behaviour: 'right after CreateTable, a call on the table answers ResourceNotFoundException',
    giveUp: asItIs,
    pace: {setting: {kind: 'fixed', ms: timing => timing.rereadMs}},
    recognise: isNotFound,
  },
  /** A companion read (TTL, PITR, tags) still answers "not found" for a table DescribeTable shows. */
  'not-visible-yet': {
    behaviour: 'right after CreateTable or a change, not every read shows the table yet (eventual consistency)',
    giveUp: (error: unknown) => (error instanceof NotVisibleYet ? error.timedOut() : error),
    pace: {
      read: {kind: 'fixed', ms: timing => timing.rereadMs},
      setting: {kind: 'fixed', ms: timing => timing.rereadMs},
    },
    recognise: (error: unknown) => error instanceof NotVisibleYet,
  },
  /** AWS_ERROR that isRetryable says is worth another try: a 5xx, a server fault, an error the SDK marks retryable. */
  'server-error': {
    behaviour: 'a server error (HTTP 5xx, a server fault) or one the SDK marks retryable, after the SDK retried',
    giveUp: asItIs,
    pace: {
      poll: POLL_BACKOFF,
      resend: {errorType: 'TRANSIENT', kind: 'sdk-standard'},
    },
    recognise: (error: unknown) => error instanceof SentinelError && error.code === 'AWS_ERROR' &&
      Boolean(error.aws?.retryable),
  },
  /** THROTTLED: every name the SDK classifies as throttling (isThrottlingError), after the SDK's own retries. */
  throttled: {
    behaviour: 'throttling, as the SDK classifies it, still answered after the SDK retried the call',
    giveUp: asItIs,
    pace: {
      poll: POLL_BACKOFF,
      resend: {errorType: 'THROTTLING', kind: 'sdk-standard'},
    },
    recognise: (error: unknown) => error instanceof SentinelError && error.code === 'THROTTLED',
  },
  /** ENDPOINT_UNREACHABLE (a lost connection, a timeout): the call may have landed, or not. */
  'unclear-answer': {
    behaviour: 'no clear answer (a connection lost or timed out): the call may or may not have landed',
    giveUp: asItIs,
    pace: {resend: {errorType: 'TRANSIENT', kind: 'sdk-standard'}},
    recognise: (error: unknown) => error instanceof SentinelError && error.code === 'ENDPOINT_UNREACHABLE',
  },
} as const satisfies Record<string, Fault>

export type FaultName = keyof typeof FAULTS

/** The row that recognises an error, if any. Two rows for one error is a bug in FAULTS: said, not guessed. */
export function faultOf(error: unknown): FaultName | undefined {
  const rows = (Object.keys(FAULTS) as FaultName[]).filter(name => FAULTS[name].recognise(error))
  if (rows.length > 1) {
    throw new SentinelError('UNEXPECTED', `Unexpected error: the fault rows ${rows.join(' and ')} both recognise ${
      error instanceof Error ? error.name : typeof error}.`, {
      cause: error,
      suggestion: 'This is a bug in sentinel: rerun with SENTINEL_DEBUG=1 for details, and report it.',
    })
  }

  return rows[0]
}

/** One call run under the policy. */
export interface Ride<T> {
  readonly call: Call
  /** Absolute deadline (ms since epoch): no retry starts after it, but for deadlineAt's exception. */
  readonly deadline: number
  /**
   * When a failed attempt is held against the deadline: when it failed (the default), or when it
   * started (a wait's poll: one sent in time and failing after the deadline, once the SDK's own
   * retries end, is followed by one more poll after the pace's first pause).
   */
  readonly deadlineAt?: 'attempt-start' | 'failure'
  /** False: this fault is not ridden now (not found counts only right after a creation). */
  readonly rides?: (fault: FaultName) => boolean
  /** Told a fault is being ridden out, before the pause (progress; a wait for the table to be ACTIVE). */
  readonly onFault?: (fault: FaultName, error: unknown) => Promise<void> | void
  /** After the pause, before the call is sent again: `{done}` ends the ride (the change landed meanwhile). */
  readonly beforeRetry?: (fault: FaultName) => Promise<undefined | {done: T}>
  /** This run's other creations, for LimitExceededException on CreateTable. */
  readonly otherCreations?: {waitForOthers(fallback: () => Promise<unknown>): Promise<void>}
}

/** The retries of one ride: each backoff's last pause, the SDK strategy's schedule shared by them all. */
interface RideState {
  readonly started: number
  /** By pace: faults sharing a pace (BUSY, POLL_BACKOFF) share its backoff. */
  readonly pauses: Map<Pace, number>
  schedule?: RetrySchedule
}

export class FaultPolicy {
  constructor(
    readonly timing: FaultTiming,
    readonly clock: Clock = SYSTEM_CLOCK,
  ) {}

  /**
   * Runs `operation` until it succeeds; a fault its call rides out is retried at its pace until the
   * deadline, anything else (and a fault given up on) is thrown as its row says.
   */
  async ride<T>(operation: () => Promise<T>, ride: Ride<T>): Promise<T> {
    const state: RideState = {pauses: new Map(), started: this.clock.now()}
    for (;;) {
      const attemptStarted = this.clock.now()
      try {
        return await operation()
      } catch (error) {
        const fault = faultOf(error)
        if (!fault) throw error
        const pace: Pace | undefined = (FAULTS[fault].pace as Partial<Record<Call, Pace>>)[ride.call]
        const judgedAt = ride.deadlineAt === 'attempt-start' ? attemptStarted : this.clock.now()
        const ridden = pace && (ride.rides?.(fault) ?? true) && judgedAt < ride.deadline
        const pause = ridden ? await this.nextPause(pace, state, ride.deadline) : undefined
        if (pause === undefined) throw FAULTS[fault].giveUp(error)
        await ride.onFault?.(fault, error)
        await (pause === 'other-creations' ? this.waitForOthers(ride) : this.clock.sleep(pause))
        const ended = await ride.beforeRetry?.(fault)
        if (ended) return ended.done
      }
    }
  }

  /**
   * CreateTable and UpdateTable are never blindly re-sent: a repeated create or no-op update is an
   * error in DynamoDB. The call is sent up to MAX_ATTEMPTS times, until one lands: after a throttle,
   * a 5xx or a lost answer, `landed` reads the table first, and a call that did land is not sent
   * again. The pause between attempts is the SDK's standard retry strategy's.
   */
  async sendUntilLanded(
    send: () => Promise<unknown>,
    landed: () => Promise<boolean>,
    deadline: number,
  ): Promise<'sent' | 'unclear'> {
    let sends = 0
    try {
      return await this.ride(async () => {
        sends++
        await send()
        return 'sent' as const
      }, {
        async beforeRetry() {
          return (await landed()) ? {done: 'unclear' as const} : undefined
        },
        call: 'resend',
        deadline,
      })
    } catch (error) {
      // The call goes out on a client of one attempt: its answer counts one, the policy sent `sends`.
      if (!(error instanceof SentinelError) || error.code !== 'THROTTLED' || !error.aws?.call || sends < 2) throw error
      const counted = throttledError(error.aws.call, sends, error.cause)
      counted.aws = error.aws
      throw counted
    }
  }

  /**
   * One pause of rereadMs on the policy's clock, for a loop that reads again without an error: the
   * recheck waiting for tags it wrote to be listed (ListTagsOfResource is eventually consistent).
   */
  async reread(): Promise<void> {
    await this.clock.sleep(this.timing.rereadMs)
  }

  private async nextPause(
    pace: Pace,
    state: RideState,
    deadline: number,
  ): Promise<'other-creations' | number | undefined> {
    switch (pace.kind) {
    case 'backoff': {
      const last = state.pauses.get(pace) ?? 0
      const now = this.clock.now()
      const grown = last === 0 ? pace.firstMs(this.timing) : last * 2
      const next = Math.min(pace.maxMs(this.timing, now - state.started), grown)
      state.pauses.set(pace, next)
      if (!pace.toDeadline) return next
      const left = deadline - now
      // Past the deadline only for a poll sent before it (deadlineAt 'attempt-start'): one more
      // poll, after the pace's first pause, not at once.
      return left > 0 ? Math.min(next, left) : Math.min(next, pace.firstMs(this.timing))
    }

    case 'fixed': {
      return pace.ms(this.timing)
    }

    case 'other-creations': {
      return 'other-creations'
    }

    case 'sdk-standard': {
      state.schedule ??= await standardRetrySchedule()
      return state.schedule.nextDelay(pace.errorType)
    }
    }
  }

  private async waitForOthers(ride: Ride<unknown>): Promise<void> {
    const {clock, timing} = this
    await (ride.otherCreations
      ? ride.otherCreations.waitForOthers(() => clock.sleep(timing.limitRetryMs))
      : clock.sleep(timing.limitRetryMs))
  }
}
