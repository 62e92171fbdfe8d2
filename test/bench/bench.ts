/**
 * virtkit benchmarks against C and libvirt-python, all measured in one run.
 * Run by `bash scripts/bench.sh` (which builds test/bench/out/cbench and bundles this file);
 * needs `node --expose-gc`. Prints a table and writes test/bench/out/bench-<time>.json
 * (and bench-latest.json).
 *
 *   a. getAllDomainStats over 100 running domains of a test:/// node (in-process): median
 *      time per awaited call, virtkit vs C vs python.
 *   b. getInfo with 64 calls in flight over ONE qemu:///system connection to 8 paused tiny
 *      guests: calls/s, virtkit (rolling window of 64 promises) vs C (64 threads), and vs the
 *      same C program running libvirt's default event loop in a thread (CBENCH_EVENT_LOOP=1).
 *   c. getInfo awaited one at a time on test:///default: calls/s, virtkit (with and without
 *      captured stacks) vs C vs python.
 *   d. RSS before/after one million calls (getInfo awaited, 16 in flight, + getName sync) after GC.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { PerformanceObserver } from 'node:perf_hooks';
import { Connect, Domain, diagnostics, getVersion, setCaptureStacks } from '../../lib/index.js';
import { nodeXML } from './node-xml.js';

const ROOT = resolve(process.env.VK_ROOT ?? process.cwd());
const OUT = join(ROOT, 'test/bench/out');
const CBENCH = join(OUT, 'cbench');
const PYBENCH = join(ROOT, 'test/bench/pybench.py');
const PYTHON = process.env.VK_PYTHON ?? '/usr/bin/python3';
const QUICK = process.env.VK_BENCH_QUICK === '1'; // smaller counts, for checking the harness
const ROUNDS = QUICK ? 1 : 3;

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc (scripts/bench.sh does)');

type Json = Record<string, unknown>;

function child(cmd: string, args: string[], env: Record<string, string> = {}): Json {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 120_000, env: { ...process.env, ...env } });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}

const ns = () => process.hrtime.bigint();
const log = (s: string) => process.stderr.write(s + '\n');

/** GC time (ms) observed while `fn` runs. */
async function withGcTime<T>(fn: () => Promise<T>): Promise<{ result: T; gcMs: number; gcCount: number }> {
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

// ---------------------------------------------------------------- a. bulk stats, 100 domains
async function benchStats(): Promise<Json> {
  const file = join(OUT, 'node-100.xml');
  writeFileSync(file, nodeXML(100));
  const uri = 'test://' + file;
  const iters = QUICK ? 300 : 3000;

  const conn = await Connect.open(uri);
  for (let i = 0; i < iters / 10 + 10; i++) await conn.getAllDomainStats(0, 0);
  // ROUNDS interleaved rounds (virtkit, C, python); each figure is the median of its rounds'
  // medians, so a burst of load from elsewhere hits one round of each, not one contender.
  const rv: number[] = [], rc: number[] = [], rp: number[] = [];
  let gcMs = 0, gcCount = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const times: number[] = [];
    const g = await withGcTime(async () => {
      for (let i = 0; i < iters; i++) {
        const t0 = ns();
        await conn.getAllDomainStats(0, 0);
        times.push(Number(ns() - t0));
      }
    });
    gcMs += g.gcMs; gcCount += g.gcCount;
    rv.push(median(times));
    rc.push(child(CBENCH, ['stats', uri, String(iters)]).medianNs as number);
    rp.push(child(PYTHON, [PYBENCH, 'stats', uri, String(iters)]).medianNs as number);
  }
  const vk = median(rv);

  // Breakdown: the same call on a 1-domain node (fixed cost: thread hop + list call), and the
  // awaited round trip of a trivial async call (getInfo on test:///default).
  const one = join(OUT, 'node-1.xml');
  writeFileSync(one, nodeXML(1));
  const conn1 = await Connect.open('test://' + one);
  for (let i = 0; i < 300; i++) await conn1.getAllDomainStats(0, 0);
  const t1: number[] = [];
  for (let i = 0; i < iters; i++) {
    const t0 = ns();
    await conn1.getAllDomainStats(0, 0);
    t1.push(Number(ns() - t0));
  }
  // Wrapper creation alone: listAllDomains on the same 100 domains (100 Domain wrappers, no params).
  for (let i = 0; i < 100; i++) await conn.listAllDomains(0);
  const tl: number[] = [];
  for (let i = 0; i < iters; i++) {
    const t0 = ns();
    await conn.listAllDomains(0);
    tl.push(Number(ns() - t0));
  }
  const cl = child(CBENCH, ['list', uri, String(iters)]);
  // Sync per-record work a caller typically adds (not part of the virtkit figure above).
  const recs = await conn.getAllDomainStats(0, 0);
  const tu = ns();
  for (let i = 0; i < 100; i++) for (const r of recs) r.domain.getUUIDString();
  const uuidNs = Number(ns() - tu) / 100 / recs.length;
  await conn1.close();
  await conn.close();

  const c = { medianNs: median(rc) };
  const c1 = child(CBENCH, ['stats', 'test://' + one, String(iters)]);
  const py = { medianNs: median(rp) };
  return {
    domains: recs.length,
    iters,
    rounds: { virtkitNs: rv, cNs: rc, pythonNs: rp },
    virtkitMedianNs: vk,
    cMedianNs: c.medianNs,
    pythonMedianNs: py.medianNs,
    ratioVirtkitToC: vk / (c.medianNs as number),
    ratioPythonToC: (py.medianNs as number) / (c.medianNs as number),
    breakdown: {
      gcMsDuringVirtkitLoops: gcMs,
      gcCount,
      gcNsPerCall: (gcMs * 1e6) / (iters * ROUNDS),
      virtkitOneDomainMedianNs: median(t1),
      cOneDomainMedianNs: c1.medianNs,
      virtkitPerDomainNs: (vk - median(t1)) / 99,
      cPerDomainNs: ((c.medianNs as number) - (c1.medianNs as number)) / 99,
      virtkitListAllDomainsMedianNs: median(tl),
      cListAllDomainsMedianNs: cl.medianNs,
      wrapperNsPerDomain: (median(tl) - (cl.medianNs as number)) / 100,
      getUUIDStringNsPerRecord: uuidNs,
    },
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

async function benchParallel(): Promise<Json> {
  const seconds = QUICK ? 1 : 3;
  const WINDOW = 64;
  let conn: Connect;
  try {
    conn = await Connect.open('qemu:///system');
  } catch (e) {
    return { skipped: `qemu:///system not available: ${(e as Error).message}` };
  }
  const names = Array.from({ length: GUESTS }, (_, i) => guestName(i));
  const doms: Domain[] = [];
  try {
    for (const n of names) doms.push(await conn.domainCreateXML(guestXML(n), 1 /* VIR_DOMAIN_START_PAUSED */));
    for (let i = 0; i < 200; i++) await doms[i % GUESTS].getInfo(); // warm-up

    const rv: number[] = [], rc: number[] = [], rl: number[] = [];
    let errors = 0, cErrors = 0, maxPoolThreads = 0;
    const vkCpu: number[] = [], cCpu: number[] = [], lCpu: number[] = []; // CPU µs (user + sys, whole process) per call
    for (let round = 0; round < ROUNDS; round++) {
      // virtkit: a rolling window of 64 promises over one connection.
      let calls = 0;
      const cpu0 = process.cpuUsage();
      const t0 = ns();
      const deadline = t0 + BigInt(seconds * 1e9);
      let k = 0;
      const lane = async (): Promise<void> => {
        while (ns() < deadline) {
          try { await doms[k++ % GUESTS].getInfo(); calls++; } catch { errors++; }
          if ((k & 1023) === 0) maxPoolThreads = Math.max(maxPoolThreads, diagnostics().poolThreads);
        }
      };
      await Promise.all(Array.from({ length: WINDOW }, lane));
      rv.push(calls / (Number(ns() - t0) / 1e9));
      const cpu = process.cpuUsage(cpu0);
      vkCpu.push((cpu.user + cpu.system) / calls);
      // C: 64 threads sharing one connection (its own process, same guests).
      const c = child(CBENCH, ['threads', 'qemu:///system', String(WINDOW), String(seconds), ...names]);
      rc.push(c.callsPerSec as number);
      cCpu.push(c.cpuUsPerCall as number);
      cErrors += c.errors as number;
      // C again with libvirt's default event loop running in a thread, as in
      // virsh and in virtkit (which must run one for events and keepalive).
      const l = child(CBENCH, ['threads', 'qemu:///system', String(WINDOW), String(seconds), ...names], { CBENCH_EVENT_LOOP: '1' });
      rl.push(l.callsPerSec as number);
      lCpu.push(l.cpuUsPerCall as number);
      cErrors += l.errors as number;
    }
    const vk = median(rv);
    const cps = median(rc);
    const lps = median(rl);
    return {
      guests: GUESTS, inFlight: WINDOW, seconds, rounds: { virtkitCallsPerSec: rv, cCallsPerSec: rc },
      virtkitCallsPerSec: vk, virtkitErrors: errors, virtkitMaxPoolThreadsSeen: maxPoolThreads,
      cCallsPerSec: cps, cErrors, rounds2: { cWithEventLoopCallsPerSec: rl },
      cWithEventLoopCallsPerSec: lps, cWithEventLoopProcessCpuUsPerCall: median(lCpu),
      virtkitProcessCpuUsPerCall: median(vkCpu), cProcessCpuUsPerCall: median(cCpu),
      ratioVirtkitToC: vk / cps, ratioVirtkitToCWithEventLoop: vk / lps,
    };
  } finally {
    for (const d of doms) await d.destroy().catch(() => {}); // transient: destroy removes them
    await conn.close();
  }
}

// ---------------------------------------------------------------- c. serial getInfo, test:///default
async function serialLoop(dom: Domain, calls: number): Promise<number> {
  for (let i = 0; i < calls / 10; i++) await dom.getInfo();
  const t0 = ns();
  for (let i = 0; i < calls; i++) await dom.getInfo();
  return calls / (Number(ns() - t0) / 1e9);
}

async function benchSerial(): Promise<Json> {
  const calls = QUICK ? 20_000 : 100_000;
  const conn = await Connect.open('test:///default');
  const dom = await conn.domainLookupByName('test');
  const rv: number[] = [], rn: number[] = [], rc: number[] = [], rp: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    setCaptureStacks(true);
    rv.push(await serialLoop(dom, calls));
    setCaptureStacks(false);
    rn.push(await serialLoop(dom, calls));
    setCaptureStacks(true);
    rc.push(child(CBENCH, ['serial', 'test:///default', 'test', String(calls * 5)]).callsPerSec as number);
    rp.push(child(PYTHON, [PYBENCH, 'serial', 'test:///default', 'test', String(calls * 2)]).callsPerSec as number);
  }
  const vk = median(rv);
  const vkNoStacks = median(rn);
  // A resolved-promise await alone, for scale (no native call).
  const t0 = ns();
  for (let i = 0; i < calls; i++) await Promise.resolve(i);
  const awaitNs = Number(ns() - t0) / calls;
  // A sync native call (getName), for scale.
  const t1 = ns();
  for (let i = 0; i < calls; i++) dom.getName();
  const syncNs = Number(ns() - t1) / calls;
  await conn.close();
  const c = { callsPerSec: median(rc) };
  const py = { callsPerSec: median(rp) };
  return {
    calls,
    rounds: { virtkit: rv, virtkitNoStacks: rn, c: rc, python: rp },
    virtkitCallsPerSec: vk,
    virtkitNoStacksCallsPerSec: vkNoStacks,
    cCallsPerSec: c.callsPerSec,
    pythonCallsPerSec: py.callsPerSec,
    ratioVirtkitToC: vk / (c.callsPerSec as number),
    ratioVirtkitNoStacksToC: vkNoStacks / (c.callsPerSec as number),
    ratioPythonToC: (py.callsPerSec as number) / (c.callsPerSec as number),
    virtkitUsPerCall: 1e6 / vk,
    virtkitNoStacksUsPerCall: 1e6 / vkNoStacks,
    cUsPerCall: 1e6 / (c.callsPerSec as number),
    awaitResolvedPromiseNs: awaitNs,
    syncGetNameNs: syncNs,
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
  const WARM = 20_000;
  for (let i = 0; i < WARM; i++) { await dom.getInfo(); dom.getName(); }
  await new Promise((r) => setTimeout(r, 100));
  const before = settle();
  const samples: number[] = [];
  const t0 = ns();
  // N async getInfo calls, 16 in flight at a time (a rolling window), each followed by a sync getName.
  let issued = 0;
  const lane = async (): Promise<void> => {
    while (issued < N) {
      const i = ++issued;
      await dom.getInfo(); // async call
      dom.getName(); // sync call
      if (i % (N / 10) === 0) samples.push(mb(process.memoryUsage().rss));
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
    heapBeforeMB: before.heapMB, heapAfterMB: after.heapMB,
    rssSamplesMB: samples,
    flat: growth < 5,
  };
}

// ---------------------------------------------------------------- table
const f = (x: unknown, d = 0) => (typeof x === 'number' ? x.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d }) : String(x));

const ms = (a: Json, k: string) => ((a.breakdown as Json)[k] as number) / 1e3;

function table(r: Json): string {
  const a = r.stats as Json;
  const b = r.parallel as Json;
  const c = r.serial as Json;
  const d = r.rss as Json;
  const rows: string[][] = [['benchmark', 'virtkit', 'C', 'libvirt-python', 'virtkit / C', 'target']];
  rows.push([`a. getAllDomainStats, ${a.domains} domains (test:///, median µs/call)`,
    f((a.virtkitMedianNs as number) / 1e3, 1), f((a.cMedianNs as number) / 1e3, 1), f((a.pythonMedianNs as number) / 1e3, 1),
    `${f(a.ratioVirtkitToC, 2)}x (python ${f(a.ratioPythonToC, 2)}x)`, '<= 1.2x']);
  if (b.skipped) rows.push(['b. getInfo, 64 in flight, 1 qemu:///system conn', 'skipped', String(b.skipped), '', '', '>= 0.9x']);
  else rows.push([`b. getInfo, ${b.inFlight} in flight, 1 qemu:///system conn, ${b.guests} paused guests (calls/s)`,
    `${f(b.virtkitCallsPerSec)} (${f(b.virtkitProcessCpuUsPerCall)} µs CPU/call)`,
    `${f(b.cCallsPerSec)} (${f(b.cProcessCpuUsPerCall)} µs CPU/call)`, '-', `${f(b.ratioVirtkitToC, 2)}x`, '>= 0.9x']);
  if (!b.skipped) rows.push(['b. same, C running libvirt\'s default event loop in a thread (as virsh does)', '',
    `${f(b.cWithEventLoopCallsPerSec)} (${f(b.cWithEventLoopProcessCpuUsPerCall)} µs CPU/call)`, '-', `${f(b.ratioVirtkitToCWithEventLoop, 2)}x`, '-']);
  rows.push(['c. getInfo awaited one at a time, test:///default (calls/s)',
    f(c.virtkitCallsPerSec), f(c.cCallsPerSec), f(c.pythonCallsPerSec), `${f(c.ratioVirtkitToC, 3)}x (python ${f(c.ratioPythonToC, 2)}x)`, '-']);
  rows.push(['c. same, setCaptureStacks(false) (calls/s)',
    f(c.virtkitNoStacksCallsPerSec), '', '', `${f(c.ratioVirtkitNoStacksToC, 3)}x`, '-']);
  rows.push([`d. RSS after GC, before -> after ${f(d.asyncCalls)} getInfo + ${f(d.syncCalls)} getName (MB)`,
    `${f(d.rssBeforeMB, 1)} -> ${f(d.rssAfterMB, 1)} (${(d.rssGrowthMB as number) >= 0 ? '+' : ''}${f(d.rssGrowthMB, 1)})`,
    '', '', d.flat ? 'flat' : 'GROWS', 'flat']);
  rows.push(['a. breakdown: fixed cost (1-domain node), per extra domain, GC per call (µs)',
    `${f(ms(a, 'virtkitOneDomainMedianNs'), 1)}, ${f(ms(a, 'virtkitPerDomainNs'), 2)}, ${f(ms(a, 'gcNsPerCall'), 1)}`,
    `${f(ms(a, 'cOneDomainMedianNs'), 1)}, ${f(ms(a, 'cPerDomainNs'), 2)}, -`, '', '', '']);
  const w = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)));
  const line = (row: string[]) => '| ' + row.map((cell, i) => cell.padEnd(w[i])).join(' | ') + ' |';
  return [line(rows[0]), '|' + w.map((n) => '-'.repeat(n + 2)).join('|') + '|', ...rows.slice(1).map(line)].join('\n');
}

