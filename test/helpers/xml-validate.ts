// libvirt's own validator: virt-xml-validate (libvirt-clients), which runs xmllint
// (libxml2-utils) with libvirt's RELAX NG schema of the document.
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const SCHEMA_DIR = '/usr/share/libvirt/schemas';

/** Runs virt-xml-validate on one document; returns null when it validates, else its output. */
export function virtXmlValidate(xml: string, schema: string): string | null {
  const dir = mkdtempSync(join(tmpdir(), 'vk-xml-'));
  const file = join(dir, 'doc.xml');
  writeFileSync(file, xml);
  try {
    execFileSync('virt-xml-validate', [file, schema], { encoding: 'utf8', stdio: 'pipe' });
    return null;
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string };
    return `${err.stdout ?? ''}${err.stderr ?? ''}`;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Validates many documents of one schema in one xmllint run, with the schema file that
 * virt-xml-validate uses for it. Resolves to the failures (index and message).
 */
export function validateBatch(docs: string[], schema: string): Promise<{ index: number; message: string }[]> {
  const dir = mkdtempSync(join(tmpdir(), 'vk-xml-'));
  const files = docs.map((d, i) => {
    const f = join(dir, `d${i}.xml`);
    writeFileSync(f, d);
    return f;
  });
  return new Promise((resolve, reject) => {
    execFile('xmllint', ['--noout', '--relaxng', join(SCHEMA_DIR, `${schema}.rng`), ...files],
      { maxBuffer: 64 << 20 }, (err, _out, stderr) => {
        rmSync(dir, { recursive: true, force: true });
        const failed = new Map<number, string>();
        for (const line of stderr.split('\n')) {
          const m = /\/d(\d+)\.xml(?::\d+:)?\s*(.*)$/.exec(line);
          if (m && !/ validates$/.test(line)) failed.set(Number(m[1]), (failed.get(Number(m[1])) ?? '') + m[2] + '\n');
        }
        if (err && failed.size === 0 && (err as { code?: unknown }).code !== 3) reject(err);
        else resolve([...failed].map(([index, message]) => ({ index, message })));
      });
  });
}
