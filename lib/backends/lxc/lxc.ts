import { CliError, InvalidArgumentError, NotFoundError, StateError, UsageError } from '../errors.js';
import { LocalTransport } from '../transport/local.js';
import { readFile, removeFile, writeFileAtomic, writeTempFile } from '../transport/remote-fs.js';
import type { ProcessDuplex, RunResult, Transport } from '../transport/types.js';
import { validateArg, validateInt, validateName, validatePath, validateTimeout, validateValue } from '../transport/validate.js';
import {
  LXC_STATES,
  editLxcConfig,
  lxcErrorMessages,
  parseLxcConfig,
  parseLxcInfo,
  parseLxcLs,
  parseLxcSnapshots,
  type LxcConfigEntry,
  type LxcInfo,
  type LxcListEntry,
  type LxcSnapshot,
  type LxcState,
} from './parse.js';

/** Backing stores accepted by `lxc-create -B` / `lxc-copy -B`. */
export type LxcBackingStore = 'dir' | 'zfs' | 'lvm' | 'rbd' | 'btrfs' | 'overlay' | 'overlayfs' | 'loop' | 'best';
const BACKING: readonly string[] = ['dir', 'zfs', 'lvm', 'rbd', 'btrfs', 'overlay', 'overlayfs', 'loop', 'best'];

/** Config values for {@link Lxc.create} / {@link Lxc.setConfig}: one value or several (repeated key). */
export type LxcConfigValues = Record<string, string | number | boolean | ReadonlyArray<string | number>>;

/** Options of {@link Lxc.create}. */
export interface LxcCreateOptions {
  /** Template (e.g. `busybox`, `download`); omit for an empty container. */
  template?: string;
  /** Arguments passed to the template after `--`. */
  templateArgs?: string[];
  /** Backing store (`-B`). */
  backingStore?: LxcBackingStore;
  /** Extra config keys written to a temporary file passed with `-f` (e.g. `{'lxc.net.0.type': 'empty'}`). */
  config?: LxcConfigValues;
  /** Timeout, ms (default 300 000: templates can be slow). */
  timeoutMs?: number;
}

/** Options of {@link Lxc.attach}. */
export interface LxcAttachOptions {
  /** Environment variables set inside (`-v NAME=VALUE`). */
  env?: Record<string, string>;
  /** Start with an empty environment (`--clear-env`) before `env`. */
  clearEnv?: boolean;
  /**
   * Working directory inside the container. lxc-attach has no such option, so the command runs
   * as `sh -c 'cd -- "$1" && shift && exec "$@"' sh <cwd> <argv…>` (values are positional
   * parameters, never interpolated). Requires `sh` in the container.
   */
  cwd?: string;
  /** Data for the command's stdin. */
  input?: string;
  /** Run as this uid/gid. */
  uid?: number;
  /** Run as this gid. */
  gid?: number;
  /** Timeout, ms. */
  timeoutMs?: number;
}

/** Result of {@link Lxc.attach}. */
export interface LxcAttachResult {
  /** Command's stdout. */
  stdout: string;
  /** Command's stderr. */
  stderr: string;
  /** Command's exit status (126 cannot execute, 127 not found, 128+n signal). */
  exitCode: number;
}

/** Result of {@link Lxc.stop}. */
export interface LxcStopResult {
  /**
   * `false` when the container was already stopped (lxc-stop exit 2). Decision: stopping a
   * stopped container is not an error (the goal state holds); a missing container is
   * {@link NotFoundError}.
   */
  wasRunning: boolean;
}

/** Autostart settings (`lxc.start.auto`, `lxc.start.order`, `lxc.start.delay`, `lxc.group`). */
export interface LxcAutostart {
  /** `lxc.start.auto`. */
  enabled: boolean;
  /** `lxc.start.order` (higher starts first). */
  order?: number;
  /** `lxc.start.delay` seconds after starting. */
  delay?: number;
  /** `lxc.group` values. */
  groups: string[];
}

