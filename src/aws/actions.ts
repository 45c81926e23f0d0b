/** The DynamoDB actions the CLI calls; the IAM policy's provisioning statement lists exactly these. */
export type DynamoAction =
  | 'CreateTable'
  | 'DescribeContinuousBackups'
  | 'DescribeTable'
  | 'DescribeTimeToLive'
  | 'ListTagsOfResource'
  | 'TagResource'
  | 'UpdateContinuousBackups'
  | 'UpdateTable'
  | 'UpdateTimeToLive'

export const DYNAMO_ACTIONS: readonly DynamoAction[] = [
  'CreateTable',
  'DescribeContinuousBackups',
  'DescribeTable',
  'DescribeTimeToLive',
  'ListTagsOfResource',
  'TagResource',
  'UpdateContinuousBackups',
  'UpdateTable',
  'UpdateTimeToLive',
]
