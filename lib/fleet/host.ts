// One host of a fleet: a ReconnectingConnection, opened with a deadline and retried with
// backoff while the first open fails, and its state for the fleet's reports.
import { EventEmitter } from 'node:events';
import { ReconnectingConnection, type Connect } from './libvirt.js';
import type { FleetOptions, HostState, HostStatus } from './fleet-types.js';
import { FleetTimeoutError, type Limiter } from './limit.js';

/** @internal Emits `up` and `down(error)`. */
export class FleetHost extends EventEmitter {
  rc: ReconnectingConnection | null = null;
  state: HostState = 'connecting';
  error: Error | null = null;
  since = new Date();
  private attempts = 0;
  private timer: NodeJS.Timeout | null = null;
  private opening = false;

  constructor(readonly name: string, readonly uri: string, private readonly opts: FleetOptions, private readonly limiter: Limiter) {
    super();
    this.setMaxListeners(0);
  }

  status(): HostStatus {
    return { name: this.name, uri: this.uri, state: this.state, error: this.error, since: this.since, disconnects: this.rc?.disconnects ?? 0 };
  }

  /** The live connection, or null while down. */
  get conn(): Connect | null {
    return this.state === 'up' && this.rc?.connected ? this.rc.conn : null;
  }

  private set(state: HostState, error: Error | null): void {
    const was = this.state;
    this.state = state;
    this.error = error;
    this.since = new Date();
    if (state === 'up' && was !== 'up') this.emit('up');
    if (state === 'down' && was !== 'down') this.emit('down', error);
  }

  /**
   * First open: resolves when it succeeded, failed, or passed the deadline; past the deadline
   * the host is `down` and its open goes on in the background without holding a slot.
   */
  async start(): Promise<void> {
    if (this.opening || this.rc || this.state === 'closed') return;
    this.opening = true;
    const timeoutMs = this.opts.timeoutMs ?? 10_000;
    let settled = false;
    await this.limiter.run(async () => {
      const p = ReconnectingConnection.open(this.uri, { readOnly: this.opts.readOnly, ...this.opts.reconnect });
      const done = p.then(
        (rc) => {
          settled = true;
          this.opening = false;
          this.adopt(rc);
        },
        (e: Error) => {
          settled = true;
          this.opening = false;
          if (this.state === 'closed') return;
          this.set('down', e);
          this.retryLater();
        },
      );
      let timer: NodeJS.Timeout | null = null;
      await Promise.race([done, new Promise<void>((r) => (timer = setTimeout(r, timeoutMs)))]);
      if (timer) clearTimeout(timer);
    });
    if (!settled && this.state === 'connecting') this.set('down', new FleetTimeoutError(this.name, 'open', timeoutMs));
  }

  private adopt(rc: ReconnectingConnection): void {
    if (this.state === 'closed') {
      void rc.close();
      return;
    }
    this.rc = rc;
    this.attempts = 0;
    rc.on('disconnect', (_reason: number, reasonName: string) => this.set('down', new Error(`${this.name}: connection lost (${reasonName})`)));
    rc.on('retry', (e: Error) => {
      if (this.state === 'down') this.error = e;
    });
    rc.on('reconnect', () => this.set('up', null));
    this.set('up', null);
  }

  private retryLater(): void {
    if (this.state === 'closed') return;
    const { initialDelayMs = 250, maxDelayMs = 30_000, factor = 2 } = this.opts.reconnect ?? {};
    const delay = Math.min(maxDelayMs, initialDelayMs * factor ** this.attempts++);
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.start();
    }, delay);
  }

  /** Resolves when the host is up (now or later), or when `signal` aborts. */
  waitUp(signal?: AbortSignal): Promise<void> {
    if (this.conn || signal?.aborted || this.state === 'closed') return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        this.off('up', done);
        this.off('closed', done);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      this.on('up', done);
      this.on('closed', done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }

  async close(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.state = 'closed';
    this.emit('closed');
    const rc = this.rc;
    this.rc = null;
    await rc?.close().catch(() => {});
  }
}
