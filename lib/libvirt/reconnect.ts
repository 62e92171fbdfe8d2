// A connection for long-running agents: reopens after the daemon goes away,
// with exponential backoff, and re-registers every event subscription.
import { EventEmitter } from 'node:events';
import { Connect } from './classes.js';
import * as C from './generated/constants.js';
import { subscribe, type EventKind, type VirEvent } from './events.js';

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
export interface Subscription {
  readonly kind: EventKind;
  readonly eventID: number;
  unsubscribe(): Promise<void>;
}

interface Sub {
  kind: EventKind;
  eventID: number;
  cb: (e: VirEvent) => void;
  unsub: (() => Promise<void>) | null;
  active: boolean;
}

const reasonNames: Record<number, string> = {
  [C.VIR_CONNECT_CLOSE_REASON_ERROR]: 'error',
  [C.VIR_CONNECT_CLOSE_REASON_EOF]: 'eof',
  [C.VIR_CONNECT_CLOSE_REASON_KEEPALIVE]: 'keepalive',
  [C.VIR_CONNECT_CLOSE_REASON_CLIENT]: 'client',
};

/**
 * A libvirt connection that reopens itself. Emits:
 * - `disconnect(reason: number, reasonName: string)` when libvirt reports the close,
 * - `reconnect(conn: Connect, attempts: number)` once reopened and resubscribed,
 * - `retry(error: Error, attempt: number, delayMs: number)` for each failed reopen.
 */
export class ReconnectingConnection extends EventEmitter {
  private current: Connect | null = null;
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
    await conn.registerCloseCallback((_c, reason) => this.onClose(conn, reason)).catch(() => {});
    for (const s of this.subs) {
      if (!s.active) continue;
      s.unsub = await subscribe(conn, s.kind, s.eventID, null, s.cb);
    }
    this.current = conn;
  }

  private onClose(conn: Connect, reason: number): void {
    if (conn !== this.current && this.current !== null) return;
    this.current = null;
    this.disconnects++;
    for (const s of this.subs) s.unsub = null;  // died with the connection
    // The close callback holds the process; release it and the old connection.
    void conn.unregisterCloseCallback().catch(() => {}).finally(() => conn.close().catch(() => {}));
    this.emit('disconnect', reason, reasonNames[reason] ?? String(reason));
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
        this.emit('reconnect', this.current, attempt + 1);
      } catch (err) {
        this.reconnecting = false;
        this.emit('retry', err, attempt + 1, delay);
        this.scheduleReconnect(attempt + 1);
      }
    }, delay);
  }

  /** Subscribes to every object's `eventID` of `kind`, now and after each reconnect. */
  async subscribe(kind: EventKind, eventID: number, cb: (e: VirEvent) => void): Promise<Subscription> {
    const s: Sub = { kind, eventID, cb, unsub: null, active: true };
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
    if (c) {
      await c.unregisterCloseCallback().catch(() => {});
      await c.close().catch(() => {});
    }
  }
}
