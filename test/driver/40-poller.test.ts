// lib/poller.ts on libvirt's test driver (test:///default and a generated 100-domain node),
// plus rate arithmetic on synthetic records. The test driver reports only `state.*` in bulk
// stats, so CPU/disk/net rates here are null; test/integration/20-poller.test.ts checks them
// on a real QEMU guest.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Connect, Domain, LibvirtError, VIR_DOMAIN_PAUSED, VIR_DOMAIN_RUNNING, VIR_DOMAIN_STATS_STATE,
} from '../../lib/index.js';
import { computeRates, pollStats, type PollSnapshot } from '../../lib/libvirt/poller.js';
import { nodeXML } from '../bench/node-xml.js';
import { testDomainXML, uniq } from '../helpers/index.js';

/** Collects `n` snapshots (then leaves the loop). */
async function take(it: AsyncIterable<PollSnapshot>, n: number): Promise<PollSnapshot[]> {
  const out: PollSnapshot[] = [];
  if (n <= 0) return out;
  for await (const s of it) {
    out.push(s);
    if (out.length >= n) break;
  }
  return out;
}

describe('pollStats on test:///default', () => {
  let conn: Connect;
  beforeAll(async () => { conn = await Connect.open('test:///default'); });
  afterAll(async () => { await conn.close(); });

  it('yields snapshots keyed by UUID; first sight has no rates; the driver gives state only', async () => {
    const [a, b] = await take(pollStats(conn, { intervalMs: 20 }), 2);
    expect(a.seq).toBe(1);
    expect(b.seq).toBe(2);
    expect(a.elapsedNs).toBeNull();
    expect(typeof b.elapsedNs).toBe('bigint');
    expect(b.elapsedNs!).toBeGreaterThan(0n);
    expect(b.monotonicNs - a.monotonicNs).toBe(b.elapsedNs);
    expect(a.time).toBeInstanceOf(Date);
    const t0 = a.domains.find((d) => d.name === 'test')!;
    expect(t0.uuid).toMatch(/^[0-9a-f-]{36}$/);
    expect(t0.domain).toBeInstanceOf(Domain);
    expect(t0.firstSeen).toBe(true);
    expect(t0.state).toBe(VIR_DOMAIN_RUNNING);
    expect(t0.params['state.state']).toBe(VIR_DOMAIN_RUNNING);
    expect(a.appeared).toContain(t0.uuid);
    const t1 = b.domains.find((d) => d.uuid === t0.uuid)!;
    expect(t1.firstSeen).toBe(false);
    expect(b.appeared).not.toContain(t0.uuid);
    // What test:///default actually returns: state.state and state.reason, nothing else.
    expect(Object.keys(t1.params).sort()).toEqual(['state.reason', 'state.state']);
    expect(t1.cpuPercent).toBeNull();
    expect(t1.cpuTimeNs).toBeNull();
    expect(t1.vcpus).toEqual([]);
    expect(t1.disk).toEqual({ readBytesPerSec: null, writeBytesPerSec: null, readIops: null, writeIops: null });
    expect(t1.net.rxBytesPerSec).toBeNull();
    expect(t1.memory.balloonCurrentKiB).toBeNull();
  });

  it('domains appearing and disappearing between polls', async () => {
    const ac = new AbortController();
    const it = pollStats(conn, { intervalMs: 10, stats: VIR_DOMAIN_STATS_STATE, signal: ac.signal });
    const first = (await it.next()).value as PollSnapshot;
    const name = uniq('vk-poll');
    const dom = await conn.domainCreateXML(testDomainXML(name));
    const uuid = dom.getUUIDString();
    let s: PollSnapshot;
    do s = (await it.next()).value as PollSnapshot; while (!s.domains.some((d) => d.uuid === uuid));
    expect(first.domains.some((d) => d.uuid === uuid)).toBe(false);
    expect(s.appeared).toEqual([uuid]);
    const seen = s.domains.find((d) => d.uuid === uuid)!;
    expect(seen.name).toBe(name);
    expect(seen.firstSeen).toBe(true);
    await dom.destroy(); // transient: gone
    do s = (await it.next()).value as PollSnapshot; while (s.domains.some((d) => d.uuid === uuid));
    expect(s.disappeared).toEqual([{ uuid, name }]);
    ac.abort();
    expect(await it.next()).toEqual({ value: undefined, done: true });
  });

  it('abort ends the loop normally and stops calling', async () => {
    let calls = 0;
    const counting = { getAllDomainStats: (st: number, fl: number) => { calls++; return conn.getAllDomainStats(st, fl); } };
    const ac = new AbortController();
    const got: PollSnapshot[] = [];
    for await (const s of pollStats(counting as unknown as Connect, { intervalMs: 5, signal: ac.signal })) {
      got.push(s);
      if (got.length === 3) ac.abort();
    }
    expect(got).toHaveLength(3);
    const after = calls;
    await new Promise((r) => setTimeout(r, 50));
    expect(calls).toBe(after);
    // Already aborted: no call at all.
    const pre = AbortSignal.abort();
    expect(await take(pollStats(counting as unknown as Connect, { signal: pre }), 1)).toEqual([]);
    expect(calls).toBe(after);
  });

  it('never two calls at once: ticks that find a call in flight are skipped and counted', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    const slow = {
      getAllDomainStats: async (st: number, fl: number) => {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        await new Promise((r) => setTimeout(r, 60));
        try { return await conn.getAllDomainStats(st, fl); } finally { inFlight--; }
      },
    };
    const snaps = await take(pollStats(slow as unknown as Connect, { intervalMs: 10 }), 3);
    expect(maxInFlight).toBe(1);
    // ~60 ms calls on a 10 ms timer: several ticks skipped per call.
    expect(snaps[1].skippedSinceLast).toBeGreaterThanOrEqual(2);
    expect(snaps[2].skippedTicks).toBe(snaps[0].skippedTicks + snaps[1].skippedSinceLast + snaps[2].skippedSinceLast);
    expect(snaps[2].skippedTicks).toBeGreaterThan(snaps[1].skippedTicks);
    expect(snaps[2].callMs).toBeGreaterThanOrEqual(50);
    await new Promise((r) => setTimeout(r, 100));
    expect(inFlight).toBe(0); // break stopped the timer; the last call finished
  });

  it('a failed call rejects next() with the LibvirtError and ends polling', async () => {
    const c2 = await Connect.open('test:///default');
    const it = pollStats(c2, { intervalMs: 10 });
    expect((await it.next()).done).toBe(false);
    await c2.close();
    let err: unknown;
    try {
      for (;;) if ((await it.next()).done) break;
    } catch (e) { err = e; }
    expect(err).toBeInstanceOf(LibvirtError);
    expect(await it.next()).toEqual({ value: undefined, done: true });
  });

  it('a slow consumer gets at most maxBuffered snapshots; the rest are counted as dropped', async () => {
    const it = pollStats(conn, { intervalMs: 5, maxBuffered: 2 });
    await new Promise((r) => setTimeout(r, 120));
    const a = (await it.next()).value as PollSnapshot;
    const b = (await it.next()).value as PollSnapshot;
    await it.return!();
    expect(b.seq).toBe(a.seq + 1);
    expect(a.seq).toBeGreaterThan(1);
    expect(b.droppedSnapshots).toBeGreaterThan(0);
  });

  it('bad options throw before any call', () => {
    expect(() => pollStats(conn, { intervalMs: 0 })).toThrow(RangeError);
    expect(() => pollStats(conn, { intervalMs: Number.NaN })).toThrow(RangeError);
    expect(() => pollStats(conn, { stats: -1 })).toThrow(RangeError);
    expect(() => pollStats(conn, { flags: 1.5 })).toThrow(RangeError);
    expect(() => pollStats(conn, { maxBuffered: 0 })).toThrow(RangeError);
  });
});

