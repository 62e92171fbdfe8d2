import {
  CliError,
  InvalidArgumentError,
  NotFoundError,
  StateError,
  UsageError,
} from '../errors.js';
import { LocalTransport } from '../transport/local.js';
import { removeFile, writeTempFile } from '../transport/remote-fs.js';
import type { ProcessDuplex, RunResult, Transport } from '../transport/types.js';
import { validateDomainRef, validateInt, validateName, validatePath, validateTimeout } from '../transport/validate.js';
import { renderXlConfig, type XlConfig } from './config.js';
import {
  parseXlBlockList,
  parseXlInfo,
  parseXlList,
  parseXlListLong,
  parseXlNetworkList,
  parseXlUptime,
  parseXlVcpuList,
  type XlBlock,
  type XlDomainDetails,
  type XlInfo,
  type XlListRow,
  type XlNic,
  type XlUptime,
  type XlVcpu,
} from './parse.js';

/** A domain as returned by {@link Xl.list}: the `xl list -v` row plus `xl list -l` details. */
export interface XlDomain extends XlListRow {
  /** Details from `xl list -l`; `undefined` if xl could not read this domain's config or printed SXP. */
  details?: XlDomainDetails;
  /** Type (pv/pvh/hvm) from the details. */
  type?: XlDomainDetails['type'];
}

/** Options of {@link Xl}. */
export interface XlOptions {
  /** Path of the xl binary (default `xl`; Debian's real binary is `/usr/lib/xen-4.17/bin/xl`). */
  xlPath?: string;
  /** Default timeout for xl commands, ms (default 60 000). */
  timeoutMs?: number;
  /** Directory on the target host for temporary config files (default `/tmp`). */
  tmpDir?: string;
  /** How long {@link Xl.pause}/{@link Xl.unpause} poll for the new state, ms (default 5 000). */
  stateCheckMs?: number;
}

/** Options of {@link Xl.shutdown} and {@link Xl.reboot}. */
export interface XlShutdownOptions {
  /** `-w`: wait until the domain has shut down (and for reboot: been torn down). */
  wait?: boolean;
  /** `-F`: fall back to ACPI/event injection when the guest has no PV drivers (HVM). */
  force?: boolean;
  /** Timeout, ms (default: the instance default; raise it with `wait`). */
  timeoutMs?: number;
}

/** Options of {@link Xl.create}. */
export interface XlCreateOptions {
  /** `-p`: leave the domain paused after creation. */
  paused?: boolean;
  /** Timeout, ms. */
  timeoutMs?: number;
}

/** Result of {@link Xl.create}. */
export interface XlCreateResult {
  /** Domain name. */
  name: string;
  /** Domain id. */
  domid: number;
}

/** Patterns meaning "this domain does not exist" (xl 4.17). */
const NOT_FOUND: RegExp[] = [
  /^(.*?) is an invalid domain identifier/m,
  /^Error: Domain '(.*)' does not exist\./m,
  /^Can't get domid of domain name '(.*)', maybe this domain does not exist\./m,
  /^Can't get domain name of domain id '(.*)', maybe this domain does not exist\./m,
];
/** libxl's message when a numeric domid does not exist (`xl pause 77` still exits 0). */
const NO_SUCH_DOMID = /libxl: error: .*Domain (\d+):.*No such process/m;

/**
 * Detect a not-found message in xl's stderr; returns the name/id or `undefined`.
 * `domid` (the numeric id the command was about) enables libxl's `Domain N:…No such process`.
 */
