/**
 * Loaded by mocha before any test file (.mocharc.json): writes the sources generated at build time
 * (src/aws/sdk-partitions.ts), so `npx mocha test/unit/x.test.ts` works in a checkout never built.
 */
// @ts-expect-error: a plain JavaScript build script, without type declarations
import {writeSdkPartitions} from '../../scripts/partitions-lib.mjs'

writeSdkPartitions()
