import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CliError, NotFoundError, StateError, UsageError } from '../../lib/backends/errors.js';
import { FakeTransport } from '../../lib/testing/index.js';
import {
  Xl,
  parseStateFlags,
  parseXlBlockList,
  parseXlInfo,
  parseXlList,
  parseXlListLong,
  parseXlNetworkList,
  parseXlUptime,
  parseXlVcpuList,
  renderXlConfig,
  xlNotFoundTarget,
} from '../../lib/backends/xl/index.js';

const fx = (f: string): string => readFileSync(join(__dirname, '../fixtures/xl', f), 'utf8');

describe('xl parsers (real Xen 4.17 output)', () => {
  it('parses xl list rows by the fixed format', () => {
    const rows = parseXlList(fx('list-domU-running.txt'));
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatchObject({ name: 'Domain-0', domid: 0, memoryMiB: 1024, vcpus: 2, cpuTimeSeconds: 32.9, state: 'running' });
    expect(rows[1]).toMatchObject({ name: 'domU', domid: 1, memoryMiB: 128, vcpus: 1, state: 'running' });
    const paused = parseXlList(fx('list-domU-paused.txt'))[0]!;
    expect(paused.flags).toEqual({ running: false, blocked: false, paused: true, shutdown: false, shutdownReason: null, dying: false });
    expect(paused.state).toBe('paused');
    expect(parseXlList(fx('list-domU-blocked.txt'))[1]!.state).toBe('blocked');
    expect(parseXlList(fx('list-0.txt'))).toHaveLength(1);
  });

  it('parses xl list -v (uuid, label)', () => {
    const [d0] = parseXlList(fx('list-v.txt'));
    expect(d0).toMatchObject({ name: 'Domain-0', uuid: '00000000-0000-0000-0000-000000000000', securityLabel: '-', cpuTimeSeconds: 12.5 });
  });

  it('decodes all state flags and shutdown reasons', () => {
    expect(parseStateFlags('---s--')).toMatchObject({ shutdown: true, shutdownReason: 'poweroff' });
    expect(parseStateFlags('---sc-')).toMatchObject({ shutdownReason: 'crash' });
    expect(parseStateFlags('---sr-').shutdownReason).toBe('reboot');
    expect(parseStateFlags('---sS-').shutdownReason).toBe('soft_reset');
    expect(parseStateFlags('-----d').dying).toBe(true);
    expect(() => parseStateFlags('xxxxxx')).toThrow();
    const long = 'a-domain-name-that-is-longer-than-forty-characters-x';
    expect(parseXlList(`${long}  7   256     2     -b----       1.0\n`)[0]).toMatchObject({ name: long, domid: 7 });
  });

  it('parses xl list -l JSON by structure', () => {
    const { format, domains } = parseXlListLong(fx('list-l.json'));
    expect(format).toBe('json');
    expect(domains[0]).toMatchObject({ domid: 0, name: 'Domain-0', type: 'pv', maxMemKiB: 1048576, targetMemKiB: 1048575, scheduler: 'credit2' });
    const u = parseXlListLong(fx('list-l-domU.json')).domains[0]!;
    expect(u).toMatchObject({
      domid: 1,
      name: 'domU',
      type: 'pv',
      uuid: '6c69ac58-e9a2-11f1-a34d-09bc37fd9280',
      maxVcpus: 1,
      kernel: '/root/vmlinuz',
      ramdisk: '/root/domU-initrd.gz',
      cmdline: 'console=hvc0 rdinit=/init quiet',
      onReboot: 'restart',
      onCrash: 'preserve',
    });
    // the keyed union alone decides the type when c_info.type is absent
    expect(parseXlListLong('[{"domid":3,"config":{"b_info":{"type.hvm":{}}}}]').domains[0]!.type).toBe('hvm');
    // whitespace-insensitive (json-c in Xen 4.21 prints differently)
    expect(parseXlListLong(JSON.stringify(JSON.parse(fx('list-l-domU.json')))).domains[0]!.name).toBe('domU');
  });

  it('recognises SXP and empty output', () => {
    expect(parseXlListLong(fx('list-l-sxp.txt')).format).toBe('sxp');
    expect(parseXlListLong('\n').format).toBe('empty');
  });

  it('parses xl info', () => {
    const i = parseXlInfo(fx('info.txt'));
    expect(i).toMatchObject({ nrCpus: 2, totalMemoryMiB: 2047, freeMemoryMiB: 1000, xenVersion: '4.17.7', xenMajor: 4, xenMinor: 17, xenScheduler: 'credit2', cpuMhz: 2445.401 });
    expect(i.virtCaps).toEqual(['pv', 'hvm', 'gnttab-v1', 'gnttab-v2']);
    expect(i.raw.hw_caps).toBe('178bf3fd:80002001:20100800:00000007:00000000:00000000:00000000:00000000');
    expect(i.raw.xen_changeset).toBe('');
    expect(i.raw.cc_compile_date).toBe('Wed Nov  4 16:52:28 UTC 2026');
  });

  it('parses vcpu-list, uptime, network-list, block-list', () => {
    const v = parseXlVcpuList(fx('vcpu-list.txt'));
    expect(v).toHaveLength(2);
    expect(v[0]).toMatchObject({ name: 'Domain-0', vcpu: 0, cpu: 0, blocked: true, cpuTimeSeconds: 10.4, affinityHard: 'all', affinitySoft: 'all' });
    expect(v[1]!.running).toBe(true);
    expect(parseXlVcpuList('d  3     1    -   --p       0.0  all / all\n')[0]).toMatchObject({ cpu: null, online: false, paused: true });
    expect(parseXlUptime(fx('uptime.txt'))).toEqual([{ name: 'Domain-0', domid: 0, uptimeSeconds: 13 }]);
    expect(parseXlUptime(fx('uptime-domU.txt'))[0]!.uptimeSeconds).toBe(26);
    expect(parseXlUptime('x  5 2 days,  3:04:05\n')[0]!.uptimeSeconds).toBe(2 * 86400 + 3 * 3600 + 4 * 60 + 5);
    expect(parseXlNetworkList(fx('network-list-empty.txt'))).toEqual([]);
    const nics = parseXlNetworkList(fx('network-list-rows.txt'));
    expect(nics[0]).toMatchObject({ idx: 0, mac: '00:16:3e:57:db:c5', state: 4, evtch: -1, txRingRef: -1, rxRingRef: -1, backendPath: '/local/domain/0/backend/vif/2/0' });
    expect(nics[1]).toMatchObject({ txRingRef: 768, rxRingRef: 769 });
    expect(parseXlBlockList(fx('block-list-rows.txt'))[0]).toMatchObject({ vdev: 51712, state: 4, backendPath: '/local/domain/0/backend/vbd/1/51712' });
    expect(parseXlBlockList(fx('block-list-nosuch.stdout'))).toEqual([]);
  });

  it('recognises not-found messages', () => {
    expect(xlNotFoundTarget(fx('list-nosuch.stderr'))).toBe('nosuch');
    expect(xlNotFoundTarget(fx('list-77.stderr'))).toBe('77');
    expect(xlNotFoundTarget(fx('domid-nosuch.stderr'))).toBe('nosuch');
    expect(xlNotFoundTarget(fx('domname-77.stderr'))).toBe('77');
    expect(xlNotFoundTarget(fx('pause-77.stderr'), '77')).toBe('77');
    expect(xlNotFoundTarget(fx('create-exists.stderr'))).toBeUndefined();
  });
});

