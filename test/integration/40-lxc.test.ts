/**
 * LXC backend against REAL containers on this machine (busybox template, no network:
 * `lxc.net.0.type = empty`). Needs root and the packages from scripts/setup-lxc.sh.
 * Without lxc: skipped locally, FAILS when $CI is set.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { NotFoundError, StateError } from '../../lib/backends/errors.js';
import { Lxc } from '../../lib/backends/lxc/index.js';
import { LocalTransport } from '../../lib/backends/transport/index.js';
import { requireLxc } from '../helpers/lxc.js';

const available = requireLxc('LXC integration test');
const id = randomBytes(4).toString('hex');
const NAME = `vk-test-${id}`;
const COPY = `vk-test-${id}-copy`;
const RESTORED = `vk-test-${id}-rest`;
const lxc = new Lxc(new LocalTransport());

describe.skipIf(!available)('LXC lifecycle on real containers', () => {
  afterAll(async () => {
    for (const n of [NAME, COPY, RESTORED]) {
      await lxc.destroy(n, { force: true, snapshots: true }).catch(() => undefined);
    }
  });

  it('creates a busybox container without network', async () => {
    await lxc.create(NAME, { template: 'busybox', config: { 'lxc.net.0.type': 'empty', 'lxc.apparmor.profile': 'unconfined' } });
    expect(await lxc.exists(NAME)).toBe(true);
    expect(await lxc.getConfigItem(NAME, 'lxc.net.0.type')).toEqual(['empty']);
    await expect(lxc.create(NAME, { template: 'busybox' })).rejects.toBeInstanceOf(StateError);
  });

  it('edits autostart settings in the config file', async () => {
    await lxc.setAutostart(NAME, { enabled: true, order: 7, groups: ['vktest', 'web'] });
    expect(await lxc.getAutostart(NAME)).toMatchObject({ enabled: true, order: 7, groups: ['vktest', 'web'] });
    const row = (await lxc.ls()).find((r) => r.name === NAME)!;
    expect(row).toMatchObject({ state: 'STOPPED', pid: null, autostart: true, groups: ['vktest', 'web'] });
    await lxc.setAutostart(NAME, { enabled: false, groups: [] });
    expect(await lxc.getAutostart(NAME)).toMatchObject({ enabled: false, groups: [] });
  });

  it('stop on a stopped container reports wasRunning=false; unfreeze is a StateError', async () => {
    expect(await lxc.stop(NAME)).toEqual({ wasRunning: false });
    await expect(lxc.unfreeze(NAME)).rejects.toBeInstanceOf(StateError);
    await expect(lxc.freeze(NAME)).rejects.toBeInstanceOf(StateError);
  });

  it('starts and reports RUNNING in ls and info', async () => {
    await lxc.start(NAME);
    const info = await lxc.info(NAME);
    expect(info.state).toBe('RUNNING');
    expect(info.pid).toBeGreaterThan(0);
    const row = (await lxc.ls({ running: true })).find((r) => r.name === NAME);
    expect(row).toMatchObject({ state: 'RUNNING', pid: info.pid });
    await expect(lxc.start(NAME)).rejects.toBeInstanceOf(StateError);
  });

  it('attaches: output, exit codes, env, cwd', async () => {
    expect(await lxc.attach(NAME, ['echo', 'hello world'])).toEqual({ stdout: 'hello world\n', stderr: '', exitCode: 0 });
    expect((await lxc.attach(NAME, ['sh', '-c', 'exit 3'])).exitCode).toBe(3);
    expect((await lxc.attach(NAME, ['no-such-command-xyz'])).exitCode).toBe(127);
    const env = await lxc.attach(NAME, ['sh', '-c', 'printf %s "$VK_VAR"'], { env: { VK_VAR: "a 'b' $c" } });
    expect(env.stdout).toBe("a 'b' $c");
    expect((await lxc.attach(NAME, ['pwd'], { cwd: '/tmp' })).stdout).toBe('/tmp\n');
    expect((await lxc.attach(NAME, ['cat'], { input: 'from stdin' })).stdout).toBe('from stdin');
  });

  it('freezes and unfreezes', async () => {
    await lxc.freeze(NAME);
    expect(await lxc.state(NAME)).toBe('FROZEN');
    expect((await lxc.ls({ frozen: true })).map((r) => r.name)).toContain(NAME);
    await lxc.unfreeze(NAME);
    expect(await lxc.state(NAME)).toBe('RUNNING');
  });

  it('reads a cgroup value', async () => {
    const v1 = await lxc.cgroupGet(NAME, 'memory.limit_in_bytes').catch(() => undefined);
    const v2 = await lxc.cgroupGet(NAME, 'memory.max').catch(() => undefined);
    expect(v1 ?? v2).toMatch(/^(\d+|max)$/);
  });

  it('stops; wait() sees STOPPED', async () => {
    expect(await lxc.stop(NAME, { kill: true })).toEqual({ wasRunning: true });
    expect(await lxc.wait(NAME, ['STOPPED'], 10)).toBe(true);
    expect(await lxc.wait(NAME, ['RUNNING'], 1)).toBe(false);
  });

  it('snapshots: create, list, restore into a new container, destroy', async () => {
    const snap = await lxc.snapshotCreate(NAME, { comment: 'first snapshot' });
    const list = await lxc.snapshotList(NAME);
    expect(list).toContainEqual(expect.objectContaining({ name: snap, comment: 'first snapshot' }));
    await lxc.snapshotRestore(NAME, snap, { newName: RESTORED });
    expect(await lxc.exists(RESTORED)).toBe(true);
    await lxc.snapshotDestroy(NAME, snap);
    expect(await lxc.snapshotList(NAME)).toEqual([]);
    await expect(lxc.snapshotDestroy(NAME, 'snap99')).rejects.toBeInstanceOf(NotFoundError);
  });

  it('copies, and the copy runs', async () => {
    await lxc.copy(NAME, COPY);
    await lxc.start(COPY);
    expect((await lxc.attach(COPY, ['hostname'])).stdout.trim()).toBe(COPY);
    await lxc.stop(COPY, { kill: true });
  });

  it('destroys; missing containers give NotFoundError', async () => {
    for (const n of [COPY, RESTORED, NAME]) await lxc.destroy(n);
    expect(await lxc.exists(NAME)).toBe(false);
    await expect(lxc.destroy(NAME)).rejects.toBeInstanceOf(NotFoundError);
    await expect(lxc.info(NAME)).rejects.toBeInstanceOf(NotFoundError);
    await expect(lxc.stop(NAME)).rejects.toBeInstanceOf(NotFoundError);
  });
});
