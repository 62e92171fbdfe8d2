import { NotFoundError, StateError } from '../backends/errors.js';
import type { Connect, Domain } from '../libvirt/index.js';
import { LibvirtError } from '../libvirt/errors.js';
import type { ProcessDuplex } from '../backends/transport/types.js';
import { UnsupportedError } from './errors.js';
import { LIBVIRT_STATE_NAMES, stateFromLibvirt, stateFromLibvirtEvent } from './state.js';
import type { Guest, GuestInfo, GuestState, GuestStats, Host, HostKind, StateWatch, StopOptions, WatchOptions } from './types.js';
import { ChangeQueue, endOnAbort, watchOptions } from './watch.js';

const VIR_ERR_NO_DOMAIN = 42;
const VIR_ERR_OPERATION_INVALID = 55;
const VIR_DOMAIN_EVENT_ID_LIFECYCLE = 0;
const INACTIVE: readonly GuestState[] = ['shutoff', 'crashed'];
const ACTIVE: readonly GuestState[] = ['running', 'blocked', 'paused', 'shutdown', 'unknown'];
const RUNNING: readonly GuestState[] = ['running', 'blocked', 'unknown'];
const PAUSED: readonly GuestState[] = ['paused', 'unknown'];

/** Events API of the addon (bound natively; typed here until the shared typings cover it). */
interface EventApi {
  domainEventRegisterAny(dom: Domain | null, eventID: number, cb: (dom: Domain, event: number, detail: number) => void): Promise<number>;
  domainEventDeregisterAny(callbackID: number): Promise<unknown>;
}

/**
 * Map libvirt failures to the facade's vocabulary: `VIR_ERR_NO_DOMAIN` → {@link NotFoundError};
 * `VIR_ERR_OPERATION_INVALID` ("domain is not running"…) → {@link StateError}. The
 * LibvirtError is kept as `cause`; other errors pass through.
 */
export function mapLibvirtError(e: unknown, name: string, expected = ''): unknown {
  if (e instanceof LibvirtError) {
    if (e.code === VIR_ERR_NO_DOMAIN) return new NotFoundError(name, `libvirt: domain ${JSON.stringify(name)} not found: ${e.message}`, { cause: e });
    if (e.code === VIR_ERR_OPERATION_INVALID) return new StateError(`libvirt: ${e.message}`, expected, 'unknown', { cause: e });
  }
  return e;
}

function idOf(dom: Domain): number | null {
  const id = dom.getID();
  return id >= 0 && id !== 0xffffffff ? id : null;
}

async function infoOf(dom: Domain): Promise<GuestInfo> {
  const { state } = await dom.getState(0);
  return {
    name: dom.getName(),
    state: stateFromLibvirt(state),
    nativeState: LIBVIRT_STATE_NAMES[state] ?? `VIR_DOMAIN_${state}`,
    id: idOf(dom),
    uuid: dom.getUUIDString(),
  };
}

/** A libvirt domain behind the {@link Guest} interface. */
export class LibvirtGuest implements Guest {
  /** {@inheritDoc Guest.backend} */
  readonly backend = 'libvirt' as const;
  /** {@inheritDoc Guest.name} */
  readonly name: string;
  /** The underlying libvirt domain (escape hatch to the whole API). */
  readonly domain: Domain;

  /** @param domain - the domain (owned by this guest from now on). */
  constructor(domain: Domain) {
    this.domain = domain;
    this.name = domain.getName();
  }

  /**
   * Run `fn`; on failure map not-found to {@link NotFoundError}, and when the guest is not in
   * one of the states `ok` allows, to {@link StateError} (drivers word this differently: QEMU
   * says `VIR_ERR_OPERATION_INVALID`, the test driver `VIR_ERR_INTERNAL_ERROR`, so the state
   * is asked afterwards instead of trusting the code).
   */
  private async call<T>(ok: readonly GuestState[] | undefined, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      if (ok && e instanceof LibvirtError && e.code !== VIR_ERR_NO_DOMAIN) {
        const actual = await this.domain.getState(0).then((r) => stateFromLibvirt(r.state), () => undefined);
        if (actual !== undefined && !ok.includes(actual)) {
          throw new StateError(`libvirt: ${this.name} is ${actual}, expected ${ok.join(' or ')}: ${e.message}`, ok[0]!, actual, { cause: e });
        }
      }
      throw mapLibvirtError(e, this.name, ok?.[0]);
    }
  }

  /** {@inheritDoc Guest.info} */
  info(): Promise<GuestInfo> {
    // The ID libvirt cached in the Domain may predate a restart or restore made elsewhere: a
    // lookup by UUID refreshes it (the connection keeps one Domain per UUID), beside getState.
    return this.call(undefined, async () => {
      const fresh = this.domain.getConnect().domainLookupByUUIDString(this.domain.getUUIDString());
      const [info] = await Promise.all([infoOf(this.domain), fresh]);
      return { ...info, id: idOf(this.domain) };
    });
  }
  /** {@inheritDoc Guest.start} */
  start(): Promise<void> {
    return this.call(INACTIVE, () => this.domain.create());
  }
  /** {@inheritDoc Guest.stop} */
  stop(opts: StopOptions = {}): Promise<void> {
    return opts.force ? this.call(ACTIVE, () => this.domain.destroy()) : this.shutdown();
  }
  /** {@inheritDoc Guest.shutdown} */
  shutdown(): Promise<void> {
    return this.call(ACTIVE, () => this.domain.shutdown());
  }
  /** {@inheritDoc Guest.reboot} */
  reboot(): Promise<void> {
    return this.call(ACTIVE, () => this.domain.reboot(0));
  }
  /** {@inheritDoc Guest.pause} */
  pause(): Promise<void> {
    return this.call(RUNNING, () => this.domain.suspend());
  }
  /** {@inheritDoc Guest.resume} */
  resume(): Promise<void> {
    return this.call(PAUSED, () => this.domain.resume());
  }
  /** {@inheritDoc Guest.save} */
  save(path: string): Promise<void> {
    return this.call(ACTIVE, () => this.domain.save(path));
  }
  /** {@inheritDoc Guest.console} */
  console(): ProcessDuplex {
    throw new UnsupportedError('libvirt', 'console', 'virStreamSend/virStreamRecv are not bound by the addon yet; use `virsh console` in a terminal');
  }
  /** {@inheritDoc Guest.stats} */
  stats(): Promise<GuestStats> {
    return this.call(undefined, async () => {
      const i = await this.domain.getInfo();
      return { state: stateFromLibvirt(i.state), cpuTimeNs: BigInt(i.cpuTime), memoryKiB: Number(i.memory), vcpus: i.nrVirtCpu };
    });
  }
}