/** Options of {@link Lxc}. */
export interface LxcOptions {
  /** Container directory (`-P`); default: LXC's (`lxc-config lxc.lxcpath`, usually `/var/lib/lxc`). */
  lxcpath?: string;
  /** Directory of the lxc-* tools (default: found via PATH). */
  binDir?: string;
  /** Default timeout per command, ms (default 60 000). */
  timeoutMs?: number;
}

const CONFIG_KEY = /^lxc(\.[A-Za-z0-9_-]+)+$/;
/**
 * Make silent tools print their errors. The notes suggest `-l ERROR -o /dev/stderr`, but under
 * Node stdio is a socketpair and opening `/dev/stderr` fails with ENXIO ("Failed to open log
 * file"), and with a regular file it rewrites from offset 0. `-l ERROR` enables the tools'
 * error lines on stderr; `-o /dev/null` stops them also writing /var/log/lxc/<name>.log.
 */
export const LOG_TO_STDERR = ['-l', 'ERROR', '-o', '/dev/null'];
const NOT_DEFINED = /doesn't exist|Container is not defined|is not defined/;

/**
 * Typed wrapper for the LXC 5 command-line tools (`lxc-create`, `lxc-start`, …), run through a
 * {@link Transport}. Names and arguments are validated before any process starts.
 *
 * Tools that do not log errors by themselves (lxc-copy, lxc-snapshot, lxc-ls, lxc-info,
 * lxc-autostart) get `-l ERROR -o /dev/null` so failures carry a reason on stderr
 * (not `-o /dev/stderr`: see `LOG_TO_STDERR`).
 */
export class Lxc {
  /** The transport used. */
  readonly transport: Transport;
  private readonly lxcpathOpt: string | undefined;
  private readonly binDir: string | undefined;
  private readonly timeoutMs: number;
  private lxcpathCache: string | undefined;

  /**
   * @param transport - where to run (default local).
   * @param opts - options, or the lxcpath as a string.
   */
  constructor(transport: Transport = new LocalTransport(), opts: LxcOptions | string = {}) {
    const o: LxcOptions = typeof opts === 'string' ? { lxcpath: opts } : opts;
    this.transport = transport;
    this.lxcpathOpt = o.lxcpath !== undefined ? validatePath(o.lxcpath, 'lxcpath') : undefined;
    this.binDir = o.binDir !== undefined ? validatePath(o.binDir, 'binDir') : undefined;
    this.timeoutMs = validateTimeout(o.timeoutMs ?? 60_000);
  }

  /** Run an lxc tool with `-P lxcpath` (if set) prepended; returns the raw result. */
  async exec(
    tool: string,
    args: string[],
    opts: { timeoutMs?: number; input?: string; log?: boolean; noLxcpath?: boolean } = {},
  ): Promise<RunResult> {
    const cmd = this.binDir ? `${this.binDir.replace(/\/+$/, '')}/${tool}` : tool;
    const full = [...(this.lxcpathOpt && !opts.noLxcpath ? ['-P', this.lxcpathOpt] : []), ...(opts.log ? LOG_TO_STDERR : []), ...args];
    return this.transport.run(cmd, full, { timeoutMs: opts.timeoutMs ?? this.timeoutMs, input: opts.input });
  }

  private fail(tool: string, args: string[], res: RunResult, name?: string): never {
    const msgs = lxcErrorMessages(res.stderr);
    const msg = msgs.length ? [...new Set(msgs)].join('; ') : res.stderr.trim() || res.stdout.trim() || `exit ${res.code}`;
    const init = { command: tool, args, exitCode: res.code, stderr: res.stderr, stdout: res.stdout };
    if (name !== undefined && NOT_DEFINED.test(res.stderr)) {
      throw new NotFoundError(name, `${tool}: container ${JSON.stringify(name)} does not exist`, init);
    }
    if (/invalid option|unrecognized option|requires an argument|Usage:/.test(res.stderr)) {
      throw new UsageError(`${tool}: usage error: ${msg}`, init);
    }
    throw new CliError(`${tool} failed (exit ${res.code ?? res.signal}): ${msg}`, init);
  }

