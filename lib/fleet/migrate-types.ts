// Types of the migration helper: options, progress samples, results and the typed error.
import type { Domain, TypedParams } from './libvirt.js';

/** Options of {@link startMigration} and {@link migrate}. */
export interface MigrateOptions {
  /** Live migration: the guest keeps running while its memory is copied (`VIR_MIGRATE_LIVE`). Default true. */
  live?: boolean;
  /**
   * Peer to peer (`VIR_MIGRATE_PEER2PEER`): the source libvirtd opens the destination itself,
   * so the destination URI must be valid as seen from the source host. Otherwise (default) the
   * caller drives the migration with a connection to each host ("direct" in virsh's words; not
   * libvirt's `VIR_MIGRATE_DIRECT`, which QEMU does not support).
   */
  p2p?: boolean;
  /** Define the domain on the destination (`VIR_MIGRATE_PERSIST_DEST`). */
  persistent?: boolean;
  /** Remove the definition from the source once done (`VIR_MIGRATE_UNDEFINE_SOURCE`). */
  undefineSource?: boolean;
  /** Bandwidth cap in MiB/s (`bandwidth` parameter). */
  bandwidthMiBps?: number;
  /**
   * Compress the migration stream (`VIR_MIGRATE_COMPRESSED`): `true` for the hypervisor's
   * default method, or the methods to use (`compression` parameter, e.g. `['xbzrle']`).
   */
  compression?: boolean | string[];
  /** Throttle the guest's vCPUs when memory does not converge (`VIR_MIGRATE_AUTO_CONVERGE`). */
  autoConverge?: boolean | { initialPercent?: number; incrementPercent?: number };
  /**
   * Allow post-copy (`VIR_MIGRATE_POSTCOPY`; QEMU needs userfaultfd on the destination).
   * `'after-first-iteration'` also switches to post-copy when the first pre-copy pass ends.
   */
  postcopy?: boolean | 'after-first-iteration';
  /** New name on the destination (`destination_name`). */
  destinationName?: string;
  /** Domain XML for the destination (`destination_xml`), e.g. other paths for its devices. */
  destinationXML?: string;
  /** Persistent XML for the destination (`persistent_xml`). */
  persistentXML?: string;
  /** Where QEMU sends the data (`migrate_uri`, e.g. `tcp://10.0.0.2`); default: the destination's choice. */
  migrateUri?: string;
  /** Further `VIR_MIGRATE_*` flags, OR-ed in. */
  flags?: number;
  /** Time between job-stats samples (ms, default 250; 0 turns sampling off). */
  progressIntervalMs?: number;
  /** Called with each progress sample (job stats, iteration events, the completed job). */
  onProgress?: (p: MigrationProgress) => void;
  /** Aborting it aborts the migration (`virDomainAbortJob`). */
  signal?: AbortSignal;
  /** Abort the migration after this long (ms). */
  timeoutMs?: number;
  /**
   * How long to wait, after the call returned, for the source's `JOB_COMPLETED` event that
   * carries the final statistics (ms, default 250; 0: do not wait).
   */
  completedStatsWaitMs?: number;
}

/** Statistics of a migration job (libvirt's `VIR_DOMAIN_JOB_*` typed parameters). */
export interface MigrationStats {
  /** `VIR_DOMAIN_JOB_*` type: BOUNDED/UNBOUNDED while running, COMPLETED, FAILED, CANCELLED. */
  type: number;
  /** `time_elapsed` (ms). */
  elapsedMs: number | null;
  /** `data_total`, `data_processed`, `data_remaining` (bytes). */
  dataTotal: number | null;
  dataProcessed: number | null;
  dataRemaining: number | null;
  /** `memory_bps` (bytes/s). */
  memoryBytesPerSec: number | null;
  /** `memory_iteration`: pre-copy passes over memory so far. */
  memoryIteration: number | null;
  /** `downtime` (ms; final or expected). */
  downtimeMs: number | null;
  /** Share of `data_total` no longer remaining, in percent (null until the totals are known). */
  percent: number | null;
  /** The raw typed parameters. */
  params: TypedParams;
}

/** One progress sample. */
export interface MigrationProgress extends MigrationStats {
  /** What produced it: a job-stats sample, a `MIGRATION_ITERATION` event, the `JOB_COMPLETED` event. */
  source: 'stats' | 'iteration' | 'completed';
  /** Milliseconds since the migration started (client clock). */
  sinceStartMs: number;
}

/** What a successful migration returns. */
export interface MigrationResult {
  /** The domain's name on the source. */
  name: string;
  /** Wall-clock duration of the migration call (ms). */
  durationMs: number;
  /** The domain on the destination, when the caller gave a destination `Connect` (direct mode). */
  destination: Domain | null;
  /** Final statistics from the source's `JOB_COMPLETED` event, or the last sample, or null. */
  stats: MigrationStats | null;
  /** `MIGRATION_ITERATION` events seen. */
  iterations: number;
  /** Whether post-copy was started. */
  postcopyStarted: boolean;
}

/**
 * Why a migration failed: `aborted` (by {@link Migration.abort} or the signal), `timeout`
 * (`timeoutMs` passed), `connection-lost` (the destination or the source daemon went away, or
 * the data connection broke), `rejected` (libvirt refused the request before it began: bad
 * options, unsupported feature, name clash on the destination), `failed` (anything else).
 */
export type MigrationErrorKind = 'aborted' | 'timeout' | 'connection-lost' | 'rejected' | 'failed';
