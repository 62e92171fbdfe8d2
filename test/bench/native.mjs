// The raw addon, for benchmarks that read internal counters.
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
const require = createRequire(import.meta.url);
export const native = require('node-gyp-build')(fileURLToPath(new URL('../..', import.meta.url)));
