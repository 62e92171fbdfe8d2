/**
 * lib/host: state mapping, backend selection and the xl/lxc facades on FakeTransport (real
 * xl 4.17 / LXC 5.0.2 outputs from test/fixtures), and the libvirt facade on test:///default.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  GUEST_STATES,
  GuestNotFoundError,
  GuestStateError,
  InvalidGuestNameError,
  HostOpenError,
  LibvirtHost,
  UnsupportedError,
  countCpuList,
  diffSnapshots,
  libvirtUri,
  openHost,
  stateFromLibvirt,
  stateFromLibvirtEvent,
  stateFromLxc,
  stateFromXl,
  type GuestState,
  type StateChange,
  type StateWatch,
} from '../../lib/host/index.js';
import { LibvirtError, virDomainEventType, virDomainState } from '../../lib/index.js';
import { parseStateFlags } from '../../lib/backends/xl/index.js';
import { SshTransport } from '../../lib/backends/transport/index.js';
import { FakeTransport } from '../../lib/testing/index.js';

const xfx = (f: string): string => readFileSync(join(__dirname, '../fixtures/xl', f), 'utf8');
const lfx = (f: string): string => readFileSync(join(__dirname, '../fixtures/lxc', f), 'utf8');

/** Collect `n` changes from a watch, failing after `ms`. */
async function take(w: StateWatch, n: number, ms = 5_000): Promise<StateChange[]> {
  const out: StateChange[] = [];
  const timer = setTimeout(() => void w.return?.(), ms);
  try {
    for await (const c of w) {
      out.push(c);
      if (out.length >= n) break;
    }
  } finally {
    clearTimeout(timer);
  }
  return out;
}

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

