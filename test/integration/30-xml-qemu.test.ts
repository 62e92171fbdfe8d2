// Every document the machine's libvirtd produces round-trips through the typed layer; libvirt
// takes the written documents back; a real KVM guest's VNC port, found in its typed live
// definition, answers RFB.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from 'node:net';
import {
  Connect, LibvirtError, StoragePool, VIR_DOMAIN_XML_INACTIVE, VIR_DOMAIN_XML_SECURE,
  VIR_NETWORK_XML_INACTIVE, VIR_STORAGE_VOL_DELETE_NORMAL,
} from '../../lib/index.js';
import {
  parseXML, toXML, storageVolXML, domainDefinition, defineDomain, networkDefinition,
  storagePoolDefinition, storageVolDefinition, disks, interfaces, graphicsPorts, graphics, consoles,
  type SchemaName, type SchemaTypes, type DomainDef,
} from '../../lib/xml/index.js';
import { xmlDifference } from '../helpers/xml-equiv.js';
import { virtXmlValidate } from '../helpers/xml-validate.js';
import { uniq } from '../helpers/index.js';
import { SYSTEM, domainType, needDaemon, removeDomain } from '../helpers/qemu.js';

const gate = needDaemon();

/** Round trip + equivalence + libvirt's validator on the written document. */
function roundTrip<S extends SchemaName>(schema: S, xml: string, what: string): { value: SchemaTypes[S]; out: string } {
  const value = parseXML(schema, xml);
  const out = toXML(schema, value);
  expect(xmlDifference(xml, out), `${what}: round trip`).toBeNull();
  expect(virtXmlValidate(out, schema), `${what}: virt-xml-validate`).toBeNull();
  return { value, out };
}

/** Objects other engineers' tests create may vanish between listing and reading. */
async function unlessGone<T>(p: Promise<T>): Promise<T | undefined> {
  try {
    return await p;
  } catch (e) {
    if (e instanceof LibvirtError && /^VIR_ERR_NO_/.test(e.codeName)) return undefined;
    throw e;
  }
}

/** Reads the RFB greeting of a VNC server. */
function rfbGreeting(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port });
    let got = '';
    const t = setTimeout(() => {
      s.destroy();
      reject(new Error(`no RFB greeting on port ${port}`));
    }, 10000);
    s.on('data', (b) => {
      got += b.toString('latin1');
      if (got.length >= 12) {
        clearTimeout(t);
        s.destroy();
        resolve(got.slice(0, 12));
      }
    });
    s.on('error', (e) => {
      clearTimeout(t);
      reject(e);
    });
  });
}

