/**
 * Parsers for `lxc-*` (LXC 5.0.2) output. Pure functions; real outputs are in test/fixtures/lxc/.
 */

/** Container states reported by LXC. */
export type LxcState =
  | 'STOPPED'
  | 'STARTING'
  | 'RUNNING'
  | 'STOPPING'
  | 'ABORTING'
  | 'FREEZING'
  | 'FROZEN'
  | 'THAWED';

/** All {@link LxcState} values. */
export const LXC_STATES: readonly LxcState[] = ['STOPPED', 'STARTING', 'RUNNING', 'STOPPING', 'ABORTING', 'FREEZING', 'FROZEN', 'THAWED'];

/** One row of `lxc-ls -f -F NAME,STATE,PID,AUTOSTART,GROUPS,IPV4,IPV6,UNPRIVILEGED`. */
export interface LxcListEntry {
  /** Container name. */
  name: string;
  /** State. */
  state: LxcState | string;
  /** Init PID, `null` when not running. */
  pid: number | null;
  /** `lxc.start.auto`. */
  autostart: boolean;
  /** `lxc.group` values. */
  groups: string[];
  /** IPv4 addresses. */
  ipv4: string[];
  /** IPv6 addresses. */
  ipv6: string[];
  /** Unprivileged container. */
  unprivileged: boolean;
}

/**
 * Split a fixed-width table by the header's column start positions (values may contain spaces,
 * e.g. `web, db`; every column is left-aligned and padded). Returns one record per row keyed by
 * header name. Empty output (no containers) gives `[]`.
 */
export function parseColumns(stdout: string): Array<Record<string, string>> {
  const lines = stdout.split('\n').map((l) => l.replace(/\r$/, '')).filter((l) => l.trim() !== '');
  if (lines.length === 0) return [];
  const header = lines[0]!;
  const cols: Array<{ name: string; start: number }> = [];
  const re = /\S+/g;
  for (let m = re.exec(header); m; m = re.exec(header)) cols.push({ name: m[0], start: m.index });
  return lines.slice(1).map((line) => {
    const rec: Record<string, string> = {};
    cols.forEach((c, i) => {
      const end = i + 1 < cols.length ? cols[i + 1]!.start : undefined;
      rec[c.name] = line.slice(c.start, end).trim();
    });
    return rec;
  });
}

/** Split an `lxc-ls` multi-value cell (`a, b`; `-` = empty). */
export function splitList(cell: string | undefined): string[] {
  if (cell === undefined || cell === '' || cell === '-') return [];
  return cell.split(',').map((s) => s.trim()).filter(Boolean);
}

/** Parse `lxc-ls -f -F NAME,STATE,PID,AUTOSTART,GROUPS,IPV4,IPV6,UNPRIVILEGED`. */
export function parseLxcLs(stdout: string): LxcListEntry[] {
  return parseColumns(stdout).map((r) => ({
    name: r.NAME ?? '',
    state: r.STATE ?? '',
    pid: r.PID && /^\d+$/.test(r.PID) ? Number(r.PID) : null,
    autostart: r.AUTOSTART === '1',
    groups: splitList(r.GROUPS),
    ipv4: splitList(r.IPV4),
    ipv6: splitList(r.IPV6),
    unprivileged: r.UNPRIVILEGED === 'true',
  }));
}

/** Parsed `lxc-info -H -n NAME`. */
export interface LxcInfo {
  /** Container name. */
  name: string;
  /** State. */
  state: LxcState | string;
  /** Init PID, `null` when stopped. */
  pid: number | null;
  /** IP addresses (`IP:` lines). */
  ips: string[];
  /** CPU time in nanoseconds (`CPU use`, with `-H`). */
  cpuUseNs?: number;
  /** Block I/O bytes. */
  blkioBytes?: number;
  /** Memory use, bytes. */
  memoryBytes?: number;
  /** Kernel memory use, bytes (cgroup v1). */
  kmemBytes?: number;
  /** Host-side veth names (`Link:`). */
  links: string[];
  /** All `Key: value` pairs (repeated keys keep every value). */
  raw: Record<string, string[]>;
}

