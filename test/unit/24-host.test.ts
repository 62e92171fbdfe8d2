/**
 * lib/host: state mapping, backend selection and the xl/lxc facades on FakeTransport (real
 * xl 4.17 / LXC 5.0.2 outputs from test/fixtures); the libvirt facade is in test/driver/45-host-libvirt.test.ts.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { take } from '../helpers/watch.js';
import {
  GUEST_STATES,
  GuestNotFoundError,
  GuestStateError,
  InvalidGuestNameError,
  UnsupportedError,
  countCpuList,
  diffSnapshots,
  openHost,
  stateFromLibvirt,
  stateFromLibvirtEvent,
  stateFromLxc,
  stateFromXl,
  type GuestState,
} from '../../lib/host/index.js';
import { virDomainEventType, virDomainState } from '../../lib/libvirt/generated/constants.js';
import { parseStateFlags } from '../../lib/backends/xl/index.js';
import { FakeTransport } from '../../lib/testing/index.js';

const xfx = (f: string): string => readFileSync(join(__dirname, '../fixtures/xl', f), 'utf8');
const lfx = (f: string): string => readFileSync(join(__dirname, '../fixtures/lxc', f), 'utf8');


describe('state mapping', () => {
  it('maps every libvirt virDomainState', () => {
    const m: Record<string, GuestState> = {
      VIR_DOMAIN_NOSTATE: 'unknown',
      VIR_DOMAIN_RUNNING: 'running',
      VIR_DOMAIN_BLOCKED: 'blocked',
      VIR_DOMAIN_PAUSED: 'paused',
      VIR_DOMAIN_SHUTDOWN: 'shutdown',
      VIR_DOMAIN_SHUTOFF: 'shutoff',
      VIR_DOMAIN_CRASHED: 'crashed',
      VIR_DOMAIN_PMSUSPENDED: 'paused',
    };
    for (const [k, v] of Object.entries(m)) expect(stateFromLibvirt(virDomainState[k as keyof typeof virDomainState])).toBe(v);
    expect(stateFromLibvirt(99)).toBe('unknown');
  });

  it('maps libvirt lifecycle events to the state they lead to', () => {
    const E = virDomainEventType;
    expect(stateFromLibvirtEvent(E.VIR_DOMAIN_EVENT_STARTED)).toBe('running');
    expect(stateFromLibvirtEvent(E.VIR_DOMAIN_EVENT_RESUMED)).toBe('running');
    expect(stateFromLibvirtEvent(E.VIR_DOMAIN_EVENT_SUSPENDED)).toBe('paused');
    expect(stateFromLibvirtEvent(E.VIR_DOMAIN_EVENT_PMSUSPENDED)).toBe('paused');
    expect(stateFromLibvirtEvent(E.VIR_DOMAIN_EVENT_STOPPED)).toBe('shutoff');
    expect(stateFromLibvirtEvent(E.VIR_DOMAIN_EVENT_SHUTDOWN)).toBeUndefined(); // STOPPED follows
    expect(stateFromLibvirtEvent(E.VIR_DOMAIN_EVENT_CRASHED)).toBe('crashed');
    expect(stateFromLibvirtEvent(E.VIR_DOMAIN_EVENT_DEFINED)).toBeUndefined();
    expect(stateFromLibvirtEvent(E.VIR_DOMAIN_EVENT_UNDEFINED)).toBeUndefined();
  });

  it("maps xl's state flags (r, b and idle are all running)", () => {
    const s = (f: string): GuestState => stateFromXl(parseStateFlags(f));
    expect(s('r-----')).toBe('running');
    expect(s('-b----')).toBe('running');
    expect(s('------')).toBe('running');
    expect(s('--p---')).toBe('paused');
    expect(s('-bp---')).toBe('paused');
    expect(s('---s--')).toBe('shutdown');
    expect(s('---sr-')).toBe('shutdown');
    expect(s('---sc-')).toBe('crashed');
    expect(s('--ps-d')).toBe('shutdown');
    expect(s('-----d')).toBe('shutdown');
  });

  it("maps LXC's states", () => {
    expect(stateFromLxc('RUNNING')).toBe('running');
    expect(stateFromLxc('STARTING')).toBe('running');
    expect(stateFromLxc('THAWED')).toBe('running');
    expect(stateFromLxc('FROZEN')).toBe('paused');
    expect(stateFromLxc('FREEZING')).toBe('paused');
    expect(stateFromLxc('STOPPED')).toBe('shutoff');
    expect(stateFromLxc('STOPPING')).toBe('shutdown');
    expect(stateFromLxc('ABORTING')).toBe('crashed');
    expect(stateFromLxc('WEIRD')).toBe('unknown');
    for (const x of ['RUNNING', 'FROZEN', 'STOPPED', 'x']) expect(GUEST_STATES).toContain(stateFromLxc(x));
  });

  it('diffs snapshots: changed, appeared, vanished', () => {
    const at = new Date(0);
    const before = new Map<string, GuestState>([['a', 'running'], ['b', 'running'], ['gone', 'paused']]);
    const after = [
      { name: 'a', state: 'running' as const, nativeState: 'RUNNING', id: 1 },
      { name: 'b', state: 'paused' as const, nativeState: 'FROZEN', id: 2 },
      { name: 'new', state: 'shutoff' as const, nativeState: 'STOPPED', id: null },
    ];
    expect(diffSnapshots(before, after, at)).toEqual([
      { name: 'b', state: 'paused', previous: 'running', at },
      { name: 'new', state: 'shutoff', at },
      { name: 'gone', state: 'shutoff', previous: 'paused', at },
    ]);
  });

  it('counts cpuset lists', () => {
    expect(countCpuList('0-3,6,8-9\n')).toBe(7);
    expect(countCpuList('0')).toBe(1);
    expect(countCpuList('')).toBeNull();
    expect(countCpuList('3-1')).toBeNull();
  });
});

describe('xl facade (FakeTransport, real xl output)', () => {
  const make = async (): Promise<{ t: FakeTransport; host: Awaited<ReturnType<typeof openHost>> }> => {
    const t = new FakeTransport();
    t.on('xl list -v', { stdout: xfx('list-v.txt') + 'domU                                         1   128     1     -b----       3.8 6c69ac58-e9a2-11f1-a34d-09bc37fd9280        -                -\n' });
    t.on('xl list -l', { stdout: xfx('list-l.json') });
    t.on('xl list -v domU', { stdout: xfx('list-domU-running.txt').split('\n').filter((l) => !l.startsWith('Domain-0')).join('\n') });
    t.on('xl list -l domU', { stdout: '[]' });
    t.on(/^xl list -[vl] nosuch$/, { code: 1, stderr: xfx('list-nosuch.stderr') });
    const host = await openHost({ kind: 'xen', transport: t, prefer: 'cli', pollIntervalMs: 20 });
    return { t, host };
  };

  it('lists with uniform states', async () => {
    const { host } = await make();
    expect(await host.list()).toEqual([
      { name: 'Domain-0', state: 'running', nativeState: 'r-----', id: 0, uuid: '00000000-0000-0000-0000-000000000000' },
      { name: 'domU', state: 'running', nativeState: '-b----', id: 1, uuid: '6c69ac58-e9a2-11f1-a34d-09bc37fd9280' },
    ]);
  });

  it('lookup of a missing domain is GuestNotFoundError; invalid names never reach xl', async () => {
    const { t, host } = await make();
    await expect(host.lookup('nosuch')).rejects.toBeInstanceOf(GuestNotFoundError);
    const n = t.calls.length;
    await expect(host.lookup('a;b')).rejects.toThrow(InvalidGuestNameError);
    expect(t.calls.length).toBe(n);
  });

  it('drives a domain: stats, stop, force stop, pause, save, restore, console, start', async () => {
    const { t, host } = await make();
    const g = await host.lookup('domU');
    expect(g.backend).toBe('xl');
    expect(await g.stats()).toEqual({ state: 'running', cpuTimeNs: 3_800_000_000n, memoryKiB: 128 * 1024, vcpus: 1 });
    t.calls.length = 0;
    await g.stop();
    await g.stop({ force: true });
    await g.reboot();
    await g.save('/var/lib/xen/save/domU');
    await host.restore('/var/lib/xen/save/domU');
    // each operation reads the state first (xl list), then acts
    expect(t.calls.map((c) => [c.cmd, ...c.args].join(' ')).filter((l) => !l.startsWith('xl list'))).toEqual([
      'xl shutdown domU',
      'xl destroy domU',
      'xl reboot domU',
      'xl save domU /var/lib/xen/save/domU',
      'xl restore /var/lib/xen/save/domU',
    ]);
    // pause: xl pause exits 0 even on failure, so the flag is verified
    t.on('xl list -v domU', { stdout: xfx('list-domU-paused.txt') });
    await g.pause();
    expect((await g.info()).state).toBe('paused');
    const c = await g.console();
    expect(t.calls.at(-1)).toEqual({ kind: 'spawn', cmd: 'xl', args: ['console', 'domU'] });
    c.destroy();
    await expect(g.start()).resolves.toBeUndefined(); // an existing xl domain is started
  });

  it('watch() polls and reports changes (baseline not reported), until aborted', async () => {
    const { t, host } = await make();
    const ac = new AbortController();
    const w = host.watch({ signal: ac.signal, intervalMs: 10 });
    await w.ready;
    t.on('xl list -v', { stdout: xfx('list-v.txt') + 'domU                                         1   128     1     --p---       3.8 6c69ac58-e9a2-11f1-a34d-09bc37fd9280        -                -\n' });
    const [paused] = await take(w, 1);
    expect(paused).toMatchObject({ name: 'domU', state: 'paused', previous: 'running' });
    expect(paused!.at).toBeInstanceOf(Date);
    const w2 = host.watch(ac.signal);
    await w2.ready;
    t.on('xl list -v', { stdout: xfx('list-v.txt') });
    expect(await take(w2, 1)).toMatchObject([{ name: 'domU', state: 'shutoff', previous: 'paused' }]);
    ac.abort();
    expect(await w2.next()).toEqual({ value: undefined, done: true });
  });

  it('close() ends running watches; an aborted signal gives an empty watch', async () => {
    const { host } = await make();
    const w = host.watch({ intervalMs: 10 });
    await w.ready;
    await host.close();
    expect(await w.next()).toEqual({ value: undefined, done: true });
    const ac = new AbortController();
    ac.abort();
    const w2 = host.watch(ac.signal);
    await w2.ready;
    expect(await w2.next()).toEqual({ value: undefined, done: true });
    expect(() => host.watch({ intervalMs: 0 })).toThrow(RangeError);
  });

  it('a failing poll ends the watch with the error', async () => {
    const { t, host } = await make();
    const w = host.watch({ intervalMs: 10 });
    await w.ready;
    t.on('xl list -v', { code: 1, stderr: 'libxl: error: boom' });
    await expect(take(w, 1)).rejects.toThrow(/boom/);
  });
});

describe('lxc facade (FakeTransport, real LXC output)', () => {
  const make = async (): Promise<{ t: FakeTransport; host: Awaited<ReturnType<typeof openHost>> }> => {
    const t = new FakeTransport();
    t.on(/^lxc-ls /, { stdout: lfx('ls-f-F.txt') });
    t.on(/^lxc-info .* -n nosuch$/, { code: 1, stderr: lfx('info-nosuch.stderr') });
    t.on(/^lxc-info .*-H -n vk-cap1$/, { stdout: lfx('info-running-H.txt') });
    t.on(/^lxc-info .*-s -H -n vk-cap1$/, { stdout: 'RUNNING\n' });
    t.on('lxc-cgroup -n vk-cap1 cpuset.cpus.effective', { stdout: '0-3\n' });
    t.on(/^lxc-info .*-H -n vk-cap3-with-a-long-name$/, { stdout: lfx('info-stopped-H.txt') });
    const host = await openHost({ kind: 'lxc', transport: t, prefer: 'cli' });
    return { t, host };
  };

  it('lists containers with uniform states', async () => {
    const { host } = await make();
    expect(await host.list()).toEqual([
      { name: 'vk-cap1', state: 'running', nativeState: 'RUNNING', id: 8738 },
      { name: 'vk-cap2', state: 'paused', nativeState: 'FROZEN', id: 9428 },
      { name: 'vk-cap3-with-a-long-name', state: 'shutoff', nativeState: 'STOPPED', id: null },
    ]);
  });

  it('lookup of a missing container is GuestNotFoundError', async () => {
    const { host } = await make();
    await expect(host.lookup('nosuch')).rejects.toBeInstanceOf(GuestNotFoundError);
  });

  it('stats: cgroup CPU time and memory; vcpus from the cpuset; stopped has zeros', async () => {
    const { host } = await make();
    const g = await host.lookup('vk-cap1');
    expect(await g.stats()).toEqual({ state: 'running', cpuTimeNs: 8678632n, memoryKiB: 636, vcpus: 4 });
    const s = await host.lookup('vk-cap3-with-a-long-name');
    expect(await s.stats()).toEqual({ state: 'shutoff', cpuTimeNs: 0n, memoryKiB: 0, vcpus: null });
  });

  it('operations map to lxc-* commands; save/restore are unsupported', async () => {
    const { t, host } = await make();
    const g = await host.lookup('vk-cap1');
    t.calls.length = 0;
    await g.stop();
    await g.stop({ force: true });
    await g.reboot();
    expect(t.calls.map((c) => [c.cmd, ...c.args].join(' ')).filter((l) => !l.startsWith('lxc-info'))).toEqual(['lxc-stop -n vk-cap1', 'lxc-stop -n vk-cap1 -k', 'lxc-stop -n vk-cap1 -r']);
    t.on(/^lxc-info .*-s -H -n vk-cap1$/, { stdout: 'FROZEN\n' });
    await g.pause();
    expect(t.calls.some((c) => c.cmd === 'lxc-freeze')).toBe(true);
    await expect(g.save('/tmp/x')).rejects.toBeInstanceOf(UnsupportedError);
    await expect(host.restore('/tmp/x')).rejects.toBeInstanceOf(UnsupportedError);
    // lxc-stop -r on a stopped container: exit 2
    t.on('lxc-stop -n vk-cap1 -r', { code: 2, stderr: 'lxc-stop: vk-cap1: ../src/lxc/tools/lxc_stop.c: main: 168 vk-cap1 is not running' });
    await expect(g.reboot()).rejects.toBeInstanceOf(GuestStateError);
  });
});
