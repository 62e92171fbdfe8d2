/**
 * The host facade's contract, one table for every backend: libvirt on test:///default and on
 * qemu:///system (a real QEMU/KVM guest), LXC (a real busybox container), and xl through
 * FakeTransport answering as Xen does (counted pauses; a stopped domain is gone).
 */
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { CliError } from '../../lib/backends/errors.js';
import { Lxc } from '../../lib/backends/lxc/index.js';
import { LocalTransport } from '../../lib/backends/transport/index.js';
import {
  GuestNotFoundError, GuestStateError, HostError, InvalidGuestNameError, LibvirtHost, openHost,
  type Guest, type Host,
} from '../../lib/host/index.js';
import { FakeTransport, type FakeCall } from '../../lib/testing/index.js';
import { Connect, ConnectionClosedError } from '../../lib/libvirt/index.js';
import { disconnectMyClients } from '../helpers/admin.js';
import { requireLxc } from '../helpers/lxc.js';
import { SYSTEM, needDaemon, removeDomain, tinyGuestXML } from '../helpers/qemu.js';

const id = randomBytes(4).toString('hex');

/** What one step gave: `ok <state after>` or `<ErrorClass> <expected>/<actual>`. */
async function outcome(g: Guest, step: () => Promise<unknown>): Promise<string> {
  try {
    await step();
  } catch (e) {
    if (!(e instanceof HostError) || e instanceof CliError) return `not a facade error: ${String(e)}`;
    if (e instanceof GuestStateError) return `GuestStateError ${e.expected}/${e.actual}`;
    return e.name;
  }
  const s = await g.info().then((i) => i.state, (e: unknown) => (e instanceof GuestNotFoundError ? 'gone' : `info failed: ${String(e)}`));
  return `ok ${s}`;
}

/** Runs the table's steps on a guest that starts stopped (xl: running; it cannot exist stopped). */
async function runTable(host: Host, name: string): Promise<Record<string, string>> {
  const g = await host.lookup(name);
  const r: Record<string, string> = {};
  r['start'] = await outcome(g, () => g.start());
  r['start again'] = await outcome(g, () => g.start());
  r['resume when running'] = await outcome(g, () => g.resume());
  r['pause'] = await outcome(g, () => g.pause());
  r['pause again'] = await outcome(g, () => g.pause());
  r['one resume after two pauses'] = await outcome(g, () => g.resume());
  r['stop --force'] = await outcome(g, () => g.stop({ force: true }));
  r['stop --force again'] = await outcome(g, () => g.stop({ force: true }));
  r['shutdown when stopped'] = await outcome(g, () => g.shutdown());
  r['pause when stopped'] = await outcome(g, () => g.pause());
  r['resume when stopped'] = await outcome(g, () => g.resume());
  r['reboot when stopped'] = await outcome(g, () => g.reboot());
  for (const [label, bad] of [['lookup ""', ''], ['lookup "a/b"', 'a/b'], ['lookup 42', 42]] as const) {
    r[label] = await host.lookup(bad as string).then(() => 'ok', (e: unknown) => (e instanceof HostError ? e.name : `not a facade error: ${String(e)}`));
  }
  r['lookup missing'] = await host.lookup(`agent-nosuch-${id}`).then(() => 'ok', (e: unknown) => (e instanceof HostError ? e.name : `not a facade error: ${String(e)}`));
  return r;
}

/** The contract for backends where a stopped guest still exists (libvirt, LXC). */
const TABLE: Record<string, string> = {
  'start': 'ok running',
  'start again': 'ok running',
  'resume when running': 'ok running',
  'pause': 'ok paused',
  'pause again': 'ok paused',
  'one resume after two pauses': 'ok running',
  'stop --force': 'ok shutoff',
  'stop --force again': 'ok shutoff',
  'shutdown when stopped': 'ok shutoff',
  'pause when stopped': 'GuestStateError running/shutoff',
  'resume when stopped': 'GuestStateError paused/shutoff',
  'reboot when stopped': 'GuestStateError running/shutoff',
  'lookup ""': 'InvalidGuestNameError',
  'lookup "a/b"': 'InvalidGuestNameError',
  'lookup 42': 'InvalidGuestNameError',
  'lookup missing': 'GuestNotFoundError',
};

