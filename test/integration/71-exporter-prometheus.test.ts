// Debian's Prometheus server scrapes the exporter (qemu:///system, two running tiny guests)
// every second; PromQL through its HTTP API returns each guest's CPU counter and its rate().
// A second URI (test:///default, in this process) has a domain whose name needs escaping: the
// real parser must read it back exactly, under its host label.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Connect, createExporter, type Domain, type Exporter } from '../../lib/index.js';
import { requirePart, testDomainXML, uniq } from '../helpers/index.js';
import { SYSTEM, needDaemon } from '../helpers/qemu.js';
import {
  createGuests, defaultNetworkUp, freePort, hasCommand, startChild, tempDir, waitHttp,
  type Child, type ExporterGuests,
} from '../helpers/exporter.js';

const daemon = needDaemon();
const prom = requirePart(hasCommand('prometheus'), 'prometheus (Debian package prometheus)');
const skip = daemon.skip || prom.skip;

interface PromVector {
  metric: Record<string, string>;
  value: [number, string];
}

describe.skipIf(skip)(`exporter scraped by Prometheus (${skip ? (daemon.skip ? daemon.reason : prom.reason) : 'needs libvirtd and prometheus'})`, () => {
  let conn: Connect;
  let guests: ExporterGuests | null = null;
  let exporter: Exporter | null = null;
  let server: Child | null = null;
  const dir = tempDir('exp-prom-');
  let api = '';
  let testConn: Connect | null = null;
  let odd: Domain | null = null;

  beforeAll(async () => {
    conn = await Connect.open(SYSTEM);
    expect(await defaultNetworkUp(conn)).toBe(true);
    // Running, not paused: their CPU counters must move for rate() to be above zero.
    guests = await createGuests(conn, uniq('exp-prom'), 2, { paused: false });
    testConn = await Connect.open('test:///default');
    odd = await testConn.domainCreateXML(testDomainXML(`${uniq('exp-odd')} &quot;q&quot; \\b`));
    exporter = await createExporter({ connect: [SYSTEM, 'test:///default'], listen: '127.0.0.1:0' });
    const port = await freePort();
    writeFileSync(
      join(dir.path, 'prometheus.yml'),
      `global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n  - job_name: virtkit\n    static_configs:\n      - targets: ['127.0.0.1:${exporter.address!.port}']\n`,
    );
    server = startChild('prometheus', [
      `--config.file=${join(dir.path, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir.path, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
    ], { cwd: dir.path });
    api = `http://127.0.0.1:${port}`;
    await waitHttp(`${api}/-/ready`, 30000, server);
  });

  afterAll(async () => {
    await server?.stop();
    await exporter?.close();
    await guests?.remove();
    await odd?.destroy().catch(() => {});
    await testConn?.close();
    await conn?.close();
    dir.remove();
  });

  /** Runs `query` until it returns one series per guest (or fails after `ms`). */
  async function queryEach(query: string, ms = 30000, names = guests!.names): Promise<Map<string, number>> {
    const end = Date.now() + ms;
    let last = '';
    while (Date.now() < end) {
      const r = await fetch(`${api}/api/v1/query?query=${encodeURIComponent(query)}`);
      const body = (await r.json()) as { status: string; data: { resultType: string; result: PromVector[] } };
      last = JSON.stringify(body);
      expect(body.status).toBe('success');
      const got = new Map(body.data.result.map((v) => [v.metric.domain, Number(v.value[1])]));
      if (names.every((n) => got.has(n))) return got;
      await new Promise((res) => setTimeout(res, 500));
    }
    throw new Error(`${query}: not every guest within ${ms} ms; last answer ${last}; prometheus said:\n${server!.output()}`);
  }

  it('has the exporter as a healthy target', async () => {
    const end = Date.now() + 30000;
    for (;;) {
      const r = (await (await fetch(`${api}/api/v1/targets`)).json()) as { data: { activeTargets: Array<{ health: string; lastError: string }> } };
      const t = r.data.activeTargets[0];
      if (t?.health === 'up') break;
      if (Date.now() > end) throw new Error(`target not up: ${JSON.stringify(r.data.activeTargets)}`);
      await new Promise((res) => setTimeout(res, 500));
    }
  });

  it("returns each guest's CPU counter and its rate()", async () => {
    const sel = `{domain=~"${guests!.names[0].replace(/-0$/, '')}-.*"}`;
    const counters = await queryEach(`libvirt_domain_info_cpu_time_seconds_total${sel}`);
    const rates = await queryEach(`rate(libvirt_domain_info_cpu_time_seconds_total${sel}[5s])`);
    for (const name of guests!.names) {
      const info = await (await conn.domainLookupByName(name)).getInfo();
      expect(counters.get(name)!).toBeGreaterThan(0);
      // The stored counter is at most what getInfo now says (plus /proc's 10 ms tick granularity).
      expect(counters.get(name)!).toBeLessThanOrEqual(Number(info.cpuTime) / 1e9 + 0.05);
      // Running SeaBIOS keeps some host CPU busy; two vCPUs cannot use more than two host CPUs.
      expect(rates.get(name)!).toBeGreaterThan(0);
      expect(rates.get(name)!).toBeLessThanOrEqual(2.05);
    }
    // Per-vCPU counters reach Prometheus too.
    const vcpu = await queryEach(`sum by (domain) (libvirt_domain_vcpu_time_seconds_total${sel})`);
    for (const name of guests!.names) expect(vcpu.get(name)!).toBeGreaterThan(0);
  });

  it('reads back a domain name that needs escaping, under its host label', async () => {
    const name = odd!.getName();
    expect(name).toMatch(/"q" \\b$/);
    const got = await queryEach('libvirt_domain_state_code{host="test:///default"}', 30000, [name]);
    expect(got.get(name)).toBe(1);
  });
});
