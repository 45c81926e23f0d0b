/**
 * Issue 16: a wait backs off once it has taken a while, fails at once on a state no wait sees end
 * (with what it means and what to do), and rides out a throttled poll. A scripted port and a fake
 * clock that the fake sleep advances: minutes of waiting run in milliseconds.
 */
import type {TableDescription} from '@aws-sdk/client-dynamodb'

import {expect} from 'chai'

import type {DynamoDbPort} from '../../src/aws/dynamodb-port.js'

import {SentinelError} from '../../src/errors.js'
import {FAILED_REPLICA_STATES, FAILED_TABLE_STATES} from '../../src/provisioning/states.js'
import {
  MAX_POLL_INTERVAL_MS, POLL_INTERVAL_MS, pollInterval, waitForActive,
} from '../../src/provisioning/wait.js'

type Answer = Error | TableDescription

/** A port whose DescribeTable gives `answers` in turn (the last one for ever), and a fake clock. */
function scripted(answers: Answer[]) {
  let clock = 1_000_000
  const sleeps: number[] = []
  let calls = 0
  const port = {
    async describeTable() {
      const answer = answers[Math.min(calls++, answers.length - 1)]
      if (answer instanceof Error) throw answer
      return {$metadata: {}, Table: answer}
    },
  } as unknown as DynamoDbPort
  return {
    get calls() {
      return calls
    },
    now: () => clock,
    port,
    async sleep(ms: number) {
      sleeps.push(ms)
      clock += ms
    },
    sleeps,
  }
}

const table = (TableStatus: string, extra: Partial<TableDescription> = {}): TableDescription =>
  ({TableName: 't-1', TableStatus, ...extra})

function throttled(): SentinelError {
  const error = new SentinelError('THROTTLED', 'AWS kept throttling dynamodb:DescribeTable on t-1 after 4 attempts.')
  error.aws = {name: 'ThrottlingException', retryable: true}
  return error
}

