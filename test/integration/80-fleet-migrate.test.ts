// Live migration between the two private libvirt hosts of scripts/fleet-hosts.sh: both ways,
// peer to peer and direct, abort, and the destination's libvirtd killed mid-migration.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Connect, Domain, MigrationError, migrate, startMigration, type MigrationProgress,
  VIR_CONNECT_LIST_DOMAINS_ACTIVE, VIR_DOMAIN_RUNNING, VIR_DOMAIN_RUNNING_MIGRATED,
} from '../../lib/index.js';
import { uniq } from '../helpers/index.js';
import { fleetGuestXML, fleetHosts, killDaemon, removeEverywhere, restoreHosts } from '../helpers/fleet.js';

const { hosts, skip, reason } = fleetHosts();

async function runningNames(c: Connect): Promise<string[]> {
  const doms = await c.listAllDomains(VIR_CONNECT_LIST_DOMAINS_ACTIVE);
  const names = doms.map((d) => d.getName());
  doms.forEach((d) => d.free());
  return names;
}

async function expectMigratedTo(dst: Connect, src: Connect, name: string): Promise<Domain> {
  const d = await dst.domainLookupByName(name);
  expect(await d.getState()).toEqual({ state: VIR_DOMAIN_RUNNING, reason: VIR_DOMAIN_RUNNING_MIGRATED });
  expect(await runningNames(src)).not.toContain(name);
  return d;
}

