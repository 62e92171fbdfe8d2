import type { Duplex } from 'node:stream';

/** Which technology a host runs (selects the libvirt driver and the CLI fallback). */
export type HostKind = 'kvm' | 'qemu' | 'xen' | 'lxc' | 'test';

/** The backend a {@link Host} actually uses. */
export type HostBackend = 'libvirt' | 'xl' | 'lxc';

/**
 * One state vocabulary for every backend.
 *
 * | GuestState | libvirt (`VIR_DOMAIN_*`) | xl flags | LXC |
 * |---|---|---|---|
 * | `running`  | RUNNING | `r`, `b`, none (see note) | RUNNING, STARTING, THAWED |
 * | `blocked`  | BLOCKED | — | — |
 * | `paused`   | PAUSED, PMSUSPENDED | `p` | FROZEN, FREEZING |
 * | `shutdown` | SHUTDOWN (going down) | `s` (not crash), `d` | STOPPING |
 * | `shutoff`  | SHUTOFF | (domain absent) | STOPPED |
 * | `crashed`  | CRASHED | `s` + reason `c` | ABORTING |
 * | `unknown`  | NOSTATE, anything else | — | anything else |
 *
 * Note: Xen marks an idle guest `-b----` and a scheduled one `r-----`, flipping many times a
 * second; both are `running` here (as libvirt's own libxl driver reports them), so that
 * {@link Host.watch} does not report scheduler noise.
 */
export type GuestState = 'running' | 'paused' | 'shutoff' | 'crashed' | 'shutdown' | 'blocked' | 'unknown';

/** All {@link GuestState} values. */
export const GUEST_STATES: readonly GuestState[] = ['running', 'paused', 'shutoff', 'crashed', 'shutdown', 'blocked', 'unknown'];

/** One guest as listed by {@link Host.list}. */
export interface GuestInfo {
  /** Domain or container name. */
  name: string;
  /** Uniform state. */
  state: GuestState;
  /** The backend's own state word (`VIR_DOMAIN_RUNNING`, xl's `r-----`, LXC's `RUNNING`…). */
  nativeState: string;
  /**
   * Runtime id while active: libvirt domain id, Xen domid, or the container's init PID;
   * `null` when not running.
   */
  id: number | null;
  /** UUID when the backend knows one (libvirt, `xl list -v`). */
  uuid?: string;
}

/** Resource usage of one guest ({@link Guest.stats}). */
export interface GuestStats {
  /** Uniform state at the time of the sample. */
  state: GuestState;
  /** CPU time consumed, nanoseconds (xl reports 0.1 s resolution; 0n for a stopped container). */
  cpuTimeNs: bigint;
  /** Current memory, KiB (libvirt: current balloon; xl: `Mem`; LXC: cgroup memory use; 0 when stopped). */
  memoryKiB: number;
  /**
   * Virtual CPUs (libvirt `nrVirtCpu`, xl `VCPUs`). Containers have no vCPUs: for LXC this is
   * the number of host CPUs in the running container's effective cpuset, or `null` when it
   * cannot be read (e.g. the container is stopped).
   */
  vcpus: number | null;
}

/** Options of {@link Guest.stop}. */
export interface StopOptions {
  /**
   * `true`: hard power-off (libvirt `destroy`, `xl destroy`, `lxc-stop -k`), done when the call
   * returns. `false` (default): the same graceful request as {@link Guest.shutdown}.
   */
  force?: boolean;
}

/**
 * A domain or container on a {@link Host}. Obtained from {@link Host.lookup}.
 *
 * The contract, the same on every backend (see `RULES` in `contract.ts`):
 * - `start`, `stop`, `shutdown`, `pause`, `resume` are idempotent: a guest already in the state
 *   asked for (started: running/blocked/paused; stopped: shutoff; paused; running) resolves
 *   without doing anything.
 * - From a state the operation cannot leave (`pause`/`resume`/`reboot`/`save` of a stopped
 *   guest, `start` of one shutting down) it rejects with `GuestStateError`, whose
 *   `expected`/`actual` are {@link GuestState} words.
 * - A guest that no longer exists gives `GuestNotFoundError` (an xl domain that stopped is gone:
 *   `stop`/`shutdown` then resolve).
 * - One `resume()` runs the guest again, however many times it was paused (Xen counts pauses).
 */