describe('pollStats on a 100-domain test:/// node', () => {
  let dir: string;
  let conn: Connect;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vk-poll-'));
    writeFileSync(join(dir, 'node.xml'), nodeXML(100, 'vk-poll'));
    conn = await Connect.open('test://' + join(dir, 'node.xml'));
  });
  afterAll(async () => {
    await conn?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reports every domain once, and state changes between polls', async () => {
    const ac = new AbortController();
    const it = pollStats(conn, { intervalMs: 10, signal: ac.signal });
    const a = (await it.next()).value as PollSnapshot;
    expect(a.domains).toHaveLength(100);
    expect(new Set(a.domains.map((d) => d.uuid)).size).toBe(100);
    expect(a.appeared).toHaveLength(100);
    expect(a.domains.every((d) => d.state === VIR_DOMAIN_RUNNING && d.firstSeen)).toBe(true);
    const victim = await conn.domainLookupByName('vk-poll-042');
    await victim.suspend();
    let s: PollSnapshot;
    do s = (await it.next()).value as PollSnapshot;
    while (s.domains.find((d) => d.name === 'vk-poll-042')!.state !== VIR_DOMAIN_PAUSED);
    expect(s.domains).toHaveLength(100);
    expect(s.appeared).toEqual([]);
    expect(s.disappeared).toEqual([]);
    expect(s.domains.every((d) => !d.firstSeen)).toBe(true);
    await victim.resume();
    ac.abort();
  });
});