describe.skipIf(gate.skip)(`typed XML on qemu:///system (${gate.reason})`, () => {
  let conn: Connect;
  let pool: StoragePool;
  const name = uniq('xml-guest');
  const volumes: string[] = [];
  beforeAll(async () => {
    conn = await Connect.open(SYSTEM);
    pool = await conn.storagePoolLookupByName('virtkit-pool');
  });
  afterAll(async () => {
    await removeDomain(conn, name);
    for (const v of volumes) {
      const vol = await pool.storageVolLookupByName(v).catch(() => undefined);
      await vol?.delete(VIR_STORAGE_VOL_DELETE_NORMAL).catch(() => {});
    }
    await conn?.close();
  });

  it('capabilities', async () => {
    const { value } = roundTrip('capability', await conn.getCapabilities(), 'capabilities');
    expect(value.guest!.some((g) => g.arch.name === 'x86_64')).toBe(true);
  });

  it('domain capabilities, kvm and qemu', async () => {
    for (const virttype of ['kvm', 'qemu']) {
      if (virttype === 'kvm' && domainType() !== 'kvm') continue;
      const { value } = roundTrip('domaincaps', await conn.getDomainCapabilities(null, 'x86_64', null, virttype), `domaincaps ${virttype}`);
      expect(value.domain).toBe(virttype);
      expect(value.path).toMatch(/qemu-system-x86_64$/);
    }
  });

  it('storage pool capabilities', async () => {
    roundTrip('storagepoolcaps', await conn.getStoragePoolCapabilities(), 'storagepoolcaps');
  });

  it('a KVM guest with disk, cdrom, NIC on default, VNC and serial: inactive and live', async () => {
    // Volumes written from typed definitions.
    const diskVol = `${name}.qcow2`;
    const cdVol = `${name}.iso`;
    volumes.push(diskVol, cdVol);
    const disk = await pool.storageVolCreateXML(storageVolXML({
      name: diskVol, capacity: { unit: 'MiB', '#text': 64n }, target: { format: { type: 'qcow2' } },
    }));
    const cd = await pool.storageVolCreateXML(storageVolXML({
      name: cdVol, capacity: { unit: 'MiB', '#text': 1n }, target: { format: { type: 'raw' } },
    }));
    const diskPath = await disk.getPath();
    const cdPath = await cd.getPath();
    roundTrip('storagevol', await disk.getXMLDesc(), 'qcow2 volume');
    expect((await storageVolDefinition(disk)).capacity!['#text']).toBe(64n * 1024n * 1024n);

    const def: DomainDef = {
      type: domainType(),
      name,
      memory: { unit: 'MiB', '#text': 64n },
      vcpu: { '#text': 1 },
      os: { type: { arch: 'x86_64', machine: 'pc', '#text': 'hvm' }, bios: { useserial: 'yes' } },
      features: { acpi: {}, apic: {} },
      devices: {
        disk: [
          { type: 'file', device: 'disk', driver: { name: 'qemu', type: 'qcow2' }, source: { file: diskPath }, target: { dev: 'vda', bus: 'virtio' } },
          { type: 'file', device: 'cdrom', driver: { name: 'qemu', type: 'raw' }, source: { file: cdPath }, target: { dev: 'hdc', bus: 'ide' }, readonly: {} },
        ],
        interface: [{ type: 'network', source: { network: 'default' }, model: { type: 'virtio' } }],
        graphics: [{ type: 'vnc', autoport: 'yes', listen: [{ type: 'address', address: '127.0.0.1' }] }],
        serial: [{ type: 'pty', target: { port: '0' } }],
        console: [{ type: 'pty', target: { type: 'serial', port: '0' } }],
      },
    };
    const dom = await defineDomain(conn, def);
    const inactive = await dom.getXMLDesc(VIR_DOMAIN_XML_INACTIVE | VIR_DOMAIN_XML_SECURE);
    const { out } = roundTrip('domain', inactive, 'inactive guest');
    await conn.domainDefineXML(out);
    expect(xmlDifference(inactive, await dom.getXMLDesc(VIR_DOMAIN_XML_INACTIVE | VIR_DOMAIN_XML_SECURE))).toBeNull();

    await dom.create();
    await dom.suspend(); // it only needs to exist: SeaBIOS would spin a core
    const liveXML = await dom.getXMLDesc(VIR_DOMAIN_XML_SECURE);
    const { value: live } = roundTrip('domain', liveXML, 'live guest');

    expect(disks(live).map((d) => [d.device, d.bus, d.target, d.source, d.format])).toEqual([
      ['disk', 'virtio', 'vda', diskPath, 'qcow2'],
      ['cdrom', 'ide', 'hdc', cdPath, 'raw'],
    ]);
    const [nic] = interfaces(live);
    expect(nic!.network).toBe('default');
    expect(nic!.mac).toMatch(/^52:54:00(:[0-9a-f]{2}){3}$/);
    expect(nic!.target).toMatch(/^vnet\d+$/);
    expect(graphics(live)[0]!.listen).toBe('127.0.0.1');
    const [serial] = consoles(live).filter((c) => c.kind === 'serial');
    expect(serial!.pty).toMatch(/^\/dev\/pts\/\d+$/);
    const [vnc] = graphicsPorts(live, 'vnc');
    expect(vnc).toBeGreaterThanOrEqual(5900);
    expect(await rfbGreeting(vnc!)).toMatch(/^RFB \d{3}\.\d{3}\n$/);
  });

  it('a changed typed definition, defined back, reads back changed', async () => {
    const dom = await conn.domainLookupByName(name);
    const def = await domainDefinition(dom, VIR_DOMAIN_XML_INACTIVE);
    def.description = 'changed through the typed layer';
    def.currentMemory = { unit: 'KiB', '#text': 49152n };
    def.devices!.disk = def.devices!.disk!.filter((d) => d.device !== 'cdrom');
    await defineDomain(conn, def);
    const back = await domainDefinition(dom, VIR_DOMAIN_XML_INACTIVE);
    expect(back.description).toBe('changed through the typed layer');
    expect(back.currentMemory!['#text']).toBe(49152n);
    expect(disks(back).map((d) => d.device)).toEqual(['disk']);
    // The live definition is untouched until the next start.
    expect(disks(await domainDefinition(dom)).map((d) => d.device)).toEqual(['disk', 'cdrom']);
  });

  it('every domain on the host, live and inactive', async () => {
    for (const dom of await conn.listAllDomains()) {
      const live = await unlessGone(dom.getXMLDesc(VIR_DOMAIN_XML_SECURE));
      if (live !== undefined) roundTrip('domain', live, `domain ${dom.getName()}`);
      const inactive = await unlessGone(dom.getXMLDesc(VIR_DOMAIN_XML_INACTIVE | VIR_DOMAIN_XML_SECURE));
      if (inactive !== undefined) roundTrip('domain', inactive, `inactive domain ${dom.getName()}`);
    }
  });

  it('networks, live and inactive; the definition defined back is the same', async () => {
    const nets = await conn.listAllNetworks();
    expect(nets.map((n) => n.getName())).toContain('default');
    for (const net of nets) {
      const live = await unlessGone(net.getXMLDesc());
      if (live !== undefined) roundTrip('network', live, `network ${net.getName()}`);
      const inactive = await unlessGone(net.getXMLDesc(VIR_NETWORK_XML_INACTIVE));
      if (inactive === undefined) continue;
      const { out } = roundTrip('network', inactive, `inactive network ${net.getName()}`);
      if (net.getName() !== 'default') continue;
      await conn.networkDefineXML(out);
      expect(xmlDifference(inactive, await net.getXMLDesc(VIR_NETWORK_XML_INACTIVE))).toBeNull();
      expect((await networkDefinition(net)).bridge!.name).toBe(await net.getBridgeName());
    }
  });

  it('storage pools and their volumes; virtkit-pool defined back', async () => {
    for (const p of await conn.listAllStoragePools()) {
      const xml = await unlessGone(p.getXMLDesc());
      if (xml === undefined) continue;
      const { out } = roundTrip('storagepool', xml, `pool ${p.getName()}`);
      if (p.getName() === 'virtkit-pool') {
        await conn.storagePoolDefineXML(out);
        expect(xmlDifference(xml, await p.getXMLDesc())).toBeNull();
        expect((await storagePoolDefinition(p)).type).toBe('dir');
      }
      for (const v of (await unlessGone(p.listAllVolumes())) ?? []) {
        const vx = await unlessGone(v.getXMLDesc());
        if (vx !== undefined) roundTrip('storagevol', vx, `volume ${v.getName()}`);
      }
    }
  });

  it('secrets, defined back', async () => {
    const uuid = '0a81f5b2-8403-7b23-c8d6-' + Math.floor(Math.random() * 2 ** 48).toString(16).padStart(12, '0');
    const s = await conn.secretDefineXML(`<secret ephemeral='no' private='yes'><uuid>${uuid}</uuid><description>typed</description><usage type='volume'><volume>/var/lib/${name}.img</volume></usage></secret>`);
    try {
      const xml = await s.getXMLDesc();
      const { out, value } = roundTrip('secret', xml, 'secret');
      expect(value.usage!.volume).toBe(`/var/lib/${name}.img`);
      await conn.secretDefineXML(out);
      expect(xmlDifference(xml, await s.getXMLDesc())).toBeNull();
    } finally {
      await s.undefine();
    }
  });

  it("libvirt's built-in nwfilters; each written copy defined under a new name reads back the same", async () => {
    const filters = await conn.listAllNWFilters();
    expect(filters.map((f) => f.getName())).toContain('clean-traffic');
    for (const f of filters) {
      const xml = await f.getXMLDesc();
      const { value } = roundTrip('nwfilter', xml, `nwfilter ${f.getName()}`);
      const copy = structuredClone(value);
      copy.name = `${name}-${f.getName()}`;
      delete copy.uuid;
      const made = await conn.nwFilterDefineXML(toXML('nwfilter', copy));
      try {
        const got = parseXML('nwfilter', await made.getXMLDesc());
        delete got.uuid;
        expect(xmlDifference(toXML('nwfilter', copy), toXML('nwfilter', got))).toBeNull();
      } finally {
        await made.undefine();
      }
    }
  });

  it('node devices and host interfaces', async () => {
    for (const d of await conn.listAllNodeDevices()) {
      const x = await unlessGone(d.getXMLDesc());
      if (x !== undefined) roundTrip('nodedev', x, `nodedev ${d.getName()}`);
    }
    for (const i of await conn.listAllInterfaces()) {
      const x = await unlessGone(i.getXMLDesc());
      if (x !== undefined) roundTrip('interface', x, `interface ${i.getName()}`);
    }
  });
});