  private async run(tool: string, args: string[], name: string | undefined, opts: { timeoutMs?: number; input?: string; log?: boolean } = {}): Promise<RunResult> {
    const res = await this.exec(tool, args, opts);
    if (res.code !== 0) this.fail(tool, args, res, name);
    return res;
  }

  /** The container directory in use (`-P` option, else `lxc-config lxc.lxcpath`). */
  async lxcpath(): Promise<string> {
    if (this.lxcpathOpt) return this.lxcpathOpt;
    if (this.lxcpathCache) return this.lxcpathCache;
    const res = await this.run('lxc-config', ['lxc.lxcpath'], undefined);
    this.lxcpathCache = validatePath(res.stdout.trim(), 'lxcpath');
    return this.lxcpathCache;
  }

  /** Path of a container's config file. */
  async configPath(name: string): Promise<string> {
    validateName(name);
    return `${(await this.lxcpath()).replace(/\/+$/, '')}/${name}/config`;
  }

  /**
   * Create a container (`lxc-create -n name [-t template] [-B store] [-f cfg] [-- targs]`).
   * @throws StateError if it already exists.
   */
  async create(name: string, opts: LxcCreateOptions = {}): Promise<void> {
    validateName(name);
    const args = ['-n', name];
    if (opts.template !== undefined) args.push('-t', validateName(opts.template, 'template'));
    if (opts.backingStore !== undefined) {
      if (!BACKING.includes(opts.backingStore)) throw new InvalidArgumentError('backingStore', `must be one of ${BACKING.join(', ')}`);
      args.push('-B', opts.backingStore);
    }
    const targs = (opts.templateArgs ?? []).map((a) => validateArg(a, 'templateArgs'));
    const cfgText = opts.config ? renderConfig(opts.config) : undefined;
    const timeoutMs = opts.timeoutMs !== undefined ? validateTimeout(opts.timeoutMs) : Math.max(this.timeoutMs, 300_000);
    let cfgPath: string | undefined;
    try {
      if (cfgText !== undefined) {
        cfgPath = await writeTempFile(this.transport, cfgText, '/tmp', 'virtkit-lxc');
        args.push('-f', cfgPath);
      }
      if (targs.length) args.push('--', ...targs);
      const res = await this.exec('lxc-create', args, { timeoutMs });
      if (res.code !== 0) {
        if (/already exists/.test(res.stderr)) {
          throw new StateError(`lxc-create: container ${JSON.stringify(name)} already exists`, 'absent', 'exists', {
            command: 'lxc-create',
            args,
            exitCode: res.code,
            stderr: res.stderr,
          });
        }
        this.fail('lxc-create', args, res);
      }
    } finally {
      if (cfgPath) await removeFile(this.transport, cfgPath).catch(() => undefined);
    }
  }

  /**
   * Start a container daemonized (`lxc-start -d`), then wait until it is RUNNING
   * (`waitSeconds`, default 10; 0 = don't wait).
   * @throws StateError if it is already running (lxc-start itself exits 0 then) or did not reach RUNNING.
   */
  async start(name: string, opts: { waitSeconds?: number; timeoutMs?: number } = {}): Promise<void> {
    validateName(name);
    const waitSeconds = validateInt(opts.waitSeconds ?? 10, 'waitSeconds', { min: 0, max: 3600 });
    const args = ['-n', name, '-d'];
    const res = await this.exec('lxc-start', args, { timeoutMs: opts.timeoutMs });
    // lxc-start exits 0 (!) with "Container is already running" on a running container.
    if (/is already running/.test(res.stderr)) {
      throw new StateError(`lxc-start: ${name} is already running`, 'STOPPED', 'RUNNING', { command: 'lxc-start', args, exitCode: res.code, stderr: res.stderr });
    }
    if (res.code !== 0) {
      if (/is already running/.test(res.stderr)) {
        throw new StateError(`lxc-start: ${name} is already running`, 'STOPPED', 'RUNNING', { command: 'lxc-start', args, exitCode: res.code, stderr: res.stderr });
      }
      if (/No container config specified|does not exist|not defined/.test(res.stderr) || !(await this.exists(name))) {
        throw new NotFoundError(name, `lxc-start: container ${JSON.stringify(name)} does not exist`, { command: 'lxc-start', args, exitCode: res.code, stderr: res.stderr });
      }
      this.fail('lxc-start', args, res, name);
    }
    if (waitSeconds > 0 && !(await this.wait(name, ['RUNNING'], waitSeconds))) {
      const st = await this.state(name).catch(() => 'UNKNOWN');
      throw new StateError(`lxc-start: ${name} did not reach RUNNING (state ${st})`, 'RUNNING', st);
    }
  }

