// Bounded concurrency and per-call deadlines for fleet-wide work.
import { VirtkitError } from '../errors.js';

/** @internal Runs at most `n` tasks at once, in call order. */
export class Limiter {
  private active = 0;
  private readonly queue: Array<() => void> = [];

  constructor(private readonly n: number) {}

  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.n) await new Promise<void>((r) => this.queue.push(r));
    this.active++;
    try {
      return await fn();
    } finally {
      this.active--;
      this.queue.shift()?.();
    }
  }
}

/** A host did not answer in time. The call it made may still finish later; its result is dropped. */
export class FleetTimeoutError extends VirtkitError {
  constructor(readonly host: string, readonly what: string, readonly timeoutMs: number) {
    super(`${host}: ${what} did not answer within ${timeoutMs} ms`);
  }

  get name(): string {
    return 'FleetTimeoutError';
  }
}

/** @internal `p`, or a {@link FleetTimeoutError} after `ms`. A late rejection of `p` is swallowed. */
export function withTimeout<T>(p: Promise<T>, ms: number, host: string, what: string): Promise<T> {
  if (!(ms > 0) || ms === Infinity) return p;
  let timer: NodeJS.Timeout;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new FleetTimeoutError(host, what, ms)), ms);
  });
  p.catch(() => {});
  return Promise.race([p, deadline]).finally(() => clearTimeout(timer));
}
