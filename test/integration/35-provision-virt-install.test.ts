// planInstall() against virt-install (Debian's virtinst, the seed's tool) on the same host:
// for each option set both print the domain without creating anything, and the parsed
// documents must agree on what decides the guest: domain type, memory, vcpus, arch,
// machine, emulator, firmware, boot order, disks (device, type, format, source, bus,
// target, read-only), NICs (type, source, model), graphics (type, listen), consoles,
// acpi/apic/pae and the CPU mode. The UUID and MAC addresses are random on both sides.
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Connect, parseStoragePoolXML, planInstall, type InstallOptions, type StoragePool } from '../../lib/index.js';
import { requirePart, uniq } from '../helpers/index.js';
import { SYSTEM, daemonUp } from '../helpers/qemu.js';
import { summarizeDomain, volumeName } from '../helpers/provision.js';

const run = promisify(execFile);
const POOL = 'virtkit-pool';
const POOL_DIR = '/var/lib/virtkit/pool';

function has(cmd: string): boolean {
  try {
    execFileSync('which', [cmd], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const up = daemonUp();
const need = requirePart(up && has('virt-install') && has('genisoimage'), 'libvirtd on qemu:///system, virt-install and genisoimage (scripts/system-deps.sh)');

/** The virt-install command line for the same options (the mapping virtkit install uses). */
function virtInstallArgs(o: InstallOptions): string[] {
  const a = ['--connect', SYSTEM, '--print-xml', '1', '--dry-run', '--noautoconsole', '--name', o.name, '--memory', String(o.memory)];
  if (o.vcpus !== undefined) a.push('--vcpus', String(o.vcpus));
  if (!o.disks?.length) a.push('--disk', 'none');
  for (const d of o.disks ?? []) {
    if ('pool' in d) a.push('--disk', [`pool=${d.pool}`, `size=${d.size}`, d.format && `format=${d.format}`, d.name && `name=${d.name}`].filter(Boolean).join(','));
    else a.push('--disk', `path=${d.path}${d.device ? `,device=${d.device}` : ''}`);
  }
  if (o.cdrom) a.push('--cdrom', o.cdrom);
  else a.push('--import');
  if (o.networks?.length === 0) a.push('--network', 'none');
  for (const n of o.networks ?? []) a.push('--network', 'network' in n ? `network=${n.network}` : `bridge=${n.bridge}`);
  if (o.graphics) a.push('--graphics', o.graphics.type + (o.graphics.listen ? `,listen=${o.graphics.listen}` : ''));
  if (o.console) a.push('--console', o.console);
  if (o.virtType) a.push('--virt-type', o.virtType);
  if (o.arch) a.push('--arch', o.arch);
  if (o.machine) a.push('--machine', o.machine);
  a.push('--osinfo', o.osVariant ?? 'generic');
  if (o.boot) a.push('--boot', o.boot.join(','));
  return a;
}

describe.skipIf(need.skip)(`planInstall vs virt-install --print-xml (${need.reason})`, () => {
  let conn: Connect;
  let pool: StoragePool;
  let dir: string;
  let iso: string;
  const base = uniq('prov');
  const made: string[] = [];

  beforeAll(async () => {
    conn = await Connect.open(SYSTEM);
    pool = await conn.storagePoolLookupByName(POOL);
    // The ISO goes in the managed pool: for a file outside every pool, virt-install defines
    // (and autostarts) a pool for its folder, even with --dry-run.
    dir = mkdtempSync(join(tmpdir(), 'prov-'));
    writeFileSync(join(dir, 'hello.txt'), 'virtkit\n');
    iso = `${POOL_DIR}/${base}.iso`;
    execFileSync('genisoimage', ['-quiet', '-V', 'VIRTKIT', '-o', iso, dir]);
    made.push(`${base}.iso`);
    await pool.refresh(0);
    // An existing image, and a volume that makes the next name NAME-1.qcow2.
    for (const name of [`${base}-exist.qcow2`, `${base}-taken.qcow2`]) {
      await pool.storageVolCreateXML(`<volume><name>${name}</name><capacity unit='MiB'>16</capacity><target><format type='qcow2'/></target></volume>`, 0);
      made.push(name);
    }
  });

  afterAll(async () => {
    await conn?.close().catch(() => {});
    // A fresh connection: the shared libvirtd may have been restarted during the run.
    const c = await Connect.open(SYSTEM);
    const p = await c.storagePoolLookupByName(POOL);
    for (const name of made) await (await p.storageVolLookupByName(name).catch(() => null))?.delete(0).catch(() => {});
    if (dir) rmSync(dir, { recursive: true, force: true });
    // Were virt-install to have defined a pool for a folder of ours, it goes too.
    for (const other of await c.listAllStoragePools(0)) {
      const path = parseStoragePoolXML(await other.getXMLDesc(0)).target?.path ?? '';
      if (other.getName() !== POOL && (path === dir || path.startsWith(`${POOL_DIR}/`))) {
        await other.destroy().catch(() => {});
        await other.undefine().catch(() => {});
      }
    }
    await c.close();
  });

  // [title, options, the new volumes' names when the set checks them]
  const sets: [string, () => InstallOptions, (() => string[])?][] = [
    ['a typical first guest: new qcow2 volume, cdrom, NAT, VNC on loopback, pty console', () => ({
      name: `${base}-a`, memory: 512, vcpus: 2, disks: [{ pool: POOL, size: 1, format: 'qcow2' }], cdrom: iso,
      networks: [{ network: 'default' }], graphics: { type: 'vnc', listen: '127.0.0.1' }, console: 'pty', virtType: 'kvm',
    })],
    ['no disk, no graphics (serial console only)', () => ({ name: `${base}-b`, memory: 256, graphics: { type: 'none' } })],
    ['a raw volume (NAME.img), VNC without listen', () => ({ name: `${base}-c`, memory: 256, disks: [{ pool: POOL, size: 0.5, format: 'raw' }], graphics: { type: 'vnc' } }), () => [`${base}-c.img`]],
    ['three new volumes: NAME.qcow2, NAME-1.qcow2, NAME.img', () => ({
      name: `${base}-d`, memory: 256, disks: [{ pool: POOL, size: 1 }, { pool: POOL, size: 1 }, { pool: POOL, size: 1, format: 'raw' }], graphics: { type: 'vnc' },
    }), () => [`${base}-d.qcow2`, `${base}-d-1.qcow2`, `${base}-d.img`]],
    ['NAME.qcow2 taken in the pool: NAME-1.qcow2', () => ({ name: `${base}-taken`, memory: 256, disks: [{ pool: POOL, size: 1 }], graphics: { type: 'none' } }), () => [`${base}-taken-1.qcow2`]],
    ['an existing qcow2 volume by path, on a bridge', () => ({
      name: `${base}-e`, memory: 256, disks: [{ path: `${POOL_DIR}/${base}-exist.qcow2` }], networks: [{ bridge: 'virbr0' }], graphics: { type: 'none' },
    })],
    ['TCG, q35, no console', () => ({
      name: `${base}-f`, memory: 256, disks: [{ pool: POOL, size: 1 }], virtType: 'qemu', machine: 'q35', console: 'none', graphics: { type: 'vnc' },
    })],
    ['an i686 guest (qemu-system-i386, pae)', () => ({ name: `${base}-g`, memory: 256, arch: 'i686', disks: [{ pool: POOL, size: 1 }], graphics: { type: 'none' } })],
    ['debian11: q35, virtio disk and NIC, SPICE', () => ({
      name: `${base}-h`, memory: 1024, vcpus: 2, osVariant: 'debian11', disks: [{ pool: POOL, size: 2 }], graphics: { type: 'spice' },
    })],
    ['centos7.0 with two NICs (network and bridge), VNC on all addresses', () => ({
      name: `${base}-i`, memory: 1024, osVariant: 'centos7.0', disks: [{ pool: POOL, size: 1 }], networks: [{ network: 'default' }, { bridge: 'virbr0' }],
      graphics: { type: 'vnc', listen: '0.0.0.0' },
    })],
    ['PXE first, 4 vcpus, no NIC given as none', () => ({
      name: `${base}-j`, memory: 256, vcpus: 4, boot: ['network', 'hd'], networks: [], disks: [{ pool: POOL, size: 1 }], graphics: { type: 'none' },
    })],
    ['win10: q35, SATA, e1000e, localtime clock, cdrom', () => ({
      name: `${base}-k`, memory: 2048, vcpus: 2, osVariant: 'win10', disks: [{ pool: POOL, size: 4 }], cdrom: iso, graphics: { type: 'vnc' },
    })],
    ['machine alias pc, an ISO as a cdrom disk', () => ({
      name: `${base}-l`, memory: 256, machine: 'pc', disks: [{ path: iso, device: 'cdrom' }], graphics: { type: 'vnc' },
    })],
  ];

  for (const [title, make, names] of sets) {
    it(title, async () => {
      const o = make();
      const plan = await planInstall(conn, o);
      const { stdout } = await run('virt-install', virtInstallArgs(o), { timeout: 60000 });
      const theirs = summarizeDomain(stdout);
      const ours = summarizeDomain(plan.domain);
      expect(ours).toEqual(theirs);
      // The volumes planned are the disks' sources, named as virt-install names them.
      const newDisks = (o.disks ?? []).filter((d) => 'pool' in d).length;
      expect(plan.volumes).toHaveLength(newDisks);
      expect(plan.volumes.map((v) => v.pool)).toEqual(Array(newDisks).fill(POOL));
      if (names) expect(plan.volumes.map((v) => volumeName(v.xml))).toEqual(names());
      // Both documents describe the guest asked for (the comparison is not of two empty shapes).
      expect(ours.memoryKiB).toBe(o.memory * 1024);
      expect(ours.disks.length).toBe((o.disks ?? []).length + (o.cdrom ? 1 : 0));
      expect(ours.nics.length).toBe(o.networks?.length ?? 1);
    });
  }

  it('has at least 10 option sets', () => {
    expect(sets.length).toBeGreaterThanOrEqual(10);
  });
});
