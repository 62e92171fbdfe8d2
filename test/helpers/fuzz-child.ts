// Runs a TypeScript entry (under test/helpers/) in a separate node process, so a
// crash (signal, abort) of the addon is reported as a test failure instead of
// killing the test runner. The entry is bundled with esbuild into a temp .cjs;
// lib/binding.ts finds the addon from the repository root.
import { buildSync } from 'esbuild';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';

export const REPO = resolve(__dirname, '..', '..');

const built = new Map<string, string>();

/** Bundles `test/helpers/<name>.ts` into a temp .cjs and returns its path. */
export function bundle(name: string): string {
  const hit = built.get(name);
  if (hit) return hit;
  const dir = mkdtempSync(join(tmpdir(), 'vk-hard-bundle-'));
  const out = join(dir, basename(name) + '.cjs');
  const res = buildSync({
    entryPoints: [join(REPO, 'test', 'helpers', name + '.ts')],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    outfile: out,
    write: false,
    logLevel: 'silent',
    // lib/libvirt/binding.ts looks for the package root upwards from __dirname, and
    // fuzz-run.ts reads the typings beside it (lib/libvirt/generated/...).
    define: {
      __dirname: JSON.stringify(join(REPO, 'lib', 'libvirt')),
      __filename: JSON.stringify(join(REPO, 'lib', 'libvirt', 'binding.ts')),
    },
    external: ['*.node'],
  });
  writeFileSync(out, res.outputFiles[0].contents);
  built.set(name, out);
  return out;
}

export interface ChildResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  ms: number;
}

/** Runs a bundled helper in a child node; kills it (SIGKILL) after `timeoutMs`. */
export function runChild(
  name: string,
  opts: { args?: string[]; execArgv?: string[]; env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number } = {},
): Promise<ChildResult> {
  const file = bundle(name);
  const t0 = Date.now();
  return new Promise((res) => {
    const child = spawn(process.execPath, [...(opts.execArgv ?? []), file, ...(opts.args ?? [])], {
      cwd: opts.cwd ?? REPO,
      env: { ...process.env, ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, opts.timeoutMs ?? 120_000);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      res({ code, signal, stdout, stderr, timedOut, ms: Date.now() - t0 });
    });
  });
}

/** The JSON object a helper printed on a line starting with `tag`. */
export function parseResult<T = any>(r: ChildResult, tag: string): T {
  const line = r.stdout.split('\n').find((l) => l.startsWith(tag + ' '));
  if (!line) {
    throw new Error(
      `child printed no ${tag} (code ${r.code}, signal ${r.signal}, timedOut ${r.timedOut})\n` +
        `stdout: ${r.stdout.slice(-3000)}\nstderr: ${r.stderr.slice(-3000)}`,
    );
  }
  return JSON.parse(line.slice(tag.length + 1));
}
