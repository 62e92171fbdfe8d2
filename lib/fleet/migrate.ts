/**
 * Live migration between libvirt hosts, typed: options instead of flag arithmetic, progress
 * from job statistics and migration events, abort, and failures as {@link MigrationError}.
 *
 * ```ts
 * const m = startMigration(dom, 'qemu+tcp://host2/system', { p2p: true, bandwidthMiBps: 200 });
 * for await (const p of m) console.log(p.percent?.toFixed(0), '%');
 * const result = await m.done;   // rejects with a MigrationError
 * ```
 *
 * A failed or aborted pre-copy migration leaves the guest running on the source: QEMU keeps
 * the source guest until the destination confirms, and libvirt resumes it on any failure.
 */
import { VirtkitError } from '../errors.js';
import { Channel } from './channel.js';
import { C, Connect, Domain, LibvirtError, type TypedParams, type TypedParamsInput } from './libvirt.js';
import type {
  MigrateOptions, MigrationErrorKind, MigrationProgress, MigrationResult, MigrationStats,
} from './migrate-types.js';

export type * from './migrate-types.js';

/** A failed migration. The guest's state on the source after the failure is in `sourceState`. */
export class MigrationError extends VirtkitError {
  /** What happened, see {@link MigrationErrorKind}. */
  readonly kind: MigrationErrorKind;
  /** The domain's name. */
  readonly domainName: string;
  /** The destination as given. */
  readonly destination: string;
  /** `VIR_DOMAIN_*` state of the guest on the source after the failure, or null if unknown. */
  readonly sourceState: number | null;
  /** The libvirt error behind it, if any. */
  readonly cause: unknown;

  constructor(kind: MigrationErrorKind, domainName: string, destination: string, sourceState: number | null, cause: unknown) {
    const why = cause instanceof Error ? cause.message : cause === undefined ? kind : String(cause);
    const where =
      sourceState === C.VIR_DOMAIN_RUNNING ? 'the guest is still running on the source'
      : sourceState === C.VIR_DOMAIN_PAUSED ? 'the guest is paused on the source'
      : sourceState === null ? 'the guest is not on the source any more'
      : `the guest's state on the source is ${sourceState}`;
    // The source still answered after the failure: the broken link was the destination's.
    const words = kind === 'connection-lost' && sourceState !== null ? 'lost its connection to the destination' : kindWords[kind];
    super(`migration of '${domainName}' to ${destination} ${words}: ${why} (${where})`);
    this.kind = kind;
    this.domainName = domainName;
    this.destination = destination;
    this.sourceState = sourceState;
    this.cause = cause;
  }

  get name(): string {
    return 'MigrationError';
  }

  /** Whether the guest still runs on the source. */
  get sourceRunning(): boolean {
    return this.sourceState === C.VIR_DOMAIN_RUNNING;
  }
}

const kindWords: Record<MigrationErrorKind, string> = {
  aborted: 'was aborted',
  timeout: 'timed out',
  'connection-lost': 'lost its connection',
  rejected: 'was refused',
  failed: 'failed',
};

/** A migration in progress: iterate it for progress, await `done` for the result. */
export interface Migration extends AsyncIterable<MigrationProgress> {
  /** Resolves when the guest runs on the destination; rejects with a {@link MigrationError}. */
  readonly done: Promise<MigrationResult>;
  /** The latest progress sample, or null. */
  readonly latest: MigrationProgress | null;
  /** Aborts the migration (`virDomainAbortJob`); `done` then rejects with kind `aborted`. */
  abort(): Promise<void>;
}

function num(v: unknown): number | null {
  return typeof v === 'bigint' ? Number(v) : typeof v === 'number' ? v : null;
}

/** Reads libvirt's job typed parameters into {@link MigrationStats}. */
export function parseJobStats(type: number, params: TypedParams): MigrationStats {
  const dataTotal = num(params.data_total);
  const dataProcessed = num(params.data_processed);
  const dataRemaining = num(params.data_remaining);
  // `data_processed` counts bytes on the wire (zero pages cost almost nothing), so progress is
  // what is no longer remaining.
  const percent =
    !dataTotal ? null
    : dataRemaining !== null ? Math.max(0, Math.min(100, ((dataTotal - dataRemaining) / dataTotal) * 100))
    : dataProcessed !== null ? Math.min(100, (dataProcessed / dataTotal) * 100)
    : null;
  return {
    type,
    elapsedMs: num(params.time_elapsed),
    dataTotal,
    dataProcessed,
    dataRemaining,
    memoryBytesPerSec: num(params.memory_bps),
    memoryIteration: num(params.memory_iteration),
    downtimeMs: num(params.downtime),
    percent,
    params,
  };
}

