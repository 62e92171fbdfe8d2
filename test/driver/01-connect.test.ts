import { describe, expect, it } from 'vitest';
import { Connect, LibvirtError, getVersion, VIR_CONNECT_LIST_DOMAINS_ACTIVE } from '../../lib/index.js';

describe('Connect on test:///default', () => {
  it('opens, answers host queries, and closes idempotently', async () => {
    const conn = await Connect.open('test:///default');
    expect(conn).toBeInstanceOf(Connect);
    expect(await conn.getType()).toBe('TEST');
    expect(await conn.getURI()).toBe('test:///default');
    expect(typeof (await conn.getHostname())).toBe('string');
    expect(await conn.isAlive()).toBe(true);
    expect(await conn.isEncrypted()).toBe(false);
    const lib = await conn.getLibVersion();
    expect(lib).toBeGreaterThanOrEqual(9000000);
    const info = await conn.nodeGetInfo();
    expect(info).toMatchObject({ model: 'i686', cpus: 16, mhz: 1400, nodes: 2 });
    expect(await conn.getMaxVcpus(null)).toBeGreaterThan(0);
    const caps = await conn.getCapabilities();
    expect(caps).toContain('<capabilities>');
    expect(await conn.close()).toBe(0);
    expect(await conn.close()).toBe(0);
  });

  it('getVersion is synchronous and matches the library', () => {
    const v = getVersion();
    expect(v.libVer).toBeGreaterThanOrEqual(9000000);
  });

  it('read-only connections refuse writes with a typed error', async () => {
    const conn = await Connect.openReadOnly('test:///default');
    const err = await conn.domainDefineXML('<domain type="test"><name>ro</name><memory>1024</memory><os><type>hvm</type></os></domain>').catch((e) => e);
    expect(err).toBeInstanceOf(LibvirtError);
    expect(err.codeName).toBe('VIR_ERR_OPERATION_DENIED');
    await conn.close();
  });

  it('lists domains in every flavour', async () => {
    const conn = await Connect.open('test:///default');
    const all = await conn.listAllDomains(VIR_CONNECT_LIST_DOMAINS_ACTIVE);
    expect(all.map((d) => d.getName())).toContain('test');
    const ids = await conn.listDomains();
    expect(ids).toContain(1);
    expect(await conn.numOfDomains()).toBe(ids.length);
    expect(Array.isArray(await conn.listDefinedDomains())).toBe(true);
    await conn.close();
  });

  it('a closed connection rejects clearly and never crashes', async () => {
    const conn = await Connect.open('test:///default');
    await conn.close();
    await expect(conn.getType()).rejects.toThrow(/closed/);
    const e = await conn.getType().catch((x) => x);
    expect(e).toBeInstanceOf(LibvirtError);
    expect(e.virtkitCode).toBe('ERR_OBJECT_FREED');
  });

  it('opening an unknown driver rejects with LibvirtError', async () => {
    const err = await Connect.open('nosuchdriver:///x').catch((e) => e);
    expect(err).toBeInstanceOf(LibvirtError);
    expect(err.code).toBeGreaterThan(0);
    expect(err.codeName).toMatch(/^VIR_ERR_/);
  });

  it('cannot be constructed from JS', () => {
    expect(() => new (Connect as any)()).toThrow(TypeError);
    expect(() => new (Connect as any)({})).toThrow(TypeError);
  });
});
