// `virtkit migrate DOMAIN DEST_URI [--live] [--p2p] [--persistent] [--undefinesource]`:
// the fleet layer's migration helper, with a progress line when stderr is a terminal.
import type { Domain } from '../libvirt/index.js';
import { startMigration, type MigrateOptions, type MigrationProgress } from '../fleet/index.js';
import { json } from './format.js';

export interface MigrateCommandOptions {
  live: boolean;
  p2p: boolean;
  persistent: boolean;
  undefineSource: boolean;
  json: boolean;
}

/** The progress line: `Migration: [ 42 %]  27.0 of 64.4 MiB  115.2 MiB/s  iteration 1`. */
export function progressLine(p: MigrationProgress): string {
  const mib = (b: number | null) => (b === null ? '?' : (b / 1048576).toFixed(1));
  const pct = p.percent === null ? '  ?' : String(Math.floor(p.percent)).padStart(3);
  const parts = [`Migration: [${pct} %]`];
  if (p.dataTotal && p.dataRemaining !== null) parts.push(`${mib(p.dataTotal - p.dataRemaining)} of ${mib(p.dataTotal)} MiB`);
  if (p.memoryBytesPerSec) parts.push(`${mib(p.memoryBytesPerSec)} MiB/s`);
  if (p.memoryIteration) parts.push(`iteration ${p.memoryIteration}`);
  return parts.join('  ');
}

/** Migrates `dom` to `dest`; prints the result (one line, or JSON). Rejects with a MigrationError. */
export async function migrateCommand(dom: Domain, dest: string, o: MigrateCommandOptions): Promise<void> {
  const tty = !!process.stderr.isTTY && !o.json;
  const opts: MigrateOptions = {
    live: o.live,
    p2p: o.p2p,
    persistent: o.persistent,
    undefineSource: o.undefineSource,
    progressIntervalMs: tty ? 250 : 0,
  };
  const m = startMigration(dom, dest, opts);
  const ac = new AbortController();
  const onSignal = () => {
    ac.abort();
    void m.abort().catch(() => {});
  };
  process.once('SIGINT', onSignal);
  try {
    if (tty) {
      for await (const p of m) process.stderr.write(`\r${progressLine(p)}\x1b[K`);
    }
    const r = await m.done.finally(() => {
      if (tty) process.stderr.write('\r\x1b[K');
    });
    const s = r.stats;
    if (o.json) {
      process.stdout.write(
        json({
          domain: r.name,
          destination: dest,
          durationMs: r.durationMs,
          dataTotal: s?.dataTotal ?? null,
          downtimeMs: s?.downtimeMs ?? null,
          iterations: r.iterations,
        }) + '\n',
      );
    } else {
      const extra = s?.downtimeMs != null ? `, downtime ${s.downtimeMs} ms` : '';
      process.stdout.write(`Domain '${r.name}' migrated to ${dest} in ${(r.durationMs / 1000).toFixed(1)} s${extra}\n`);
    }
  } finally {
    process.off('SIGINT', onSignal);
  }
}