function checkString(v: unknown, what: string): void {
  if (v !== undefined && (typeof v !== 'string' || v.length === 0)) throw new TypeError(`${what} must be a non-empty string`);
}

function checkPositive(v: unknown, what: string, max = Number.MAX_SAFE_INTEGER): void {
  if (v !== undefined && (typeof v !== 'number' || !Number.isFinite(v) || v <= 0 || v > max)) {
    throw new RangeError(`${what} must be a positive number${max < Number.MAX_SAFE_INTEGER ? ` up to ${max}` : ''}, not ${String(v)}`);
  }
}

/** The flags and typed parameters for `options` (exported for the command line and tests). */
export function migrationRequest(o: MigrateOptions): { flags: number; params: TypedParamsInput } {
  if (o === null || typeof o !== 'object') throw new TypeError('migration options must be an object');
  checkPositive(o.bandwidthMiBps, 'bandwidthMiBps');
  checkPositive(o.timeoutMs, 'timeoutMs');
  if (o.progressIntervalMs !== undefined && (typeof o.progressIntervalMs !== 'number' || !(o.progressIntervalMs >= 0))) {
    throw new RangeError('progressIntervalMs must be a number >= 0');
  }
  for (const k of ['destinationName', 'destinationXML', 'persistentXML', 'migrateUri'] as const) checkString(o[k], k);
  if (o.flags !== undefined && (!Number.isInteger(o.flags) || o.flags < 0)) throw new RangeError('flags must be a non-negative integer');
  if (o.postcopy !== undefined && o.postcopy !== true && o.postcopy !== false && o.postcopy !== 'after-first-iteration') {
    throw new TypeError("postcopy must be a boolean or 'after-first-iteration'");
  }
  let flags = o.flags ?? 0;
  const params: TypedParamsInput = {};
  if (o.live !== false) flags |= C.VIR_MIGRATE_LIVE;
  if (o.p2p) flags |= C.VIR_MIGRATE_PEER2PEER;
  if (o.persistent) flags |= C.VIR_MIGRATE_PERSIST_DEST;
  if (o.undefineSource) flags |= C.VIR_MIGRATE_UNDEFINE_SOURCE;
  if (o.postcopy) flags |= C.VIR_MIGRATE_POSTCOPY;
  if (o.bandwidthMiBps !== undefined) params.bandwidth = { type: 'ullong', value: BigInt(Math.round(o.bandwidthMiBps)) };
  if (o.compression) {
    flags |= C.VIR_MIGRATE_COMPRESSED;
    if (Array.isArray(o.compression)) {
      if (!o.compression.length || !o.compression.every((m) => typeof m === 'string' && m.length > 0)) {
        throw new TypeError('compression must be true or a non-empty list of method names');
      }
      params.compression = o.compression.map((m) => ({ type: 'string' as const, value: m }));
    }
  }
  if (o.autoConverge) {
    flags |= C.VIR_MIGRATE_AUTO_CONVERGE;
    if (typeof o.autoConverge === 'object') {
      const { initialPercent: i, incrementPercent: s } = o.autoConverge;
      checkPositive(i, 'autoConverge.initialPercent', 100);
      checkPositive(s, 'autoConverge.incrementPercent', 100);
      if (i !== undefined) params['auto_converge.initial'] = { type: 'int', value: Math.round(i) };
      if (s !== undefined) params['auto_converge.increment'] = { type: 'int', value: Math.round(s) };
    }
  }
  if (o.destinationName !== undefined) params.destination_name = o.destinationName;
  if (o.destinationXML !== undefined) params.destination_xml = o.destinationXML;
  if (o.persistentXML !== undefined) params.persistent_xml = o.persistentXML;
  if (o.migrateUri !== undefined) params.migrate_uri = o.migrateUri;
  return { flags, params };
}

/** Sorts a libvirt failure into a {@link MigrationErrorKind}. */
export function classifyMigrationFailure(err: unknown, started: boolean): MigrationErrorKind {
  if (err instanceof LibvirtError) {
    if (err.codeName === 'VIR_ERR_OPERATION_ABORTED') return 'aborted';
    const lost = /end of file|connection reset|broken pipe|cannot recv|cannot send|cannot write|unable to read|no route|connection refused|closed|eof|unexpectedly failed|disconnected/i;
    if (err.domainName === 'VIR_FROM_RPC' || err.codeName === 'VIR_ERR_NO_CONNECT' || err.codeName === 'VIR_ERR_SYSTEM_ERROR' || lost.test(err.message)) {
      return 'connection-lost';
    }
    if (!started && /INVALID|UNSUPPORTED|NO_SUPPORT|ARGUMENT|OPERATION_INVALID|DOM_EXIST|CONFIG/.test(err.codeName)) return 'rejected';
  }
  return 'failed';
}

