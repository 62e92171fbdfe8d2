// The arguments each C event callback receives after its object, keyed by event
// ID (used by the event methods' signatures in scripts/manual.json).
import type { Domain, Network, NodeDevice, Secret, StoragePool } from './classes.js';
import type { TypedParams } from './typed-params.js';

/** `virDomainEventGraphicsAddress`. */
export interface GraphicsAddress {
  family: number;
  node: string;
  service: string;
}
/** One identity of `virDomainEventGraphicsSubject`. */
export interface GraphicsIdentity {
  type: string;
  name: string;
}

/** Callback arguments after the domain, by `VIR_DOMAIN_EVENT_ID_*` value. */
export interface DomainEventArgs {
  /** LIFECYCLE: `VIR_DOMAIN_EVENT_*` and its detail. */
  0: [event: number, detail: number];
  /** REBOOT */
  1: [];
  /** RTC_CHANGE */
  2: [utcoffset: bigint];
  /** WATCHDOG */
  3: [action: number];
  /** IO_ERROR */
  4: [srcPath: string | null, devAlias: string | null, action: number];
  /** GRAPHICS */
  5: [phase: number, local: GraphicsAddress | null, remote: GraphicsAddress | null, authScheme: string | null, subject: GraphicsIdentity[]];
  /** IO_ERROR_REASON */
  6: [srcPath: string | null, devAlias: string | null, action: number, reason: string | null];
  /** CONTROL_ERROR */
  7: [];
  /** BLOCK_JOB */
  8: [disk: string | null, type: number, status: number];
  /** DISK_CHANGE */
  9: [oldSrcPath: string | null, newSrcPath: string | null, devAlias: string | null, reason: number];
  /** TRAY_CHANGE */
  10: [devAlias: string | null, reason: number];
  /** PMWAKEUP */
  11: [reason: number];
  /** PMSUSPEND */
  12: [reason: number];
  /** BALLOON_CHANGE: actual memory in KiB */
  13: [actual: bigint];
  /** PMSUSPEND_DISK */
  14: [reason: number];
  /** DEVICE_REMOVED */
  15: [devAlias: string | null];
  /** BLOCK_JOB_2 */
  16: [disk: string | null, type: number, status: number];
  /** TUNABLE */
  17: [params: TypedParams];
  /** AGENT_LIFECYCLE */
  18: [state: number, reason: number];
  /** DEVICE_ADDED */
  19: [devAlias: string | null];
  /** MIGRATION_ITERATION */
  20: [iteration: number];
  /** JOB_COMPLETED */
  21: [params: TypedParams];
  /** DEVICE_REMOVAL_FAILED */
  22: [devAlias: string | null];
  /** METADATA_CHANGE */
  23: [type: number, nsuri: string | null];
  /** BLOCK_THRESHOLD */
  24: [dev: string | null, path: string | null, threshold: bigint, excess: bigint];
  /** MEMORY_FAILURE */
  25: [recipient: number, action: number, flags: number];
  /** MEMORY_DEVICE_SIZE_CHANGE */
  26: [alias: string | null, size: bigint];
}

/** Network event arguments after the network. */
export interface NetworkEventArgs {
  0: [event: number, detail: number];
}
/** Storage pool event arguments after the pool. */
export interface StoragePoolEventArgs {
  0: [event: number, detail: number];
  1: [];
}
/** Node device event arguments after the device. */
export interface NodeDeviceEventArgs {
  0: [event: number, detail: number];
  1: [];
}
/** Secret event arguments after the secret. */
export interface SecretEventArgs {
  0: [event: number, detail: number];
  1: [];
}



