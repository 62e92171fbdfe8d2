import type { GuestInfo, GuestState, HostKind, StateChange, StateWatch, WatchOptions } from './types.js';

/** Default polling interval of the CLI backends' {@link Host.watch}, ms. */
export const DEFAULT_POLL_INTERVAL_MS = 1_000;

/**
 * A push-to-pull queue exposed as an async iterator. `push` values, `fail` with an error or
 * `end`; `onClose` runs once when the consumer stops (break/return/abort) or the queue ends.
 * @internal
 */
export class ChangeQueue<T> implements AsyncIterableIterator<T> {
  /** See {@link StateWatch.ready}. */
  readonly ready: Promise<void>;
  private readyResolve!: () => void;
  private readyReject!: (e: unknown) => void;
  private readonly items: T[] = [];
  private readonly waiters: Array<{ resolve: (r: IteratorResult<T>) => void; reject: (e: unknown) => void }> = [];
  private done = false;
  private error: unknown = undefined;
  private closed = false;
  private cleanup: Array<() => void | Promise<void>> = [];

  constructor() {
    this.ready = new Promise<void>((res, rej) => {
      this.readyResolve = res;
      this.readyReject = rej;
    });
    this.ready.catch(() => undefined); // an unobserved `ready` must not be an unhandled rejection
  }

  /** Mark the source live. */
  markReady(): void {
    this.readyResolve();
  }

  /** Register a cleanup, run once when the iteration ends for any reason. */
  onClose(fn: () => void | Promise<void>): void {
    if (this.closed) void fn();
    else this.cleanup.push(fn);
  }

  /** Queue a value (ignored after the end). */
  push(v: T): void {
    if (this.done) return;
    const w = this.waiters.shift();
    if (w) w.resolve({ value: v, done: false });
    else this.items.push(v);
  }

  /** End with an error: queued values are delivered first, then `next()` rejects. */
  fail(e: unknown): void {
    if (this.done) return;
    this.error = e;
    this.readyReject(e);
    this.finish();
  }

  /** End normally. */
  end(): void {
    this.finish();
  }

  private finish(): void {
    if (this.done) return;
    this.done = true;
    this.readyResolve(); // no-op if it already settled
    this.runCleanup();
    if (this.items.length === 0) {
      for (const w of this.waiters.splice(0)) {
        if (this.error !== undefined) w.reject(this.error);
        else w.resolve({ value: undefined, done: true });
      }
    }
  }

  private runCleanup(): void {
    if (this.closed) return;
    this.closed = true;
    for (const fn of this.cleanup.splice(0)) {
      try {
        void Promise.resolve(fn()).catch(() => undefined);
      } catch {
        // cleanup must not throw into the consumer
      }
    }
  }

