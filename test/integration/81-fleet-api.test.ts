// The fleet API on the two private libvirt hosts of scripts/fleet-hosts.sh: listing and
// finding across hosts, an agent (events + poller) watching a guest move, a host going down
// and coming back, and hosts that fail or hang without holding up the others.
import { createServer, type Server, type Socket } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Connect, Fleet, FleetTimeoutError, migrate, type FleetEvent, type FleetPollItem,
  VIR_DOMAIN_EVENT_STARTED, VIR_DOMAIN_EVENT_STARTED_MIGRATED, VIR_DOMAIN_EVENT_STOPPED,
  VIR_DOMAIN_EVENT_STOPPED_MIGRATED, VIR_DOMAIN_RUNNING,
} from '../../lib/index.js';
import { uniq, waitFor } from '../helpers/index.js';
import { fleetGuestXML, fleetHosts, killDaemon, removeEverywhere, restoreHosts } from '../helpers/fleet.js';

const { hosts, skip, reason } = fleetHosts();

describe.skipIf(skip)(`fleet API over two libvirt hosts (${reason})`, () => {
  let h1: Connect;
  let h2: Connect;
  let fleet: Fleet;
  let dir: string;
  let hung: Server;
  const held: Socket[] = [];
  const name = uniq('fleet-api');
  let uuid = '';

  beforeAll(async () => {
    h1 = await Connect.open(hosts!.unix[0]);
    h2 = await Connect.open(hosts!.unix[1]);
    const dom = await h1.domainCreateXML(fleetGuestXML(name), 0);
    uuid = dom.getUUIDString();
    dom.free();
    // A "host" that accepts connections and never answers.
    dir = mkdtempSync(join(tmpdir(), 'vk-fleet-'));
    hung = createServer((s) => held.push(s));
    await new Promise<void>((r) => hung.listen(join(dir, 'sock'), r));
  });

  afterAll(async () => {
    await fleet?.close();
    await removeEverywhere(hosts!.unix, name);
    await h1?.close().catch(() => {});
    await h2?.close().catch(() => {});
    for (const s of held) s.destroy();
    await new Promise((r) => hung?.close(r));
    rmSync(dir, { recursive: true, force: true });
  });

  it('opens every host; a missing and a hung host are down with their errors, within the deadline', async () => {
    const t = Date.now();
    fleet = await Fleet.open(
      [
        { name: 'host1', uri: hosts!.unix[0] },
        { name: 'host2', uri: hosts!.unix[1] },
        { name: 'nowhere', uri: `qemu+unix:///system?socket=${join(dir, 'missing')}` },
        { name: 'hung', uri: `qemu+unix:///system?socket=${join(dir, 'sock')}` },
      ],
      { timeoutMs: 1500, reconnect: { initialDelayMs: 200, maxDelayMs: 1000 } },
    );
    expect(Date.now() - t).toBeLessThan(5000);
    const st = Object.fromEntries(fleet.status().map((s) => [s.name, s]));
    expect(st.host1.state).toBe('up');
    expect(st.host2.state).toBe('up');
    expect(st.nowhere.state).toBe('down');
    expect(st.nowhere.error?.message).toMatch(/missing|No such file/);
    expect(st.hung.state).toBe('down');
    expect(st.hung.error).toBeInstanceOf(FleetTimeoutError);
    expect(fleet.connection('host1')).not.toBeNull();
    expect(fleet.connection('hung')).toBeNull();
    expect(() => fleet.connection('other')).toThrow(RangeError);
  });

  it('lists across hosts, naming the hosts that could not answer', async () => {
    const { domains, failed } = await fleet.list();
    const mine = domains.filter((d) => d.name === name);
    expect(mine).toEqual([{ host: 'host1', name, uuid, id: expect.any(Number), state: VIR_DOMAIN_RUNNING, reason: expect.any(Number) }]);
    expect(failed.map((f) => f.host).sort()).toEqual(['hung', 'nowhere']);
  });

  it('finds which host runs a domain, by name and by UUID', async () => {
    const byName = await fleet.find(name);
    expect(byName?.host).toBe('host1');
    expect(byName?.state).toBe(VIR_DOMAIN_RUNNING);
    byName?.domain.free();
    const byUUID = await fleet.find(uuid);
    expect(byUUID?.host).toBe('host1');
    byUUID?.domain.free();
    expect(await fleet.find(uniq('fleet-none'))).toBeNull();
    await expect(fleet.find('')).rejects.toThrow(TypeError);
  });

  it('an agent watching both hosts sees the guest leave one and arrive on the other (events and poller agree)', async () => {
    const ac = new AbortController();
    const events: FleetEvent[] = [];
    const polls: FleetPollItem[] = [];
    const evLoop = (async () => {
      for await (const e of fleet.events({ signal: ac.signal })) events.push(e);
    })();
    const pollLoop = (async () => {
      for await (const p of fleet.pollStats({ intervalMs: 200, signal: ac.signal })) polls.push(p);
    })();
    // Both pollers have seen the guest where it is now.
    const seenOn = (host: string) => polls.some((p) => p.type === 'stats' && p.host === host && p.snapshot.domains.some((d) => d.uuid === uuid));
    await waitFor(() => seenOn('host1') && polls.some((p) => p.type === 'stats' && p.host === 'host2'), 10_000, 'first snapshots');
    const dom = await h1.domainLookupByName(name);
    await migrate(dom, hosts!.tcp[1], { p2p: true });
    dom.free();
    const mine = (host: string, ev: number, detail: number) =>
      events.some((e) => e.type === 'domain' && e.host === host && e.uuid === uuid && e.args[0] === ev && e.args[1] === detail);
    await waitFor(() => mine('host1', VIR_DOMAIN_EVENT_STOPPED, VIR_DOMAIN_EVENT_STOPPED_MIGRATED), 10_000, 'stopped/migrated on host1');
    await waitFor(() => mine('host2', VIR_DOMAIN_EVENT_STARTED, VIR_DOMAIN_EVENT_STARTED_MIGRATED), 10_000, 'started/migrated on host2');
    const left = () => polls.some((p) => p.type === 'stats' && p.host === 'host1' && p.snapshot.disappeared.some((d) => d.uuid === uuid));
    const arrived = () => polls.some((p) => p.type === 'stats' && p.host === 'host2' && p.snapshot.appeared.includes(uuid));
    await waitFor(() => left() && arrived(), 10_000, 'the pollers to see the move');
    ac.abort();
    await Promise.all([evLoop, pollLoop]);
    // The last snapshot of each host agrees with the events.
    const last = (host: string) => polls.filter((p) => p.type === 'stats' && p.host === host).at(-1);
    const l1 = last('host1');
    const l2 = last('host2');
    expect(l1?.type === 'stats' && l1.snapshot.domains.some((d) => d.uuid === uuid)).toBe(false);
    expect(l2?.type === 'stats' && l2.snapshot.domains.some((d) => d.uuid === uuid)).toBe(true);
    const found = await fleet.find(name);
    expect(found?.host).toBe('host2');
    found?.domain.free();
  });

  it('keeps serving host1 while host2 is down, and picks host2 up again with a new poller', async () => {
    const ac = new AbortController();
    const events: FleetEvent[] = [];
    const polls: FleetPollItem[] = [];
    const evLoop = (async () => {
      for await (const e of fleet.events({ signal: ac.signal })) events.push(e);
    })();
    const pollLoop = (async () => {
      for await (const p of fleet.pollStats({ intervalMs: 200, signal: ac.signal })) polls.push(p);
    })();
    await waitFor(() => polls.some((p) => p.type === 'stats' && p.host === 'host2'), 10_000, 'host2 polled');
    killDaemon(2);
    let before = 0;
    try {
      await waitFor(() => fleet.status().find((s) => s.name === 'host2')!.state === 'down', 10_000, 'host2 down');
      const t = Date.now();
      const { domains, failed } = await fleet.list();
      expect(Date.now() - t).toBeLessThan(1000);
      expect(failed.map((f) => f.host)).toContain('host2');
      expect(domains.every((d) => d.host === 'host1')).toBe(true);
      const n1 = polls.filter((p) => p.type === 'stats' && p.host === 'host1').length;
      await waitFor(() => polls.filter((p) => p.type === 'stats' && p.host === 'host1').length >= n1 + 2, 10_000, 'host1 still polled');
      await waitFor(() => events.some((e) => e.type === 'host' && e.host === 'host2' && e.state === 'down'), 5000, 'down event');
      expect(polls.some((p) => p.type === 'host' && p.host === 'host2' && p.state === 'down')).toBe(true);
    } finally {
      // Counted before the daemon is back: the new poller's first snapshot (the one with
      // firstSeen) can arrive before a wait for the 'up' state sees it.
      before = polls.length;
      restoreHosts();
    }
    await waitFor(() => fleet.status().find((s) => s.name === 'host2')!.state === 'up', 20_000, 'host2 back');
    // The guest survived its daemon; the new poller sees it again, as new.
    await waitFor(
      () => polls.slice(before).some((p) => p.type === 'stats' && p.host === 'host2' && p.snapshot.domains.some((d) => d.uuid === uuid && d.firstSeen)),
      20_000,
      'host2 polled again',
    );
    await waitFor(() => events.some((e) => e.type === 'host' && e.host === 'host2' && e.state === 'up'), 5000, 'up event');
    ac.abort();
    await Promise.all([evLoop, pollLoop]);
    const { failed } = await fleet.list();
    expect(failed.map((f) => f.host)).not.toContain('host2');
  });

  it('snapshots every host at once', async () => {
    const snap = await fleet.snapshot();
    expect(snap.hosts.map((h) => h.host)).toEqual(['host1', 'host2']);
    expect(snap.hosts[1].domains.some((d) => d.uuid === uuid)).toBe(true);
    expect(snap.failed.map((f) => f.host).sort()).toEqual(['hung', 'nowhere']);
    expect(snap.ms).toBeLessThan(2000);
  });

  it('close() ends the open event and stats streams', async () => {
    const f = await Fleet.open([hosts!.unix[0]]);
    const evs = (async () => {
      for await (const _ of f.events()) {
        /* none expected */
      }
    })();
    let stats = 0;
    const polls = (async () => {
      for await (const _ of f.pollStats({ intervalMs: 100 })) stats++;
    })();
    await waitFor(() => stats > 0, 10_000, 'a snapshot');
    await f.close();
    await Promise.all([evs, polls]);
    expect(() => f.events()).toThrow(/closed/);
    await expect(f.list()).rejects.toThrow(/closed/);
  });

  it('rejects bad input', async () => {
    await expect(Fleet.open('qemu:///system' as never)).rejects.toThrow(TypeError);
    await expect(Fleet.open([{ uri: '' }])).rejects.toThrow(TypeError);
    await expect(Fleet.open(['test:///default', 'test:///default'])).rejects.toThrow(/twice/);
    await expect(Fleet.open(['test:///default'], { concurrency: 0 })).rejects.toThrow(RangeError);
    expect(() => fleet.events({ eventIDs: [] })).toThrow(TypeError);
  });
});
