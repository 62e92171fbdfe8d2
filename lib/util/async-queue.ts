/**
 * A push-to-pull queue exposed as an async iterator: a producer (event callback, timer)
 * `push`es values, `end`s or `fail`s; a consumer reads with `for await`. Shared by the
 * event iterator, the stats poller and the host facade's watch.
 *
 * - Values not yet read are buffered up to `highWaterMark`; past it the oldest is dropped
 *   and counted in {@link AsyncQueue.dropped}.
 * - `fail(e)`: values already queued are delivered first, then `next()` rejects once with
 *   `e`, then the iteration is done.
 * - The consumer stopping (`break`, `return()`) drops what is buffered and ends the queue.
 * - `onClose` callbacks run once when the queue ends for any reason (the producer's cleanup).
 * - `ready` resolves with {@link AsyncQueue.markReady} (the source is live) or at the end;
 *   it rejects when the queue fails before it was ready.
 * @internal
 */
export class AsyncQueue<T> implements AsyncIterableIterator<T> {
  /** Resolves once the source is live; rejects if it failed first. */
  readonly ready: Promise<void>;
  /** Values dropped because the consumer fell more than `highWaterMark` behind. */
  dropped = 0;
  private readyResolve!: () => void;
  private readyReject!: (e: unknown) => void;
  private readonly items: T[] = [];
  private readonly waiters: Array<{ resolve: (r: IteratorResult<T>) => void; reject: (e: unknown) => void }> = [];
  private finished = false;
  private failure: { error: unknown } | null = null;
  private readonly cleanup: Array<() => unknown> = [];
  private cleaned = false;

  /** @param highWaterMark - buffered values kept before the oldest is dropped (default: unbounded). */
  constructor(private readonly highWaterMark = Infinity) {
    this.ready = new Promise<void>((res, rej) => {
      this.readyResolve = res;
      this.readyReject = rej;
    });
    this.ready.catch(() => undefined); // an unobserved `ready` must not be an unhandled rejection
  }

  /** Whether the queue has ended (values may still be buffered). */
  get ended(): boolean {
    return this.finished;
  }

  /** Marks the source live (resolves {@link ready}). */
  markReady(): void {
    this.readyResolve();
  }

  /** Registers a cleanup run once when the queue ends; at once if it already has. */
  onClose(fn: () => unknown): void {
    if (this.cleaned) runQuietly(fn);
    else this.cleanup.push(fn);
  }

  /** Queues a value (ignored after the end). */
  push(v: T): void {
    if (this.finished) return;
    const w = this.waiters.shift();
    if (w) return w.resolve({ value: v, done: false });
    this.items.push(v);
    if (this.items.length > this.highWaterMark) {
      this.items.shift();
      this.dropped++;
    }
  }

  /** Ends with an error: queued values first, then `next()` rejects once. */
  fail(error: unknown): void {
    if (this.finished) return;
    this.failure = { error };
    this.readyReject(error);
    this.finish();
  }

  /** Ends normally: queued values are still delivered. */
  end(): void {
    this.finish();
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.readyResolve(); // no-op if it already settled
    if (this.items.length === 0) {
      for (const w of this.waiters.splice(0)) {
        const f = this.failure;
        this.failure = null;
        if (f) w.reject(f.error);
        else w.resolve({ value: undefined, done: true });
      }
    }
    if (!this.cleaned) {
      this.cleaned = true;
      for (const fn of this.cleanup.splice(0)) runQuietly(fn);
    }
  }

  /** Next value; waits while the queue is empty and live. */
  next(): Promise<IteratorResult<T>> {
    if (this.items.length > 0) return Promise.resolve({ value: this.items.shift()!, done: false });
    if (this.finished) {
      const f = this.failure;
      this.failure = null; // reported once
      return f ? Promise.reject(f.error) : Promise.resolve({ value: undefined, done: true });
    }
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  /** The consumer stops (`break` in `for await`): drops the buffer and ends. */
  return(): Promise<IteratorResult<T>> {
    this.items.length = 0;
    this.failure = null;
    this.finish();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}

function runQuietly(fn: () => unknown): void {
  try {
    const r = fn();
    if (r instanceof Promise) r.catch(() => undefined); // cleanup must not throw into the consumer
  } catch {
    // same
  }
}

/** Ends `q` when `signal` aborts; true if it was already aborted (the queue has ended). @internal */
export function endOnAbort<T>(q: AsyncQueue<T>, signal: AbortSignal | undefined): boolean {
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
