// The exporter on test:///default (in process): families and values against getInfo, label
// escaping, several hosts with one refusing and one silent (per-host timeout, one shared open),
// overlapping scrapes, the HTTP side, bad options, and a close that leaves no handle behind.
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Connect, createExporter, VIR_CONNECT_LIST_DOMAINS_ACTIVE, type Domain } from '../../lib/index.js';
import { deviceLabels } from '../../lib/exporter/domain-xml.js';
import { escapeLabel, formatValue } from '../../lib/exporter/text.js';
import { testDomainXML, uniq } from '../helpers/index.js';
import { freePort, parseText, type Sample } from '../helpers/exporter.js';

const URI = 'test:///default';
let conn: Connect;
const created: Domain[] = [];

beforeAll(async () => {
  conn = await Connect.open(URI);
  for (let i = 0; i < 3; i++) created.push(await conn.domainCreateXML(testDomainXML(uniq('exp'))));
  // A name that needs escaping in a label value.
  created.push(await conn.domainCreateXML(testDomainXML(`exp-q&quot;\\x-${uniq('e')}`)));
});

afterAll(async () => {
  for (const d of created) await d.destroy().catch(() => {});
  await conn.close();
});

function one(samples: Sample[], name: string, labels: Record<string, string>): Sample {
  const hits = samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  expect(hits, `${name} ${JSON.stringify(labels)}`).toHaveLength(1);
  return hits[0];
}

