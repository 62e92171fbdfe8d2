import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../lib/backends/errors.js';
import { FakeTransport } from '../../lib/testing/index.js';
import { validateDomainRef, validateInt, validateName, validatePath } from '../../lib/backends/transport/index.js';
import { Lxc } from '../../lib/backends/lxc/index.js';
import { Xl } from '../../lib/backends/xl/index.js';

const BAD_NAMES: unknown[] = [
  '',
  'a b',
  ' lead',
  'trail ',
  '-rf',
  '--help',
  'a;rm -rf /',
  'a|b',
  'a&b',
  '$(id)',
  '`id`',
  "it's",
  'a"b',
  'a\nb',
  'a\tb',
  'a\0b',
  'a\x1bb',
  'a/b',
  '../etc',
  '.',
  '..',
  'a*',
  'x'.repeat(65),
  42.5,
  null,
  undefined,
  {},
];

describe('validation', () => {
  it('accepts ordinary names', () => {
    for (const n of ['c1', 'Domain-0', 'web_1.example', 'vk-test-abc123', 'a+b', 'x'.repeat(64)]) expect(validateName(n)).toBe(n);
    expect(validateDomainRef(0)).toBe('0');
    expect(validateDomainRef('12')).toBe('12');
  });

  it.each(BAD_NAMES.map((n) => [JSON.stringify(n) ?? String(n), n]))('rejects name %s', (_label, n) => {
    expect(() => validateName(n)).toThrow(InvalidArgumentError);
  });

  it('validates numbers and paths', () => {
    expect(() => validateInt(1.5, 'n')).toThrow(InvalidArgumentError);
    expect(() => validateInt(Number.NaN, 'n')).toThrow(InvalidArgumentError);
    expect(() => validateInt(-1, 'n')).toThrow(InvalidArgumentError);
    expect(() => validateInt('3' as never, 'n')).toThrow(InvalidArgumentError);
    expect(() => validateDomainRef(-1)).toThrow(InvalidArgumentError);
    expect(() => validateDomainRef(99999)).toThrow(InvalidArgumentError);
    expect(() => validatePath('-o')).toThrow(InvalidArgumentError);
    expect(() => validatePath('/a\nb')).toThrow(InvalidArgumentError);
    expect(validatePath('/tmp/with space')).toBe('/tmp/with space');
  });
});

describe('bad arguments are rejected BEFORE any process starts', () => {
  const bad = ['a b', '-x', 'a;b', '', 'a\nb', 'x'.repeat(100)];

  it('Xl', async () => {
    const t = new FakeTransport();
    const xl = new Xl(t);
    for (const n of bad) {
      await expect(xl.listOne(n)).rejects.toBeInstanceOf(InvalidArgumentError);
      await expect(xl.destroy(n)).rejects.toBeInstanceOf(InvalidArgumentError);
      await expect(xl.shutdown(n, { wait: true })).rejects.toBeInstanceOf(InvalidArgumentError);
      await expect(xl.pause(n)).rejects.toBeInstanceOf(InvalidArgumentError);
      await expect(xl.unpause(n)).rejects.toBeInstanceOf(InvalidArgumentError);
      await expect(xl.save(n, '/tmp/x')).rejects.toBeInstanceOf(InvalidArgumentError);
      await expect(xl.domid(n)).rejects.toBeInstanceOf(InvalidArgumentError);
      await expect(xl.create({ name: n })).rejects.toBeInstanceOf(InvalidArgumentError);
      expect(() => xl.console(n)).toThrow(InvalidArgumentError);
    }
    await expect(xl.vcpuSet('d', 0)).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(xl.vcpuSet('d', 1.5)).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(xl.memSet('d', 'lots')).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(xl.memSet('d', -1)).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(xl.save('d', '-f')).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(xl.domname(-3)).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(xl.create({ name: 'ok', memory: 0 })).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(xl.shutdown('d', { timeoutMs: -1 })).rejects.toBeInstanceOf(InvalidArgumentError);
    expect(t.calls).toEqual([]);
  });

  it('Lxc', async () => {
    const t = new FakeTransport();
    const lxc = new Lxc(t);
    for (const n of bad) {
      await expect(lxc.create(n, { template: 'busybox' })).rejects.toBeInstanceOf(InvalidArgumentError);
      await expect(lxc.start(n)).rejects.toBeInstanceOf(InvalidArgumentError);
      await expect(lxc.stop(n)).rejects.toBeInstanceOf(InvalidArgumentError);
      await expect(lxc.freeze(n)).rejects.toBeInstanceOf(InvalidArgumentError);
      await expect(lxc.attach(n, ['true'])).rejects.toBeInstanceOf(InvalidArgumentError);
      await expect(lxc.info(n)).rejects.toBeInstanceOf(InvalidArgumentError);
      await expect(lxc.destroy(n)).rejects.toBeInstanceOf(InvalidArgumentError);
      await expect(lxc.copy('ok', n)).rejects.toBeInstanceOf(InvalidArgumentError);
      await expect(lxc.snapshotRestore('ok', n)).rejects.toBeInstanceOf(InvalidArgumentError);
      await expect(lxc.setConfig(n, 'lxc.start.auto', 1)).rejects.toBeInstanceOf(InvalidArgumentError);
      expect(() => lxc.console(n)).toThrow(InvalidArgumentError);
    }
    await expect(lxc.create('ok', { template: 'busybox', config: { 'lxc.net.0.type': 'empty\nlxc.hook.start = /evil' } })).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(lxc.create('ok', { backingStore: 'nfs' as never })).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(lxc.setConfig('ok', 'lxc.x\nlxc.y', '1')).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(lxc.setConfig('ok', 'lxc.x', 'a\nb')).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(lxc.attach('ok', [])).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(lxc.attach('ok', ['true'], { env: { 'A B': '1' } })).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(lxc.wait('ok', ['BOGUS' as never], 1)).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(lxc.wait('ok', ['RUNNING'], -1)).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(lxc.cgroupSet('ok', 'memory.max; rm', '1')).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(lxc.cgroupSet('ok', 'memory.max', '-1')).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(lxc.setAutostart('ok', { order: 1.5 })).rejects.toBeInstanceOf(InvalidArgumentError);
    expect(t.calls).toEqual([]);
  });
});
