// planInstall/install on libvirt's test driver (test:///default, in-process): option checks,
// what the host refuses, virt-install's volume names, and that planning creates nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Connect,
  ProvisionError,
  disks,
  install,
  interfaces,
  parseDomainXML,
  parseStorageVolXML,
  planInstall,
  type InstallOptions,
  type StoragePool,
} from '../../lib/index.js';
import { uniq } from '../helpers/index.js';

const POOL = 'default-pool';
let conn: Connect;
let pool: StoragePool;

beforeAll(async () => {
  conn = await Connect.open('test:///default');
  pool = await conn.storagePoolLookupByName(POOL);
});
afterAll(async () => {
  await conn.close();
});

/** Names of the domains and of the pool's volumes: what a failed call must leave unchanged. */
async function hostState(): Promise<string[]> {
  const doms = (await conn.listAllDomains(0)).map((d) => `domain:${d.getName()}`);
  const vols = (await pool.listAllVolumes(0)).map((v) => `volume:${v.getName()}`);
  return [...doms, ...vols].sort();
}

describe('install options: argument mistakes are TypeError/RangeError before any host access', () => {
  const base: InstallOptions = { name: 'prov-x', memory: 64 };
  const bad: [string, unknown, ErrorConstructor][] = [
    ['not an object', null, TypeError],
    ['no name', { memory: 64 }, TypeError],
    ['no memory', { name: 'prov-x' }, TypeError],
    ['a name with a slash', { ...base, name: 'a/b' }, TypeError],
    ['an empty name', { ...base, name: '' }, TypeError],
    ['memory as a string', { ...base, memory: '64' }, TypeError],
    ['memory 0', { ...base, memory: 0 }, RangeError],
    ['fractional vcpus', { ...base, vcpus: 1.5 }, TypeError],
    ['vcpus 0', { ...base, vcpus: 0 }, RangeError],
    ['an unknown option (typo)', { ...base, vcpu: 2 }, TypeError],
    ['disks not an array', { ...base, disks: { pool: POOL, size: 1 } }, TypeError],
    ['a negative size', { ...base, disks: [{ pool: POOL, size: -1 }] }, RangeError],
    ['a size that is NaN', { ...base, disks: [{ pool: POOL, size: NaN }] }, TypeError],
    ['format vmdk', { ...base, disks: [{ pool: POOL, size: 1, format: 'vmdk' }] }, TypeError],
    ['a relative disk path', { ...base, disks: [{ path: 'disk.img' }] }, TypeError],
    ['a disk with pool and path keys', { ...base, disks: [{ pool: POOL, size: 1, path: '/x' }] }, TypeError],
    ['device floppy', { ...base, disks: [{ path: '/x.img', device: 'floppy' }] }, TypeError],
    ['the same new volume name twice', { ...base, disks: [{ pool: POOL, size: 1, name: 'v' }, { pool: POOL, size: 1, name: 'v' }] }, TypeError],
    ['a relative cdrom', { ...base, cdrom: 'x.iso' }, TypeError],
    ['a network and a bridge in one NIC', { ...base, networks: [{ network: 'default', bridge: 'br0' }] }, TypeError],
    ['a bridge name too long for Linux', { ...base, networks: [{ bridge: 'a-very-long-bridge0' }] }, TypeError],
    ['graphics rdp', { ...base, graphics: { type: 'rdp' } }, TypeError],
    ['listen on a host name', { ...base, graphics: { type: 'vnc', listen: 'localhost' } }, TypeError],
    ['listen with graphics none', { ...base, graphics: { type: 'none', listen: '127.0.0.1' } }, TypeError],
    ['console file', { ...base, console: 'file' }, TypeError],
    ['virtType xen', { ...base, virtType: 'xen' }, TypeError],
    ['boot from floppy', { ...base, boot: ['fd'] }, TypeError],
    ['boot hd twice', { ...base, boot: ['hd', 'hd'] }, TypeError],
    ['an empty boot list', { ...base, boot: [] }, TypeError],
    ['start as a string', { ...base, start: 'yes' }, TypeError],
  ];
  for (const [what, options, type] of bad) {
    it(`${what}: ${type.name}, for planInstall and install, nothing created`, async () => {
      const before = await hostState();
      for (const f of [planInstall, install]) {
        const e = await f(conn, options as InstallOptions).catch((x: unknown) => x);
        expect(e).toBeInstanceOf(type);
        expect((e as Error).message).toMatch(/^install options: /);
      }
      expect(await hostState()).toEqual(before);
    });
  }
});

