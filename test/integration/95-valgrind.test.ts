// Hardening (no leak): scripts/valgrind.sh runs a lifetime workload (lookups,
// getInfo, free/using, close with calls in flight) and a fuzz workload (every
// bound method, random arguments) on test:///default under memcheck. It fails
// on a definite leak with virtkit.node frames, on any memory error, and when a
// workload does not reach its end. About a minute here.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { resolve } from 'node:path';

const ROOT = resolve(__dirname, '..', '..');

describe('valgrind memcheck', () => {
  it('no definite leak in virtkit frames, no memory error, both workloads finish', () => {
    const r = spawnSync('bash', ['scripts/valgrind.sh'], { cwd: ROOT, encoding: 'utf8', timeout: 900_000 });
    const out = `${r.stdout}\n${r.stderr}`;
    console.log(out.split('\n').filter((l) => /^(lifetime|fuzz):|^runtime/.test(l)).join('\n'));
    expect(r.status, out.slice(-6000)).toBe(0);
    for (const name of ['lifetime', 'fuzz']) {
      const line = out.split('\n').find((l) => l.startsWith(`${name}:`));
      expect(line, out.slice(-3000)).toMatch(/with virtkit\.node frames 0; memory errors 0;/);
    }
  }, 1_000_000);
});
