// Exporter benchmark: CPU per scrape of virtkit's exporter against Debian's
// prometheus-libvirt-exporter (Go) in the same run, each in its own process scraped over HTTP,
// CPU taken from /proc/PID/stat (utime+stime) over batches of scrapes; libvirtd's CPU per scrape
// beside it. Part a: 8 paused guests on qemu:///system (both exporters, batches interleaved, the
// order alternating). Part b: 100 test-driver domains (virtkit alone: the Go exporter cannot
// open test:///). Part c: the page writer alone, TextPage vs prom-client, on the same samples.
//   bundled and run by scripts/bench.sh; VK_BENCH_QUICK=1 for small counts.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, readlinkSync } from 'node:fs';
import { loadavg } from 'node:os';
import { Counter, Gauge, Registry } from 'prom-client';
import { Connect, createExporter } from '../../lib/index.js';
import { ALL_FAMILIES } from '../../lib/exporter/families.js';
import { escapeLabel, TextPage, type Family } from '../../lib/exporter/text.js';
import { createGuests, freePort, parseText, type Sample } from '../helpers/exporter.js';
import { testDomainXML } from '../helpers/index.js';

const QUICK = process.env.VK_BENCH_QUICK === '1';
const SYSTEM = 'qemu:///system';
const TICK_MS = 1000 / Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());

function log(s: string): void {
  process.stderr.write(s + '\n');
}

/** utime+stime of a process, ms. */
function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) * TICK_MS; // fields 14 and 15 of stat(5)
}

/** The libvirtd serving qemu:///system here: other daemons may run in other mount namespaces. */
function libvirtdPid(): number | null {
  let pids: number[];
  try {
    pids = execFileSync('pidof', ['libvirtd'], { encoding: 'utf8' }).trim().split(/\s+/).map(Number);
  } catch {
    return null;
  }
  const ns = (pid: number | 'self') => readlinkSync(`/proc/${pid}/ns/mnt`);
  return pids.find((p) => ns(p) === ns('self')) ?? null;
}

/** The exporter child: `--child --listen H:P --connect URI [--test-domains N]`. */
async function child(argv: string[]): Promise<void> {
  const get = (k: string) => argv[argv.indexOf(k) + 1];
  const n = argv.includes('--test-domains') ? Number(get('--test-domains')) : 0;
  let keep: Connect | null = null;
  if (n > 0) {
    keep = await Connect.open('test:///default');
    for (let i = 0; i < n; i++) await keep.domainCreateXML(testDomainXML(`exp-bench-t${i}`));
  }
  const e = await createExporter({ connect: get('--connect'), listen: get('--listen') });
  process.stdout.write('ready\n');
  await new Promise<void>((r) => process.once('SIGTERM', () => r()));
  await e.close();
  await keep?.close();
  process.exit(0);
}

interface Proc {
  name: string;
  pid: number;
  url: string;
  proc: ChildProcess;
}

async function waitUrl(url: string, p: ChildProcess): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (p.exitCode !== null) throw new Error(`${url}: process exited ${p.exitCode}`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      /* not yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} never answered`);
}

async function startVirtkit(args: string[]): Promise<Proc> {
  const port = await freePort();
  const proc = spawn(process.execPath, [process.argv[1], '--child', '--listen', `127.0.0.1:${port}`, ...args], { stdio: ['ignore', 'ignore', 'inherit'] });
  const url = `http://127.0.0.1:${port}/metrics`;
  await waitUrl(url, proc);
  return { name: 'virtkit', pid: proc.pid!, url, proc };
}

async function startGo(): Promise<Proc> {
  const port = await freePort();
  const proc = spawn('prometheus-libvirt-exporter', [`--web.listen-address=127.0.0.1:${port}`, `--libvirt.uri=${SYSTEM}`], { stdio: 'ignore' });
  const url = `http://127.0.0.1:${port}/metrics`;
  await waitUrl(url, proc);
  return { name: 'go', pid: proc.pid!, url, proc };
}

async function stop(p: Proc): Promise<void> {
  if (p.proc.exitCode !== null) return;
  const done = new Promise((r) => p.proc.once('exit', r));
  p.proc.kill('SIGTERM');
  await done;
}

interface Batch {
  cpuMsPerScrape: number;
  libvirtdMsPerScrape: number | null;
  wallMs: number[];
}

/** N sequential scrapes; CPU of the exporter and of libvirtd over the batch. */
async function batch(p: Proc, n: number, daemon: number | null): Promise<Batch> {
  const c0 = cpuMs(p.pid);
  const d0 = daemon ? cpuMs(daemon) : 0;
  const wallMs: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    const r = await fetch(p.url);
    await r.text();
    wallMs.push(performance.now() - t0);
  }
  return {
    cpuMsPerScrape: (cpuMs(p.pid) - c0) / n,
    libvirtdMsPerScrape: daemon ? (cpuMs(daemon) - d0) / n : null,
    wallMs,
  };
}