describe('computeRates (synthetic records)', () => {
  let conn: Connect;
  let dom: Domain;
  beforeAll(async () => {
    conn = await Connect.open('test:///default');
    dom = await conn.domainLookupByName('test');
  });
  afterAll(async () => { await conn.close(); });

  const SEC = 1_000_000_000n;
  const params = (cpu: bigint, v0: bigint, rd: bigint, rx: bigint) => ({
    'state.state': 1, 'state.reason': 1,
    'cpu.time': cpu,
    'vcpu.current': 2, 'vcpu.maximum': 2,
    'vcpu.0.state': 1, 'vcpu.0.time': v0,
    'vcpu.1.state': 1, 'vcpu.1.time': 0n,
    'balloon.current': 32768n, 'balloon.maximum': 65536n, 'balloon.rss': 40000n,
    'block.count': 3,
    'block.0.name': 'vda', 'block.0.rd.bytes': rd, 'block.0.wr.bytes': 2n * rd, 'block.0.rd.reqs': rd / 4096n, 'block.0.wr.reqs': 0n,
    // A backing-chain entry of vda (VIR_CONNECT_GET_ALL_DOMAINS_STATS_BACKING): not counted twice.
    'block.1.name': 'vda', 'block.1.backingIndex': 1, 'block.1.rd.bytes': 999n * rd, 'block.1.wr.bytes': 0n, 'block.1.rd.reqs': 0n, 'block.1.wr.reqs': 0n,
    'block.2.name': 'vdb', 'block.2.rd.bytes': rd, 'block.2.wr.bytes': 0n, 'block.2.rd.reqs': 0n, 'block.2.wr.reqs': 0n,
    'net.count': 1,
    'net.0.name': 'vnet0', 'net.0.rx.bytes': rx, 'net.0.tx.bytes': rx / 2n, 'net.0.rx.pkts': rx / 1000n, 'net.0.tx.pkts': 0n,
  });

  it('derives % of one host CPU, per-vCPU %, byte/op/packet rates and memory', () => {
    const r1 = computeRates([{ domain: dom, params: params(10n * SEC, 5n * SEC, 0n, 0n) }], new Map(), null);
    expect(r1.domains[0].firstSeen).toBe(true);
    expect(r1.domains[0].cpuPercent).toBeNull();
    expect(r1.domains[0].vcpus.map((v) => v.cpuPercent)).toEqual([null, null]);
    expect(r1.domains[0].disk.readBytesPerSec).toBeNull();
    // 2 s later: 3 s more CPU (150% of one host CPU), vCPU 0 +1.5 s (75%).
    const r2 = computeRates(
      [{ domain: dom, params: params(13n * SEC, 6_500_000_000n, 8192n * 1000n, 1_000_000n) }], r1.next, 2n * SEC);
    const d = r2.domains[0];
    expect(d.firstSeen).toBe(false);
    expect(d.cpuPercent).toBeCloseTo(150, 9);
    expect(d.vcpus).toEqual([
      { id: 0, state: 1, timeNs: 6_500_000_000n, cpuPercent: 75 },
      { id: 1, state: 1, timeNs: 0n, cpuPercent: 0 },
    ]);
    expect(d.disks.map((x) => x.name)).toEqual(['vda', 'vdb']);
    expect(d.disk.readBytesPerSec).toBe(8192 * 1000); // (vda + vdb) / 2 s
    expect(d.disk.writeBytesPerSec).toBe(8192 * 1000);
    expect(d.disk.readIops).toBe(1000);
    expect(d.disk.writeIops).toBe(0);
    expect(d.net).toEqual({ rxBytesPerSec: 500_000, txBytesPerSec: 250_000, rxPacketsPerSec: 500, txPacketsPerSec: 0 });
    expect(d.memory).toMatchObject({ balloonCurrentKiB: 32768, balloonMaximumKiB: 65536, rssKiB: 40000, availableKiB: null });
  });

  it('a counter that went backwards (restart) gives null, not a negative rate', () => {
    const r1 = computeRates([{ domain: dom, params: params(10n * SEC, 5n * SEC, 4096n, 100n) }], new Map(), null);
    const r2 = computeRates([{ domain: dom, params: params(1n * SEC, 1n * SEC, 0n, 0n) }], r1.next, SEC);
    const d = r2.domains[0];
    expect(d.cpuPercent).toBeNull();
    expect(d.vcpus[0].cpuPercent).toBeNull();
    expect(d.disk.readBytesPerSec).toBeNull();
    expect(d.net.rxBytesPerSec).toBeNull();
  });
});