/**
 * Starts migrating `dom` to `destination` and returns at once.
 *
 * `destination` is a libvirt URI or, in direct mode, an open `Connect` to the destination.
 * With `p2p`, the URI is opened by the source host (e.g. `qemu+tcp://host2/system`); without
 * it, this process opens it (a URI that works from here), or uses the given `Connect`.
 *
 * Progress comes from `Domain#getJobStats` every `progressIntervalMs`, from the
 * `MIGRATION_ITERATION` event and from the source's `JOB_COMPLETED` event. Bad options throw
 * `TypeError`/`RangeError` here, before anything is sent.
 */
export function startMigration(dom: Domain, destination: string | Connect, options: MigrateOptions = {}): Migration {
  if (!(dom instanceof Domain)) throw new TypeError('startMigration: dom must be a Domain');
  const destIsConn = destination instanceof Connect;
  if (!destIsConn && (typeof destination !== 'string' || destination.length === 0)) {
    throw new TypeError('startMigration: destination must be a libvirt URI or a Connect');
  }
  if (destIsConn && options?.p2p) {
    throw new TypeError('startMigration: a peer-to-peer migration needs the destination URI as the source host sees it, not a Connect');
  }
  const { flags, params } = migrationRequest(options);
  return new MigrationRun(dom, destination, options, flags, params);
}

/** {@link startMigration} and wait: resolves with the result, rejects with a {@link MigrationError}. */
export async function migrate(dom: Domain, destination: string | Connect, options: MigrateOptions = {}): Promise<MigrationResult> {
  return startMigration(dom, destination, options).done;
}

class MigrationRun implements Migration {
  readonly done: Promise<MigrationResult>;
  latest: MigrationProgress | null = null;
  private readonly channel = new Channel<MigrationProgress>(1000);
  private readonly t0 = Date.now();
  private finished = false;
  private abortedBy: 'aborted' | 'timeout' | null = null;
  private started = false;
  private iterations = 0;
  private completed: MigrationStats | null = null;
  private completedSeen: (() => void) | null = null;
  private postcopyStarted = false;
  private readonly name: string;
  private destText: string;
  private wake: (() => void) | null = null;

  constructor(
    private readonly dom: Domain,
    private readonly destination: string | Connect,
    private readonly o: MigrateOptions,
    private readonly flags: number,
    private readonly params: TypedParamsInput,
  ) {
    this.name = dom.getName();
    this.destText = typeof destination === 'string' ? destination : 'the destination connection';
    this.done = this.run();
    // The caller may only iterate; the rejection still reaches whoever awaits `done`.
    this.done.catch(() => {});
  }

  [Symbol.asyncIterator](): AsyncIterator<MigrationProgress> {
    return this.channel[Symbol.asyncIterator]();
  }

  async abort(): Promise<void> {
    if (this.finished) return;
    this.abortedBy ??= 'aborted';
    await this.abortJob();
  }

  private async abortJob(): Promise<void> {
    // Before QEMU's job exists there is nothing to abort yet: retry briefly.
    for (let i = 0; i < 50 && !this.finished; i++) {
      try {
        await this.dom.abortJob();
        return;
      } catch (e) {
        if (this.finished) return;
        if (!(e instanceof LibvirtError) || e.codeName !== 'VIR_ERR_OPERATION_INVALID') throw e;
        await sleep(100);
      }
    }
  }

  private emit(p: MigrationProgress): void {
    this.latest = p;
    this.channel.push(p);
    try {
      this.o.onProgress?.(p);
    } catch {
      /* a throwing callback must not break the migration */
    }
  }

