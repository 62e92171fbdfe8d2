// Every document test:///default produces round-trips through the typed layer, and libvirt
// takes the written document back and returns the same definition.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Connect, VIR_DOMAIN_XML_INACTIVE, VIR_DOMAIN_XML_SECURE, VIR_DOMAIN_SNAPSHOT_CREATE_REDEFINE,
} from '../../lib/index.js';
import {
  parseXML, toXML, domainDefinition, defineDomain, networkDefinition, storagePoolDefinition,
  storageVolDefinition, disks, interfaces, type SchemaName, type SchemaTypes,
} from '../../lib/xml/index.js';
import { xmlDifference } from '../helpers/xml-equiv.js';
import { uniq } from '../helpers/index.js';

let conn: Connect;
beforeAll(async () => {
  conn = await Connect.open('test:///default');
});
afterAll(async () => {
  await conn.close();
});

/** Parses, writes back, and checks the written document is equivalent to the original. */
function roundTrip<S extends SchemaName>(schema: S, xml: string): { value: SchemaTypes[S]; out: string } {
  const value = parseXML(schema, xml);
  const out = toXML(schema, value);
  expect(xmlDifference(xml, out), `${schema} round trip`).toBeNull();
  return { value, out };
}

describe('test:///default documents round-trip', () => {
  it('capabilities', async () => {
    const { value } = roundTrip('capability', await conn.getCapabilities());
    expect(value.host.cpu.arch).toBeTypeOf('string');
  });

  it('every domain, live and inactive, and libvirt takes the written definition back', async () => {
    const doms = await conn.listAllDomains();
    expect(doms.length).toBeGreaterThan(0);
    for (const dom of doms) {
      roundTrip('domain', await dom.getXMLDesc(VIR_DOMAIN_XML_SECURE));
      const inactive = await dom.getXMLDesc(VIR_DOMAIN_XML_INACTIVE | VIR_DOMAIN_XML_SECURE);
      const { out } = roundTrip('domain', inactive);
      await conn.domainDefineXML(out);
      const again = await (await conn.domainLookupByName(dom.getName())).getXMLDesc(VIR_DOMAIN_XML_INACTIVE | VIR_DOMAIN_XML_SECURE);
      expect(xmlDifference(inactive, again)).toBeNull();
    }
  });

  it('a changed typed definition defined back reads back changed', async () => {
    const name = uniq('xml');
    const base = parseXML('domain', await (await conn.domainLookupByName('test')).getXMLDesc(VIR_DOMAIN_XML_INACTIVE));
    base.name = name;
    delete base.uuid;
    base.devices!.interface = [];
    const dom = await defineDomain(conn, base);
    const def = await domainDefinition(dom, VIR_DOMAIN_XML_INACTIVE);
    def.devices!.disk![0]!.source!.file = '/guest/changed.img';
    def.currentMemory!['#text'] = 1048576n;
    await defineDomain(conn, def);
    const back = await domainDefinition(dom, VIR_DOMAIN_XML_INACTIVE);
    expect(disks(back)[0]!.source).toBe('/guest/changed.img');
    expect(back.currentMemory!['#text']).toBe(1048576n);
    expect(interfaces(back)).toEqual([]);
    await dom.undefine();
  });

  it('snapshots, redefined from the written document', async () => {
    const dom = await conn.domainLookupByName('test');
    const snap = await dom.snapshotCreateXML(`<domainsnapshot><name>${uniq('snap')}</name><description>typed</description></domainsnapshot>`);
    const xml = await snap.getXMLDesc(VIR_DOMAIN_XML_SECURE);
    const { out, value } = roundTrip('domainsnapshot', xml);
    expect(value.description).toBe('typed');
    const again = await dom.snapshotCreateXML(out, VIR_DOMAIN_SNAPSHOT_CREATE_REDEFINE);
    expect(xmlDifference(xml, await again.getXMLDesc(VIR_DOMAIN_XML_SECURE))).toBeNull();
    await snap.delete();
  });

  it('networks, live and inactive, defined back', async () => {
    const nets = await conn.listAllNetworks();
    expect(nets.length).toBeGreaterThan(0);
    for (const net of nets) {
      // The test driver has no VIR_NETWORK_XML_INACTIVE: its live document is the definition.
      const xml = await net.getXMLDesc();
      const { out } = roundTrip('network', xml);
      await conn.networkDefineXML(out);
      expect(xmlDifference(xml, await net.getXMLDesc())).toBeNull();
      expect((await networkDefinition(net)).name).toBe(net.getName());
    }
  });

  it('storage pools and volumes; a volume created from a written definition', async () => {
    const pools = await conn.listAllStoragePools();
    expect(pools.length).toBeGreaterThan(0);
    for (const pool of pools) {
      const xml = await pool.getXMLDesc();
      const { out } = roundTrip('storagepool', xml);
      await conn.storagePoolDefineXML(out);
      expect(xmlDifference(xml, await pool.getXMLDesc())).toBeNull();
      expect((await storagePoolDefinition(pool)).name).toBe(pool.getName());
      for (const vol of await pool.listAllVolumes()) {
        const { value } = roundTrip('storagevol', await vol.getXMLDesc());
        const copy = structuredClone(await storageVolDefinition(vol));
        copy.name = uniq('vol');
        delete copy.key;
        if (copy.target) delete copy.target.path;
        const made = await pool.storageVolCreateXML(toXML('storagevol', copy));
        const got = parseXML('storagevol', await made.getXMLDesc());
        expect(got.capacity).toEqual(value.capacity);
        expect(got.type).toEqual(value.type);
        await made.delete();
      }
    }
  });

  it('interfaces, defined back', async () => {
    const ifaces = await conn.listAllInterfaces();
    expect(ifaces.length).toBeGreaterThan(0);
    for (const i of ifaces) {
      // The test driver has no VIR_INTERFACE_XML_INACTIVE.
      const xml = await i.getXMLDesc();
      const { out } = roundTrip('interface', xml);
      await conn.interfaceDefineXML(out);
      expect(xmlDifference(xml, await i.getXMLDesc())).toBeNull();
    }
  });

  it('node devices', async () => {
    const devs = await conn.listAllNodeDevices();
    expect(devs.length).toBeGreaterThan(0);
    for (const d of devs) roundTrip('nodedev', await d.getXMLDesc());
  });
});
