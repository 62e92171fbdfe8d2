/**
 * virtkit against C (test/bench/cbench.c) and libvirt-python (test/bench/pybench.py), measured in
 * one run with the contenders alternating round by round, so load from elsewhere (other work on
 * this machine) falls on every contender. Run by `bash scripts/bench.sh` (which builds the C
 * program and bundles this file); needs `node --expose-gc`. Prints tables and writes
 * test/bench/out/bench-<time>.json (and bench-latest.json).
 *
 * Every part gives, per contender: the mean over all calls (wall time of the loop / calls, so GC
 * and everything between calls count), the median and p99 of single calls, and the CPU per call
 * of the client process (and of libvirtd where it takes part).
 *
 *   a. getAllDomainStats over 100 running domains of a test:/// node (in-process).
 *   b. getInfo with 64 calls in flight over ONE qemu:///system connection to 8 paused guests:
 *      virtkit (a rolling window of 64 promises) vs C (64 threads), and C running libvirt's default
 *      event loop in a thread (CBENCH_EVENT_LOOP=1, as virsh does).
 *   c. getInfo awaited one at a time on test:///default (with and without captured stacks).
 *   d. RSS before/after a million calls after GC.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { Connect, Domain, diagnostics, getVersion, setCaptureStacks } from '../../lib/index.js';
import { nodeXML } from './node-xml.js';
import {
  type Json, type Summary, child, combine, cpuUs, fmt as f, latency, libvirtdPid, machineLoad, ns,
  procCpuUs, quantile, summaryOf, table, timeAwaited, withSteal,
} from './measure.js';

const ROOT = resolve(process.env.VK_ROOT ?? process.cwd());
const OUT = join(ROOT, 'test/bench/out');
const CBENCH = join(OUT, 'cbench');
const PYBENCH = join(ROOT, 'test/bench/pybench.py');
const PYTHON = process.env.VK_PYTHON ?? '/usr/bin/python3';
const QUICK = process.env.VK_BENCH_QUICK === '1'; // smaller counts, for checking the harness
const ROUNDS = Number(process.env.VK_BENCH_ROUNDS ?? (QUICK ? 1 : 3));
const ONLY = (process.env.VK_BENCH_ONLY ?? 'abcd').split('');

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc (scripts/bench.sh does)');

const log = (s: string) => process.stderr.write(s + '\n');
const loads: Json[] = [];
function noteLoad(part: string): void {
  const l = machineLoad();
  loads.push({ part, at: new Date().toISOString(), ...l });
  log(`  load ${l.loadavg.join(' ')} (busiest: ${l.busiest.slice(0, 3).join(', ')})`);
}

/** The round just run, with the CPU time the hypervisor stole during each contender's turn. */
function noteRound(vk: Summary[], c: Summary[], py: Summary[], third = 'python'): void {
  const last = (xs: Summary[]) => xs[xs.length - 1];
  const one = (name: string, x: Summary) =>
    `${name} mean ${f(x.meanNs / 1e3, 1)} µs (steal ${x.stealPct === undefined ? '?' : f(x.stealPct, 1) + '%'})`;
  log(`  ${one('virtkit', last(vk))}, ${one('C', last(c))}, ${one(third, last(py))}`);
}

// ---------------------------------------------------------------- a. bulk stats, 100 domains
async function benchStats(): Promise<Json> {
  const file = join(OUT, 'node-100.xml');
  writeFileSync(file, nodeXML(100));
  const uri = 'test://' + file;
  const iters = QUICK ? 300 : 3000;

  const conn = await Connect.open(uri);
  for (let i = 0; i < iters / 10 + 10; i++) await conn.getAllDomainStats(0, 0);
  const vk: Summary[] = [], c: Summary[] = [], py: Summary[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    noteLoad(`a round ${round + 1}`);
    vk.push(await withSteal(() => timeAwaited(() => conn.getAllDomainStats(0, 0), iters)));
    c.push(await withSteal(() => summaryOf(child(CBENCH, ['stats', uri, String(iters)]))));
    py.push(await withSteal(() => summaryOf(child(PYTHON, [PYBENCH, 'stats', uri, String(iters)]))));
    noteRound(vk, c, py);
  }
  const recs = await conn.getAllDomainStats(0, 0);
  await conn.close();
  const v = combine(vk), cc = combine(c), p = combine(py);
  return {
    domains: recs.length, iters, rounds: ROUNDS,
    virtkit: v, c: cc, python: p,
    gcUsPerCall: (v.gcMs ?? 0) * 1e3 / iters,
    meanRatioToC: v.meanNs / cc.meanNs, medianRatioToC: v.medianNs / cc.medianNs,
    pythonMeanRatioToC: p.meanNs / cc.meanNs,
    goal: { meanRatioToCAtMost: 1.3, fasterThanPython: true },
    met: v.meanNs / cc.meanNs <= 1.3 && v.meanNs < p.meanNs,
  };
}