describe('xl.cfg rendering', () => {
  it('quotes strings and validates keys', () => {
    const text = renderXlConfig({
      name: 'web1',
      type: 'pvh',
      memory: 256,
      vcpus: 2,
      kernel: '/boot/vmlinuz',
      cmdline: 'console=hvc0 root="/dev/xvda" a\\b',
      on_crash: 'preserve',
      disk: [{ target: '/var/lib/xen/a,b.img', vdev: 'xvda' }, 'phy:/dev/vg/x,xvdb,w'],
      vif: [{ mac: '00:16:3e:00:00:01', bridge: 'xenbr0' }],
      extra: { pvh: true, device_model_version: 'qemu-xen' },
    });
    expect(text).toContain('name = "web1"\n');
    expect(text).toContain('memory = 256\n');
    expect(text).toContain('cmdline = "console=hvc0 root=\\"/dev/xvda\\" a\\\\b"\n');
    expect(text).toContain('disk = [ "format=raw, vdev=xvda, access=rw, target=/var/lib/xen/a,b.img", "phy:/dev/vg/x,xvdb,w" ]\n');
    expect(text).toContain('vif = [ "mac=00:16:3e:00:00:01,bridge=xenbr0" ]\n');
    expect(text).toContain('pvh = 1\n');
  });

  it('rejects unsafe configs', () => {
    expect(() => renderXlConfig({ name: 'a b' })).toThrow(/name/);
    expect(() => renderXlConfig({ name: 'a', cmdline: 'x\ny = 1' })).toThrow(/control/);
    expect(() => renderXlConfig({ name: 'a', extra: { 'bad key': 1 } })).toThrow(/bad key/);
    expect(() => renderXlConfig({ name: 'a', extra: { 'x=1\nname': 1 } })).toThrow();
    expect(() => renderXlConfig({ name: 'a', memory: -5 })).toThrow();
    expect(() => renderXlConfig({ name: 'a', vif: [{ bridge: 'br0,script=/evil' }] })).toThrow();
    expect(() => renderXlConfig({ name: 'a', on_crash: 'explode' as never })).toThrow();
  });
});

