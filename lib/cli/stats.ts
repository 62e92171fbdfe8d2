// Snapshots for `virtkit top`, from lib/poller.ts's pollStats() (bulk stats every
// interval, rates keyed by UUID). Drivers whose bulk stats lack `cpu.time` and
// `balloon.*` (the test driver reports only `state.*`) are completed from
// Domain#getInfo: memory, vCPUs, and CPU % from two successive cpuTime readings.
import type { Connect } from '../libvirt/classes.js';
import * as C from '../libvirt/generated/constants.js';
import { pollStats, type PollSnapshot } from '../libvirt/poller.js';
import { stateKey } from './format.js';

/** One domain in a snapshot. Rates are null on the first sample or when unknown. */
export interface DomainRow {
  /** The host's name, when several hosts are shown. */
  host?: string;
  name: string;
  /** null when inactive. */
  id: number | null;
  uuid: string;
  state: string;
  stateCode: number;
  vcpus: number;
  /** 100 = one host CPU busy for the whole interval (as `top`). */
  cpuPercent: number | null;
  memoryKiB: number;
  maxMemoryKiB: number;
  diskReadBytesPerSec: number | null;
  diskWriteBytesPerSec: number | null;
  netRxBytesPerSec: number | null;
  netTxBytesPerSec: number | null;
}

export interface Snapshot {
  time: string;
  uri: string;
  /** Seconds since the previous snapshot (null on the first). */
  elapsed: number | null;
  domains: DomainRow[];
}

function active(state: number): boolean {
  return state !== C.VIR_DOMAIN_SHUTOFF && state !== C.VIR_DOMAIN_CRASHED;
}

/** Snapshots every `intervalMs` until `signal` aborts. */
export async function* snapshots(
  conn: Connect,
  uri: string,
  opts: { intervalMs: number; signal: AbortSignal },
): AsyncGenerator<Snapshot> {
  // Fallback CPU clock per UUID: [getInfo cpuTime, snapshot monotonic ns].
  let prevCpu = new Map<string, [bigint, bigint]>();
  for await (const snap of pollStats(conn, { intervalMs: opts.intervalMs, signal: opts.signal })) {
    yield await toSnapshot(snap);
  }

  async function toSnapshot(snap: PollSnapshot): Promise<Snapshot> {
    const nextCpu = new Map<string, [bigint, bigint]>();
    const rows = await Promise.all(
      snap.domains.map(async (d): Promise<DomainRow | null> => {
        const dom = d.domain;
        try {
          const info = await dom.getInfo();
          const state = info.state;
          let cpuPercent = d.cpuPercent;
          if (d.cpuTimeNs === null && active(state)) {
            const was = prevCpu.get(d.uuid);
            nextCpu.set(d.uuid, [info.cpuTime, snap.monotonicNs]);
            if (was && info.cpuTime >= was[0] && snap.monotonicNs > was[1]) {
              cpuPercent = (Number(info.cpuTime - was[0]) / Number(snap.monotonicNs - was[1])) * 100;
            }
          }
          const id = dom.getID();
          return {
            name: d.name,
            id: active(state) && id !== -1 && id !== 0xffffffff ? id : null,
            uuid: d.uuid,
            state: stateKey(state),
            stateCode: state,
            vcpus: info.nrVirtCpu,
            cpuPercent: active(state) ? cpuPercent : null,
            memoryKiB: d.memory.balloonCurrentKiB ?? Number(info.memory),
            maxMemoryKiB: d.memory.balloonMaximumKiB ?? Number(info.maxMem),
            diskReadBytesPerSec: d.disk.readBytesPerSec,
            diskWriteBytesPerSec: d.disk.writeBytesPerSec,
            netRxBytesPerSec: d.net.rxBytesPerSec,
            netTxBytesPerSec: d.net.txBytesPerSec,
          };
        } catch {
          return null; // vanished since the stats call
        } finally {
          dom.free();
        }
      }),
    );
    prevCpu = nextCpu;
    const domains = rows.filter((r): r is DomainRow => r !== null);
    domains.sort((a, b) => (b.cpuPercent ?? -1) - (a.cpuPercent ?? -1) || a.name.localeCompare(b.name));
    return {
      time: snap.time.toISOString(),
      uri,
      elapsed: snap.elapsedNs === null ? null : Number(snap.elapsedNs) / 1e9,
      domains,
    };
  }
}
