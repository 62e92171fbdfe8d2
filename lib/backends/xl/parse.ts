/**
 * Parsers for `xl` (Xen 4.17) output. Pure functions, no process involved.
 * Formats: see the xl sources (tools/xl/xl_list.c, xl_info.c, xl_vcpu.c …) and real outputs in
 * test/fixtures/xl/.
 */

/** Why a domain shut down (the letter after the `s` flag in `xl list`). */
export type XlShutdownReason = 'poweroff' | 'reboot' | 'suspend' | 'crash' | 'watchdog' | 'soft_reset';

/** The six state flags of `xl list` (`r b p s <reason> d`). */
export interface XlStateFlags {
  /** `r`: currently running on a CPU. */
  running: boolean;
  /** `b`: blocked (idle, waiting for an event). */
  blocked: boolean;
  /** `p`: paused. */
  paused: boolean;
  /** `s`: shut down (but not yet destroyed). */
  shutdown: boolean;
  /** Reason of the shutdown, `null` unless {@link shutdown}. */
  shutdownReason: XlShutdownReason | null;
  /** `d`: dying. */
  dying: boolean;
}

/** One summary state, derived from {@link XlStateFlags}. */
export type XlStateName = 'running' | 'blocked' | 'paused' | 'shutdown' | 'crashed' | 'dying' | 'idle';

/** One row of `xl list` (optionally `-v`). */
export interface XlListRow {
  /** Domain name. */
  name: string;
  /** Domain id. */
  domid: number;
  /** Current memory in MiB. */
  memoryMiB: number;
  /** Online vCPUs. */
  vcpus: number;
  /** State flags. */
  flags: XlStateFlags;
  /** Summary state. */
  state: XlStateName;
  /** CPU time consumed, seconds. */
  cpuTimeSeconds: number;
  /** UUID (only with `xl list -v`). */
  uuid?: string;
  /** Security label (only with `xl list -v`; `-` when none). */
  securityLabel?: string;
}

const REASONS: Record<string, XlShutdownReason> = {
  '-': 'poweroff',
  r: 'reboot',
  s: 'suspend',
  c: 'crash',
  w: 'watchdog',
  S: 'soft_reset',
};

/** Parse the six state characters of `xl list` (e.g. `r-----`, `--ps-d`, `---sc-`). */
export function parseStateFlags(s: string): XlStateFlags {
  if (!/^[-r][-b][-p][-s][-rscwS][-d]$/.test(s)) throw new Error(`xl: unexpected state flags ${JSON.stringify(s)}`);
  const shutdown = s[3] === 's';
  return {
    running: s[0] === 'r',
    blocked: s[1] === 'b',
    paused: s[2] === 'p',
    shutdown,
    shutdownReason: shutdown ? REASONS[s[4]!]! : null,
    dying: s[5] === 'd',
  };
}

/** Summarise flags into one state, by priority dying > crashed > shutdown > paused > running > blocked. */
export function stateName(f: XlStateFlags): XlStateName {
  if (f.dying) return 'dying';
  if (f.shutdown) return f.shutdownReason === 'crash' ? 'crashed' : 'shutdown';
  if (f.paused) return 'paused';
  if (f.running) return 'running';
  if (f.blocked) return 'blocked';
  return 'idle';
}

// name (%-40s, may be longer) id mem vcpus flags time [uuid reason label]
const LIST_ROW =
  /^(.+?) +(\d+) +(\d+) +(\d+) +([-r][-b][-p][-s][-rscwS][-d]) +(\d+(?:\.\d+)?)(?: +([0-9a-fA-F-]{36}) +(\S+) +(.*?))?\s*$/;

/** Parse `xl list` / `xl list -v` / `xl list <dom>` table output. */
export function parseXlList(stdout: string): XlListRow[] {
  const rows: XlListRow[] = [];
  const lines = stdout.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.replace(/\r$/, '');
    if (line.trim() === '') continue;
    if (i === 0 && /^Name\s+ID\s+Mem\s+VCPUs/.test(line)) continue;
    const m = LIST_ROW.exec(line);
    if (!m) throw new Error(`xl list: cannot parse line ${JSON.stringify(line)}`);
    const flags = parseStateFlags(m[5]!);
    const row: XlListRow = {
      name: m[1]!.trim(),
      domid: Number(m[2]),
      memoryMiB: Number(m[3]),
      vcpus: Number(m[4]),
      flags,
      state: stateName(flags),
      cpuTimeSeconds: Number(m[6]),
    };
    if (m[7]) {
      row.uuid = m[7].toLowerCase();
      row.securityLabel = m[9] ?? '-';
    }
    rows.push(row);
  }
  return rows;
}

/** Virtualisation mode of a domain. */
export type XlDomainType = 'pv' | 'pvh' | 'hvm';