describe('backend selection', () => {
  it('derives libvirt URIs, local and over SSH', () => {
    expect(libvirtUri('kvm')).toBe('qemu:///system');
    expect(libvirtUri('qemu')).toBe('qemu:///system');
    expect(libvirtUri('xen')).toBe('xen:///system');
    expect(libvirtUri('lxc')).toBe('lxc:///system');
    expect(libvirtUri('test')).toBe('test:///default');
    expect(libvirtUri('xen', { host: 'xenhost', user: 'root', port: 2222, identityFile: '/k/id ed' })).toBe(
      'xen+ssh://root@xenhost:2222/system?keyfile=%2Fk%2Fid%20ed&no_tty=1',
    );
    expect(libvirtUri('qemu', { host: '::1' })).toBe('qemu+ssh://[::1]/system?no_tty=1');
  });

  it('xen without a libvirt Xen driver falls back to xl and says why', async () => {
    const t = new FakeTransport();
    const host = await openHost({ kind: 'xen', transport: t });
    expect(host.backend).toBe('xl');
    expect(host.uri).toBe('xen:///system');
    expect(host.fallbackReason).toBeInstanceOf(LibvirtError);
    expect((host.fallbackReason as LibvirtError).codeName).toBe('VIR_ERR_NO_CONNECT');
    expect(host.selection).toMatch(/^xl: libvirt xen:\/\/\/system failed \(.*\); using xl over fake$/);
    // the xl backend was checked once before being chosen
    expect(t.calls).toEqual([{ kind: 'run', cmd: 'xl', args: ['list'] }]);
    await host.close();
  });

  it("prefer: 'cli' does not try libvirt", async () => {
    const t = new FakeTransport();
    const host = await openHost({ kind: 'lxc', transport: t, prefer: 'cli' });
    expect(host.backend).toBe('lxc');
    expect(host.fallbackReason).toBeUndefined();
    expect(host.uri).toBeUndefined();
    expect(host.selection).toMatch(/prefer 'cli'/);
    expect(t.calls).toEqual([{ kind: 'run', cmd: 'lxc-ls', args: ['--version'] }]);
  });

  it('a rejecting probe makes it fall back, with the probe error as the reason', async () => {
    const t = new FakeTransport();
    const why = new Error('libvirt LXC cannot start containers on this cgroup layout');
    let probed = false;
    const host = await openHost({
      kind: 'lxc',
      uri: 'test:///default', // opens fine; the probe decides
      transport: t,
      probe: async (conn) => {
        probed = (await conn.getType()) === 'TEST';
        throw why;
      },
    });
    expect(probed).toBe(true);
    expect(host.backend).toBe('lxc');
    expect(host.fallbackReason).toBe(why);
  });

  it('throws HostOpenError when neither libvirt nor the CLI works', async () => {
    const t = new FakeTransport().on('xl list', { code: 1, stderr: 'xc: error: Could not obtain handle on privileged command interface (2 = No such file or directory)' });
    const e = await openHost({ kind: 'xen', transport: t }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(HostOpenError);
    expect((e as HostOpenError).libvirtError).toBeInstanceOf(LibvirtError);
    expect((e as HostOpenError).message).toMatch(/privileged command interface/);
    const q = await openHost({ kind: 'qemu', uri: 'nosuchdriver:///x' }).catch((x: unknown) => x);
    expect(q).toBeInstanceOf(HostOpenError);
    expect((q as HostOpenError).cliError).toBeUndefined();
  });

  it('SSH settings build an SshTransport and a +ssh URI; an SshTransport instance gives the same URI', async () => {
    const bad = await openHost({ kind: 'xen', transport: { host: '-oProxyCommand=x' } }).catch((x: unknown) => x);
    expect((bad as Error).message).toMatch(/invalid host/);
    const t = new SshTransport({ host: 'xenhost.invalid', user: 'root', port: 2222 });
    // libvirt's ssh to a .invalid host fails at once; verifyCli false: xl is not run
    const h = await openHost({ kind: 'xen', transport: t, verifyCli: false, openTimeoutMs: 20_000 });
    expect(h.backend).toBe('xl');
    expect(h.uri).toBe('xen+ssh://root@xenhost.invalid:2222/system?no_tty=1');
    expect(h.fallbackReason).toBeInstanceOf(LibvirtError);
    expect(h.selection).toContain('using xl over ssh root@xenhost.invalid:2222');
    await expect(openHost({ kind: 'nope' as never })).rejects.toThrow(TypeError);
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

describe('libvirt facade on test:///default', () => {
  const id = randomBytes(4).toString('hex');
  const NAME = `vk-host-${id}`;
  const SAVE = join(tmpdir(), `vk-host-${id}.save`);
  const xml = `<domain type="test"><name>${NAME}</name><memory>65536</memory><vcpu>2</vcpu><os><type>hvm</type></os></domain>`;
  let host: LibvirtHost | undefined;

  afterAll(async () => {
    if (host) {
      const d = await host.connection.domainLookupByName(NAME).catch(() => undefined);
      if (d) {
        await d.destroy().catch(() => undefined);
        await d.undefine().catch(() => undefined);
      }
      await host.close();
    }
    rmSync(SAVE, { force: true });
  });

  it('opens through libvirt and lists the running domain "test"', async () => {
    const h = await openHost({ kind: 'test' });
    expect(h.backend).toBe('libvirt');
    expect(h).toBeInstanceOf(LibvirtHost);
    host = h as LibvirtHost;
    expect(h.uri).toBe('test:///default');
    expect(h.fallbackReason).toBeUndefined();
    const test = (await h.list()).find((g) => g.name === 'test');
    expect(test).toMatchObject({ state: 'running', nativeState: 'VIR_DOMAIN_RUNNING', id: 1 });
    expect(test!.uuid).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('drives a domain through the lifecycle, watched by lifecycle events', async () => {
    const h = host!;
    await (await h.connection.domainDefineXML(xml)).free();
    const g = await h.lookup(NAME);
    expect(await g.info()).toMatchObject({ name: NAME, state: 'shutoff', id: null });
    const w = h.watch();
    await w.ready;
    await g.start();
    await g.pause();
    expect((await g.stats()).state).toBe('paused');
    await g.resume();
    const st = await g.stats();
    expect(st).toMatchObject({ state: 'running', memoryKiB: 65536, vcpus: 2 });
    expect(typeof st.cpuTimeNs).toBe('bigint');
    await g.save(SAVE);
    expect((await g.info()).state).toBe('shutoff');
    await h.restore(SAVE);
    expect((await g.info()).state).toBe('running');
    await g.stop({ force: true });
    const changes = (await take(w, 6)).filter((c) => c.name === NAME);
    expect(changes.map((c) => [c.previous, c.state])).toEqual([
      ['shutoff', 'running'],
      ['running', 'paused'],
      ['paused', 'running'],
      ['running', 'shutoff'],
      ['shutoff', 'running'],
      ['running', 'shutoff'],
    ]);
    expect(changes[0]!.event).toEqual({ type: virDomainEventType.VIR_DOMAIN_EVENT_STARTED, detail: 0 });
  });

  it('not found is GuestNotFoundError; invalid operations are GuestStateError; console is Domain#console()', async () => {
    const h = host!;
    const e = await h.lookup(`nosuch-${id}`).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(GuestNotFoundError);
    expect((e as GuestNotFoundError).cause).toBeInstanceOf(LibvirtError);
    const g = await h.lookup(NAME);
    await expect(g.pause()).rejects.toMatchObject({ name: 'GuestStateError', expected: 'running', actual: 'shutoff' });
    // the test driver has no consoles: libvirt's own error, not "unsupported"
    await expect(g.console()).rejects.toBeInstanceOf(LibvirtError);
  });

  it('close() ends open watches and is idempotent', async () => {
    const h = await openHost({ kind: 'test' });
    const w = h.watch();
    await w.ready;
    await h.close();
    await h.close();
    expect(await w.next()).toEqual({ value: undefined, done: true });
  });
});