  private async subscribe(): Promise<Array<() => Promise<void>>> {
    const conn = this.dom.getConnect();
    const unsubs: Array<() => Promise<void>> = [];
    const add = async (id: number, cb: (...args: any[]) => void) => {
      try {
        const n = await (conn as any).domainEventRegisterAny(this.dom, id, cb);
        unsubs.push(() => (conn as any).domainEventDeregisterAny(n).catch(() => {}));
      } catch {
        /* events are extra: the job-stats samples still run */
      }
    };
    await add(C.VIR_DOMAIN_EVENT_ID_MIGRATION_ITERATION, (_d: Domain, iteration: number) => {
      this.iterations = Math.max(this.iterations, iteration);
      const base = this.latest ?? parseJobStats(C.VIR_DOMAIN_JOB_UNBOUNDED, {});
      this.emit({ ...base, memoryIteration: iteration, source: 'iteration', sinceStartMs: Date.now() - this.t0 });
      if (this.o.postcopy === 'after-first-iteration' && !this.postcopyStarted && iteration >= 1) {
        this.postcopyStarted = true;
        void this.dom.migrateStartPostCopy().catch(() => {
          this.postcopyStarted = false;
        });
      }
    });
    await add(C.VIR_DOMAIN_EVENT_ID_JOB_COMPLETED, (_d: Domain, params: TypedParams) => {
      const success = params.success;
      const type = success === false ? C.VIR_DOMAIN_JOB_FAILED : C.VIR_DOMAIN_JOB_COMPLETED;
      const op = num(params.operation);
      if (op !== null && op !== C.VIR_DOMAIN_JOB_OPERATION_MIGRATION_OUT) return;
      this.completed = parseJobStats(type, params);
      this.emit({ ...this.completed, source: 'completed', sinceStartMs: Date.now() - this.t0 });
      this.completedSeen?.();
    });
    return unsubs;
  }

  private async sample(): Promise<void> {
    const every = this.o.progressIntervalMs ?? 250;
    if (every === 0) return;
    while (!this.finished) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, every);
        this.wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
      if (this.finished) return;
      try {
        const { type, params } = await this.dom.getJobStats(0);
        if (this.finished || type === C.VIR_DOMAIN_JOB_NONE) continue;
        this.started = true;
        this.emit({ ...parseJobStats(type, params), source: 'stats', sinceStartMs: Date.now() - this.t0 });
      } catch {
        /* the domain may be gone from the source already: the call's result decides */
      }
    }
  }

  private async run(): Promise<MigrationResult> {
    if (typeof this.destination !== 'string') this.destText = await this.destination.getURI().catch(() => this.destText);
    const unsubs = await this.subscribe();
    let timer: NodeJS.Timeout | null = null;
    const onSignal = () => {
      this.abortedBy ??= 'aborted';
      void this.abortJob().catch(() => {});
    };
    if (this.o.signal?.aborted) this.abortedBy = 'aborted';
    this.o.signal?.addEventListener('abort', onSignal, { once: true });
    if (this.o.timeoutMs !== undefined) {
      timer = setTimeout(() => {
        this.abortedBy ??= 'timeout';
        void this.abortJob().catch(() => {});
      }, this.o.timeoutMs);
    }
    let ownConn: Connect | null = null;
    let destDom: Domain | null = null;
    const sampling = this.sample();
    try {
      if (this.abortedBy) throw new Error('aborted before it started');
      const t = Date.now();
      if (this.o.p2p) {
        await this.dom.migrateToURI3(this.destination as string, this.params, this.flags);
      } else {
        const dconn = typeof this.destination === 'string' ? (ownConn = await Connect.open(this.destination)) : this.destination;
        destDom = await this.dom.migrate3(dconn, this.params, this.flags);
      }
      const durationMs = Date.now() - t;
      this.finished = true;
      this.wake?.();
      const wait = this.o.completedStatsWaitMs ?? 250;
      if (!this.completed && wait > 0) {
        await new Promise<void>((resolve) => {
          const to = setTimeout(resolve, wait);
          this.completedSeen = () => {
            clearTimeout(to);
            resolve();
          };
        });
      }
      if (ownConn && destDom) {
        destDom.free();
        destDom = null;
      }
      const stats = this.completed ?? (this.latest ? stripProgress(this.latest) : null);
      return { name: this.name, durationMs, destination: destDom, stats, iterations: this.iterations, postcopyStarted: this.postcopyStarted };
    } catch (e) {
      this.finished = true;
      const kind = this.abortedBy ?? classifyMigrationFailure(e, this.started);
      const state = await this.dom.getState().then((s) => s.state, () => null);
      const err = new MigrationError(kind, this.name, this.destText, state, e);
      this.channel.end(err);
      throw err;
    } finally {
      this.finished = true;
      this.wake?.();
      if (timer) clearTimeout(timer);
      this.o.signal?.removeEventListener('abort', onSignal);
      await sampling.catch(() => {});
      await Promise.all(unsubs.map((u) => u()));
      if (ownConn) await ownConn.close().catch(() => {});
      this.channel.end();
    }
  }
}

function stripProgress(p: MigrationProgress): MigrationStats {
  const { source: _s, sinceStartMs: _t, ...stats } = p;
  return stats;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