/** Details from `xl list -l` (JSON `libxl_domain_config`), normalised. Missing = default. */
export interface XlDomainDetails {
  /** Domain id. */
  domid: number;
  /** Name (`c_info.name`). */
  name?: string;
  /** Type from `c_info.type` or the `b_info."type.pv|hvm|pvh"` keyed union. */
  type?: XlDomainType;
  /** UUID (`c_info.uuid`). */
  uuid?: string;
  /** `b_info.max_memkb`. */
  maxMemKiB?: number;
  /** `b_info.target_memkb`. */
  targetMemKiB?: number;
  /** `b_info.max_vcpus`. */
  maxVcpus?: number;
  /** Kernel image path (PV/PVH direct boot). */
  kernel?: string;
  /** Ramdisk path. */
  ramdisk?: string;
  /** Kernel command line. */
  cmdline?: string;
  /** Scheduler name (`b_info.sched_params.sched`). */
  scheduler?: string;
  /** Action on poweroff (libxl default `destroy` when absent). */
  onPoweroff?: string;
  /** Action on reboot. */
  onReboot?: string;
  /** Action on crash. */
  onCrash?: string;
  /** Disks (`disks[]`: vdev, pdev_path, format, readwrite). */
  disks: Array<{ vdev?: string; target?: string; format?: string; readwrite?: boolean }>;
  /** NICs (`nics[]`: devid, mac, bridge). */
  nics: Array<{ devid?: number; mac?: string; bridge?: string }>;
  /** The raw `config` object, for anything not normalised here. */
  raw: Record<string, unknown>;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const defbool = (v: unknown): boolean | undefined =>
  v === true || v === 'True' ? true : v === false || v === 'False' ? false : undefined;

/** Result of `xl list -l`, parsed. */
export interface XlListLongResult {
  /** Output format detected. `sxp` output (`output_format="sxp"` in xl.conf) is not parsed. */
  format: 'json' | 'sxp' | 'empty';
  /** Parsed domains (JSON only). */
  domains: XlDomainDetails[];
}

/**
 * Parse `xl list -l` by structure (JSON.parse, never by text layout: whitespace differs between
 * Xen versions). Domains whose config xl could not read are simply absent (xl skips them).
 */
export function parseXlListLong(stdout: string): XlListLongResult {
  const text = stdout.trim();
  if (text === '') return { format: 'empty', domains: [] };
  if (text.startsWith('(')) return { format: 'sxp', domains: [] };
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new Error(`xl list -l: invalid JSON: ${(e as Error).message}`, { cause: e });
  }
  if (!Array.isArray(data)) throw new Error('xl list -l: expected a JSON array');
  const domains: XlDomainDetails[] = [];
  for (const entry of data) {
    if (!isObj(entry) || typeof entry.domid !== 'number') continue;
    domains.push(domainDetails(entry.domid, isObj(entry.config) ? entry.config : {}));
  }
  return { format: 'json', domains };
}

/** Normalise one `libxl_domain_config` JSON object (as in `xl list -l` or `xl -N create`). */
export function domainDetails(domid: number, config: Obj): XlDomainDetails {
  const c = isObj(config.c_info) ? config.c_info : {};
  const b = isObj(config.b_info) ? config.b_info : {};
  let type = str(c.type) as XlDomainType | undefined;
  if (!type) {
    for (const t of ['pv', 'pvh', 'hvm'] as const) if (`type.${t}` in b) type = t;
  }
  const u = isObj(b[`type.${type}`]) ? (b[`type.${type}`] as Obj) : {};
  const sched = isObj(b.sched_params) ? b.sched_params : {};
  const disks = Array.isArray(config.disks) ? config.disks.filter(isObj) : [];
  const nics = Array.isArray(config.nics) ? config.nics.filter(isObj) : [];
  return {
    domid,
    name: str(c.name),
    type: type === 'pv' || type === 'pvh' || type === 'hvm' ? type : undefined,
    uuid: str(c.uuid),
    maxMemKiB: num(b.max_memkb),
    targetMemKiB: num(b.target_memkb),
    maxVcpus: num(b.max_vcpus),
    kernel: str(b.kernel) ?? str(u.kernel),
    ramdisk: str(b.ramdisk) ?? str(u.ramdisk),
    cmdline: str(b.cmdline) ?? str(u.cmdline),
    scheduler: str(sched.sched),
    onPoweroff: str(config.on_poweroff),
    onReboot: str(config.on_reboot),
    onCrash: str(config.on_crash),
    disks: disks.map((d) => ({
      vdev: str(d.vdev),
      target: str(d.pdev_path) ?? str(d.target),
      format: str(d.format),
      readwrite: num(d.readwrite) !== undefined ? num(d.readwrite) !== 0 : defbool(d.readwrite),
    })),
    nics: nics.map((n) => ({ devid: num(n.devid), mac: str(n.mac), bridge: str(n.bridge) })),
    raw: config,
  };
}

