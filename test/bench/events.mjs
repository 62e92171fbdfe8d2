// Event delivery benchmark: latency from libvirt's C callback (on the addon's
// event thread) to the JS callback, p50/p99, and sustained events per second.
// Usage: node test/bench/events.mjs [uri]   (default test:///default)
import { Connect, VIR_DOMAIN_EVENT_ID_LIFECYCLE } from '../../dist/index.mjs';
import { native } from './native.mjs';

const uri = process.argv[2] ?? 'test:///default';
const conn = await Connect.open(uri);
const N_DOMS = 32;
const doms = [];
for (let i = 0; i < N_DOMS; i++) {
  const name = `vk-bench-ev-${process.pid}-${i}`;
  const d = await conn.domainCreateXML(`<domain type='test'><name>${name}</name><memory>65536</memory><vcpu>1</vcpu><os><type>hvm</type></os></domain>`);
  doms.push(d);
}

const lat = [];
let count = 0;
const id = await conn.domainEventRegisterAny(null, VIR_DOMAIN_EVENT_ID_LIFECYCLE, () => {
  const now = process.hrtime.bigint();
  lat.push(Number(now - native._eventStamp()));
  count++;
});

// 1) latency at a modest rate: one suspend/resume at a time
for (let i = 0; i < 2000; i++) {
  const d = doms[i % N_DOMS];
  await d.suspend();
  await d.resume();
}
await new Promise((r) => setTimeout(r, 100));
const sorted = [...lat].sort((a, b) => a - b);
const pct = (p) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] / 1000;

// 2) sustained: every domain suspended/resumed concurrently, for ~3 s
lat.length = 0;
count = 0;
const t0 = process.hrtime.bigint();
let stop = false;
setTimeout(() => (stop = true), 3000);
await Promise.all(doms.map(async (d) => {
  while (!stop) {
    await d.suspend();
    await d.resume();
  }
}));
await new Promise((r) => setTimeout(r, 200));
const secs = Number(process.hrtime.bigint() - t0) / 1e9;
const sortedLoad = [...lat].sort((a, b) => a - b);
const pctLoad = (p) => sortedLoad[Math.min(sortedLoad.length - 1, Math.floor(sortedLoad.length * p))] / 1000;

await conn.domainEventDeregisterAny(id);
for (const d of doms) await d.destroy().catch(() => {});
await conn.close();

const result = {
  uri,
  latency_us: { events: sorted.length, p50: +pct(0.5).toFixed(1), p99: +pct(0.99).toFixed(1), max: +(sorted.at(-1) / 1000).toFixed(1) },
  sustained: { events: count, seconds: +secs.toFixed(2), events_per_sec: Math.round(count / secs), p50_us: +pctLoad(0.5).toFixed(1), p99_us: +pctLoad(0.99).toFixed(1) },
};
console.log(JSON.stringify(result));
