// Bulk stats (docs/DESIGN.md, rule 8): Connect#getAllDomainStats, Connect#domainListGetStats.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Connect, Domain, LibvirtError, diagnostics,
  VIR_CONNECT_GET_ALL_DOMAINS_STATS_ENFORCE_STATS, VIR_CONNECT_LIST_DOMAINS_ACTIVE,
  VIR_CONNECT_LIST_DOMAINS_INACTIVE, VIR_DOMAIN_RUNNING, VIR_DOMAIN_SHUTOFF, VIR_DOMAIN_STATS_PERF,
  VIR_DOMAIN_STATS_STATE,
} from '../../lib/index.js';
import { nodeXML } from '../bench/node-xml.js';

// VIR_CONNECT_GET_ALL_DOMAINS_STATS_{ACTIVE,INACTIVE} are defined in the C header as
// the VIR_CONNECT_LIST_DOMAINS_* values (and are not exported under their own name yet).
const STATS_ACTIVE = VIR_CONNECT_LIST_DOMAINS_ACTIVE;
const STATS_INACTIVE = VIR_CONNECT_LIST_DOMAINS_INACTIVE;
const MANY = 'test://' + resolve(__dirname, '../fixtures/driver/many-domains.xml');

describe('getAllDomainStats on test:///default', () => {
  let conn: Connect;
  beforeAll(async () => { conn = await Connect.open('test:///default'); });
  afterAll(async () => { await conn.close(); });

  it('returns one {domain, params} record per domain, with the state', async () => {
    const recs = await conn.getAllDomainStats(VIR_DOMAIN_STATS_STATE);
    const names = (await conn.listAllDomains()).map((d) => d.getName()).sort();
    expect(recs.map((r) => r.domain.getName()).sort()).toEqual(names);
    const test = recs.find((r) => r.domain.getName() === 'test')!;
    expect(test.domain).toBeInstanceOf(Domain);
    expect(Object.keys(test).sort()).toEqual(['domain', 'params']);
    expect(test.params['state.state']).toBe(VIR_DOMAIN_RUNNING);
    expect(typeof test.params['state.reason']).toBe('number');
    // cpu.* needs a real hypervisor; the test driver only reports state.
    if ('cpu.time' in test.params) expect(typeof test.params['cpu.time']).toBe('bigint');
  });

  it('stats and flags are optional; the domains stay usable after the list is freed', async () => {
    const recs = await conn.getAllDomainStats();
    expect(recs.length).toBeGreaterThan(0);
    // Each record's Domain holds its own reference (virDomainRef before
    // virDomainStatsRecordListFree): calls and free() work, twice is harmless.
    for (const r of recs) {
      const info = await r.domain.getInfo();
      expect(info.state).toBe(r.params['state.state']);
      r.domain.free();
      r.domain.free();
    }
  });

  it('filters active/inactive domains', async () => {
    const name = `stats-inactive-${process.pid}`;
    const dom = await conn.domainDefineXML(
      `<domain type="test"><name>${name}</name><memory>65536</memory><os><type>hvm</type></os></domain>`);
    try {
      const inactive = await conn.getAllDomainStats(VIR_DOMAIN_STATS_STATE, STATS_INACTIVE);
      const rec = inactive.find((r) => r.domain.getName() === name)!;
      expect(rec.params['state.state']).toBe(VIR_DOMAIN_SHUTOFF);
      expect(inactive.some((r) => r.domain.getName() === 'test')).toBe(false);
      const active = await conn.getAllDomainStats(VIR_DOMAIN_STATS_STATE, STATS_ACTIVE);
      expect(active.some((r) => r.domain.getName() === name)).toBe(false);
    } finally {
      await dom.undefine();
    }
  });

  it('domainListGetStats takes Domain[]', async () => {
    const d = await conn.domainLookupByName('test');
    const recs = await conn.domainListGetStats([d], VIR_DOMAIN_STATS_STATE);
    expect(recs).toHaveLength(1);
    expect(recs[0].domain.getName()).toBe('test');
    expect(recs[0].domain).toBe(d); // the connection's one Domain for that UUID
    expect(recs[0].params['state.state']).toBe(VIR_DOMAIN_RUNNING);
    d.free(); // frees it for every holder; the next listing makes a new one
    expect(() => recs[0].domain.getName()).toThrow(/freed/);
    const again = await conn.domainListGetStats([await conn.domainLookupByName('test')], VIR_DOMAIN_STATS_STATE);
    expect(again[0].domain).not.toBe(d);
    expect(again[0].domain.getName()).toBe('test');
  });

  it('bad arguments throw before any call', async () => {
    const d = await conn.domainLookupByName('test');
    const c: any = conn;
    expect(() => c.getAllDomainStats('state')).toThrow(TypeError);
    expect(() => c.getAllDomainStats(-1)).toThrow(RangeError);
    expect(() => c.getAllDomainStats(0, 1.5)).toThrow(RangeError);
    expect(() => c.getAllDomainStats(0, 0, 0)).toThrow(TypeError);
    expect(() => c.domainListGetStats(d)).toThrow(TypeError);
    expect(() => c.domainListGetStats(null)).toThrow(TypeError);
    expect(() => c.domainListGetStats([d, {}])).toThrow(TypeError);
    expect(() => c.domainListGetStats([d, conn])).toThrow(/doms\[1\] must be a Domain/);
    expect(() => c.domainListGetStats([])).toThrow(RangeError);
    expect(() => (Connect.prototype as any).getAllDomainStats.call({})).toThrow(TypeError);
    // A Domain of another connection (even to the same URI) is refused.
    const other = await Connect.open('test:///default');
    const od = await other.domainLookupByName('test');
    expect(() => c.domainListGetStats([od])).toThrow(/another connection/);
    await other.close();
    // A freed Domain in the list rejects (docs/DESIGN.md, rule 12).
    d.free();
    const err = await c.domainListGetStats([d]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LibvirtError);
    expect(err.virtkitCode).toBe('ERR_OBJECT_FREED');
  });

  it('a libvirt failure rejects with a LibvirtError', async () => {
    // The test driver has no perf stats; ENFORCE_STATS makes that an error.
    const err: any = await conn
      .getAllDomainStats(VIR_DOMAIN_STATS_PERF, VIR_CONNECT_GET_ALL_DOMAINS_STATS_ENFORCE_STATS)
      .catch((e) => e);
    expect(err).toBeInstanceOf(LibvirtError);
    expect(err.codeName).toBe('VIR_ERR_ARGUMENT_UNSUPPORTED');
    expect(err.code).toBeGreaterThan(0);
    expect(err.message).toMatch(/not supported/);
    const d = await conn.domainLookupByName('test');
    const err2: any = await conn
      .domainListGetStats([d], VIR_DOMAIN_STATS_PERF, VIR_CONNECT_GET_ALL_DOMAINS_STATS_ENFORCE_STATS)
      .catch((e) => e);
    expect(err2).toBeInstanceOf(LibvirtError);
    expect(err2.codeName).toBe('VIR_ERR_ARGUMENT_UNSUPPORTED');
  });

  it('a closed connection rejects', async () => {
    const c = await Connect.open('test:///default');
    await c.close();
    const err: any = await c.getAllDomainStats().catch((e) => e);
    expect(err).toBeInstanceOf(LibvirtError);
    expect(err.virtkitCode).toBe('ERR_OBJECT_FREED');
  });
});

