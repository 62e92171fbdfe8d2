/**
 * Scale: `pollStats` over 1,000 running test-driver domains at 1 Hz for a while, as a monitoring
 * agent runs forever. Reports this process's CPU (% of one core) after warm-up, the poll call's
 * mean / median / p99, and RSS sampled every 10 s with its slope after warm-up (flat = no leak).
 *
 *   node --expose-gc test/bench/out/scale.cjs [seconds]     (default VK_BENCH_SCALE_SECONDS or 60)
 *
 * Bundled and run by `bash scripts/bench.sh` (60 s; 600 s with VK_BENCH_FULL=1). Prints a table
 * and writes test/bench/out/scale-latest.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Connect, pollStats } from '../../lib/index.js';
import { nodeXML } from './node-xml.js';
import { cpuUs, fmt as f, machineLoad, ns, quantile, table } from './measure.js';

const ROOT = resolve(process.env.VK_ROOT ?? process.cwd());
const OUT = join(ROOT, 'test/bench/out');
const DOMAINS = Number(process.env.VK_BENCH_SCALE_DOMAINS ?? 1000);
const SECONDS = Number(process.argv[2] ?? process.env.VK_BENCH_SCALE_SECONDS ?? 60);
const WARMUP_S = Math.min(30, Math.max(5, SECONDS / 5));
const gc = (globalThis as { gc?: () => void }).gc;

const mb = (b: number) => b / 2 ** 20;

/** Least-squares slope of y over x. */
function slope(xs: number[], ys: number[]): number {
  const n = xs.length;
  if (n < 2) return NaN;
  const mx = xs.reduce((a, b) => a + b, 0) / n, my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0, den = 0;
  for (let i = 0; i < n; i++) { num += (xs[i] - mx) * (ys[i] - my); den += (xs[i] - mx) ** 2; }
  return num / den;
}

