// The core API against a real libvirtd with real QEMU/KVM guests.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, chmodSync, rmSync, existsSync } from 'node:fs';
import {
  Connect, Domain, LibvirtError,
  VIR_DOMAIN_RUNNING, VIR_DOMAIN_PAUSED, VIR_DOMAIN_SHUTOFF,
  VIR_DOMAIN_STATS_CPU_TOTAL, VIR_DOMAIN_STATS_BALLOON, VIR_DOMAIN_STATS_VCPU, VIR_DOMAIN_STATS_STATE,
  VIR_STORAGE_VOL_DELETE_NORMAL, VIR_DOMAIN_EVENT_ID_LIFECYCLE, VIR_DOMAIN_EVENT_RESUMED, VIR_DOMAIN_EVENT_SUSPENDED,
} from '../../lib/index.js';
import { uniq, waitFor } from '../helpers/index.js';
import { SYSTEM, needDaemon, removeDomain, tinyGuestXML } from '../helpers/qemu.js';

const gate = needDaemon();

describe.skipIf(gate.skip)(`qemu:///system (${gate.reason})`, () => {
  let conn: Connect;
  const created: string[] = [];
  beforeAll(async () => {
    conn = await Connect.open(SYSTEM);
  });
  afterAll(async () => {
    for (const n of created) await removeDomain(conn, n);
    await conn?.close();
  });

  it('defines, starts, suspends, resumes, saves, restores, destroys and undefines a tiny guest', async () => {
    const name = uniq('vk-life');
    created.push(name);
    const dom = await conn.domainDefineXML(tinyGuestXML(name));
    expect(dom.getName()).toBe(name);
    expect(await dom.isActive()).toBe(false);
    expect(await dom.isPersistent()).toBe(true);
    await dom.create();
    expect(await dom.isActive()).toBe(true);
    expect((await dom.getState()).state).toBe(VIR_DOMAIN_RUNNING);
    expect(dom.getID()).toBeGreaterThan(0);
    await dom.suspend();
    expect((await dom.getInfo()).state).toBe(VIR_DOMAIN_PAUSED);
    await dom.resume();
    expect((await dom.getInfo()).state).toBe(VIR_DOMAIN_RUNNING);

    // save/restore: the folder must be traversable by libvirt-qemu
    const dir = '/var/lib/virtkit/save';
    mkdirSync(dir, { recursive: true });
    chmodSync(dir, 0o755);
    const file = `${dir}/${name}.save`;
    await dom.save(file);
    expect((await dom.getState()).state).toBe(VIR_DOMAIN_SHUTOFF);
    expect(existsSync(file)).toBe(true);
    await conn.domainRestore(file);
    const back = await conn.domainLookupByName(name);
    expect((await back.getState()).state).toBe(VIR_DOMAIN_RUNNING);
    rmSync(file, { force: true });

    const info = await back.getInfo();
    expect(info.nrVirtCpu).toBe(1);
    expect(typeof info.cpuTime).toBe('bigint');
    expect(info.cpuTime).toBeGreaterThan(0n);
    await back.destroy();
    expect((await back.getState()).state).toBe(VIR_DOMAIN_SHUTOFF);
    await back.undefine();
    const gone = await conn.domainLookupByName(name).catch((e) => e);
    expect(gone).toBeInstanceOf(LibvirtError);
    expect(gone.codeName).toBe('VIR_ERR_NO_DOMAIN');
    expect(gone.domainName).toBe('VIR_FROM_QEMU');
  });

  it('bulk stats return real cpu.*, balloon.* and vcpu.* values', async () => {
    const name = uniq('vk-stats');
    created.push(name);
    const dom = await conn.domainCreateXML(tinyGuestXML(name));
    await new Promise((r) => setTimeout(r, 1500));  // let the balloon report
    const recs = await conn.getAllDomainStats(
      VIR_DOMAIN_STATS_STATE | VIR_DOMAIN_STATS_CPU_TOTAL | VIR_DOMAIN_STATS_BALLOON | VIR_DOMAIN_STATS_VCPU,
    );
    const rec = recs.find((r) => r.domain.getName() === name)!;
    expect(rec).toBeDefined();
    expect(rec.domain).toBeInstanceOf(Domain);
    const p = rec.params;
    expect(p['state.state']).toBe(VIR_DOMAIN_RUNNING);
    expect(typeof p['cpu.time']).toBe('bigint');
    expect(p['cpu.time'] as bigint).toBeGreaterThan(0n);
    expect(p['balloon.maximum']).toBe(32768n);
    expect(typeof p['balloon.current']).toBe('bigint');
    expect(p['vcpu.current']).toBe(1);
    expect(typeof p['vcpu.0.time']).toBe('bigint');
    const one = await conn.domainListGetStats([dom], VIR_DOMAIN_STATS_CPU_TOTAL);
    expect(one).toHaveLength(1);
    expect(one[0].params['cpu.time'] as bigint).toBeGreaterThan(0n);
    await dom.destroy();
  });

  it('64 concurrent getInfo calls on one connection all succeed and run in parallel threads', async () => {
    const name = uniq('vk-par');
    created.push(name);
    const dom = await conn.domainCreateXML(tinyGuestXML(name));
    await dom.suspend();
    const results = await Promise.all(Array.from({ length: 64 }, () => dom.getInfo()));
    for (const r of results) expect(r.state).toBe(VIR_DOMAIN_PAUSED);
    const { diagnostics } = await import('../../lib/index.js');
    // more than libuv's 4 threads were used to carry them
    expect(diagnostics().poolThreads).toBeGreaterThan(4);
    await dom.destroy();
  });

  // The event loop parks the connection's socket for up to 1 ms after an RPC
  // thread hands it back (native/src/events_loop.cc): events must still come,
  // in order, while 64 calls are always in flight on the same connection.
  it('lifecycle events arrive in order during a storm of 64 calls in flight on the same connection', async () => {
    const name = uniq('vk-storm');
    created.push(name);
    const dom = await conn.domainCreateXML(tinyGuestXML(name));
    await dom.suspend();
    const seen: number[] = [];
    const id = await conn.domainEventRegisterAny(dom, VIR_DOMAIN_EVENT_ID_LIFECYCLE, (_d: unknown, event: number) => { seen.push(event); });
    let stop = false, calls = 0;
    const lanes = Array.from({ length: 64 }, async () => {
      while (!stop) { await dom.getInfo(); calls++; }
    });
    try {
      for (let i = 0; i < 5; i++) {
        await dom.resume();
        await dom.suspend();
      }
      await waitFor(() => seen.length >= 10, 10_000, '10 lifecycle events during the storm');
    } finally {
      stop = true;
      await Promise.all(lanes);
      await conn.domainEventDeregisterAny(id);
      await dom.destroy();
    }
    expect(seen.slice(0, 10)).toEqual(Array.from({ length: 10 }, (_, i) => (i % 2 ? VIR_DOMAIN_EVENT_SUSPENDED : VIR_DOMAIN_EVENT_RESUMED)));
    expect(calls).toBeGreaterThan(100);
  });

  it('a dir storage pool with qcow2 volumes', async () => {
    const pool = await conn.storagePoolLookupByName('virtkit-pool');
    expect(await pool.isActive()).toBe(true);
    await pool.refresh();
    const vname = uniq('vk-vol') + '.qcow2';
    const vol = await pool.storageVolCreateXML(
      `<volume><name>${vname}</name><capacity unit='MiB'>16</capacity><target><format type='qcow2'/></target></volume>`,
    );
    expect(vol.getName()).toBe(vname);
    const info = await vol.getInfo();
    expect(info.capacity).toBe(16n * 1024n * 1024n);
    expect(await vol.getXMLDesc()).toContain("<format type='qcow2'/>");
    expect((await pool.listAllVolumes()).map((v) => v.getName())).toContain(vname);
    expect(await pool.listVolumes()).toContain(vname);
    const byPath = await conn.storageVolLookupByPath(await vol.getPath());
    expect(byPath.getKey()).toBe(vol.getKey());
    await vol.delete(VIR_STORAGE_VOL_DELETE_NORMAL);
  });

  it('the default NAT network is active with its bridge', async () => {
    const net = await conn.networkLookupByName('default');
    expect(await net.isActive()).toBe(true);
    expect(await net.getBridgeName()).toBe('virbr0');
    expect(await net.getXMLDesc()).toContain("<forward mode='nat'");
    expect((await conn.listAllNetworks()).map((n) => n.getName())).toContain('default');
  });

  it('secrets round-trip their value as a Buffer', async () => {
    const sec = await conn.secretDefineXML(`<secret ephemeral='yes' private='no'><usage type='volume'><volume>/vk/${uniq('s')}</volume></usage></secret>`);
    await sec.setValue(Buffer.from('s3cr3t\u0000bytes'));
    expect((await sec.getValue()).equals(Buffer.from('s3cr3t\u0000bytes'))).toBe(true);
    await sec.undefine();
  });

  it('a failing call carries every error field and the caller stack', async () => {
    const err = await conn.domainDefineXML('<domain type="kvm"><name>broken').catch((e) => e);
    expect(err).toBeInstanceOf(LibvirtError);
    expect(err.codeName).toBe('VIR_ERR_XML_DETAIL');
    expect(err.level).toBe(2);
    expect(err.stack).toContain('10-qemu.test.ts');
  });
});
