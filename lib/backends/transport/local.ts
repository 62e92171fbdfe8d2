import { spawn as cpSpawn, type ChildProcess } from 'node:child_process';
import {
  AbortedError,
  CliError,
  InvalidArgumentError,
  TimeoutError,
  ToolNotFoundError,
} from '../errors.js';
import { KILL_GRACE_MS, ProcessStream, killProcessGroup } from './process-stream.js';
import {
  DEFAULT_TIMEOUT_MS,
  type ProcessDuplex,
  type RunOptions,
  type RunResult,
  type SpawnOptions,
  type Transport,
} from './types.js';

const DEFAULT_MAX_BUFFER = 64 * 1024 * 1024;
/** After the main process exits, how long to wait for its stdio pipes to close (a daemonised
 * grandchild may keep them open) before resolving anyway. */
const CLOSE_GRACE_MS = 1_000;

/** Check the argv for things `execve` cannot carry. */
export function checkArgv(cmd: string, args: readonly string[]): void {
  if (typeof cmd !== 'string' || cmd.length === 0) {
    throw new InvalidArgumentError('command', 'must be a non-empty string');
  }
  if (cmd.includes('\0')) throw new InvalidArgumentError('command', 'contains a NUL character');
  if (!Array.isArray(args)) throw new InvalidArgumentError('args', 'must be an array of strings');
  for (const a of args) {
    if (typeof a !== 'string') throw new InvalidArgumentError('args', 'must be an array of strings');
    if (a.includes('\0')) throw new InvalidArgumentError('args', 'an argument contains a NUL character');
  }
}

/** Validate and normalise a timeout. */
export function checkTimeout(timeoutMs: number | undefined, fallback = DEFAULT_TIMEOUT_MS): number {
  const t = timeoutMs ?? fallback;
  if (typeof t !== 'number' || Number.isNaN(t) || t <= 0) {
    throw new InvalidArgumentError('timeoutMs', 'must be a positive number of milliseconds or Infinity');
  }
  return t;
}

/**
 * Runs programs on this machine with `child_process.spawn` (argv, never a shell). Each command
 * runs in its own process group (`detached`); on timeout or abort the whole group is killed
 * (SIGTERM, then SIGKILL after 2 s) so no orphaned children remain.
 */
export class LocalTransport implements Transport {
  /** Always `local`. */
  readonly description = 'local';
  /** Default timeout for {@link run}, in ms. */
  readonly defaultTimeoutMs: number;

  /** @param opts - `defaultTimeoutMs` (default 60 000). */
  constructor(opts: { defaultTimeoutMs?: number } = {}) {
    this.defaultTimeoutMs = checkTimeout(opts.defaultTimeoutMs, DEFAULT_TIMEOUT_MS);
  }