async function main(): Promise<void> {
  mkdirSync(OUT, { recursive: true });
  const started = new Date();
  const env = {
    node: process.version,
    libvirt: (() => { const v = getVersion().libVer; return `${Math.floor(v / 1e6)}.${Math.floor(v / 1e3) % 1e3}.${v % 1e3}`; })(),
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model,
    loadavgAtStart: loadavg(),
    quick: QUICK,
  };
  log(`virtkit bench: node ${env.node}, libvirt ${env.libvirt}, ${env.cpus} CPUs, load ${env.loadavgAtStart.map((x) => x.toFixed(2)).join(' ')}`);
  log('a. getAllDomainStats over 100 domains ...');
  const stats = await benchStats();
  log('b. getInfo, 64 in flight on qemu:///system ...');
  const parallel = await benchParallel();
  log('c. serial getInfo on test:///default ...');
  const serial = await benchSerial();
  log('d. RSS over 1M calls ...');
  const rss = await benchRss();
  const result: Json = {
    started: started.toISOString(), seconds: (Date.now() - started.getTime()) / 1e3,
    env: { ...env, loadavgAtEnd: loadavg() }, stats, parallel, serial, rss,
  };
  const t = table(result);
  result.table = t;
  const stamp = started.toISOString().replace(/[:.]/g, '-');
  writeFileSync(join(OUT, `bench-${stamp}.json`), JSON.stringify(result, null, 2));
  writeFileSync(join(OUT, 'bench-latest.json'), JSON.stringify(result, null, 2));
  console.log(t);
  console.log(`\nload average start ${env.loadavgAtStart.map((x) => x.toFixed(2)).join(' ')}, end ${loadavg().map((x) => x.toFixed(2)).join(' ')}; ${f(result.seconds, 0)} s`);
  console.log(`details: test/bench/out/bench-${stamp}.json`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
