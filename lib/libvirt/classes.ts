// The JS classes: native constructors with generated and hand-written typings.
import { native } from './binding.js';
import type * as G from './generated/api.js';
import type * as M from './manual-types.js';
import type { ConnectEvents } from './event-types.js';
import type { StreamNative } from './stream-types.js';
import type { StreamAdapters } from './stream.js';
import type { DomainStreamHelpers, StorageVolStreamHelpers } from './stream-helpers.js';

/** Methods every wrapper has. */
export interface Freeable {
  /** Drops this wrapper's reference to the C object (idempotent). Later calls reject. */
  free(): void;
  [Symbol.dispose](): void;
}

/** A libvirt `virConnectPtr`. Obtained from other objects, never constructed. */
export interface Connect extends G.ConnectMethods, M.ConnectManual, ConnectEvents, AsyncDisposable {}
/** The Connect class: `instanceof` works; static methods follow the C API. */
export interface ConnectConstructor extends G.ConnectStatic, M.ConnectStaticManual {
  readonly prototype: Connect;
  new (token: never): Connect;
}
export const Connect: ConnectConstructor = native.Connect;

/** A libvirt `virDomainPtr`. Obtained from other objects, never constructed. */
export interface Domain extends G.DomainMethods, M.DomainManual, DomainStreamHelpers, Freeable {}
/** The Domain class: `instanceof` works; static methods follow the C API. */
export interface DomainConstructor extends G.DomainStatic {
  readonly prototype: Domain;
  new (token: never): Domain;
}
export const Domain: DomainConstructor = native.Domain;

/** A libvirt `virNetworkPtr`. Obtained from other objects, never constructed. */
export interface Network extends G.NetworkMethods, M.NetworkManual, Freeable {}
/** The Network class: `instanceof` works; static methods follow the C API. */
export interface NetworkConstructor extends G.NetworkStatic {
  readonly prototype: Network;
  new (token: never): Network;
}
export const Network: NetworkConstructor = native.Network;

/** A libvirt `virNetworkPortPtr`. Obtained from other objects, never constructed. */
export interface NetworkPort extends G.NetworkPortMethods, M.NetworkPortManual, Freeable {}
/** The NetworkPort class: `instanceof` works; static methods follow the C API. */
export interface NetworkPortConstructor extends G.NetworkPortStatic {
  readonly prototype: NetworkPort;
  new (token: never): NetworkPort;
}
export const NetworkPort: NetworkPortConstructor = native.NetworkPort;

/** A libvirt `virStoragePoolPtr`. Obtained from other objects, never constructed. */
export interface StoragePool extends G.StoragePoolMethods, M.StoragePoolManual, Freeable {}
/** The StoragePool class: `instanceof` works; static methods follow the C API. */
export interface StoragePoolConstructor extends G.StoragePoolStatic {
  readonly prototype: StoragePool;
  new (token: never): StoragePool;
}
export const StoragePool: StoragePoolConstructor = native.StoragePool;

/** A libvirt `virStorageVolPtr`. Obtained from other objects, never constructed. */
export interface StorageVol extends G.StorageVolMethods, M.StorageVolManual, StorageVolStreamHelpers, Freeable {}
/** The StorageVol class: `instanceof` works; static methods follow the C API. */
export interface StorageVolConstructor extends G.StorageVolStatic {
  readonly prototype: StorageVol;
  new (token: never): StorageVol;
}
export const StorageVol: StorageVolConstructor = native.StorageVol;

/** A libvirt `virInterfacePtr`. Obtained from other objects, never constructed. */
export interface Interface extends G.InterfaceMethods, M.InterfaceManual, Freeable {}
/** The Interface class: `instanceof` works; static methods follow the C API. */
export interface InterfaceConstructor extends G.InterfaceStatic {
  readonly prototype: Interface;
  new (token: never): Interface;
}
export const Interface: InterfaceConstructor = native.Interface;

/** A libvirt `virNodeDevicePtr`. Obtained from other objects, never constructed. */
export interface NodeDevice extends G.NodeDeviceMethods, M.NodeDeviceManual, Freeable {}
/** The NodeDevice class: `instanceof` works; static methods follow the C API. */
export interface NodeDeviceConstructor extends G.NodeDeviceStatic {
  readonly prototype: NodeDevice;
  new (token: never): NodeDevice;
}
export const NodeDevice: NodeDeviceConstructor = native.NodeDevice;

