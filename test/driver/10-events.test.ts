import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Worker } from 'node:worker_threads';
import {
  Connect, Domain, events, ConnectEventEmitter, eventIDs,
  VIR_DOMAIN_EVENT_ID_LIFECYCLE, VIR_DOMAIN_EVENT_DEFINED, VIR_DOMAIN_EVENT_STARTED,
  VIR_DOMAIN_EVENT_SUSPENDED, VIR_DOMAIN_EVENT_RESUMED, VIR_DOMAIN_EVENT_STOPPED,
  VIR_DOMAIN_EVENT_UNDEFINED, VIR_DOMAIN_EVENT_STOPPED_DESTROYED, VIR_DOMAIN_EVENT_STARTED_BOOTED,
  VIR_DOMAIN_EVENT_SUSPENDED_PAUSED, VIR_DOMAIN_EVENT_RESUMED_UNPAUSED,
  VIR_DOMAIN_EVENT_DEFINED_ADDED, VIR_DOMAIN_EVENT_UNDEFINED_REMOVED,
  VIR_DOMAIN_EVENT_ID_REBOOT, LibvirtError,
} from '../../lib/index.js';
import { testDomainXML, uniq, waitFor } from '../helpers/index.js';

const run = promisify(execFile);

describe('events on test:///default', () => {
  it('delivers the exact lifecycle (event, detail) pairs of a guest', async () => {
    const conn = await Connect.open('test:///default');
    const name = uniq('ev');
    const seen: Array<[string, number, number]> = [];
    const id = await conn.domainEventRegisterAny(null, VIR_DOMAIN_EVENT_ID_LIFECYCLE, (dom, event, detail) => {
      if (dom.getName() === name) seen.push([dom.getName(), event, detail]);
    });
    expect(typeof id).toBe('number');
    const dom = await conn.domainDefineXML(testDomainXML(name));
    await dom.create();
    await dom.suspend();
    await dom.resume();
    await dom.destroy();
    await dom.undefine();
    await waitFor(() => seen.length >= 6, 5000, 'six lifecycle events');
    expect(seen.map(([, e, d]) => [e, d])).toEqual([
      [VIR_DOMAIN_EVENT_DEFINED, VIR_DOMAIN_EVENT_DEFINED_ADDED],
      [VIR_DOMAIN_EVENT_STARTED, VIR_DOMAIN_EVENT_STARTED_BOOTED],
      [VIR_DOMAIN_EVENT_SUSPENDED, VIR_DOMAIN_EVENT_SUSPENDED_PAUSED],
      [VIR_DOMAIN_EVENT_RESUMED, VIR_DOMAIN_EVENT_RESUMED_UNPAUSED],
      [VIR_DOMAIN_EVENT_STOPPED, VIR_DOMAIN_EVENT_STOPPED_DESTROYED],
      [VIR_DOMAIN_EVENT_UNDEFINED, VIR_DOMAIN_EVENT_UNDEFINED_REMOVED],
    ]);
    await conn.domainEventDeregisterAny(id);
    await conn.close();
  });

  it('a per-domain subscription sees only that domain, and several subscriptions coexist', async () => {
    const conn = await Connect.open('test:///default');
    const a = await conn.domainDefineXML(testDomainXML(uniq('eva')));
    const b = await conn.domainDefineXML(testDomainXML(uniq('evb')));
    const onA: string[] = [];
    const onAll: string[] = [];
    const idA = await conn.domainEventRegisterAny(a, VIR_DOMAIN_EVENT_ID_LIFECYCLE, (d) => onA.push(d.getName()));
    const idAll1 = await conn.domainEventRegisterAny(null, VIR_DOMAIN_EVENT_ID_LIFECYCLE, (d) => onAll.push(d.getName()));
    const idAll2 = await conn.domainEventRegisterAny(null, VIR_DOMAIN_EVENT_ID_LIFECYCLE, (d) => onAll.push(d.getName()));
    await a.create();
    await b.create();
    await waitFor(() => onAll.length >= 4, 5000, 'events');
    expect(onA).toEqual([a.getName()]);
    expect(onAll.filter((n) => n === b.getName())).toHaveLength(2);
    for (const id of [idA, idAll1, idAll2]) await conn.domainEventDeregisterAny(id);
    for (const d of [a, b]) { await d.destroy(); await d.undefine(); }
    await conn.close();
  });

  it('every domain event ID registers and deregisters', async () => {
    const conn = await Connect.open('test:///default');
    const ids = Object.values(eventIDs('domain'));
    expect(ids).toHaveLength(27);
    for (const eventID of ids) {
      const id = await conn.domainEventRegisterAny(null, eventID as any, () => {});
      await conn.domainEventDeregisterAny(id);
    }
    for (const [kind, reg, dereg] of [
      ['network', 'networkEventRegisterAny', 'networkEventDeregisterAny'],
      ['storagePool', 'storagePoolEventRegisterAny', 'storagePoolEventDeregisterAny'],
      ['nodeDevice', 'nodeDeviceEventRegisterAny', 'nodeDeviceEventDeregisterAny'],
    ] as const) {
      for (const eventID of Object.values(eventIDs(kind))) {
        const id = await (conn as any)[reg](null, eventID, () => {});
        await (conn as any)[dereg](id);
      }
    }
    // The test driver has no secret events: a typed error, not a crash (libvirtd: integration tests).
    const err = await conn.secretEventRegisterAny(null, 0, () => {}).catch((e) => e);
    expect(err).toBeInstanceOf(LibvirtError);
    expect(err.codeName).toBe('VIR_ERR_NO_SUPPORT');
    await conn.close();
  });

  it('rejects bad registrations before any C call', async () => {
    const conn = await Connect.open('test:///default');
    expect(() => conn.domainEventRegisterAny(null, 99 as any, () => {})).toThrow(RangeError);
    expect(() => conn.domainEventRegisterAny(null, 0, 'nope' as any)).toThrow(TypeError);
    expect(() => conn.domainEventRegisterAny({} as any, 0, () => {})).toThrow(TypeError);
    const err = await conn.domainEventDeregisterAny(12345).catch((e) => e);
    expect(err).toBeInstanceOf(LibvirtError);
    await conn.close();
  });

  it('network and storage pool lifecycle events arrive', async () => {
    const conn = await Connect.open('test:///default');
    const nets: number[] = [];
    const pools: number[] = [];
    const n = await conn.networkEventRegisterAny(null, 0, (_net, ev) => nets.push(ev));
    const p = await conn.storagePoolEventRegisterAny(null, 0, (_pool, ev) => pools.push(ev));
    const net = await conn.networkLookupByName('default');
    await net.destroy();
    await net.create();
    const pool = await conn.storagePoolLookupByName('default-pool');
    await pool.destroy();
    await pool.create();
    await waitFor(() => nets.length >= 2 && pools.length >= 2, 5000, 'network/pool events');
    await conn.networkEventDeregisterAny(n);
    await conn.storagePoolEventDeregisterAny(p);
    await conn.close();
  });

  it('async iterator yields events and unsubscribes on abort', async () => {
    const conn = await Connect.open('test:///default');
    const name = uniq('it');
    const ac = new AbortController();
    const got: string[] = [];
    const loop = (async () => {
      for await (const e of events(conn, 'domain', { eventID: 'lifecycle', signal: ac.signal })) {
        if ((e.object as Domain).getName() === name) got.push(e.name + ':' + e.args[0]);
        if (got.length === 2) ac.abort();
      }
    })();
    await new Promise((r) => setTimeout(r, 50));
    const dom = await conn.domainDefineXML(testDomainXML(name));
    await dom.undefine();
    await loop;
    expect(got).toEqual([`lifecycle:${VIR_DOMAIN_EVENT_DEFINED}`, `lifecycle:${VIR_DOMAIN_EVENT_UNDEFINED}`]);
    await conn.close();
  });

  it('EventEmitter subscribes lazily and unsubscribes cleanly', async () => {
    const conn = await Connect.open('test:///default');
    const em = new ConnectEventEmitter(conn);
    const name = uniq('em');
    const got: number[] = [];
    const l = (dom: Domain, event: number) => { if (dom.getName() === name) got.push(event); };
    em.on('domain.lifecycle', l);
    await new Promise((r) => setTimeout(r, 50));
    const dom = await conn.domainDefineXML(testDomainXML(name));
    await waitFor(() => got.length === 1, 5000, 'defined event');
    em.off('domain.lifecycle', l);
    await new Promise((r) => setTimeout(r, 50));
    await dom.undefine();
    await new Promise((r) => setTimeout(r, 100));
    expect(got).toEqual([VIR_DOMAIN_EVENT_DEFINED]);
    await em.close();
    await conn.close();
  });

  it('a child process that subscribes then unsubscribes exits by itself', async () => {
    const script = `
      const { Connect } = require(${JSON.stringify(process.cwd() + '/dist/index.cjs')});
      (async () => {
        const c = await Connect.open('test:///default');
        const id = await c.domainEventRegisterAny(null, 0, () => {});
        await c.domainEventDeregisterAny(id);
        await c.close();
        console.log('unsubscribed');
      })();`;
    const { stdout } = await run(process.execPath, ['-e', script], { timeout: 20000 });
    expect(stdout.trim()).toBe('unsubscribed');
  });

  it('a close callback on a driver that keeps none is released by unregistering (the child exits)', async () => {
    const script = `
      const { Connect } = require(${JSON.stringify(process.cwd() + '/dist/index.cjs')});
      (async () => {
        const c = await Connect.open('test:///default');
        await c.registerCloseCallback(() => {});
        await c.unregisterCloseCallback();
        await c.close();
        console.log('released');
      })();`;
    const { stdout } = await run(process.execPath, ['-e', script], { timeout: 20000 });
    expect(stdout.trim()).toBe('released');
  });

  it('a subscription keeps a child process alive until it is dropped', async () => {
    const script = `
      const { Connect } = require(${JSON.stringify(process.cwd() + '/dist/index.cjs')});
      (async () => {
        const c = await Connect.open('test:///default');
        const id = await c.domainEventRegisterAny(null, 0, () => {});
        setTimeout(async () => { console.log('still alive'); await c.domainEventDeregisterAny(id); await c.close(); }, 300);
      })();`;
    const { stdout } = await run(process.execPath, ['-e', script], { timeout: 20000 });
    expect(stdout.trim()).toBe('still alive');
  });

  it('a worker thread subscribes and receives its own events', async () => {
    const name = uniq('wk');
    const code = `
      const { parentPort, workerData } = require('node:worker_threads');
      const { Connect } = require(${JSON.stringify(process.cwd() + '/dist/index.cjs')});
      (async () => {
        const c = await Connect.open('test:///default');
        const id = await c.domainEventRegisterAny(null, 0, async (dom, ev) => {
          if (dom.getName() !== workerData) return;
          parentPort.postMessage(ev);
          await c.domainEventDeregisterAny(id);
          await c.close();
        });
        parentPort.postMessage('ready');
      })();`;
    const w = new Worker(code, { eval: true, workerData: name });
    const msgs: unknown[] = [];
    w.on('message', (m) => msgs.push(m));
    const exited = new Promise<number>((r) => w.on('exit', r));
    await waitFor(() => msgs.includes('ready'), 10000, 'worker ready');
    const conn = await Connect.open('test:///default');
    const dom = await conn.domainDefineXML(testDomainXML(name));
    await waitFor(() => msgs.length >= 2, 10000, 'worker event');
    expect(msgs[1]).toBe(VIR_DOMAIN_EVENT_DEFINED);
    expect(await exited).toBe(0);  // left by itself once unsubscribed
    await dom.undefine();
    await conn.close();
  });

  it('legacy registration and close callback register and unregister', async () => {
    const conn = await Connect.open('test:///default');
    const name = uniq('lg');
    const got: number[] = [];
    await conn.domainEventRegister((dom, ev) => { if (dom.getName() === name) got.push(ev); });
    const dom = await conn.domainDefineXML(testDomainXML(name));
    await waitFor(() => got.length === 1, 5000, 'legacy event');
    await conn.domainEventDeregister();
    await dom.undefine();
    await conn.registerCloseCallback(() => {});
    await conn.unregisterCloseCallback();
    expect(VIR_DOMAIN_EVENT_ID_REBOOT).toBe(1);
    await conn.close();
  });
});