/** Domain event names (the C name's suffix, lower case) and their `VIR_DOMAIN_EVENT_ID_*` values. */
export const DOMAIN_EVENT_IDS = {
  lifecycle: 0, reboot: 1, rtc_change: 2, watchdog: 3, io_error: 4, graphics: 5, io_error_reason: 6,
  control_error: 7, block_job: 8, disk_change: 9, tray_change: 10, pmwakeup: 11, pmsuspend: 12,
  balloon_change: 13, pmsuspend_disk: 14, device_removed: 15, block_job_2: 16, tunable: 17,
  agent_lifecycle: 18, device_added: 19, migration_iteration: 20, job_completed: 21,
  device_removal_failed: 22, metadata_change: 23, block_threshold: 24, memory_failure: 25,
  memory_device_size_change: 26,
} as const;
/** Network event names and IDs. */
export const NETWORK_EVENT_IDS = { lifecycle: 0 } as const;
/** Storage pool event names and IDs. */
export const STORAGE_POOL_EVENT_IDS = { lifecycle: 0, refresh: 1 } as const;
/** Node device event names and IDs. */
export const NODE_DEVICE_EVENT_IDS = { lifecycle: 0, update: 1 } as const;
/** Secret event names and IDs. */
export const SECRET_EVENT_IDS = { lifecycle: 0, value_changed: 1 } as const;

/** Callback arguments after the object, per kind and event ID. */
export interface EventArgsByKind {
  domain: DomainEventArgs;
  network: NetworkEventArgs;
  storagePool: StoragePoolEventArgs;
  nodeDevice: NodeDeviceEventArgs;
  secret: SecretEventArgs;
}
/** The object an event is about, per kind. */
export interface EventObjectByKind {
  domain: Domain;
  network: Network;
  storagePool: StoragePool;
  nodeDevice: NodeDevice;
  secret: Secret;
}
/** Event names to IDs, per kind. */
export interface EventIDsByKind {
  domain: typeof DOMAIN_EVENT_IDS;
  network: typeof NETWORK_EVENT_IDS;
  storagePool: typeof STORAGE_POOL_EVENT_IDS;
  nodeDevice: typeof NODE_DEVICE_EVENT_IDS;
  secret: typeof SECRET_EVENT_IDS;
}

/** Object kinds that have events. */
export type EventKind = keyof EventArgsByKind;
/** The event IDs of a kind (`0 | 1 | ... | 26` for domains). */
export type EventIDOf<K extends EventKind> = K extends EventKind ? keyof EventArgsByKind[K] & number : never;
/** The event names of a kind (`'lifecycle' | 'reboot' | ...` for domains). */
export type EventNameOf<K extends EventKind> = K extends EventKind ? keyof EventIDsByKind[K] & string : never;
/** The name of event ID `I` of kind `K`. */
export type EventNameOfID<K extends EventKind, I extends number> = {
  [N in keyof EventIDsByKind[K]]: EventIDsByKind[K][N] extends I ? N : never;
}[keyof EventIDsByKind[K]] & string;
/** An event ID given as a number or a name, resolved to the ID (`'reboot'` → `1`). */
export type ResolveEventID<K extends EventKind, E> = E extends keyof EventIDsByKind[K]
  ? EventIDsByKind[K][E] & number
  : E extends number
    ? E & EventIDOf<K>
    : never;

/**
 * One event: the object it is about and the C callback's other arguments, typed by kind and
 * event ID. With several IDs (the defaults) it is a union discriminated by `kind` and `eventID`.
 */
export type VirEvent<K extends EventKind = EventKind, E extends number = number> = K extends EventKind
  ? {
      [I in E & EventIDOf<K>]: {
        kind: K;
        eventID: I;
        /** e.g. `"lifecycle"`, `"reboot"`, `"block_job_2"` (the C name's suffix, lower case). */
        name: EventNameOfID<K, I>;
        /** The Domain, Network, StoragePool, NodeDevice or Secret. */
        object: EventObjectByKind[K];
        args: EventArgsByKind[K][I];
      };
    }[E & EventIDOf<K>]
  : never;

/** Listener arguments of {@link ConnectEventEmitter} events named `kind.name`. */
export type EmitterEventArgs = { [N in EmitterEventName]: EmitterArgsOf<N> };
/** `"domain.lifecycle"`, `"network.lifecycle"`, `"storagePool.refresh"`, ... */
export type EmitterEventName = { [K in EventKind]: `${K}.${EventNameOf<K>}` }[EventKind];
type EmitterArgsOf<N extends string> = N extends `${infer K extends EventKind}.${infer Name}`
  ? Name extends keyof EventIDsByKind[K]
    ? [object: EventObjectByKind[K], ...args: Extract<EventArgsByKind[K][EventIDsByKind[K][Name] & keyof EventArgsByKind[K]], unknown[]>]
    : never
  : never;