  /**
   * Stop a container (`lxc-stop`; `kill` = SIGKILL at once, else clean shutdown with
   * `timeoutSec` before killing). Already stopped → `{wasRunning: false}` (see {@link LxcStopResult}).
   */
  async stop(name: string, opts: { kill?: boolean; timeoutSec?: number; timeoutMs?: number } = {}): Promise<LxcStopResult> {
    validateName(name);
    const args = ['-n', name];
    if (opts.kill) args.push('-k');
    else if (opts.timeoutSec !== undefined) args.push('-t', String(validateInt(opts.timeoutSec, 'timeoutSec', { min: 0, max: 86400 })));
    const timeoutMs = opts.timeoutMs ?? Math.max(this.timeoutMs, ((opts.timeoutSec ?? 60) + 30) * 1000);
    const res = await this.exec('lxc-stop', args, { timeoutMs });
    if (res.code === 2) {
      if (!(await this.exists(name))) throw new NotFoundError(name, `lxc-stop: container ${JSON.stringify(name)} does not exist`, { command: 'lxc-stop', args, exitCode: 2, stderr: res.stderr });
      return { wasRunning: false };
    }
    if (res.code !== 0) this.fail('lxc-stop', args, res, name);
    return { wasRunning: true };
  }

  /** Freeze a running container (`lxc-freeze`). @throws StateError if not running. */
  async freeze(name: string): Promise<void> {
    validateName(name);
    const args = ['-n', name];
    const res = await this.exec('lxc-freeze', args);
    if (res.code !== 0) {
      const st = await this.state(name); // NotFoundError if missing
      throw new StateError(`lxc-freeze: cannot freeze ${name} (state ${st})`, 'RUNNING', st, { command: 'lxc-freeze', args, exitCode: res.code, stderr: res.stderr });
    }
    await this.expectState(name, 'FROZEN');
  }

  /** Thaw a frozen container (`lxc-unfreeze`; it exits 0 on a stopped one, so the state is verified). */
  async unfreeze(name: string): Promise<void> {
    validateName(name);
    const args = ['-n', name];
    const res = await this.exec('lxc-unfreeze', args);
    if (res.code !== 0) this.fail('lxc-unfreeze', args, res, name);
    await this.expectState(name, 'RUNNING');
  }

