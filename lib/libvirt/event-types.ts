// Typings of the event API (native/src/manual_events.cc): the arguments each
// C callback receives after its object, keyed by event ID.
import type { Connect, Domain, Network, NodeDevice, Secret, StoragePool } from './classes.js';
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

/** The native event methods of Connect (docs/DESIGN.md, rule 13). */
export interface ConnectEvents {
  /** `virConnectDomainEventRegisterAny`: `dom` null for every domain. Resolves to the callback id. */
  domainEventRegisterAny<E extends keyof DomainEventArgs>(dom: Domain | null, eventID: E, cb: (dom: Domain, ...args: DomainEventArgs[E]) => void): Promise<number>;
  /** `virConnectDomainEventDeregisterAny` */
  domainEventDeregisterAny(callbackID: number): Promise<void>;
  /** `virConnectDomainEventRegister`: the legacy lifecycle-only API (one per connection). */
  domainEventRegister(cb: (dom: Domain, event: number, detail: number) => void): Promise<void>;
  /** `virConnectDomainEventDeregister` */
  domainEventDeregister(): Promise<void>;
  /** `virConnectNetworkEventRegisterAny` */
  networkEventRegisterAny<E extends keyof NetworkEventArgs>(net: Network | null, eventID: E, cb: (net: Network, ...args: NetworkEventArgs[E]) => void): Promise<number>;
  /** `virConnectNetworkEventDeregisterAny` */
  networkEventDeregisterAny(callbackID: number): Promise<void>;
  /** `virConnectStoragePoolEventRegisterAny` */
  storagePoolEventRegisterAny<E extends keyof StoragePoolEventArgs>(pool: StoragePool | null, eventID: E, cb: (pool: StoragePool, ...args: StoragePoolEventArgs[E]) => void): Promise<number>;
  /** `virConnectStoragePoolEventDeregisterAny` */
  storagePoolEventDeregisterAny(callbackID: number): Promise<void>;
  /** `virConnectNodeDeviceEventRegisterAny` */
  nodeDeviceEventRegisterAny<E extends keyof NodeDeviceEventArgs>(dev: NodeDevice | null, eventID: E, cb: (dev: NodeDevice, ...args: NodeDeviceEventArgs[E]) => void): Promise<number>;
  /** `virConnectNodeDeviceEventDeregisterAny` */
  nodeDeviceEventDeregisterAny(callbackID: number): Promise<void>;
  /** `virConnectSecretEventRegisterAny` */
  secretEventRegisterAny<E extends keyof SecretEventArgs>(secret: Secret | null, eventID: E, cb: (secret: Secret, ...args: SecretEventArgs[E]) => void): Promise<number>;
  /** `virConnectSecretEventDeregisterAny` */
  secretEventDeregisterAny(callbackID: number): Promise<void>;
  /** `virConnectRegisterCloseCallback`: `cb(conn, reason)` with a `VIR_CONNECT_CLOSE_REASON_*`. One per connection. */
  registerCloseCallback(cb: (conn: Connect, reason: number) => void): Promise<void>;
  /** `virConnectUnregisterCloseCallback` */
  unregisterCloseCallback(): Promise<void>;
  /** `virConnectDomainQemuMonitorEventRegister`: `event` null for all. */
  domainQemuMonitorEventRegister(dom: Domain | null, event: string | null, cb: (dom: Domain, event: string, seconds: bigint, micros: number, details: string | null) => void, flags?: number): Promise<number>;
  /** `virConnectDomainQemuMonitorEventDeregister` */
  domainQemuMonitorEventDeregister(callbackID: number): Promise<void>;
}

/** libvirt's event loop for JS (module functions; they run on the addon's event thread). */
export interface EventLoopFunctions {
  /** `virEventAddTimeout`: `cb(timer)` every `timeout` ms (0: every loop iteration, -1: disabled). Synchronous; returns the timer id. */
  eventAddTimeout(timeout: number, cb: (timer: number) => void): number;
  /** `virEventUpdateTimeout` */
  eventUpdateTimeout(timer: number, timeout: number): void;
  /** `virEventRemoveTimeout` */
  eventRemoveTimeout(timer: number): void;
  /** `virEventAddHandle`: `cb(watch, fd, events)` when `fd` has `VIR_EVENT_HANDLE_*` events. Returns the watch id. */
  eventAddHandle(fd: number, events: number, cb: (watch: number, fd: number, events: number) => void): number;
  /** `virEventUpdateHandle` */
  eventUpdateHandle(watch: number, events: number): void;
  /** `virEventRemoveHandle` */
  eventRemoveHandle(watch: number): void;
}
