import { describe, expect, it } from 'vitest';
import { Connect, LibvirtError, Network, StoragePool, StorageVol, VIR_STORAGE_POOL_RUNNING } from '../../lib/index.js';
import { uniq } from '../helpers/index.js';

describe('Network on test:///default', () => {
  it('looks up, inspects, defines, starts, stops and undefines networks', async () => {
    const conn = await Connect.open('test:///default');
    const def = await conn.networkLookupByName('default');
    expect(def).toBeInstanceOf(Network);
    expect(def.getName()).toBe('default');
    expect(await def.isActive()).toBe(true);
    expect(await def.getBridgeName()).toBe('virbr0');
    expect((await conn.networkLookupByUUIDString(def.getUUIDString())).getName()).toBe('default');
    const name = uniq('net');
    const net = await conn.networkDefineXML(`<network><name>${name}</name><bridge name='vk${name.slice(-6)}'/><ip address='192.0.2.1' netmask='255.255.255.0'/></network>`);
    expect(await conn.listDefinedNetworks()).toContain(name);
    await net.create();
    expect(await net.isActive()).toBe(true);
    expect((await conn.listAllNetworks()).map((n) => n.getName())).toContain(name);
    expect(await net.getXMLDesc()).toContain(name);
    await net.setAutostart(true);
    expect(await net.getAutostart()).toBe(true);
    await net.destroy();
    await net.undefine();
    const e = await conn.networkLookupByName(name).catch((x) => x);
    expect(e.codeName).toBe('VIR_ERR_NO_NETWORK');
    await conn.close();
  });
});

describe('Storage on test:///default', () => {
  it('pools and volumes: info, XML, create, lookup, delete', async () => {
    const conn = await Connect.open('test:///default');
    const pool = await conn.storagePoolLookupByName('default-pool');
    expect(pool).toBeInstanceOf(StoragePool);
    const info = await pool.getInfo();
    expect(info.state).toBe(VIR_STORAGE_POOL_RUNNING);
    expect(typeof info.capacity).toBe('bigint');
    const vname = uniq('vol');
    const vol = await pool.storageVolCreateXML(`<volume><name>${vname}</name><capacity unit='MiB'>8</capacity></volume>`);
    expect(vol).toBeInstanceOf(StorageVol);
    expect(vol.getName()).toBe(vname);
    expect(typeof vol.getKey()).toBe('string');
    expect((await vol.getInfo()).capacity).toBe(8n * 1024n * 1024n);
    expect(await pool.listVolumes()).toContain(vname);
    expect(await pool.numOfVolumes()).toBeGreaterThan(0);
    expect((await pool.storageVolLookupByName(vname)).getKey()).toBe(vol.getKey());
    expect((await conn.storageVolLookupByKey(vol.getKey())).getName()).toBe(vname);
    expect(await vol.getPath()).toContain(vname);
    expect((await vol.storagePoolLookupByVolume()).getName()).toBe('default-pool');
    const clone = await pool.storageVolCreateXMLFrom(`<volume><name>${vname}-c</name><capacity unit='MiB'>8</capacity></volume>`, vol);
    await clone.delete(0);
    await vol.delete(0);
    const e = await pool.storageVolLookupByName(vname).catch((x) => x);
    expect(e).toBeInstanceOf(LibvirtError);
    expect(e.codeName).toBe('VIR_ERR_NO_STORAGE_VOL');
    const pname = uniq('pool');
    const p2 = await conn.storagePoolDefineXML(`<pool type='dir'><name>${pname}</name><target><path>/${pname}</path></target></pool>`);
    await p2.create();
    expect(await p2.isActive()).toBe(true);
    await p2.refresh();
    await p2.destroy();
    await p2.undefine();
    await conn.close();
  });
});
