// The idiomatic event layer on top of the mechanical *EventRegisterAny calls:
// async iteration with AbortSignal, and an EventEmitter that subscribes lazily.
// Both end when libvirt closes the connection under them.
import { EventEmitter } from 'node:events';
import type { Connect } from './classes.js';
import { AsyncQueue, endOnAbort } from '../util/async-queue.js';
import { ConnectionClosedError, watchClose } from './close-watch.js';
import {
  DOMAIN_EVENT_IDS, NETWORK_EVENT_IDS, NODE_DEVICE_EVENT_IDS, SECRET_EVENT_IDS, STORAGE_POOL_EVENT_IDS,
  type EmitterEventArgs, type EventIDOf, type EventIDsByKind, type EventKind, type EventNameOf,
  type EventObjectByKind, type ResolveEventID, type VirEvent,
} from './event-types.js';

export type { EventKind, VirEvent } from './event-types.js';

const IDS: EventIDsByKind = {
  domain: DOMAIN_EVENT_IDS,
  network: NETWORK_EVENT_IDS,
  storagePool: STORAGE_POOL_EVENT_IDS,
  nodeDevice: NODE_DEVICE_EVENT_IDS,
  secret: SECRET_EVENT_IDS,
};

/** `{ lifecycle: 0, reboot: 1, ... }` for one kind. */
export function eventIDs<K extends EventKind>(kind: K): EventIDsByKind[K] {
  const ids = IDS[kind];
  if (!ids) throw new RangeError(`unknown event kind ${JSON.stringify(kind)}`);
  return ids;
}

/** The name of an event ID of a kind, e.g. eventName('domain', 0) === 'lifecycle'. */
export function eventName(kind: EventKind, id: number): string {
  for (const [n, v] of Object.entries(eventIDs(kind))) if (v === id) return n;
  return String(id);
}

/**
 * Where events come from: a {@link Connect}, or anything with a `subscribe` of this shape
 * (a `ReconnectingConnection`, whose subscriptions survive reconnects).
 */
export interface EventSource {
  subscribe<K extends EventKind, E extends EventIDOf<K>>(
    kind: K, eventID: E, cb: (e: VirEvent<K, E>) => void,
  ): Promise<{ unsubscribe(): Promise<void> }>;
}

/** Subscribes `cb` and resolves to a function that unsubscribes (idempotent). */
export async function subscribe<K extends EventKind, E extends EventIDOf<K>>(
  conn: Connect,
  kind: K,
  eventID: E,
  target: EventObjectByKind[K] | null | undefined,
  cb: (e: VirEvent<K, E>) => void,
): Promise<() => Promise<void>> {
  const name = eventName(kind, eventID);
  const api = conn as unknown as Record<string, (...a: unknown[]) => Promise<number>>;
  const id = await api[`${kind}EventRegisterAny`]!.call(conn, target ?? null, eventID, (object: unknown, ...args: unknown[]) =>
    cb({ kind, eventID, name, object, args } as unknown as VirEvent<K, E>),
  );
  let done = false;
  return async () => {
    if (done) return;
    done = true;
    await api[`${kind}EventDeregisterAny`]!.call(conn, id);
  };
}

/** Options of {@link events}. */
export interface EventsOptions<K extends EventKind = EventKind, E = EventIDOf<K> | EventNameOf<K>> {
  /** Event ID, a number or its name (`"lifecycle"`); default lifecycle (0). */
  eventID?: E;
  /** One object to watch; default all of that kind (not with a `ReconnectingConnection`). */
  target?: EventObjectByKind[K] | null;
  /** Ends the iteration (normally) and unsubscribes. */
  signal?: AbortSignal;
  /** Events kept while the consumer is slow; older ones are dropped past it (default 10000). */
  highWaterMark?: number;
}

/** What {@link events} returns. */
export interface EventIterator<T> extends AsyncIterableIterator<T> {
  /** Events dropped because the consumer fell more than `highWaterMark` behind. */
  readonly dropped: number;
  /** Resolves once the subscription is registered (events before it are not seen); rejects if it failed. */
  readonly ready: Promise<void>;
}

function resolveID(kind: EventKind, id: number | string | undefined): number {
  if (id === undefined) return 0;
  if (typeof id === 'number') return id;
  const v = (eventIDs(kind) as Record<string, number>)[id];
  if (v === undefined) throw new RangeError(`unknown ${kind} event "${id}"`);
  return v;
}

function isConnect(c: Connect | EventSource): c is Connect {
  return typeof (c as Connect).domainEventRegisterAny === 'function';
}

/**
 * Events as an async iterator: `for await (const e of events(conn, 'domain', { signal }))`.
 * Breaking out of the loop or aborting the signal unsubscribes. When libvirt closes a plain
 * {@link Connect} (daemon killed or restarted, keepalive timeout), the iteration ends with a
 * {@link ConnectionClosedError} carrying the reason, after the events already received.
 * On a `ReconnectingConnection` the subscription resumes after each reconnect instead.
 */
