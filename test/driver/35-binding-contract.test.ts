// The binding keeps C's contract: the C return value is never dropped for an
// out-parameter, NULL-able pointer arguments take null, truth values are booleans.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { native } from '../../lib/libvirt/binding.js';
import {
  Connect, LibvirtError, VIR_DOMAIN_RUNNING, VIR_DOMAIN_SHUTOFF, type virDomainState, type virDomainInfo,
} from '../../lib/index.js';
import { testDomainXML, uniq } from '../helpers/index.js';

type Param = { name: string; ts: string };
type Entry = { c: string; status: string; js?: string; owner?: string; static?: boolean; params?: Param[] };
const manifest: Entry[] = JSON.parse(readFileSync(join(__dirname, '../../lib/libvirt/generated/manifest.json'), 'utf8'));
const CLASSES = ['Connect', 'Domain', 'Network', 'NetworkPort', 'StoragePool', 'StorageVol', 'Interface',
  'NodeDevice', 'Secret', 'NWFilter', 'NWFilterBinding', 'DomainSnapshot', 'DomainCheckpoint', 'Stream'];

describe('return values and out-parameters', () => {
  it('Domain#getSchedulerType resolves to the scheduler name (the C return value)', async () => {
    const conn = await Connect.open('test:///default');
    const dom = await conn.domainLookupByName('test');
    expect(await dom.getSchedulerType()).toBe('fair');
    dom.free();
    await conn.close();
  });
});

