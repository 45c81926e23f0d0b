/**
 * Issue 24: one policy for the AWS faults the provisioning service rides out
 * (src/provisioning/fault-policy.ts). Each fault recognised from the error the SDK throws (its own
 * exception classes, classified as the SDK adapter does), its pace and its give-up, on a fake clock
 * that the fake sleep advances: minutes of retries run in milliseconds, no test depends on timing.
 */
import {
  ContinuousBackupsUnavailableException,
  InternalServerError,
  LimitExceededException,
  ProvisionedThroughputExceededException,
  RequestLimitExceeded,
  ResourceInUseException,
  ResourceNotFoundException,
  ThrottlingException,
  TransactionInProgressException,
} from '@aws-sdk/client-dynamodb'
import {expect} from 'chai'

import {classifyAwsError} from '../../src/aws/errors.js'
import {MAX_ATTEMPTS} from '../../src/aws/request-policy.js'
import {SentinelError} from '../../src/errors.js'
import {
  type FaultName, faultOf, FaultPolicy, FAULTS,
} from '../../src/provisioning/fault-policy.js'
import {NotVisibleYet} from '../../src/provisioning/live-table.js'
import {DEFAULT_TIMING} from '../../src/provisioning/provisioner.js'
import {MAX_POLL_INTERVAL_MS} from '../../src/provisioning/wait.js'
import {fakeClock} from '../support/fake-clock.js'
import {awsError} from '../support/fake-dynamodb.js'

const context = {action: 'dynamodb:UpdateTable', endpoint: 'dynamodb.eu-west-1.amazonaws.com', resource: 't-1'}
const $metadata = {attempts: 4, httpStatusCode: 400, requestId: 'r-1'}
const serverMetadata = {...$metadata, httpStatusCode: 500}

/** What the SDK adapter makes of what the SDK throws. */
function thrown(error: Error): SentinelError {
  return classifyAwsError(error, context)
}

const throttling = () => thrown(new ThrottlingException({$metadata, message: 'Rate exceeded'}))
const inUse = () => thrown(new ResourceInUseException({$metadata, message: 'Table is being updated'}))
const limit = () => thrown(new LimitExceededException({$metadata, message: 'Too many operations'}))

/** An operation that throws each of `errors` in turn, then answers `result`. */
function failing<T>(errors: unknown[], result: T) {
  let calls = 0
  return {
    get calls() {
      return calls
    },
    async operation(): Promise<T> {
      const error = errors[calls++]
      if (error !== undefined) throw error
      return result
    },
  }
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(() => expect.fail('expected the ride to give up'), (error: unknown) => error)
}

