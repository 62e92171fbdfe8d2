// A typical first KVM guest through install() on qemu:///system: a dir pool, a new qcow2
// volume, the guest with that disk, a cdrom, the default NAT network, VNC and a pty
// console; then read back from the typed live definition (VNC answers RFB, the console
// has a pty). Installs that fail late leave no volume and no domain. `virtkit install` too.
import { execFile, execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Connect,
  LibvirtError,
  ProvisionError,
  consoles,
  disks,
  domainDefinition,
  graphicsPorts,
  install,
  interfaces,
  type InstallOptions,
  type StoragePool,
} from '../../lib/index.js';
import { requirePart, uniq } from '../helpers/index.js';
import { SYSTEM, daemonUp, removeDomain } from '../helpers/qemu.js';

const POOL = 'virtkit-pool';
const ROOT = resolve(__dirname, '../..');

function has(cmd: string): boolean {
  try {
    execFileSync('which', [cmd], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const need = requirePart(daemonUp() && has('genisoimage'), 'libvirtd on qemu:///system and genisoimage (scripts/system-deps.sh)');

/** The first bytes a TCP server sends (the VNC server speaks first: "RFB 003.008\n"). */
function banner(port: number): Promise<string> {
  return new Promise((res, rej) => {
    const s = connect({ host: '127.0.0.1', port });
    const timer = setTimeout(() => {
      s.destroy();
      rej(new Error(`no banner on port ${port}`));
    }, 10000);
    s.once('data', (b) => {
      clearTimeout(timer);
      s.destroy();
      res(b.toString('latin1'));
    });
    s.once('error', (e) => {
      clearTimeout(timer);
      rej(e);
    });
  });
}

describe.skipIf(need.skip)(`install() on qemu:///system (${need.reason})`, () => {
  let conn: Connect;
  let pool: StoragePool;
  let dir: string;
  let iso: string;
  let brokenPool = '';
  const guests: string[] = [];

  /** This file's volumes in the pool (other programs share it and may add theirs meanwhile). */
  async function volumeNames(): Promise<string[]> {
    await pool.refresh(0);
    return (await pool.listAllVolumes(0)).map((v) => v.getName()).filter((n) => n.startsWith('prov-'));
  }

  beforeAll(async () => {
    execFileSync('bash', [join(ROOT, 'scripts/start-services.sh')], { stdio: 'ignore' });
    conn = await Connect.open(SYSTEM);
    pool = await conn.storagePoolLookupByName(POOL);
    // QEMU runs as libvirt-qemu: the ISO's folder must be traversable by it.
    mkdirSync('/var/lib/virtkit', { recursive: true });
    dir = mkdtempSync('/var/lib/virtkit/prov-');
    chmodSync(dir, 0o755);
    mkdirSync(join(dir, 'iso'));
    writeFileSync(join(dir, 'iso', 'readme.txt'), 'virtkit provisioning test\n');
    iso = join(dir, 'tiny.iso');
    execFileSync('genisoimage', ['-quiet', '-V', 'VIRTKIT', '-o', iso, join(dir, 'iso')]);
    // A running dir pool whose directory is then removed: libvirt still lists it as active,
    // and creating a volume in it fails.
    brokenPool = `prov-broken-${process.pid}`;
    mkdirSync(join(dir, 'broken'));
    const bp = await conn.storagePoolCreateXML(`<pool type='dir'><name>${brokenPool}</name><target><path>${join(dir, 'broken')}</path></target></pool>`, 0);
    bp.free();
    rmSync(join(dir, 'broken'), { recursive: true });
  });

  afterAll(async () => {
    await conn?.close().catch(() => {});
    // A fresh connection: the shared libvirtd may have been restarted during the run.
    const c = await Connect.open(SYSTEM);
    const p = await c.storagePoolLookupByName(POOL);
    await p.refresh(0).catch(() => {});
    const vols = await p.listAllVolumes(0);
    for (const name of guests) {
      await removeDomain(c, name);
      for (const v of vols) if (v.getName().startsWith(name)) await v.delete(0).catch(() => {});
    }
    if (brokenPool) await (await c.storagePoolLookupByName(brokenPool).catch(() => null))?.destroy().catch(() => {});
    if (dir) rmSync(dir, { recursive: true, force: true });
    await c.close();
  });

  it('a typical first guest: volume, disk, cdrom, NAT, VNC and console, read back typed', async () => {
    const name = uniq('prov');
    guests.push(name);
    const dom = await install(conn, {
      name,
      memory: 64,
      disks: [{ pool: POOL, size: 0.0625, format: 'qcow2' }],
      cdrom: iso,
      networks: [{ network: 'default' }],
      graphics: { type: 'vnc', listen: '127.0.0.1' },
      console: 'pty',
      autostart: true,
    });
    expect(dom.getName()).toBe(name);
    expect(await dom.isActive()).toBe(true);
    expect(await dom.isPersistent()).toBe(true);
    expect(await dom.getAutostart()).toBe(true);

    // The volume, named as virt-install names it.
    const vol = await pool.storageVolLookupByName(`${name}.qcow2`);
    expect((await vol.getInfo()).capacity).toBe(64n * 2n ** 20n);

    const live = await domainDefinition(dom);
    const [port] = graphicsPorts(live, 'vnc');
    expect(port).toBeGreaterThanOrEqual(5900);
    expect(await banner(port)).toMatch(/^RFB \d{3}\.\d{3}\n/);
    expect(disks(live).map((d) => [d.device, d.source, d.format, d.readonly])).toEqual([
      ['disk', `/var/lib/virtkit/pool/${name}.qcow2`, 'qcow2', false],
      ['cdrom', iso, 'raw', true],
    ]);
    const [nic] = interfaces(live);
    expect(nic.network).toBe('default');
    expect(nic.mac).toMatch(/^52:54:00(:[0-9a-f]{2}){3}$/);
    expect(nic.target).toMatch(/^vnet\d+$/);
    const ptys = consoles(live).filter((c) => c.kind === 'console');
    expect(ptys[0]?.type).toBe('pty');
    expect(ptys[0]?.pty).toMatch(/^\/dev\/pts\/\d+$/);
    expect(statSync(ptys[0]!.pty!).isCharacterDevice()).toBe(true);
    // The guest has no OS; it only needed to exist.
    await dom.destroy();
  });

  const late: [string, (name: string) => InstallOptions, RegExp][] = [
    [
      'a pool whose directory is gone (fails creating the second volume)',
      (name) => ({ name, memory: 64, disks: [{ pool: POOL, size: 0.01 }, { pool: brokenPool, size: 0.01 }], graphics: { type: 'none' } }),
      /creating volume/,
    ],
    [
      'VNC on an address the host does not have (fails at start)',
      (name) => ({ name, memory: 64, disks: [{ pool: POOL, size: 0.01 }], graphics: { type: 'vnc', listen: '192.0.2.1' } }),
      /starting/,
    ],
    [
      'a bridge that does not exist (fails at start)',
      (name) => ({ name, memory: 64, disks: [{ pool: POOL, size: 0.01 }, { pool: POOL, size: 0.01, format: 'raw' }], networks: [{ bridge: 'prov-nobr0' }], graphics: { type: 'none' } }),
      /starting/,
    ],
    [
      'a cdrom QEMU cannot open (fails at start)',
      (name) => ({ name, memory: 64, disks: [{ pool: POOL, size: 0.01 }], cdrom: join(dir, 'private', 'x.iso'), graphics: { type: 'none' }, autostart: true }),
      /starting/,
    ],
  ];
  for (const [what, make, step] of late) {
    it(`an install that fails late, ${what}, leaves no volume and no domain`, async () => {
      const name = uniq('prov');
      guests.push(name);
      if (what.includes('cdrom')) {
        // Readable by root (libvirtd), not traversable by libvirt-qemu.
        mkdirSync(join(dir, 'private'), { mode: 0o700 });
        execFileSync('genisoimage', ['-quiet', '-o', join(dir, 'private', 'x.iso'), join(dir, 'iso')]);
        chmodSync(join(dir, 'private'), 0o700);
      }
      const before = await volumeNames();
      const e = await install(conn, make(name)).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(ProvisionError);
      const pe = e as ProvisionError;
      expect(pe.code).toBe('INSTALL_FAILED');
      expect(pe.message).toMatch(step);
      expect(pe.cause).toBeInstanceOf(LibvirtError);
      expect(pe.cleanup).toEqual([]);
      expect(await volumeNames()).toEqual(before);
      expect((await volumeNames()).some((v) => v.startsWith(name))).toBe(false);
      const found = await conn.domainLookupByName(name).catch((x: unknown) => x);
      expect((found as LibvirtError).codeName).toBe('VIR_ERR_NO_DOMAIN');
    });
  }

  describe('virtkit install (the CLI)', () => {
    const BIN = join(ROOT, 'bin/virtkit.js');
    function virtkit(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
      return new Promise((res) => {
        execFile(process.execPath, [BIN, ...args], { cwd: ROOT, timeout: 60000 }, (err, stdout, stderr) => {
          res({ code: err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : -1) : 0, stdout, stderr });
        });
      });
    }
    function newest(d: string): number {
      let t = 0;
      for (const f of readdirSync(d, { withFileTypes: true })) {
        const p = join(d, f.name);
        t = Math.max(t, f.isDirectory() ? newest(p) : statSync(p).mtimeMs);
      }
      return t;
    }

    beforeAll(() => {
      // The CLI runs from dist/: rebuild it when lib/ changed since the last build.
      let built = 0;
      try {
        built = statSync(join(ROOT, 'dist/cli.cjs')).mtimeMs;
      } catch {
        /* not built */
      }
      if (built < newest(join(ROOT, 'lib'))) execFileSync('npx', ['tsup'], { cwd: ROOT, stdio: 'ignore' });
    });

    it('--print-xml prints the volume and domain documents and creates nothing', async () => {
      const name = uniq('prov');
      const before = await volumeNames();
      const r = await virtkit([
        '-c', SYSTEM, 'install', '--name', name, '--memory', '64', '--disk', `pool=${POOL},size=0.01`, '--cdrom', iso,
        '--network', 'network=default', '--graphics', 'vnc,listen=127.0.0.1', '--console', 'pty', '--print-xml',
      ]);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(`<name>${name}.qcow2</name>`);
      expect(r.stdout).toContain(`<source file="/var/lib/virtkit/pool/${name}.qcow2"/>`);
      expect(r.stdout).toContain('<graphics type="vnc" port="-1" listen="127.0.0.1"/>');
      expect(r.stdout.indexOf('<volume>')).toBeLessThan(r.stdout.indexOf('<domain'));
      expect(await volumeNames()).toEqual(before);
      expect(await conn.domainLookupByName(name).catch(() => null)).toBeNull();
    });

    it('installs, prints the domain name, and the guest runs', async () => {
      const name = uniq('prov');
      guests.push(name);
      const r = await virtkit([
        '--connect', SYSTEM, 'install', '--name', name, '--memory', '64', '--vcpus', '1', '--disk', `pool=${POOL},size=0.01,format=raw`,
        '--network', 'network=default', '--graphics', 'none', '--noautoconsole',
      ]);
      expect(r).toEqual({ code: 0, stdout: `${name}\n`, stderr: '' });
      const dom = await conn.domainLookupByName(name);
      expect(await dom.isActive()).toBe(true);
      expect(disks(await domainDefinition(dom))[0].source).toBe(`/var/lib/virtkit/pool/${name}.img`);
      await dom.destroy();
    });

    it('usage errors exit 2 with the install usage; host refusals exit 1 with the code', async () => {
      const u = await virtkit(['install', '--name', 'prov-x', '--memory', '64', '--disk', 'pool=p']);
      expect(u.code).toBe(2);
      expect(u.stderr).toMatch(/^virtkit: --disk: pool=p needs size=GiB\n\nUsage: virtkit \[-c URI\] install/);
      const h = await virtkit(['-c', SYSTEM, 'install', '--name', uniq('prov'), '--memory', '64', '--network', 'network=prov-nosuchnet', '--print-xml']);
      expect(h.code).toBe(1);
      expect(h.stderr).toBe("virtkit: network 'prov-nosuchnet' does not exist (NO_NETWORK)\n");
    });
  });
});
