/**
 * The host facade against real parts: a REAL busybox LXC container (no network) managed through
 * openHost({kind: 'lxc'}) — on this machine libvirt has no LXC driver, so it falls back to the
 * lxc-* tools — and test:///default through libvirt.
 * Needs root and the packages from scripts/setup-lxc.sh. Without lxc: the LXC part is skipped
 * locally and FAILS when $CI is set.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { GuestNotFoundError, openHost, type GuestState, type Host, type StateChange, type StateWatch } from '../../lib/host/index.js';
import { Lxc } from '../../lib/backends/lxc/index.js';
import { LocalTransport } from '../../lib/backends/transport/index.js';
import { requireLxc } from '../helpers/lxc.js';

/** Consumes a watch in the background; `until` waits for a matching change. */
class Recorder {
  readonly changes: StateChange[] = [];
  private waiters: Array<{ pred: (c: StateChange) => boolean; resolve: (c: StateChange) => void }> = [];
  private failure: unknown;
  readonly done: Promise<void>;

  constructor(readonly watch: StateWatch) {
    this.done = (async () => {
      try {
        for await (const c of watch) {
          this.changes.push(c);
          for (const w of [...this.waiters]) {
            if (w.pred(c)) {
              this.waiters.splice(this.waiters.indexOf(w), 1);
              w.resolve(c);
            }
          }
        }
      } catch (e) {
        this.failure = e;
      }
    })();
  }

  /** The first change (recorded from now on) of `name` to `state`. */
  until(name: string, state: GuestState, ms = 15_000): Promise<StateChange> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no change of ${name} to ${state} within ${ms} ms; saw ${JSON.stringify(this.changes)}`)), ms);
      this.waiters.push({ pred: (c) => c.name === name && c.state === state, resolve: (c) => (clearTimeout(t), resolve(c)) });
    });
  }
}

const available = requireLxc('host/LXC integration test');
const id = randomBytes(4).toString('hex');
const NAME = `vk-host-${id}`;
const lxc = new Lxc(new LocalTransport());

describe.skipIf(!available)('openHost({kind: "lxc"}) on a real busybox container', () => {
  let host: Host | undefined;
  const ac = new AbortController();

  afterAll(async () => {
    ac.abort();
    await host?.close();
    await lxc.destroy(NAME, { force: true }).catch(() => undefined);
  });

  it('falls back to the lxc-* tools (no libvirt LXC driver here) and lists the container', async () => {
    await lxc.create(NAME, { template: 'busybox', config: { 'lxc.net.0.type': 'empty', 'lxc.apparmor.profile': 'unconfined' } });
    host = await openHost({ kind: 'lxc', pollIntervalMs: 200 });
    expect(host.backend).toBe('lxc');
    expect(host.uri).toBe('lxc:///system');
    expect(host.fallbackReason?.message).toMatch(/lxc/i);
    expect(host.selection).toMatch(/^lxc: libvirt lxc:\/\/\/system failed/);
    expect((await host.list()).find((g) => g.name === NAME)).toEqual({ name: NAME, state: 'shutoff', nativeState: 'STOPPED', id: null });
    await expect(host.lookup(`nosuch-${id}`)).rejects.toBeInstanceOf(GuestNotFoundError);
  });

  it('start, pause, resume, stats, stop — each change observed through watch()', async () => {
    const h = host!;
    const rec = new Recorder(h.watch({ signal: ac.signal }));
    await rec.watch.ready;
    const g = await h.lookup(NAME);

    const started = rec.until(NAME, 'running');
    await g.start();
    expect(await started).toMatchObject({ name: NAME, state: 'running', previous: 'shutoff' });
    const info = await g.info();
    expect(info).toMatchObject({ state: 'running', nativeState: 'RUNNING' });
    expect(info.id).toBeGreaterThan(0);

    const paused = rec.until(NAME, 'paused');
    await g.pause();
    expect(await paused).toMatchObject({ previous: 'running' });
    expect((await g.stats()).state).toBe('paused');

    const resumed = rec.until(NAME, 'running');
    await g.resume();
    expect(await resumed).toMatchObject({ previous: 'paused' });

    const st = await g.stats();
    expect(st.state).toBe('running');
    expect(st.cpuTimeNs).toBeGreaterThan(0n);
    expect(st.memoryKiB).toBeGreaterThan(0);
    expect(st.vcpus).toBeGreaterThanOrEqual(1);

    const stopped = rec.until(NAME, 'shutoff');
    await g.stop({ force: true });
    expect(await stopped).toMatchObject({ previous: 'running' });
    expect(await g.stats()).toEqual({ state: 'shutoff', cpuTimeNs: 0n, memoryKiB: 0, vcpus: null });

    const seen = rec.changes.filter((c) => c.name === NAME).map((c) => c.state);
    expect(seen).toEqual(['running', 'paused', 'running', 'shutoff']);
    ac.abort();
    await rec.done;
  });
});

describe('openHost({kind: "test"}) through libvirt', () => {
  it('lists, drives and watches a domain on test:///default', async () => {
    const host = await openHost({ kind: 'test' });
    try {
      expect(host.backend).toBe('libvirt');
      expect((await host.list()).find((g) => g.name === 'test')?.state).toBe('running');
      const name = `vk-host-it-${id}`;
      const conn = (host as import('../../lib/host/index.js').LibvirtHost).connection;
      await (await conn.domainDefineXML(`<domain type="test"><name>${name}</name><memory>8192</memory><os><type>hvm</type></os></domain>`)).free();
      const rec = new Recorder(host.watch());
      await rec.watch.ready;
      const g = await host.lookup(name);
      try {
        const up = rec.until(name, 'running', 5_000);
        await g.start();
        await up;
        const down = rec.until(name, 'shutoff', 5_000);
        await g.stop({ force: true });
        expect(await down).toMatchObject({ previous: 'running' });
      } finally {
        const d = await conn.domainLookupByName(name);
        await d.destroy().catch(() => undefined);
        await d.undefine();
        d.free();
      }
    } finally {
      await host.close();
    }
  });
});
