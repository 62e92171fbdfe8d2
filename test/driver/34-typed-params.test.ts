// Typed params out of libvirt become plain objects (docs/DESIGN.md, rule 7): a repeated
// field becomes an array, and field names come from a per-environment cache
// that must hand out the right name however many there are and whatever order
// they come in. Reached through native._typedParamsRoundTrip (JS -> C -> JS).
import { describe, expect, it } from 'vitest';
import { native } from '../../lib/libvirt/binding.js';
import '../../lib/index.js';

const roundTrip = (o: Record<string, unknown>) => native._typedParamsRoundTrip(o) as Record<string, unknown>;

describe('typed params to JS', () => {
  it('keeps every type, and a repeated field becomes an array in order', () => {
    const out = roundTrip({
      i: { type: 'int', value: -5 }, u: { type: 'uint', value: 7 }, l: { type: 'llong', value: -(2n ** 40n) },
      ul: { type: 'ullong', value: 2n ** 64n - 1n }, d: 1.5, b: true, s: 'x',
      rep: ['a', 'b', 'c'], one: ['only'],
    });
    expect(out).toEqual({ i: -5, u: 7, l: -(2n ** 40n), ul: 2n ** 64n - 1n, d: 1.5, b: true, s: 'x', rep: ['a', 'b', 'c'], one: 'only' });
  });

  it('a name repeated in one object is an array, the same name in the next object is not', () => {
    expect(roundTrip({ k: [1, 2] })).toEqual({ k: [1, 2] });
    expect(roundTrip({ k: 3 })).toEqual({ k: 3 });
    expect(roundTrip({ k: [4, 5, 6], other: 1 })).toEqual({ k: [4, 5, 6], other: 1 });
  });

  it('thousands of distinct names (the cache grows) map to the right keys, in any order', () => {
    const names = Array.from({ length: 3000 }, (_, i) => `block.${i}.rd.bytes`);
    names.push('x'.repeat(79), 'ü.é', '');  // longest allowed, non-ASCII, empty
    for (const order of [names, [...names].reverse()]) {
      const input: Record<string, number> = {};
      order.forEach((n, i) => { input[n] = i; });
      const out = roundTrip(input);
      expect(Object.keys(out)).toEqual(Object.keys(input));
      for (const n of order) expect(out[n]).toBe(input[n]);
    }
  });

  it('a field name of 80 bytes or more is a TypeError, not a truncated key', () => {
    expect(() => roundTrip({ ['y'.repeat(80)]: 1 })).toThrow(TypeError);
  });
});
