// What makes an awaited call cheap must not change what it returns or holds: references a
// call holds are all dropped (close() then reports the last one), result objects keep their
// fields and order, and a rejection's stack names its caller in each stack mode. The paths
// taken without the shortcuts (environment switches) are run in a child and must agree.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Connect, LibvirtError, diagnostics, setCaptureStacks } from '../../lib/libvirt/index.js';
import { nodeXML } from '../bench/node-xml.js';
import { parseResult, runChild } from '../helpers/fuzz-child.js';

const INFO_KEYS = ['state', 'maxMem', 'memory', 'nrVirtCpu', 'cpuTime'];

async function failing(conn: Connect): Promise<LibvirtError> {
  const dom = await conn.domainLookupByName('test');
  try {
    return (await dom.getXMLDesc(0xffff).catch((x: unknown) => x)) as LibvirtError; // unsupported flags
  } finally {
    dom.free();
  }
}

describe('awaited calls: references, shapes, stacks', () => {
  afterEach(() => setCaptureStacks('await'));

  it('2,000 calls (half failing) leave no reference behind: close() after free() reports 0', async () => {
    const conn = await Connect.open('test:///default');
    const dom = await conn.domainLookupByName('test');
    let failures = 0;
    for (let i = 0; i < 1000; i++) {
      await dom.getInfo();
      await dom.getXMLDesc(0xffff).catch(() => failures++);
    }
    await Promise.all(Array.from({ length: 64 }, () => dom.getInfo()));
    expect(failures).toBe(1000);
    dom.free();
    expect(await conn.close()).toBe(0);
  });

  it('a struct result is a plain object with the C fields in order; several results are one object', async () => {
    const conn = await Connect.open('test:///default');
    const dom = await conn.domainLookupByName('test');
    const info = await dom.getInfo();
    expect(Object.keys(info)).toEqual(INFO_KEYS);
    expect(Object.getPrototypeOf(info)).toBe(Object.prototype);
    expect(typeof info.cpuTime).toBe('bigint');
    expect(info.nrVirtCpu).toBe(2);
    const a = await dom.getInfo();
    a.memory = 1; // an ordinary object: writable, and not shared between results
    expect((await dom.getInfo()).memory).not.toBe(1);
    expect(await dom.getState(0)).toEqual({ state: 1, reason: expect.any(Number) });
    const node = await conn.nodeGetInfo();
    expect(Object.keys(node)).toEqual(['model', 'memory', 'cpus', 'mhz', 'nodes', 'sockets', 'cores', 'threads']);
    expect(node.model).toBe('i686'); // the test driver's node
    dom.free();
    await conn.close();
  });

  it("default 'await' mode: the rejection's stack names the awaiting functions of this file", async () => {
    const conn = await Connect.open('test:///default');
    async function callerWithAName(): Promise<LibvirtError> {
      return await failing(conn);
    }
    const e = await callerWithAName();
    expect(e).toBeInstanceOf(LibvirtError);
    expect(e.stack).toMatch(/^LibvirtError: unsupported flags/);
    expect(e.stack).toMatch(/at (async )?failing .*37-call-costs\.test\.ts/);
    expect(e.stack).toMatch(/at (async )?callerWithAName .*37-call-costs\.test\.ts/);
    expect(e.code).toBeGreaterThan(0); // the fields survive the re-capture
    await conn.close();
  });

  it('true: the synchronous stack at the call, also for a caller that does not await', async () => {
    setCaptureStacks(true);
    const conn = await Connect.open('test:///default');
    const dom = await conn.domainLookupByName('test');
    function plainCaller(): Promise<unknown> {
      return dom.getXMLDesc(0xffff).then(() => null, (x: unknown) => x);
    }
    const e = (await plainCaller()) as LibvirtError;
    expect(e.stack).toMatch(/at plainCaller .*37-call-costs\.test\.ts/);
    setCaptureStacks('await');
    const f = (await plainCaller()) as LibvirtError; // no await chain: no caller frames
    expect(f.stack).not.toContain('plainCaller');
    dom.free();
    await conn.close();
  });

  it('false: no caller frames; a wrong mode is a TypeError', async () => {
    setCaptureStacks(false);
    const conn = await Connect.open('test:///default');
    const e = await failing(conn);
    expect(e).toBeInstanceOf(LibvirtError);
    expect(e.stack).not.toContain('37-call-costs');
    expect(() => setCaptureStacks('sometimes' as never)).toThrow(TypeError);
    expect(() => setCaptureStacks(undefined as never)).toThrow(TypeError);
    await conn.close();
  });

  it.each([
    ['VIRTKIT_PUBLIC_REFS', { VIRTKIT_PUBLIC_REFS: '1' }],
    ['VIRTKIT_NO_SCRIPTS', { VIRTKIT_NO_SCRIPTS: '1' }],
  ])('with %s set the same calls give the same results and leave no reference', async (_n, env) => {
    const r = await runChild('call-cost-child', { env, timeoutMs: 60_000 });
    const res = parseResult(r, 'COST_RESULT');
    expect(res.keys).toEqual(INFO_KEYS);
    expect(res.info).toMatchObject({ state: 1, nrVirtCpu: 2, cpuTime: 'bigint' });
    expect(res.state).toEqual({ state: 1, reason: expect.any(Number) });
    expect(res.stats).toEqual([{ keys: ['domain', 'params'], name: 'test', same: true, params: { 'state.state': 1, 'state.reason': expect.any(Number) } }]);
    expect(res.failures).toBe(500);
    expect(res.left).toBe(0);
    expect(res.stack).toMatch(/^LibvirtError: unsupported flags/);
  }, 90_000);
});

// The JS thread busy-polls for a result only while the calls it awaits are short: after a call
// that ran longer than the poll (VIRTKIT_SPIN_US, 50 µs by default), a poll would end empty and
// hold a core the call's own threads need (on 2 cores that put 30-50% on bulk stats' mean).
// Before the last call's run time was consulted, 200 bulk-stats calls over 100 domains still
// started 64-73 polls here.
describe('busy-polling for results', () => {
  it('polls while awaiting short calls, not after calls longer than the poll', async () => {
    if (process.env.VIRTKIT_SPIN_US !== undefined) throw new Error('run without VIRTKIT_SPIN_US: this test checks its default');
    const dir = mkdtempSync(join(tmpdir(), 'vk-spin-'));
    const file = join(dir, 'node.xml');
    writeFileSync(file, nodeXML(100, 'spin'));
    const conn = await Connect.open('test://' + file);
    try {
      for (let i = 0; i < 20; i++) await conn.getAllDomainStats(0, 0); // ~150-400 µs each on the pool
      let s0 = diagnostics().spins;
      for (let i = 0; i < 200; i++) await conn.getAllDomainStats(0, 0);
      const afterLong = diagnostics().spins - s0;
      const dom = await conn.domainLookupByName('spin-000');
      s0 = diagnostics().spins;
      for (let i = 0; i < 200; i++) await dom.getInfo(); // a few µs each
      const afterShort = diagnostics().spins - s0;
      expect(afterLong).toBeLessThanOrEqual(10);
      expect(afterShort).toBeGreaterThan(0);
      dom.free();
    } finally {
      await conn.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
