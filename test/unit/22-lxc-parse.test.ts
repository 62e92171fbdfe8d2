import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NotFoundError, StateError } from '../../lib/backends/errors.js';
import { FakeTransport } from '../../lib/testing/index.js';
import {
  Lxc,
  editLxcConfig,
  lxcErrorMessages,
  parseColumns,
  parseLxcConfig,
  parseLxcInfo,
  parseLxcLs,
  parseLxcSnapshots,
  renderConfig,
} from '../../lib/backends/lxc/index.js';

const fx = (f: string): string => readFileSync(join(__dirname, '../fixtures/lxc', f), 'utf8');

describe('lxc parsers (real LXC 5.0.2 output from this machine)', () => {
  it('parses lxc-ls -f -F by header positions', () => {
    const rows = parseLxcLs(fx('ls-f-F.txt'));
    expect(rows).toEqual([
      { name: 'vk-cap1', state: 'RUNNING', pid: 8738, autostart: false, groups: [], ipv4: [], ipv6: [], unprivileged: false },
      { name: 'vk-cap2', state: 'FROZEN', pid: 9428, autostart: true, groups: ['web', 'db'], ipv4: [], ipv6: [], unprivileged: false },
      { name: 'vk-cap3-with-a-long-name', state: 'STOPPED', pid: null, autostart: false, groups: [], ipv4: [], ipv6: [], unprivileged: false },
    ]);
    const ips = parseLxcLs(fx('ls-f-F-ips.txt'));
    expect(ips[3]).toMatchObject({ name: 'vk-cap4', ipv4: ['10.200.0.2', '10.200.0.3'] });
    expect(parseLxcLs(fx('ls-f-empty.txt'))).toEqual([]);
  });

  it('parses other column sets', () => {
    const all = parseColumns(fx('ls-f-all.txt'));
    expect(all[0]).toMatchObject({ NAME: 'vk-cap1', RAM: '0.62MB', INTERFACE: 'lo', GROUPS: '-' });
    expect(all[1]!.GROUPS).toBe('web, db');
    expect(parseColumns(fx('ls-f-default.txt'))[2]).toMatchObject({ NAME: 'vk-cap3-with-a-long-name', STATE: 'STOPPED', AUTOSTART: '0' });
  });

  it('parses lxc-info -H', () => {
    expect(parseLxcInfo(fx('info-running-H.txt'))).toMatchObject({
      name: 'vk-cap1',
      state: 'RUNNING',
      pid: 8738,
      cpuUseNs: 8678632,
      memoryBytes: 651264,
      kmemBytes: 356352,
      blkioBytes: 0,
      ips: [],
    });
    expect(parseLxcInfo(fx('info-stopped-H.txt'))).toMatchObject({ name: 'vk-cap3-with-a-long-name', state: 'STOPPED', pid: null });
    expect(parseLxcInfo(fx('info-frozen-H.txt')).state).toBe('FROZEN');
    const ips = parseLxcInfo(fx('info-ips.txt'));
    expect(ips.ips).toEqual(['10.200.0.2', '10.200.0.3']);
    expect(ips.links).toEqual(['vethxeeoFD']);
    expect(ips.raw['TX bytes']).toEqual(['1.32 KiB']);
  });

  it('parses snapshots with comments', () => {
    expect(parseLxcSnapshots(fx('snapshot-list-none.stdout'))).toEqual([]);
    const s = parseLxcSnapshots(fx('snapshot-list-C.stdout'));
    expect(s).toEqual([
      { name: 'snap0', path: '/var/lib/lxc/vk-cap3-with-a-long-name/snaps', timestamp: '2026:11:26 15:14:23' },
      { name: 'snap1', path: '/var/lib/lxc/vk-cap3-with-a-long-name/snaps', timestamp: '2026:11:26 15:14:23', comment: 'a comment' },
    ]);
  });

  it('extracts error messages', () => {
    expect(lxcErrorMessages(fx('stop-stopped.stderr'))).toEqual(['vk-cap3-with-a-long-name is not running']);
    expect(lxcErrorMessages(fx('destroy-nosuch.stderr'))).toEqual(['Container is not defined']);
    expect(lxcErrorMessages(fx('snapshot-destroy-nosuch.stderr'))[0]).toBe('Could not destroy snapshot snap9');
  });

  it('edits config files, keeping comments and order', () => {
    const text = '# comment\nlxc.uts.name = c1\nlxc.group = a\nlxc.net.0.type = empty\nlxc.group = b\n';
    expect(parseLxcConfig(text)).toEqual([
      { key: 'lxc.uts.name', value: 'c1' },
      { key: 'lxc.group', value: 'a' },
      { key: 'lxc.net.0.type', value: 'empty' },
      { key: 'lxc.group', value: 'b' },
    ]);
    expect(editLxcConfig(text, 'lxc.group', ['web', 'db'])).toBe('# comment\nlxc.uts.name = c1\nlxc.group = web\nlxc.group = db\nlxc.net.0.type = empty\n');
    expect(editLxcConfig(text, 'lxc.group', [])).toBe('# comment\nlxc.uts.name = c1\nlxc.net.0.type = empty\n');
    expect(editLxcConfig(text, 'lxc.start.auto', ['1'])).toBe(text + 'lxc.start.auto = 1\n');
    expect(renderConfig({ 'lxc.net.0.type': 'empty', 'lxc.group': ['a', 'b'], 'lxc.start.auto': true })).toBe(
      'lxc.net.0.type = empty\nlxc.group = a\nlxc.group = b\nlxc.start.auto = 1\n',
    );
    expect(() => renderConfig({ 'lxc.x': 'a\nlxc.hook.pre-start = /evil' })).toThrow();
    expect(() => renderConfig({ 'not.lxc': 'a' })).toThrow();
  });
});

