// The raw addon, for benchmarks that read internal counters.
import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
export const native = require('node-gyp-build')(new URL('../..', import.meta.url).pathname);
