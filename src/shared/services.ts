/**
 * What a table command reaches outside this process, as one typed dependency (after the CDK's
 * SdkProvider): the DynamoDB session, the STS account lookup, the KMS key resolver and the yes/no
 * prompt. The CLI runs on the SDK and the terminal (CLI_SERVICES); the in-process command tests
 * give an in-memory DynamoDB, a fixed account, a key table and a scripted answer
 * (test/support/command-runner.ts), so the orchestration is tested without Java or AWS.
 */
import {kmsKeyResolver} from '../aws/kms.js'
import {openSession} from '../aws/session.js'
import {lookupAccount} from '../aws/sts.js'
import {promptYesNo} from './prompt.js'

export interface RunServices {
  /** The run's DynamoDB session (starting DynamoDB Local for --local); closed by the command. */
  openSession: typeof openSession
  lookupAccount: typeof lookupAccount
  kmsKeyResolver: typeof kmsKeyResolver
  /** Asked only on a terminal, never under --json; true applies. */
  promptYesNo: typeof promptYesNo
}

export const CLI_SERVICES: RunServices = {
  kmsKeyResolver, lookupAccount, openSession, promptYesNo,
}
