/**
 * Periodic bulk stats with rates: `pollStats(conn, opts)` calls
 * `Connect#getAllDomainStats` every `intervalMs` and yields one {@link PollSnapshot} per
 * completed call, with per-domain rates derived from the previous call's counters.
 *
 * ```ts
 * const ac = new AbortController();
 * for await (const snap of pollStats(conn, { intervalMs: 1000, signal: ac.signal })) {
 *   for (const d of snap.domains) console.log(d.name, d.cpuPercent, d.disk.readBytesPerSec);
 * }
 * ```
 *
 * Semantics:
 * - One call at a time: a tick that finds the previous call still in flight starts nothing
 *   and is counted in {@link PollSnapshot.skippedTicks} (cumulative) and
 *   {@link PollSnapshot.skippedSinceLast}.
 * - Domains are keyed by UUID. A domain seen for the first time (or again after it vanished)
 *   has no rates: every rate is `null` and `firstSeen` is true. Domains absent from a call
 *   are dropped and listed in {@link PollSnapshot.disappeared}; that is not an error.
 * - A counter that went backwards (the domain was restarted, a disk or NIC was replaced)
 *   gives `null` for that rate rather than a negative one.
 * - Rate denominators use monotonic time (`process.hrtime.bigint()`): the midpoint of the
 *   `getAllDomainStats` call, so a slow call is not charged entirely to one side.
 * - `cpuPercent` is the percentage of ONE host CPU, as `top` shows it: a domain keeping two
 *   host CPUs busy reads 200. Divide by the vCPU count (or the host's CPU count) to normalize.
 * - Aborting `signal`, or leaving the loop (`break`, `return`), stops the timer; the loop
 *   ends normally. A failed call rejects the pending `next()` with its `LibvirtError` and
 *   ends polling; a connection closed by libvirt ends it with a `ConnectionClosedError`.
 * - On a `ReconnectingConnection`, polls lost while it reconnects are reported as
 *   {@link PollSnapshot.gap} on the next snapshot, and polling carries on.
 * - Snapshots not yet consumed are buffered up to `maxBuffered` (oldest dropped and counted
 *   in {@link PollSnapshot.droppedSnapshots}); rates never depend on what was consumed.
 */
import type { Connect, Domain } from './classes.js';
import type { TypedParams } from './typed-params.js';
import { AsyncQueue, endOnAbort } from '../util/async-queue.js';
import { ConnectionClosedError, watchClose } from './close-watch.js';
import { ReconnectingConnection } from './reconnect.js';
import {
  VIR_CONNECT_CLOSE_REASON_ERROR,
  VIR_DOMAIN_STATS_BALLOON, VIR_DOMAIN_STATS_BLOCK, VIR_DOMAIN_STATS_CPU_TOTAL,
  VIR_DOMAIN_STATS_INTERFACE, VIR_DOMAIN_STATS_STATE, VIR_DOMAIN_STATS_VCPU,
} from './generated/constants.js';

/** Stats groups asked by default: state, CPU total, balloon, vCPU, interface, block. */
export const DEFAULT_POLL_STATS =
  VIR_DOMAIN_STATS_STATE | VIR_DOMAIN_STATS_CPU_TOTAL | VIR_DOMAIN_STATS_BALLOON |
  VIR_DOMAIN_STATS_VCPU | VIR_DOMAIN_STATS_INTERFACE | VIR_DOMAIN_STATS_BLOCK;

export interface PollOptions {
  /** Time between ticks (ms); default 1000. The first call starts immediately. */
  intervalMs?: number;
  /** `VIR_DOMAIN_STATS_*` mask for `getAllDomainStats`; default {@link DEFAULT_POLL_STATS}. */
  stats?: number;
  /** `VIR_CONNECT_GET_ALL_DOMAINS_STATS_*` flags; default 0 (all domains). */
  flags?: number;
  /** Aborting ends the iteration normally. */
  signal?: AbortSignal;
  /** Snapshots kept while the consumer is busy (default 16); older ones are dropped. */
  maxBuffered?: number;
}