// ---------------------------------------------------------------- b. 64 in flight, qemu:///system
const GUESTS = 8;
const guestName = (i: number) => `vk-bench-${process.pid}-${i}`;
function guestXML(name: string): string {
  const type = (() => { try { execFileSync('test', ['-c', '/dev/kvm']); return 'kvm'; } catch { return 'qemu'; } })();
  return `<domain type='${type}'><name>${name}</name><memory unit='MiB'>32</memory><vcpu>1</vcpu>` +
    `<os><type arch='x86_64' machine='pc'>hvm</type><bios useserial='yes'/></os>` +
    `<devices><serial type='pty'/><memballoon model='virtio'/></devices></domain>`;
}

/** A rolling window of `window` getInfo calls for `seconds`. */
async function inFlight(doms: Domain[], window: number, seconds: number, daemon: number | undefined): Promise<Summary & { errors: number; maxPoolThreads: number }> {
  let calls = 0, errors = 0, k = 0, maxPoolThreads = 0;
  const lat: number[] = [];
  const c0 = cpuUs(), d0 = procCpuUs(daemon);
  const t0 = ns();
  const deadline = t0 + BigInt(Math.round(seconds * 1e9));
  const lane = async (): Promise<void> => {
    for (;;) {
      const s = ns();
      if (s >= deadline) return;
      try {
        await doms[k++ % doms.length].getInfo();
        calls++;
        lat.push(Number(ns() - s));
      } catch { errors++; }
      if ((k & 1023) === 0) maxPoolThreads = Math.max(maxPoolThreads, diagnostics().poolThreads);
    }
  };
  await Promise.all(Array.from({ length: window }, lane));
  const wall = Number(ns() - t0);
  const cpu = cpuUs() - c0, dcpu = procCpuUs(daemon) - d0;
  return {
    calls, errors, maxPoolThreads, callsPerSec: calls / (wall / 1e9),
    meanNs: (wall * window) / calls, medianNs: quantile(lat, 0.5), p99Ns: quantile(lat, 0.99),
    cpuUsPerCall: cpu / calls, daemonCpuUsPerCall: Number.isFinite(dcpu) ? dcpu / calls : undefined,
  };
}

