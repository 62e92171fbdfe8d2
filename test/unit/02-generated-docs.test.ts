// The generated TSDoc describes the JS contract (what the Promise resolves to,
// when it rejects), not C's error sentinels that JS never sees.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const api = readFileSync(join(__dirname, '../../lib/libvirt/generated/api.ts'), 'utf8');
const returns = [...api.matchAll(/^\s*\* @returns (.*)$/gm)].map((m) => m[1]);
// generated methods (hand-written ones say where they are written and carry their own doc)
const generated = [...api.matchAll(/@remarks C: `\w+` \(libvirt >= [\d.]+\)$/gm)];

describe('generated TSDoc', () => {
  it('every generated method says what it resolves to (or returns) and that it rejects (or throws) with LibvirtError', () => {
    expect(generated.length).toBeGreaterThan(380);
    expect(returns.length).toBe(generated.length);
    for (const r of returns) expect(r).toMatch(/^(A Promise of .* It rejects with a `LibvirtError`|.* Throws a `LibvirtError`)/);
  });

  it("no @returns speaks of C's NULL or -1 error values", () => {
    const bad = returns.filter((r) => /\bNULL\b|-1 (on|in case of|upon)|in case of (error|failure)|caller must free/i.test(r));
    expect(bad).toEqual([]);
  });
});
