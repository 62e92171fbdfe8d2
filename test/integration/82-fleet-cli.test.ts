// The command line over the two private hosts: `list` and `top` with repeated --connect
// (a host column; a host that is down reported, not waited for) and `virtkit migrate`.
import { execFile, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Connect, VIR_DOMAIN_RUNNING, VIR_DOMAIN_RUNNING_MIGRATED } from '../../lib/index.js';
import { uniq } from '../helpers/index.js';
import { fleetGuestXML, fleetHosts, removeEverywhere } from '../helpers/fleet.js';

const ROOT = resolve(__dirname, '../..');
const BIN = join(ROOT, 'bin/virtkit.js');
const { hosts, skip, reason } = fleetHosts();

function virtkit(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((res) => {
    execFile(process.execPath, [BIN, ...args], { cwd: ROOT, timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : -1) : 0;
      res({ code, stdout, stderr });
    });
  });
}

describe.skipIf(skip)(`virtkit over several hosts (${reason})`, () => {
  const name = uniq('fleet-cli');
  const missing = 'qemu+unix:///system?socket=/run/virtkit-fleet-missing/sock';

  beforeAll(async () => {
    // The command runs from dist/ (built by npm test; built here when missing).
    if (!existsSync(join(ROOT, 'dist/cli.cjs'))) execFileSync('npx', ['tsup'], { cwd: ROOT, stdio: 'ignore' });
    const c = await Connect.open(hosts!.unix[0]);
    (await c.domainCreateXML(fleetGuestXML(name), 0)).free();
    await c.close();
  });

  afterAll(async () => {
    await removeEverywhere(hosts!.unix, name);
  });

  it('list --connect A --connect B: a host column; a host that is down is named on stderr, exit 1', async () => {
    const r = await virtkit(['-c', hosts!.unix[0], '-c', hosts!.unix[1], '-c', missing, 'list']);
    expect(r.code).toBe(1);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^Host\s+Id\s+Name\s+State$/);
    expect(lines.find((l) => l.includes(name))).toMatch(new RegExp(`^${hosts!.unix[0].replace(/[?+]/g, '\\$&')}\\s+\\d+\\s+${name}\\s+running$`));
    expect(r.stderr).toContain(`virtkit: ${missing}: `);
    const j = await virtkit(['-c', hosts!.unix[0], '-c', hosts!.unix[1], 'list', '--json']);
    expect(j.code).toBe(0);
    const out = JSON.parse(j.stdout);
    expect(out.failed).toEqual([]);
    expect(out.domains.filter((d: { name: string }) => d.name === name)).toEqual([
      expect.objectContaining({ host: hosts!.unix[0], name, state: 'running' }),
    ]);
  });

  it('migrate DOMAIN DEST --live --p2p, then top over both hosts shows it on the destination', async () => {
    const r = await virtkit(['-c', hosts!.unix[0], 'migrate', name, hosts!.tcp[1], '--live', '--p2p', '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const res = JSON.parse(r.stdout);
    expect(res).toMatchObject({ domain: name, destination: hosts!.tcp[1] });
    expect(res.durationMs).toBeGreaterThan(0);
    const c2 = await Connect.open(hosts!.unix[1]);
    const d = await c2.domainLookupByName(name);
    expect(await d.getState()).toEqual({ state: VIR_DOMAIN_RUNNING, reason: VIR_DOMAIN_RUNNING_MIGRATED });
    d.free();
    await c2.close();
    const t = await virtkit(['-c', hosts!.unix[0], '-c', hosts!.unix[1], 'top', '-n', '2', '-i', '0.5', '--json']);
    expect(t.code).toBe(0);
    const frames = t.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(frames).toHaveLength(2);
    const row = frames[1].domains.find((x: { name: string }) => x.name === name);
    expect(row).toMatchObject({ host: hosts!.unix[1], state: 'running' });
  });

  it('a failed migration exits 1 with the reason, and usage errors exit 2', async () => {
    const same = await virtkit(['-c', hosts!.unix[1], 'migrate', name, hosts!.tcp[1], '--p2p']);
    expect(same.code).toBe(1);
    expect(same.stderr).toMatch(/^virtkit: migration of '.*' to .* (failed|was refused).*still running on the source/);
    expect((await virtkit(['-c', hosts!.unix[0], '-c', hosts!.unix[1], 'info', name])).code).toBe(2);
    expect((await virtkit(['-c', hosts!.unix[0], 'migrate', name])).code).toBe(2);
    expect((await virtkit(['-c', hosts!.unix[0], 'list', '--p2p'])).code).toBe(2);
  });
});
