// What makes an awaited call cheap must not change what it returns or holds: references a
// call holds are all dropped (close() then reports the last one), result objects keep their
// fields and order, and a rejection's stack names its caller in each stack mode. The paths
// taken without the shortcuts (environment switches) are run in a child and must agree.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Connect, Domain, LibvirtError, diagnostics, setCaptureStacks } from '../../lib/libvirt/index.js';
import { nodeXML } from '../bench/node-xml.js';
import { parseResult, runChild } from '../helpers/fuzz-child.js';

setFlagsFromString('--expose-gc'); // for runInNewContext('gc') in the receiver test

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

  it('the receiver check is the same right after a call on the same object (the last receiver is remembered)', async () => {
    const conn = await Connect.open('test:///default');
    const def = (n: string) =>
      conn.domainDefineXML(`<domain type="test"><name>${n}</name><memory>1024</memory><os><type>hvm</type></os></domain>`);
    const a = await def('vk-receiver-a');
    const b = await def('vk-receiver-b');
    const c = await def('vk-receiver-c');
    const net = await conn.networkLookupByName('default');
    const getInfo = Domain.prototype.getInfo as (this: unknown) => Promise<unknown>;
    // A run of calls on one object makes it the remembered one, whatever came before
    // (after a miss only every 16th miss in a row swaps the remembered object).
    const remember = (d: Domain) => {
      for (let k = 0; k < 20; k++) d.getName();
    };
    const named: Array<[Domain, string]> = [[a, 'vk-receiver-a'], [b, 'vk-receiver-b'], [c, 'vk-receiver-c']];
    for (let i = 0; i < 3; i++) {
      // Receivers in turn each answer for their own domain, while the remembered one is
      // any of them.
      for (let k = 0; k < 40; k++) for (const [d, name] of named) expect(d.getName()).toBe(name);
      remember(a);
      expect((await a.getInfo()).state).toBe(5); // shut off
      await b.create();
      expect((await b.getInfo()).state).toBe(1); // running: b's own info
      expect((await a.getInfo()).state).toBe(5);
      await b.destroy();
      // While `a` is the remembered receiver, objects that are not `a` are still refused.
      remember(a);
      expect(() => getInfo.call(Object.create(a))).toThrow(TypeError);
      remember(a);
      expect(() => getInfo.call(net)).toThrow(TypeError);
      remember(a);
      expect(() => getInfo.call({})).toThrow(TypeError);
    }
    // A freed receiver fails on the next call, although it is the remembered one.
    remember(a);
    a.free();
    await expect(a.getInfo()).rejects.toThrow(/has been freed/);
    expect(() => a.getName()).toThrow(/has been freed/);
    // A collected receiver: its successor (a new wrapper from a lookup) works.
    const gc = runInNewContext('gc', undefined) as () => void;
    // A fresh wrapper, remembered and dropped (nothing holds it after this returns).
    const useOnce = async () => {
      const d = await conn.domainLookupByName('vk-receiver-a');
      remember(d);
      expect(d.getName()).toBe('vk-receiver-a');
    };
    for (let i = 0; i < 3; i++) {
      await useOnce();
      await new Promise((r) => setImmediate(r));
      gc();
      await useOnce();
    }
    await c.undefine();
    await b.undefine();
    await (await conn.domainLookupByName('vk-receiver-a')).undefine();
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
  it('a long run of short awaited calls still lets immediates and timers run (the poll is bounded)', async () => {
    const conn = await Connect.open('test:///default');
    const dom = await conn.domainLookupByName('test');
    let i = 0;
    let immediateAt = -1;
    let timerAt = -1;
    setImmediate(() => (immediateAt = i));
    setTimeout(() => (timerAt = i), 1);
    for (; i < 20_000; i++) await dom.getInfo();
    // A poll is not started while an immediate or a timer is due, and ends within ~0.5 ms; one
    // that ends with a call in flight keeps the loop's poll from sleeping, not from running
    // what is due: both ran long before the loop ended.
    expect(immediateAt).toBeGreaterThanOrEqual(0);
    expect(immediateAt).toBeLessThan(5_000);
    expect(timerAt).toBeGreaterThanOrEqual(0);
    expect(timerAt).toBeLessThan(10_000);
    dom.free();
    await conn.close();
  });

  it('polls while awaiting short calls, not after calls longer than the poll', async () => {
    if (process.env.VIRTKIT_SPIN_US !== undefined) throw new Error('run without VIRTKIT_SPIN_US: this test checks its default');
    const dir = mkdtempSync(join(tmpdir(), 'vk-spin-'));
    const file = join(dir, 'node.xml');
    // 1,000 domains: over 100, a call ran on its pool thread for 40-60 us on a faster machine,
    // at the poll's own 50 us, and the poll rightly ran after some of them.
    writeFileSync(file, nodeXML(1000, 'spin'));
    const conn = await Connect.open('test://' + file);
    try {
      for (let i = 0; i < 20; i++) await conn.getAllDomainStats(0, 0); // ~0.5-3 ms each on the pool
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