describe('the fault policy (issue 24)', () => {
  it('recognises each fault from the SDK\'s own exception, by type and code, never by message', () => {
    const cases: [Error, FaultName | undefined][] = [
      [new ThrottlingException({$metadata, message: 'the message says nothing of it'}), 'throttled'],
      [new ProvisionedThroughputExceededException({$metadata, message: 'x'}), 'throttled'],
      [new RequestLimitExceeded({$metadata, message: 'x'}), 'throttled'],
      [new ResourceInUseException({$metadata, message: 'x'}), 'in-use'],
      [new LimitExceededException({$metadata, message: 'throttling'}), 'limit-exceeded'],
      [new ResourceNotFoundException({$metadata, message: 'x'}), 'not-found-after-create'],
      [new ContinuousBackupsUnavailableException({$metadata, message: 'x'}), 'backups-unavailable'],
      [new InternalServerError({$metadata: serverMetadata, message: 'x'}), 'server-error'],
      [Object.assign(new Error('socket hang up'), {code: 'ECONNRESET'}), 'unclear-answer'],
      [awsError('ValidationException', 'throttled, in use, limit exceeded'), undefined],
      // Not retryable before the fault policy, and still not (see the test below for their codes).
      [Object.assign(awsError('ValidationException', 'x'), {$metadata: {...$metadata, clockSkewCorrected: true}}),
        undefined],
      [awsError('RequestTimeoutException', 'Request timed out', 408), undefined],
      [awsError('InvalidSignatureException', 'Signature expired: 20261207T000000Z is now earlier than ...'), undefined],
      [Object.assign(awsError('AccessDeniedException', 'x'), {$metadata: {...$metadata, clockSkewCorrected: true}}),
        undefined],
    ]
    for (const [raw, fault] of cases) {
      const error = thrown(raw)
      expect(faultOf(error), raw.name).to.equal(fault)
      // No error is two faults: the table's rows do not overlap.
      const rows = (Object.keys(FAULTS) as FaultName[]).filter(name => FAULTS[name].recognise(error))
      expect(rows, raw.name).to.have.length(fault ? 1 : 0)
    }

    expect(faultOf(new NotVisibleYet('t-1'))).to.equal('not-visible-yet')
  })

  it('the SDK\'s transient rules widen nothing but throttling: clock skew, an expired signature and a request ' +
    'timeout keep the codes, suggestions and no retry they had before the fault policy', () => {
    const skewed = {$metadata: {...$metadata, clockSkewCorrected: true}}
    const cases: [Error, string, string][] = [
      [Object.assign(awsError('ValidationException', 'One or more parameter values were invalid'), skewed),
        'AWS_ERROR',
        'Fix the cause above, then rerun.'],
      [awsError('RequestTimeoutException', 'Request timed out', 408), 'AWS_ERROR', 'Fix the cause above, then rerun.'],
      [awsError('InvalidSignatureException', 'Signature expired: 20261207T000000Z is now earlier than ...'),
        'INVALID_CREDENTIALS',
        'Check the access key and secret of your profile or environment, ' +
        'or refresh them (aws sso login / aws configure).'],
      [Object.assign(awsError('AccessDeniedException', 'User is not authorized'), skewed),
        'ACCESS_DENIED',
        'Grant it to your identity; sentinel init:all --generate-iam prints the policy this CLI ' +
        'needs. A rerun with the permission continues.'],
    ]
    for (const [raw, code, suggestion] of cases) {
      const error = thrown(raw)
      expect(error.code, raw.name).to.equal(code)
      expect(error.suggestion, raw.name).to.equal(suggestion)
      expect(error.aws?.retryable, raw.name).to.equal(false)
      expect(faultOf(error), raw.name).to.equal(undefined)
    }
  })

  it('an error two rows recognise is a bug: faultOf fails loudly (UNEXPECTED) instead of picking one', () => {
    // Throttled by its code, in use by its AWS name: no error the SDK adapter makes looks like this.
    const twoRows = new SentinelError('THROTTLED', 'AWS kept throttling dynamodb:UpdateTable on t-1.')
    twoRows.aws = {name: 'ResourceInUseException', requestId: 'r-1', retryable: true}
    expect(() => faultOf(twoRows)).to.throw(SentinelError).with.property('code', 'UNEXPECTED')
  })

  it('throttling is what the SDK classifies as throttling, beyond the five names once kept by hand; ' +
    'LimitExceededException stays a limit of its own', () => {
    const sdkOnly = [
      new TransactionInProgressException({$metadata, message: 'x'}),
      Object.assign(new Error('x'), {$metadata, name: 'PriorRequestNotComplete'}),
      Object.assign(new Error('x'), {$metadata, name: 'SlowDown'}),
      Object.assign(new Error('x'), {$metadata: {...$metadata, httpStatusCode: 429}, name: 'SomeNewThrottle'}),
    ]
    for (const raw of sdkOnly) {
      const error = thrown(raw)
      expect(error.code, raw.name).to.equal('THROTTLED')
      expect(error.exitCode, raw.name).to.equal(1)
      expect(error.aws?.retryable, raw.name).to.equal(true)
      expect(error.message, raw.name).to.equal('AWS kept throttling dynamodb:UpdateTable on t-1 after 4 attempts.')
    }

    // The SDK lists LimitExceededException among its throttling codes; here it waits for the operations it counts.
    const limited = limit()
    expect(limited.code).to.equal('LIMIT_EXCEEDED')
    expect(limited.aws?.retryable).to.equal(false)
  })

  it('in use: after the table is waited for, a pause from one poll interval, doubling, at most 5 s, ' +
    'until the deadline; then the refusal itself', async () => {
    const clock = fakeClock()
    const policy = new FaultPolicy(DEFAULT_TIMING, clock)
    const busy = inUse()
    const call = failing(Array.from({length: 20}, () => busy), 'sent')
    const told: string[] = []
    const error = await rejection(policy.ride(() => call.operation(), {
      call: 'update',
      deadline: clock.now() + 20_000,
      onFault(fault) {
        told.push(`${fault} at ${clock.sleeps.length}`)
      },
    }))
    expect(error).to.equal(busy)
    expect(clock.sleeps).to.deep.equal([260, 520, 1040, 2080, 4160, 5000, 5000, 5000])
    expect(told[0]).to.equal('in-use at 0')
    expect(call.calls).to.equal(9)
  })

  it('in use ends the ride when the change was made meanwhile (beforeRetry); the replica\'s UpdateTable ' +
    'and limit exceeded on UpdateTable keep the same pace', async () => {
    const clock = fakeClock()
    const policy = new FaultPolicy({...DEFAULT_TIMING, pollMs: 100}, clock)
    const call = failing([limit(), inUse(), limit()], 'sent')
    let checks = 0
    const done = await policy.ride(() => call.operation(), {
      beforeRetry: async () => (++checks === 3 ? {done: 'done meanwhile'} : undefined),
      call: 'update',
      deadline: clock.now() + 60_000,
    })
    expect(done).to.equal('done meanwhile')
    // One backoff for both refusals, as the busy loops had.
    expect(clock.sleeps).to.deep.equal([100, 200, 400])
  })

  it('in use on CreateTable is not retried (the caller joins the other creation): thrown at once', async () => {
    const clock = fakeClock()
    const busy = inUse()
    const error = await rejection(new FaultPolicy(DEFAULT_TIMING, clock).ride(() => failing([busy], 1).operation(), {
      call: 'create', deadline: clock.now() + 60_000,
    }))
    expect(error).to.equal(busy)
    expect(clock.sleeps).to.deep.equal([])
  })

  it('limit exceeded on CreateTable waits for another creation of the run, or limitRetryMs without one', async () => {
    const clock = fakeClock()
    const policy = new FaultPolicy(DEFAULT_TIMING, clock)
    let waitedForOthers = 0
    const others = {
      async waitForOthers() {
        waitedForOthers++
      },
    }
    const call = failing([limit(), limit()], 'created')
    expect(await policy.ride(() => call.operation(), {
      call: 'create', deadline: clock.now() + 60_000, otherCreations: others,
    })).to.equal('created')
    expect(waitedForOthers).to.equal(2)
    expect(clock.sleeps).to.deep.equal([])
    const alone = failing([limit()], 'created')
    await policy.ride(() => alone.operation(), {call: 'create', deadline: clock.now() + 60_000})
    expect(clock.sleeps).to.deep.equal([DEFAULT_TIMING.limitRetryMs])
    // Past the deadline: LIMIT_EXCEEDED, as the SDK adapter classified it.
    const late = await rejection(policy.ride(() => failing([limit()], 1).operation(), {
      call: 'create', deadline: clock.now(),
    }))
    expect(late).to.have.property('code', 'LIMIT_EXCEEDED')
  })

  it('not visible yet: read again every rereadMs until the deadline, then WAIT_TIMEOUT naming what AWS ' +
    'does not show; a call that does not ride it says so at once', async () => {
    const clock = fakeClock()
    const policy = new FaultPolicy(DEFAULT_TIMING, clock)
    const unseen = new NotVisibleYet('sentinel-sessions')
    const read = failing([unseen, unseen], 'live')
    expect(await policy.ride(() => read.operation(), {call: 'read', deadline: clock.now() + 10_000})).to.equal('live')
    expect(clock.sleeps).to.deep.equal([500, 500])

    clock.sleeps.length = 0
    const error = await rejection(policy.ride(() => failing(Array.from({length: 99}, () => unseen), 1).operation(), {
      call: 'read', deadline: clock.now() + 2000,
    }))
    expect(clock.sleeps).to.deep.equal([500, 500, 500, 500])
    expect(error).to.be.instanceOf(SentinelError).with.property('code', 'WAIT_TIMEOUT')
    expect((error as SentinelError).message)
    .to.equal('AWS does not show sentinel-sessions in every read yet (it was just created).')

    // A setting's call rides it only right after a creation.
    clock.sleeps.length = 0
    const notNow = await rejection(policy.ride(() => failing([unseen], 1).operation(), {
      call: 'setting', deadline: clock.now() + 10_000, rides: () => false,
    }))
    expect(notNow).to.have.property('code', 'WAIT_TIMEOUT')
    expect(clock.sleeps).to.deep.equal([])
  })

  it('not found right after a creation: a setting\'s call read again every rereadMs; otherwise the error ' +
    'as it is', async () => {
    const clock = fakeClock()
    const policy = new FaultPolicy(DEFAULT_TIMING, clock)
    const notFound = thrown(new ResourceNotFoundException({$metadata, message: 'Requested resource not found'}))
    const call = failing([notFound], 'tagged')
    expect(await policy.ride(() => call.operation(), {call: 'setting', deadline: clock.now() + 10_000}))
    .to.equal('tagged')
    expect(clock.sleeps).to.deep.equal([500])
    const error = await rejection(policy.ride(() => failing([notFound], 1).operation(), {
      call: 'setting', deadline: clock.now() + 10_000, rides: () => false,
    }))
    expect(error).to.equal(notFound)
  })

  it('backups unavailable: asked again after 100 ms, then 200 ms, then at the wait\'s pace', async () => {
    const clock = fakeClock()
    const policy = new FaultPolicy(DEFAULT_TIMING, clock)
    const unavailable = thrown(new ContinuousBackupsUnavailableException({$metadata, message: 'x'}))
    const call = failing([unavailable, unavailable, unavailable, unavailable], 'enabled')
    expect(await policy.ride(() => call.operation(), {call: 'backups', deadline: clock.now() + 60_000}))
    .to.equal('enabled')
    expect(clock.sleeps).to.deep.equal([100, 200, 260, 260])
  })

  it(
    'a throttled or failing poll: 1 s, doubling, at most 5 s, never past the deadline; then the error itself',
    async () => {
      const clock = fakeClock()
      const policy = new FaultPolicy(DEFAULT_TIMING, clock)
      const slowDown = throttling()
      const serverError = thrown(new InternalServerError({$metadata: serverMetadata, message: 'x'}))
      const told: unknown[] = []
      const errors = [slowDown, slowDown, slowDown, slowDown, serverError, ...Array.from({length: 9}, () => slowDown)]
      const call = failing(errors, 'polled')
      const error = await rejection(policy.ride(() => call.operation(), {
        call: 'poll',
        deadline: clock.now() + 20_000,
        onFault: (_, error_) => told.push(error_),
      }))
      // One backoff for both; the last pause ends at the deadline, not past it.
      expect(clock.sleeps).to.deep.equal([1000, 2000, 4000, MAX_POLL_INTERVAL_MS, MAX_POLL_INTERVAL_MS, 3000])
      expect(error).to.equal(slowDown)
      expect(told).to.deep.equal(errors.slice(0, 6))
    },
  )

  it('a throttled CreateTable or UpdateTable is resent at most MAX_ATTEMPTS times on the SDK strategy\'s ' +
    'pauses, read first: one that landed is not sent again', async () => {
    const clock = fakeClock()
    const policy = new FaultPolicy(DEFAULT_TIMING, clock)
    const slowDown = throttling()
    let sent = 0
    const error = await rejection(policy.sendUntilLanded(async () => {
      sent++
      throw slowDown
    }, async () => false, clock.now() + 600_000))
    // Said with the policy's sends: the client of one attempt counts only its own.
    expect(error).to.be.instanceOf(SentinelError).and.include({code: 'THROTTLED'})
    expect((error as SentinelError).message).to.match(new RegExp(`after ${MAX_ATTEMPTS} attempts\\.$`))
    expect((error as SentinelError).cause).to.equal(slowDown.cause)
    expect(sent).to.equal(MAX_ATTEMPTS)
    expect(clock.sleeps).to.have.length(MAX_ATTEMPTS - 1)
    // The SDK's throttling backoff (base 500 ms, jittered), never beyond its 20 s cap.
    for (const pause of clock.sleeps) expect(pause).to.be.within(0, 20_000)

    let resent = 0
    expect(await policy.sendUntilLanded(async () => {
      resent++
      throw thrown(Object.assign(new Error('socket hang up'), {code: 'ECONNRESET'}))
    }, async () => true, clock.now() + 600_000)).to.equal('unclear')
    expect(resent).to.equal(1)

    // Not worth another try: thrown at once, nothing read, no pause.
    const refused = thrown(awsError('ValidationException', 'x'))
    clock.sleeps.length = 0
    expect(await rejection(policy.sendUntilLanded(async () => {
      throw refused
    }, async () => expect.fail('nothing to read'), clock.now() + 600_000))).to.equal(refused)
    expect(clock.sleeps).to.deep.equal([])
  })
})
