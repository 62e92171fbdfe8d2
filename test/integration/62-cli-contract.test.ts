// The `virtkit` command's contract: LIBVIRT_DEFAULT_URI, errors as one JSON object with
// --json, a stable domain order in top's JSON lines, and long-running commands (events,
// top) that wait out a dropped daemon connection instead of dying.
import { execFile, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Connect } from '../../lib/libvirt/index.js';
import { uniq, waitFor } from '../helpers/index.js';
import { SYSTEM, needDaemon, removeDomain, tinyGuestXML } from '../helpers/qemu.js';
import { disconnectMyClients } from '../helpers/admin.js';

const ROOT = resolve(__dirname, '../..');
const BIN = join(ROOT, 'bin/virtkit.js');

function virtkit(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((res) => {
    const e = { ...process.env, ...env };
    for (const [k, v] of Object.entries(env)) if (v === undefined) delete e[k];
    execFile(process.execPath, [BIN, ...args], { cwd: ROOT, timeout: 30000, env: e }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : -1) : 0;
      res({ code, stdout, stderr });
    });
  });
}

beforeAll(() => {
  if (!existsSync(join(ROOT, 'dist/cli.cjs'))) execFileSync('npx', ['tsup'], { cwd: ROOT, stdio: 'ignore' });
}, 120_000);

describe('virtkit: URI, JSON errors, top order (test driver)', () => {
  let dir: string;
  let nodeURI: string;
  const NAMES = ['delta', 'alpha', 'echo', 'charlie', 'bravo'];
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'agent-cli-'));
    const file = join(dir, 'node.xml');
    const doms = NAMES.map((n, i) => `<domain type='test'><name>${n}</name><memory unit='KiB'>${65536 * (i + 1)}</memory><vcpu>${i + 1}</vcpu><os><type arch='i686'>hvm</type></os></domain>`);
    writeFileSync(file, `<node>\n${doms.join('\n')}\n</node>`);
    nodeURI = `test://${file}`;
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('honours LIBVIRT_DEFAULT_URI; --connect wins over it; test:///default without either', async () => {
    const fromEnv = await virtkit(['--json', 'list'], { LIBVIRT_DEFAULT_URI: nodeURI });
    expect(fromEnv.code).toBe(0);
    expect(JSON.parse(fromEnv.stdout).map((d: { name: string }) => d.name).sort()).toEqual([...NAMES].sort());
    const explicit = await virtkit(['--json', '-c', 'test:///default', 'list'], { LIBVIRT_DEFAULT_URI: nodeURI });
    expect(JSON.parse(explicit.stdout).map((d: { name: string }) => d.name)).toEqual(['test']);
    const none = await virtkit(['--json', 'list'], { LIBVIRT_DEFAULT_URI: undefined });
    expect(JSON.parse(none.stdout).map((d: { name: string }) => d.name)).toEqual(['test']);
  });

  it('--json: a failure is one JSON object {code, codeName, message} on stderr', async () => {
    const r = await virtkit(['--json', 'info', 'no-such-domain']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    const e = JSON.parse(lines[0]!);
    expect(Object.keys(e).sort()).toEqual(['code', 'codeName', 'message']);
    expect(e).toMatchObject({ code: 42, codeName: 'VIR_ERR_NO_DOMAIN', message: 'Domain not found' });

    const bad = await virtkit(['--json', '-c', 'nosuchdriver:///system', 'list']);
    expect(bad.code).toBe(1);
    expect(JSON.parse(bad.stderr)).toMatchObject({ code: expect.any(Number), codeName: expect.stringMatching(/^VIR_ERR_/) });

    const usage = await virtkit(['--json', 'frobnicate']);
    expect(usage.code).toBe(2);
    expect(JSON.parse(usage.stderr)).toEqual({ code: null, codeName: 'UsageError', message: "unknown command 'frobnicate'" });
  });

  it("top's JSON lines list the domains in the same (name) order in every snapshot", async () => {
    const r = await virtkit(['-c', nodeURI, 'top', '-n', '8', '-i', '0.1']);
    expect(r.code).toBe(0);
    const snaps = r.stdout.trimEnd().split('\n').map((l) => JSON.parse(l));
    expect(snaps).toHaveLength(8);
    for (const s of snaps) expect(s.domains.map((d: { name: string }) => d.name)).toEqual([...NAMES].sort());
  });
});

const gate = needDaemon();
describe.skipIf(gate.skip)(`virtkit long-running commands when the daemon drops them (${gate.reason})`, () => {
  let conn: Connect;
  const names: string[] = [];
  beforeAll(async () => {
    conn = await Connect.open(SYSTEM);
  });
  afterAll(async () => {
    for (const n of names) await removeDomain(conn, n);
    await conn.close();
  });

  it('events --json: announces the loss and the reconnect on stderr, then events flow again', async () => {
    const child = spawn(process.execPath, [BIN, '-c', SYSTEM, '--json', 'events'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (b) => (out += b));
    child.stderr.on('data', (b) => (err += b));
    const exit = new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
    try {
      // wait until it is connected and subscribed: an event reaches it
      const probe = async (): Promise<string> => {
        const name = uniq('agent-cliev');
        names.push(name);
        (await conn.domainDefineXML(tinyGuestXML(name))).free();
        return name;
      };
      let first = '';
      for (let i = 0; i < 40 && !(first && out.includes(`"domain":"${first}"`)); i++) {
        first = await probe();
        await new Promise((r) => setTimeout(r, 250));
      }
      expect(out).toContain(`"domain":"${first}"`);
      expect(disconnectMyClients(child.pid!)).toBeGreaterThan(0);
      await waitFor(() => /"notice":"reconnected"/.test(err), 20000, 'reconnected notice');
      expect(err).toMatch(/"notice":"disconnected"/);
      let after = '';
      for (let i = 0; i < 40 && !(after && out.includes(`"domain":"${after}"`)); i++) {
        after = await probe();
        await new Promise((r) => setTimeout(r, 250));
      }
      expect(out).toContain(`"domain":"${after}"`);
      expect(child.exitCode).toBeNull(); // still running
      child.kill('SIGINT');
      expect(await exit).toBe(0);
    } finally {
      child.kill('SIGKILL');
    }
  }, 90_000);

  it('top --json: keeps printing across the loss; the first line after it carries gapSeconds', async () => {
    const child = spawn(process.execPath, [BIN, '-c', SYSTEM, '--json', 'top', '-i', '0.2'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (b) => (out += b));
    const lines = () => out.split('\n').filter(Boolean).map((l) => JSON.parse(l));
    const exit = new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
    try {
      await waitFor(() => lines().length >= 2, 20000, 'two snapshots');
      expect(disconnectMyClients(child.pid!)).toBeGreaterThan(0);
      await waitFor(() => lines().some((s) => s.gapSeconds !== undefined), 20000, 'a snapshot after the gap');
      const n = lines().length;
      await waitFor(() => lines().length >= n + 2, 20000, 'snapshots after the gap');
      expect(lines().filter((s) => s.gapSeconds !== undefined)).toHaveLength(1);
      child.kill('SIGINT');
      expect(await exit).toBe(0);
    } finally {
      child.kill('SIGKILL');
    }
  }, 90_000);
});
