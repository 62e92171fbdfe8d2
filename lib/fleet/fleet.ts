/**
 * Many libvirt hosts as one: open them by URI with bounded concurrency, each behind its own
 * {@link ReconnectingConnection}; list, find, snapshot and poll across them; one event stream
 * with the host on each event. A host that is down, or does not answer within `timeoutMs`, is
 * reported with its error and never holds up the others.
 *
 * ```ts
 * const fleet = await Fleet.open(['qemu+tcp://host1/system', 'qemu+tcp://host2/system']);
 * const { domains, failed } = await fleet.list();
 * for await (const e of fleet.events()) if (e.type === 'domain') console.log(e.host, e.domain, e.args);
 * ```
 */
import { EventEmitter, setMaxListeners } from 'node:events';
import { C, pollStats, type Connect, type VirEvent } from './libvirt.js';
import { Channel } from './channel.js';
import { FleetHost } from './host.js';
import { Limiter, withTimeout } from './limit.js';
import type {
  FleetDomain, FleetEvent, FleetEventsOptions, FleetHostSpec, FleetList, FleetLocation, FleetOptions,
  FleetPollItem, FleetPollOptions, FleetSnapshot, HostFailure, HostSnapshot, HostStatus,
} from './fleet-types.js';

export type * from './fleet-types.js';
export { FleetTimeoutError } from './limit.js';

function activeId(dom: { getID(): number }, state: number): number | null {
  const id = dom.getID();
  return state !== C.VIR_DOMAIN_SHUTOFF && id !== -1 && id !== 0xffffffff ? id : null;
}

/**
 * A set of libvirt hosts. Emits `up(host)` and `down(host, error)` as hosts come and go.
 */
export class Fleet extends EventEmitter {
  private readonly hosts: FleetHost[];
  private readonly limiter: Limiter;
  private readonly timeoutMs: number;
  private closed = false;
  /** Ends the open event and stats streams (on close). */
  private readonly enders = new Set<() => void>();

  private constructor(specs: FleetHostSpec[], private readonly opts: FleetOptions) {
    super();
    const concurrency = opts.concurrency ?? 16;
    if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError('Fleet: concurrency must be a positive integer');
    this.timeoutMs = opts.timeoutMs ?? 10_000;
    if (!(this.timeoutMs > 0)) throw new RangeError('Fleet: timeoutMs must be a positive number');
    this.limiter = new Limiter(concurrency);
    const names = new Set<string>();
    this.hosts = specs.map((s) => {
      const spec = typeof s === 'string' ? { uri: s } : s;
      if (!spec || typeof spec.uri !== 'string' || spec.uri.length === 0) throw new TypeError('Fleet: each host needs a non-empty uri');
      const name = spec.name ?? spec.uri;
      if (typeof name !== 'string' || name.length === 0) throw new TypeError('Fleet: a host name must be a non-empty string');
      if (names.has(name)) throw new TypeError(`Fleet: host '${name}' is listed twice`);
      names.add(name);
      const h = new FleetHost(name, spec.uri, opts, this.limiter);
      h.on('up', () => this.emit('up', name));
      h.on('down', (e: Error) => this.emit('down', name, e));
      return h;
    });
  }

  /**
   * Opens every host, at most `concurrency` at once, and resolves once each has connected,
   * failed, or passed `timeoutMs`. It never rejects because of a host: those that failed are
   * `down` in {@link status} and keep being retried in the background.
   */
  static async open(hosts: Array<string | FleetHostSpec>, opts: FleetOptions = {}): Promise<Fleet> {
    if (!Array.isArray(hosts)) throw new TypeError('Fleet.open: hosts must be an array of URIs or {uri, name}');
    const f = new Fleet(hosts as FleetHostSpec[], opts);
    await Promise.all(f.hosts.map((h) => h.start()));
    return f;
  }

  /** Every host's state, in the order given. */
  status(): HostStatus[] {
    return this.hosts.map((h) => h.status());
  }

  /** A host's live connection, or null while it is down. Throws for a name the fleet does not have. */
  connection(host: string): Connect | null {
    return this.host(host).conn;
  }

  private host(name: string): FleetHost {
    const h = this.hosts.find((x) => x.name === name);
    if (!h) throw new RangeError(`Fleet: no host named '${name}'`);
    return h;
  }

