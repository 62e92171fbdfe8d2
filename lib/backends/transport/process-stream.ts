import { Duplex } from 'node:stream';
import type { ChildProcess } from 'node:child_process';
import type { ExitStatus, ProcessDuplex } from './types.js';

/** Grace period between SIGTERM and SIGKILL when killing a process group, in ms. */
export const KILL_GRACE_MS = 2_000;

/**
 * Send `signal` to the process group led by `child` (it must have been spawned `detached`),
 * falling back to the child alone. Errors (already gone) are ignored.
 */
export function killProcessGroup(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): void {
  const pid = child.pid;
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      child.kill(signal);
    } catch {
      /* already gone */
    }
  }
}

const STDERR_KEEP = 64 * 1024;

/**
 * A child process as a Duplex: writes → stdin, reads ← stdout. Destroying the stream kills the
 * child's whole process group (SIGTERM, then SIGKILL after {@link KILL_GRACE_MS}).
 * The child must be spawned with `detached: true` and `stdio: ['pipe', 'pipe', 'pipe']`.
 */
export class ProcessStream extends Duplex implements ProcessDuplex {
  /** The wrapped child process. */
  readonly child: ChildProcess;
  /** Resolves once the child has exited. */
  readonly exited: Promise<ExitStatus>;
  private stderrBuf = '';
  private hasExited = false;

  /**
   * @param child - a detached child with piped stdio.
   * @param mapError - turns a spawn error (e.g. ENOENT) into the error the stream is destroyed with.
   */
  constructor(child: ChildProcess, mapError?: (e: NodeJS.ErrnoException) => Error) {
    super({ allowHalfOpen: true });
    this.child = child;
    this.exited = new Promise<ExitStatus>((resolve) => {
      child.once('exit', (code, signal) => {
        this.hasExited = true;
        resolve({ code, signal });
        this.emit('exit', code, signal);
      });
      child.once('error', (err) => {
        this.hasExited = true;
        resolve({ code: null, signal: null });
        this.destroy(mapError ? mapError(err) : err);
      });
    });
    child.stdout?.on('data', (chunk: Buffer) => {
      if (!this.push(chunk)) child.stdout?.pause();
    });
    child.stdout?.once('end', () => this.push(null));
    child.stderr?.on('data', (chunk: Buffer) => {
      this.stderrBuf = (this.stderrBuf + chunk.toString('utf8')).slice(-STDERR_KEEP);
      this.emit('stderr', chunk);
    });
    // EPIPE when the process is gone: not an error of the stream's user.
    child.stdin?.on('error', () => undefined);
  }

  /** Process id of the child. */
  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Standard error received so far (last 64 KiB). */
  stderrText(): string {
    return this.stderrBuf;
  }

  /** Signal the child's process group. */
  kill(signal: NodeJS.Signals = 'SIGTERM'): void {
    killProcessGroup(this.child, signal);
  }

  override _read(): void {
    this.child.stdout?.resume();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    const stdin = this.child.stdin;
    if (!stdin || stdin.destroyed || this.hasExited) {
      cb();
      return;
    }
    stdin.write(chunk, () => cb());
  }

  override _final(cb: (err?: Error | null) => void): void {
    this.child.stdin?.end();
    cb();
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    if (!this.hasExited) {
      this.kill('SIGTERM');
      const t = setTimeout(() => this.kill('SIGKILL'), KILL_GRACE_MS);
      t.unref();
      void this.exited.then(() => {
        clearTimeout(t);
        // Leftover group members (e.g. xenconsole exec'd by xl) get SIGKILL too.
        killProcessGroup(this.child, 'SIGKILL');
      });
    } else {
      killProcessGroup(this.child, 'SIGKILL');
    }
    this.child.stdout?.destroy();
    this.child.stderr?.destroy();
    this.child.stdin?.destroy();
    cb(err);
  }
}
