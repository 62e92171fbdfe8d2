import { VirtkitError } from '../errors.js';
import type { GuestState, HostBackend, HostKind } from './types.js';

/**
 * Base class of errors raised by the host facade. The contract's cases have one class on every
 * backend: {@link GuestNotFoundError}, {@link GuestStateError}, {@link InvalidGuestNameError},
 * {@link UnsupportedError} (the backend's own error kept as `cause`). Other failures of a
 * backend pass through unchanged (`LibvirtError`, or a `CliError` from `xl`/`lxc-*`).
 */
export class HostError extends VirtkitError {
  /** @param message - message. @param opts - `cause`. */
  constructor(message: string, opts?: { cause?: unknown }) {
    super(message, opts?.cause !== undefined ? { cause: opts.cause } : undefined);
    this.name = new.target.name;
  }
}

/** The operation has no equivalent on this backend (e.g. `save` on LXC, `console` on libvirt). */
export class UnsupportedError extends HostError {
  /** The backend that cannot do it. */
  readonly backend: HostBackend;
  /** The operation, e.g. `save`. */
  readonly operation: string;
  /** @param backend - backend. @param operation - operation. @param reason - why. */
  constructor(backend: HostBackend, operation: string, reason: string) {
    super(`${operation} is not supported by the ${backend} backend: ${reason}`);
    this.backend = backend;
    this.operation = operation;
  }
}

/** No backend could be opened: libvirt failed and there is no usable CLI backend for this kind. */
export class HostOpenError extends HostError {
  /** The kind asked for. */
  readonly kind: HostKind;
  /** Why libvirt failed (if it was tried). */
  readonly libvirtError: unknown;
  /** Why the CLI backend failed (if it was tried). */
  readonly cliError: unknown;
  /** @param kind - kind. @param message - message. @param errors - the causes. */
  constructor(kind: HostKind, message: string, errors: { libvirt?: unknown; cli?: unknown }) {
    super(message, { cause: errors.cli ?? errors.libvirt });
    this.kind = kind;
    this.libvirtError = errors.libvirt;
    this.cliError = errors.cli;
  }
}

/** No guest of that name on this host (libvirt `VIR_ERR_NO_DOMAIN`, xl "invalid domain identifier", no such container). */
export class GuestNotFoundError extends HostError {
  /** The name looked up. */
  readonly guest: string;
  /** @param guest - the name. @param message - details. @param opts - `cause` (the backend's error). */
  constructor(guest: string, message?: string, opts?: { cause?: unknown }) {
    super(message ?? `no guest named ${JSON.stringify(guest)}`, opts);
    this.guest = guest;
  }
}

/**
 * The guest is not in a state the operation accepts (e.g. `pause()` on a stopped guest).
 * `expected` and `actual` are {@link GuestState} words on every backend.
 */
export class GuestStateError extends HostError {
  /** The guest. */
  readonly guest: string;
  /** The operation refused (`pause`, `resume`, `reboot`, `save`, ...). */
  readonly operation: string;
  /** The state the operation needs. */
  readonly expected: GuestState;
  /** The state the guest was found in. */
  readonly actual: GuestState;
  /** @param guest - name. @param operation - operation. @param expected - needed state. @param actual - found state. @param opts - `cause`. */
  constructor(guest: string, operation: string, expected: GuestState, actual: GuestState, opts?: { cause?: unknown }) {
    super(`${operation}: ${guest} is ${actual}, expected ${expected}`, opts);
    this.guest = guest;
    this.operation = operation;
    this.expected = expected;
    this.actual = actual;
  }
}

/** A guest name the backend cannot have: not a string, empty, or against the backend's naming rule. */
export class InvalidGuestNameError extends HostError {
  /** What was passed. */
  readonly value: unknown;
  /** @param value - the name given. @param reason - why it is refused. @param opts - `cause`. */
  constructor(value: unknown, reason: string, opts?: { cause?: unknown }) {
    super(`invalid guest name ${typeof value === 'string' ? JSON.stringify(value) : String(value)}: ${reason}`, opts);
    this.value = value;
  }
}