export interface VcpuRate {
  /** The vCPU number (`vcpu.<id>.*`). */
  id: number;
  /** `VIR_VCPU_*` (`vcpu.<id>.state`), or null if not reported. */
  state: number | null;
  /** `vcpu.<id>.time` in ns, or null. */
  timeNs: bigint | null;
  /** % of one host CPU spent running this vCPU since the previous call; null on first sight. */
  cpuPercent: number | null;
}

export interface DiskRates {
  /** Sums over the domain's disks (top layer only when backing chains are reported); 0 with no
   *  disks; null on first sight or when the `block` group was not reported. */
  readBytesPerSec: number | null;
  writeBytesPerSec: number | null;
  readIops: number | null;
  writeIops: number | null;
}

export interface DiskDeviceRates extends DiskRates {
  /** `block.<n>.name` (target, e.g. `vda`). */
  name: string;
}

export interface NetRates {
  /** Sums over the domain's interfaces; 0 with none; null on first sight or without the `net` group. */
  rxBytesPerSec: number | null;
  txBytesPerSec: number | null;
  rxPacketsPerSec: number | null;
  txPacketsPerSec: number | null;
}

export interface NetDeviceRates extends NetRates {
  /** `net.<n>.name` (host-side device, e.g. `vnet0`). */
  name: string;
}

/** From the `balloon.*` group, in KiB (null when not reported). */
export interface MemoryStats {
  balloonCurrentKiB: number | null;
  balloonMaximumKiB: number | null;
  rssKiB: number | null;
  availableKiB: number | null;
  unusedKiB: number | null;
  usableKiB: number | null;
  diskCachesKiB: number | null;
}

export interface DomainRates {
  name: string;
  uuid: string;
  /** The record's Domain wrapper (a fresh reference per call). */
  domain: Domain;
  /** `state.state` (`VIR_DOMAIN_*`), or null if the state group was not asked. */
  state: number | null;
  /** `state.reason`, or null. */
  reason: number | null;
  /** True when this UUID was not in the previous call: all rates are null. */
  firstSeen: boolean;
  /** `cpu.time` in ns, or null. */
  cpuTimeNs: bigint | null;
  /** Whole domain (vCPUs + emulator threads), % of ONE host CPU; may exceed 100 with several vCPUs. */
  cpuPercent: number | null;
  vcpus: VcpuRate[];
  disk: DiskRates;
  disks: DiskDeviceRates[];
  net: NetRates;
  nets: NetDeviceRates[];
  memory: MemoryStats;
  /** The raw typed parameters of this call. */
  params: TypedParams;
}

export interface PollSnapshot {
  /** 1 for the first completed call, then 2, 3, ... */
  seq: number;
  /** Wall-clock time when the call completed. */
  time: Date;
  /** Monotonic time (ns, `process.hrtime.bigint()`) of the call's midpoint: the rate clock. */
  monotonicNs: bigint;
  /** Monotonic ns since the previous snapshot's `monotonicNs`; null for the first. */
  elapsedNs: bigint | null;
  /** How long the `getAllDomainStats` call took (ms). */
  callMs: number;
  /** Ticks skipped so far because a call was still in flight (cumulative). */
  skippedTicks: number;
  /** Ticks skipped between the previous call and this one. */
  skippedSinceLast: number;
  /** Snapshots dropped so far because the consumer fell more than `maxBuffered` behind. */
  droppedSnapshots: number;
  domains: DomainRates[];
  /** UUIDs seen in this call but not the previous one. */
  appeared: string[];
  /** Domains in the previous call that are absent from this one. */
  disappeared: Array<{ uuid: string; name: string }>;
  /** Set on the first snapshot after polls were lost to a reconnect ({@link ReconnectingConnection} only). */
  gap?: PollGap;
}

/** Counters kept between calls, per UUID. */
interface Prev {
  name: string;
  cpuTime: bigint | null;
  vcpuTime: Map<number, bigint>;
  disk: Map<string, bigint[]>; // name -> [rdBytes, wrBytes, rdReqs, wrReqs]
  net: Map<string, bigint[]>; // name -> [rxBytes, txBytes, rxPkts, txPkts]
}

function big(v: unknown): bigint | null {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number' && Number.isInteger(v)) return BigInt(v);
  return null;
}

function num(v: unknown): number | null {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  return null;
}

