/**
 * What a table command reaches outside this process, as one typed dependency (after the CDK's
 * SdkProvider): the DynamoDB session, the STS account lookup, the KMS key resolver, IAM's simulator
 * and key policies (for the role check) and the yes/no prompt. The CLI runs on the SDK and the
 * terminal (CLI_SERVICES); the in-process command tests give an in-memory DynamoDB, a fixed account,
 * a key table, IAM's simulator and a scripted answer
 * (test/support/command-runner.ts), so the orchestration is tested without Java or AWS.
 */
import {createIamAdapter} from '../aws/iam.js'
import {kmsKeyPolicyReader, kmsKeyResolver} from '../aws/kms.js'
import {openSession} from '../aws/session.js'
import {lookupAccount} from '../aws/sts.js'
import {promptYesNo} from './prompt.js'

export interface RunServices {
  /** The run's DynamoDB session (starting DynamoDB Local for --local); closed by the command. */
  openSession: typeof openSession
  lookupAccount: typeof lookupAccount
  kmsKeyResolver: typeof kmsKeyResolver
  /** init:status --server-role / --provisioner-role only: IAM's simulator, and each key's policy. */
  iam: typeof createIamAdapter
  kmsKeyPolicyReader: typeof kmsKeyPolicyReader
  /** Asked only on a terminal, never under --json; true applies. */
  promptYesNo: typeof promptYesNo
}

export const CLI_SERVICES: RunServices = {
  iam: createIamAdapter, kmsKeyPolicyReader, kmsKeyResolver, lookupAccount, openSession, promptYesNo,
}
