// Types of the fleet API.
import type { Domain, PollOptions, PollSnapshot, ReconnectOptions, TypedParams, VirEvent } from './libvirt.js';

/** A host of the fleet: its libvirt URI and the name the fleet reports it under (default: the URI). */
export interface FleetHostSpec {
  uri: string;
  name?: string;
}

/** Options of {@link Fleet.open}. */
export interface FleetOptions {
  /** Opens and per-host calls in flight at once across the fleet (default 16). */
  concurrency?: number;
  /** Deadline of each per-host call, the first open included (ms, default 10000). A host past it is reported, never waited for. */
  timeoutMs?: number;
  /** Reopen policy of each host's {@link ReconnectingConnection} (also used between failed first opens). */
  reconnect?: ReconnectOptions;
  /** Open every host read-only. */
  readOnly?: boolean;
}

/** `connecting` until the first open finishes; `up`; `down` (with its error) while reopening; `closed`. */
export type HostState = 'connecting' | 'up' | 'down' | 'closed';

/** One host's state. */
export interface HostStatus {
  name: string;
  uri: string;
  state: HostState;
  /** Why it is down (the last failed open, the close reason, or a timeout); null when up. */
  error: Error | null;
  /** When the state last changed. */
  since: Date;
  /** Connections lost so far. */
  disconnects: number;
}

/** A host that could not answer a fleet-wide call, and why. */
export interface HostFailure {
  host: string;
  uri: string;
  error: Error;
}

/** One domain in a fleet-wide listing. */
export interface FleetDomain {
  host: string;
  name: string;
  uuid: string;
  /** null when inactive. */
  id: number | null;
  /** `VIR_DOMAIN_*` state and its reason. */
  state: number;
  reason: number;
}

/** Result of {@link Fleet.list}. */
export interface FleetList {
  domains: FleetDomain[];
  /** Hosts that were down or did not answer in time: their domains are missing above. */
  failed: HostFailure[];
}

/** Where a domain was found by {@link Fleet.find}. */
export interface FleetLocation {
  host: string;
  uri: string;
  /** The domain on that host (free it when done). */
  domain: Domain;
  state: number;
  reason: number;
}

/** One host's part of a {@link FleetSnapshot}. */
export interface HostSnapshot {
  host: string;
  uri: string;
  /** Time of the `getAllDomainStats` call (ms). */
  callMs: number;
  domains: Array<{ name: string; uuid: string; id: number | null; params: TypedParams }>;
}

/** Result of {@link Fleet.snapshot}: bulk stats of every host, taken concurrently. */
export interface FleetSnapshot {
  time: Date;
  /** Wall time of the whole snapshot (ms): the slowest host, bounded by the timeout. */
  ms: number;
  hosts: HostSnapshot[];
  failed: HostFailure[];
}

/** An event of the fleet's merged stream. */
export type FleetEvent =
  | {
      type: 'domain';
      host: string;
      uri: string;
      /** Event name, e.g. `lifecycle`. */
      name: string;
      /** The domain's name and UUID (read when the event arrived). */
      domain: string;
      uuid: string;
      /** The C callback's arguments after the domain (lifecycle: `[event, detail]`). */
      args: unknown[];
      /** The event as the libvirt layer delivered it (its `object` is the Domain). */
      event: VirEvent;
    }
  | { type: 'host'; host: string; uri: string; state: 'up' | 'down'; error: Error | null };

/** Options of {@link Fleet.events}. */
export interface FleetEventsOptions {
  /** `VIR_DOMAIN_EVENT_ID_*` values to watch (default lifecycle only). */
  eventIDs?: number[];
  signal?: AbortSignal;
  /** Events kept while the consumer is slow (default 10000); older ones are dropped. */
  highWaterMark?: number;
}

/** Options of {@link Fleet.pollStats}: those of `pollStats` per host. */
export type FleetPollOptions = Omit<PollOptions, 'maxBuffered'> & { highWaterMark?: number };

/** An item of {@link Fleet.pollStats}: one host's snapshot, or a host going down / coming back. */
export type FleetPollItem =
  | { type: 'stats'; host: string; uri: string; snapshot: PollSnapshot }
  | { type: 'host'; host: string; uri: string; state: 'up' | 'down'; error: Error | null };