describe('Lxc over a fake transport', () => {
  it('stop: exit 2 on an existing container = {wasRunning:false}; on a missing one = NotFoundError', async () => {
    const t = new FakeTransport();
    const lxc = new Lxc(t);
    t.on(/^lxc-stop /, { stderr: fx('stop-stopped.stderr'), code: 2 });
    t.on(/^lxc-info .*-n c1$/, { stdout: 'STOPPED\n' });
    t.on(/^lxc-info .*-n nosuch$/, { stderr: fx('info-nosuch.stderr'), code: 1 });
    expect(await lxc.stop('c1')).toEqual({ wasRunning: false });
    await expect(lxc.stop('nosuch')).rejects.toBeInstanceOf(NotFoundError);
  });

  it('unfreeze on a stopped container (exit 0) is a StateError', async () => {
    const t = new FakeTransport();
    const lxc = new Lxc(t);
    t.on(/^lxc-info .*-s -H -n c1$/, { stdout: 'STOPPED\n' });
    await expect(lxc.unfreeze('c1')).rejects.toBeInstanceOf(StateError);
  });

  it('freeze on a stopped container is a StateError; destroy of a missing one NotFoundError', async () => {
    const t = new FakeTransport();
    const lxc = new Lxc(t);
    t.on(/^lxc-freeze /, { stderr: fx('freeze-stopped.stderr'), code: 1 });
    t.on(/^lxc-info /, { stdout: 'STOPPED\n' });
    t.on(/^lxc-destroy /, { stderr: fx('destroy-nosuch.stderr'), code: 1 });
    await expect(lxc.freeze('c1')).rejects.toBeInstanceOf(StateError);
    await expect(lxc.destroy('nosuch')).rejects.toBeInstanceOf(NotFoundError);
  });

  it('attach: passes env and cwd without interpolation; attach failure is a StateError', async () => {
    const t = new FakeTransport();
    const lxc = new Lxc(t, { lxcpath: '/srv/lxc' });
    t.on(/^lxc-attach /, { stdout: 'ok\n', code: 0 });
    const r = await lxc.attach('c1', ['echo', '$HOME'], { env: { A: 'x y' }, cwd: '/tmp/a b' });
    expect(r).toEqual({ stdout: 'ok\n', stderr: '', exitCode: 0 });
    expect(t.calls[0]!.args).toEqual(['-P', '/srv/lxc', '-n', 'c1', '-v', 'A=x y', '--', 'sh', '-c', 'cd -- "$1" && shift && exec "$@"', 'sh', '/tmp/a b', 'echo', '$HOME']);
    t.on(/^lxc-attach /, { stderr: fx('attach-stopped.stderr'), code: 1 });
    t.on(/^lxc-info /, { stdout: 'STOPPED\n' });
    await expect(lxc.attach('c1', ['true'])).rejects.toBeInstanceOf(StateError);
    t.on(/^lxc-attach /, { code: 1 });
    expect((await lxc.attach('c1', ['false'])).exitCode).toBe(1);
  });

  it('adds -l ERROR -o /dev/null to silent tools (errors then go to stderr)', async () => {
    const t = new FakeTransport();
    const lxc = new Lxc(t);
    await lxc.ls();
    await lxc.copy('a', 'b');
    expect(t.calls[0]!.args.slice(0, 4)).toEqual(['-l', 'ERROR', '-o', '/dev/null']);
    expect(t.calls[1]!.args.slice(0, 4)).toEqual(['-l', 'ERROR', '-o', '/dev/null']);
  });
});
