// Writes schemas/*.json from the --json documents' types (see schemas-lib.mjs): `npm run schemas`.
import {writeSchemas} from './schemas-lib.mjs'

writeSchemas()
