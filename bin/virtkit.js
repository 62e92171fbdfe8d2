#!/usr/bin/env node
'use strict';
// The `virtkit` command: the code is bundled in dist/cli.cjs (lib/cli/).
let cli;
try {
  cli = require('../dist/cli.cjs');
} catch (e) {
  // No native binary (ERR_VIRTKIT_NO_BINARY: its message says how to build one), no dist/.
  let msg = String((e && e.message) || e);
  if (e && e.code === 'MODULE_NOT_FOUND' && msg.includes('dist/cli.cjs')) msg = 'dist/cli.cjs is missing: run `npm run build`';
  process.stderr.write((msg.startsWith('virtkit: ') ? msg : 'virtkit: ' + msg) + (e && e.code ? ' (' + e.code + ')' : '') + '\n');
  process.exit(1);
}
cli.run(process.argv.slice(2));