describe('NULL-able pointer arguments take null', () => {
  it('Connect.openAuth with a null auth opens (C accepts a NULL virConnectAuthPtr)', async () => {
    const conn = await Connect.openAuth('test:///default', null, 0);
    expect(await conn.getURI()).toBe('test:///default');
    expect(await conn.close()).toBe(0);
  });

  it('Domain#saveFlags and Connect#domainRestoreFlags take a null dxml', async () => {
    const conn = await Connect.open('test:///default');
    const name = uniq('gen-save');
    const dom = await conn.domainDefineXML(testDomainXML(name));
    const dir = mkdtempSync(join(tmpdir(), 'vk-gen-save-'));
    try {
      await dom.create();
      const file = join(dir, 'dom.save');
      await dom.saveFlags(file, null, 0);
      expect((await dom.getState()).state).toBe(VIR_DOMAIN_SHUTOFF);
      await conn.domainRestoreFlags(file, null, 0);
      expect((await dom.getState()).state).toBe(VIR_DOMAIN_RUNNING);
      await dom.destroy();
    } finally {
      await dom.undefine().catch(() => undefined);
      dom.free();
      rmSync(dir, { recursive: true, force: true });
      await conn.close();
    }
  });

  // Every string and object argument of every generated method: the ones libvirt
  // documents as NULL-able take null, the others refuse it with a TypeError naming
  // the argument. A poisoned argument after the probed one stops the call before C.
  it('every generated pointer argument takes null exactly when the manifest says so', async () => {
    process.env.LIBVIRT_DEFAULT_URI = 'test:///default';  // Connect.open(null) must not reach a daemon
    const conn: any = await Connect.open('test:///default');
    const objs: Record<string, any> = { Connect: conn };
    objs.Domain = await conn.domainLookupByName('test');
    objs.Network = await conn.networkLookupByName('default');
    objs.StoragePool = await conn.storagePoolLookupByName('default-pool');
    objs.StorageVol = (await objs.StoragePool.listAllVolumes())[0];
    objs.Interface = (await conn.listAllInterfaces())[0];
    objs.NodeDevice = (await conn.listAllNodeDevices())[0];
    objs.Stream = await conn.streamNew(0);
    const valid = (ts: string): unknown => {
      if (ts.startsWith('string')) return 'vk-null-probe';
      if (ts.startsWith('number')) return 0;
      if (ts === 'Uint8Array') return new Uint8Array(16);
      if (ts === 'Uint8Array | string') return 'x';
      if (ts.endsWith('[]')) return [];
      if (ts.startsWith('TypedParamsInput')) return {};
      return objs[ts];
    };
    const isPointer = (ts: string) => /^string( \| null)?$/.test(ts) || CLASSES.includes(ts.replace(' | null', ''));
    let accepted = 0, refused = 0, called = 0;
    const uncovered: string[] = [];
    for (const e of manifest) {
      if (e.status !== 'generated') continue;
      const params = e.params!;
      const target = e.owner === '' ? native : e.static ? native[e.owner!] : objs[e.owner!];
      for (let k = 0; k < params.length; k++) {
        const p = params[k];
        if (!isPointer(p.ts)) continue;
        const label = `${e.c}(${p.name})`;
        const before = params.slice(0, k).map((q) => valid(q.ts));
        if (!target || before.some((v) => v === undefined)) { uncovered.push(label); continue; }
        const nullable = p.ts.endsWith('| null');
        const args = [...before, null];
        if (k + 1 < params.length) args.push(Symbol('poison'));
        let err: any;
        let result: any;
        try { result = target[e.js!](...args); } catch (x) { err = x; }
        if (k + 1 >= params.length && nullable && err === undefined) {
          // nothing to poison after it: the call ran; it settles without a TypeError
          const r = await Promise.resolve(result).then(() => null, (x) => x);
          if (r !== null) expect(r, label).toBeInstanceOf(LibvirtError);
          if (r === null && result && typeof result.then === 'function') { const v = await result; v?.close?.(); }
          called++;
          accepted++;
          continue;
        }
        expect(err, label).toBeInstanceOf(TypeError);
        const names = new RegExp(`\\b${p.name}\\b`);
        if (nullable) {
          expect(String(err.message), `${label}: null refused`).not.toMatch(names);
          accepted++;
        } else {
          expect(String(err.message), `${label}: null must be refused`).toMatch(names);
          refused++;
        }
      }
    }
    console.log(`pointer args: ${accepted} take null (${called} called for real), ${refused} refuse it; ` +
      `not probed (no receiver or argument here): ${uncovered.length}`);
    // every nullable pointer argument was probed on some receiver
    const nullableUncovered = uncovered.filter((l) => manifest.some((e) =>
      `${e.c}(` === l.slice(0, e.c.length + 1) && e.params?.some((q) => l.endsWith(`(${q.name})`) && q.ts.endsWith('| null'))));
    expect(nullableUncovered).toEqual([]);
    expect(accepted).toBeGreaterThanOrEqual(45);
    expect(refused).toBeGreaterThan(100);
    objs.Stream.free();
    await conn.close();
  });
});

describe('truth values are booleans both ways; states are enum unions', () => {
  it('setAutostart takes a boolean (a number is a TypeError); getAutostart resolves to a boolean', async () => {
    const conn = await Connect.open('test:///default');
    const net = await conn.networkLookupByName('default');
    const pool = await conn.storagePoolLookupByName('default-pool');
    for (const o of [net, pool]) {
      await o.setAutostart(true);
      expect(await o.getAutostart()).toBe(true);
      await o.setAutostart(false);
      expect(await o.getAutostart()).toBe(false);
      expect(() => (o.setAutostart as (x: unknown) => unknown)(1)).toThrow(/autostart.*boolean/);
    }
    net.free();
    pool.free();
    await conn.close();
  });

  it('getInfo().state and getState().state are typed as virDomainState', async () => {
    const conn = await Connect.open('test:///default');
    const dom = await conn.domainLookupByName('test');
    const info: virDomainInfo = await dom.getInfo();
    const a: virDomainState = info.state;
    const b: virDomainState = (await dom.getState()).state;
    expect([a, b]).toEqual([VIR_DOMAIN_RUNNING, VIR_DOMAIN_RUNNING]);
    // @ts-expect-error 99 is no virDomainState value
    const bad: virDomainInfo['state'] = 99;
    expect(bad).toBe(99);
    dom.free();
    await conn.close();
  });
});
