// The README's "Many hosts" example, run as written inside host1's network namespace (where
// qemu+tcp://10.77.0.1 and 10.77.0.2 are the two private hosts).
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fleetHosts, holderPid, removeEverywhere } from '../helpers/fleet.js';

const root = join(__dirname, '..', '..');
const { hosts, skip, reason } = fleetHosts();

describe.skipIf(skip)(`README "Many hosts" example (${reason})`, () => {
  afterAll(async () => {
    await removeEverywhere(hosts!.unix, 'readme-fleet');
  });

  it('runs: the guest moves from host1 to host2', async () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const m = readme.match(/<!-- example: fleet -->\s*```js\n([\s\S]*?)```/);
    expect(m).not.toBeNull();
    await removeEverywhere(hosts!.unix, 'readme-fleet');
    // `import ... from 'virtkit'` resolves to this package's build (self-reference).
    if (!existsSync(join(root, 'dist/index.mjs'))) execFileSync('npx', ['tsup'], { cwd: root, stdio: 'ignore' });
    const file = join(root, `.readme-fleet-${process.pid}.mjs`);
    writeFileSync(file, m![1]);
    try {
      const out = execFileSync('nsenter', ['-t', String(holderPid(1)), '-n', '--', process.execPath, file], {
        cwd: root,
        encoding: 'utf8',
        timeout: 60_000,
      });
      expect(out).toMatch(/^host1 up $/m);
      expect(out).toMatch(/^host2 up $/m);
      expect(out).toMatch(/^from host1: (stats|completed|iteration) \d+ %$/m);
      expect(out).toMatch(/^migrated in \d+ ms, downtime \d+ ms$/m);
      expect(out).toMatch(/^host2 readme-fleet \d+$/m);
      expect(out).toMatch(/^now on host2$/m);
    } finally {
      rmSync(file, { force: true });
    }
  });
});
