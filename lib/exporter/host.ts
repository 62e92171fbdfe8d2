/**
 * One libvirt connection of the exporter: opened on first use (read-only by default), polled
 * once per scrape through `pollStats`, reopened after a failure. A poll that is still running
 * when the next scrape comes is shared, never doubled, so a slow or hung host has at most one
 * call outstanding; each scrape waits for it at most the per-host timeout.
 */
import { Connect, type Domain, type TypedParams, VIR_CONNECT_GET_ALL_DOMAINS_STATS_ACTIVE } from '../libvirt/index.js';
import { DEFAULT_POLL_STATS, pollStats } from '../libvirt/poller.js';
import { deviceLabels, type DeviceLabels } from './domain-xml.js';

/** What `virDomainGetInfo` gives, asked only of drivers whose bulk stats lack these groups. */
export interface InfoFallback {
  state: number;
  maxMem: number | bigint;
  memory: number | bigint;
  nrVirtCpu: number;
  cpuTime: bigint;
}

/** One active domain of one poll. */
export interface DomainSample {
  name: string;
  uuid: string;
  params: TypedParams;
  /** Disk sources and bridges from the domain XML (null when it could not be read). */
  labels: DeviceLabels | null;
  info: InfoFallback | null;
}

/** The outcome of one host's part of a scrape. */
export interface HostResult {
  uri: string;
  up: boolean;
  /** Why `up` is false: the error, or a timeout message. */
  error: unknown;
  domains: DomainSample[];
  /** Duration of the poll (open included when it opened the connection), seconds. */
  pollSeconds: number | null;
}

interface XmlEntry {
  id: number;
  devices: string;
  labels: DeviceLabels | null;
}

/** Parameters whose absence means the driver's bulk stats miss the `virDomainGetInfo` data. */
const INFO_KEYS = ['cpu.time', 'balloon.maximum', 'balloon.current', 'vcpu.current'];

export class HostPoller {
  private conn: Connect | null = null;
  private opening: Promise<Connect> | null = null;
  private inflight: Promise<HostResult> | null = null;
  private xml = new Map<string, XmlEntry>();
  private readonly abort = new AbortController();
  private closed = false;
  /** Scrapes waiting for this host: close() answers them at once, so no timer outlives it. */
  private readonly waiting = new Set<(r: HostResult) => void>();

  constructor(
    readonly uri: string,
    private readonly readOnly: boolean,
    private readonly stats: number = DEFAULT_POLL_STATS,
  ) {}

  /** This host's part of a scrape: never rejects, resolves within `timeoutMs`. */
  collect(timeoutMs: number): Promise<HostResult> {
    if (this.closed) return Promise.resolve(this.down(new Error('exporter closed'), null));
    if (!this.inflight) {
      const p = this.poll().catch((e: unknown) => {
        this.drop();
        return this.down(e, null);
      });
      this.inflight = p;
      void p.finally(() => {
        if (this.inflight === p) this.inflight = null;
      });
    }
    const shared = this.inflight;
    return new Promise<HostResult>((resolve) => {
      const finish = (r: HostResult): void => {
        clearTimeout(timer);
        this.waiting.delete(finish);
        resolve(r);
      };
      const timer = setTimeout(() => finish(this.down(new Error(`no answer within ${timeoutMs} ms`), null)), timeoutMs);
      this.waiting.add(finish);
      void shared.then(finish);
    });
  }

  /** Closes the connection; a poll or open still running is abandoned (its connection closed when it ends). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.abort.abort();
    for (const finish of [...this.waiting]) finish(this.down(new Error('exporter closed'), null));
    const c = this.conn;
    this.conn = null;
    if (c) await c.close().catch(() => {});
  }

  private down(error: unknown, pollSeconds: number | null): HostResult {
    return { uri: this.uri, up: false, error, domains: [], pollSeconds };
  }

  private drop(): void {
    const c = this.conn;
    this.conn = null;
    if (c) void c.close().catch(() => {});
  }

  private connection(): Promise<Connect> {
    if (this.conn) return Promise.resolve(this.conn);
    if (!this.opening) {
      const p = (this.readOnly ? Connect.openReadOnly(this.uri) : Connect.open(this.uri)).then(
        async (c) => {
          this.opening = null;
          if (this.closed) {
            await c.close().catch(() => {});
            throw new Error('exporter closed');
          }
          // Remote hosts: a peer that stops answering is noticed and the connection closed,
          // so a call stuck on it fails instead of waiting forever. Local drivers say no.
          await c.setKeepAlive(5, 3).catch(() => {});
          this.conn = c;
          return c;
        },
        (e: unknown) => {
          this.opening = null;
          throw e;
        },
      );
      this.opening = p;
    }
    return this.opening;
  }

  private async poll(): Promise<HostResult> {
    const t0 = process.hrtime.bigint();
    const conn = await this.connection();
    const it = pollStats(conn, {
      intervalMs: 3_600_000, // one call: the iterator is closed after its first snapshot
      stats: this.stats,
      flags: VIR_CONNECT_GET_ALL_DOMAINS_STATS_ACTIVE,
      signal: this.abort.signal,
      maxBuffered: 1,
    });
    let snap;
    try {
      const r = await it.next();
      if (r.done) throw new Error('exporter closed');
      snap = r.value;
    } finally {
      await it.return?.();
    }
    const xml = new Map<string, XmlEntry>();
    const domains: DomainSample[] = [];
    const pending: Promise<void>[] = [];
    for (const d of snap.domains) {
      const s: DomainSample = { name: d.name, uuid: d.uuid, params: d.params, labels: null, info: null };
      domains.push(s);
      pending.push(this.labelsFor(d.domain, d.uuid, d.params, xml).then((l) => void (s.labels = l)));
      if (INFO_KEYS.some((k) => !(k in d.params))) {
        pending.push(
          d.domain.getInfo().then(
            (i) => void (s.info = i),
            () => {}, // gone since the bulk call: its info families are left out
          ),
        );
      }
    }
    await Promise.all(pending);
    this.xml = xml;
    return { uri: this.uri, up: true, error: null, domains, pollSeconds: Number(process.hrtime.bigint() - t0) / 1e9 };
  }

  /** The domain's device labels, from the cache while its id and device names are unchanged. */
  private async labelsFor(dom: Domain, uuid: string, p: TypedParams, into: Map<string, XmlEntry>): Promise<DeviceLabels | null> {
    const nb = Number(p['block.count'] ?? 0);
    const nn = Number(p['net.count'] ?? 0);
    if (nb === 0 && nn === 0) return null;
    let devices = '';
    for (let i = 0; i < nb; i++) devices += `b${String(p[`block.${i}.name`])}\0`;
    for (let i = 0; i < nn; i++) devices += `n${String(p[`net.${i}.name`])}\0`;
    const id = dom.getID();
    const was = this.xml.get(uuid);
    if (was && was.id === id && was.devices === devices) {
      into.set(uuid, was);
      return was.labels;
    }
    let labels: DeviceLabels | null = null;
    try {
      labels = deviceLabels(await dom.getXMLDesc(0));
    } catch {
      // Gone since the bulk call, or not allowed: labels fall back to bulk stats' own.
    }
    if (labels) into.set(uuid, { id, devices, labels }); // a failed read is tried again next scrape
    return labels;
  }
}