export function events<K extends EventKind, E extends EventIDOf<K> | EventNameOf<K> = 0 & EventIDOf<K>>(
  conn: Connect | EventSource,
  kind: K,
  opts: EventsOptions<K, E> = {},
): EventIterator<VirEvent<K, ResolveEventID<K, E>>> {
  type T = VirEvent<K, ResolveEventID<K, E>>;
  const eventID = resolveID(kind, opts.eventID as number | string | undefined) as EventIDOf<K>;
  const q = new AsyncQueue<T>(opts.highWaterMark ?? 10000);
  const it = q as unknown as EventIterator<T>;
  if (endOnAbort(q, opts.signal)) return it;
  const push = (e: T) => q.push(e);
  let unsub: (() => Promise<void>) | null = null;
  q.onClose(() => unsub?.());
  const start = async (): Promise<() => Promise<void>> => {
    if (!isConnect(conn)) {
      if (opts.target) throw new TypeError('events(): target is not supported on a ReconnectingConnection');
      const s = await conn.subscribe(kind, eventID, push as unknown as (e: VirEvent<K, EventIDOf<K>>) => void);
      return () => s.unsubscribe();
    }
    const unwatch = watchClose(conn, (reason) => q.fail(new ConnectionClosedError(reason, `${kind} events`)));
    try {
      const u = await subscribe(conn, kind, eventID, opts.target, push as unknown as (e: VirEvent<K, EventIDOf<K>>) => void);
      return async () => {
        await u();
        await unwatch();
      };
    } catch (e) {
      await unwatch();
      throw e;
    }
  };
  start().then(
    (u) => {
      if (q.ended) return void u().catch(() => {});
      unsub = u;
      q.markReady();
    },
    (err) => q.fail(err),
  );
  return it;
}

/** Listener signatures of {@link ConnectEventEmitter}. */
export type ConnectEmitterEvents = EmitterEventArgs & {
  /** A subscription could not be registered or removed. */
  error: [error: unknown];
  /** libvirt closed the connection: every subscription is gone; nothing more is emitted. */
  close: [error: ConnectionClosedError];
};

/**
 * EventEmitter over a connection's events. Event names are `kind.name`
 * (`"domain.lifecycle"`, `"network.lifecycle"`, `"storagePool.refresh"`, ...);
 * listeners get `(object, ...args)`, typed per event. Subscribes on the first listener of a
 * name and unsubscribes after the last one is removed; `close()` removes all.
 * Registration failures are emitted as `"error"`. When libvirt closes the connection
 * (daemon gone, keepalive timeout), `"close"` is emitted once with a
 * {@link ConnectionClosedError} and the emitter stops.
 */
export class ConnectEventEmitter extends EventEmitter<ConnectEmitterEvents> {
  private subs = new Map<string, Promise<(() => Promise<void>) | null>>();
  private unwatch: (() => Promise<void>) | null = null;
  private dead = false;

  constructor(readonly conn: Connect) {
    super();
    const raw = this as EventEmitter;
    raw.on('newListener', (name: string | symbol) => {
      if (this.dead || typeof name !== 'string' || !name.includes('.') || this.subs.has(name)) return;
      const [kind, ev] = name.split('.', 2) as [EventKind, string];
      if (!Object.hasOwn(IDS, kind)) return;
      const id = resolveID(kind, ev) as EventIDOf<typeof kind>;
      this.unwatch ??= watchClose(conn, (reason) => this.onClosed(reason));
      this.subs.set(
        name,
        subscribe(conn, kind, id, null, (e) => raw.emit(name, e.object, ...(e.args as unknown[]))).catch((err) => {
          this.subs.delete(name);
          raw.emit('error', err);
          return null;
        }),
      );
    });
    raw.on('removeListener', (name: string | symbol) => {
      if (typeof name !== 'string' || this.listenerCount(name as never) > 0) return;
      const p = this.subs.get(name);
      if (!p) return;
      this.subs.delete(name);
      if (this.subs.size === 0) void this.stopWatching();
      void p.then((u) => u?.()).catch((err) => raw.emit('error', err));
    });
  }

  /** Resolves once every subscription asked for so far is registered (failures go to `"error"`). */
  async ready(): Promise<void> {
    await Promise.all([...this.subs.values()]);
  }

  private stopWatching(): Promise<void> {
    const u = this.unwatch;
    this.unwatch = null;
    return u ? u() : Promise.resolve();
  }

  private onClosed(reason: number): void {
    this.unwatch = null;
    this.dead = true;
    this.subs.clear(); // they died with the connection
    (this as EventEmitter).emit('close', new ConnectionClosedError(reason, 'event emitter'));
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
    await this.stopWatching();
  }
}