describe('waiting (issue 16)', () => {
  it('polls at the base interval for 30 s, then less often as the wait grows, never more than 5 s apart', () => {
    expect(pollInterval(0)).to.equal(POLL_INTERVAL_MS)
    expect(pollInterval(29_999)).to.equal(POLL_INTERVAL_MS)
    expect(pollInterval(60_000)).to.equal(1000)
    expect(pollInterval(120_000)).to.equal(2000)
    expect(pollInterval(3_600_000)).to.equal(MAX_POLL_INTERVAL_MS)
  })

  it('a ten-minute creation takes about 320 polls, not 2,300', async () => {
    const fake = scripted([table('CREATING')])
    const deadline = fake.now() + 600_000
    const error = await waitForActive(fake.port, {
      deadline, now: fake.now, sleep: fake.sleep, tableName: 't-1',
    }).catch(error_ => error_)
    expect(error).to.be.instanceOf(SentinelError).with.property('code', 'WAIT_TIMEOUT')
    expect(fake.calls).to.be.within(280, 350)
    expect(Math.max(...fake.sleeps)).to.be.at.most(MAX_POLL_INTERVAL_MS)
  })

  it('an ACTIVE table whose encryption key is changing (SSE UPDATING) is waited for until SSE is ENABLED', async () => {
    const key = 'arn:aws:kms:us-east-1:123456789012:key/k'
    const updating = table('ACTIVE', {SSEDescription: {KMSMasterKeyArn: key, Status: 'UPDATING'}})
    const enabled = table('ACTIVE', {SSEDescription: {...updating.SSEDescription, Status: 'ENABLED'}})
    const fake = scripted([updating, updating, enabled])
    const done = await waitForActive(fake.port, {
      deadline: fake.now() + 600_000, now: fake.now, sleep: fake.sleep, tableName: 't-1',
    })
    expect(done.SSEDescription?.Status).to.equal('ENABLED')
    expect(fake.calls).to.equal(3)
  })

  for (const state of Object.keys(FAILED_TABLE_STATES)) {
    it(`a table ${state} fails at once with its meaning and what to do`, async () => {
      const fake = scripted([table('UPDATING'), table(state)])
      const error = await waitForActive(fake.port, {
        deadline: fake.now() + 600_000, now: fake.now, sleep: fake.sleep, tableName: 't-1',
      }).catch(error_ => error_)
      expect(error).to.be.instanceOf(SentinelError).with.property('code', 'FAILED_STATE')
      expect(error.message).to.equal(`Table t-1 is ${state}: ${FAILED_TABLE_STATES[state].meaning}.`)
      expect(error.suggestion).to.equal(FAILED_TABLE_STATES[state].remedy)
      expect(fake.calls).to.equal(2)
    })
  }

  for (const state of ['REPLICATION_NOT_AUTHORIZED', 'REGION_DISABLED']) {
    it(`a replica ${state} fails at once, naming its region`, async () => {
      const Replicas = [
        {RegionName: 'eu-west-1', ReplicaStatus: 'ACTIVE'},
        {RegionName: 'ap-south-2', ReplicaStatus: state},
      ]
      const fake = scripted([table('UPDATING', {Replicas})])
      const error = await waitForActive(fake.port, {
        deadline: fake.now() + 600_000, now: fake.now, sleep: fake.sleep, tableName: 't-1',
      }).catch(error_ => error_)
      expect(error).to.be.instanceOf(SentinelError).with.property('code', 'FAILED_STATE')
      const {meaning} = FAILED_REPLICA_STATES[state]
      expect(error.message).to.contain(`Replica of t-1 in ap-south-2 is ${state}: ${meaning}`)
      expect(fake.calls).to.equal(1)
    })
  }

  it('a poll throttled past the SDK retries is ridden out: the wait goes on, slower, and ends ACTIVE', async () => {
    const fake = scripted([table('CREATING'), throttled(), throttled(), table('ACTIVE')])
    const told: string[] = []
    const result = await waitForActive(fake.port, {
      deadline: fake.now() + 600_000,
      now: fake.now,
      onThrottled: error => told.push(error.code),
      sleep: fake.sleep,
      tableName: 't-1',
    })
    expect(result.TableStatus).to.equal('ACTIVE')
    expect(told).to.deep.equal(['THROTTLED', 'THROTTLED'])
    expect(fake.sleeps).to.deep.equal([POLL_INTERVAL_MS, 1000, 2000])
  })

  it('a throttled poll that started before the deadline is ridden out even if it failed after it', async () => {
    // The first DescribeTable takes 1.5 s (the SDK's own retries) and is throttled past the deadline at +1 s.
    const fake = scripted([throttled(), table('ACTIVE')])
    const slowFirst = {
      async describeTable(...args: Parameters<DynamoDbPort['describeTable']>) {
        if (fake.calls === 0) await fake.sleep(1500)
        return fake.port.describeTable(...args)
      },
    } as unknown as DynamoDbPort
    const result = await waitForActive(slowFirst, {
      deadline: fake.now() + 1000, now: fake.now, sleep: fake.sleep, tableName: 't-1',
    })
    expect(result.TableStatus).to.equal('ACTIVE')
    expect(fake.calls).to.equal(2)
    // The SDK's 1.5 s, then the poll backoff's first pause (1 s): not polled again at once.
    expect(fake.sleeps).to.deep.equal([1500, 1000])
  })

  it('an error that does not pass (AccessDenied) still ends the wait at once', async () => {
    const denied = new SentinelError('ACCESS_DENIED', 'Access denied: dynamodb:DescribeTable on t-1.')
    const fake = scripted([table('CREATING'), denied])
    const error = await waitForActive(fake.port, {
      deadline: fake.now() + 600_000, now: fake.now, sleep: fake.sleep, tableName: 't-1',
    }).catch(error_ => error_)
    expect(error).to.equal(denied)
  })
})