/** Per-second rate of a counter, null without a previous value or when it went backwards. */
function rate(cur: bigint | null | undefined, prev: bigint | null | undefined, dtNs: bigint | null): number | null {
  if (cur == null || prev == null || dtNs == null || dtNs <= 0n || cur < prev) return null;
  return (Number(cur - prev) * 1e9) / Number(dtNs);
}

function sumRates(parts: Array<number | null>): number | null {
  if (parts.length === 0) return null;
  let s = 0;
  for (const p of parts) {
    if (p === null) return null;
    s += p;
  }
  return s;
}

/** Counters of `prefix.<i>.*` devices, keyed by name (first entry per name wins). */
function devices(p: TypedParams, prefix: 'block' | 'net', keys: string[]): Map<string, Array<bigint | null>> {
  const out = new Map<string, Array<bigint | null>>();
  const count = num(p[`${prefix}.count`]) ?? 0;
  for (let i = 0; i < count; i++) {
    const name = p[`${prefix}.${i}.name`];
    const key = typeof name === 'string' ? name : `#${i}`;
    if (out.has(key)) continue; // backing-chain entries repeat the disk name
    out.set(key, keys.map((k) => big(p[`${prefix}.${i}.${k}`])));
  }
  return out;
}

const DISK_KEYS = ['rd.bytes', 'wr.bytes', 'rd.reqs', 'wr.reqs'];
const NET_KEYS = ['rx.bytes', 'tx.bytes', 'rx.pkts', 'tx.pkts'];

/** Computes one snapshot's domain entries from a call's records (exported for tests). */
export function computeRates(
  records: Array<{ domain: Domain; params: TypedParams }>,
  prevByUuid: Map<string, Prev>,
  dtNs: bigint | null,
): { domains: DomainRates[]; next: Map<string, Prev> } {
  const next = new Map<string, Prev>();
  const domains: DomainRates[] = [];
  for (const { domain, params: p } of records) {
    const uuid = domain.getUUIDString();
    const name = domain.getName();
    const prev = prevByUuid.get(uuid);
    const dt = prev ? dtNs : null;

    const cpuTime = big(p['cpu.time']);
    const cpuRate = rate(cpuTime, prev?.cpuTime, dt);

    const vcpus: VcpuRate[] = [];
    const vcpuTime = new Map<number, bigint>();
    const vcount = num(p['vcpu.maximum']) ?? num(p['vcpu.current']) ?? 0;
    for (let id = 0; id < vcount; id++) {
      const st = num(p[`vcpu.${id}.state`]);
      const t = big(p[`vcpu.${id}.time`]);
      if (st === null && t === null) continue; // offline vCPUs are not reported
      if (t !== null) vcpuTime.set(id, t);
      const r = rate(t, prev?.vcpuTime.get(id), dt);
      vcpus.push({ id, state: st, timeNs: t, cpuPercent: r === null ? null : r / 1e7 });
    }

    const diskNow = devices(p, 'block', DISK_KEYS);
    const disks: DiskDeviceRates[] = [];
    const diskPrev = new Map<string, bigint[]>();
    for (const [dev, c] of diskNow) {
      const was = prev?.disk.get(dev);
      disks.push({
        name: dev,
        readBytesPerSec: rate(c[0], was?.[0], dt),
        writeBytesPerSec: rate(c[1], was?.[1], dt),
        readIops: rate(c[2], was?.[2], dt),
        writeIops: rate(c[3], was?.[3], dt),
      });
      if (c.every((x) => x !== null)) diskPrev.set(dev, c as bigint[]);
    }
    const netNow = devices(p, 'net', NET_KEYS);
    const nets: NetDeviceRates[] = [];
    const netPrev = new Map<string, bigint[]>();
    for (const [dev, c] of netNow) {
      const was = prev?.net.get(dev);
      nets.push({
        name: dev,
        rxBytesPerSec: rate(c[0], was?.[0], dt),
        txBytesPerSec: rate(c[1], was?.[1], dt),
        rxPacketsPerSec: rate(c[2], was?.[2], dt),
        txPacketsPerSec: rate(c[3], was?.[3], dt),
      });
      if (c.every((x) => x !== null)) netPrev.set(dev, c as bigint[]);
    }
    // Totals: null on first sight or when the group was not reported; 0 with no devices.
    const sum = <T, K extends keyof T>(arr: T[], group: string, k: K): number | null => {
      if (dt === null || !(`${group}.count` in p)) return null;
      return arr.length === 0 ? 0 : sumRates(arr.map((x) => x[k] as unknown as number | null));
    };

    domains.push({
      name,
      uuid,
      domain,
      state: num(p['state.state']),
      reason: num(p['state.reason']),
      firstSeen: !prev,
      cpuTimeNs: cpuTime,
      cpuPercent: cpuRate === null ? null : cpuRate / 1e7,
      vcpus,
      disk: {
        readBytesPerSec: sum(disks, 'block', 'readBytesPerSec'),
        writeBytesPerSec: sum(disks, 'block', 'writeBytesPerSec'),
        readIops: sum(disks, 'block', 'readIops'),
        writeIops: sum(disks, 'block', 'writeIops'),
      },
      disks,
      net: {
        rxBytesPerSec: sum(nets, 'net', 'rxBytesPerSec'),
        txBytesPerSec: sum(nets, 'net', 'txBytesPerSec'),
        rxPacketsPerSec: sum(nets, 'net', 'rxPacketsPerSec'),
        txPacketsPerSec: sum(nets, 'net', 'txPacketsPerSec'),
      },
      nets,
      memory: {
        balloonCurrentKiB: num(p['balloon.current']),
        balloonMaximumKiB: num(p['balloon.maximum']),
        rssKiB: num(p['balloon.rss']),
        availableKiB: num(p['balloon.available']),
        unusedKiB: num(p['balloon.unused']),
        usableKiB: num(p['balloon.usable']),
        diskCachesKiB: num(p['balloon.disk_caches']),
      },
      params: p,
    });
    next.set(uuid, { name, cpuTime, vcpuTime, disk: diskPrev, net: netPrev });
  }
  return { domains, next };
}

