// `virtkit install`: virt-install's flags parsed into InstallOptions, and the command run
// against test:///default in-process (the built CLI runs in test/integration/36-*).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InstallUsageError, parseInstallArgs, runInstall } from '../../lib/cli/install.js';
import { Connect, parseDomainXML, parseStorageVolXML, disks } from '../../lib/index.js';
import { uniq } from '../helpers/index.js';

const base = ['--name', 'web1', '--memory', '512'];

describe('virtkit install: flags', () => {
  it('maps every flag onto InstallOptions', () => {
    const a = parseInstallArgs([
      ...base, '--vcpus', '2',
      '--disk', 'pool=default,size=20,format=qcow2', '--disk', 'pool=fast,size=0.5,format=raw,name=data.img', '--disk', 'path=/srv/a.img',
      '--disk', '/srv/b.iso,device=cdrom', '--cdrom', '/srv/debian.iso',
      '--network', 'network=default', '--network', 'bridge=br0', '--bridge', 'br1',
      '--graphics', 'vnc,listen=127.0.0.1', '--console', 'pty', '--virt-type', 'kvm', '--arch', 'x86_64', '--machine', 'q35',
      '--os-variant', 'debian11', '--boot', 'cdrom,hd', '--autostart', '--noautoconsole', '--import',
    ]);
    expect(a.options).toEqual({
      name: 'web1', memory: 512, vcpus: 2,
      disks: [
        { pool: 'default', size: 20, format: 'qcow2' },
        { pool: 'fast', size: 0.5, format: 'raw', name: 'data.img' },
        { path: '/srv/a.img' },
        { path: '/srv/b.iso', device: 'cdrom' },
      ],
      cdrom: '/srv/debian.iso',
      networks: [{ network: 'default' }, { bridge: 'br0' }, { bridge: 'br1' }],
      graphics: { type: 'vnc', listen: '127.0.0.1' },
      console: 'pty', virtType: 'kvm', arch: 'x86_64', machine: 'q35', osVariant: 'debian11', boot: ['cdrom', 'hd'], autostart: true,
    });
    expect([a.printXML, a.dryRun, a.json, a.connect]).toEqual([false, false, false, null]);
  });

  it('virt-install spellings: memory=N, vcpus=N, --ram, --osinfo name=, none, --noreboot', () => {
    const a = parseInstallArgs(['--name', 'x', '--ram', 'memory=256', '--vcpus', 'vcpus=3', '--disk', 'none', '--network', 'none', '--graphics', 'none', '--osinfo', 'name=win10', '--noreboot', '--print-xml', '-c', 'qemu:///system']);
    expect(a.options).toEqual({ name: 'x', memory: 256, vcpus: 3, disks: [], networks: [], graphics: { type: 'none' }, osVariant: 'win10', start: false });
    expect([a.printXML, a.connect]).toEqual([true, 'qemu:///system']);
  });

  const bad: [string[], RegExp][] = [
    [['--memory', '512'], /needs --name/],
    [['--name', 'x'], /needs --memory/],
    [[...base, '--memory', '512MiB'], /--memory needs an integer, not '512MiB'/],
    [[...base, '--vcpus', 'two'], /--vcpus needs an integer, not 'two'/],
    [[...base, '--disk', 'pool=p'], /pool=p needs size=GiB/],
    [[...base, '--disk', 'pool=p,size=big'], /needs a number, not 'big'/],
    [[...base, '--disk', 'pool=p,size=1,format=vmdk'], /format must be qcow2 or raw/],
    [[...base, '--disk', 'pool=p,size=1,bus=virtio'], /unknown key 'bus'/],
    [[...base, '--disk', 'path=/a,size=1'], /size= creates a volume/],
    [[...base, '--disk', 'relative.img'], /neither key=value nor an absolute path/],
    [[...base, '--disk', 'none', '--disk', 'pool=p,size=1'], /--disk none cannot go with/],
    [[...base, '--network', 'network=a,bridge=b'], /--network needs network=NAME, bridge=BR or none/],
    [[...base, '--graphics', 'rdp'], /--graphics must be vnc, spice or none/],
    [[...base, '--graphics', 'none,listen=1.2.3.4'], /takes no listen=/],
    [[...base, '--console', 'file'], /--console must be pty or none/],
    [[...base, '--virt-type', 'xen'], /--virt-type must be kvm or qemu/],
    [[...base, '--boot', 'hd,fd'], /--boot must be hd or cdrom or network, not 'fd'/],
    [[...base, '--os-variant', 'a', '--osinfo', 'b'], /not both/],
    [[...base, 'extra'], /positional/i],
    [[...base, '--location', 'http://x'], /Unknown option '--location'/],
  ];
  for (const [argv, msg] of bad) {
    it(`rejects ${argv.slice(base.length === argv.length ? 0 : 4).join(' ') || argv.join(' ')}`, () => {
      let e: unknown;
      try {
        parseInstallArgs(argv);
      } catch (x) {
        e = x;
      }
      expect(e).toBeInstanceOf(InstallUsageError);
      expect((e as Error).message).toMatch(msg);
    });
  }
});

describe('virtkit install: running on test:///default', () => {
  let conn: Connect;
  beforeAll(async () => {
    conn = await Connect.open('test:///default');
  });
  afterAll(async () => {
    await conn.close();
  });

  it('--print-xml prints the volumes then the domain, creating nothing', async () => {
    const name = uniq('prov');
    const out = await runInstall(conn, parseInstallArgs(['--name', name, '--memory', '64', '--disk', 'pool=default-pool,size=1', '--disk', 'pool=default-pool,size=1', '--print-xml']));
    const docs = out.split(/\n(?=<(?:volume|domain)[ >])/);
    expect(docs).toHaveLength(3);
    expect(docs.slice(0, 2).map((x) => parseStorageVolXML(x).name)).toEqual([`${name}.qcow2`, `${name}-1.qcow2`]);
    expect(disks(parseDomainXML(docs[2])).map((d) => d.source)).toEqual([`/default-pool/${name}.qcow2`, `/default-pool/${name}-1.qcow2`]);
    expect(await conn.domainLookupByName(name).catch(() => null)).toBeNull();
  });

  it('--json with --print-xml: name, volumes and domain', async () => {
    const name = uniq('prov');
    const j = JSON.parse(await runInstall(conn, parseInstallArgs(['--name', name, '--memory', '64', '--print-xml', '--json'])));
    expect(Object.keys(j)).toEqual(['name', 'volumes', 'domain']);
    expect(parseDomainXML(j.domain).name).toBe(name);
  });

  it('--dry-run says what it would do; without it the guest is created and its name printed', async () => {
    const name = uniq('prov');
    expect(await runInstall(conn, parseInstallArgs(['--name', name, '--memory', '64', '--disk', 'pool=default-pool,size=1', '--dry-run']))).toBe(
      `Dry run: guest '${name}' and 1 volume(s) can be created`,
    );
    expect(await conn.domainLookupByName(name).catch(() => null)).toBeNull();
    expect(await runInstall(conn, parseInstallArgs(['--name', name, '--memory', '64', '--noreboot', '--network', 'none']))).toBe(name);
    const dom = await conn.domainLookupByName(name);
    expect(await dom.isActive()).toBe(false);
    await dom.undefine();
  });
});
