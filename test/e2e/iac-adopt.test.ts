/**
 * Tables sentinel made and an operator then changed by hand (a tag, an added index, a stream),
 * adopted by Terraform from `--import-existing`: 4 to import and nothing else, the apply keeps every
 * change, and `init status` still finds them converged. Beside test/e2e/iac-tools.test.ts (its own
 * `terraform init`) so that the longest Terraform run does not wait behind the others.
 */
import {expect} from 'chai'

import {startAwsLayer} from '../support/aws-behaviour.js'
import {
  describeAsAws, expectChangesByHandKept, expectConverged, exportDocument, planCounts, SETTINGS, tablesChangedByHand,
  type Terraform, terraformWorkspace,
} from '../support/iac-tools.js'
import {allTableFlags, freshDynamoLocal, uniqueNames} from '../support/servers.js'

describe('the exports under the real tools: Terraform adopting tables changed by hand (end to end)', function () {
  this.timeout(600_000)
  let terraform: Terraform

  before(async function () {
    terraform = await terraformWorkspace(this)
  })

  describe('terraform', () => {
    it('--import-existing of tables changed by hand (tag, index, stream): imported, nothing removed', async () => {
      // A DynamoDB Local of its own: with ten or more tables, it never finishes an index added by UpdateTable.
      const own = await startAwsLayer((await freshDynamoLocal()).endpoint)
      try {
        describeAsAws(own)
        const names = uniqueNames('tfadopt')
        const approvalsArn = await tablesChangedByHand(own.endpoint, names)
        // The plan leaves the changes alone: every table is converged.
        await expectConverged(allTableFlags(names), own.endpoint)
        const document = await exportDocument('terraform', [
          '--import-existing', '--endpoint-url', own.endpoint, ...allTableFlags(names), ...SETTINGS,
        ])
        const dir = terraform.workingFolder('adopt', document, own.endpoint)
        const plan = await terraform.tf(dir, ['plan', '-input=false'])
        expect(planCounts(plan), plan).to.deep.equal({
          adds: 0, changes: 0, destroys: 0, imports: 4,
        })
        const applied = await terraform.tf(dir, ['apply', '-auto-approve', '-input=false'])
        expect(applied).to.contain('Apply complete! Resources: 4 imported, 0 added, 0 changed, 0 destroyed.')
        await expectChangesByHandKept(own.endpoint, names, approvalsArn)
        expect(await terraform.tf(dir, ['plan', '-input=false'])).to.contain('No changes.')
      } finally {
        await own.close()
      }
    })
  })
})
