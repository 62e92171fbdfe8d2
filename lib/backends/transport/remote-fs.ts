import { CliError, NotFoundError } from '../errors.js';
import type { Transport } from './types.js';
import { validatePath } from './validate.js';

/**
 * Small file helpers that work the same over every {@link Transport} (local or SSH) without a
 * shell: they run `mktemp`, `tee`, `cat`, `mv` and `rm` as argv. The target host needs those
 * standard tools (coreutils or busybox).
 */

const FS_TIMEOUT_MS = 30_000;

function fail(what: string, cmd: string, args: string[], res: { code: number | null; stderr: string }): never {
  throw new CliError(`${what} failed: ${res.stderr.trim() || `exit ${res.code}`}`, {
    command: cmd,
    args,
    exitCode: res.code,
    stderr: res.stderr,
  });
}

/** Create a private (0600) temporary file in `dir` with `mktemp` and return its path. */
export async function makeTempFile(t: Transport, dir = '/tmp', prefix = 'virtkit'): Promise<string> {
  validatePath(dir, 'dir');
  const args = [`${dir.replace(/\/+$/, '') || ''}/${prefix}.XXXXXXXX`];
  const res = await t.run('mktemp', args, { timeoutMs: FS_TIMEOUT_MS });
  const path = res.stdout.trim();
  if (res.code !== 0 || !path.startsWith('/')) fail('mktemp', 'mktemp', args, res);
  return path;
}

/** Write `content` to `path` on the target (`tee path` with the content on stdin; stdout discarded). */
export async function writeFile(t: Transport, path: string, content: string): Promise<void> {
  validatePath(path);
  const res = await t.run('tee', ['--', path], { input: content, timeoutMs: FS_TIMEOUT_MS, maxBuffer: 256 * 1024 * 1024 });
  if (res.code !== 0) fail(`writing ${path}`, 'tee', [path], res);
}

/** Write `content` to a new private temporary file and return its path. */
export async function writeTempFile(t: Transport, content: string, dir = '/tmp', prefix = 'virtkit'): Promise<string> {
  const path = await makeTempFile(t, dir, prefix);
  try {
    await writeFile(t, path, content);
  } catch (e) {
    await removeFile(t, path).catch(() => undefined);
    throw e;
  }
  return path;
}

/** Read a text file on the target (`cat -- path`). Throws {@link NotFoundError} if it does not exist. */
export async function readFile(t: Transport, path: string): Promise<string> {
  validatePath(path);
  const res = await t.run('cat', ['--', path], { timeoutMs: FS_TIMEOUT_MS });
  if (res.code !== 0) {
    if (/No such file or directory/.test(res.stderr)) throw new NotFoundError(path, `${path}: no such file`, { command: 'cat', stderr: res.stderr });
    fail(`reading ${path}`, 'cat', [path], res);
  }
  return res.stdout;
}

/**
 * Replace `path` atomically: write a temp file next to it, then `mv -f` it over the original
 * (so a reader never sees a half-written file).
 */
export async function writeFileAtomic(t: Transport, path: string, content: string): Promise<void> {
  validatePath(path);
  const slash = path.lastIndexOf('/');
  const dir = slash > 0 ? path.slice(0, slash) : slash === 0 ? '/' : '.';
  const tmp = await writeTempFile(t, content, dir, '.virtkit-tmp');
  const res = await t.run('mv', ['-f', '--', tmp, path], { timeoutMs: FS_TIMEOUT_MS });
  if (res.code !== 0) {
    await removeFile(t, tmp).catch(() => undefined);
    fail(`replacing ${path}`, 'mv', [tmp, path], res);
  }
}

/** Remove a file (`rm -f -- path`). */
export async function removeFile(t: Transport, path: string): Promise<void> {
  validatePath(path);
  const res = await t.run('rm', ['-f', '--', path], { timeoutMs: FS_TIMEOUT_MS });
  if (res.code !== 0) fail(`removing ${path}`, 'rm', [path], res);
}
