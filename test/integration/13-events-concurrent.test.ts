// Concurrent event subscriptions on one libvirtd connection: any number of
// registrations started together succeed, and the idiomatic layers share a connection.
import { describe, expect, it } from 'vitest';
import {
  Connect, ConnectEventEmitter, events,
  VIR_DOMAIN_EVENT_ID_LIFECYCLE, VIR_DOMAIN_EVENT_DEFINED, VIR_DOMAIN_EVENT_UNDEFINED,
} from '../../lib/libvirt/index.js';
import { uniq, waitFor } from '../helpers/index.js';
import { SYSTEM, needDaemon, removeDomain, tinyGuestXML } from '../helpers/qemu.js';

const gate = needDaemon();

describe.skipIf(gate.skip)(`concurrent subscriptions on libvirtd (${gate.reason})`, () => {
  it('two domainEventRegisterAny(null, lifecycle) started together both resolve, 20 rounds', async () => {
    const conn = await Connect.open(SYSTEM);
    try {
      for (let round = 0; round < 20; round++) {
        const ids = await Promise.all([
          conn.domainEventRegisterAny(null, VIR_DOMAIN_EVENT_ID_LIFECYCLE, () => {}),
          conn.domainEventRegisterAny(null, VIR_DOMAIN_EVENT_ID_LIFECYCLE, () => {}),
        ]);
        expect(new Set(ids).size).toBe(2);
        await Promise.all(ids.map((id) => conn.domainEventDeregisterAny(id)));
      }
    } finally {
      await conn.close();
    }
  });

  it('eight subscriptions started together (with deregistrations in between) all deliver the same event', async () => {
    const conn = await Connect.open(SYSTEM);
    const name = uniq('agent-cc');
    const seen = Array.from({ length: 8 }, () => [] as number[]);
    try {
      const early = await conn.domainEventRegisterAny(null, VIR_DOMAIN_EVENT_ID_LIFECYCLE, () => {});
      const ids = await Promise.all([
        ...seen.map((s) => conn.domainEventRegisterAny(null, VIR_DOMAIN_EVENT_ID_LIFECYCLE, (d, ev) => {
          if (d.getName() === name) s.push(ev);
        })),
        conn.domainEventDeregisterAny(early).then(() => -1),
      ]);
      const dom = await conn.domainDefineXML(tinyGuestXML(name));
      await dom.undefine();
      await waitFor(() => seen.every((s) => s.length >= 2), 10000, 'events on every subscription');
      for (const s of seen) expect(s).toEqual([VIR_DOMAIN_EVENT_DEFINED, VIR_DOMAIN_EVENT_UNDEFINED]);
      await Promise.all(ids.filter((id) => id >= 0).map((id) => conn.domainEventDeregisterAny(id)));
    } finally {
      await removeDomain(conn, name);
      await conn.close();
    }
  });

  it('events() and a ConnectEventEmitter on one connection both deliver', async () => {
    const conn = await Connect.open(SYSTEM);
    const name = uniq('agent-cc');
    const ac = new AbortController();
    const fromEmitter: number[] = [];
    const em = new ConnectEventEmitter(conn);
    const errors: unknown[] = [];
    em.on('error', (e) => errors.push(e));
    try {
      const it = events(conn, 'domain', { signal: ac.signal });
      em.on('domain.lifecycle', (d, ev) => {
        if (d.getName() === name) fromEmitter.push(ev);
      });
      const fromIter: number[] = [];
      const reading = (async () => {
        for await (const e of it) {
          if (e.object.getName() === name) fromIter.push(e.args[0]);
          if (fromIter.length === 2) break;
        }
      })();
      await em.ready();
      await it.ready;
      const dom = await conn.domainDefineXML(tinyGuestXML(name));
      await dom.undefine();
      await reading;
      await waitFor(() => fromEmitter.length >= 2, 10000, 'emitter events');
      expect(fromIter).toEqual([VIR_DOMAIN_EVENT_DEFINED, VIR_DOMAIN_EVENT_UNDEFINED]);
      expect(fromEmitter).toEqual([VIR_DOMAIN_EVENT_DEFINED, VIR_DOMAIN_EVENT_UNDEFINED]);
      expect(errors).toEqual([]);
    } finally {
      ac.abort();
      await em.close();
      await removeDomain(conn, name);
      await conn.close();
    }
  });
});