describe('what the host refuses: ProvisionError with a code, before anything is created', () => {
  const cases: [string, () => InstallOptions, string][] = [
    ['a pool that does not exist', () => ({ name: uniq('prov'), memory: 64, disks: [{ pool: 'prov-nosuchpool', size: 1 }] }), 'NO_POOL'],
    ['a network that does not exist', () => ({ name: uniq('prov'), memory: 64, networks: [{ network: 'prov-nosuchnet' }] }), 'NO_NETWORK'],
    ['a domain name in use', () => ({ name: 'test', memory: 64 }), 'EXISTS'],
    ['an arch the host lacks', () => ({ name: uniq('prov'), memory: 64, arch: 'aarch64' }), 'NO_GUEST_TYPE'],
    ['kvm where the host has none', () => ({ name: uniq('prov'), memory: 64, virtType: 'kvm' }), 'NO_GUEST_TYPE'],
    ['a machine type the host lacks', () => ({ name: uniq('prov'), memory: 64, machine: 'pc' }), 'NO_MACHINE'],
    ['an OS variant osinfo-db does not know', () => ({ name: uniq('prov'), memory: 64, osVariant: 'prov-nosuchos1' }), 'UNKNOWN_OS'],
    ['a cdrom that does not exist', () => ({ name: uniq('prov'), memory: 64, cdrom: '/nonexistent/prov.iso' }), 'NO_PATH'],
    ['five IDE disks', () => ({ name: uniq('prov'), memory: 64, disks: [1, 2, 3, 4, 5].map(() => ({ pool: POOL, size: 0.01 })) }), 'UNSUPPORTED'],
  ];
  for (const [what, make, code] of cases) {
    it(`${what}: ${code}`, async () => {
      const before = await hostState();
      for (const f of [planInstall, install]) {
        const e = await f(conn, make()).catch((x: unknown) => x);
        expect(e).toBeInstanceOf(ProvisionError);
        expect((e as ProvisionError).code).toBe(code);
      }
      expect(await hostState()).toEqual(before);
    });
  }

  it('a named volume that exists already: EXISTS', async () => {
    const name = uniq('prov');
    const vol = await pool.storageVolCreateXML(`<volume><name>${name}.qcow2</name><capacity unit='MiB'>1</capacity></volume>`, 0);
    try {
      const e = await planInstall(conn, { name, memory: 64, disks: [{ pool: POOL, size: 1, name: `${name}.qcow2` }] }).catch((x: unknown) => x);
      expect((e as ProvisionError).code).toBe('EXISTS');
    } finally {
      await vol.delete(0);
    }
  });
});

describe('planInstall on test:///default', () => {
  it('names new volumes as virt-install does and changes nothing', async () => {
    const name = uniq('prov');
    const taken = await pool.storageVolCreateXML(`<volume><name>${name}.qcow2</name><capacity unit='MiB'>1</capacity></volume>`, 0);
    try {
      const before = await hostState();
      const plan = await planInstall(conn, {
        name,
        memory: 128,
        disks: [{ pool: POOL, size: 1 }, { pool: POOL, size: 2, format: 'raw' }, { pool: POOL, size: 0.5 }, { pool: POOL, size: 1, name: `${name}-data` }],
      });
      expect(await hostState()).toEqual(before);
      const vols = plan.volumes.map((v) => ({ pool: v.pool, ...parseStorageVolXML(v.xml) }));
      expect(vols.map((v) => v.name)).toEqual([`${name}-1.qcow2`, `${name}.img`, `${name}-2.qcow2`, `${name}-data`]);
      expect(vols.map((v) => v.capacity?.['#text'])).toEqual([2n ** 30n, 2n ** 31n, 2n ** 29n, 2n ** 30n]);
      expect(vols.map((v) => v.target.format?.type)).toEqual(['qcow2', 'raw', 'qcow2', 'qcow2']);
      expect(vols.every((v) => v.pool === POOL && v.allocation?.['#text'] === 0n)).toBe(true);
      const dom = parseDomainXML(plan.domain);
      expect(dom.type).toBe('test');
      expect(dom.name).toBe(name);
      expect(dom.memory).toEqual({ unit: 'KiB', '#text': 131072n });
      expect(dom.os?.type.arch).toBe('i686'); // the test driver's host arch
      expect(disks(dom).map((d) => [d.source, d.format, d.target])).toEqual([
        [`/default-pool/${name}-1.qcow2`, 'qcow2', 'hda'],
        [`/default-pool/${name}.img`, 'raw', 'hdb'],
        [`/default-pool/${name}-2.qcow2`, 'qcow2', 'hdc'],
        [`/default-pool/${name}-data`, 'qcow2', 'hdd'],
      ]);
      expect(interfaces(dom).map((i) => [i.type, i.network])).toEqual([['network', 'default']]);
    } finally {
      await taken.delete(0);
    }
  });
});

describe('install on test:///default', () => {
  it('creates the volumes and the domain, starts it and sets autostart', async () => {
    const name = uniq('prov');
    const dom = await install(conn, { name, memory: 64, disks: [{ pool: POOL, size: 0.01 }], autostart: true, graphics: { type: 'vnc' } });
    try {
      expect(dom.getName()).toBe(name);
      expect(await dom.isActive()).toBe(true);
      expect(await dom.isPersistent()).toBe(true);
      expect(await dom.getAutostart()).toBe(true);
      const vol = await pool.storageVolLookupByName(`${name}.qcow2`);
      expect((await vol.getInfo()).capacity).toBe(BigInt(Math.round(0.01 * 2 ** 30)));
      expect(disks(parseDomainXML(await dom.getXMLDesc(0)))[0].source).toBe(`/default-pool/${name}.qcow2`);
    } finally {
      await dom.destroy();
      await dom.undefine();
      await (await pool.storageVolLookupByName(`${name}.qcow2`)).delete(0);
    }
  });

  it('start: false defines the guest without starting it', async () => {
    const name = uniq('prov');
    const dom = await install(conn, { name, memory: 64, start: false, networks: [] });
    try {
      expect(await dom.isActive()).toBe(false);
      expect(await dom.getAutostart()).toBe(false);
    } finally {
      await dom.undefine();
    }
  });
});