/** Parse `lxc-info [-H]` (`%-15s %s` lines: `State:          RUNNING`). */
export function parseLxcInfo(stdout: string): LxcInfo {
  const raw: Record<string, string[]> = {};
  for (const line of stdout.split('\n')) {
    const m = /^\s*([A-Za-z][A-Za-z0-9 ]*?):\s+(.*?)\s*$/.exec(line);
    if (!m) continue;
    (raw[m[1]!] ??= []).push(m[2]!);
  }
  const first = (k: string): string | undefined => raw[k]?.[0];
  const int = (k: string): number | undefined => {
    const v = first(k);
    return v !== undefined && /^\d+$/.test(v) ? Number(v) : undefined;
  };
  const pid = first('PID');
  return {
    name: first('Name') ?? '',
    state: first('State') ?? '',
    pid: pid && /^\d+$/.test(pid) ? Number(pid) : null,
    ips: raw.IP ?? [],
    cpuUseNs: int('CPU use'),
    blkioBytes: int('BlkIO use'),
    memoryBytes: int('Memory use'),
    kmemBytes: int('KMem use'),
    links: raw.Link ?? [],
    raw,
  };
}

/** One snapshot from `lxc-snapshot -L -C`. */
export interface LxcSnapshot {
  /** Snapshot name (`snap0`, `snap1`…). */
  name: string;
  /** Directory holding the snapshots. */
  path: string;
  /** Timestamp as printed (`YYYY:MM:DD HH:MM:SS`, local time). */
  timestamp: string;
  /** Comment, if one was given. */
  comment?: string;
}

/** Parse `lxc-snapshot -L [-C]` (`snap0 (/var/lib/lxc/c/snaps) 2026:11:26 15:14:23`, comment lines follow). */
export function parseLxcSnapshots(stdout: string): LxcSnapshot[] {
  const out: LxcSnapshot[] = [];
  for (const line of stdout.split('\n')) {
    if (line.trim() === '' || line.trim() === 'No snapshots') continue;
    const m = /^(\S+) \((.*)\) (\d{4}:\d{2}:\d{2} \d{2}:\d{2}:\d{2})\s*$/.exec(line);
    if (m) out.push({ name: m[1]!, path: m[2]!, timestamp: m[3]! });
    else if (out.length > 0) {
      const last = out[out.length - 1]!;
      last.comment = last.comment === undefined ? line : `${last.comment}\n${line}`;
    }
  }
  return out;
}

/** One `key = value` line of a container config file. */
export interface LxcConfigEntry {
  /** Key, e.g. `lxc.net.0.type`. */
  key: string;
  /** Value (may be empty). */
  value: string;
}

/** Parse an LXC config file (comments and blank lines skipped; keys may repeat, order kept). */
export function parseLxcConfig(text: string): LxcConfigEntry[] {
  const out: LxcConfigEntry[] = [];
  for (const line of text.split('\n')) {
    const t = line.trim();
    if (t === '' || t.startsWith('#')) continue;
    const eq = t.indexOf('=');
    if (eq < 0) continue;
    out.push({ key: t.slice(0, eq).trim(), value: t.slice(eq + 1).trim() });
  }
  return out;
}

/**
 * Rewrite a config file's text: every line setting `key` is removed, and `values` (if any) are
 * written where the first occurrence was (or appended). Comments and other lines are kept.
 */
export function editLxcConfig(text: string, key: string, values: readonly string[]): string {
  const lines = text.split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  const out: string[] = [];
  let inserted = false;
  for (const line of lines) {
    const t = line.trim();
    const eq = t.indexOf('=');
    if (!t.startsWith('#') && eq > 0 && t.slice(0, eq).trim() === key) {
      if (!inserted) {
        for (const v of values) out.push(`${key} = ${v}`);
        inserted = true;
      }
      continue;
    }
    out.push(line);
  }
  if (!inserted) for (const v of values) out.push(`${key} = ${v}`);
  return out.join('\n') + '\n';
}

/** Extract the messages from lxc tool error lines (`lxc-stop: c1: ../src/…c: main: 168 msg`). */
export function lxcErrorMessages(stderr: string): string[] {
  const out: string[] = [];
  for (const line of stderr.split('\n')) {
    const m = /^lxc-[\w-]+: [^:]*: \S+: \S+: \d+ (.*)$/.exec(line);
    if (m) out.push(m[1]!);
  }
  return out;
}