/** Typed subset of `xl info` (the full key/value map is in {@link XlInfo.raw}). */
export interface XlInfo {
  /** Every `key : value` pair, verbatim (values trimmed at the end). */
  raw: Record<string, string>;
  /** `host`. */
  host?: string;
  /** `release` (dom0 kernel). */
  release?: string;
  /** `machine`. */
  machine?: string;
  /** `nr_cpus`. */
  nrCpus?: number;
  /** `nr_nodes`. */
  nrNodes?: number;
  /** `cores_per_socket`. */
  coresPerSocket?: number;
  /** `threads_per_core`. */
  threadsPerCore?: number;
  /** `cpu_mhz`. */
  cpuMhz?: number;
  /** `virt_caps`, split. */
  virtCaps: string[];
  /** `total_memory` (MiB). */
  totalMemoryMiB?: number;
  /** `free_memory` (MiB). */
  freeMemoryMiB?: number;
  /** `xen_version` e.g. `4.17.7`. */
  xenVersion?: string;
  /** `xen_major`. */
  xenMajor?: number;
  /** `xen_minor`. */
  xenMinor?: number;
  /** `xen_caps`, split. */
  xenCaps: string[];
  /** `xen_scheduler`. */
  xenScheduler?: string;
  /** `xen_commandline`. */
  xenCommandline?: string;
}

/** Parse `xl info` (`key` padded to 23, then `: value`). */
export function parseXlInfo(stdout: string): XlInfo {
  const raw: Record<string, string> = {};
  for (const line of stdout.split('\n')) {
    const m = /^([A-Za-z0-9_]+)\s*:(?: (.*))?$/.exec(line.replace(/\r$/, ''));
    if (m) raw[m[1]!] = (m[2] ?? '').trimEnd();
  }
  const n = (k: string): number | undefined => {
    const v = raw[k];
    return v !== undefined && v !== '' && Number.isFinite(Number(v)) ? Number(v) : undefined;
  };
  const list = (k: string): string[] => (raw[k] ?? '').split(/\s+/).filter(Boolean);
  return {
    raw,
    host: raw.host,
    release: raw.release,
    machine: raw.machine,
    nrCpus: n('nr_cpus'),
    nrNodes: n('nr_nodes'),
    coresPerSocket: n('cores_per_socket'),
    threadsPerCore: n('threads_per_core'),
    cpuMhz: n('cpu_mhz'),
    virtCaps: list('virt_caps'),
    totalMemoryMiB: n('total_memory'),
    freeMemoryMiB: n('free_memory'),
    xenVersion: raw.xen_version,
    xenMajor: n('xen_major'),
    xenMinor: n('xen_minor'),
    xenCaps: list('xen_caps'),
    xenScheduler: raw.xen_scheduler,
    xenCommandline: raw.xen_commandline,
  };
}

/** One row of `xl vcpu-list`. */
export interface XlVcpu {
  /** Domain name. */
  name: string;
  /** Domain id. */
  domid: number;
  /** vCPU number. */
  vcpu: number;
  /** Physical CPU it runs on, `null` when offline (`-`). */
  cpu: number | null;
  /** `r` running. */
  running: boolean;
  /** `b` blocked. */
  blocked: boolean;
  /** `p` paused/offline. */
  paused: boolean;
  /** Online (`cpu` known). */
  online: boolean;
  /** CPU time, seconds. */
  cpuTimeSeconds: number;
  /** Hard affinity (e.g. `all`, `0-1`). */
  affinityHard: string;
  /** Soft affinity. */
  affinitySoft: string;
}

const VCPU_ROW = /^(.+?) +(\d+) +(\d+) +(\d+|-) +([-r][-b][-p]) +(\d+(?:\.\d+)?) +(.*?) *\/ *(.*?)\s*$/;

/** Parse `xl vcpu-list`. */
export function parseXlVcpuList(stdout: string): XlVcpu[] {
  const out: XlVcpu[] = [];
  for (const line of stdout.split('\n')) {
    if (line.trim() === '' || /^Name\s+ID\s+VCPU/.test(line)) continue;
    const m = VCPU_ROW.exec(line);
    if (!m) throw new Error(`xl vcpu-list: cannot parse line ${JSON.stringify(line)}`);
    const st = m[5]!;
    out.push({
      name: m[1]!.trim(),
      domid: Number(m[2]),
      vcpu: Number(m[3]),
      cpu: m[4] === '-' ? null : Number(m[4]),
      running: st[0] === 'r',
      blocked: st[1] === 'b',
      paused: st[2] === 'p',
      online: m[4] !== '-',
      cpuTimeSeconds: Number(m[6]),
      affinityHard: m[7]!,
      affinitySoft: m[8]!,
    });
  }
  return out;
}

