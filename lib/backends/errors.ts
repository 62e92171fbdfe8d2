import { VirtkitError } from '../errors.js';
/**
 * Typed errors raised by the CLI backends (`xl`, `lxc-*`) and their transports.
 *
 * Every error carries the command and argv that failed (when a process was involved), the exit
 * code and stderr, so callers can log them or match on the class with `instanceof`.
 *
 * @packageDocumentation
 */

/** Fields shared by every {@link CliError}. */
export interface CliErrorInit {
  /** The program that was run (e.g. `xl`, `lxc-start`, `ssh`). Empty if nothing ran. */
  command?: string;
  /** Its arguments. */
  args?: readonly string[];
  /** Exit code, `null` if killed by a signal or never started. */
  exitCode?: number | null;
  /** Captured standard error (trimmed). */
  stderr?: string;
  /** Captured standard output (trimmed), when useful for diagnosis. */
  stdout?: string;
  /** Underlying error (e.g. the `ENOENT` from spawn). */
  cause?: unknown;
}

/** Base class of every error raised by the CLI backends. */
export class CliError extends VirtkitError {
  /** The program that was run; empty when no process started. */
  readonly command: string;
  /** The program's arguments. */
  readonly args: readonly string[];
  /** Exit code, or `null` if killed by a signal or never started. */
  readonly exitCode: number | null;
  /** Captured standard error. */
  readonly stderr: string;
  /** Captured standard output. */
  readonly stdout: string;

  /** @param message - human readable message. @param init - command details. */
  constructor(message: string, init: CliErrorInit = {}) {
    super(message, init.cause !== undefined ? { cause: init.cause } : undefined);
    this.name = new.target.name;
    this.command = init.command ?? '';
    this.args = init.args ?? [];
    this.exitCode = init.exitCode ?? null;
    this.stderr = init.stderr ?? '';
    this.stdout = init.stdout ?? '';
  }
}

/** Debian packages that provide each tool, used in {@link ToolNotFoundError} messages. */
export const TOOL_PACKAGES: Readonly<Record<string, string>> = Object.freeze({
  xl: 'xen-utils-4.17',
  ssh: 'openssh-client',
  lxc: 'lxc',
});

/**
 * Name the Debian package that provides `command` (`xl` → `xen-utils-4.17`, `lxc-*` → `lxc`,
 * `ssh` → `openssh-client`); `undefined` for unknown tools.
 */
export function packageForTool(command: string): string | undefined {
  const base = command.split('/').pop() ?? command;
  if (base === 'xl') return TOOL_PACKAGES.xl;
  if (base === 'ssh') return TOOL_PACKAGES.ssh;
  if (base.startsWith('lxc-')) return TOOL_PACKAGES.lxc;
  return undefined;
}

/** The program could not be found (spawn `ENOENT`, or `command not found` exit 127 over SSH). */
export class ToolNotFoundError extends CliError {
  /** Debian package that provides the tool, if known. */
  readonly package: string | undefined;
  /** @param command - the missing program. @param init - details. */
  constructor(command: string, init: CliErrorInit = {}) {
    const pkg = packageForTool(command);
    super(
      `${command}: command not found` + (pkg ? ` (install the Debian package "${pkg}")` : ''),
      { ...init, command },
    );
    this.package = pkg;
  }
}

/** The named domain or container does not exist. */
export class NotFoundError extends CliError {
  /** The name or id that was looked up. */
  readonly target: string;
  /** @param target - name or id. @param message - message. @param init - details. */
  constructor(target: string, message?: string, init: CliErrorInit = {}) {
    super(message ?? `${target}: not found`, init);
    this.target = target;
  }
}

/** An argument failed validation; raised before any process starts. */
export class InvalidArgumentError extends CliError {
  /** Name of the offending parameter. */
  readonly param: string;
  /** @param param - parameter name. @param message - reason. */
  constructor(param: string, message: string) {
    super(`invalid ${param}: ${message}`);
    this.param = param;
  }
}

/** A command ran longer than its timeout; its whole process group was killed. */
export class TimeoutError extends CliError {
  /** The timeout that was exceeded, in milliseconds. */
  readonly timeoutMs: number;
  /** @param timeoutMs - the limit. @param init - details. */
  constructor(timeoutMs: number, init: CliErrorInit = {}) {
    super(`${init.command ?? 'command'} timed out after ${timeoutMs} ms`, init);
    this.timeoutMs = timeoutMs;
  }
}

/**
 * The command "succeeded" but the object is not in the expected state afterwards (e.g. `xl pause`
 * exits 0 on failure), or the object is in a state where the operation makes no sense.
 */
export class StateError extends CliError {
  /** State that was expected. */
  readonly expected: string;
  /** State that was found. */
  readonly actual: string;
  /** @param message - message. @param expected - wanted state. @param actual - found state. */
  constructor(message: string, expected: string, actual: string, init: CliErrorInit = {}) {
    super(message, init);
    this.expected = expected;
    this.actual = actual;
  }
}

/** The tool rejected its command line (exit status 2 for `xl`). */
export class UsageError extends CliError {}

/** The operation was cancelled through an `AbortSignal`. */
export class AbortedError extends CliError {}

/** SSH itself failed (exit 255 with an ssh diagnostic: connection refused, auth, host key…). */
export class ConnectionError extends CliError {}