  /** {@inheritDoc AsyncIterator.next} */
  next(): Promise<IteratorResult<T>> {
    if (this.items.length > 0) return Promise.resolve({ value: this.items.shift()!, done: false });
    if (this.done) {
      if (this.error !== undefined) {
        const e = this.error;
        this.error = undefined; // report once
        return Promise.reject(e);
      }
      return Promise.resolve({ value: undefined, done: true });
    }
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  /** Called by `break`/`return` in a `for await` loop: stops the source. */
  return(): Promise<IteratorResult<T>> {
    this.items.length = 0;
    this.error = undefined;
    this.finish();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}

/** Normalise the argument of {@link Host.watch}. @internal */
export function watchOptions(opts: WatchOptions | AbortSignal | undefined): WatchOptions {
  if (opts === undefined) return {};
  if (typeof AbortSignal !== 'undefined' && opts instanceof AbortSignal) return { signal: opts };
  return opts as WatchOptions;
}

/** Wire an AbortSignal to end a queue. @internal */
export function endOnAbort<T>(q: ChangeQueue<T>, signal: AbortSignal | undefined): boolean {
  if (!signal) return false;
  if (signal.aborted) {
    q.end();
    return true;
  }
  const onAbort = (): void => q.end();
  signal.addEventListener('abort', onAbort, { once: true });
  q.onClose(() => signal.removeEventListener('abort', onAbort));
  return false;
}

/**
 * Compare two `list()` snapshots: one change per guest whose state differs, appeared (no
 * `previous`) or disappeared (reported as `shutoff`).
 */
export function diffSnapshots(before: ReadonlyMap<string, GuestState>, after: readonly GuestInfo[], at = new Date()): StateChange[] {
  const out: StateChange[] = [];
  const seen = new Set<string>();
  for (const g of after) {
    seen.add(g.name);
    const prev = before.get(g.name);
    if (prev === g.state) continue;
    out.push(prev === undefined ? { name: g.name, state: g.state, at } : { name: g.name, state: g.state, previous: prev, at });
  }
  for (const [name, prev] of before) {
    if (!seen.has(name) && prev !== 'shutoff') out.push({ name, state: 'shutoff', previous: prev, at });
  }
  return out;
}

/**
 * Watch by polling `list()` every `intervalMs`. The first snapshot is the baseline. A failing
 * `list()` ends the iteration with its error. @internal
 */
export function pollWatch(list: () => Promise<GuestInfo[]>, opts: WatchOptions, defaultIntervalMs: number, onEnd?: () => void): StateWatch {
  const q = new ChangeQueue<StateChange>();
  if (onEnd) q.onClose(onEnd);
  const interval = opts.intervalMs ?? defaultIntervalMs;
  if (typeof interval !== 'number' || !(interval > 0) || !Number.isFinite(interval)) {
    throw new RangeError('intervalMs must be a positive number of milliseconds');
  }
  if (endOnAbort(q, opts.signal)) return q;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  q.onClose(() => {
    stopped = true;
    if (timer) clearTimeout(timer);
  });
  let known: Map<string, GuestState> | undefined;
  const tick = async (): Promise<void> => {
    timer = undefined;
    try {
      const now = await list();
      if (stopped) return;
      if (known) for (const c of diffSnapshots(known, now)) q.push(c);
      // keep vanished guests as shutoff so they are reported once, not again
      const next = new Map<string, GuestState>(now.map((g) => [g.name, g.state]));
      if (known) for (const [n] of known) if (!next.has(n)) next.set(n, 'shutoff');
      known = next;
      q.markReady();
    } catch (e) {
      q.fail(e);
      return;
    }
    if (!stopped) timer = setTimeout(() => void tick(), interval);
  };
  void tick();
  return q;
}

/** What openHost hands a CLI-backed host. */
export interface CliHostInit {
  kind: HostKind;
  uri?: string;
  fallbackReason?: Error;
  selection: string;
  pollIntervalMs?: number;
}

/**
 * The part XlHost and LxcHost share: the selection fields, and state changes
 * by polling `list()`, with the watches still running ended by `close()`.
 */
export abstract class PollingHost {
  /** {@inheritDoc Host.kind} */
  readonly kind: HostKind;
  /** {@inheritDoc Host.uri} */
  readonly uri: string | undefined;
  /** {@inheritDoc Host.fallbackReason} */
  readonly fallbackReason?: Error;
  /** {@inheritDoc Host.selection} */
  readonly selection: string;
  private readonly pollIntervalMs: number;
  private readonly watches = new Set<StateWatch>();

  constructor(init: CliHostInit) {
    this.kind = init.kind;
    this.uri = init.uri;
    this.fallbackReason = init.fallbackReason;
    this.selection = init.selection;
    this.pollIntervalMs = init.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS;
  }

  /** {@inheritDoc Host.list} */
  abstract list(): Promise<GuestInfo[]>;

  /** Polls `list()` at an interval. See {@link Host.watch}. */
  watch(opts?: WatchOptions | AbortSignal): StateWatch {
    let ended = false;
    // pollWatch may end (and call back) before it returns, when `w` is not known yet.
    const ref: { w?: StateWatch } = {};
    const w = pollWatch(() => this.list(), watchOptions(opts), this.pollIntervalMs, () => {
      ended = true;
      if (ref.w) this.watches.delete(ref.w);
    });
    ref.w = w;
    if (!ended) this.watches.add(w);
    return w;
  }
  /** Ends the watches still running (the backend holds no connection). */
  async close(): Promise<void> {
    for (const w of [...this.watches]) await w.return?.();
    this.watches.clear();
  }
  /** `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