/** One row of `xl uptime`. */
export interface XlUptime {
  /** Domain name. */
  name: string;
  /** Domain id. */
  domid: number;
  /** Uptime in seconds. */
  uptimeSeconds: number;
}

/** Parse a duration as printed by xl: `H:MM:SS` or `N day(s), H:MM:SS`. */
export function parseXlDuration(s: string): number {
  const m = /^\s*(?:(\d+) days?,\s*)?(\d+):(\d{2}):(\d{2})\s*$/.exec(s);
  if (!m) throw new Error(`xl: cannot parse duration ${JSON.stringify(s)}`);
  return Number(m[1] ?? 0) * 86400 + Number(m[2]) * 3600 + Number(m[3]) * 60 + Number(m[4]);
}

/** Parse `xl uptime` (`Name ID Uptime`). */
export function parseXlUptime(stdout: string): XlUptime[] {
  const out: XlUptime[] = [];
  for (const line of stdout.split('\n')) {
    if (line.trim() === '' || /^Name\s+ID\s+Uptime/.test(line)) continue;
    const m = /^(.+?) +(\d+) +((?:\d+ days?, *)?\d+:\d{2}:\d{2})\s*$/.exec(line);
    if (!m) throw new Error(`xl uptime: cannot parse line ${JSON.stringify(line)}`);
    out.push({ name: m[1]!.trim(), domid: Number(m[2]), uptimeSeconds: parseXlDuration(m[3]!) });
  }
  return out;
}

/** One row of `xl network-list`. */
export interface XlNic {
  /** Device index. */
  idx: number;
  /** Backend domain id. */
  backendDomid: number;
  /** MAC address. */
  mac: string;
  /** Handle. */
  handle: number;
  /** Xenbus state (4 = connected). */
  state: number;
  /** Event channel (-1 if none). */
  evtch: number;
  /** TX ring ref. */
  txRingRef: number;
  /** RX ring ref. */
  rxRingRef: number;
  /** Backend xenstore path. */
  backendPath: string;
}

/** Parse `xl network-list` (`Idx BE Mac Addr. handle state evt-ch tx-/rx-ring-ref BE-path`). */
export function parseXlNetworkList(stdout: string): XlNic[] {
  const out: XlNic[] = [];
  for (const line of stdout.split('\n')) {
    if (line.trim() === '' || /^Idx\s+BE\s+Mac/i.test(line)) continue;
    const m = /^\s*(\d+)\s+(\d+)\s+([0-9a-fA-F:]{17})\s+(-?\d+)\s+(-?\d+)\s+(-?\d+)\s+(-?\d+)\s*\/\s*(-?\d+)\s+(\S+)?\s*$/.exec(line);
    if (!m) throw new Error(`xl network-list: cannot parse line ${JSON.stringify(line)}`);
    out.push({
      idx: Number(m[1]),
      backendDomid: Number(m[2]),
      mac: m[3]!.toLowerCase(),
      handle: Number(m[4]),
      state: Number(m[5]),
      evtch: Number(m[6]),
      txRingRef: Number(m[7]),
      rxRingRef: Number(m[8]),
      backendPath: m[9] ?? '',
    });
  }
  return out;
}

/** One row of `xl block-list`. */
export interface XlBlock {
  /** Virtual device number (e.g. 51712 = xvda). */
  vdev: number;
  /** Backend domain id. */
  backendDomid: number;
  /** Handle. */
  handle: number;
  /** Xenbus state. */
  state: number;
  /** Event channel. */
  evtch: number;
  /** Ring ref. */
  ringRef: number;
  /** Backend xenstore path. */
  backendPath: string;
}

/** Parse `xl block-list` (`Vdev BE handle state evt-ch ring-ref BE-path`). */
export function parseXlBlockList(stdout: string): XlBlock[] {
  const out: XlBlock[] = [];
  for (const line of stdout.split('\n')) {
    if (line.trim() === '' || /^Vdev\s+BE/.test(line)) continue;
    const m = /^\s*(\d+)\s+(\d+)\s+(-?\d+)\s+(-?\d+)\s+(-?\d+)\s+(-?\d+)\s+(\S+)?\s*$/.exec(line);
    if (!m) throw new Error(`xl block-list: cannot parse line ${JSON.stringify(line)}`);
    out.push({
      vdev: Number(m[1]),
      backendDomid: Number(m[2]),
      handle: Number(m[3]),
      state: Number(m[4]),
      evtch: Number(m[5]),
      ringRef: Number(m[6]),
      backendPath: m[7] ?? '',
    });
  }
  return out;
}
