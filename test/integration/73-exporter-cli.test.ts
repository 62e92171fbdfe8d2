// `virtkit exporter` as a user runs it (bin/virtkit.js -> dist/cli.cjs): serves /metrics for
// several URIs with a host label, rejects a bad command line, and exits 0 on SIGTERM.
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { freePort, parseText, startChild, waitHttp } from '../helpers/exporter.js';

const ROOT = resolve(__dirname, '../..');
const BIN = join(ROOT, 'bin/virtkit.js');

beforeAll(() => {
  // `npm run build` makes dist/; rebuild the bundles when they predate the exporter command.
  const cli = join(ROOT, 'dist/cli.cjs');
  if (!existsSync(cli) || !readFileSync(cli, 'utf8').includes('virtkit exporter: serving')) {
    execFileSync('npx', ['tsup'], { cwd: ROOT, stdio: 'ignore' });
  }
});

describe('virtkit exporter', () => {
  it('serves several URIs, then exits 0 on SIGTERM', async () => {
    const port = await freePort();
    const down = `qemu+tcp://127.0.0.1:${await freePort()}/system`;
    const child = startChild(process.execPath, [BIN, 'exporter', '--listen', `127.0.0.1:${port}`, '--connect', 'test:///default', '--connect', down], { cwd: ROOT });
    try {
      const { samples } = parseText(await waitHttp(`http://127.0.0.1:${port}/metrics`, 20000, child));
      const up = new Map(samples.filter((s) => s.name === 'libvirt_up').map((s) => [s.labels.host, s.value]));
      expect(up).toEqual(new Map([['test:///default', 1], [down, 0]]));
      // test:///default's own domain, running in the exporter's process.
      const test = samples.find((s) => s.name === 'libvirt_domain_state_code' && s.labels.domain === 'test');
      expect(test?.labels.host).toBe('test:///default');
      expect(test?.value).toBe(1);
    } finally {
      const code = await child.stop();
      expect(code, child.output()).toBe(0);
    }
    expect(child.output()).toContain(`serving http://127.0.0.1:${port}/metrics`);
  });

  it('rejects a missing or bad --listen with the usage text (exit 2)', async () => {
    const run = (args: string[]) =>
      new Promise<{ code: number; stderr: string }>((res) => {
        execFile(process.execPath, [BIN, ...args], { cwd: ROOT, timeout: 20000 }, (err, _out, stderr) => {
          res({ code: err ? Number((err as { code?: unknown }).code) : 0, stderr });
        });
      });
    const missing = await run(['exporter']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("'exporter' needs --listen HOST:PORT");
    const bad = await run(['exporter', '--listen', 'localhost']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--listen: .*HOST:PORT/);
    const stray = await run(['list', '--listen', '127.0.0.1:1']);
    expect(stray.code).toBe(2);
    expect(stray.stderr).toContain("option '--listen' does not apply to 'list'");
  });
});
