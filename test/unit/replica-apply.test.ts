/**
 * One replica's apply in-process, on a clock the test moves: a replica its region does not show yet
 * (DescribeTable there answers "not found" right after AWS lists it at home) is read again at the
 * policy's pace, and given up on at the deadline with a WAIT_TIMEOUT that names the replica.
 */
import {expect} from 'chai'

import {SentinelError} from '../../src/errors.js'
import {type Clock, FaultPolicy} from '../../src/provisioning/fault-policy.js'
import {GlobalTables} from '../../src/provisioning/global-table.js'
import {EndpointCapabilities} from '../../src/provisioning/live-table.js'
import {SILENT_REPORTER} from '../../src/provisioning/outcome.js'
import {DEFAULT_TIMING, Provisioner} from '../../src/provisioning/provisioner.js'
import {ReplicaApply} from '../../src/provisioning/replica-apply.js'
import {ReplicaWatch} from '../../src/provisioning/replica-wait.js'
import {globalBreakglass} from '../support/desired.js'
import {fakeClock} from '../support/fake-clock.js'
import {FakeDynamoDb} from '../support/fake-dynamodb.js'

const REREAD_MS = 500
const REGION = 'eu-west-1'

const desired = globalBreakglass({tags: new Map()})

/** The table's region and the replica's, each a fake DynamoDB, on one clock. */
function regions(clock: Clock) {
  const home = new FakeDynamoDb()
  const replica = new FakeDynamoDb()
  const timing = {rereadMs: REREAD_MS}
  const tables = new GlobalTables(
    new Provisioner(new EndpointCapabilities(home), {clock, timing}),
    async () => new Provisioner(new EndpointCapabilities(replica), {clock, timing}),
  )
  return {
    replica, run: new ReplicaApply(tables, desired, {region: REGION}, {
      deadline: clock.now() + 5000, reporter: SILENT_REPORTER,
    }),
  }
}

describe('a replica not visible yet in its region (issue 24)', () => {
  it('is read again every rereadMs until the deadline, then WAIT_TIMEOUT names the replica and the rerun', async () => {
    const clock = fakeClock()
    const {replica, run} = regions(clock)
    const error = await run.settings().then(() => undefined, (error_: unknown) => error_)
    expect(error).to.be.instanceOf(SentinelError)
    const failure = error as SentinelError
    expect(failure.code).to.equal('WAIT_TIMEOUT')
    expect(failure.message).to.equal(`AWS does not show the replica of ${desired.tableName} in ${REGION} yet.`)
    expect(failure.suggestion).to.equal('Rerun the same command (with a larger --wait-timeout) to continue.')
    // Reads at 0, 0.5 s … 5 s: the last one fails at the deadline, and no pause follows it.
    expect(replica.count('describeTable')).to.equal(11)
    expect(clock.sleeps).to.deep.equal(Array.from({length: 10}, () => REREAD_MS))
  })

  it('once the region shows it, its settings are planned and set there', async () => {
    const clock = fakeClock()
    const {replica, run} = regions(clock)
    const answer = replica.describeTable.bind(replica)
    replica.describeTable = async input => {
      // AWS shows the replica in its region from the fourth read on.
      if (replica.count('describeTable') === 3 && !replica.tables.has(desired.tableName)) {
        replica.seed({
          AttributeDefinitions: [{AttributeName: 'id', AttributeType: 'S'}],
          BillingMode: 'PAY_PER_REQUEST',
          KeySchema: [{AttributeName: 'id', KeyType: 'HASH'}],
          TableName: desired.tableName,
        })
      }

      return answer(input)
    }

    const outcome = await run.settings()
    expect(outcome.region).to.equal(REGION)
    expect(outcome.applied).to.deep.equal([
      `Turn deletion protection on in ${REGION}`,
      `Enable point-in-time recovery in ${REGION}`,
      `Add tags sentinel:table=breakglass in ${REGION}`,
    ])
    expect(replica.count('describeTable')).to.be.greaterThanOrEqual(4)
    expect(clock.sleeps.slice(0, 3)).to.deep.equal([REREAD_MS, REREAD_MS, REREAD_MS])
  })
})

describe('a replica being added: its wait rides out a throttled poll', () => {
  it('a throttled DescribeTable is polled again after the wait\'s first pause, not the end of the run', async () => {
    const clock = fakeClock()
    const home = new FakeDynamoDb()
    home.seed({
      AttributeDefinitions: [{AttributeName: 'id', AttributeType: 'S'}],
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [{AttributeName: 'id', KeyType: 'HASH'}],
      TableName: desired.tableName,
    })
    home.tables.get(desired.tableName)!.description.Replicas = [{RegionName: REGION, ReplicaStatus: 'ACTIVE'}]
    home.script('describeTable', {kind: 'error', name: 'ThrottlingException', status: 400})
    const progress: string[] = []
    const watch = new ReplicaWatch(home, desired.tableName, REGION, {
      deadline: clock.now() + 60_000,
      faults: new FaultPolicy(DEFAULT_TIMING, clock),
      pollMs: 1000,
      reporter: {...SILENT_REPORTER, progress: line => progress.push(line)},
    })
    await watch.untilReplicaActive()
    expect(home.count('describeTable')).to.equal(2)
    expect(clock.sleeps).to.deep.equal([1000])
    expect(progress).to.deep.equal([
      `DescribeTable on ${desired.tableName} is throttled or failing; waiting on, polling less often`,
    ])
  })
})
