/**
 * The typed port to DynamoDB: one method per operation this CLI calls, with the SDK's own input
 * and output types. The provisioning service depends only on this interface; the SDK adapter
 * (sdk-dynamodb.ts) implements it for real endpoints, and unit tests use an in-memory fake.
 *
 * Contract for implementations:
 * - Failures are thrown as a SentinelError (classifyAwsError, errors.ts) with a stable code, the AWS
 *   error name, its request ID and whether the call may be retried (`aws`), and the original error as
 *   its cause.
 * - createTable and updateTable are sent exactly once (never retried by the adapter): a repeated
 *   create or a no-op update is an error in DynamoDB, so the service reads the table first.
 *   Every other call may be retried by the adapter for throttling, 5xx and dropped connections.
 */
import type {
  CreateTableCommandInput,
  CreateTableCommandOutput,
  DescribeContinuousBackupsCommandInput,
  DescribeContinuousBackupsCommandOutput,
  DescribeTableCommandInput,
  DescribeTableCommandOutput,
  DescribeTimeToLiveCommandInput,
  DescribeTimeToLiveCommandOutput,
  GetResourcePolicyCommandInput,
  GetResourcePolicyCommandOutput,
  ListTagsOfResourceCommandInput,
  ListTagsOfResourceCommandOutput,
  TagResourceCommandInput,
  TagResourceCommandOutput,
  UpdateContinuousBackupsCommandInput,
  UpdateContinuousBackupsCommandOutput,
  UpdateTableCommandInput,
  UpdateTableCommandOutput,
  UpdateTimeToLiveCommandInput,
  UpdateTimeToLiveCommandOutput,
} from '@aws-sdk/client-dynamodb'

export interface DynamoDbPort {
  /** The endpoint as the operator should see it in messages. */
  readonly endpointName: string
  /** True when the endpoint was overridden (--endpoint-url, env, profile, --local). */
  readonly endpointOverride: boolean
  /** True for --local: the CLI's own DynamoDB Local, an emulator (what it lacks is excused). */
  readonly local: boolean

  createTable(input: CreateTableCommandInput): Promise<CreateTableCommandOutput>
  describeContinuousBackups(
    input: DescribeContinuousBackupsCommandInput,
  ): Promise<DescribeContinuousBackupsCommandOutput>
  describeTable(input: DescribeTableCommandInput): Promise<DescribeTableCommandOutput>
  describeTimeToLive(input: DescribeTimeToLiveCommandInput): Promise<DescribeTimeToLiveCommandOutput>
  /** Read by init:status's role check only (PolicyNotFoundException: the table has none). */
  getResourcePolicy(input: GetResourcePolicyCommandInput): Promise<GetResourcePolicyCommandOutput>
  listTagsOfResource(input: ListTagsOfResourceCommandInput): Promise<ListTagsOfResourceCommandOutput>
  tagResource(input: TagResourceCommandInput): Promise<TagResourceCommandOutput>
  updateContinuousBackups(input: UpdateContinuousBackupsCommandInput): Promise<UpdateContinuousBackupsCommandOutput>
  updateTable(input: UpdateTableCommandInput): Promise<UpdateTableCommandOutput>
  updateTimeToLive(input: UpdateTimeToLiveCommandInput): Promise<UpdateTimeToLiveCommandOutput>

  /** Releases sockets. */
  destroy(): void
}

/** What a port is besides its operations. */
type PortProperty = 'destroy' | 'endpointName' | 'endpointOverride' | 'local'

/** Which port method carries which IAM action: the policy and the port cannot drift apart. */
export const PORT_ACTIONS = {
  createTable: 'CreateTable',
  describeContinuousBackups: 'DescribeContinuousBackups',
  describeTable: 'DescribeTable',
  describeTimeToLive: 'DescribeTimeToLive',
  getResourcePolicy: 'GetResourcePolicy',
  listTagsOfResource: 'ListTagsOfResource',
  tagResource: 'TagResource',
  updateContinuousBackups: 'UpdateContinuousBackups',
  updateTable: 'UpdateTable',
  updateTimeToLive: 'UpdateTimeToLive',
} as const satisfies Record<Exclude<keyof DynamoDbPort, PortProperty>, string>

export type PortOperation = keyof typeof PORT_ACTIONS

/** A DynamoDB action the CLI calls. */
export type DynamoAction = (typeof PORT_ACTIONS)[PortOperation]

/**
 * What only the role check reads (init:status --server-role / --provisioner-role): granted by its
 * own statement, for the CI role that runs the check, not by the provisioning statement.
 */
export const ROLE_CHECK_DYNAMO_ACTIONS: readonly DynamoAction[] = ['GetResourcePolicy']

/** Every action provisioning calls, in name order: the provisioner policy lists exactly these. */
export const DYNAMO_ACTIONS: readonly DynamoAction[] = Object.values(PORT_ACTIONS)
.filter(action => !ROLE_CHECK_DYNAMO_ACTIONS.includes(action)).sort()
