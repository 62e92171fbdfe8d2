// Interfaces, node devices, snapshots, and the object kinds the test driver lacks.
import { describe, expect, it } from 'vitest';
import { Connect, Interface, LibvirtError, NodeDevice, DomainSnapshot } from '../../lib/index.js';
import { testDomainXML, uniq } from '../helpers/index.js';

describe('Interface, NodeDevice, snapshots on test:///default', () => {
  it('interfaces', async () => {
    const conn = await Connect.open('test:///default');
    const all = await conn.listAllInterfaces();
    expect(all[0]).toBeInstanceOf(Interface);
    const eth = await conn.interfaceLookupByName('eth1');
    expect(eth.getName()).toBe('eth1');
    expect(eth.getMACString()).toMatch(/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/i);
    expect((await conn.interfaceLookupByMACString(eth.getMACString())).getName()).toBe('eth1');
    expect(await eth.isActive()).toBe(true);
    expect(await eth.getXMLDesc()).toContain("name='eth1'");
    expect(await conn.listInterfaces()).toContain('eth1');
    await conn.close();
  });

  it('node devices', async () => {
    const conn = await Connect.open('test:///default');
    const devs = await conn.listAllNodeDevices();
    expect(devs.length).toBeGreaterThan(0);
    expect(devs[0]).toBeInstanceOf(NodeDevice);
    const dev = await conn.nodeDeviceLookupByName('scsi_host1');
    expect(dev.getName()).toBe('scsi_host1');
    expect(await dev.getXMLDesc()).toContain('scsi_host1');
    expect(await dev.listCaps()).toContain('scsi_host');
    expect(await dev.numOfCaps()).toBeGreaterThan(0);
    expect(await conn.nodeListDevices(null)).toContain('computer');
    expect(await conn.nodeNumOfDevices(null)).toBe((await conn.nodeListDevices(null)).length);
    await conn.close();
  });

  it('snapshots: create, list, current, revert, delete', async () => {
    const conn = await Connect.open('test:///default');
    const dom = await conn.domainDefineXML(testDomainXML(uniq('snap')));
    await dom.create();
    const s1 = await dom.snapshotCreateXML('<domainsnapshot><name>s1</name></domainsnapshot>');
    expect(s1).toBeInstanceOf(DomainSnapshot);
    expect(s1.getName()).toBe('s1');
    expect(s1.getDomain().getName()).toBe(dom.getName());
    const s2 = await dom.snapshotCreateXML('<domainsnapshot><name>s2</name></domainsnapshot>');
    expect(await dom.snapshotNum()).toBe(2);
    expect((await dom.snapshotListNames()).sort()).toEqual(['s1', 's2']);
    expect((await dom.listAllSnapshots()).map((s) => s.getName()).sort()).toEqual(['s1', 's2']);
    expect(await dom.hasCurrentSnapshot()).toBe(true);
    expect((await dom.snapshotCurrent()).getName()).toBe('s2');
    expect((await s2.getParent()).getName()).toBe('s1');
    expect(await s1.listChildrenNames()).toEqual(['s2']);
    expect(await s1.numChildren()).toBe(1);
    expect(await s2.getXMLDesc()).toContain('<name>s2</name>');
    expect(await s2.isCurrent()).toBe(true);
    await s1.domainRevertToSnapshot();  // mechanical: owner DomainSnapshot, no prefix to drop
    expect((await dom.snapshotCurrent()).getName()).toBe('s1');
    await s2.delete();
    await s1.delete();
    expect(await dom.snapshotNum()).toBe(0);
    await dom.destroy();
    await dom.undefine();
    await conn.close();
  });

  it('kinds the test driver does not implement reject with VIR_ERR_NO_SUPPORT', async () => {
    const conn = await Connect.open('test:///default');
    for (const call of [() => conn.listAllNWFilters(), () => conn.listAllSecrets(), () => conn.listAllNWFilterBindings()]) {
      const e = await call().catch((x) => x);
      expect(e).toBeInstanceOf(LibvirtError);
      expect(e.codeName).toBe('VIR_ERR_NO_SUPPORT');
    }
    await conn.close();
  });
});

describe('host queries', () => {
  it('capabilities, CPU models, free memory, domain capabilities', async () => {
    const conn = await Connect.open('test:///default');
    expect(await conn.getCPUModelNames('x86_64')).toContain('qemu64');
    expect(await conn.nodeGetFreeMemory()).toBeGreaterThan(0n);
    expect(await conn.getSysinfo()).toContain('<sysinfo');
    expect(await conn.isSecure()).toBe(true);
    await conn.close();
  });
});