function pct(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
}
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

function summary(bs: Batch[]) {
  const cpu = bs.map((b) => b.cpuMsPerScrape);
  const wall = bs.flatMap((b) => b.wallMs);
  const lv = bs.map((b) => b.libvirtdMsPerScrape).filter((x): x is number => x !== null);
  return {
    cpuMsPerScrape: mean(cpu),
    cpuMsPerScrapeMin: Math.min(...cpu),
    cpuMsPerScrapeMax: Math.max(...cpu),
    libvirtdMsPerScrape: lv.length ? mean(lv) : null,
    wallMsMedian: pct(wall, 0.5),
    wallMsP99: pct(wall, 0.99),
    wallMsMean: mean(wall),
    scrapes: wall.length,
  };
}

const fmt = (x: number | null, d = 2) => (x === null ? '-' : x.toFixed(d));

/** Part c: the same samples written by TextPage and by a prom-client registry; CPU µs per page. */
function writers(samples: Sample[], iterations: number) {
  const byName = new Map(ALL_FAMILIES.map((f) => [f.name, f]));
  const fams = new Map<string, Family>();
  for (const s of samples) {
    fams.set(s.name, byName.get(s.name)!);
  }
  const ours = (): string => {
    const page = new TextPage([...fams.values()]);
    for (const s of samples) {
      let l = '';
      for (const k in s.labels) l += `${l === '' ? '' : ','}${k}="${escapeLabel(s.labels[k])}"`;
      page.add(fams.get(s.name)!, l, s.value);
    }
    return page.toString();
  };
  const registry = new Registry();
  const metrics = new Map<string, Gauge | Counter>();
  for (const f of fams.values()) {
    const labelNames = Object.keys(samples.find((s) => s.name === f.name)!.labels);
    const M = f.type === 'counter' ? Counter : Gauge;
    metrics.set(f.name, new M({ name: f.name, help: f.help, labelNames, registers: [registry] }));
  }
  const prom = async (): Promise<string> => {
    registry.resetMetrics(); // each scrape carries only the domains that exist now
    for (const s of samples) {
      const m = metrics.get(s.name)!;
      if (m instanceof Counter) m.inc(s.labels, s.value);
      else m.set(s.labels, s.value);
    }
    return registry.metrics();
  };
  const time = async (f: () => string | Promise<string>): Promise<number> => {
    for (let i = 0; i < Math.min(200, iterations); i++) await f(); // warm-up
    global.gc?.();
    const u0 = process.cpuUsage();
    for (let i = 0; i < iterations; i++) await f();
    const u = process.cpuUsage(u0);
    return (u.user + u.system) / iterations;
  };
  return { time, ours, prom };
}

