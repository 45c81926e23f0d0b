// Writes src/aws/sdk-partitions.ts from the installed AWS SDK (see partitions-lib.mjs). Run by
// `npm run build`, `npm run test:unit`, `npm run lint` and mocha's setup, so that an un-built
// checkout works too; it only rewrites the file when the data changed.
import {writeSdkPartitions} from './partitions-lib.mjs'

writeSdkPartitions()
