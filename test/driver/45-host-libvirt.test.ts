/**
 * lib/host: the libvirt facade on test:///default (in-process libvirt; the xl/lxc facades and
 * state mapping are unit tests in test/unit/24-host.test.ts).
 */
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { take } from '../helpers/watch.js';
import { GuestNotFoundError, HostOpenError, LibvirtHost, libvirtUri, openHost } from '../../lib/host/index.js';
import { SshTransport } from '../../lib/backends/transport/index.js';
import { FakeTransport } from '../../lib/testing/index.js';
import { LibvirtError, virDomainEventType } from '../../lib/index.js';


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
    for (const kind of ['toString', 'constructor', 'nope']) {
      expect(() => libvirtUri(kind as never), kind).toThrow(/kind must be one of kvm, qemu, xen, lxc, test/);
    }
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