  /** Runs `fn` on every host that is up (bounded, each with the deadline); collects failures. */
  private async each<T>(what: string, fn: (conn: Connect, h: FleetHost) => Promise<T>): Promise<{ ok: Array<[FleetHost, T]>; failed: HostFailure[] }> {
    if (this.closed) throw new Error('Fleet: closed');
    const ok: Array<[FleetHost, T]> = [];
    const failed: HostFailure[] = [];
    await Promise.all(
      this.hosts.map(async (h) => {
        const conn = h.conn;
        if (!conn) {
          failed.push({ host: h.name, uri: h.uri, error: h.error ?? new Error(`${h.name}: ${h.state}`) });
          return;
        }
        try {
          ok.push([h, await this.limiter.run(() => withTimeout(fn(conn, h), this.timeoutMs, h.name, what))]);
        } catch (e) {
          failed.push({ host: h.name, uri: h.uri, error: e as Error });
        }
      }),
    );
    const order = (n: string) => this.hosts.findIndex((h) => h.name === n);
    ok.sort((a, b) => order(a[0].name) - order(b[0].name));
    failed.sort((a, b) => order(a.host) - order(b.host));
    return { ok, failed };
  }

  /** Every domain of every host that answers (one bulk-stats call per host). */
  async list(flags = 0): Promise<FleetList> {
    const { ok, failed } = await this.each('list', async (conn, h) => {
      const recs = await conn.getAllDomainStats(C.VIR_DOMAIN_STATS_STATE, flags);
      return recs.map((r): FleetDomain => {
        const state = Number(r.params['state.state'] ?? 0);
        const d: FleetDomain = {
          host: h.name,
          name: r.domain.getName(),
          uuid: r.domain.getUUIDString(),
          id: activeId(r.domain, state),
          state,
          reason: Number(r.params['state.reason'] ?? 0),
        };
        r.domain.free();
        return d;
      });
    });
    return { domains: ok.flatMap(([, d]) => d), failed };
  }

  /**
   * The host that runs the domain named `nameOrUUID` (a name or a UUID string). Where it is
   * known to several hosts (defined on one, running on another, or mid-migration), a running
   * one wins, then a paused one, then any. Null when no host that answered knows it.
   */
  async find(nameOrUUID: string): Promise<FleetLocation | null> {
    if (typeof nameOrUUID !== 'string' || nameOrUUID.length === 0) throw new TypeError('Fleet.find: a domain name or UUID is needed');
    const isUUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i.test(nameOrUUID);
    const { ok } = await this.each('find', async (conn, h) => {
      const dom = await (isUUID ? conn.domainLookupByUUIDString(nameOrUUID) : conn.domainLookupByName(nameOrUUID)).catch(() => null);
      if (!dom) return null;
      const { state, reason } = await dom.getState();
      return { host: h.name, uri: h.uri, domain: dom, state, reason } as FleetLocation;
    });
    const found = ok.map(([, l]) => l).filter((l): l is FleetLocation => l !== null);
    const rank = (l: FleetLocation) => (l.state === C.VIR_DOMAIN_RUNNING ? 0 : l.state === C.VIR_DOMAIN_PAUSED ? 1 : 2);
    found.sort((a, b) => rank(a) - rank(b));
    for (const other of found.slice(1)) other.domain.free();
    return found[0] ?? null;
  }

  /** Bulk stats of every host at once (`getAllDomainStats(stats, flags)`), with per-host timing. */
  async snapshot(stats = 0, flags = 0): Promise<FleetSnapshot> {
    const t0 = performance.now();
    const { ok, failed } = await this.each('snapshot', async (conn, h): Promise<HostSnapshot> => {
      const t = performance.now();
      const recs = await conn.getAllDomainStats(stats, flags);
      const callMs = performance.now() - t;
      const domains = recs.map((r) => {
        const state = Number(r.params['state.state'] ?? C.VIR_DOMAIN_RUNNING);
        const d = { name: r.domain.getName(), uuid: r.domain.getUUIDString(), id: activeId(r.domain, state), params: r.params };
        r.domain.free();
        return d;
      });
      return { host: h.name, uri: h.uri, callMs, domains };
    });
    return { time: new Date(), ms: performance.now() - t0, hosts: ok.map(([, s]) => s), failed };
  }

