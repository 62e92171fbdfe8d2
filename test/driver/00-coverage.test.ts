// libvirt-python's test_api_coverage, for virtkit: every function of the three
// API XML files is bound under its mechanical name, used inside the binding,
// or skipped with a reason in scripts/overrides.json.
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { native } from '../../lib/libvirt/binding.js';
import '../../lib/index.js';

function xmlFunctions(): string[] {
  const out: string[] = [];
  for (const [v, pkg] of [['libvirt_api', 'libvirt'], ['libvirt_qemu_api', 'libvirt-qemu'], ['libvirt_lxc_api', 'libvirt-lxc']]) {
    const path = execFileSync('pkg-config', ['--variable', v, pkg], { encoding: 'utf8' }).trim();
    const xml = readFileSync(path, 'utf8');
    for (const m of xml.matchAll(/<function name='(\w+)'/g)) out.push(m[1]);
  }
  return out;
}

const overrides = JSON.parse(readFileSync(join(__dirname, '../../scripts/overrides.json'), 'utf8'));

describe('API coverage', () => {
  const fns = xmlFunctions();
  const bound = new Map<string, { js: string; owner: string; static: boolean }>();
  for (const b of native._bound) bound.set(b.c, b);
  const internal = new Set<string>(native._internal);

  it('every function is bound, used internally, or skipped with a reason', () => {
    const missing = fns.filter((f) => !bound.has(f) && !internal.has(f) && !(f in overrides.skip));
    expect(missing).toEqual([]);
    for (const [f, why] of Object.entries(overrides.skip)) expect(String(why).length, f).toBeGreaterThan(10);
  });

  it('every bound function is callable under its mechanical name', () => {
    for (const [c, b] of bound) {
      const target = b.owner === '' ? native : b.static ? native[b.owner] : native[b.owner].prototype;
      expect(typeof target[b.js], `${c} -> ${b.owner}${b.static ? '.' : '#'}${b.js}`).toBe('function');
    }
  });

  it('what the overrides call manual or internal really is bound or used', () => {
    for (const f of Object.keys(overrides.manual)) expect(bound.has(f), f).toBe(true);
    for (const f of Object.keys(overrides.internal)) expect(internal.has(f), f).toBe(true);
  });

  it('uses at least 95% of the functions', () => {
    const used = fns.filter((f) => bound.has(f) || internal.has(f)).length;
    const ratio = used / fns.length;
    console.log(`coverage: ${used}/${fns.length} = ${(ratio * 100).toFixed(1)}% (bound ${fns.filter((f) => bound.has(f)).length}, internal ${fns.filter((f) => internal.has(f) && !bound.has(f)).length}, skipped ${fns.length - used})`);
    expect(ratio).toBeGreaterThanOrEqual(0.95);
  });

  it('every enum value is exported under its C name', async () => {
    const lib: any = await import('../../lib/index.js');
    const path = execFileSync('pkg-config', ['--variable', 'libvirt_api', 'libvirt'], { encoding: 'utf8' }).trim();
    const xml = readFileSync(path, 'utf8');
    const names = [...xml.matchAll(/<enum name='(\w+)'/g)].map((m) => m[1]);
    expect(names.length).toBeGreaterThan(1000);
    const missing = names.filter((n) => typeof lib[n] !== 'number');
    expect(missing).toEqual([]);
    expect(lib.VIR_DOMAIN_RUNNING).toBe(1);
    expect(lib.virDomainState.VIR_DOMAIN_PAUSED).toBe(3);
  });
});

describe('generated code', () => {
  it('is what the generator produces from this libvirt (regenerating changes nothing)', () => {
    const r = execFileSync('python3', ['scripts/generate.py', '--check'], { encoding: 'utf8' });
    expect(r).toMatch(/generated \d+ bindings/);
  });
});
