// virtkit's exporter beside Debian's prometheus-libvirt-exporter (the Go exporter) on the same
// three paused guests (qemu:///system, a disk file and a NIC on `default` each), comparing every
// family the Go exporter prints: the same names, types, label sets and values.
//
// Values are read Go, virtkit, Go, so each virtkit value is compared with the two Go values
// around it (other engineers' guests and a paused guest's QEMU threads keep some figures moving):
// - gauges equal one of the two Go values;
// - counters lie between them; CPU time gets 0.05 s either side, because the Go exporter reads
//   virDomainGetInfo (the QEMU process's /proc utime+stime, 10 ms ticks) and virtkit bulk stats
//   (the domain cgroup's CPU time, in ns).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Connect, createExporter, type Exporter } from '../../lib/index.js';
import { requirePart, uniq } from '../helpers/index.js';
import { SYSTEM, needDaemon } from '../helpers/qemu.js';
import {
  createGuests, defaultNetworkUp, freePort, hasCommand, parseText, seriesKey, startChild, waitHttp,
  type Child, type ExporterGuests, type Sample,
} from '../helpers/exporter.js';

const daemon = needDaemon();
const go = requirePart(hasCommand('prometheus-libvirt-exporter'), 'prometheus-libvirt-exporter (Debian package)');
const skip = daemon.skip || go.skip;
const CPU_TOLERANCE_S = 0.05;

/** The Go exporter's own process and client families, not libvirt's. */
const OWN = /^(go_|process_|promhttp_)/;

describe.skipIf(skip)(`exporter vs prometheus-libvirt-exporter (${skip ? (daemon.skip ? daemon.reason : go.reason) : 'needs libvirtd and the Go exporter'})`, () => {
  let conn: Connect;
  let guests: ExporterGuests | null = null;
  let exporter: Exporter | null = null;
  let goProc: Child | null = null;
  let goUrl = '';

  beforeAll(async () => {
    conn = await Connect.open(SYSTEM);
    expect(await defaultNetworkUp(conn)).toBe(true);
    // Run them briefly (SeaBIOS reads the disk, the NIC sees DHCP-less ARP/IPv6 chatter) so the
    // counters are not all zero, then pause them: they only need to exist.
    guests = await createGuests(conn, uniq('exp-cmp'), 3, { paused: false });
    await new Promise((r) => setTimeout(r, 3000));
    for (const d of guests.domains) await d.suspend();
    exporter = await createExporter({ connect: SYSTEM });
    const port = await freePort();
    goProc = startChild('prometheus-libvirt-exporter', [`--web.listen-address=127.0.0.1:${port}`, `--libvirt.uri=${SYSTEM}`]);
    goUrl = `http://127.0.0.1:${port}/metrics`;
    await waitHttp(goUrl, 20000, goProc);
  });

  afterAll(async () => {
    await goProc?.stop();
    await exporter?.close();
    await guests?.remove();
    await conn?.close();
  });

  const ours = (s: Sample): boolean => s.labels.domain === undefined || guests!.names.includes(s.labels.domain);

  it('prints every Go family with the same names, types, label sets and values', async () => {
    const go1 = parseText(await (await fetch(goUrl)).text());
    const vk = parseText(await exporter!.scrape());
    const go2 = parseText(await (await fetch(goUrl)).text());

    const goFamilies = [...go1.types.keys()].filter((f) => !OWN.test(f));
    // The comparison covers the families that need the guests' disk and NIC.
    for (const f of [
      'libvirt_up', 'libvirt_domains_number', 'libvirt_domain_state_code', 'libvirt_domain_info_cpu_time_seconds_total',
      'libvirt_domain_block_stats_read_bytes_total', 'libvirt_domain_interface_stats_receive_bytes_total',
    ]) {
      expect(goFamilies).toContain(f);
    }
    const index = (p: ReturnType<typeof parseText>) => new Map(p.samples.filter(ours).map((s) => [seriesKey(s), s]));
    const [g1, v, g2] = [index(go1), index(vk), index(go2)];
    let compared = 0;
    for (const fam of goFamilies) {
      expect(vk.types.get(fam), `type of ${fam}`).toBe(go1.types.get(fam));
      const goKeys = [...g1.keys()].filter((k) => k.startsWith(`${fam}{`)).sort();
      const vkKeys = [...v.keys()].filter((k) => k.startsWith(`${fam}{`)).sort();
      expect(vkKeys, `series of ${fam}`).toEqual(goKeys);
      expect(goKeys.length, `${fam} has series for the guests`).toBeGreaterThan(0);
      for (const key of goKeys) {
        const a = g1.get(key)!.value;
        const b = g2.get(key)?.value ?? a;
        const x = v.get(key)!.value;
        const lo = Math.min(a, b);
        const hi = Math.max(a, b);
        if (go1.types.get(fam) === 'counter') {
          const tol = fam === 'libvirt_domain_info_cpu_time_seconds_total' ? CPU_TOLERANCE_S : 0;
          expect(x, key).toBeGreaterThanOrEqual(lo - tol);
          expect(x, key).toBeLessThanOrEqual(hi + tol);
        } else if (fam === 'libvirt_domains_number') {
          // Others' guests may come and go between the reads.
          expect(x, key).toBeGreaterThanOrEqual(lo);
          expect(x, key).toBeLessThanOrEqual(hi);
        } else {
          expect([a, b], key).toContain(x);
        }
        compared++;
      }
    }
    const nonZero = [...v.values()].filter((x) => x.value !== 0 && x.name.startsWith('libvirt_domain_')).length;
    expect(nonZero, 'some guest values are not zero').toBeGreaterThan(3 * 4);
    // 3 guests x (5 domain families + 4 block + 8 interface) + up + domains_number.
    expect(compared).toBeGreaterThanOrEqual(3 * 17 + 2);
  });
});