async function benchParallel(): Promise<Json> {
  const seconds = QUICK ? 1 : 3;
  const WINDOW = 64;
  let conn: Connect;
  try {
    conn = await Connect.open('qemu:///system');
  } catch (e) {
    return { skipped: `qemu:///system not available: ${(e as Error).message}` };
  }
  const daemon = libvirtdPid();
  const names = Array.from({ length: GUESTS }, (_, i) => guestName(i));
  const doms: Domain[] = [];
  try {
    for (const n of names) doms.push(await conn.domainCreateXML(guestXML(n), 1 /* VIR_DOMAIN_START_PAUSED */));
    for (let i = 0; i < 200; i++) await doms[i % GUESTS].getInfo(); // warm-up
    const vk: Summary[] = [], c: Summary[] = [], cl: Summary[] = [];
    let errors = 0, cErrors = 0, maxPoolThreads = 0;
    const env: Record<string, string> = daemon ? { CBENCH_DAEMON_PID: String(daemon) } : {};
    const args = ['threads', 'qemu:///system', String(WINDOW), String(seconds), ...names];
    for (let round = 0; round < ROUNDS; round++) {
      noteLoad(`b round ${round + 1}`);
      const r = await withSteal(() => inFlight(doms, WINDOW, seconds, daemon));
      errors += r.errors;
      maxPoolThreads = Math.max(maxPoolThreads, r.maxPoolThreads);
      vk.push(r);
      c.push(await withSteal(() => {
        const cj = child(CBENCH, args, env);
        cErrors += cj.errors as number;
        return summaryOf(cj);
      }));
      cl.push(await withSteal(() => {
        const lj = child(CBENCH, args, { ...env, CBENCH_EVENT_LOOP: '1' });
        cErrors += lj.errors as number;
        return summaryOf(lj);
      }));
      noteRound(vk, c, cl, 'C + event loop');
    }
    const v = combine(vk), cc = combine(c), l = combine(cl);
    const cpuRatio = v.cpuUsPerCall / cc.cpuUsPerCall;
    const tputRatio = (v.callsPerSec ?? 0) / (cc.callsPerSec ?? 1);
    return {
      guests: GUESTS, inFlight: WINDOW, seconds, rounds: ROUNDS, libvirtdPid: daemon ?? null,
      virtkit: v, c: cc, cWithEventLoop: l, virtkitErrors: errors, cErrors, virtkitMaxPoolThreadsSeen: maxPoolThreads,
      throughputRatioToC: tputRatio, cpuRatioToC: cpuRatio,
      daemonCpuRatioToC: (v.daemonCpuUsPerCall ?? NaN) / (cc.daemonCpuUsPerCall ?? NaN),
      throughputRatioToCWithEventLoop: (v.callsPerSec ?? 0) / (l.callsPerSec ?? 1),
      goal: { cpuRatioToCAtMost: 1.5, throughputRatioToCAtLeast: 0.9 },
      met: cpuRatio <= 1.5 && tputRatio >= 0.9,
    };
  } finally {
    for (const d of doms) await d.destroy().catch(() => {}); // transient: destroy removes them
    await conn.close();
  }
}

// ---------------------------------------------------------------- c. serial getInfo, test:///default
/** Throughput and CPU from an untimed loop; percentiles from a second, timed loop. */
async function serialLoop(dom: Domain, calls: number): Promise<Summary> {
  for (let i = 0; i < calls / 10; i++) await dom.getInfo();
  const c0 = cpuUs();
  const t0 = ns();
  for (let i = 0; i < calls; i++) await dom.getInfo();
  const wall = Number(ns() - t0);
  const cpu = cpuUs() - c0;
  const timed = Math.min(calls, 50_000);
  const t: number[] = new Array(timed);
  for (let i = 0; i < timed; i++) {
    const s = ns();
    await dom.getInfo();
    t[i] = Number(ns() - s);
  }
  return {
    calls, callsPerSec: calls / (wall / 1e9), meanNs: wall / calls,
    medianNs: quantile(t, 0.5), p99Ns: quantile(t, 0.99), cpuUsPerCall: cpu / calls,
  };
}

async function benchSerial(): Promise<Json> {
  const calls = QUICK ? 20_000 : 100_000;
  const conn = await Connect.open('test:///default');
  const dom = await conn.domainLookupByName('test');
  const vk: Summary[] = [], vn: Summary[] = [], c: Summary[] = [], py: Summary[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    noteLoad(`c round ${round + 1}`);
    setCaptureStacks('await'); // the default
    vk.push(await withSteal(() => serialLoop(dom, calls)));
    setCaptureStacks(true);
    vn.push(await withSteal(() => serialLoop(dom, calls)));
    setCaptureStacks('await');
    c.push(await withSteal(() => summaryOf(child(CBENCH, ['serial', 'test:///default', 'test', String(calls * 5)]))));
    py.push(await withSteal(() => summaryOf(child(PYTHON, [PYBENCH, 'serial', 'test:///default', 'test', String(calls * 2)]))));
    noteRound(vk, c, py);
  }
  await conn.close();
  const v = combine(vk), n = combine(vn), cc = combine(c), p = combine(py);
  return {
    calls, rounds: ROUNDS, virtkit: v, virtkitCallerStacks: n, c: cc, python: p,
    ratioToC: (v.callsPerSec ?? 0) / (cc.callsPerSec ?? 1),
    pythonRatioToC: (p.callsPerSec ?? 0) / (cc.callsPerSec ?? 1),
    goal: { callsPerSecAtLeast: 150_000 },
    met: (v.callsPerSec ?? 0) >= 150_000,
  };
}

// ---------------------------------------------------------------- d. RSS over 1M calls
const mb = (b: number) => b / (1024 * 1024);
function settle(): { rssMB: number; heapMB: number } {
  for (let i = 0; i < 4; i++) gc!();
  const m = process.memoryUsage();
  return { rssMB: mb(m.rss), heapMB: mb(m.heapUsed) };
}

