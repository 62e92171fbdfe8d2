import type { Duplex } from 'node:stream';
import type { Connect, Domain } from '../libvirt/index.js';
import { LibvirtError } from '../libvirt/errors.js';
import { GuestStateError } from './errors.js';
import { checkGuestName, notFound, runOperation } from './contract.js';
import { LIBVIRT_STATE_NAMES, stateFromLibvirt, stateFromLibvirtEvent } from './state.js';
import type { Guest, GuestInfo, GuestState, GuestStats, Host, HostKind, StateChange, StateWatch, StopOptions, WatchOptions } from './types.js';
import { watchOptions } from './watch.js';
import { AsyncQueue, endOnAbort } from '../util/async-queue.js';
import { ConnectionClosedError, watchClose } from '../libvirt/close-watch.js';

const VIR_ERR_NO_DOMAIN = 42;
const VIR_ERR_OPERATION_INVALID = 55;
const VIR_DOMAIN_EVENT_ID_LIFECYCLE = 0;

/**
 * Map libvirt failures to the facade's vocabulary: `VIR_ERR_NO_DOMAIN` → `GuestNotFoundError`;
 * `VIR_ERR_OPERATION_INVALID` ("domain is not running"…) → {@link GuestStateError} (state
 * `unknown`: use the guest's methods, which read the state). The LibvirtError is kept as
 * `cause`; other errors pass through.
 */
export function mapLibvirtError(e: unknown, name: string, expected: GuestState = 'unknown', operation = 'call'): unknown {
  if (e instanceof LibvirtError) {
    if (e.code === VIR_ERR_NO_DOMAIN) return notFound(name, e);
    if (e.code === VIR_ERR_OPERATION_INVALID) return new GuestStateError(name, operation, expected, 'unknown', { cause: e });
  }
  return e;
}

function idOf(dom: Domain): number | null {
  const id = dom.getID();
  return id >= 0 && id !== 0xffffffff ? id : null;
}

/** libvirt refuses `/` in names; the rest of the facade's rule is non-empty string. */
function checkLibvirtName(n: string): void {
  if (n.includes('/')) throw new RangeError('must not contain "/"');
  if ([...n].some((ch) => ch.charCodeAt(0) < 0x20)) throw new RangeError('contains control characters');
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

  /** {@inheritDoc Guest.info} */
  async info(): Promise<GuestInfo> {
    try {
      // The ID libvirt cached in the Domain may predate a restart or restore made elsewhere: a
      // lookup by UUID refreshes it (the connection keeps one Domain per UUID), beside getState.
      const fresh = this.domain.getConnect().domainLookupByUUIDString(this.domain.getUUIDString());
      const [info] = await Promise.all([infoOf(this.domain), fresh]);
      return { ...info, id: idOf(this.domain) };
    } catch (e) {
      throw mapLibvirtError(e, this.name);
    }
  }
  /** {@inheritDoc Guest.start} */
  start(): Promise<void> {
    return runOperation(this, 'start', () => this.domain.create());
  }
  /** {@inheritDoc Guest.stop} */
  stop(opts: StopOptions = {}): Promise<void> {
    return opts.force ? runOperation(this, 'stop', () => this.domain.destroy()) : this.shutdown();
  }
  /** {@inheritDoc Guest.shutdown} */
  shutdown(): Promise<void> {
    return runOperation(this, 'shutdown', () => this.domain.shutdown());
  }
  /** {@inheritDoc Guest.reboot} */
  reboot(): Promise<void> {
    return runOperation(this, 'reboot', () => this.domain.reboot(0));
  }
  /** {@inheritDoc Guest.pause} */
  pause(): Promise<void> {
    return runOperation(this, 'pause', () => this.domain.suspend());
  }
  /** {@inheritDoc Guest.resume} */
  resume(): Promise<void> {
    return runOperation(this, 'resume', () => this.domain.resume());
  }
  /** {@inheritDoc Guest.save} */
  save(path: string): Promise<void> {
    return runOperation(this, 'save', () => this.domain.save(path));
  }
  /** The first console (`Domain#console()`, a libvirt stream). See {@link Guest.console}. */
  async console(): Promise<Duplex> {
    try {
      return await this.domain.console();
    } catch (e) {
      throw mapLibvirtError(e, this.name);
    }
  }
  /** {@inheritDoc Guest.stats} */
  async stats(): Promise<GuestStats> {
    try {
      const i = await this.domain.getInfo();
      return { state: stateFromLibvirt(i.state), cpuTimeNs: BigInt(i.cpuTime), memoryKiB: Number(i.memory), vcpus: i.nrVirtCpu };
    } catch (e) {
      throw mapLibvirtError(e, this.name);
    }
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
  private readonly watches = new Set<AsyncQueue<unknown>>();

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
    checkGuestName(name, checkLibvirtName);
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
    const q = new AsyncQueue<StateChange>();
    if (endOnAbort(q, o.signal)) return q;
    const known = new Map<string, GuestState>();
    const api = this.connection;
    let id: number | undefined;
    let ended = false;
    this.watches.add(q as AsyncQueue<unknown>);
    // libvirt closing the connection (daemon gone) ends the watch with the reason.
    const unwatch = watchClose(api, (reason) => q.fail(new ConnectionClosedError(reason, 'watch')));
    q.onClose(async () => {
      ended = true;
      this.watches.delete(q as AsyncQueue<unknown>);
      if (id !== undefined && !this.closed) await api.domainEventDeregisterAny(id).catch(() => undefined);
      await unwatch();
    });
    const onEvent = (dom: Domain, event: number, detail: number): void => {
      const name = dom.getName(); // no free(): the event's Domain is the one a Guest may hold
      const state = stateFromLibvirtEvent(event);
      if (state === undefined) return;
      const previous = known.get(name);
      if (previous === state) return; // QEMU's start sends RESUMED then STARTED: one change
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
