// `virtkit top`: a live table of domains (CPU %, memory, disk and network rates),
// or JSON lines (one snapshot per line) when stdout is not a terminal or with --json.
import type { Connect } from '../libvirt/classes.js';
import { json, mib, percent, rate, stateWord, table, type Column } from './format.js';
import { snapshots, type Snapshot } from './stats.js';

export interface TopOptions {
  intervalMs: number;
  /** Stop after this many snapshots (0: until q / Ctrl-C). */
  iterations: number;
  json: boolean;
}

const COLUMNS: Column[] = [
  { title: 'ID', align: 'right', width: 3 },
  { title: 'NAME', width: 16 },
  { title: 'STATE', width: 11 },
  { title: '%CPU', align: 'right', width: 6 },
  { title: 'VCPU', align: 'right' },
  { title: 'MEM(MiB)', align: 'right' },
  { title: 'MAX(MiB)', align: 'right' },
  { title: 'RD/s', align: 'right', width: 7 },
  { title: 'WR/s', align: 'right', width: 7 },
  { title: 'RX/s', align: 'right', width: 7 },
  { title: 'TX/s', align: 'right', width: 7 },
];

/** The screen for one snapshot (without terminal control sequences). */
export function renderTop(snap: Snapshot, intervalMs: number): string[] {
  const running = snap.domains.filter((d) => d.id !== null).length;
  const cpu = snap.domains.reduce((a, d) => a + (d.cpuPercent ?? 0), 0);
  const clock = new Date(snap.time).toTimeString().slice(0, 8);
  const head = [
    `virtkit top - ${clock} - ${snap.uri} - refresh ${intervalMs / 1000}s - q quits`,
    `Domains: ${snap.domains.length} total, ${running} active   CPU: ${percent(cpu)}%`,
    '',
  ];
  const rows = snap.domains.map((d) => [
    d.id === null ? '-' : String(d.id),
    d.name,
    stateWord(d.stateCode),
    percent(d.cpuPercent),
    String(d.vcpus),
    mib(d.memoryKiB),
    mib(d.maxMemoryKiB),
    rate(d.diskReadBytesPerSec),
    rate(d.diskWriteBytesPerSec),
    rate(d.netRxBytesPerSec),
    rate(d.netTxBytesPerSec),
  ]);
  // Several hosts: a HOST column first.
  if (snap.domains.some((d) => d.host !== undefined)) {
    return [...head, ...table([{ title: 'HOST', width: 12 }, ...COLUMNS], rows.map((r, i) => [snap.domains[i].host ?? '-', ...r]))];
  }
  return [...head, ...table(COLUMNS, rows)];
}

function write(s: string): Promise<void> {
  return new Promise((resolve) => {
    if (process.stdout.write(s)) resolve();
    else process.stdout.once('drain', resolve);
  });
}

/**
 * `source` replaces the one-connection sampler (several hosts: lib/cli/fleet.ts); `conn` is
 * then unused.
 */
export async function top(
  conn: Connect | null,
  uri: string,
  opts: TopOptions & { source?: (signal: AbortSignal) => AsyncIterable<Snapshot> },
): Promise<void> {
  const out = process.stdout;
  const tty = !!out.isTTY && !opts.json;
  const ac = new AbortController();
  const stop = () => ac.abort();

  const stdin = process.stdin;
  const onKey = (buf: Buffer) => {
    // q, Q, Ctrl-C (raw mode delivers it as a byte), Ctrl-D
    if (buf.includes(0x71) || buf.includes(0x51) || buf.includes(0x03) || buf.includes(0x04)) stop();
  };
  let rawSet = false;
  let listening = false;
  let last: Snapshot | null = null;
  const redraw = () => {
    if (last) void write(frame(last));
  };
  const frame = (snap: Snapshot) => {
    const cols = out.columns || 80;
    const rowsMax = out.rows || 24;
    const lines = renderTop(snap, opts.intervalMs).slice(0, rowsMax - 1);
    return '\x1b[H' + lines.map((l) => l.slice(0, cols) + '\x1b[K').join('\r\n') + '\r\n\x1b[J';
  };

  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  if (tty) {
    if (stdin.isTTY) {
      stdin.setRawMode(true);
      rawSet = true;
    }
    stdin.on('data', onKey);
    stdin.resume();
    listening = true;
    out.on('resize', redraw);
    await write('\x1b[?1049h\x1b[?25l\x1b[H\x1b[2J');
  }
  try {
    let n = 0;
    const source = opts.source?.(ac.signal) ?? snapshots(conn!, uri, { intervalMs: opts.intervalMs, signal: ac.signal });
    for await (const snap of source) {
      if (ac.signal.aborted) break;
      last = snap;
      if (tty) await write(frame(snap));
      else await write(json(snap) + '\n');
      if (opts.iterations && ++n >= opts.iterations) break;
    }
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    if (tty) {
      out.off('resize', redraw);
      await write('\x1b[?25h\x1b[?1049l');
    }
    if (listening) {
      stdin.off('data', onKey);
      stdin.pause();
    }
    if (rawSet) stdin.setRawMode(false);
  }
}
