// Typed XML without libvirt: names, numbers, unknown content kept, round trips, and errors
// with their paths.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  parseXML, toXML, parseDomainXML, domainXML, parseNetworkXML, parseCapabilitiesXML, XMLError,
  disks, interfaces, graphics, graphicsPorts, consoles, SCHEMA_NAMES, type DomainDef,
} from '../../lib/xml/index.js';
import { xmlDifference } from '../helpers/xml-equiv.js';

const GUEST = `<domain type='kvm' id='7' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>
  <name>guest</name>
  <memory unit='KiB'>18446744073709551615</memory>
  <currentMemory unit='KiB'>1048576</currentMemory>
  <vcpu placement='static'>2</vcpu>
  <os><type arch='x86_64' machine='pc-q35-7.2'>hvm</type><boot dev='cdrom'/><boot dev='hd'/></os>
  <features><acpi/><apic/></features>
  <devices>
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2'/>
      <source file='/var/lib/libvirt/images/guest.qcow2'/>
      <target dev='vda' bus='virtio'/>
    </disk>
    <disk type='file' device='cdrom'>
      <driver name='qemu' type='raw'/>
      <source file='/srv/iso/debian.iso'/>
      <target dev='sda' bus='sata'/>
      <readonly/>
    </disk>
    <interface type='network'>
      <mac address='52:54:00:aa:bb:cc'/>
      <source network='default' bridge='virbr0'/>
      <target dev='vnet3'/>
      <model type='virtio'/>
    </interface>
    <serial type='pty'><source path='/dev/pts/4'/><target type='isa-serial' port='0'><model name='isa-serial'/></target></serial>
    <console type='pty' tty='/dev/pts/4'><source path='/dev/pts/4'/><target type='serial' port='0'/></console>
    <graphics type='vnc' port='5901' autoport='yes' listen='127.0.0.1'><listen type='address' address='127.0.0.1'/></graphics>
    <futuredevice kind='new' xmlns:x='urn:x'><x:part>kept &amp; written back</x:part></futuredevice>
  </devices>
  <qemu:commandline><qemu:arg value='-S'/></qemu:commandline>
</domain>`;

function withDisk2Source(src: string): string {
  return GUEST.replace("<source file='/srv/iso/debian.iso'/>", src);
}

describe('parseXML: mechanical names and exact values', () => {
  const def = parseDomainXML(GUEST);

  it('names properties as the XML does; repeatable elements are arrays', () => {
    expect(def.type).toBe('kvm');
    expect(def.name).toBe('guest');
    expect(def.devices!.disk!.map((d) => d.device)).toEqual(['disk', 'cdrom']);
    expect(def.os!.boot!.map((b) => b.dev)).toEqual(['cdrom', 'hd']);
    expect(def.features!.acpi).toEqual({});
    expect(def.vcpu).toEqual({ placement: 'static', '#text': 2 });
  });

  it('keeps unsignedLong exact as bigint and int-sized numbers as numbers', () => {
    expect(def.memory!['#text']).toBe(18446744073709551615n);
    expect(def.id).toBe(7);
    expect(def.devices!.graphics![0]!.port).toBe(5901);
  });

  it("names an attribute '@name' when a child element has the same name", () => {
    const g = def.devices!.graphics![0]!;
    expect(g['@listen']).toBe('127.0.0.1');
    expect(g.listen![0]!.address).toBe('127.0.0.1');
  });

  it("reads libvirt's namespaced extensions with the prefix libvirt writes", () => {
    expect(def['qemu:commandline']!['qemu:arg']!.map((a) => a.value)).toEqual(['-S']);
    const bare = parseDomainXML(GUEST.replace(/ xmlns:qemu='[^']*'/, '').replace(/<qemu:commandline>.*<\/qemu:commandline>/, ''));
    bare['qemu:commandline'] = { 'qemu:arg': [{ value: '-m' }] };
    // The namespace is declared where no ancestor declares it.
    expect(domainXML(bare, { indent: 0 })).toContain('<qemu:commandline xmlns:qemu="http://libvirt.org/schemas/domain/qemu/1.0"><qemu:arg value="-m"/></qemu:commandline>');
    expect(domainXML(def, { indent: 0 })).toContain('<qemu:commandline><qemu:arg value="-S"/></qemu:commandline>');
  });

  it('keeps unknown elements and attributes and writes them back', () => {
    expect(def['#extraAttrs']).toEqual({ 'xmlns:qemu': 'http://libvirt.org/schemas/domain/qemu/1.0' });
    expect(def['#extra']).toBeUndefined();
    expect(def.devices!['#extra']![0]).toMatchObject({ name: 'futuredevice', attrs: { kind: 'new' } });
    const out = domainXML(def);
    expect(out).toContain('<x:part>kept &amp; written back</x:part>');
    expect(out).toContain('<qemu:arg value="-S"/>');
  });

  it('round-trips to an equivalent document, compact or indented', () => {
    expect(xmlDifference(GUEST, domainXML(def))).toBeNull();
    expect(xmlDifference(GUEST, domainXML(def, { indent: 0 }))).toBeNull();
    expect(domainXML(def, { indent: 0 })).not.toContain('\n');
  });

  it('a changed value is written back changed', () => {
    const d = parseDomainXML(GUEST);
    d.devices!.disk![1]!.source!.file = '/srv/iso/other.iso';
    d.memory!['#text'] = 2097152n;
    const back = parseDomainXML(domainXML(d));
    expect(back.devices!.disk![1]!.source!.file).toBe('/srv/iso/other.iso');
    expect(back.memory!['#text']).toBe(2097152n);
  });
});

describe('answers without regex', () => {
  const def = parseDomainXML(GUEST);
  it('disks: device, bus, target, source, format', () => {
    expect(disks(def)).toEqual([
      { type: 'file', device: 'disk', bus: 'virtio', target: 'vda', source: '/var/lib/libvirt/images/guest.qcow2', format: 'qcow2', readonly: false },
      { type: 'file', device: 'cdrom', bus: 'sata', target: 'sda', source: '/srv/iso/debian.iso', format: 'raw', readonly: true },
    ]);
  });
  it('interfaces: MAC, network, bridge, target device', () => {
    expect(interfaces(def)).toEqual([
      { type: 'network', mac: '52:54:00:aa:bb:cc', network: 'default', bridge: 'virbr0', target: 'vnet3', model: 'virtio' },
    ]);
  });
  it('graphics and their ports', () => {
    expect(graphics(def)).toEqual([
      { type: 'vnc', port: 5901, tlsPort: undefined, websocket: undefined, autoport: true, listen: '127.0.0.1' },
    ]);
    expect(graphicsPorts(def, 'vnc')).toEqual([5901]);
    expect(graphicsPorts(def, 'spice')).toEqual([]);
  });
  it('serial and console ptys', () => {
    expect(consoles(def).map((c) => [c.kind, c.type, c.pty, c.targetType])).toEqual([
      ['serial', 'pty', '/dev/pts/4', 'isa-serial'],
      ['console', 'pty', '/dev/pts/4', 'serial'],
    ]);
  });
});

function xmlError(f: () => unknown): XMLError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(XMLError);
    return e as XMLError;
  }
  throw new Error('expected an XMLError');
}