describe('bulk stats on a node with 24 domains', () => {
  let conn: Connect;
  beforeAll(async () => { conn = await Connect.open(MANY); });
  afterAll(async () => { await conn.close(); });

  it('returns every domain, each with its own params object', async () => {
    const recs = await conn.getAllDomainStats(VIR_DOMAIN_STATS_STATE);
    expect(recs).toHaveLength(24);
    const names = recs.map((r) => r.domain.getName()).sort();
    expect(names).toEqual(Array.from({ length: 24 }, (_, i) => `bulk-${String(i).padStart(2, '0')}`));
    for (const r of recs) {
      expect(r.params['state.state']).toBe(VIR_DOMAIN_RUNNING);
    }
    expect(new Set(recs.map((r) => r.params)).size).toBe(24);
  });

  it('domainListGetStats on a subset keeps the order asked', async () => {
    const all = await conn.listAllDomains();
    const pick = all.filter((d) => /bulk-(03|11|20)/.test(d.getName()));
    const recs = await conn.domainListGetStats(pick, VIR_DOMAIN_STATS_STATE);
    expect(recs.map((r) => r.domain.getName())).toEqual(pick.map((d) => d.getName()));
  });

  it('survives a polling loop of many concurrent calls without leaking wrappers', async () => {
    const before = diagnostics();
    for (let round = 0; round < 20; round++) {
      const batch = await Promise.all(Array.from({ length: 10 }, () => conn.getAllDomainStats()));
      for (const recs of batch) {
        expect(recs).toHaveLength(24);
        for (const r of recs) r.domain.free();
      }
    }
    // Freed wrappers are collected lazily, but the calls themselves all finished.
    expect(diagnostics().inFlight).toBe(0);
    expect(before.inFlight).toBe(0);
  });
});

// Records are made in JS a few thousand values per call (RecordBatch, native/src/shapes.cc):
// 3,000 domains take several calls, whose results must join in order.
describe('bulk stats over more records than one batch holds', () => {
  const N = 3000;
  let dir: string, conn: Connect;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vk-stats-'));
    writeFileSync(join(dir, 'node.xml'), nodeXML(N, 'big'));
    conn = await Connect.open('test://' + join(dir, 'node.xml'));
  });
  afterAll(async () => {
    await conn.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('every record, in the order asked, each {domain, params} with its own values', async () => {
    const all = (await conn.listAllDomains()).sort((a, b) => b.getName().localeCompare(a.getName()));
    expect(all).toHaveLength(N);
    for (let pass = 0; pass < 2; pass++) { // the second pass reuses every maker and wrapper
      const recs = await conn.domainListGetStats(all, VIR_DOMAIN_STATS_STATE);
      expect(recs).toHaveLength(N);
      recs.forEach((r, i) => {
        expect(Object.keys(r)).toEqual(['domain', 'params']);
        expect(r.domain).toBe(all[i]);
        expect(r.params).toEqual({ 'state.state': VIR_DOMAIN_RUNNING, 'state.reason': expect.any(Number) });
      });
      expect(new Set(recs.map((r) => r.params)).size).toBe(N);
    }
    const every = await conn.getAllDomainStats(0, 0);
    expect(every.map((r) => r.domain.getName()).sort()).toEqual(all.map((d) => d.getName()).sort());
  });
});