async function main(): Promise<void> {
  mkdirSync(OUT, { recursive: true });
  const file = join(OUT, `node-${DOMAINS}.xml`);
  writeFileSync(file, nodeXML(DOMAINS, 'scale'));
  const conn = await Connect.open('test://' + file);
  const loadStart = machineLoad();
  process.stderr.write(`scale: pollStats over ${DOMAINS} domains at 1 Hz for ${SECONDS} s (warm-up ${WARMUP_S} s); load ${loadStart.loadavg.join(' ')}\n`);
  const ac = new AbortController();
  const t0 = ns();
  const calls: number[] = [];
  const rss: Array<{ s: number; mb: number; heapMB: number }> = [];
  let cpuAtWarm = 0, tAtWarm = 0n, snaps = 0, lastCall = t0, skipped = 0, domainsSeen = 0;
  let nextSample = 0;
  const stop = setTimeout(() => ac.abort(), SECONDS * 1000);
  for await (const snap of pollStats(conn, { intervalMs: 1000, signal: ac.signal })) {
    const now = ns();
    const s = Number(now - t0) / 1e9;
    snaps++;
    domainsSeen = snap.domains.length;
    skipped = snap.skippedTicks;
    if (snaps > 1) calls.push(Number(now - lastCall));
    lastCall = now;
    if (!tAtWarm && s >= WARMUP_S) { tAtWarm = now; cpuAtWarm = cpuUs(); }
    if (s >= nextSample) {
      const m = process.memoryUsage();
      rss.push({ s: +s.toFixed(1), mb: +mb(m.rss).toFixed(2), heapMB: +mb(m.heapUsed).toFixed(2) });
      nextSample += 10;
    }
  }
  clearTimeout(stop);
  const tEnd = ns();
  const cpuAfterWarm = cpuUs() - cpuAtWarm;
  const wallAfterWarm = Number(tEnd - (tAtWarm || t0)) / 1e3; // µs
  const cpuPercent = (cpuAfterWarm / wallAfterWarm) * 100;
  const m = process.memoryUsage();
  rss.push({ s: +(Number(tEnd - t0) / 1e9).toFixed(1), mb: +mb(m.rss).toFixed(2), heapMB: +mb(m.heapUsed).toFixed(2) });
  const warm = rss.filter((r) => r.s >= WARMUP_S);
  const rssSlopeMBPerMin = slope(warm.map((r) => r.s), warm.map((r) => r.mb)) * 60;
  const heapSlopeMBPerMin = slope(warm.map((r) => r.s), warm.map((r) => r.heapMB)) * 60;
  gc?.();
  const afterGcMB = mb(process.memoryUsage().rss);
  await conn.close();

  // The poll call itself, timed apart (the loop above measures the cadence, not the call).
  const conn2 = await Connect.open('test://' + file);
  const t: number[] = [];
  const w0 = ns();
  for (let i = 0; i < 50; i++) {
    const s = ns();
    await conn2.getAllDomainStats(0, 0);
    t.push(Number(ns() - s));
  }
  const callMeanUs = Number(ns() - w0) / 50 / 1e3;
  await conn2.close();

  const warmRss = warm.map((r) => r.mb);
  const rssFlat = Math.abs(rssSlopeMBPerMin) < 1;
  // The goal is a 10-minute run: a slope fitted to the few samples of a shorter one follows
  // the heap's growth to its steady size, not a leak, so it is shown but not judged.
  const judged = SECONDS >= 600;
  const result = {
    domains: DOMAINS, seconds: SECONDS, warmupSeconds: WARMUP_S, snapshots: snaps, domainsPerSnapshot: domainsSeen,
    skippedTicks: skipped, cpuPercentOfOneCore: cpuPercent,
    getAllDomainStatsUs: { mean: callMeanUs, median: quantile(t, 0.5) / 1e3, p99: quantile(t, 0.99) / 1e3 },
    cadenceMs: { median: quantile(calls, 0.5) / 1e6, p99: quantile(calls, 0.99) / 1e6 },
    rssSamples: rss, rssAfterWarmupMB: [Math.min(...warmRss), Math.max(...warmRss)],
    rssSlopeMBPerMin, heapSlopeMBPerMin, rssAfterGcMB: afterGcMB,
    loadStart, loadEnd: machineLoad(),
    goal: { cpuPercentAtMost: 5, rssFlat: 'slope after warm-up under 1 MB/min' },
    rssFlat,
    judged,
    met: judged && cpuPercent <= 5 && rssFlat,
  };
  const verdict = (ok: boolean) => (!judged ? 'judged on 600 s runs (VK_BENCH_FULL=1)' : ok ? 'met' : 'NOT met');
  writeFileSync(join(OUT, 'scale-latest.json'), JSON.stringify(result, null, 2));
  console.log(table([
    ['scale', 'figure', 'goal'],
    [`pollStats, ${DOMAINS} test:/// domains, 1 Hz, ${SECONDS} s (${snaps} snapshots)`, `CPU ${f(cpuPercent, 2)}% of one core after ${WARMUP_S} s warm-up`, `<= 5%: ${verdict(cpuPercent <= 5)}`],
    ['getAllDomainStats over them (µs, mean / median / p99)', `${f(callMeanUs)} / ${f(result.getAllDomainStatsUs.median)} / ${f(result.getAllDomainStatsUs.p99)}`, ''],
    ['RSS after warm-up (MB, min–max; slope)', `${f(result.rssAfterWarmupMB[0], 1)}–${f(result.rssAfterWarmupMB[1], 1)}; ${f(rssSlopeMBPerMin, 2)} MB/min (heap ${f(heapSlopeMBPerMin, 2)} MB/min)`, `flat (< 1 MB/min): ${verdict(rssFlat)}`],
  ]));
  console.log(`load average start ${loadStart.loadavg.join(' ')}, end ${result.loadEnd.loadavg.join(' ')}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