  private async expectState(name: string, want: LxcState): Promise<void> {
    const deadline = Date.now() + 5_000;
    for (;;) {
      const st = await this.state(name);
      if (st === want) return;
      if (Date.now() > deadline || st === 'STOPPED') {
        throw new StateError(`${name}: expected state ${want}, found ${st}`, want, st);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /**
   * Run a command inside a running container (`lxc-attach -n name -- argv…`) and collect output.
   * `exitCode` is the command's. Attach failures (container not running) are detected from
   * lxc-attach's own stderr and raised as {@link StateError} / {@link NotFoundError}.
   */
  async attach(name: string, argv: readonly string[], opts: LxcAttachOptions = {}): Promise<LxcAttachResult> {
    validateName(name);
    if (!Array.isArray(argv) || argv.length === 0) throw new InvalidArgumentError('argv', 'must be a non-empty array');
    const cmd = argv.map((a) => validateArg(a, 'argv'));
    const args = ['-n', name];
    if (opts.clearEnv) args.push('--clear-env');
    for (const [k, v] of Object.entries(opts.env ?? {})) {
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) throw new InvalidArgumentError('env', `bad variable name ${JSON.stringify(k)}`);
      args.push('-v', `${k}=${validateValue(v, `env.${k}`)}`);
    }
    if (opts.uid !== undefined) args.push('-u', String(validateInt(opts.uid, 'uid', { min: 0, max: 2 ** 32 - 2 })));
    if (opts.gid !== undefined) args.push('-g', String(validateInt(opts.gid, 'gid', { min: 0, max: 2 ** 32 - 2 })));
    args.push('--');
    if (opts.cwd !== undefined) {
      validateValue(opts.cwd, 'cwd');
      if (opts.cwd === '') throw new InvalidArgumentError('cwd', 'must not be empty');
      args.push('sh', '-c', 'cd -- "$1" && shift && exec "$@"', 'sh', opts.cwd, ...cmd);
    } else {
      args.push(...cmd);
    }
    const res = await this.exec('lxc-attach', args, { timeoutMs: opts.timeoutMs, input: opts.input });
    if (res.code === 1 && /^lxc-attach: [^:]*: \S+attach\.c: (get_attach_context|lxc_attach): \d+ /m.test(res.stderr)) {
      const st = await this.state(name);
      throw new StateError(`lxc-attach: cannot attach to ${name} (state ${st})`, 'RUNNING', st, { command: 'lxc-attach', args, exitCode: 1, stderr: res.stderr });
    }
    return { stdout: res.stdout, stderr: res.stderr, exitCode: res.code ?? 128 };
  }

  /**
   * Attach to a container console (`lxc-console -n name -t tty`) as a Duplex. lxc-console
   * needs a terminal on stdin: over SSH pass `tty: true`; locally it fails without one
   * ("Failed to add stdin handler"), so prefer {@link attach} for scripted I/O.
   * `destroy()` ends it.
   */
  console(name: string, opts: { tty?: number; escape?: string; sshTty?: boolean } = {}): ProcessDuplex {
    validateName(name);
    const args = [...(this.lxcpathOpt ? ['-P', this.lxcpathOpt] : []), '-n', name];
    if (opts.tty !== undefined) args.push('-t', String(validateInt(opts.tty, 'tty', { min: 0, max: 63 })));
    if (opts.escape !== undefined) {
      if (!/^\^?[a-z]$/i.test(opts.escape)) throw new InvalidArgumentError('escape', 'must be like "^a" or "a"');
      args.push('-e', opts.escape);
    }
    const cmd = this.binDir ? `${this.binDir.replace(/\/+$/, '')}/lxc-console` : 'lxc-console';
    return this.transport.spawn(cmd, args, { tty: opts.sshTty });
  }

  /** List containers (`lxc-ls -f -F NAME,STATE,PID,AUTOSTART,GROUPS,IPV4,IPV6,UNPRIVILEGED`). */
  async ls(opts: { running?: boolean; stopped?: boolean; frozen?: boolean; group?: string } = {}): Promise<LxcListEntry[]> {
    const args = ['-f', '-F', 'NAME,STATE,PID,AUTOSTART,GROUPS,IPV4,IPV6,UNPRIVILEGED'];
    if (opts.running) args.push('--running');
    if (opts.stopped) args.push('--stopped');
    if (opts.frozen) args.push('--frozen');
    if (opts.group !== undefined) args.push('-g', validateName(opts.group, 'group'));
    const res = await this.run('lxc-ls', args, undefined, { log: true });
    return parseLxcLs(res.stdout);
  }

  /** Container details (`lxc-info -H -n name`). @throws NotFoundError. */
  async info(name: string): Promise<LxcInfo> {
    validateName(name);
    const args = ['-H', '-n', name];
    const res = await this.run('lxc-info', args, name, { log: true });
    return parseLxcInfo(res.stdout);
  }

  /** Current state (`lxc-info -s -H`). @throws NotFoundError. */
  async state(name: string): Promise<LxcState | string> {
    validateName(name);
    const res = await this.run('lxc-info', ['-s', '-H', '-n', name], name, { log: true });
    return res.stdout.trim();
  }

  /** Whether the container is defined (`lxc-info` exit status). */
  async exists(name: string): Promise<boolean> {
    validateName(name);
    const res = await this.exec('lxc-info', ['-s', '-H', '-n', name]);
    return res.code === 0;
  }

  /** Read and parse the container's config file (ordered entries; keys may repeat). */
  async getConfig(name: string): Promise<LxcConfigEntry[]> {
    const path = await this.configPath(name);
    try {
      return parseLxcConfig(await readFile(this.transport, path));
    } catch (e) {
      if (e instanceof NotFoundError) throw new NotFoundError(name, `container ${JSON.stringify(name)} does not exist`);
      throw e;
    }
  }

  /** All values of one key in the config file (empty if unset). */
  async getConfigItem(name: string, key: string): Promise<string[]> {
    checkKey(key);
    return (await this.getConfig(name)).filter((e) => e.key === key).map((e) => e.value);
  }

  /**
   * Set `key` in the container's config file, replacing every existing line for it; an array
   * writes the key once per value; `null` removes it. The file is replaced atomically. Takes
   * effect at the next start.
   */
  async setConfig(name: string, key: string, value: string | number | boolean | ReadonlyArray<string | number> | null): Promise<void> {
    checkKey(key);
    const values = value === null ? [] : toValues(key, value);
    const path = await this.configPath(name);
    let text: string;
    try {
      text = await readFile(this.transport, path);
    } catch (e) {
      if (e instanceof NotFoundError) throw new NotFoundError(name, `container ${JSON.stringify(name)} does not exist`);
      throw e;
    }
    await writeFileAtomic(this.transport, path, editLxcConfig(text, key, values));
  }

  /** Read autostart settings from the config file. */
  async getAutostart(name: string): Promise<LxcAutostart> {
    const cfg = await this.getConfig(name);
    const last = (k: string): string | undefined => cfg.filter((e) => e.key === k).pop()?.value;
    const num = (k: string): number | undefined => {
      const v = last(k);
      return v !== undefined && /^-?\d+$/.test(v) ? Number(v) : undefined;
    };
    return {
      enabled: last('lxc.start.auto') === '1',
      order: num('lxc.start.order'),
      delay: num('lxc.start.delay'),
      groups: cfg.filter((e) => e.key === 'lxc.group').flatMap((e) => e.value.split(',').map((s) => s.trim()).filter(Boolean)),
    };
  }

  /** Change autostart settings (only the given fields). */
  async setAutostart(name: string, s: Partial<LxcAutostart>): Promise<void> {
    validateName(name);
    if (s.order !== undefined) validateInt(s.order, 'order', { min: -1_000_000, max: 1_000_000 });
    if (s.delay !== undefined) validateInt(s.delay, 'delay', { min: 0, max: 86400 });
    s.groups?.forEach((g) => validateName(g, 'groups'));
    if (s.enabled !== undefined) await this.setConfig(name, 'lxc.start.auto', s.enabled ? 1 : 0);
    if (s.order !== undefined) await this.setConfig(name, 'lxc.start.order', s.order);
    if (s.delay !== undefined) await this.setConfig(name, 'lxc.start.delay', s.delay);
    if (s.groups !== undefined) await this.setConfig(name, 'lxc.group', s.groups);
  }

  /** Create a snapshot (`lxc-snapshot [-c commentfile]`); returns the new snapshot's name. */
  async snapshotCreate(name: string, opts: { comment?: string; timeoutMs?: number } = {}): Promise<string> {
    validateName(name);
    const before = new Set((await this.snapshotList(name)).map((s) => s.name));
    const args = ['-n', name];
    let commentPath: string | undefined;
    try {
      if (opts.comment !== undefined) {
        if (typeof opts.comment !== 'string' || opts.comment.includes('\0')) throw new InvalidArgumentError('comment', 'must be a string');
        commentPath = await writeTempFile(this.transport, opts.comment.endsWith('\n') ? opts.comment : `${opts.comment}\n`, '/tmp', 'virtkit-lxc-comment');
        args.push('-c', commentPath);
      }
      await this.run('lxc-snapshot', args, name, { log: true, timeoutMs: opts.timeoutMs ?? Math.max(this.timeoutMs, 300_000) });
    } finally {
      if (commentPath) await removeFile(this.transport, commentPath).catch(() => undefined);
    }
    const created = (await this.snapshotList(name)).filter((s) => !before.has(s.name));
    if (created.length !== 1) throw new CliError(`lxc-snapshot: cannot identify the new snapshot of ${name}`, { command: 'lxc-snapshot' });
    return created[0]!.name;
  }

  /** List snapshots with comments (`lxc-snapshot -L -C`). */
  async snapshotList(name: string): Promise<LxcSnapshot[]> {
    validateName(name);
    if (!(await this.exists(name))) throw new NotFoundError(name, `container ${JSON.stringify(name)} does not exist`);
    const res = await this.run('lxc-snapshot', ['-n', name, '-L', '-C'], name, { log: true });
    return parseLxcSnapshots(res.stdout);
  }

  /** Restore a snapshot over the container, or into a new container `newName` (`lxc-snapshot -r snap [-N new]`). */
  async snapshotRestore(name: string, snapshot: string, opts: { newName?: string; timeoutMs?: number } = {}): Promise<void> {
    validateName(name);
    const args = ['-n', name, '-r', validateName(snapshot, 'snapshot')];
    if (opts.newName !== undefined) args.push('-N', validateName(opts.newName, 'newName'));
    await this.run('lxc-snapshot', args, name, { log: true, timeoutMs: opts.timeoutMs ?? Math.max(this.timeoutMs, 300_000) });
  }

  /** Destroy a snapshot (`lxc-snapshot -d snap`). */
  async snapshotDestroy(name: string, snapshot: string): Promise<void> {
    validateName(name);
    const args = ['-n', name, '-d', validateName(snapshot, 'snapshot')];
    const res = await this.exec('lxc-snapshot', args, { log: true });
    if (res.code !== 0) {
      if (/Could not destroy snapshot/.test(res.stderr)) {
        const snaps = await this.snapshotList(name);
        if (!snaps.some((s) => s.name === snapshot)) throw new NotFoundError(snapshot, `snapshot ${JSON.stringify(snapshot)} of ${name} does not exist`, { command: 'lxc-snapshot', args, exitCode: res.code, stderr: res.stderr });
      }
      this.fail('lxc-snapshot', args, res, name);
    }
  }

  /** Copy (clone) a stopped container (`lxc-copy -n name -N newName [-s] [-B store]`). */
  async copy(name: string, newName: string, opts: { snapshot?: boolean; backingStore?: LxcBackingStore; timeoutMs?: number } = {}): Promise<void> {
    validateName(name);
    const args = ['-n', name, '-N', validateName(newName, 'newName')];
    if (opts.snapshot) args.push('-s');
    if (opts.backingStore !== undefined) {
      if (!BACKING.includes(opts.backingStore)) throw new InvalidArgumentError('backingStore', `must be one of ${BACKING.join(', ')}`);
      args.push('-B', opts.backingStore);
    }
    const res = await this.exec('lxc-copy', args, { log: true, timeoutMs: opts.timeoutMs ?? Math.max(this.timeoutMs, 300_000) });
    if (res.code !== 0) {
      if (!(await this.exists(name))) throw new NotFoundError(name, `container ${JSON.stringify(name)} does not exist`, { command: 'lxc-copy', args, exitCode: res.code, stderr: res.stderr });
      this.fail('lxc-copy', args, res, name);
    }
  }

  /** Destroy a container (`lxc-destroy`; `force` stops it first, `snapshots` removes its snapshots too). */
  async destroy(name: string, opts: { force?: boolean; snapshots?: boolean; timeoutMs?: number } = {}): Promise<void> {
    validateName(name);
    const args = ['-n', name];
    if (opts.force) args.push('-f');
    if (opts.snapshots) args.push('-s');
    await this.run('lxc-destroy', args, name, { timeoutMs: opts.timeoutMs ?? Math.max(this.timeoutMs, 120_000) });
  }

  /**
   * Wait until the container is in one of `states` (`lxc-wait -s 'A|B' -t timeoutSec`).
   * @returns `true` when reached, `false` on timeout.
   */
  async wait(name: string, states: readonly LxcState[], timeoutSec: number): Promise<boolean> {
    validateName(name);
    if (!Array.isArray(states) || states.length === 0 || states.some((s) => !LXC_STATES.includes(s))) {
      throw new InvalidArgumentError('states', `must be a non-empty list of ${LXC_STATES.join(', ')}`);
    }
    const t = validateInt(timeoutSec, 'timeoutSec', { min: 0, max: 86400 });
    const res = await this.exec('lxc-wait', ['-n', name, '-s', states.join('|'), '-t', String(t)], { timeoutMs: (t + 30) * 1000 });
    return res.code === 0;
  }

  /** Read a cgroup value of a running container (`lxc-cgroup -n name key`). */
  async cgroupGet(name: string, key: string): Promise<string> {
    validateName(name);
    checkCgroupKey(key);
    const res = await this.run('lxc-cgroup', ['-n', name, key], name);
    return res.stdout.trim();
  }

  /** Set a cgroup value of a running container (`lxc-cgroup -n name key value`). */
  async cgroupSet(name: string, key: string, value: string | number): Promise<void> {
    validateName(name);
    checkCgroupKey(key);
    const v = typeof value === 'number' ? String(validateInt(value, 'value', { min: 0 })) : validateValue(value, 'value');
    if (v === '' || v.startsWith('-')) throw new InvalidArgumentError('value', 'must be non-empty and not start with "-"');
    await this.run('lxc-cgroup', ['-n', name, key, v], name);
  }
}

function checkKey(key: string): void {
  if (typeof key !== 'string' || !CONFIG_KEY.test(key) || key.length > 256) {
    throw new InvalidArgumentError('key', `${JSON.stringify(key)} is not an lxc.* config key`);
  }
}

function checkCgroupKey(key: string): void {
  if (typeof key !== 'string' || !/^[a-z0-9_]+(\.[a-z0-9_]+)+$/i.test(key) || key.length > 128) {
    throw new InvalidArgumentError('key', `${JSON.stringify(key)} is not a cgroup key like memory.max`);
  }
}

function toValues(key: string, value: string | number | boolean | ReadonlyArray<string | number>): string[] {
  const list = Array.isArray(value) ? value : [value];
  return list.map((v) => {
    if (typeof v === 'boolean') return v ? '1' : '0';
    if (typeof v === 'number') {
      if (!Number.isSafeInteger(v)) throw new InvalidArgumentError(key, 'numbers must be integers');
      return String(v);
    }
    if (typeof v !== 'string') throw new InvalidArgumentError(key, 'unsupported value type');
    return validateValue(v, key).trim();
  });
}

/** Render config values as LXC config file text (keys validated). */
export function renderConfig(cfg: LxcConfigValues): string {
  let out = '';
  for (const [k, v] of Object.entries(cfg)) {
    checkKey(k);
    for (const val of toValues(k, v)) out += `${k} = ${val}\n`;
  }
  return out;
}
