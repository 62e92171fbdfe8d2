// A connection for long-running agents: reopens after the daemon goes away,
// with exponential backoff, and re-registers every event subscription.
import { EventEmitter } from 'node:events';
import { Connect } from './classes.js';
import * as C from './generated/constants.js';
import { subscribe } from './events.js';
import { CLOSE_REASON_NAMES, watchClose } from './close-watch.js';
import type { EventIDOf, EventKind, VirEvent } from './event-types.js';

/** Options of {@link ReconnectingConnection.open}. */
export interface ReconnectOptions {
  /** First delay before reopening (ms, default 250). */
  initialDelayMs?: number;
  /** Upper bound of the delay (ms, default 30000). */
  maxDelayMs?: number;
  /** Growth of the delay per failed attempt (default 2). */
  factor?: number;
  /** `virConnectSetKeepAlive(interval, count)` on every (remote) connection; default {interval: 5, count: 3}. */
  keepAlive?: { interval: number; count: number } | null;
  /** Open read-only. */
  readOnly?: boolean;
}

/** A subscription that survives reconnects. */
export interface Subscription<K extends EventKind = EventKind> {
  readonly kind: K;
  readonly eventID: EventIDOf<K>;
  unsubscribe(): Promise<void>;
}

interface Sub {
  kind: EventKind;
  eventID: number;
  cb: (e: VirEvent) => void;
  unsub: (() => Promise<void>) | null;
  active: boolean;
}

/** Listener signatures of {@link ReconnectingConnection}. */
export interface ReconnectEvents {
  /** libvirt reported the close: `VIR_CONNECT_CLOSE_REASON_*` and its name (`"eof"`, ...). */
  disconnect: [reason: number, reasonName: string];
  /** Reopened and resubscribed, after `attempts` tries. */
  reconnect: [conn: Connect, attempts: number];
  /** A reopen failed; the next one is in `delayMs`. */
  retry: [error: Error, attempt: number, delayMs: number];
}

/**
 * A libvirt connection that reopens itself. Emits (typed, see {@link ReconnectEvents}):
 * - `disconnect(reason, reasonName)` when libvirt reports the close,
 * - `reconnect(conn, attempts)` once reopened and resubscribed,
 * - `retry(error, attempt, delayMs)` for each failed reopen.
 */
export class ReconnectingConnection extends EventEmitter<ReconnectEvents> {
  private current: Connect | null = null;
  private unwatch: (() => Promise<void>) | null = null;
  private subs = new Set<Sub>();
  private closed = false;
  private timer: NodeJS.Timeout | null = null;
  private reconnecting = false;
  /** Disconnects seen so far. */
  disconnects = 0;

  private constructor(readonly uri: string, private readonly opts: ReconnectOptions) {
    super();
  }

  /** Opens the first connection (rejects if that fails). */
  static async open(uri: string, opts: ReconnectOptions = {}): Promise<ReconnectingConnection> {
    const rc = new ReconnectingConnection(uri, opts);
    await rc.connect();
    return rc;
  }

  /** The connection in use now (replaced after each reconnect). */
  get conn(): Connect {
    if (!this.current) throw new Error('ReconnectingConnection: disconnected, reconnect pending');
    return this.current;
  }

  /** Whether a connection is up. */
  get connected(): boolean {
    return this.current !== null;
  }

  private async connect(): Promise<void> {
    const conn = this.opts.readOnly ? await Connect.openReadOnly(this.uri) : await Connect.open(this.uri);
    const ka = this.opts.keepAlive === undefined ? { interval: 5, count: 3 } : this.opts.keepAlive;
    if (ka) await conn.setKeepAlive(ka.interval, ka.count).catch(() => {});  // local drivers refuse: fine
    const unwatch = watchClose(conn, (reason, released) => this.onClose(conn, reason, released));
    try {
      for (const s of this.subs) {
        if (!s.active) continue;
        s.unsub = await subscribe(conn, s.kind, s.eventID as EventIDOf<EventKind>, null, s.cb);
      }
    } catch (e) {
      await unwatch();
      await conn.close().catch(() => {});
      throw e;
    }
    this.unwatch = unwatch;
    this.current = conn;
  }

  private onClose(conn: Connect, reason: number, released: Promise<void>): void {
    if (conn !== this.current && this.current !== null) return;
    this.current = null;
    this.unwatch = null; // the watcher released the close callback when it fired
    this.disconnects++;
    for (const s of this.subs) s.unsub = null;  // died with the connection
    void released.then(() => conn.close()).catch(() => {});
    this.emit('disconnect', reason, CLOSE_REASON_NAMES[reason] ?? String(reason));
    if (!this.closed && reason !== C.VIR_CONNECT_CLOSE_REASON_CLIENT) this.scheduleReconnect(0);
  }

  private scheduleReconnect(attempt: number): void {
    if (this.closed || this.reconnecting) return;
    const { initialDelayMs = 250, maxDelayMs = 30000, factor = 2 } = this.opts;
    const delay = Math.min(maxDelayMs, initialDelayMs * factor ** attempt);
    this.reconnecting = true;
    this.timer = setTimeout(async () => {
      this.timer = null;
      try {
        await this.connect();
        this.reconnecting = false;
        this.emit('reconnect', this.current!, attempt + 1);
      } catch (err) {
        this.reconnecting = false;
        this.emit('retry', err instanceof Error ? err : new Error(String(err)), attempt + 1, delay);
        this.scheduleReconnect(attempt + 1);
      }
    }, delay);
  }

  /** Subscribes to every object's `eventID` of `kind`, now and after each reconnect. */
  async subscribe<K extends EventKind, E extends EventIDOf<K>>(kind: K, eventID: E, cb: (e: VirEvent<K, E>) => void): Promise<Subscription<K>> {
    const s: Sub = { kind, eventID, cb: cb as unknown as (e: VirEvent) => void, unsub: null, active: true };
    this.subs.add(s);
    if (this.current) s.unsub = await subscribe(this.current, kind, eventID, null, cb);
    return {
      kind,
      eventID,
      unsubscribe: async () => {
        s.active = false;
        this.subs.delete(s);
        const u = s.unsub;
        s.unsub = null;
        await u?.().catch(() => {});
      },
    };
  }

  /** Stops reconnecting, drops every subscription and closes the connection. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    for (const s of [...this.subs]) {
      s.active = false;
      await s.unsub?.().catch(() => {});
    }
    this.subs.clear();
    const c = this.current;
    this.current = null;
    const unwatch = this.unwatch;
    this.unwatch = null;
    await unwatch?.();
    if (c) await c.close().catch(() => {});
  }
}