async function main(): Promise<void> {
  const out: Record<string, unknown> = { loadavgAtStart: loadavg(), quick: QUICK };
  log(`exporter bench: load ${loadavg().map((x) => x.toFixed(2)).join(' ')}, CPU from /proc (${TICK_MS} ms ticks)`);
  const rounds = QUICK ? 2 : 6;
  const perBatch = QUICK ? 10 : 40;
  const daemon = libvirtdPid();
  let pageA: string | null = null;

  // a. 8 guests, both exporters.
  let conn: Connect | null = null;
  let guests: Awaited<ReturnType<typeof createGuests>> | null = null;
  const procs: Proc[] = [];
  try {
    conn = await Connect.open(SYSTEM);
    guests = await createGuests(conn, `exp-bench-${process.pid}`, 8, { paused: true });
    const go = await startGo();
    procs.push(go);
    const vk = await startVirtkit(['--connect', SYSTEM]);
    procs.push(vk);
    pageA = await (await fetch(vk.url)).text();
    for (const p of [go, vk]) await batch(p, 5, null); // warm-up
    const res: Record<string, Batch[]> = { go: [], virtkit: [] };
    for (let r = 0; r < rounds; r++) {
      for (const p of r % 2 === 0 ? [go, vk] : [vk, go]) res[p.name].push(await batch(p, perBatch, daemon));
    }
    const a = { go: summary(res.go), virtkit: summary(res.virtkit), rounds, perBatch };
    out.a = a;
    log(`a. 8 paused guests on ${SYSTEM}, ${rounds} rounds x ${perBatch} scrapes each, interleaved`);
    log('   exporter   CPU ms/scrape (mean; min-max of rounds)   libvirtd ms/scrape   wall ms median / p99');
    for (const k of ['go', 'virtkit'] as const) {
      const s = a[k];
      log(`   ${k.padEnd(9)}  ${fmt(s.cpuMsPerScrape)} (${fmt(s.cpuMsPerScrapeMin)}-${fmt(s.cpuMsPerScrapeMax)})${' '.repeat(22)}${fmt(s.libvirtdMsPerScrape)}${' '.repeat(16)}${fmt(s.wallMsMedian)} / ${fmt(s.wallMsP99)}`);
    }
    const ratio = a.virtkit.cpuMsPerScrape / a.go.cpuMsPerScrape;
    out.aRatio = ratio;
    log(`   virtkit / go CPU per scrape: ${ratio.toFixed(2)}x (goal <= 1: ${ratio <= 1 ? 'met' : 'not met'})`);
  } catch (e) {
    log(`a. skipped: ${(e as Error).message}`);
    out.a = { skipped: (e as Error).message };
  } finally {
    for (const p of procs.splice(0)) await stop(p);
    await guests?.remove();
    await conn?.close();
  }

  // b. 100 test-driver domains, virtkit alone.
  const vk = await startVirtkit(['--connect', 'test:///default', '--test-domains', '100']);
  let pageB: string;
  try {
    pageB = await (await fetch(vk.url)).text();
    await batch(vk, 5, null);
    const bs: Batch[] = [];
    for (let r = 0; r < rounds; r++) bs.push(await batch(vk, perBatch * 2, null));
    const b = summary(bs);
    out.b = b;
    log(`b. 100 test-driver domains (+ the driver's own), virtkit alone, ${rounds} x ${perBatch * 2} scrapes`);
    log(`   CPU ms/scrape ${fmt(b.cpuMsPerScrape)} (${fmt(b.cpuMsPerScrapeMin)}-${fmt(b.cpuMsPerScrapeMax)}), wall ms median ${fmt(b.wallMsMedian)} / p99 ${fmt(b.wallMsP99)}`);
  } finally {
    await stop(vk);
  }

  // c. The page writer alone.
  const iterations = QUICK ? 500 : 5000;
  const c: Record<string, { samples: number; textPageUs: number; promClientUs: number }> = {};
  for (const [label, page] of [['8 guests', pageA], ['100 test domains', pageB]] as const) {
    if (!page) continue;
    const samples = parseText(page).samples;
    const w = writers(samples, iterations);
    const textPageUs = await w.time(w.ours);
    const promClientUs = await w.time(w.prom);
    c[label] = { samples: samples.length, textPageUs, promClientUs };
  }
  out.c = c;
  log(`c. page writer, CPU us per page (GC included), ${iterations} pages`);
  for (const [k, v] of Object.entries(c)) {
    log(`   ${k.padEnd(17)} ${String(v.samples).padStart(5)} samples: TextPage ${v.textPageUs.toFixed(1)}, prom-client ${v.promClientUs.toFixed(1)} (${(v.promClientUs / v.textPageUs).toFixed(1)}x)`);
  }
  out.loadavgAtEnd = loadavg();
  process.stdout.write(JSON.stringify(out, null, 2) + '\n');
}

if (process.argv[2] === '--child') void child(process.argv.slice(3));
else
  main().catch((e) => {
    log(String(e?.stack ?? e));
    process.exit(1);
  });
