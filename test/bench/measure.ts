/**
 * Measuring helpers shared by the benchmarks: per-call timings summarised as the mean over all
 * calls (wall time of the loop, so GC pauses and everything between calls count), median and
 * p99; CPU per call of this process and of another one (libvirtd) from /proc; the machine's load.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { PerformanceObserver } from 'node:perf_hooks';

export type Json = Record<string, unknown>;

/** One contender's figures for one part (times in ns, CPU in µs per call). */
export interface Summary {
  calls: number;
  meanNs: number;
  medianNs: number;
  p99Ns: number;
  cpuUsPerCall: number;
  /** CPU µs per call of libvirtd, where it takes part. */
  daemonCpuUsPerCall?: number;
  callsPerSec?: number;
  gcMs?: number;
  /** Share of the machine's CPU time (all CPUs, idle included) the hypervisor stole meanwhile, %. */
  stealPct?: number;
}

export const ns = (): bigint => process.hrtime.bigint();

export function quantile(xs: number[], p: number): number {
  if (xs.length === 0) return NaN;
  const s = Float64Array.from(xs).sort();
  return s[Math.min(s.length - 1, Math.floor(p * s.length))];
}

export function median(xs: number[]): number {
  return quantile(xs, 0.5);
}

/** Machine-wide CPU ticks from /proc/stat's `cpu` line: all of them, and those stolen. */
function cpuTicks(): { total: number; steal: number } | undefined {
  try {
    const f = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0].trim().split(/\s+/).slice(1, 9).map(Number);
    return { total: f.reduce((x, y) => x + y, 0), steal: f[7] ?? 0 };
  } catch {
    return undefined;
  }
}

/**
 * Runs one contender's measurement and adds how much CPU time the hypervisor stole from this VM
 * meanwhile: on a shared host that, not the code, is what moves a round's figures most.
 */
export async function withSteal<T extends Summary>(fn: () => T | Promise<T>): Promise<T> {
  const a = cpuTicks();
  const r = await fn();
  const b = cpuTicks();
  if (a && b && b.total > a.total) r.stealPct = (100 * (b.steal - a.steal)) / (b.total - a.total);
  return r;
}

/** User + system CPU µs of this process (all threads: the pool's too). */
export function cpuUs(): number {
  const c = process.cpuUsage();
  return c.user + c.system;
}

const TICK = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** utime + stime of `pid` in µs from /proc/<pid>/stat (clock-tick resolution), or NaN. */
export function procCpuUs(pid: number | undefined): number {
  if (!pid) return NaN;
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return ((Number(f[11]) + Number(f[12])) / TICK) * 1e6;
  } catch {
    return NaN;
  }
}

/** The pid of the libvirtd that serves qemu:///system (the owner of its socket), if found. */
export function libvirtdPid(): number | undefined {
  try {
    const out = execFileSync('ss', ['-xlpn'], { encoding: 'utf8' });
    for (const line of out.split('\n')) {
      if (!/\/run\/libvirt\/libvirt-sock\s/.test(line)) continue;
      const m = /pid=(\d+)/.exec(line);
      if (m) return Number(m[1]);
    }
  } catch { /* fall back to the pid file */ }
  try {
    return Number(readFileSync('/run/libvirtd.pid', 'utf8').trim()) || undefined;
  } catch {
    return undefined;
  }
}

/** GC time (ms) and count observed while `fn` runs. */
export async function withGc<T>(fn: () => Promise<T>): Promise<{ result: T; gcMs: number; gcCount: number }> {
  let gcMs = 0;
  let gcCount = 0;
  const obs = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) { gcMs += e.duration; gcCount++; }
  });
  obs.observe({ entryTypes: ['gc'] });
  const result = await fn();
  await new Promise((r) => setImmediate(r)); // let the observer flush
  obs.disconnect();
  return { result, gcMs, gcCount };
}

/**
 * Times `iters` awaited calls of `fn` one after another: mean = wall time of the whole loop /
 * iters (GC included), median and p99 of the per-call times, CPU µs per call, GC ms.
 */