/** A libvirt `virSecretPtr`. Obtained from other objects, never constructed. */
export interface Secret extends G.SecretMethods, M.SecretManual, Freeable {}
/** The Secret class: `instanceof` works; static methods follow the C API. */
export interface SecretConstructor extends G.SecretStatic {
  readonly prototype: Secret;
  new (token: never): Secret;
}
export const Secret: SecretConstructor = native.Secret;

/** A libvirt `virNWFilterPtr`. Obtained from other objects, never constructed. */
export interface NWFilter extends G.NWFilterMethods, M.NWFilterManual, Freeable {}
/** The NWFilter class: `instanceof` works; static methods follow the C API. */
export interface NWFilterConstructor extends G.NWFilterStatic {
  readonly prototype: NWFilter;
  new (token: never): NWFilter;
}
export const NWFilter: NWFilterConstructor = native.NWFilter;

/** A libvirt `virNWFilterBindingPtr`. Obtained from other objects, never constructed. */
export interface NWFilterBinding extends G.NWFilterBindingMethods, M.NWFilterBindingManual, Freeable {}
/** The NWFilterBinding class: `instanceof` works; static methods follow the C API. */
export interface NWFilterBindingConstructor extends G.NWFilterBindingStatic {
  readonly prototype: NWFilterBinding;
  new (token: never): NWFilterBinding;
}
export const NWFilterBinding: NWFilterBindingConstructor = native.NWFilterBinding;

/** A libvirt `virDomainSnapshotPtr`. Obtained from other objects, never constructed. */
export interface DomainSnapshot extends G.DomainSnapshotMethods, M.DomainSnapshotManual, Freeable {}
/** The DomainSnapshot class: `instanceof` works; static methods follow the C API. */
export interface DomainSnapshotConstructor extends G.DomainSnapshotStatic {
  readonly prototype: DomainSnapshot;
  new (token: never): DomainSnapshot;
}
export const DomainSnapshot: DomainSnapshotConstructor = native.DomainSnapshot;

/** A libvirt `virDomainCheckpointPtr`. Obtained from other objects, never constructed. */
export interface DomainCheckpoint extends G.DomainCheckpointMethods, M.DomainCheckpointManual, Freeable {}
/** The DomainCheckpoint class: `instanceof` works; static methods follow the C API. */
export interface DomainCheckpointConstructor extends G.DomainCheckpointStatic {
  readonly prototype: DomainCheckpoint;
  new (token: never): DomainCheckpoint;
}
export const DomainCheckpoint: DomainCheckpointConstructor = native.DomainCheckpoint;

/** A libvirt `virStreamPtr`. Obtained from other objects, never constructed. */
export interface Stream extends G.StreamMethods, M.StreamManual, StreamNative, StreamAdapters, Freeable {}
/** The Stream class: `instanceof` works; static methods follow the C API. */
export interface StreamConstructor extends G.StreamStatic {
  readonly prototype: Stream;
  new (token: never): Stream;
}
export const Stream: StreamConstructor = native.Stream;


for (const cls of [Domain, Network, NetworkPort, StoragePool, StorageVol, Interface, NodeDevice,
  Secret, NWFilter, NWFilterBinding, DomainSnapshot, DomainCheckpoint, Stream] as any[]) {
  cls.prototype[Symbol.dispose] = function (this: Freeable) { this.free(); };
}
(Connect.prototype as any)[Symbol.asyncDispose] = async function (this: Connect) { await this.close(); };

// A restore starts a domain the call does not name, so the Domain objects of the connection
// (one per domain, refreshed by every pointer libvirt hands over) still hold the ID of before.
// One listing of the active domains refreshes them all, so `getID()` answers the new ID.
for (const m of ['domainRestore', 'domainRestoreFlags', 'domainRestoreParams']) {
  const proto = Connect.prototype as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>;
  const orig = proto[m];
  if (typeof orig !== 'function') continue;
  // Not async: argument errors stay synchronous throws, as for every other method.
  proto[m] = function (this: Connect, ...args: unknown[]) {
    return orig.apply(this, args).then((r) =>
      this.listAllDomains(1 /* VIR_CONNECT_LIST_DOMAINS_ACTIVE */).then(() => r, () => r));
  };
}
