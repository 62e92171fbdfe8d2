// The arguments each C event callback receives after its object, keyed by event
// ID (used by the event methods' signatures in scripts/manual.json).
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