export function xlNotFoundTarget(stderr: string, domid?: string): string | undefined {
  for (const re of NOT_FOUND) {
    const m = re.exec(stderr);
    if (m) return m[1];
  }
  if (domid !== undefined && /^\d+$/.test(domid)) {
    const m = NO_SUCH_DOMID.exec(stderr);
    if (m && m[1] === domid) return m[1];
  }
  return undefined;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Typed wrapper for Xen's `xl` toolstack (4.17), run through a {@link Transport} (local or SSH).
 * Every argument is validated before anything runs; failures map to typed errors
 * (`NotFoundError`, `UsageError` for exit 2, `StateError`, `CliError`).
 *
 * Config files for {@link create} are written on the TARGET host: `mktemp` creates a private
 * (0600) file in `tmpDir`, `tee <file>` receives the config on stdin, `xl create <file>` runs,
 * and `rm -f <file>` cleans up — no shell is involved. (`xl create /dev/stdin` does not work:
 * libxl reads config files with `stat()`-based sizing, which fails for pipes.)
 */
export class Xl {
  /** The transport commands run through. */
  readonly transport: Transport;
  /** The xl binary. */
  readonly xlPath: string;
  private readonly timeoutMs: number;
  private readonly tmpDir: string;
  private readonly stateCheckMs: number;

  /**
   * @param transport - where to run (default: a {@link LocalTransport}).
   * @param opts - options, or just the xl path as a string.
   */
  constructor(transport: Transport = new LocalTransport(), opts: XlOptions | string = {}) {
    const o: XlOptions = typeof opts === 'string' ? { xlPath: opts } : opts;
    this.transport = transport;
    this.xlPath = validatePath(o.xlPath ?? 'xl', 'xlPath');
    this.timeoutMs = validateTimeout(o.timeoutMs ?? 60_000);
    this.tmpDir = validatePath(o.tmpDir ?? '/tmp', 'tmpDir');
    this.stateCheckMs = validateTimeout(o.stateCheckMs ?? 5_000, 'stateCheckMs');
  }

  /**
   * Run `xl <args>` and map failures: exit 2 → {@link UsageError}; a not-found message (even
   * with exit 0, as for `block-list`) → {@link NotFoundError}; other non-zero → {@link CliError}.
   */
  async exec(args: string[], opts: { timeoutMs?: number; input?: string; target?: string } = {}): Promise<RunResult> {
    const res = await this.transport.run(this.xlPath, args, {
      timeoutMs: opts.timeoutMs ?? this.timeoutMs,
      input: opts.input,
    });
    const init = { command: this.xlPath, args, exitCode: res.code, stderr: res.stderr, stdout: res.stdout };
    const stderr = res.stderr.trim();
    if (res.code === 2) throw new UsageError(`xl ${args[0]}: usage error: ${stderr || res.stdout.trim()}`, init);
    const missing = xlNotFoundTarget(res.stderr, opts.target);
    if (missing !== undefined && (res.code !== 0 || opts.target !== undefined)) {
      throw new NotFoundError(opts.target ?? missing, `xl ${args[0]}: domain ${JSON.stringify(opts.target ?? missing)} does not exist`, init);
    }
    if (res.code !== 0) {
      throw new CliError(`xl ${args.join(' ')} failed (exit ${res.code ?? res.signal}): ${stderr}`, init);
    }
    return res;
  }

  /** All domains: `xl list -v` (state flags, uuid) joined with `xl list -l` (JSON details) by domid. */
  async list(): Promise<XlDomain[]> {
    const [table, long] = await Promise.all([this.exec(['list', '-v']), this.exec(['list', '-l'])]);
    return merge(parseXlList(table.stdout), parseXlListLong(long.stdout).domains);
  }

  /** One domain by name or id (`xl list` accepts only one domain argument). */
  async listOne(ref: string | number): Promise<XlDomain> {
    const d = validateDomainRef(ref);
    const table = await this.exec(['list', '-v', d], { target: d });
    let details: XlDomainDetails[] = [];
    try {
      details = parseXlListLong((await this.exec(['list', '-l', d], { target: d })).stdout).domains;
    } catch (e) {
      if (e instanceof NotFoundError) throw e;
      // details are optional (e.g. SXP output or unreadable config)
    }
    const rows = merge(parseXlList(table.stdout), details);
    if (rows.length !== 1) throw new NotFoundError(d, `xl list: domain ${JSON.stringify(d)} not found`);
    return rows[0]!;
  }

  /** Whether a domain exists. */
  async exists(ref: string | number): Promise<boolean> {
    try {
      await this.listOne(ref);
      return true;
    } catch (e) {
      if (e instanceof NotFoundError) return false;
      throw e;
    }
  }

  /** Host information (`xl info`). */
  async info(): Promise<XlInfo> {
    return parseXlInfo((await this.exec(['info'])).stdout);
  }

  /**
   * Create a domain from a typed config (see class doc for how the file is written).
   * @returns name and domid of the new domain.
   */
  async create(config: XlConfig, opts: XlCreateOptions = {}): Promise<XlCreateResult> {
    const text = renderXlConfig(config); // validates before anything runs
    const timeoutMs = opts.timeoutMs !== undefined ? validateTimeout(opts.timeoutMs) : this.timeoutMs;
    const path = await writeTempFile(this.transport, text, this.tmpDir, 'virtkit-xl');
    try {
      await this.createFromFile(path, { paused: opts.paused, timeoutMs });
    } finally {
      await removeFile(this.transport, path).catch(() => undefined);
    }
    return { name: config.name, domid: await this.domid(config.name) };
  }

  /** Create a domain from a config file that already exists on the target host (`xl create <file>`). */
  async createFromFile(path: string, opts: XlCreateOptions = {}): Promise<void> {
    validatePath(path, 'configFile');
    const args = ['create'];
    if (opts.paused) args.push('-p');
    args.push(path);
    await this.exec(args, { timeoutMs: opts.timeoutMs });
  }

  /** Destroy (hard power-off) a domain. `force` is needed for domain 0 (`-f`). */
  async destroy(ref: string | number, opts: { force?: boolean } = {}): Promise<void> {
    const d = validateDomainRef(ref);
    await this.exec(opts.force ? ['destroy', '-f', d] : ['destroy', d], { target: d });
  }

  /** Ask a domain to shut down (`xl shutdown [-w] [-F]`). */
  async shutdown(ref: string | number, opts: XlShutdownOptions = {}): Promise<void> {
    await this.powerOp('shutdown', ref, opts);
  }

  /** Ask a domain to reboot (`xl reboot [-w] [-F]`). */
  async reboot(ref: string | number, opts: XlShutdownOptions = {}): Promise<void> {
    await this.powerOp('reboot', ref, opts);
  }

  private async powerOp(op: 'shutdown' | 'reboot', ref: string | number, opts: XlShutdownOptions): Promise<void> {
    const d = validateDomainRef(ref);
    const timeoutMs = opts.timeoutMs !== undefined ? validateTimeout(opts.timeoutMs) : this.timeoutMs;
    const args: string[] = [op];
    if (opts.wait) args.push('-w');
    if (opts.force) args.push('-F');
    args.push(d);
    await this.exec(args, { target: d, timeoutMs });
  }

  /**
   * Pause a domain. `xl pause` exits 0 even when it failed, so the state is checked afterwards:
   * {@link NotFoundError} if the domain is gone, {@link StateError} if it is not paused.
   */
  async pause(ref: string | number): Promise<void> {
    const d = validateDomainRef(ref);
    const res = await this.exec(['pause', d], { target: d });
    await this.expectFlag(d, 'paused', true, res.stderr);
  }

  /** Unpause a domain; verified like {@link pause}. */
  async unpause(ref: string | number): Promise<void> {
    const d = validateDomainRef(ref);
    const res = await this.exec(['unpause', d], { target: d });
    await this.expectFlag(d, 'paused', false, res.stderr);
  }

  private async expectFlag(d: string, flag: 'paused', want: boolean, stderr: string): Promise<void> {
    const deadline = Date.now() + this.stateCheckMs;
    for (;;) {
      const dom = await this.listOne(d);
      if (dom.flags[flag] === want) return;
      if (Date.now() >= deadline) {
        throw new StateError(
          `xl: domain ${d} is ${want ? 'not ' : 'still '}${flag}${stderr.trim() ? `: ${stderr.trim()}` : ''}`,
          want ? flag : `not ${flag}`,
          dom.state,
          { command: this.xlPath, stderr },
        );
      }
      await sleep(200);
    }
  }

  /**
   * Save a domain's memory image to `file` on the target host (`xl save`). The domain is
   * destroyed afterwards unless `checkpoint` (`-c`) is set.
   */
  async save(ref: string | number, file: string, opts: { checkpoint?: boolean; paused?: boolean; timeoutMs?: number } = {}): Promise<void> {
    const d = validateDomainRef(ref);
    validatePath(file, 'file');
    const args = ['save'];
    if (opts.checkpoint) args.push('-c');
    if (opts.paused) args.push('-p');
    args.push(d, file);
    await this.exec(args, { target: d, timeoutMs: opts.timeoutMs ?? Math.max(this.timeoutMs, 300_000) });
  }

  /** Restore a domain from a save file (`xl restore [-p] [config] file`). Returns the new domid if found. */
  async restore(file: string, opts: { paused?: boolean; configFile?: string; timeoutMs?: number } = {}): Promise<void> {
    validatePath(file, 'file');
    const args = ['restore'];
    if (opts.paused) args.push('-p');
    if (opts.configFile !== undefined) args.push(validatePath(opts.configFile, 'configFile'));
    args.push(file);
    await this.exec(args, { timeoutMs: opts.timeoutMs ?? Math.max(this.timeoutMs, 300_000) });
  }

  /**
   * Attach to a domain's console (`xl console [-t pv|serial] [-n N] dom`) as a Duplex stream.
   * xl console never exits on stdin EOF: call `destroy()` on the stream to end it (this kills
   * the process group; over SSH it kills the local ssh).
   */
  console(ref: string | number, opts: { type?: 'pv' | 'serial'; num?: number; tty?: boolean } = {}): ProcessDuplex {
    const d = validateDomainRef(ref);
    const args = ['console'];
    if (opts.type !== undefined) {
      if (opts.type !== 'pv' && opts.type !== 'serial') throw new InvalidArgumentError('type', 'must be pv or serial');
      args.push('-t', opts.type);
    }
    if (opts.num !== undefined) args.push('-n', String(validateInt(opts.num, 'num', { min: 0, max: 255 })));
    args.push(d);
    return this.transport.spawn(this.xlPath, args, { tty: opts.tty });
  }

  /** vCPU placement and state (`xl vcpu-list [dom]`). */
  async vcpuList(ref?: string | number): Promise<XlVcpu[]> {
    const args = ['vcpu-list'];
    let d: string | undefined;
    if (ref !== undefined) args.push((d = validateDomainRef(ref)));
    return parseXlVcpuList((await this.exec(args, { target: d })).stdout);
  }

  /** Set the number of online vCPUs (`xl vcpu-set`). */
  async vcpuSet(ref: string | number, count: number): Promise<void> {
    const d = validateDomainRef(ref);
    validateInt(count, 'count', { min: 1, max: 4096 });
    await this.exec(['vcpu-set', d, String(count)], { target: d });
  }

  /**
   * Set the memory target (`xl mem-set`). A number is MiB; a string may carry xl's suffix
   * (`b k m g t`, no suffix = KiB), e.g. `'512m'`.
   */
  async memSet(ref: string | number, memory: number | string): Promise<void> {
    const d = validateDomainRef(ref);
    await this.exec(['mem-set', d, memArg(memory)], { target: d });
  }

  /** Set the maximum memory (`xl mem-max`); same units as {@link memSet}. */
  async memMax(ref: string | number, memory: number | string): Promise<void> {
    const d = validateDomainRef(ref);
    await this.exec(['mem-max', d, memArg(memory)], { target: d });
  }

  /** Uptime of all domains or one (`xl uptime [dom]`). */
  async uptime(ref?: string | number): Promise<XlUptime[]> {
    const args = ['uptime'];
    let d: string | undefined;
    if (ref !== undefined) args.push((d = validateDomainRef(ref)));
    return parseXlUptime((await this.exec(args, { target: d })).stdout);
  }

  /** Domain id of a name (`xl domid`). */
  async domid(name: string): Promise<number> {
    const n = validateName(name, 'name');
    const out = (await this.exec(['domid', n], { target: n })).stdout.trim();
    if (!/^\d+$/.test(out)) throw new CliError(`xl domid: unexpected output ${JSON.stringify(out)}`, { command: this.xlPath });
    return Number(out);
  }

  /** Domain name of an id (`xl domname`). */
  async domname(domid: number): Promise<string> {
    const id = String(validateInt(domid, 'domid', { min: 0, max: 0x7fef }));
    return (await this.exec(['domname', id], { target: id })).stdout.trim();
  }

  /** Virtual NICs (`xl network-list`). */
  async networkList(ref: string | number): Promise<XlNic[]> {
    const d = validateDomainRef(ref);
    return parseXlNetworkList((await this.exec(['network-list', d], { target: d })).stdout);
  }

  /** Virtual block devices (`xl block-list`; exits 0 on a bad domain: detected from stderr). */
  async blockList(ref: string | number): Promise<XlBlock[]> {
    const d = validateDomainRef(ref);
    return parseXlBlockList((await this.exec(['block-list', d], { target: d })).stdout);
  }
}

function memArg(memory: number | string): string {
  if (typeof memory === 'number') return `${validateInt(memory, 'memory', { min: 1 })}m`;
  if (typeof memory === 'string' && /^[1-9]\d{0,15}[bkmgtBKMGT]?$/.test(memory)) return memory;
  throw new InvalidArgumentError('memory', 'must be MiB as an integer or a string like "512m"');
}

function merge(rows: XlListRow[], details: XlDomainDetails[]): XlDomain[] {
  const byId = new Map(details.map((d) => [d.domid, d]));
  return rows.map((r) => {
    const det = byId.get(r.domid);
    return { ...r, details: det, type: det?.type, uuid: r.uuid ?? det?.uuid };
  });
}