/** Polls that could not run while a {@link ReconnectingConnection} was reconnecting. */
export interface PollGap {
  /** When the first failed or skipped poll happened. */
  since: Date;
  /** When polling worked again (this snapshot). */
  until: Date;
  /** Ticks that gave no snapshot during the gap. */
  missedTicks: number;
  /** Why: the close reason (`"eof"`, `"keepalive"`, ...) or the failed call's message. */
  reason: string;
}

function isReconnecting(c: Connect | ReconnectingConnection): c is ReconnectingConnection {
  return c instanceof ReconnectingConnection;
}

/**
 * Polls `conn.getAllDomainStats(stats, flags)` every `intervalMs` and yields snapshots with
 * rates. See the module comment for the exact semantics.
 *
 * With a {@link ReconnectingConnection}, polling carries on across reconnects: ticks while it
 * is down give no snapshot, and the first snapshot after it is back has {@link PollSnapshot.gap}
 * (rates then span the gap: the daemon's counters keep running while it is away). With a plain
 * {@link Connect}, libvirt closing the connection ends the iteration with a
 * {@link ConnectionClosedError} (its `cause` is the failed call's error, if one failed first).
 */
export function pollStats(conn: Connect | ReconnectingConnection, opts: PollOptions = {}): AsyncIterableIterator<PollSnapshot> {
  const intervalMs = opts.intervalMs ?? 1000;
  if (typeof intervalMs !== 'number' || !Number.isFinite(intervalMs) || intervalMs <= 0) {
    throw new RangeError('pollStats: intervalMs must be a positive finite number');
  }
  const stats = opts.stats ?? DEFAULT_POLL_STATS;
  const flags = opts.flags ?? 0;
  if (!Number.isInteger(stats) || stats < 0) throw new RangeError('pollStats: stats must be a non-negative integer');
  if (!Number.isInteger(flags) || flags < 0) throw new RangeError('pollStats: flags must be a non-negative integer');
  const maxBuffered = opts.maxBuffered ?? 16;
  if (!Number.isInteger(maxBuffered) || maxBuffered < 1) throw new RangeError('pollStats: maxBuffered must be >= 1');

  const q = new AsyncQueue<PollSnapshot>(maxBuffered);
  if (endOnAbort(q, opts.signal)) return q;
  const rc = isReconnecting(conn) ? conn : null;
  let inFlight = false;
  let prev = new Map<string, Prev>();
  let prevMono: bigint | null = null;
  let seq = 0;
  let skipped = 0;
  let skippedAtLast = 0;
  let gap: { since: Date; missed: number; reason: string } | null = null;
  let closedReason: number | null = null;

  let unwatch: (() => Promise<void>) | null = null;
  if (rc) {
    const onDisconnect = (_r: number, name: string): void => {
      gap ??= { since: new Date(), missed: 0, reason: name };
    };
    rc.on('disconnect', onDisconnect);
    q.onClose(() => rc.off('disconnect', onDisconnect));
  } else if (typeof (conn as Partial<Connect>).registerCloseCallback === 'function') {
    unwatch = watchClose(conn as Connect, (reason) => {
      closedReason = reason;
      if (!inFlight) q.fail(new ConnectionClosedError(reason, 'stats polling'));
    });
    q.onClose(() => unwatch?.());
  }

  const missed = (reason: string): void => {
    gap ??= { since: new Date(), missed: 0, reason };
    gap.missed++;
  };

  const failed = async (c: Connect, e: unknown): Promise<void> => {
    if (rc) {
      // A call lost with the connection is a gap; any other failure ends polling.
      const alive = rc.connected && rc.conn === c && (await c.isAlive().catch(() => false));
      if (!alive) return missed(e instanceof Error ? e.message : String(e));
      return q.fail(e);
    }
    // Closed by the application (isAlive rejects) or still alive: the call's own error.
    // Dead: libvirt's close reason, which may arrive just after the failed call.
    let alive: boolean;
    try {
      alive = closedReason === null && (await c.isAlive());
    } catch {
      return q.fail(e);
    }
    if (alive) return q.fail(e);
    for (let i = 0; i < 20 && closedReason === null; i++) await new Promise((r) => setTimeout(r, 50));
    const err = new ConnectionClosedError(closedReason ?? VIR_CONNECT_CLOSE_REASON_ERROR, 'stats polling');
    (err as { cause?: unknown }).cause = e;
    q.fail(err);
  };

  function tick(): void {
    if (q.ended) return;
    if (inFlight) {
      skipped++;
      return;
    }
    let c: Connect;
    if (rc) {
      if (!rc.connected) return missed('disconnected');
      c = rc.conn;
    } else c = conn as Connect;
    inFlight = true;
    const t0 = process.hrtime.bigint();
    let call: Promise<Array<{ domain: Domain; params: TypedParams }>>;
    try {
      call = c.getAllDomainStats(stats, flags);
    } catch (e) {
      inFlight = false;
      void failed(c, e);
      return;
    }
    call.then(
      (records) => {
        inFlight = false;
        if (q.ended) return;
        const t1 = process.hrtime.bigint();
        const mono = (t0 + t1) / 2n;
        const dt = prevMono === null ? null : mono - prevMono;
        let computed: ReturnType<typeof computeRates>;
        try {
          computed = computeRates(records, prev, dt);
        } catch (e) {
          q.fail(e); // e.g. a record whose Domain was freed under us
          return;
        }
        const appeared = computed.domains.filter((d) => !prev.has(d.uuid)).map((d) => d.uuid);
        const disappeared: Array<{ uuid: string; name: string }> = [];
        for (const [uuid, p] of prev) if (!computed.next.has(uuid)) disappeared.push({ uuid, name: p.name });
        prev = computed.next;
        prevMono = mono;
        seq++;
        const now = new Date();
        const snap: PollSnapshot = {
          seq,
          time: now,
          monotonicNs: mono,
          elapsedNs: dt,
          callMs: Number(t1 - t0) / 1e6,
          skippedTicks: skipped,
          skippedSinceLast: skipped - skippedAtLast,
          droppedSnapshots: q.dropped,
          domains: computed.domains,
          appeared,
          disappeared,
        };
        if (gap) snap.gap = { since: gap.since, until: now, missedTicks: gap.missed, reason: gap.reason };
        gap = null;
        q.push(snap);
        skippedAtLast = skipped;
      },
      (e) => {
        inFlight = false;
        if (q.ended) return;
        void failed(c, e);
      },
    );
  }

  const timer = setInterval(() => tick(), intervalMs);
  q.onClose(() => clearInterval(timer));
  tick();
  return q;
}