export async function timeAwaited(fn: () => Promise<unknown>, iters: number): Promise<Summary> {
  const t: number[] = new Array(iters);
  const g = await withGc(async () => {
    const c0 = cpuUs();
    const w0 = ns();
    for (let i = 0; i < iters; i++) {
      const t0 = ns();
      await fn();
      t[i] = Number(ns() - t0);
    }
    return { wall: Number(ns() - w0), cpu: cpuUs() - c0 };
  });
  return {
    calls: iters, meanNs: g.result.wall / iters, medianNs: quantile(t, 0.5), p99Ns: quantile(t, 0.99),
    cpuUsPerCall: g.result.cpu / iters, gcMs: g.gcMs,
  };
}

/** Runs a benchmark child (C or Python) and parses the JSON line it prints last. */
export function child(cmd: string, args: string[], env: Record<string, string> = {}): Json {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 300_000, env: { ...process.env, ...env } });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!);
}

/** A child's figures as a {@link Summary}. */
export function summaryOf(j: Json): Summary {
  const n = (k: string) => (typeof j[k] === 'number' ? (j[k] as number) : NaN);
  const s: Summary = {
    calls: n('calls') || n('iters'), meanNs: n('meanNs'), medianNs: n('medianNs'), p99Ns: n('p99Ns'),
    cpuUsPerCall: n('cpuUsPerCall'),
  };
  if (typeof j.callsPerSec === 'number') s.callsPerSec = j.callsPerSec;
  if (typeof j.daemonCpuUsPerCall === 'number' && j.daemonCpuUsPerCall >= 0) s.daemonCpuUsPerCall = j.daemonCpuUsPerCall;
  return s;
}

/** Per-round summaries → one: the median of each figure over the rounds, and its spread. */
export function combine(rounds: Summary[]): Summary & { rounds: Summary[]; spread: Record<string, [number, number]> } {
  const keys = ['meanNs', 'medianNs', 'p99Ns', 'cpuUsPerCall', 'daemonCpuUsPerCall', 'callsPerSec', 'gcMs', 'stealPct'] as const;
  const out: Record<string, unknown> = { calls: rounds.reduce((a, r) => a + r.calls, 0) };
  const spread: Record<string, [number, number]> = {};
  for (const k of keys) {
    const xs = rounds.map((r) => r[k]).filter((x): x is number => typeof x === 'number' && Number.isFinite(x));
    if (xs.length === 0) continue;
    out[k] = median(xs);
    spread[k] = [Math.min(...xs), Math.max(...xs)];
  }
  return { ...(out as unknown as Summary), rounds, spread };
}

/** The load average and the busiest other processes right now (other work may load the machine). */
export function machineLoad(): { loadavg: number[]; busiest: string[] } {
  let busiest: string[] = [];
  try {
    busiest = execFileSync('ps', ['-eo', 'pcpu,comm', '--sort=-pcpu', '--no-headers'], { encoding: 'utf8' })
      .split('\n').map((l) => l.trim()).filter(Boolean).slice(0, 5);
  } catch { /* ps missing: load average only */ }
  return { loadavg: loadavg().map((x) => +x.toFixed(2)), busiest };
}

const f = (x: unknown, d = 0): string =>
  typeof x === 'number' && Number.isFinite(x) ? x.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d }) : '–';
export { f as fmt };

/** A markdown table. */
export function table(rows: string[][]): string {
  const w = rows[0].map((_, i) => Math.max(...rows.map((row) => (row[i] ?? '').length)));
  const line = (row: string[]) => '| ' + row.map((cell, i) => (cell ?? '').padEnd(w[i])).join(' | ') + ' |';
  return [line(rows[0]), '|' + w.map((n) => '-'.repeat(n + 2)).join('|') + '|', ...rows.slice(1).map(line)].join('\n');
}

/** "mean / median / p99" in µs. */
export function latency(s: Summary | undefined, d = 1): string {
  if (!s) return '–';
  return `${f(s.meanNs / 1e3, d)} / ${f(s.medianNs / 1e3, d)} / ${f(s.p99Ns / 1e3, d)}`;
}
