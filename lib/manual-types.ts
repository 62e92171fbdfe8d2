// Typings of the hand-written native bindings (native/src/manual_*.cc).
import type { TypedParams } from './typed-params.js';
import type { Connect, Domain } from './classes.js';

/** One record of bulk stats (`virDomainStatsRecord`). */
export interface DomainStatsRecord {
  domain: Domain;
  params: TypedParams;
}

/** A credential request of `virConnectOpenAuth` (`virConnectCredential`). */
export interface ConnectCredential {
  type: number;
  prompt: string;
  challenge: string | null;
  defresult: string | null;
}

/** The `auth` argument of {@link ConnectStaticManual.openAuth}. */
export interface ConnectAuth {
  /** `VIR_CRED_*` values this callback answers. */
  credtype: number[];
  /** Returns one answer per credential (or null to leave it unanswered). */
  cb: (creds: ConnectCredential[]) => Array<string | null> | Promise<Array<string | null>>;
}

export interface ConnectManual {
  /** Closes the connection (`virConnectClose`); idempotent; calls in flight finish first. Resolves to the remaining reference count. */
  close(): Promise<number>;
  /** `virConnectGetAllDomainStats`: stats of every domain in one call. */
  getAllDomainStats(stats?: number, flags?: number): Promise<DomainStatsRecord[]>;
  /** `virDomainListGetStats` (owner is the connection, as its first argument is a domain list). */
  domainListGetStats(doms: Domain[], stats?: number, flags?: number): Promise<DomainStatsRecord[]>;
}

export interface ConnectStaticManual {
  /** `virConnectOpenAuth` with a JS credential callback. */
  openAuth(name: string | null, auth: ConnectAuth, flags?: number): Promise<Connect>;
}

export interface DomainManual {}
export interface NetworkManual {}
export interface NetworkPortManual {}
export interface StoragePoolManual {}
export interface StorageVolManual {}
export interface InterfaceManual {}
export interface NodeDeviceManual {}
export interface SecretManual {}
export interface NWFilterManual {}
export interface NWFilterBindingManual {}
export interface DomainSnapshotManual {}
export interface DomainCheckpointManual {}
export interface StreamManual {}
export interface ModuleManual {}