async function benchRss(): Promise<Json> {
  const N = QUICK ? 100_000 : 1_000_000;
  const conn = await Connect.open('test:///default');
  const dom = await conn.domainLookupByName('test');
  for (let i = 0; i < 20_000; i++) { await dom.getInfo(); dom.getName(); }
  await new Promise((r) => setTimeout(r, 100));
  const before = settle();
  const samples: number[] = [];
  const t0 = ns();
  let issued = 0;
  const lane = async (): Promise<void> => {
    while (issued < N) {
      const i = ++issued;
      await dom.getInfo();
      dom.getName();
      if (i % (N / 10) === 0) samples.push(+mb(process.memoryUsage().rss).toFixed(1));
    }
  };
  await Promise.all(Array.from({ length: 16 }, lane));
  const secs = Number(ns() - t0) / 1e9;
  await new Promise((r) => setTimeout(r, 100));
  const after = settle();
  await conn.close();
  const growth = after.rssMB - before.rssMB;
  return {
    asyncCalls: N, syncCalls: N, seconds: secs,
    rssBeforeMB: before.rssMB, rssAfterMB: after.rssMB, rssGrowthMB: growth,
    heapBeforeMB: before.heapMB, heapAfterMB: after.heapMB, rssSamplesMB: samples, flat: growth < 5,
  };
}

// ---------------------------------------------------------------- tables
const us = (x: number | undefined, d = 1) => (x === undefined ? '–' : f(x, d));
const yes = (b: unknown) => (b ? 'met' : 'NOT met');
/** Median over the rounds of the CPU time stolen during the contender's turns, with the spread. */
const st = (x: Summary & { spread?: Record<string, [number, number]> }) => {
  if (x.stealPct === undefined) return '–';
  const s = x.spread?.stealPct;
  return s && s[1] - s[0] >= 0.05 ? `${f(x.stealPct, 1)} [${f(s[0], 1)}–${f(s[1], 1)}]` : f(x.stealPct, 1);
};

