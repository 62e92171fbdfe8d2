// A bounded queue with one async-iterating consumer: producers push, the consumer awaits.
// Past `highWaterMark` the oldest items are dropped (counted), so a slow consumer never
// makes a producer wait or grow memory without bound.

/** @internal */
export class Channel<T> implements AsyncIterable<T> {
  private items: T[] = [];
  private waiter: ((r: IteratorResult<T>) => void) | null = null;
  private failWaiter: ((e: unknown) => void) | null = null;
  private ended = false;
  private error: unknown = null;
  /** Items dropped because the consumer fell behind. */
  dropped = 0;

  constructor(private readonly highWaterMark = 10_000, private readonly onReturn?: () => void) {}

  push(item: T): void {
    if (this.ended) return;
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = this.failWaiter = null;
      w({ value: item, done: false });
      return;
    }
    this.items.push(item);
    if (this.items.length > this.highWaterMark) {
      this.items.shift();
      this.dropped++;
    }
  }

  /** Ends the iteration after the queued items; with `error`, the next read rejects with it. */
  end(error?: unknown): void {
    if (this.ended) return;
    this.ended = true;
    if (error !== undefined) this.error = error;
    if (this.waiter && this.items.length === 0) {
      const [w, f] = [this.waiter, this.failWaiter];
      this.waiter = this.failWaiter = null;
      if (this.error !== null) {
        const e = this.error;
        this.error = null;
        f!(e);
      } else w({ value: undefined, done: true });
    }
  }

  get closed(): boolean {
    return this.ended;
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return {
      next: () => {
        if (this.items.length) return Promise.resolve({ value: this.items.shift()!, done: false });
        if (this.ended) {
          if (this.error !== null) {
            const e = this.error;
            this.error = null;
            return Promise.reject(e);
          }
          return Promise.resolve({ value: undefined, done: true });
        }
        return new Promise((resolve, reject) => {
          this.waiter = resolve;
          this.failWaiter = reject;
        });
      },
      return: () => {
        this.items = [];
        this.end();
        this.onReturn?.();
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }
}
