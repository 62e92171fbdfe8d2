// Fleet benchmarks on the private hosts of scripts/fleet-hosts.sh (run by test/bench/fleet.sh
// inside host1's network namespace, where 10.77.0.1 and 10.77.0.2 answer):
//  a) the same live migration through virtkit and through `virsh migrate`, interleaved;
//  b) a fleet-wide snapshot (bulk stats) over the two real hosts plus remote test-driver
//     connections: latency and CPU per snapshot;
//  c) memory and file descriptors per open remote connection.
// Prints one JSON object (figures) after human-readable lines on stderr.
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { performance } from 'node:perf_hooks';
import { Connect, Fleet, migrate } from '../../dist/index.mjs';

const run = promisify(execFile);
const QUICK = !!process.env.VK_BENCH_QUICK;
const REAL = ['qemu+tcp://10.77.0.1/system', 'qemu+tcp://10.77.0.2/system'];
const TEST = ['test+tcp://10.77.0.1/default', 'test+tcp://10.77.0.2/default'];
const say = (s) => process.stderr.write(s + '\n');
const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(s.length * p))];
};
const r1 = (x) => Math.round(x * 10) / 10;
const out = { load: null, migration: null, snapshot: null, perConnection: null };
out.load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

// a) migration: virtkit vs virsh, same guest, same direction count, alternating.
{
  const name = `vk-bench-mig-${process.pid}`;
  const xml = `<domain type='kvm'><name>${name}</name><memory unit='MiB'>64</memory><vcpu>1</vcpu>
    <os><type arch='x86_64' machine='pc'>hvm</type><bios useserial='yes'/></os>
    <devices><serial type='pty'><target port='0'/></serial><console type='pty'><target type='serial' port='0'/></console></devices></domain>`;
  const conns = [await Connect.open(REAL[0]), await Connect.open(REAL[1])];
  (await conns[0].domainCreateXML(xml, 0)).free();
  let at = 0; // host index holding the guest
  const vk = [];
  const vs = [];
  const rounds = QUICK ? 2 : 6;
  try {
    for (let i = 0; i < rounds; i++) {
      // Alternate who goes first each round so neither always moves in the same direction.
      const order = i % 2 ? ['virsh', 'virtkit'] : ['virtkit', 'virsh'];
      for (const tool of order) {
        const to = 1 - at;
        const t = performance.now();
        if (tool === 'virtkit') {
          const dom = await conns[at].domainLookupByName(name);
          await migrate(dom, REAL[to], { p2p: true, completedStatsWaitMs: 0 });
          vk.push(performance.now() - t);
          dom.free();
        } else {
          await run('virsh', ['-c', REAL[at], 'migrate', '--live', '--p2p', name, REAL[to]]);
          vs.push(performance.now() - t);
        }
        at = to;
      }
    }
  } finally {
    const d = await conns[at].domainLookupByName(name).catch(() => null);
    await d?.destroy().catch(() => {});
    for (const c of conns) await c.close();
  }
  const med = (xs) => r1(pct(xs, 0.5));
  out.migration = { rounds, virtkitMs: vk.map(r1), virshMs: vs.map(r1), virtkitMedianMs: med(vk), virshMedianMs: med(vs), ratio: Math.round((pct(vk, 0.5) / pct(vs, 0.5)) * 100) / 100 };
  say(`migration (64 MiB KVM guest, --live --p2p over qemu+tcp, ${2 * rounds} runs interleaved): virtkit median ${med(vk)} ms, virsh migrate ${med(vs)} ms (virtkit/virsh ${out.migration.ratio})`);
}

// b) fleet-wide snapshot: 2 real hosts + N remote test-driver connections.
{
  const nTest = QUICK ? 20 : 40;
  const specs = [
    ...REAL.map((uri, i) => ({ name: `real${i + 1}`, uri })),
    ...Array.from({ length: nTest }, (_, i) => ({ name: `test${i + 1}`, uri: TEST[i % 2] })),
  ];
  const t = performance.now();
  const fleet = await Fleet.open(specs, { concurrency: 16 });
  const openMs = performance.now() - t;
  const down = fleet.status().filter((s) => s.state !== 'up');
  if (down.length) throw new Error(`hosts down: ${down.map((d) => `${d.name}: ${d.error?.message}`).join('; ')}`);
  for (let i = 0; i < 5; i++) await fleet.snapshot(); // warm-up
  const n = QUICK ? 30 : 200;
  const lat = [];
  const cpu0 = process.cpuUsage();
  const w0 = performance.now();
  let domains = 0;
  for (let i = 0; i < n; i++) {
    const s = await fleet.snapshot();
    lat.push(s.ms);
    domains = s.hosts.reduce((a, h) => a + h.domains.length, 0);
    if (s.failed.length) throw new Error(`snapshot failed on ${s.failed.map((f) => f.host).join(', ')}`);
  }
  const wall = performance.now() - w0;
  const cpu = process.cpuUsage(cpu0);
  const cpuMsPer = (cpu.user + cpu.system) / 1000 / n;
  await fleet.close();
  out.snapshot = {
    connections: specs.length,
    domains,
    openMs: r1(openMs),
    snapshots: n,
    p50Ms: r1(pct(lat, 0.5)),
    p95Ms: r1(pct(lat, 0.95)),
    cpuMsPerSnapshot: r1(cpuMsPer),
    cpuPercentOfWall: r1(((cpu.user + cpu.system) / 1000 / wall) * 100),
  };
  say(`fleet snapshot over ${specs.length} connections (2 qemu+tcp, ${nTest} test+tcp; ${domains} domains): open ${r1(openMs)} ms, p50 ${out.snapshot.p50Ms} ms, p95 ${out.snapshot.p95Ms} ms, CPU ${out.snapshot.cpuMsPerSnapshot} ms per snapshot`);
}

// c) memory and file descriptors per open connection.
{
  const fds = () => readdirSync('/proc/self/fd').length;
  const rss = () => process.memoryUsage().rss;
  const k = QUICK ? 50 : 200;
  globalThis.gc?.();
  await new Promise((r) => setTimeout(r, 200));
  const [f0, m0] = [fds(), rss()];
  const fleet = await Fleet.open(Array.from({ length: k }, (_, i) => ({ name: `c${i}`, uri: TEST[i % 2] })), { concurrency: 32 });
  await fleet.snapshot();
  globalThis.gc?.();
  await new Promise((r) => setTimeout(r, 200));
  const [f1, m1] = [fds(), rss()];
  const up = fleet.status().filter((s) => s.state === 'up').length;
  await fleet.close();
  const fdPer = (f1 - f0) / up;
  const kibPer = (m1 - m0) / 1024 / up;
  out.perConnection = { connections: up, fdsPerConnection: r1(fdPer), rssKiBPerConnection: r1(kibPer), for1000Hosts: { fds: Math.round(fdPer * 1000), rssMiB: Math.round((kibPer * 1000) / 1024) } };
  say(`per open remote connection (${up} test+tcp, each with keepalive and a close callback): ${r1(fdPer)} fds, ${r1(kibPer)} KiB RSS -> 1,000 hosts: ~${out.perConnection.for1000Hosts.fds} fds, ~${out.perConnection.for1000Hosts.rssMiB} MiB`);
}

process.stdout.write(JSON.stringify(out, null, 2) + '\n');
process.exit(0);
