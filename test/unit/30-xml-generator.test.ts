// The generated typed-XML layer matches what scripts/gen-xml.py writes from the installed
// schemas, and every table entry compiles.
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { VALUES, SHAPES } from '../../lib/xml/generated/tables.js';
import { ROOTS } from '../../lib/xml/generated/schemas.js';
import { SCHEMA_NAMES } from '../../lib/xml/index.js';
import { readdirSync, readFileSync } from 'node:fs';

const root = join(__dirname, '..', '..');
const schemaDir = '/usr/share/libvirt/schemas';

describe('gen-xml', () => {
  it('regenerating changes nothing (--check)', () => {
    const out = execFileSync('python3', [join(root, 'scripts/gen-xml.py'), '--check'], { encoding: 'utf8' });
    expect(out).toMatch(/is current/);
  });

  it('covers every top-level schema (a grammar with <start>) installed', () => {
    const top = readdirSync(schemaDir)
      .filter((f) => f.endsWith('.rng') && /<start[\s>]/.test(readFileSync(join(schemaDir, f), 'utf8')))
      .map((f) => f.replace(/\.rng$/, ''))
      .sort();
    expect([...SCHEMA_NAMES].sort()).toEqual(top);
  });

  it('every pattern of the tables compiles as a JavaScript RegExp', () => {
    const bad: string[] = [];
    for (const v of VALUES) {
      const src = v[0] === 'p' ? v[1] : v[0] === 'i' || v[0] === 'd' ? v[v.length - 1] : null;
      if (typeof src !== 'string') continue;
      try {
        new RegExp(`^(?:${src})$`);
      } catch {
        bad.push(src);
      }
    }
    expect(bad).toEqual([]);
  });

  it('every child reference and root points at a shape', () => {
    for (const s of SHAPES) for (const k of s[2]) expect(SHAPES[k[1]]).toBeDefined();
    for (const r of Object.values(ROOTS)) for (const id of Object.values(r)) expect(SHAPES[id]![0]).toBeTypeOf('string');
  });
});
