// lib/poller.ts against a real libvirtd: unpaused tiny QEMU guests whose CPU time moves
// (SeaBIOS spins ~25% of a core), one destroyed between polls. Without libvirtd the suite is
// skipped locally and FAILS under $CI (requirePart).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Connect, VIR_DOMAIN_RUNNING } from '../../lib/index.js';
import { pollStats, type PollSnapshot } from '../../lib/libvirt/poller.js';
import { uniq } from '../helpers/index.js';
import { SYSTEM, domainType, needDaemon, removeDomain } from '../helpers/qemu.js';

const gate = needDaemon();

/** Tiny disk-less guest with 2 vCPUs, a balloon and a NIC on the default network. */
function guestXML(name: string): string {
  return `<domain type='${domainType()}'>
  <name>${name}</name>
  <memory unit='MiB'>32</memory>
  <vcpu>2</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type><bios useserial='yes'/></os>
  <devices>
    <serial type='pty'/>
    <interface type='network'><source network='default'/><model type='virtio'/></interface>
    <memballoon model='virtio'><stats period='1'/></memballoon>
  </devices>
</domain>`;
}

describe.skipIf(gate.skip)(`pollStats on qemu:///system (${gate.reason})`, () => {
  let conn: Connect;
  const names = [uniq('vk-poll'), uniq('vk-poll')];
  beforeAll(async () => {
    conn = await Connect.open(SYSTEM);
    for (const n of names) await conn.domainCreateXML(guestXML(n)); // transient: gone once destroyed
  });
  afterAll(async () => {
    for (const n of names) if (conn) await removeDomain(conn, n);
    await conn?.close();
  });

  it('CPU% of a running guest is > 0 and plausible; a guest destroyed between polls disappears', async () => {
    const [keep, victim] = names;
    const ac = new AbortController();
    const it = pollStats(conn, { intervalMs: 500, signal: ac.signal });
    const next = async (): Promise<PollSnapshot> => {
      const r = await it.next();
      if (r.done) throw new Error('poller ended early');
      return r.value;
    };
    try {
      let s = await next();
      const first = s.domains.find((d) => d.name === keep)!;
      expect(first.firstSeen).toBe(true);
      expect(first.cpuPercent).toBeNull();
      expect(typeof first.cpuTimeNs).toBe('bigint');
      // A few polls later both guests have rates.
      for (let i = 0; i < 3; i++) s = await next();
      expect(s.elapsedNs! > 300_000_000n && s.elapsedNs! < 5_000_000_000n).toBe(true);
      for (const n of names) {
        const d = s.domains.find((x) => x.name === n)!;
        expect(d, n).toBeDefined();
        expect(d.firstSeen).toBe(false);
        expect(d.state).toBe(VIR_DOMAIN_RUNNING);
        expect(d.cpuPercent!).toBeGreaterThan(0);
        expect(d.cpuPercent!).toBeLessThan(100 * 2 + 25); // 2 vCPUs + emulator threads' margin
        expect(d.vcpus.map((v) => v.id)).toEqual([0, 1]);
        for (const v of d.vcpus) {
          expect(v.cpuPercent!).toBeGreaterThanOrEqual(0);
          expect(v.cpuPercent!).toBeLessThan(100 + 10);
        }
        expect(d.vcpus[0].cpuPercent!).toBeGreaterThan(0); // the BSP runs SeaBIOS
        expect(d.memory.balloonCurrentKiB).toBe(32 * 1024);
        expect(d.memory.rssKiB!).toBeGreaterThan(0);
        expect(d.nets).toHaveLength(1);
        expect(d.net.rxBytesPerSec!).toBeGreaterThanOrEqual(0);
        expect(d.net.txPacketsPerSec!).toBeGreaterThanOrEqual(0);
        expect(d.disk).toEqual({ readBytesPerSec: 0, writeBytesPerSec: 0, readIops: 0, writeIops: 0 }); // no disks
        expect(typeof d.params['cpu.time']).toBe('bigint');
      }

      const victimUuid = s.domains.find((x) => x.name === victim)!.uuid;
      await (await conn.domainLookupByName(victim)).destroy();
      s = await next();
      // A call may have been in flight during destroy (and still listed it); the one after cannot.
      if (s.domains.some((d) => d.uuid === victimUuid)) s = await next();
      expect(s.domains.some((d) => d.uuid === victimUuid)).toBe(false);
      expect(s.disappeared).toEqual([{ uuid: victimUuid, name: victim }]);
      const k = s.domains.find((x) => x.name === keep)!;
      expect(k.firstSeen).toBe(false);
      expect(k.cpuPercent!).toBeGreaterThan(0);
    } finally {
      ac.abort();
    }
    expect(await it.next()).toEqual({ value: undefined, done: true });
  });
});