  /** {@inheritDoc Transport.run} */
  run(cmd: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
    try {
      checkArgv(cmd, args);
    } catch (e) {
      return Promise.reject(e);
    }
    let timeoutMs: number;
    try {
      timeoutMs = checkTimeout(opts.timeoutMs, this.defaultTimeoutMs);
    } catch (e) {
      return Promise.reject(e);
    }
    const maxBuffer = opts.maxBuffer ?? DEFAULT_MAX_BUFFER;
    const argv = [...args];
    return new Promise<RunResult>((resolve, reject) => {
      if (opts.signal?.aborted) {
        reject(new AbortedError(`${cmd}: aborted before start`, { command: cmd, args: argv }));
        return;
      }
      let child: ChildProcess;
      try {
        child = cpSpawn(cmd, argv, {
          detached: true,
          shell: false,
          windowsHide: true,
          stdio: [opts.input !== undefined ? 'pipe' : 'ignore', 'pipe', 'pipe'],
          env: opts.env ? { ...process.env, ...opts.env } : process.env,
        });
      } catch (e) {
        reject(new CliError(`${cmd}: cannot start: ${(e as Error).message}`, { command: cmd, args: argv, cause: e }));
        return;
      }
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      let outLen = 0;
      let errLen = 0;
      let settled = false;
      let failure: Error | undefined;
      let exitCode: number | null = null;
      let exitSignal: NodeJS.Signals | null = null;
      let killTimer: NodeJS.Timeout | undefined;
      let closeTimer: NodeJS.Timeout | undefined;
      const text = (bufs: Buffer[]): string => Buffer.concat(bufs).toString('utf8');

      const finish = (): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        clearTimeout(killTimer);
        clearTimeout(closeTimer);
        opts.signal?.removeEventListener('abort', onAbort);
        const stdout = text(out);
        const stderr = text(err);
        if (failure) {
          // Make sure nothing of the group survives.
          killProcessGroup(child, 'SIGKILL');
          if (failure instanceof TimeoutError) {
            reject(new TimeoutError(timeoutMs, { command: cmd, args: argv, stdout, stderr, exitCode }));
          } else if (failure instanceof AbortedError) {
            reject(new AbortedError(`${cmd}: aborted`, { command: cmd, args: argv, stdout, stderr, exitCode }));
          } else {
            reject(failure);
          }
          return;
        }
        resolve({ stdout, stderr, code: exitCode, signal: exitSignal });
      };

      const fail = (e: Error): void => {
        if (failure || settled) return;
        failure = e;
        killProcessGroup(child, 'SIGTERM');
        killTimer = setTimeout(() => killProcessGroup(child, 'SIGKILL'), KILL_GRACE_MS);
      };

      const timer =
        Number.isFinite(timeoutMs) && timeoutMs < 2 ** 31
          ? setTimeout(() => fail(new TimeoutError(timeoutMs)), timeoutMs)
          : undefined;
      const onAbort = (): void => fail(new AbortedError('aborted'));
      opts.signal?.addEventListener('abort', onAbort, { once: true });

      child.stdout!.on('data', (b: Buffer) => {
        outLen += b.length;
        if (outLen > maxBuffer) fail(new CliError(`${cmd}: stdout exceeded ${maxBuffer} bytes`, { command: cmd, args: argv }));
        else out.push(b);
      });
      child.stderr!.on('data', (b: Buffer) => {
        errLen += b.length;
        if (errLen > maxBuffer) fail(new CliError(`${cmd}: stderr exceeded ${maxBuffer} bytes`, { command: cmd, args: argv }));
        else err.push(b);
      });
      child.on('error', (e: NodeJS.ErrnoException) => {
        if (settled) return;
        if (e.code === 'ENOENT') {
          settled = true;
          clearTimeout(timer);
          opts.signal?.removeEventListener('abort', onAbort);
          reject(new ToolNotFoundError(cmd, { args: argv, cause: e }));
        } else if (e.code === 'EACCES') {
          settled = true;
          clearTimeout(timer);
          opts.signal?.removeEventListener('abort', onAbort);
          reject(new CliError(`${cmd}: permission denied`, { command: cmd, args: argv, cause: e }));
        } else if (e.code === 'EPIPE') {
          /* stdin closed early: ignore */
        } else {
          failure = failure ?? new CliError(`${cmd}: ${e.message}`, { command: cmd, args: argv, cause: e });
        }
      });
      child.on('exit', (code, signal) => {
        exitCode = code;
        exitSignal = signal;
        // A daemonised grandchild may hold our pipes: don't wait for them forever.
        closeTimer = setTimeout(() => {
          child.stdout?.destroy();
          child.stderr?.destroy();
          finish();
        }, CLOSE_GRACE_MS);
      });
      child.on('close', (code, signal) => {
        if (exitCode === null && exitSignal === null) {
          exitCode = code;
          exitSignal = signal as NodeJS.Signals | null;
        }
        finish();
      });
      if (opts.input !== undefined && child.stdin) {
        child.stdin.on('error', () => undefined);
        child.stdin.end(opts.input);
      }
    });
  }

  /** {@inheritDoc Transport.spawn} */
  spawn(cmd: string, args: readonly string[], opts: SpawnOptions = {}): ProcessDuplex {
    checkArgv(cmd, args);
    const child = cpSpawn(cmd, [...args], {
      detached: true,
      shell: false,
      windowsHide: true,
      stdio: ['pipe', 'pipe', 'pipe'],
      env: opts.env ? { ...process.env, ...opts.env } : process.env,
    });
    const stream = new ProcessStream(child, (e) =>
      e.code === 'ENOENT' ? new ToolNotFoundError(cmd, { args: [...args], cause: e }) : e,
    );
    if (opts.signal) {
      if (opts.signal.aborted) stream.destroy();
      else opts.signal.addEventListener('abort', () => stream.destroy(), { once: true });
    }
    return stream;
  }
}
