// Formatting helpers of the virtkit command: state names, sizes, rates, tables.
import * as C from '../libvirt/generated/constants.js';

/** Machine names of `virDomainState` values (used in JSON output). */
const STATE_KEYS: Record<number, string> = {
  [C.VIR_DOMAIN_NOSTATE]: 'nostate',
  [C.VIR_DOMAIN_RUNNING]: 'running',
  [C.VIR_DOMAIN_BLOCKED]: 'blocked',
  [C.VIR_DOMAIN_PAUSED]: 'paused',
  [C.VIR_DOMAIN_SHUTDOWN]: 'shutdown',
  [C.VIR_DOMAIN_SHUTOFF]: 'shutoff',
  [C.VIR_DOMAIN_CRASHED]: 'crashed',
  [C.VIR_DOMAIN_PMSUSPENDED]: 'pmsuspended',
};

/** virsh's words for the same states (used in tables). */
const STATE_WORDS: Record<number, string> = {
  [C.VIR_DOMAIN_NOSTATE]: 'no state',
  [C.VIR_DOMAIN_RUNNING]: 'running',
  [C.VIR_DOMAIN_BLOCKED]: 'idle',
  [C.VIR_DOMAIN_PAUSED]: 'paused',
  [C.VIR_DOMAIN_SHUTDOWN]: 'in shutdown',
  [C.VIR_DOMAIN_SHUTOFF]: 'shut off',
  [C.VIR_DOMAIN_CRASHED]: 'crashed',
  [C.VIR_DOMAIN_PMSUSPENDED]: 'pmsuspended',
};

export function stateKey(state: number): string {
  return STATE_KEYS[state] ?? `unknown(${state})`;
}

export function stateWord(state: number): string {
  return STATE_WORDS[state] ?? `unknown (${state})`;
}

/** The name of a lifecycle event type and its detail, e.g. `['stopped', 'destroyed']`. */
export function lifecycleNames(event: number, detail: number): [string, string] {
  const consts = C as unknown as Record<string, unknown>;
  let type = `unknown(${event})`;
  for (const [k, v] of Object.entries(C.virDomainEventType)) {
    if (v === event && k !== 'VIR_DOMAIN_EVENT_LAST') type = k.slice('VIR_DOMAIN_EVENT_'.length);
  }
  let det = String(detail);
  const prefix = `VIR_DOMAIN_EVENT_${type}_`;
  for (const [k, v] of Object.entries(consts)) {
    if (k.startsWith(prefix) && !k.endsWith('_LAST') && v === detail) {
      det = k.slice(prefix.length);
      break;
    }
  }
  return [type.toLowerCase(), det.toLowerCase()];
}

/** KiB as MiB with one decimal. */
export function mib(kib: number | bigint): string {
  return (Number(kib) / 1024).toFixed(1);
}

/** Bytes per second, human readable ("-" when unknown). */
export function rate(bps: number | null | undefined): string {
  if (bps == null || !Number.isFinite(bps)) return '-';
  const units = ['B', 'K', 'M', 'G', 'T'];
  let v = bps;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return (i === 0 ? v.toFixed(0) : v.toFixed(1)) + units[i];
}

export function percent(p: number | null | undefined): string {
  return p == null || !Number.isFinite(p) ? '-' : p.toFixed(1);
}

export interface Column {
  title: string;
  align?: 'left' | 'right';
  /** Minimum width. */
  width?: number;
}

/** A plain-text table: column widths fit the widest cell. */
export function table(cols: Column[], rows: string[][]): string[] {
  const widths = cols.map((c, i) => Math.max(c.width ?? 0, c.title.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (cols[i].align === 'right' ? cell.padStart(widths[i]) : cell.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(cols.map((c) => c.title)), ...rows.map(line)];
}

/** JSON with bigints written as decimal strings (precision is kept). */
export function json(value: unknown): string {
  return JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? v.toString() : v));
}