describe.skipIf(skip)(`live migration between two libvirt hosts (${reason})`, () => {
  let h1: Connect;
  let h2: Connect;
  const name = uniq('fleet-mig');
  const names = [name];

  beforeAll(async () => {
    h1 = await Connect.open(hosts!.unix[0]);
    h2 = await Connect.open(hosts!.unix[1]);
  });

  afterAll(async () => {
    for (const n of names) await removeEverywhere(hosts!.unix, n);
    await h1?.close().catch(() => {});
    await h2?.close().catch(() => {});
  });

  it('lists each host remotely, with its own hostname', async () => {
    expect(await h1.getHostname()).toBe('fleet-host1');
    expect(await h2.getHostname()).toBe('fleet-host2');
    const dom = await h1.domainCreateXML(fleetGuestXML(name), 0);
    dom.free();
    expect(await runningNames(h1)).toContain(name);
    expect(await runningNames(h2)).not.toContain(name);
  });

  it('migrates live peer to peer host1 -> host2, with progress and final stats', async () => {
    const dom = await h1.domainLookupByName(name);
    const seen: MigrationProgress[] = [];
    const m = startMigration(dom, hosts!.tcp[1], { p2p: true, progressIntervalMs: 50, onProgress: (p) => seen.push(p) });
    const iterated: MigrationProgress[] = [];
    for await (const p of m) iterated.push(p);
    const r = await m.done;
    expect(r.name).toBe(name);
    expect(r.destination).toBeNull();
    expect(r.durationMs).toBeGreaterThan(0);
    expect(iterated).toEqual(seen);
    expect(r.stats).not.toBeNull();
    expect(r.stats!.dataTotal).toBeGreaterThan(0);
    (await expectMigratedTo(h2, h1, name)).free();
    dom.free();
  });

  it('migrates live directly host2 -> host1 through a Connect to each', async () => {
    const dom = await h2.domainLookupByName(name);
    const r = await migrate(dom, h1, {});
    expect(r.destination).toBeInstanceOf(Domain);
    expect(r.destination!.getName()).toBe(name);
    r.destination!.free();
    (await expectMigratedTo(h1, h2, name)).free();
    dom.free();
  });

  it('migrates directly host1 -> host2 by URI, and peer to peer back', async () => {
    let dom = await h1.domainLookupByName(name);
    await migrate(dom, hosts!.unix[1], { migrateUri: 'tcp://10.77.0.2' });
    dom.free();
    (await expectMigratedTo(h2, h1, name)).free();
    dom = await h2.domainLookupByName(name);
    await migrate(dom, hosts!.tcp[0], { p2p: true });
    dom.free();
    (await expectMigratedTo(h1, h2, name)).free();
  });

  it('moves the definition with persistent + undefineSource', async () => {
    const p = uniq('fleet-pers');
    names.push(p);
    const def = await h1.domainDefineXML(fleetGuestXML(p));
    await def.create();
    await migrate(def, hosts!.tcp[1], { p2p: true, persistent: true, undefineSource: true });
    def.free();
    const there = await expectMigratedTo(h2, h1, p);
    expect(await there.isPersistent()).toBe(true);
    await expect(h1.domainLookupByName(p)).rejects.toMatchObject({ codeName: 'VIR_ERR_NO_DOMAIN' });
    await there.destroy();
    await there.undefine();
    there.free();
  });

  it('switches to post-copy after the first pass, with compression, auto-converge and a new name', async () => {
    const p = uniq('fleet-pc');
    const moved = `${p}-moved`;
    names.push(p, moved);
    const dom = await h1.domainCreateXML(fleetGuestXML(p), 0);
    const r = await migrate(dom, hosts!.tcp[1], {
      p2p: true,
      postcopy: 'after-first-iteration',
      compression: ['xbzrle'],
      autoConverge: { initialPercent: 20, incrementPercent: 10 },
      destinationName: moved,
      bandwidthMiBps: 20,
    });
    dom.free();
    expect(r.postcopyStarted).toBe(true);
    expect(r.iterations).toBeGreaterThanOrEqual(1);
    (await expectMigratedTo(h2, h1, moved)).free();
    await expect(h2.domainLookupByName(p)).rejects.toMatchObject({ codeName: 'VIR_ERR_NO_DOMAIN' });
    await removeEverywhere(hosts!.unix, moved);
  });

  it('aborts a throttled migration: typed error, the guest keeps running on the source', async () => {
    const dom = await h1.domainLookupByName(name);
    const m = startMigration(dom, hosts!.tcp[1], { p2p: true, bandwidthMiBps: 1, progressIntervalMs: 50 });
    for await (const p of m) {
      if (p.source === 'stats' && (p.dataProcessed ?? 0) > 0) break;
    }
    await m.abort();
    const err = await m.done.then(() => null, (e) => e);
    expect(err).toBeInstanceOf(MigrationError);
    expect(err.kind).toBe('aborted');
    expect(err.sourceRunning).toBe(true);
    expect(err.message).toMatch(/aborted.*still running on the source/);
    expect(await dom.getState()).toMatchObject({ state: VIR_DOMAIN_RUNNING });
    expect(await runningNames(h2)).not.toContain(name);
    dom.free();
  });

  it("survives the destination's libvirtd being killed mid-migration", async () => {
    const dom = await h1.domainLookupByName(name);
    const m = startMigration(dom, hosts!.tcp[1], { p2p: true, bandwidthMiBps: 1, progressIntervalMs: 50 });
    for await (const p of m) {
      if (p.source === 'stats' && (p.dataProcessed ?? 0) > 0) break;
    }
    killDaemon(2);
    const err = await m.done.then(() => null, (e) => e);
    restoreHosts();
    expect(err).toBeInstanceOf(MigrationError);
    expect(err.kind).toBe('connection-lost');
    expect(err.sourceRunning).toBe(true);
    expect(err.message).toMatch(/lost its connection to the destination: .*socket.*still running on the source/);
    expect(await dom.getState()).toMatchObject({ state: VIR_DOMAIN_RUNNING });
    dom.free();
    // The restarted destination does not run it either, and a new migration goes through.
    await h2.close().catch(() => {});
    h2 = await Connect.open(hosts!.unix[1]);
    await removeEverywhere([hosts!.unix[1]], name);
    const again = await h1.domainLookupByName(name);
    await migrate(again, hosts!.tcp[1], { p2p: true });
    again.free();
    (await expectMigratedTo(h2, h1, name)).free();
  });

  it('rejects bad options before any call', async () => {
    const fake = { getName: () => 'x' } as unknown as Domain;
    expect(() => startMigration(fake, 'qemu:///system')).toThrow(TypeError);
    expect(() => startMigration(null as unknown as Domain, 'x')).toThrow(TypeError);
    const dom = await h2.domainLookupByName(name);
    expect(() => startMigration(dom, h1, { p2p: true })).toThrow(/peer-to-peer/);
    expect(() => startMigration(dom, '')).toThrow(TypeError);
    expect(() => startMigration(dom, hosts!.tcp[0], { bandwidthMiBps: -1 })).toThrow(RangeError);
    expect(() => startMigration(dom, hosts!.tcp[0], { compression: [] })).toThrow(TypeError);
    expect(() => startMigration(dom, hosts!.tcp[0], { postcopy: 'yes' as never })).toThrow(TypeError);
    await expect(migrate(dom, hosts!.tcp[0], { autoConverge: { initialPercent: 500 } })).rejects.toThrow(RangeError);
    // A destination that refuses: the same host is no destination.
    const err = await migrate(dom, hosts!.tcp[1], { p2p: true }).catch((e) => e);
    expect(err).toBeInstanceOf(MigrationError);
    expect(err.sourceRunning).toBe(true);
    dom.free();
  });
});
