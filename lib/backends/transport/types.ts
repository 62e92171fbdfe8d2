import type { Duplex } from 'node:stream';

/** Default timeout of {@link Transport.run}, in milliseconds (60 s). */
export const DEFAULT_TIMEOUT_MS = 60_000;

/** Options of {@link Transport.run}. */
export interface RunOptions {
  /**
   * Kill the command (its whole process group) after this many milliseconds and reject with
   * `TimeoutError`. Default {@link DEFAULT_TIMEOUT_MS}. Must be a positive number;
   * `Infinity` disables the timeout explicitly.
   */
  timeoutMs?: number;
  /** Data written to the command's standard input, which is then closed. Default: `/dev/null`. */
  input?: string | Buffer;
  /** Cancel the command: the process group is killed and the promise rejects with `AbortedError`. */
  signal?: AbortSignal;
  /** Extra environment variables. Over SSH they are passed with `env K=V cmd …` (no shell). */
  env?: Record<string, string>;
  /** Maximum bytes kept of stdout and of stderr each (default 64 MiB); beyond it the command is killed. */
  maxBuffer?: number;
}

/** Result of {@link Transport.run}. A non-zero exit status is NOT an error at this level. */
export interface RunResult {
  /** Standard output (UTF-8). */
  stdout: string;
  /** Standard error (UTF-8). */
  stderr: string;
  /** Exit code, `null` if the process was killed by a signal. */
  code: number | null;
  /** Signal that killed the process, or `null`. */
  signal: NodeJS.Signals | null;
}

/** Options of {@link Transport.spawn}. */
export interface SpawnOptions {
  /** Extra environment variables (see {@link RunOptions.env}). */
  env?: Record<string, string>;
  /** Destroy the stream (killing the process group) when this signal aborts. */
  signal?: AbortSignal;
  /** SSH only: allocate a remote pseudo-terminal (`ssh -tt`). Default `false`. */
  tty?: boolean;
}

/** Exit status of a spawned process. */
export interface ExitStatus {
  /** Exit code, `null` if killed by a signal. */
  code: number | null;
  /** Killing signal, or `null`. */
  signal: NodeJS.Signals | null;
}

/**
 * A long-lived process as a Duplex stream: writes go to its stdin, reads come from its stdout.
 * `destroy()` kills the whole process group (SIGTERM, then SIGKILL after a grace period).
 */
export interface ProcessDuplex extends Duplex {
  /** Process id of the local child (for SSH: the local `ssh` process). */
  readonly pid: number | undefined;
  /** Resolves when the process has exited (never rejects). */
  readonly exited: Promise<ExitStatus>;
  /** Standard error received so far (last 64 KiB). */
  stderrText(): string;
  /** Kill the process group now with `signal` (default SIGTERM). */
  kill(signal?: NodeJS.Signals): void;
}

/**
 * Runs programs, locally ({@link LocalTransport}) or on another host ({@link SshTransport}),
 * always as an argv vector: never through a local shell.
 */
export interface Transport {
  /** Short description for messages, e.g. `local` or `ssh root@xenhost:22`. */
  readonly description: string;
  /**
   * Run `cmd` with `args` to completion and collect its output.
   * Rejects with `ToolNotFoundError` (program missing), `TimeoutError`, `AbortedError`,
   * `InvalidArgumentError` (bad argv, e.g. NUL bytes) or `CliError` (spawn failed, SSH failed);
   * resolves with the exit code otherwise (non-zero included).
   */
  run(cmd: string, args: readonly string[], opts?: RunOptions): Promise<RunResult>;
  /** Start a long-lived interactive process (e.g. a console) and return it as a Duplex. */
  spawn(cmd: string, args: readonly string[], opts?: SpawnOptions): ProcessDuplex;
}
