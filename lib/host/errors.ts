import { VirtkitError } from '../errors.js';
import type { HostBackend, HostKind } from './types.js';

/**
 * Base class of errors raised by the host facade itself. Errors of the backends pass through
 * unchanged (`LibvirtError`, `CliError` and its subclasses), except that "no such guest" is
 * always `NotFoundError` from `lib/cli-errors` (libvirt's `VIR_ERR_NO_DOMAIN` is wrapped, the
 * original kept as `cause`).
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