/** {@link Host} over a libvirt connection. Built by {@link openHost}. */
export class LibvirtHost implements Host {
  /** {@inheritDoc Host.backend} */
  readonly backend = 'libvirt' as const;
  /** {@inheritDoc Host.kind} */
  readonly kind: HostKind;
  /** {@inheritDoc Host.uri} */
  readonly uri: string;
  /** {@inheritDoc Host.selection} */
  readonly selection: string;
  /** {@inheritDoc Host.fallbackReason} */
  readonly fallbackReason?: Error = undefined;
  /** The libvirt connection (escape hatch to the whole API). */
  readonly connection: Connect;
  private closed = false;
  private readonly watches = new Set<ChangeQueue<unknown>>();

  /** @param conn - an open connection (closed by {@link close}). @param kind - kind. @param uri - its URI. @param selection - how it was chosen. */
  constructor(conn: Connect, kind: HostKind, uri: string, selection: string) {
    this.connection = conn;
    this.kind = kind;
    this.uri = uri;
    this.selection = selection;
  }

  /** {@inheritDoc Host.list} */
  async list(): Promise<GuestInfo[]> {
    // No free() of the listed Domains: each is the object a Guest of this host may hold.
    const doms = await this.connection.listAllDomains(0);
    const out: GuestInfo[] = [];
    for (const d of doms) {
      try {
        out.push(await infoOf(d));
      } catch (e) {
        // a domain undefined between the listing and the query is simply gone
        if (!(e instanceof LibvirtError && e.code === VIR_ERR_NO_DOMAIN)) throw e;
      }
    }
    return out.sort((a, b) => a.name.localeCompare(b.name));
  }

  /** {@inheritDoc Host.lookup} */
  async lookup(name: string): Promise<Guest> {
    if (typeof name !== 'string' || name === '') throw new TypeError('name must be a non-empty string');
    try {
      return new LibvirtGuest(await this.connection.domainLookupByName(name));
    } catch (e) {
      throw mapLibvirtError(e, name);
    }
  }

  /** {@inheritDoc Host.restore} */
  async restore(path: string): Promise<void> {
    await this.connection.domainRestore(path);
  }

  /** {@inheritDoc Host.watch} */
  watch(opts?: WatchOptions | AbortSignal): StateWatch {
    const o = watchOptions(opts);
    const q = new ChangeQueue<import('./types.js').StateChange>();
    if (endOnAbort(q, o.signal)) return q;
    const known = new Map<string, GuestState>();
    const api = this.connection as unknown as EventApi;
    let id: number | undefined;
    let ended = false;
    this.watches.add(q as ChangeQueue<unknown>);
    q.onClose(async () => {
      ended = true;
      this.watches.delete(q as ChangeQueue<unknown>);
      if (id !== undefined && !this.closed) await api.domainEventDeregisterAny(id).catch(() => undefined);
    });
    const onEvent = (dom: Domain, event: number, detail: number): void => {
      let name: string;
      name = dom.getName(); // no free(): the event's Domain is the one a Guest may hold
      const state = stateFromLibvirtEvent(event);
      if (state === undefined) return;
      const previous = known.get(name);
      known.set(name, state);
      q.push(previous === undefined ? { name, state, at: new Date(), event: { type: event, detail } } : { name, state, previous, at: new Date(), event: { type: event, detail } });
    };
    void (async () => {
      try {
        // baseline first, so `previous` is known for the first event of each guest
        for (const g of await this.list()) known.set(g.name, g.state);
        const got = await api.domainEventRegisterAny(null, VIR_DOMAIN_EVENT_ID_LIFECYCLE, onEvent);
        if (ended) await api.domainEventDeregisterAny(got).catch(() => undefined);
        else id = got;
        q.markReady();
      } catch (e) {
        q.fail(e);
      }
    })();
    return q;
  }

  /** {@inheritDoc Host.close} */
  async close(): Promise<void> {
    if (this.closed) return;
    for (const w of [...this.watches]) await w.return();
    this.closed = true;
    await this.connection.close();
  }

  /** `await using host = await openHost(…)`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
