// One close callback per connection, shared: libvirt allows a single close
// callback per connection, while the event iterator, the event emitter and
// the reconnecting connection all need to learn that the connection died.
import type { Connect } from './classes.js';
import { VirtkitError } from '../errors.js';
import * as C from './generated/constants.js';

/** Names of `VIR_CONNECT_CLOSE_REASON_*`. */
export const CLOSE_REASON_NAMES: Readonly<Record<number, string>> = {
  [C.VIR_CONNECT_CLOSE_REASON_ERROR]: 'error',
  [C.VIR_CONNECT_CLOSE_REASON_EOF]: 'eof',
  [C.VIR_CONNECT_CLOSE_REASON_KEEPALIVE]: 'keepalive',
  [C.VIR_CONNECT_CLOSE_REASON_CLIENT]: 'client',
};

/** The connection an event stream or poll ran on was closed by libvirt (daemon gone, keepalive timeout, ...). */
export class ConnectionClosedError extends VirtkitError {
  /** `VIR_CONNECT_CLOSE_REASON_*`. */
  readonly reason: number;
  /** `"error"`, `"eof"`, `"keepalive"` or `"client"`. */
  readonly reasonName: string;
  /** @param reason - the close reason libvirt reported. @param what - what ended (for the message). */
  constructor(reason: number, what = 'connection') {
    const name = CLOSE_REASON_NAMES[reason] ?? String(reason);
    super(`${what} ended: the libvirt connection was closed (${name})`);
    this.name = 'ConnectionClosedError';
    this.reason = reason;
    this.reasonName = name;
  }
}

/** Called once with the close reason and a promise that settles once the close callback is released. */
type Listener = (reason: number, released: Promise<void>) => void;

/** How often liveness is polled when the close callback is taken by someone else (ms). */
const POLL_MS = 1000;

class Watcher {
  readonly listeners = new Set<Listener>();
  private registered: Promise<boolean> | null = null;
  private poll: NodeJS.Timeout | null = null;
  fired: number | null = null;

  constructor(private readonly conn: Connect) {}

  start(): void {
    if (this.registered || this.poll) return;
    this.registered = this.conn.registerCloseCallback((_c, reason) => this.fire(reason)).then(
      () => true,
      () => {
        // Someone else holds the connection's close callback: poll liveness instead.
        this.poll = setInterval(() => {
          this.conn.isAlive().then(
            (alive) => { if (!alive) this.fire(C.VIR_CONNECT_CLOSE_REASON_ERROR); },
            () => this.fire(C.VIR_CONNECT_CLOSE_REASON_ERROR),
          );
        }, POLL_MS);
        return false;
      },
    );
  }

  /** Releases the close callback (it holds the process and a reference to the connection). */
  stop(): Promise<void> {
    if (this.poll) clearInterval(this.poll);
    this.poll = null;
    const reg = this.registered;
    this.registered = null;
    if (!reg) return Promise.resolve();
    return reg.then((r) => (r ? this.conn.unregisterCloseCallback() : undefined)).catch(() => {});
  }

  fire(reason: number): void {
    if (this.fired !== null) return;
    this.fired = reason;
    const released = this.stop();
    for (const l of [...this.listeners]) l(reason, released);
    this.listeners.clear();
  }
}

const watchers = new WeakMap<Connect, Watcher>();

/**
 * Calls `listener(reason, released)` once when libvirt reports that `conn` was closed. Returns
 * a function that stops watching (its promise settles once the close callback is released, so
 * a `close()` after it really drops the connection). The connection's close callback is registered while anyone
 * watches and released afterwards; when the application registered its own, liveness is polled.
 * @internal
 */
export function watchClose(conn: Connect, listener: Listener): () => Promise<void> {
  let w = watchers.get(conn);
  if (!w || w.fired !== null) {
    w = new Watcher(conn);
    watchers.set(conn, w);
  }
  const watcher = w;
  watcher.listeners.add(listener);
  watcher.start();
  return async () => {
    if (!watcher.listeners.delete(listener)) return;
    if (watcher.listeners.size === 0 && watcher.fired === null) {
      if (watchers.get(conn) === watcher) watchers.delete(conn);
      await watcher.stop();
    }
  };
}
