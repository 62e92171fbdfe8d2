// Domain lifecycle, getters and setters on the test driver (the intent of
// libvirt-go-module's domain tests and libvirt-python's test_domain).
import { describe, expect, it } from 'vitest';
import {
  Connect, Domain, LibvirtError,
  VIR_DOMAIN_RUNNING, VIR_DOMAIN_PAUSED, VIR_DOMAIN_SHUTOFF, VIR_DOMAIN_XML_INACTIVE,
  VIR_DOMAIN_AFFECT_CURRENT, VIR_DOMAIN_METADATA_ELEMENT, VIR_DOMAIN_VCPU_MAXIMUM,
  VIR_CONNECT_LIST_DOMAINS_PERSISTENT, VIR_DOMAIN_UNDEFINE_MANAGED_SAVE,
} from '../../lib/index.js';
import { testDomainXML, uniq } from '../helpers/index.js';

describe('Domain on test:///default', () => {
  it('full lifecycle with state checks', async () => {
    const conn = await Connect.open('test:///default');
    const name = uniq('dom');
    const dom = await conn.domainDefineXML(testDomainXML(name));
    expect(dom).toBeInstanceOf(Domain);
    expect(dom.getName()).toBe(name);
    expect(dom.getUUIDString()).toMatch(/^[0-9a-f-]{36}$/);
    expect(dom.getUUID()).toHaveLength(16);
    expect(dom.getID()).toBe(-1);
    expect(await dom.isActive()).toBe(false);
    expect(await dom.isPersistent()).toBe(true);
    expect((await dom.getState()).state).toBe(VIR_DOMAIN_SHUTOFF);
    await dom.create();
    expect(await dom.isActive()).toBe(true);
    expect(dom.getID()).toBeGreaterThan(0);
    await dom.suspend();
    expect((await dom.getInfo()).state).toBe(VIR_DOMAIN_PAUSED);
    await dom.resume();
    expect((await dom.getInfo()).state).toBe(VIR_DOMAIN_RUNNING);
    await dom.shutdown();
    expect((await dom.getState()).state).toBe(VIR_DOMAIN_SHUTOFF);
    await dom.createWithFlags(0);
    await dom.reboot(0);
    await dom.destroy();
    await dom.undefineFlags(VIR_DOMAIN_UNDEFINE_MANAGED_SAVE);
    const e = await conn.domainLookupByName(name).catch((x) => x);
    expect(e).toBeInstanceOf(LibvirtError);
    expect(e.codeName).toBe('VIR_ERR_NO_DOMAIN');
    await conn.close();
  });

  it('lookups by name, id, UUID and UUID string agree', async () => {
    const conn = await Connect.open('test:///default');
    const d = await conn.domainLookupByName('test');
    expect((await conn.domainLookupByID(d.getID())).getName()).toBe('test');
    expect((await conn.domainLookupByUUID(d.getUUID())).getUUIDString()).toBe(d.getUUIDString());
    expect((await conn.domainLookupByUUIDString(d.getUUIDString())).getName()).toBe('test');
    expect(() => conn.domainLookupByUUID(new Uint8Array(3))).toThrow(RangeError);
    await conn.close();
  });

  it('getters: info, XML, OS type, max memory, vcpus, hostname, block and interface stats', async () => {
    const conn = await Connect.open('test:///default');
    const d = await conn.domainLookupByName('test');
    const info = await d.getInfo();
    expect(info).toMatchObject({ state: VIR_DOMAIN_RUNNING, nrVirtCpu: 2, maxMem: 8388608 });
    expect(typeof info.cpuTime).toBe('bigint');
    expect(await d.getXMLDesc(0)).toContain('<name>test</name>');
    expect(await d.getXMLDesc(VIR_DOMAIN_XML_INACTIVE)).toContain('<domain');
    expect(await d.getOSType()).toBe('linux');
    expect(await d.getMaxMemory()).toBe(8388608);
    expect(await d.getVcpusFlags(VIR_DOMAIN_AFFECT_CURRENT)).toBe(2);
    expect(await d.getMaxVcpus()).toBeGreaterThanOrEqual(2);
    expect(await d.getVcpusFlags(VIR_DOMAIN_VCPU_MAXIMUM)).toBeGreaterThanOrEqual(2);
    expect(await d.getHostname()).toBe('testhost');
    const bs = await d.blockStats('vda');
    expect(Object.keys(bs)).toEqual(['rd_req', 'rd_bytes', 'wr_req', 'wr_bytes', 'errs']);
    expect(typeof bs.rd_bytes).toBe('bigint');
    const is = await d.interfaceStats('testnet0');
    expect(typeof is.rx_bytes).toBe('bigint');
    const bi = await d.getBlockInfo('vda');
    expect(bi.capacity).toBeGreaterThan(0n);
    expect(await d.getAutostart()).toBe(false);
    await d.setAutostart(true);
    expect(await d.getAutostart()).toBe(true);
    await d.setAutostart(false);
    await conn.close();
  });

  it('typed parameters: memory, blkio, numa, block I/O tune, perf, scheduler', async () => {
    const conn = await Connect.open('test:///default');
    const d = await conn.domainLookupByName('test');
    await d.setMemoryParameters({ hard_limit: 1048576n, soft_limit: 524288 });
    const mem = await d.getMemoryParameters();
    expect(mem.hard_limit).toBe(1048576n);
    expect(mem.soft_limit).toBe(524288n);  // documented as ullong: a number input is converted
    await d.setBlkioParameters({ weight: 321 });
    expect((await d.getBlkioParameters()).weight).toBe(321);
    const numa = await d.getNumaParameters();
    expect(typeof numa.numa_mode).toBe('number');
    const tune = await d.getBlockIoTune('vda');
    expect(tune.total_bytes_sec).toBe(0n);
    expect(typeof tune.group_name).toBe('string');
    const perf = await d.getPerfEvents();
    expect(perf.cpu_cycles).toBe(false);
    expect(await d.getSchedulerType()).toBe('fair');
    // explicit type and bad values
    await d.setMemoryParameters({ hard_limit: { type: 'ullong', value: 2097152n } });
    expect((await d.getMemoryParameters()).hard_limit).toBe(2097152n);
    expect(() => d.setMemoryParameters({ hard_limit: -1 })).toThrow(TypeError);
    expect(() => d.setMemoryParameters({ hard_limit: { type: 'nope' as any, value: 1 } })).toThrow(TypeError);
    expect(() => d.setMemoryParameters([] as any)).toThrow(TypeError);
    const wrong = await d.setMemoryParameters({ no_such_param: 1 }).catch((e) => e);
    expect(wrong).toBeInstanceOf(LibvirtError);
    await conn.close();
  });

  it('metadata set and get', async () => {
    const conn = await Connect.open('test:///default');
    const d = await conn.domainLookupByName('test');
    await d.setMetadata(VIR_DOMAIN_METADATA_ELEMENT, '<app xmlns="http://virtkit/x">42</app>', 'vk', 'http://virtkit/x');
    expect(await d.getMetadata(VIR_DOMAIN_METADATA_ELEMENT, 'http://virtkit/x')).toContain('42');
    await d.setMetadata(VIR_DOMAIN_METADATA_ELEMENT, null, null, 'http://virtkit/x');
    await conn.close();
  });

  it('list flavours and counts agree', async () => {
    const conn = await Connect.open('test:///default');
    const name = uniq('lst');
    const d = await conn.domainDefineXML(testDomainXML(name));
    expect(await conn.listDefinedDomains()).toContain(name);
    expect((await conn.listAllDomains(VIR_CONNECT_LIST_DOMAINS_PERSISTENT)).map((x) => x.getName())).toContain(name);
    expect(await conn.numOfDefinedDomains()).toBe((await conn.listDefinedDomains()).length);
    await d.undefine();
    await conn.close();
  });

  it('wrong argument types throw TypeError/RangeError before any C call', async () => {
    const conn = await Connect.open('test:///default');
    const d = await conn.domainLookupByName('test');
    expect(() => conn.domainLookupByName(42 as any)).toThrow(TypeError);
    expect(() => conn.domainLookupByName('a\u0000b')).toThrow(TypeError);
    expect(() => conn.domainLookupByID(1.5)).toThrow(RangeError);
    expect(() => conn.domainLookupByID(2 ** 40)).toThrow(RangeError);
    expect(() => d.setMaxMemory(-1)).toThrow(RangeError);
    expect(() => d.setMaxMemory(Number.NaN)).toThrow(RangeError);
    expect(() => d.getXMLDesc(-1)).toThrow(RangeError);
    expect(() => d.getXMLDesc('0' as any)).toThrow(TypeError);
    expect(() => (d.getXMLDesc as any)(0, 1)).toThrow(TypeError);
    expect(() => Domain.prototype.getInfo.call({})).toThrow(TypeError);
    const net = await conn.networkLookupByName('default');
    expect(() => (Domain.prototype.getInfo as any).call(net)).toThrow(TypeError);
    await conn.close();
  });

  it('malformed XML rejects with VIR_ERR_XML_* fields', async () => {
    const conn = await Connect.open('test:///default');
    const e = await conn.domainDefineXML('<domain><name>x').catch((x) => x);
    expect(e).toBeInstanceOf(LibvirtError);
    expect(e.codeName).toMatch(/^VIR_ERR_XML/);
    expect(e.domainName).toMatch(/^VIR_FROM_/);
    expect(e.stack).toContain('02-domain.test.ts');
    await conn.close();
  });
});