describe('exporter on test:///default', () => {
  it('reports every active domain with the Go exporter families and getInfo values', async () => {
    const e = await createExporter({ connect: URI });
    try {
      const before = new Map<string, bigint>();
      for (const d of created) before.set(d.getUUIDString(), (await d.getInfo()).cpuTime);
      const { samples, types } = parseText(await e.scrape());
      const active = await conn.listAllDomains(VIR_CONNECT_LIST_DOMAINS_ACTIVE);
      expect(one(samples, 'libvirt_up', {}).value).toBe(1);
      expect(one(samples, 'libvirt_up', {}).labels).toEqual({}); // one URI: no host label
      expect(one(samples, 'libvirt_domains_number', {}).value).toBe(active.length);
      expect(types.get('libvirt_domain_info_cpu_time_seconds_total')).toBe('counter');
      expect(types.get('libvirt_domain_info_memory_usage_bytes')).toBe('gauge');
      for (const d of created) {
        const l = { domain: d.getName(), uuid: d.getUUIDString() };
        const info = await d.getInfo();
        expect(one(samples, 'libvirt_domain_state_code', l).value).toBe(info.state);
        expect(one(samples, 'libvirt_domain_info_maximum_memory_bytes', l).value).toBe(Number(info.maxMem) * 1024);
        expect(one(samples, 'libvirt_domain_info_memory_usage_bytes', l).value).toBe(Number(info.memory) * 1024);
        expect(one(samples, 'libvirt_domain_info_virtual_cpus', l).value).toBe(info.nrVirtCpu);
        // The test driver's CPU time is a clock: the scrape's value lies between two reads.
        const cpu = one(samples, 'libvirt_domain_info_cpu_time_seconds_total', l).value;
        expect(cpu).toBeGreaterThanOrEqual(Number(before.get(l.uuid)!) / 1e9 - 1e-6);
        expect(cpu).toBeLessThanOrEqual(Number(info.cpuTime) / 1e9 + 1e-6);
      }
      // Inactive domains are not reported (as with the Go exporter).
      const names = new Set(samples.filter((s) => s.name === 'libvirt_domain_state_code').map((s) => s.labels.domain));
      expect(names).toEqual(new Set(active.map((d) => d.getName())));
    } finally {
      await e.close();
    }
  });

  it('escapes label values so a parser gets the exact domain name back', async () => {
    const e = await createExporter({ connect: URI });
    try {
      const odd = created[3].getName();
      expect(odd).toContain('"');
      const { samples } = parseText(await e.scrape());
      expect(one(samples, 'libvirt_domain_state_code', { domain: odd }).value).toBe(1);
    } finally {
      await e.close();
    }
    expect(escapeLabel('a\\b"c\nd')).toBe('a\\\\b\\"c\\nd');
    expect(formatValue(12345678901234567890n)).toBe('12345678901234567890');
    expect(formatValue(NaN)).toBe('NaN');
    expect(formatValue(-Infinity)).toBe('-Inf');
  });

  it('reads disk sources and bridges from domain XML', () => {
    const xml = `<domain><devices>
      <disk type='file' device='disk'><source file='/a/b&apos;c.qcow2'/><backingStore type='file'><source file='/base'/></backingStore><target dev='vda' bus='virtio'/></disk>
      <disk type='block' device='disk'><source dev='/dev/sdb'/><target dev='vdb'/></disk>
      <disk type='file' device='cdrom'><target dev='sda'/></disk>
      <interface type='network'><source network='default' bridge='virbr0'/><target dev='vnet3'/></interface>
      <interface type='user'><model type='virtio'/></interface>
      <interface type="bridge"><source bridge="br&amp;0"/><target dev="vnet4"/></interface>
    </devices></domain>`;
    const l = deviceLabels(xml);
    expect([...l.diskSource]).toEqual([['vda', "/a/b'c.qcow2"], ['vdb', ''], ['sda', '']]);
    expect([...l.ifaceBridge]).toEqual([['vnet3', 'virbr0'], ['vnet4', 'br&0']]);
  });

  it('reports a refusing host and a silent host as libvirt_up 0 without stalling the others', async () => {
    const refused = await freePort(); // nothing listens there
    const sockets: Socket[] = [];
    const silent = createServer((s) => sockets.push(s)); // accepts, never answers
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const silentPort = (silent.address() as { port: number }).port;
    const uris = [URI, `qemu+tcp://127.0.0.1:${refused}/system`, `qemu+tcp://127.0.0.1:${silentPort}/system`];
    const e = await createExporter({ connect: uris, timeoutMs: 500 });
    try {
      for (let round = 0; round < 2; round++) {
        const t0 = Date.now();
        const { samples } = parseText(await e.scrape());
        // Bounded by the per-host timeout; without it the silent host would hold the scrape forever.
        expect(Date.now() - t0).toBeLessThan(5000);
        expect(one(samples, 'libvirt_up', { host: uris[0] }).value).toBe(1);
        expect(one(samples, 'libvirt_up', { host: uris[1] }).value).toBe(0);
        expect(one(samples, 'libvirt_up', { host: uris[2] }).value).toBe(0);
        expect(samples.filter((s) => s.name === 'libvirt_domain_state_code').every((s) => s.labels.host === uris[0])).toBe(true);
        expect(one(samples, 'libvirt_domains_number', { host: uris[0] }).value).toBeGreaterThanOrEqual(created.length);
      }
      // The second scrape joined the open still waiting on the silent host instead of starting another.
      expect(sockets).toHaveLength(1);
    } finally {
      await e.close();
      for (const s of sockets) s.destroy(); // the pending open now fails, and is dropped
      await new Promise<void>((r) => silent.close(() => r()));
    }
  });

  it('opens a host again at the next scrape after it failed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'exp-reopen-'));
    const file = join(dir, 'node.xml');
    const uri = `test://${file}`;
    const e = await createExporter({ connect: uri });
    try {
      let { samples } = parseText(await e.scrape()); // no such file yet: the open fails
      expect(one(samples, 'libvirt_up', {}).value).toBe(0);
      expect(samples.some((s) => s.name === 'libvirt_domains_number')).toBe(false);
      copyFileSync(join(__dirname, '../fixtures/driver/many-domains.xml'), file);
      ({ samples } = parseText(await e.scrape()));
      expect(one(samples, 'libvirt_up', {}).value).toBe(1);
      expect(one(samples, 'libvirt_domains_number', {}).value).toBe(24);
      expect(one(samples, 'libvirt_domain_info_memory_usage_bytes', { domain: 'bulk-01' }).value).toBe(131072 * 1024);
    } finally {
      await e.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('shares one poll between overlapping scrapes', async () => {
    const e = await createExporter({ connect: URI });
    try {
      const a = e.scrape();
      const b = e.scrape();
      expect(b).toBe(a);
      expect(await b).toBe(await a);
      const c = e.scrape();
      expect(c).not.toBe(a);
      expect(parseText(await c).samples.length).toBeGreaterThan(0);
    } finally {
      await e.close();
    }
  });

  it('serves /metrics over HTTP and answers other paths and methods', async () => {
    const e = await createExporter({ connect: URI, listen: '127.0.0.1:0' });
    try {
      expect(e.address!.host).toBe('127.0.0.1');
      expect(e.url).toBe(`http://127.0.0.1:${e.address!.port}/metrics`);
      const r = await fetch(e.url!);
      expect(r.status).toBe(200);
      expect(r.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
      expect(parseText(await r.text()).samples.some((s) => s.name === 'libvirt_up' && s.value === 1)).toBe(true);
      const base = `http://127.0.0.1:${e.address!.port}`;
      expect((await fetch(`${base}/nope`)).status).toBe(404);
      expect((await fetch(e.url!, { method: 'POST' })).status).toBe(405);
      const head = await fetch(e.url!, { method: 'HEAD' });
      expect(head.status).toBe(200);
      expect(await head.text()).toBe('');
    } finally {
      await e.close();
    }
  });

  it('closes its server, connections and timers', async () => {
    const count = () => {
      const m = new Map<string, number>();
      for (const r of process.getActiveResourcesInfo()) m.set(r, (m.get(r) ?? 0) + 1);
      return m;
    };
    const before = count();
    const e = await createExporter({ connect: [URI, 'qemu+tcp://127.0.0.1:1/system'], listen: '127.0.0.1:0', timeoutMs: 300 });
    // A keep-alive client stays connected: close() must not wait for it.
    const agent = await fetch(e.url!, { headers: { connection: 'keep-alive' } });
    await agent.text();
    await e.scrape();
    await e.close();
    await e.close(); // idempotent
    await new Promise((r) => setTimeout(r, 50));
    const after = count();
    for (const kind of ['Timeout', 'TCPServerWrap']) expect(after.get(kind) ?? 0, kind).toBeLessThanOrEqual(before.get(kind) ?? 0);
    await expect(e.scrape()).rejects.toThrow(/closed/);
    await expect(fetch(e.url!)).rejects.toThrow();
  });

  it('answers a scrape waiting on a silent host at once when closed', async () => {
    const sockets: Socket[] = [];
    const silent = createServer((s) => sockets.push(s));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const uri = `qemu+tcp://127.0.0.1:${(silent.address() as { port: number }).port}/system`;
    const e = await createExporter({ connect: [URI, uri], timeoutMs: 60_000 });
    try {
      const page = e.scrape();
      const state = () => Promise.race([page.then(() => 'answered'), new Promise((r) => setTimeout(() => r('waiting'), 200))]);
      expect(await state()).toBe('waiting'); // test:/// answered; the silent host holds the scrape
      await e.close();
      expect(await state()).toBe('answered'); // not after the 60 s timeout: its timer is gone
      const { samples } = parseText(await page);
      expect(one(samples, 'libvirt_up', { host: uri }).value).toBe(0);
      expect(one(samples, 'libvirt_up', { host: URI }).value).toBe(1);
    } finally {
      await e.close();
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => silent.close(() => r()));
    }
  });

  it('rejects bad options with typed errors', async () => {
    await expect(createExporter({ connect: [] })).rejects.toBeInstanceOf(RangeError);
    await expect(createExporter({ connect: [URI, URI] })).rejects.toBeInstanceOf(RangeError);
    await expect(createExporter({ connect: [''] })).rejects.toBeInstanceOf(TypeError);
    await expect(createExporter({ connect: URI, timeoutMs: 0 })).rejects.toBeInstanceOf(RangeError);
    await expect(createExporter({ connect: URI, timeoutMs: NaN })).rejects.toBeInstanceOf(RangeError);
    await expect(createExporter({ connect: URI, listen: 'nowhere' })).rejects.toBeInstanceOf(TypeError);
    await expect(createExporter({ connect: URI, listen: '127.0.0.1:70000' })).rejects.toBeInstanceOf(RangeError);
    await expect(createExporter({ connect: URI, path: 'metrics' })).rejects.toBeInstanceOf(TypeError);
    await expect(createExporter({ connect: URI, readOnly: 'yes' as unknown as boolean })).rejects.toBeInstanceOf(TypeError);
    await expect(createExporter({ connect: URI, stats: 0 })).rejects.toBeInstanceOf(RangeError);
    await expect(createExporter({ connect: URI, stats: 1.5 })).rejects.toBeInstanceOf(RangeError);
    await expect(createExporter(null as never)).rejects.toBeInstanceOf(TypeError);
  });

  it('rejects when the port is taken, and leaves nothing open', async () => {
    const busy = createHttpServer();
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
    const port = (busy.address() as { port: number }).port;
    try {
      await expect(createExporter({ connect: URI, listen: `127.0.0.1:${port}` })).rejects.toMatchObject({ code: 'EADDRINUSE' });
    } finally {
      await new Promise<void>((r) => busy.close(() => r()));
    }
  });
});
