// The idiomatic event layer on top of the mechanical *EventRegisterAny calls:
// async iteration with AbortSignal, and an EventEmitter that subscribes lazily.
import { EventEmitter } from 'node:events';
import type { Connect } from './classes.js';
import * as C from './generated/constants.js';

/** Object kinds that have events. */
export type EventKind = 'domain' | 'network' | 'storagePool' | 'nodeDevice' | 'secret';

/** One event: the object it is about and the C callback's other arguments. */
export interface VirEvent {
  kind: EventKind;
  eventID: number;
  /** e.g. `"lifecycle"`, `"reboot"`, `"block_job_2"` (the C name's suffix, lower case). */
  name: string;
  /** The Domain, Network, StoragePool, NodeDevice or Secret. */
  object: any;
  args: unknown[];
}

const groups: Record<EventKind, Record<string, number>> = {
  domain: C.virDomainEventID,
  network: C.virNetworkEventID,
  storagePool: C.virStoragePoolEventID,
  nodeDevice: C.virNodeDeviceEventID,
  secret: C.virSecretEventID,
};

/** `{ lifecycle: 0, reboot: 1, ... }` for one kind (without the LAST sentinel). */
export function eventIDs(kind: EventKind): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(groups[kind])) {
    const name = k.replace(/^VIR_[A-Z_]*?EVENT_ID_/, '').toLowerCase();
    if (name !== 'last') out[name] = v;
  }
  return out;
}

/** The name of an event ID of a kind, e.g. eventName('domain', 0) === 'lifecycle'. */
export function eventName(kind: EventKind, id: number): string {
  for (const [n, v] of Object.entries(eventIDs(kind))) if (v === id) return n;
  return String(id);
}

function methods(kind: EventKind): [string, string] {
  return [`${kind}EventRegisterAny`, `${kind}EventDeregisterAny`];
}

/** Subscribes `cb` and resolves to a function that unsubscribes (idempotent). */
export async function subscribe(
  conn: Connect,
  kind: EventKind,
  eventID: number,
  target: unknown,
  cb: (e: VirEvent) => void,
): Promise<() => Promise<void>> {
  const [reg, dereg] = methods(kind);
  const name = eventName(kind, eventID);
  const id: number = await (conn as any)[reg](target ?? null, eventID, (object: unknown, ...args: unknown[]) =>
    cb({ kind, eventID, name, object, args }),
  );
  let done = false;
  return async () => {
    if (done) return;
    done = true;
    await (conn as any)[dereg](id);
  };
}

/** Options of {@link events}. */
export interface EventsOptions {
  /** Event ID, a number or its name (`"lifecycle"`); default lifecycle (0). */
  eventID?: number | string;
  /** One object to watch; default all of that kind. */
  target?: unknown;
  /** Ends the iteration and unsubscribes. */
  signal?: AbortSignal;
  /** Events kept while the consumer is slow; older ones are dropped past it (default 10000). */
  highWaterMark?: number;
}

function resolveID(kind: EventKind, id: number | string | undefined): number {
  if (id === undefined) return 0;
  if (typeof id === 'number') return id;
  const v = eventIDs(kind)[id];
  if (v === undefined) throw new RangeError(`unknown ${kind} event "${id}"`);
  return v;
}

/**
 * Events as an async iterator: `for await (const e of events(conn, 'domain', { signal }))`.
 * Breaking out of the loop or aborting the signal unsubscribes.
 */
export function events(conn: Connect, kind: EventKind, opts: EventsOptions = {}): AsyncIterableIterator<VirEvent> & { dropped: number } {
  const eventID = resolveID(kind, opts.eventID);
  const hwm = opts.highWaterMark ?? 10000;
  const queue: VirEvent[] = [];
  let wake: (() => void) | null = null;
  let ended = false;
  let failure: unknown = null;
  let unsub: (() => Promise<void>) | null = null;
  const it = {
    dropped: 0,
    [Symbol.asyncIterator]() {
      return this;
    },
    async next(): Promise<IteratorResult<VirEvent>> {
      await ready;
      for (;;) {
        if (failure) throw failure;
        if (queue.length) return { value: queue.shift()!, done: false };
        if (ended) return { value: undefined, done: true };
        await new Promise<void>((r) => (wake = r));
      }
    },
    async return(): Promise<IteratorResult<VirEvent>> {
      await stop();
      return { value: undefined, done: true };
    },
  };
  const notify = () => {
    const w = wake;
    wake = null;
    w?.();
  };
  const stop = async () => {
    if (ended) return;
    ended = true;
    opts.signal?.removeEventListener('abort', onAbort);
    notify();
    await ready.catch(() => {});
    if (unsub) await unsub().catch(() => {});
  };
  const onAbort = () => void stop();
  const ready = subscribe(conn, kind, eventID, opts.target, (e) => {
    if (ended) return;
    if (queue.length >= hwm) {
      queue.shift();
      it.dropped++;
    }
    queue.push(e);
    notify();
  }).then(
    (u) => {
      unsub = u;
      if (ended) return u();
    },
    (err) => {
      failure = err;
      ended = true;
      notify();
    },
  );
  if (opts.signal) {
    if (opts.signal.aborted) void stop();
    else opts.signal.addEventListener('abort', onAbort, { once: true });
  }
  return it;
}

/**
 * EventEmitter over a connection's events. Event names are `kind.name`
 * (`"domain.lifecycle"`, `"network.lifecycle"`, `"storagePool.refresh"`, ...);
 * listeners get `(object, ...args)`. Subscribes on the first listener of a name
 * and unsubscribes after the last one is removed; `close()` removes all.
 * Registration failures are emitted as `"error"`.
 */
export class ConnectEventEmitter extends EventEmitter {
  private subs = new Map<string, Promise<(() => Promise<void>) | null>>();

  constructor(readonly conn: Connect) {
    super();
    this.on('newListener', (name: string | symbol) => {
      if (typeof name !== 'string' || !name.includes('.') || this.subs.has(name)) return;
      const [kind, ev] = name.split('.', 2) as [EventKind, string];
      if (!(kind in groups)) return;
      const id = resolveID(kind, ev);
      this.subs.set(
        name,
        subscribe(conn, kind, id, null, (e) => this.emit(name, e.object, ...e.args)).catch((err) => {
          this.subs.delete(name);
          this.emit('error', err);
          return null;
        }),
      );
    });
    this.on('removeListener', (name: string | symbol) => {
      if (typeof name !== 'string' || this.listenerCount(name) > 0) return;
      const p = this.subs.get(name);
      if (!p) return;
      this.subs.delete(name);
      void p.then((u) => u?.()).catch((err) => this.emit('error', err));
    });
  }

  /** Unsubscribes everything. */
  async close(): Promise<void> {
    const all = [...this.subs.values()];
    this.subs.clear();
    this.removeAllListeners();
    for (const p of all) {
      const u = await p;
      await u?.().catch(() => {});
    }
  }
}