/** xl: the same, except that a stopped domain is gone (stopping it again is done; the rest cannot find it). */
const XL_TABLE: Record<string, string> = {
  ...TABLE,
  'stop --force': 'ok gone',
  'stop --force again': 'ok gone',
  'shutdown when stopped': 'ok gone',
  'pause when stopped': 'GuestNotFoundError',
  'resume when stopped': 'GuestNotFoundError',
  'reboot when stopped': 'GuestNotFoundError',
};

describe('host contract: libvirt on test:///default', () => {
  it('follows the table', async () => {
    const host = await openHost({ kind: 'test' });
    const name = `agent-hc-${id}`;
    const conn = (host as LibvirtHost).connection;
    (await conn.domainDefineXML(`<domain type="test"><name>${name}</name><memory>8192</memory><os><type>hvm</type></os></domain>`)).free();
    try {
      expect(await runTable(host, name)).toEqual(TABLE);
    } finally {
      const d = await conn.domainLookupByName(name);
      await d.destroy().catch(() => undefined);
      await d.undefine();
      await host.close();
    }
  });
});

const daemon = needDaemon();
describe.skipIf(daemon.skip)(`host contract: libvirt on qemu:///system (${daemon.reason})`, () => {
  it('follows the table with a real QEMU guest', async () => {
    const conn = await Connect.open(SYSTEM);
    const name = `agent-hc-${id}`;
    (await conn.domainDefineXML(tinyGuestXML(name))).free();
    const host = await openHost({ kind: 'kvm' });
    try {
      expect(host.backend).toBe('libvirt');
      expect(await runTable(host, name)).toEqual(TABLE);
    } finally {
      await host.close();
      await removeDomain(conn, name);
      await conn.close();
    }
  });
});

const lxcOk = requireLxc('host contract on LXC');
describe.skipIf(!lxcOk)('host contract: LXC (real busybox container)', () => {
  const NAME = `agent-hc-${id}`;
  const lxc = new Lxc(new LocalTransport());
  afterAll(async () => {
    await lxc.destroy(NAME, { force: true }).catch(() => undefined);
  });
  it('follows the table', async () => {
    await lxc.create(NAME, { template: 'busybox', config: { 'lxc.net.0.type': 'empty', 'lxc.apparmor.profile': 'unconfined' } });
    const host = await openHost({ kind: 'lxc', prefer: 'cli' });
    try {
      expect(host.backend).toBe('lxc');
      expect(await runTable(host, NAME)).toEqual(TABLE);
    } finally {
      await host.close();
    }
  }, 120_000);
});

/** FakeTransport answering like xl on Xen: one PV domain, a pause count, gone once stopped. */
function fakeXen(name: string): FakeTransport {
  let exists = true;
  let pauses = 0;
  const row = (): string => `${name.padEnd(40)}     1   128     1     ${pauses > 0 ? '--p---' : 'r-----'}       3.8 6c69ac58-e9a2-11f1-a34d-09bc37fd9280        -                -\n`;
  const header = 'Name                                        ID   Mem VCPUs\tState\tTime(s)   UUID                            Reason-Code\tSecurity Label\n';
  const missing = { code: 1, stderr: `${name} is an invalid domain identifier (rc=-6)\n` };
  const t = new FakeTransport();
  t.on(/^xl list -[vl]$/, (c: FakeCall) => ({ stdout: c.args[1] === '-l' ? '[]' : header + (exists ? row() : '') }));
  t.on(new RegExp(`^xl list -v ${name}$`), () => (exists ? { stdout: header + row() } : missing));
  t.on(new RegExp(`^xl list -l ${name}$`), () => (exists ? { stdout: '[]' } : missing));
  t.on(new RegExp(`^xl (pause|unpause|destroy|shutdown|reboot) ${name}$`), (c: FakeCall) => {
    if (!exists) return missing;
    if (c.args[0] === 'pause') pauses++;
    else if (c.args[0] === 'unpause') {
      if (pauses === 0) return { code: 1, stderr: 'libxl: error: unpausing domain: Invalid argument\n' };
      pauses--;
    } else if (c.args[0] !== 'reboot') exists = false;
    return {};
  });
  return t;
}

