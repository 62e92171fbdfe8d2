#!/usr/bin/env node
// npm install hook: use a prebuilt binary for this platform (prebuilds/, made
// by prebuildify), else build from source; on failure, say what to install.
'use strict';
const { spawnSync } = require('node:child_process');
const path = require('node:path');

const root = path.join(__dirname, '..');
try {
  require('node-gyp-build').path(root);
  process.exit(0);  // a prebuilt or an earlier build matches
} catch {
  // no usable binary yet: build one below
}

const bin = path.join(require.resolve('node-gyp-build/package.json'), '..', 'bin.js');
const r = spawnSync(process.execPath, [bin], { cwd: root, stdio: 'inherit' });
if (r.status !== 0) {
  console.error(
    '\nvirtkit: no prebuilt binary for ' + process.platform + '-' + process.arch +
      ', and building from source failed. Install the build dependencies, then reinstall:\n' +
      '  Debian/Ubuntu: apt-get install libvirt-dev pkg-config g++ make python3\n' +
      '  Fedora/RHEL:   dnf install libvirt-devel pkgconf-pkg-config gcc-c++ make python3\n',
  );
  process.exit(r.status || 1);
}