  /**
   * One stream of domain events from every host, with the host on each event, plus a `host`
   * item when a host goes down or comes back. Subscriptions follow each host's reconnects;
   * hosts down at the start join when they come up. Ends when `signal` aborts or the loop is left.
   */
  events(opts: FleetEventsOptions = {}): AsyncIterable<FleetEvent> {
    if (this.closed) throw new Error('Fleet: closed');
    const ids = opts.eventIDs ?? [C.VIR_DOMAIN_EVENT_ID_LIFECYCLE];
    if (!Array.isArray(ids) || ids.length === 0 || !ids.every((n) => Number.isInteger(n) && n >= 0)) {
      throw new TypeError('Fleet.events: eventIDs must be a non-empty list of VIR_DOMAIN_EVENT_ID_* values');
    }
    const unsubs: Array<() => Promise<void>> = [];
    const cleanups: Array<() => void> = [];
    const stop = () => {
      for (const c of cleanups) c();
      for (const u of unsubs) void u().catch(() => {});
      ch.end();
      this.enders.delete(stop);
    };
    const ch = new Channel<FleetEvent>(opts.highWaterMark ?? 10_000, stop);
    this.enders.add(stop);
    opts.signal?.addEventListener('abort', stop, { once: true });
    cleanups.push(() => opts.signal?.removeEventListener('abort', stop));
    for (const h of this.hosts) {
      let subscribed = false;
      const sub = async () => {
        if (subscribed || ch.closed || !h.rc) return;
        subscribed = true;
        for (const id of ids) {
          const s = await h.rc.subscribe('domain', id, (e: VirEvent) => {
            const dom = e.object as { getName(): string; getUUIDString(): string };
            ch.push({ type: 'domain', host: h.name, uri: h.uri, name: e.name, domain: dom.getName(), uuid: dom.getUUIDString(), args: e.args, event: e });
          }).catch(() => null);
          if (s) {
            if (ch.closed) await s.unsubscribe();
            else unsubs.push(() => s.unsubscribe());
          }
        }
      };
      const onUp = () => {
        ch.push({ type: 'host', host: h.name, uri: h.uri, state: 'up', error: null });
        void sub();
      };
      const onDown = (e: Error) => ch.push({ type: 'host', host: h.name, uri: h.uri, state: 'down', error: e });
      h.on('up', onUp);
      h.on('down', onDown);
      cleanups.push(() => {
        h.off('up', onUp);
        h.off('down', onDown);
      });
      if (h.state === 'down') onDown(h.error ?? new Error(`${h.name}: down`));
      void sub();
    }
    return ch;
  }

  /**
   * `pollStats` on every host, merged: one `stats` item per host per completed call. Each
   * host has its own poller on its current connection; when a host's connection is lost the
   * poller ends, a `host`/`down` item is sent, and a new poller starts on the new connection
   * once it is back (rates restart: every domain is `firstSeen` again).
   */
  pollStats(opts: FleetPollOptions = {}): AsyncIterable<FleetPollItem> {
    if (this.closed) throw new Error('Fleet: closed');
    const ac = new AbortController();
    setMaxListeners(0, ac.signal); // one listener per host's poller and wait
    const stop = () => ac.abort();
    opts.signal?.addEventListener('abort', stop, { once: true });
    const ch = new Channel<FleetPollItem>(opts.highWaterMark ?? 1000, stop);
    this.enders.add(stop);
    const intervalMs = opts.intervalMs ?? 1000;
    const loops = this.hosts.map(async (h) => {
      let announcedDown = false;
      while (!ac.signal.aborted && h.state !== 'closed') {
        const conn = h.conn;
        if (!conn) {
          if (!announcedDown && h.state === 'down') {
            announcedDown = true;
            ch.push({ type: 'host', host: h.name, uri: h.uri, state: 'down', error: h.error });
          }
          await Promise.race([h.waitUp(ac.signal), new Promise((r) => setTimeout(r, intervalMs))]);
          continue;
        }
        if (announcedDown) {
          announcedDown = false;
          ch.push({ type: 'host', host: h.name, uri: h.uri, state: 'up', error: null });
        }
        try {
          const { highWaterMark: _hw, signal: _s, ...popts } = opts;
          for await (const snapshot of pollStats(conn, { ...popts, signal: ac.signal })) {
            ch.push({ type: 'stats', host: h.name, uri: h.uri, snapshot });
          }
        } catch (e) {
          // The connection died under the poller (or a call failed): report, then wait for the next one.
          if (!announcedDown) {
            announcedDown = true;
            ch.push({ type: 'host', host: h.name, uri: h.uri, state: 'down', error: e as Error });
          }
          if (h.conn === conn) await new Promise((r) => setTimeout(r, intervalMs));
        }
      }
    });
    void Promise.all(loops).then(() => {
      opts.signal?.removeEventListener('abort', stop);
      this.enders.delete(stop);
      ch.end();
    });
    return ch;
  }

  /** Ends the event and stats streams, stops every host's reconnects and closes every connection. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const end of [...this.enders]) end();
    await Promise.all(this.hosts.map((h) => h.close()));
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
