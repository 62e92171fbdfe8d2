// Hardening (no hang under load): 10,000 interleaved operations against
// test:///default from the main thread and two worker threads, each with its own
// connection (the test driver's state is per process, so all three share it),
// on per-thread domains plus the shared 'test' domain; every result is checked.
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { native } from '../../lib/libvirt/binding.js';
import { bundle } from '../helpers/fuzz-child.js';
import { loadRun } from '../helpers/fuzz-load-worker.js';

describe('load', () => {
  it('10,000 interleaved operations from the main thread and two workers, all consistent', async () => {
    const file = bundle('fuzz-load-worker');
    const t0 = Date.now();
    const per = Math.ceil(10_000 / 3);
    const worker = (tag: string) => new Promise<{ ops: number; checked: number; errors: string[] }>((res, rej) => {
      const w = new Worker(file, { workerData: { vkLoad: true, tag, ops: per } });
      w.once('message', res);
      w.once('error', rej);
      w.once('exit', (c) => c !== 0 && rej(new Error(`worker ${tag} exited ${c}`)));
    });
    const results = await Promise.all([loadRun('main', per), worker('w1'), worker('w2')]);
    const ops = results.reduce((a, r) => a + r.ops, 0);
    const checked = results.reduce((a, r) => a + r.checked, 0);
    console.log(`load: ${ops} operations, ${checked} results checked, in ${Date.now() - t0} ms (3 threads)`);
    expect(results.flatMap((r) => r.errors)).toEqual([]);
    expect(ops).toBeGreaterThanOrEqual(10_000);
    expect(native._diagnostics().inFlight).toBe(0);
  }, 240_000);
});