export interface Guest {
  /** Name. */
  readonly name: string;
  /** The backend driving it. */
  readonly backend: HostBackend;
  /** Current {@link GuestInfo}. @throws GuestNotFoundError if it no longer exists. */
  info(): Promise<GuestInfo>;
  /**
   * Start (boot) the guest. libvirt: `virDomainCreate`; LXC: `lxc-start -d`, waiting for
   * RUNNING. xl has no stopped-but-defined domains: an xl guest exists only while running, so
   * this resolves for an existing one and a stopped (gone) one gives `GuestNotFoundError`
   * (create xl domains with `Xl.create`).
   */
  start(): Promise<void>;
  /** Stop it: graceful ({@link shutdown}) or, with `force`, a hard power-off. */
  stop(opts?: StopOptions): Promise<void>;
  /**
   * Ask the guest to shut down. libvirt and xl return once the request is delivered (the guest
   * may take a while, or ignore it); `lxc-stop` returns when the container has stopped (it
   * kills it after its own timeout).
   */
  shutdown(): Promise<void>;
  /** Reboot (libvirt `virDomainReboot`, `xl reboot`, `lxc-stop -r`). */
  reboot(): Promise<void>;
  /** Pause: libvirt `suspend`, `xl pause`, `lxc-freeze`. */
  pause(): Promise<void>;
  /** Resume a paused guest: libvirt `resume`, `xl unpause`, `lxc-unfreeze`. */
  resume(): Promise<void>;
  /**
   * Save the memory image to `path` (on the host that runs the guest) and stop it
   * (libvirt `virDomainSave`, `xl save`). Restore with {@link Host.restore}.
   * LXC: throws {@link UnsupportedError} (no CRIU checkpointing through this facade).
   */
  save(path: string): Promise<void>;
  /**
   * The guest's console as a Duplex. libvirt: `Domain#console()` (a libvirt stream on the first
   * console); xl: `xl console`; LXC: `lxc-console` (needs a terminal: over SSH it asks for a
   * remote tty, locally it fails without one — use `Lxc.attach` for scripted I/O); xl and LXC
   * resolve to a `ProcessDuplex`. `destroy()` the stream to end it.
   */
  console(): Promise<Duplex>;
  /** Current {@link GuestStats}. @throws GuestNotFoundError if it no longer exists. */
  stats(): Promise<GuestStats>;
}

/** A state change reported by {@link Host.watch}. */
export interface StateChange {
  /** Guest name. */
  name: string;
  /** New state. A guest that disappeared (xl domain destroyed, container destroyed) is `shutoff`. */
  state: GuestState;
  /** The state before, when known (from the watcher's first snapshot or an earlier change). */
  previous?: GuestState;
  /** When the change was seen. */
  at: Date;
  /**
   * The raw cause: for libvirt the lifecycle event (`VIR_DOMAIN_EVENT_*` type and detail);
   * for polling backends `undefined`.
   */
  event?: { type: number; detail: number };
}

/** What {@link Host.watch} returns: an async iterator of {@link StateChange}s. */
export interface StateWatch extends AsyncIterableIterator<StateChange> {
  /**
   * Resolves once the watch is live: the libvirt event subscription is registered, or the
   * polling baseline has been taken. Changes made before it resolves may be missed.
   * Rejects if the subscription or the first poll failed (the iteration fails likewise).
   */
  readonly ready: Promise<void>;
}

/** Options of {@link Host.watch}. */
export interface WatchOptions {
  /** Ends the iteration (the loop exits normally) when aborted. */
  signal?: AbortSignal;
  /** Polling backends (xl, lxc): how often `list()` runs, ms. Default: the host's `pollIntervalMs` (1000). */
  intervalMs?: number;
}

/**
 * One machine's guests, whatever runs them. Get one with {@link openHost}.
 * Close it with {@link Host.close} (or `await using`).
 */
export interface Host extends AsyncDisposable {
  /** What was asked for. */
  readonly kind: HostKind;
  /** The backend chosen by {@link openHost}. */
  readonly backend: HostBackend;
  /** The libvirt URI in use (libvirt backend) or the one that was tried before falling back. */
  readonly uri: string | undefined;
  /** Why libvirt was not used, when {@link openHost} fell back to a CLI backend after trying it. */
  readonly fallbackReason?: Error;
  /** One sentence on how the backend was chosen (for logs). */
  readonly selection: string;
  /** All guests, running or not (xl only knows running domains). */
  list(): Promise<GuestInfo[]>;
  /**
   * One guest by name. @throws GuestNotFoundError when there is none; InvalidGuestNameError for
   * a name that is not a non-empty string or breaks the backend's naming rule (xl/LXC: no
   * whitespace, shell metacharacters or `/`; libvirt: no `/`).
   */
  lookup(name: string): Promise<Guest>;
  /**
   * Restore a guest saved with {@link Guest.save} (libvirt `virDomainRestore`, `xl restore`).
   * LXC: throws {@link UnsupportedError}.
   */
  restore(path: string): Promise<void>;
  /**
   * State changes as an async iterable, until `signal` aborts or the loop breaks.
   * libvirt: lifecycle events (`VIR_DOMAIN_EVENT_ID_LIFECYCLE`), no polling; xl and LXC:
   * `list()` every `intervalMs`, reporting the guests whose state differs (the first snapshot is
   * the baseline and is not reported). A failing poll ends the iteration with that error; on
   * libvirt, the connection closed by libvirt (daemon gone) ends it with `ConnectionClosedError`.
   */
  watch(opts?: WatchOptions | AbortSignal): StateWatch;
  /** Release the connection (libvirt) — idempotent; CLI backends hold nothing. */
  close(): Promise<void>;
}