function tables(r: Json): string {
  const rows: string[][] = [['part', 'contender', 'calls/s', 'mean / median / p99 µs', 'CPU µs/call (client)', 'libvirtd CPU µs/call', 'vs C', 'steal %']];
  const a = r.stats as Json | undefined;
  if (a) {
    const v = a.virtkit as Summary, c = a.c as Summary, p = a.python as Summary;
    rows.push([`a. getAllDomainStats, ${a.domains} domains, test:///`, 'virtkit', '', latency(v), us(v.cpuUsPerCall), '–', `mean ${f(a.meanRatioToC, 2)}x, median ${f(a.medianRatioToC, 2)}x`, st(v)]);
    rows.push(['', 'C', '', latency(c), us(c.cpuUsPerCall), '–', '1', st(c)]);
    rows.push(['', 'libvirt-python', '', latency(p), us(p.cpuUsPerCall), '–', `mean ${f(a.pythonMeanRatioToC, 2)}x`, st(p)]);
  }
  const b = r.parallel as Json | undefined;
  if (b?.skipped) rows.push(['b. getInfo, 64 in flight, qemu:///system', 'skipped', String(b.skipped), '', '', '', '']);
  else if (b) {
    const v = b.virtkit as Summary, c = b.c as Summary, l = b.cWithEventLoop as Summary;
    rows.push([`b. getInfo, 64 in flight, 1 qemu:///system conn, ${b.guests} paused guests`, 'virtkit', f(v.callsPerSec), latency(v), us(v.cpuUsPerCall), us(v.daemonCpuUsPerCall), `calls/s ${f(b.throughputRatioToC, 2)}x, CPU ${f(b.cpuRatioToC, 2)}x`, st(v)]);
    rows.push(['', 'C, 64 threads', f(c.callsPerSec), latency(c), us(c.cpuUsPerCall), us(c.daemonCpuUsPerCall), '1', st(c)]);
    rows.push(['', 'C + libvirt event loop thread', f(l.callsPerSec), latency(l), us(l.cpuUsPerCall), us(l.daemonCpuUsPerCall), '', st(l)]);
  }
  const c = r.serial as Json | undefined;
  if (c) {
    const v = c.virtkit as Summary, n = c.virtkitCallerStacks as Summary, cc = c.c as Summary, p = c.python as Summary;
    rows.push(['c. getInfo awaited one at a time, test:///default', "virtkit (stacks 'await', the default)", f(v.callsPerSec), latency(v, 2), us(v.cpuUsPerCall, 2), '–', `${f(c.ratioToC, 3)}x`, st(v)]);
    rows.push(['', 'virtkit, setCaptureStacks(true)', f(n.callsPerSec), latency(n, 2), us(n.cpuUsPerCall, 2), '–', `${f((n.callsPerSec ?? 0) / (cc.callsPerSec ?? 1), 3)}x`, st(n)]);
    rows.push(['', 'C', f(cc.callsPerSec), latency(cc, 2), us(cc.cpuUsPerCall, 2), '–', '1', st(cc)]);
    rows.push(['', 'libvirt-python', f(p.callsPerSec), latency(p, 2), us(p.cpuUsPerCall, 2), '–', `${f(c.pythonRatioToC, 3)}x`, st(p)]);
  }
  const d = r.rss as Json | undefined;
  if (d) rows.push([`d. RSS after GC, before -> after ${f(d.asyncCalls)} getInfo + getName`, 'virtkit', '', `${f(d.rssBeforeMB, 1)} -> ${f(d.rssAfterMB, 1)} MB`, '', '', d.flat ? 'flat' : 'GROWS']);
  const goals: string[][] = [['goal', 'figure', '']];
  if (a) goals.push(['a. mean <= 1.3x C and faster than libvirt-python (same run)', `${f(a.meanRatioToC, 2)}x C; python ${f(a.pythonMeanRatioToC, 2)}x C`, yes(a.met)]);
  if (b && !b.skipped) goals.push(['b. CPU/call <= 1.5x C, calls/s >= 0.9x C', `CPU ${f(b.cpuRatioToC, 2)}x, calls/s ${f(b.throughputRatioToC, 2)}x`, yes(b.met)]);
  if (c) goals.push(['c. >= 150,000 awaited calls/s', f((c.virtkit as Summary).callsPerSec), yes(c.met)]);
  return table(rows) + '\n\n' + table(goals);
}

async function main(): Promise<void> {
  mkdirSync(OUT, { recursive: true });
  const started = new Date();
  const env = {
    node: process.version,
    libvirt: (() => { const v = getVersion().libVer; return `${Math.floor(v / 1e6)}.${Math.floor(v / 1e3) % 1e3}.${v % 1e3}`; })(),
    cpus: cpus().length, cpuModel: cpus()[0]?.model, quick: QUICK, rounds: ROUNDS,
  };
  log(`virtkit bench: node ${env.node}, libvirt ${env.libvirt}, ${env.cpus} CPUs, ${ROUNDS} interleaved rounds`);
  log('Other work on this machine (other engineers\' builds and tests) may load it right now: see the load lines.');
  const result: Json = { started: started.toISOString(), env };
  if (ONLY.includes('a')) { log('a. getAllDomainStats over 100 domains ...'); result.stats = await benchStats(); }
  if (ONLY.includes('b')) { log('b. getInfo, 64 in flight on qemu:///system ...'); result.parallel = await benchParallel(); }
  if (ONLY.includes('c')) { log('c. serial getInfo on test:///default ...'); result.serial = await benchSerial(); }
  if (ONLY.includes('d')) { log('d. RSS over 1M calls ...'); noteLoad('d'); result.rss = await benchRss(); }
  noteLoad('end');
  result.load = loads;
  result.seconds = (Date.now() - started.getTime()) / 1e3;
  const t = tables(result);
  result.table = t;
  const stamp = started.toISOString().replace(/[:.]/g, '-');
  writeFileSync(join(OUT, `bench-${stamp}.json`), JSON.stringify(result, null, 2));
  writeFileSync(join(OUT, 'bench-latest.json'), JSON.stringify(result, null, 2));
  console.log(t);
  const la = loads.map((l) => (l.loadavg as number[])[0]);
  console.log(`\nload average (1 min) during the parts: ${la.map((x) => x.toFixed(2)).join(', ')} on ${env.cpus} CPUs; ${f(result.seconds, 0)} s`);
  console.log(`details: test/bench/out/bench-${stamp}.json`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