describe('errors name the path and what was expected', () => {
  it('text that is not XML', () => {
    const e = xmlError(() => parseDomainXML('<domain type="kvm"><name>x</domain>'));
    expect(e.expected).toBe('well-formed XML');
    expect(xmlError(() => parseDomainXML('')).path).toBe('/');
    expect(xmlError(() => parseDomainXML('not xml at all')).expected).toBe('well-formed XML');
  });

  it('a wrong root', () => {
    const e = xmlError(() => parseDomainXML('<network><name>n</name></network>'));
    expect(e.path).toBe('/network');
    expect(e.expected).toMatch(/<domain>/);
  });

  it('a value outside an enumeration, at /domain/devices/disk[2]/@device', () => {
    const e = xmlError(() => parseDomainXML(GUEST.replace("device='cdrom'", "device='tape'")));
    expect(e.path).toBe('/domain/devices/disk[2]/@device');
    expect(e.expected).toMatch(/"cdrom"/);
    expect(e.found).toBe('tape');
  });

  it('a bad value inside /domain/devices/disk[2]/source', () => {
    const e = xmlError(() => parseDomainXML(withDisk2Source("<source file='/x' index='-3'/>")));
    expect(e.path).toBe('/domain/devices/disk[2]/source/@index');
  });

  it('a missing required attribute', () => {
    const e = xmlError(() => parseDomainXML(GUEST.replace("<target dev='sda' bus='sata'/>", "<target bus='sata'/>")));
    expect(e.path).toBe('/domain/devices/disk[2]/target/@dev');
    expect(e.expected).toBe('required attribute dev');
  });

  it('a missing required element', () => {
    const e = xmlError(() => parseDomainXML("<domain type='kvm'><memory>1</memory></domain>"));
    expect(e.path).toBe('/domain/name');
  });

  it('a number too large', () => {
    const e = xmlError(() => parseDomainXML(GUEST.replace("port='5901'", "port='99999999999'")));
    expect(e.path).toBe('/domain/devices/graphics[1]/@port');
    expect(e.expected).toMatch(/out of range/);
    const m = xmlError(() => parseDomainXML(GUEST.replace('18446744073709551615', '18446744073709551616')));
    expect(m.path).toBe('/domain/memory');
  });

  it('a single element repeated', () => {
    const e = xmlError(() => parseDomainXML(GUEST.replace('<name>guest</name>', '<name>a</name><name>b</name>')));
    expect(e.path).toBe('/domain/name');
  });

  it('an excluded value compares as a token: a volume named ". " is "." (seed 314159 found it)', () => {
    const vol = (name: string) => `<volume><name>${name}</name><capacity>1</capacity><target><path>/x</path></target></volume>`;
    expect(parseXML('storagevol', vol('a.')).name).toBe('a.');
    for (const bad of ['.', '..', '. ', ' ..\n']) {
      const e = xmlError(() => parseXML('storagevol', vol(bad)));
      expect(e.path).toBe('/volume/name');
    }
  });

  it('a wrong schema name is a TypeError', () => {
    expect(() => parseXML('domains' as never, GUEST)).toThrow(TypeError);
    expect(() => toXML('nope' as never, {} as never)).toThrow(TypeError);
  });

  it('toXML checks values against the schema', () => {
    const d = parseDomainXML(GUEST);
    (d.devices!.disk![0] as { device: string }).device = 'tape';
    expect(xmlError(() => domainXML(d)).path).toBe('/domain/devices/disk[1]/@device');
    const n = parseDomainXML(GUEST);
    delete (n as Partial<DomainDef>).name;
    expect(xmlError(() => domainXML(n)).path).toBe('/domain/name');
    const big = parseDomainXML(GUEST);
    big.devices!.graphics![0]!.port = 2 ** 40;
    expect(xmlError(() => domainXML(big)).path).toBe('/domain/devices/graphics[1]/@port');
  });

  it('a root named after an Object.prototype member is the wrong root, not a crash (seed 210 found toString)', () => {
    for (const name of ['toString', '__proto__', 'constructor', 'hasOwnProperty', 'valueOf']) {
      const e = xmlError(() => parseXML('domain', `<${name} type='kvm'/>`));
      expect(e.path).toBe(`/${name}`);
      expect(e.message).toMatch(/<domain> document/);
    }
  });

  it('unknown attributes named __proto__ or toString are kept as data and written back', () => {
    // `__proto__` after another unknown attribute: it is added to an existing '#extraAttrs' object.
    const x = `<network><name>n</name><bridge name='b' toString='t' __proto__='x'/><foo toString='z' __proto__='y'/></network>`;
    const n = parseNetworkXML(x) as unknown as Record<string, Record<string, unknown>>;
    const extra = n.bridge!['#extraAttrs'] as Record<string, string>;
    expect(Object.getPrototypeOf(extra)).toBe(Object.prototype);
    expect(Object.keys(extra).sort()).toEqual(['__proto__', 'toString']);
    expect(xmlDifference(x, toXML('network', n as never))).toBeNull();
  });

  it('random bytes and random text raise XMLError only', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.constantFrom(...SCHEMA_NAMES), (bytes, schema) => {
        try {
          parseXML(schema, Buffer.from(bytes).toString('latin1'));
        } catch (e) {
          if (!(e instanceof XMLError)) throw e;
        }
      }),
      { numRuns: 2000 },
    );
    // Mutations of a real document reach deeper than random bytes.
    fc.assert(
      fc.property(fc.nat(GUEST.length - 1), fc.string({ maxLength: 8 }), fc.nat(8), (at, ins, del) => {
        const x = GUEST.slice(0, at) + ins + GUEST.slice(at + del);
        try {
          domainXML(parseDomainXML(x));
        } catch (e) {
          if (!(e instanceof XMLError)) throw e;
        }
      }),
      { numRuns: 3000 },
    );
  });
});

