#!/usr/bin/env node
'use strict';
// The `virtkit` command: the code is bundled in dist/cli.cjs (lib/cli/).
require('../dist/cli.cjs').run(process.argv.slice(2));
