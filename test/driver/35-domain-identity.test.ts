// One Domain object per domain per connection, and the ID it answers is the current one:
// after a restart or a restore, getID() of a Domain obtained before is the new ID, and so is
// the Host facade's info().id, even when the change came from another connection.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Connect, Domain, VIR_DOMAIN_STATS_STATE } from '../../lib/index.js';
import { openHost } from '../../lib/host/index.js';
import { testDomainXML, uniq } from '../helpers/index.js';

let conn: Connect;
let dir: string;
beforeAll(async () => {
  conn = await Connect.open('test:///default');
  dir = mkdtempSync(join(tmpdir(), 'vk-identity-'));
});
afterAll(async () => {
  await conn.close();
  rmSync(dir, { recursive: true, force: true });
});

async function defined(): Promise<{ name: string; dom: Domain; cleanup: () => Promise<void> }> {
  const name = uniq('ident');
  const dom = await conn.domainDefineXML(testDomainXML(name));
  return {
    name, dom,
    cleanup: async () => {
      const d = await conn.domainLookupByName(name);
      if (await d.isActive()) await d.destroy();
      await d.undefine();
    },
  };
}

describe('Domain identity and current ID on test:///default', () => {
  it('lookups, listings, bulk stats and define give the same object', async () => {
    const { name, dom, cleanup } = await defined();
    try {
      expect(await conn.domainLookupByName(name)).toBe(dom);
      expect(await conn.domainLookupByUUIDString(dom.getUUIDString())).toBe(dom);
      expect((await conn.listAllDomains(0)).find((d) => d.getName() === name)).toBe(dom);
      await dom.create();
      const recs = await conn.getAllDomainStats(VIR_DOMAIN_STATS_STATE, 0);
      expect(recs.find((r) => r.domain.getName() === name)!.domain).toBe(dom);
      // Another connection (same in-process driver) has its own object.
      const other = await Connect.open('test:///default');
      try {
        const od = await other.domainLookupByName(name);
        expect(od).not.toBe(dom);
        expect(od.getUUIDString()).toBe(dom.getUUIDString());
      } finally {
        await other.close();
      }
    } finally {
      await cleanup();
    }
  });

  it('define, start, destroy, start again: a Domain from before answers the new ID', async () => {
    const { name, dom, cleanup } = await defined();
    try {
      expect(dom.getID()).toBe(-1);
      await dom.create();
      const first = dom.getID();
      expect(first).toBeGreaterThan(0);
      // Destroy and start through a second lookup: the first reference sees it.
      const again = await conn.domainLookupByName(name);
      await again.destroy();
      expect(dom.getID()).toBe(-1);
      await again.create();
      const second = dom.getID();
      expect(second).toBeGreaterThan(0);
      expect(second).not.toBe(first);
      expect(second).toBe((await conn.domainLookupByName(name)).getID());
    } finally {
      await cleanup();
    }
  });

  it('save and restore: the Domain from before answers the restored ID', async () => {
    const { dom, cleanup } = await defined();
    try {
      await dom.create();
      const before = dom.getID();
      const file = join(dir, 'save-1');
      await dom.save(file);
      expect(dom.getID()).toBe(-1);
      await conn.domainRestore(file);
      expect(dom.getID()).toBeGreaterThan(0);
      expect(dom.getID()).not.toBe(before);
      expect(dom.getID()).toBe((await conn.domainLookupByUUIDString(dom.getUUIDString())).getID());
    } finally {
      await cleanup();
    }
  });

  it('a change made on another connection shows after a lookup, listing or stats call', async () => {
    const { name, dom, cleanup } = await defined();
    const other = await Connect.open('test:///default');
    try {
      await (await other.domainLookupByName(name)).create();
      expect(dom.getID()).toBe(-1); // libvirt's cached copy: nothing has told this connection
      await conn.getAllDomainStats(VIR_DOMAIN_STATS_STATE, 0);
      const id = dom.getID();
      expect(id).toBeGreaterThan(0);
      await (await other.domainLookupByName(name)).destroy();
      await (await other.domainLookupByName(name)).create();
      await conn.listAllDomains(0);
      expect(dom.getID()).toBeGreaterThan(id);
    } finally {
      await other.close();
      await cleanup();
    }
  });

  it('Host facade: info().id follows a restart and a restore made on another connection', async () => {
    const { name, cleanup } = await defined();
    const host = await openHost({ kind: 'test' });
    const other = await Connect.open('test:///default');
    try {
      const guest = await host.lookup(name);
      await guest.start();
      const first = (await guest.info()).id;
      expect(first).toBeGreaterThan(0);
      const od = await other.domainLookupByName(name);
      await od.destroy();
      await od.create();
      const second = (await guest.info()).id;
      expect(second).toBe(od.getID());
      expect(second).not.toBe(first);
      const file = join(dir, 'save-host');
      await od.save(file);
      expect((await guest.info()).id).toBeNull();
      await other.domainRestore(file);
      const third = (await guest.info()).id;
      expect(third).toBe((await other.domainLookupByName(name)).getID());
      expect(third).not.toBe(second);
      // list() does not free the Domain a Guest holds.
      await host.list();
      expect((await guest.info()).id).toBe(third);
    } finally {
      await other.close();
      await host.close();
      await cleanup();
    }
  });

  it('free() ends the shared object; the next lookup makes a new one', async () => {
    const { name, dom, cleanup } = await defined();
    try {
      const same = await conn.domainLookupByName(name);
      expect(same).toBe(dom);
      dom.free();
      await expect(same.getInfo()).rejects.toThrow(/freed/);
      const fresh = await conn.domainLookupByName(name);
      expect(fresh).not.toBe(dom);
      expect(fresh.getName()).toBe(name);
      expect(await conn.domainLookupByName(name)).toBe(fresh);
    } finally {
      await cleanup();
    }
  });
});
