import { AsyncQueue, endOnAbort } from '../util/async-queue.js';
import type { GuestInfo, GuestState, HostKind, StateChange, StateWatch, WatchOptions } from './types.js';

/** Default polling interval of the CLI backends' {@link Host.watch}, ms. */
export const DEFAULT_POLL_INTERVAL_MS = 1_000;

/** Normalise the argument of {@link Host.watch}. @internal */
export function watchOptions(opts: WatchOptions | AbortSignal | undefined): WatchOptions {
  if (opts === undefined) return {};
  if (typeof AbortSignal !== 'undefined' && opts instanceof AbortSignal) return { signal: opts };
  return opts as WatchOptions;
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
  const q = new AsyncQueue<StateChange>();
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
