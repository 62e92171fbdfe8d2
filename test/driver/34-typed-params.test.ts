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

  it('a field sequence seen before (built by its compiled maker) gives an equal, separate object', () => {
    const input = { 'state.state': 1, 'state.reason': 2, 'vcpu.0.time': { type: 'ullong', value: 5n }, 'net.0.name': 'vnet0' };
    const a = roundTrip(input), b = roundTrip(input);
    expect(a).toEqual({ 'state.state': 1, 'state.reason': 2, 'vcpu.0.time': 5n, 'net.0.name': 'vnet0' });
    expect(b).toEqual(a);
    expect(b).not.toBe(a);
    expect(Object.keys(b)).toEqual(Object.keys(input));
    expect(Object.getPrototypeOf(b)).toBe(Object.prototype);
  });

  it('names a literal cannot hold stay data: __proto__, a repeated name, quotes and spaces', () => {
    for (let i = 0; i < 2; i++) { // the second time through any maker
      const p = roundTrip({ ['__proto__']: 'x', a: 1 } as Record<string, unknown>);
      expect(Object.getPrototypeOf(p)).toBe(Object.prototype);
      expect(Object.getOwnPropertyDescriptor(p, '__proto__')?.value).toBe('x');
      expect(roundTrip({ k: [1, 2], j: 3 })).toEqual({ k: [1, 2], j: 3 });
      expect(roundTrip({ 'a"b': 1, 'c d': 2, 'e\\': 3, '}': 4 })).toEqual({ 'a"b': 1, 'c d': 2, 'e\\': 3, '}': 4 });
    }
  });

  it('field sequences whose names join to the same text get their own makers', () => {
    for (let i = 0; i < 2; i++) {
      expect(roundTrip({ 'p,q': 1 })).toEqual({ 'p,q': 1 });
      expect(roundTrip({ p: 1, q: 2 })).toEqual({ p: 1, q: 2 });
      expect(roundTrip({ pq: 3 })).toEqual({ pq: 3 });
      expect(roundTrip({ 'p.q': 4, r: 5 })).toEqual({ 'p.q': 4, r: 5 });
      expect(roundTrip({ p: 6, 'q.r': 7 })).toEqual({ p: 6, 'q.r': 7 });
    }
  });

  it('more field sequences than the maker cache holds (1,024) still convert right', () => {
    for (let i = 0; i < 1500; i++) {
      const input = { [`s${i}.a`]: i, [`s${i}.b`]: -i - 1 };
      expect(roundTrip(input)).toEqual(input);
    }
    expect(roundTrip({ 's7.a': 7, 's7.b': -8 })).toEqual({ 's7.a': 7, 's7.b': -8 });
  });

  it('a field name of 80 bytes or more is a TypeError, not a truncated key', () => {
    expect(() => roundTrip({ ['y'.repeat(80)]: 1 })).toThrow(TypeError);
  });
});