describe('other schemas', () => {
  it('network with an IP range and DHCP hosts', () => {
    const x = `<network><name>n1</name><forward mode='nat'><nat><port start='1024' end='65535'/></nat></forward>
      <bridge name='virbr9' stp='on' delay='0'/><mac address='52:54:00:01:02:03'/>
      <ip address='192.168.150.1' netmask='255.255.255.0'><dhcp><range start='192.168.150.2' end='192.168.150.254'/>
      <host mac='52:54:00:01:02:04' name='a' ip='192.168.150.5'/></dhcp></ip></network>`;
    const n = parseNetworkXML(x);
    expect(n.forward!.mode).toBe('nat');
    expect(n.ip![0]!.dhcp!.host![0]!.ip).toBe('192.168.150.5');
    expect(xmlDifference(x, toXML('network', n))).toBeNull();
  });

  it('capabilities: host CPU and guests', () => {
    const x = `<capabilities><host><uuid>6695eb01-f6a4-8304-79aa-97f2502e193f</uuid><cpu><arch>x86_64</arch>
      <topology sockets='1' dies='1' cores='2' threads='1'/></cpu><power_management/><iommu support='no'/>
      <migration_features><live/></migration_features></host>
      <guest><os_type>hvm</os_type><arch name='x86_64'><wordsize>64</wordsize><emulator>/usr/bin/qemu-system-x86_64</emulator>
      <machine maxCpus='255'>pc-i440fx-7.2</machine><domain type='qemu'/><domain type='kvm'/></arch></guest></capabilities>`;
    const c = parseCapabilitiesXML(x);
    expect(c.guest![0]!.arch.domain!.map((d) => d.type)).toEqual(['qemu', 'kvm']);
    expect(xmlDifference(x, toXML('capability', c))).toBeNull();
  });
});
