// The push-to-pull queue shared by events(), pollStats() and Host#watch(): against a model,
// over random interleavings of producer and consumer operations.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AsyncQueue } from '../../lib/util/async-queue.js';

/** `FC_SEED=n` replays one seed; otherwise fast-check picks one (printed on failure). */
const SEED = process.env.FC_SEED ? Number(process.env.FC_SEED) : undefined;

type Op = { t: 'push'; v: number } | { t: 'end' } | { t: 'fail' } | { t: 'next' } | { t: 'return' };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ t: fc.constant('push' as const), v: fc.integer() }),
  fc.constant({ t: 'end' as const }),
  fc.constant({ t: 'fail' as const }),
  fc.constant({ t: 'next' as const }),
  fc.constant({ t: 'return' as const }),
);

/** What a consumer must see: every value pushed before the end (newest `hwm` kept), then done or the error once. */
function model(ops: Op[], hwm: number): { results: string[]; dropped: number } {
  const buf: number[] = [];
  const waiting: number[] = []; // indexes of pending next() results
  const results: string[] = [];
  let ended = false;
  let failure = false;
  let dropped = 0;
  const settle = (i: number, r: string) => (results[i] = r);
  const drainWaiters = () => {
    if (buf.length > 0) return;
    for (const i of waiting.splice(0)) {
      if (failure) {
        settle(i, 'error');
        failure = false;
      } else settle(i, 'done');
    }
  };
  for (const o of ops) {
    if (o.t === 'push') {
      if (ended) continue;
      const w = waiting.shift();
      if (w !== undefined) settle(w, `v${o.v}`);
      else {
        buf.push(o.v);
        if (buf.length > hwm) {
          buf.shift();
          dropped++;
        }
      }
    } else if (o.t === 'end' || o.t === 'fail') {
      if (ended) continue;
      ended = true;
      failure = o.t === 'fail';
      drainWaiters();
    } else if (o.t === 'next') {
      const i = results.length;
      results.push('pending');
      if (buf.length) settle(i, `v${buf.shift()}`);
      else if (ended) {
        settle(i, failure ? 'error' : 'done');
        failure = false;
      } else waiting.push(i);
    } else {
      buf.length = 0;
      failure = false;
      if (!ended) {
        ended = true;
        drainWaiters();
      }
    }
  }
  return { results, dropped };
}

describe('AsyncQueue', () => {
  it('matches the model on random operation sequences', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 40 }), fc.integer({ min: 1, max: 5 }), async (ops, hwm) => {
        const q = new AsyncQueue<number>(hwm);
        let closed = 0;
        q.onClose(() => closed++);
        const got: Array<Promise<string>> = [];
        for (const o of ops) {
          if (o.t === 'push') q.push(o.v);
          else if (o.t === 'end') q.end();
          else if (o.t === 'fail') q.fail(new Error('boom'));
          else if (o.t === 'next') got.push(q.next().then((r) => (r.done ? 'done' : `v${r.value}`), () => 'error'));
          else void q.return();
        }
        const m = model(ops, hwm);
        const settled = await Promise.all(got.map((p, i) => (m.results[i] === 'pending' ? Promise.resolve('pending') : p)));
        expect(settled).toEqual(m.results);
        expect(q.dropped).toBe(m.dropped);
        const endedAtAll = ops.some((o) => o.t === 'end' || o.t === 'fail' || o.t === 'return');
        expect(closed).toBe(endedAtAll ? 1 : 0);
        expect(q.ended).toBe(endedAtAll);
      }),
      { numRuns: 500, ...(SEED === undefined ? {} : { seed: SEED }) },
    );
  });

  it('ready resolves with markReady or at the end, and rejects when it fails first', async () => {
    const a = new AsyncQueue<number>();
    a.markReady();
    await expect(a.ready).resolves.toBeUndefined();
    const b = new AsyncQueue<number>();
    b.end();
    await expect(b.ready).resolves.toBeUndefined();
    const c = new AsyncQueue<number>();
    const err = new Error('x');
    c.fail(err);
    await expect(c.ready).rejects.toBe(err);
  });
});