describe('Xl over a fake transport', () => {
  const make = (): { t: FakeTransport; xl: Xl } => {
    const t = new FakeTransport();
    return { t, xl: new Xl(t, { xlPath: '/usr/lib/xen-4.17/bin/xl', stateCheckMs: 300 }) };
  };

  it('list() joins xl list -v and xl list -l by domid', async () => {
    const { t, xl } = make();
    t.on('/usr/lib/xen-4.17/bin/xl list -v', {
      stdout: fx('list-v.txt') + 'domU                                         1   128     1     -b----       0.1 6c69ac58-e9a2-11f1-a34d-09bc37fd9280        -                -\n',
    });
    t.on('/usr/lib/xen-4.17/bin/xl list -l', { stdout: fx('list-l.json') });
    const doms = await xl.list();
    expect(doms.map((d) => [d.name, d.type, d.state])).toEqual([
      ['Domain-0', 'pv', 'running'],
      ['domU', undefined, 'blocked'],
    ]);
    expect(t.calls.every((c) => c.cmd === '/usr/lib/xen-4.17/bin/xl')).toBe(true);
  });

  it('maps not-found, usage errors and failures', async () => {
    const { t, xl } = make();
    t.on(/ list -v nosuch$/, { stderr: fx('list-nosuch.stderr'), code: 1 });
    t.on(/ list -v 77$/, { stderr: fx('list-77.stderr'), code: 1 });
    t.on(/ destroy Domain-0$/, { stderr: fx('destroy-dom0.stderr'), code: 1 });
    t.on(/ console -e/, { stderr: fx('console-e.stderr'), code: 2 });
    t.on(/ block-list gone$/, { stdout: fx('block-list-nosuch.stdout'), stderr: 'gone is an invalid domain identifier\n', code: 0 });
    await expect(xl.listOne('nosuch')).rejects.toBeInstanceOf(NotFoundError);
    await expect(xl.listOne(77)).rejects.toBeInstanceOf(NotFoundError);
    const e = await xl.destroy('Domain-0').catch((x) => x);
    expect(e).toBeInstanceOf(CliError);
    expect(e).not.toBeInstanceOf(NotFoundError);
    await expect(xl.exec(['console', '-e', '^a', 'x'])).rejects.toBeInstanceOf(UsageError);
    await expect(xl.blockList('gone')).rejects.toBeInstanceOf(NotFoundError);
  });

  it('pause() verifies the state because xl pause exits 0 on failure', async () => {
    const { t, xl } = make();
    t.on(/ list -v domU$/, { stdout: fx('list-domU-running.txt').split('\n').filter((l) => !l.startsWith('Domain-0')).join('\n') });
    await expect(xl.pause('domU')).rejects.toBeInstanceOf(StateError);
    t.on(/ list -v domU$/, { stdout: fx('list-domU-paused.txt') });
    await expect(xl.pause('domU')).resolves.toBeUndefined();
    t.on(/ pause 77$/, { stderr: fx('pause-77.stderr'), code: 0 });
    await expect(xl.pause(77)).rejects.toBeInstanceOf(NotFoundError);
  });

  it('create() writes the config with mktemp + tee, runs xl create, removes the file', async () => {
    const { t, xl } = make();
    t.on('mktemp', { stdout: '/tmp/virtkit-xl.AbCd1234\n' });
    t.on(/ domid web1$/, { stdout: '5\n' });
    const r = await xl.create({ name: 'web1', memory: 128, kernel: '/root/vmlinuz' }, { paused: true });
    expect(r).toEqual({ name: 'web1', domid: 5 });
    const seq = t.calls.map((c) => [c.cmd, ...c.args].join(' '));
    expect(seq).toEqual([
      'mktemp /tmp/virtkit-xl.XXXXXXXX',
      'tee -- /tmp/virtkit-xl.AbCd1234',
      '/usr/lib/xen-4.17/bin/xl create -p /tmp/virtkit-xl.AbCd1234',
      'rm -f -- /tmp/virtkit-xl.AbCd1234',
      '/usr/lib/xen-4.17/bin/xl domid web1',
    ]);
    expect(t.calls[1]!.input).toContain('name = "web1"');
  });

  it('create() removes the temp file when xl create fails', async () => {
    const { t, xl } = make();
    t.on('mktemp', { stdout: '/tmp/virtkit-xl.X\n' });
    t.on(/ create /, { stderr: fx('create-exists.stderr'), code: 3 });
    const e = await xl.create({ name: 'domU' }).catch((x) => x);
    expect(e).toBeInstanceOf(CliError);
    expect(e.message).toMatch(/already exists/);
    expect(t.calls.at(-1)!.cmd).toBe('rm');
  });

  it('builds argv for shutdown/reboot/save/mem/vcpu/console', async () => {
    const { t, xl } = make();
    await xl.shutdown('domU', { wait: true, force: true });
    await xl.reboot(3);
    await xl.save('domU', '/tmp/domU.save', { checkpoint: true });
    await xl.restore('/tmp/domU.save', { paused: true });
    await xl.memSet('domU', 100);
    await xl.memSet('domU', '512m');
    await xl.vcpuSet('domU', 1);
    const s = xl.console('domU', { type: 'pv' });
    s.destroy();
    expect(t.calls.map((c) => c.args.join(' '))).toEqual([
      'shutdown -w -F domU',
      'reboot 3',
      'save -c domU /tmp/domU.save',
      'restore -p /tmp/domU.save',
      'mem-set domU 100m',
      'mem-set domU 512m',
      'vcpu-set domU 1',
      'console -t pv domU',
    ]);
    expect(t.calls.at(-1)!.kind).toBe('spawn');
  });
});