describe('host contract: xl (FakeTransport answering as Xen)', () => {
  it('follows the table (a stopped xl domain is gone)', async () => {
    const name = 'domU';
    const t = fakeXen(name);
    const host = await openHost({ kind: 'xen', transport: t, prefer: 'cli' });
    expect(host.backend).toBe('xl');
    expect(await runTable(host, name)).toEqual(XL_TABLE);
  });

  it('one resume runs a domain that xl paused three times', async () => {
    const t = fakeXen('domU');
    const host = await openHost({ kind: 'xen', transport: t, prefer: 'cli' });
    const g = await host.lookup('domU');
    for (let i = 0; i < 3; i++) await t.run('xl', ['pause', 'domU']);
    expect((await g.info()).state).toBe('paused');
    await g.resume();
    expect((await g.info()).state).toBe('running');
    expect(t.calls.filter((c) => c.args[0] === 'unpause')).toHaveLength(3);
  });

  it('every facade error is a HostError, none a CliError', async () => {
    const host = await openHost({ kind: 'xen', transport: fakeXen('domU'), prefer: 'cli' });
    for (const bad of ['', 'a b', 'x;y', '-x']) {
      const e = await host.lookup(bad).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(InvalidGuestNameError);
      expect(e).not.toBeInstanceOf(CliError);
    }
  });
});

describe.skipIf(daemon.skip)(`host watch() on qemu:///system (${daemon.reason})`, () => {
  it('reports one change per real change: start, pause, resume, destroy', async () => {
    const conn = await Connect.open(SYSTEM);
    const name = `agent-hw-${id}`;
    (await conn.domainDefineXML(tinyGuestXML(name))).free();
    const host = await openHost({ kind: 'kvm' });
    const ac = new AbortController();
    const seen: string[] = [];
    try {
      const w = host.watch({ signal: ac.signal });
      await w.ready;
      const reading = (async () => {
        for await (const c of w) if (c.name === name) seen.push(`${c.previous}->${c.state}`);
      })();
      const g = await host.lookup(name);
      await g.start();
      await g.pause();
      await g.resume();
      await g.stop({ force: true });
      const until = Date.now() + 10_000;
      while (seen.length < 4 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
      await new Promise((r) => setTimeout(r, 300)); // anything extra would arrive by now
      ac.abort();
      await reading;
      expect(seen).toEqual(['shutoff->running', 'running->paused', 'paused->running', 'running->shutoff']);
    } finally {
      await host.close();
      await removeDomain(conn, name);
      await conn.close();
    }
  });
});

describe.skipIf(daemon.skip)(`host console() on qemu:///system (${daemon.reason})`, () => {
  it("a libvirt guest's console() is its serial console: SeaBIOS output arrives", async () => {
    const conn = await Connect.open(SYSTEM);
    const name = `agent-hcon-${id}`;
    (await conn.domainDefineXML(tinyGuestXML(name))).free();
    const host = await openHost({ kind: 'kvm' });
    try {
      const g = await host.lookup(name);
      await g.start();
      const con = await g.console();
      let text = '';
      con.on('data', (d: Buffer) => (text += d.toString('latin1')));
      const until = Date.now() + 30_000;
      while (!/SeaBIOS|Booting from|No bootable device/.test(text) && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
      expect(text).toMatch(/SeaBIOS|Booting from|No bootable device/);
      const closed = new Promise((r) => con.on('close', r));
      con.destroy();
      await closed;
      await g.stop({ force: true });
    } finally {
      await host.close();
      await removeDomain(conn, name);
      await conn.close();
    }
  });
});

describe.skipIf(daemon.skip)(`host watch() when libvirtd drops the connection (${daemon.reason})`, () => {
  it('ends with ConnectionClosedError instead of waiting forever', async () => {
    const host = await openHost({ kind: 'kvm' });
    try {
      const w = host.watch();
      await w.ready;
      const ended = (async () => {
        for await (const _ of w) { /* changes of other guests, if any */ }
      })().then(() => null, (e: unknown) => e);
      expect(disconnectMyClients()).toBeGreaterThan(0);
      const err = await Promise.race([ended, new Promise((r) => setTimeout(() => r('timeout'), 10_000))]);
      expect(err).toBeInstanceOf(ConnectionClosedError);
    } finally {
      await host.close().catch(() => undefined);
    }
  });
});
