// Events against a real libvirtd: exact lifecycle pairs from QEMU, reboot,
// secret events, and libvirtd killed and restarted under a reconnecting connection.
import { afterAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import {
  Connect, LibvirtError, ReconnectingConnection,
  VIR_DOMAIN_EVENT_ID_LIFECYCLE, VIR_DOMAIN_EVENT_ID_REBOOT,
  VIR_DOMAIN_EVENT_DEFINED, VIR_DOMAIN_EVENT_DEFINED_ADDED, VIR_DOMAIN_EVENT_STARTED,
  VIR_DOMAIN_EVENT_STARTED_BOOTED, VIR_DOMAIN_EVENT_RESUMED, VIR_DOMAIN_EVENT_RESUMED_UNPAUSED,
  VIR_DOMAIN_EVENT_SUSPENDED, VIR_DOMAIN_EVENT_SUSPENDED_PAUSED, VIR_DOMAIN_EVENT_SHUTDOWN,
  VIR_DOMAIN_EVENT_SHUTDOWN_HOST, VIR_DOMAIN_EVENT_STOPPED, VIR_DOMAIN_EVENT_STOPPED_DESTROYED,
  VIR_DOMAIN_EVENT_UNDEFINED, VIR_DOMAIN_EVENT_UNDEFINED_REMOVED,
  VIR_SECRET_EVENT_ID_LIFECYCLE, VIR_SECRET_EVENT_DEFINED, VIR_SECRET_EVENT_UNDEFINED,
  VIR_CONNECT_CLOSE_REASON_EOF, VIR_CONNECT_CLOSE_REASON_ERROR, VIR_CONNECT_CLOSE_REASON_KEEPALIVE,
} from '../../lib/index.js';
import { uniq, waitFor } from '../helpers/index.js';
import { SYSTEM, daemonUp, needDaemon, removeDomain, tinyGuestXML } from '../helpers/qemu.js';

const gate = needDaemon();

function startDaemon(): void {
  if (!daemonUp()) execFileSync('bash', ['scripts/start-services.sh'], { stdio: 'ignore' });
}

describe.skipIf(gate.skip)(`events on libvirtd (${gate.reason})`, () => {
  afterAll(() => startDaemon());

  it('QEMU lifecycle gives the exact (event, detail) sequence, and reset gives a reboot event', async () => {
    const conn = await Connect.open(SYSTEM);
    const name = uniq('vk-ev');
    const seen: Array<[number, number] | 'reboot'> = [];
    const a = await conn.domainEventRegisterAny(null, VIR_DOMAIN_EVENT_ID_LIFECYCLE, (d, e, det) => {
      if (d.getName() === name) seen.push([e, det]);
    });
    const b = await conn.domainEventRegisterAny(null, VIR_DOMAIN_EVENT_ID_REBOOT, (d) => {
      if (d.getName() === name) seen.push('reboot');
    });
    try {
      const dom = await conn.domainDefineXML(tinyGuestXML(name));
      await dom.create();
      await dom.suspend();
      await dom.resume();
      await dom.reset();
      await dom.destroy();
      await dom.undefine();
      await waitFor(() => seen.length >= 9, 30000, 'nine events').catch((e: Error) => {
        throw new Error(`${e.message}; seen: ${JSON.stringify(seen)}`);
      });
      expect(seen).toEqual([
        [VIR_DOMAIN_EVENT_DEFINED, VIR_DOMAIN_EVENT_DEFINED_ADDED],
        // QEMU starts the guest paused and then resumes it
        [VIR_DOMAIN_EVENT_RESUMED, VIR_DOMAIN_EVENT_RESUMED_UNPAUSED],
        [VIR_DOMAIN_EVENT_STARTED, VIR_DOMAIN_EVENT_STARTED_BOOTED],
        [VIR_DOMAIN_EVENT_SUSPENDED, VIR_DOMAIN_EVENT_SUSPENDED_PAUSED],
        [VIR_DOMAIN_EVENT_RESUMED, VIR_DOMAIN_EVENT_RESUMED_UNPAUSED],
        'reboot',
        [VIR_DOMAIN_EVENT_SHUTDOWN, VIR_DOMAIN_EVENT_SHUTDOWN_HOST],
        [VIR_DOMAIN_EVENT_STOPPED, VIR_DOMAIN_EVENT_STOPPED_DESTROYED],
        [VIR_DOMAIN_EVENT_UNDEFINED, VIR_DOMAIN_EVENT_UNDEFINED_REMOVED],
      ]);
    } finally {
      await removeDomain(conn, name);
      await conn.domainEventDeregisterAny(a);
      await conn.domainEventDeregisterAny(b);
      await conn.close();
    }
  });

  it('secret lifecycle events arrive from libvirtd', async () => {
    const conn = await Connect.open(SYSTEM);
    const got: number[] = [];
    const id = await conn.secretEventRegisterAny(null, VIR_SECRET_EVENT_ID_LIFECYCLE, (_s, ev) => got.push(ev));
    const sec = await conn.secretDefineXML(`<secret ephemeral='no' private='no'><usage type='volume'><volume>/vk/${uniq('ev')}</volume></usage></secret>`);
    await sec.undefine();
    await waitFor(() => got.length >= 2, 5000, 'secret events');
    expect(got).toEqual([VIR_SECRET_EVENT_DEFINED, VIR_SECRET_EVENT_UNDEFINED]);
    await conn.secretEventDeregisterAny(id);
    await conn.close();
  });

  it('libvirtd SIGKILLed: close callback fires, calls reject, and a reconnecting connection restores its subscriptions', async () => {
    const rc = await ReconnectingConnection.open(SYSTEM, { keepAlive: { interval: 1, count: 3 }, initialDelayMs: 200, maxDelayMs: 1000 });
    const disconnects: string[] = [];
    let reconnects = 0;
    rc.on('disconnect', (_r, name) => disconnects.push(name));
    rc.on('reconnect', () => reconnects++);
    const events: string[] = [];
    const sub = await rc.subscribe('domain', VIR_DOMAIN_EVENT_ID_LIFECYCLE, (e) => events.push((e.object as any).getName()));

    const plain = await Connect.open(SYSTEM);
    const reasons: number[] = [];
    await plain.registerCloseCallback((_c, reason) => reasons.push(reason));
    // keep calls flowing until the daemon dies
    let stop = false;
    const failures: unknown[] = [];
    const loops = Array.from({ length: 8 }, async () => {
      while (!stop) {
        try {
          await plain.getHostname();
        } catch (e) {
          failures.push(e);
          return;
        }
      }
    });
    await new Promise((r) => setTimeout(r, 200));
    const pid = execFileSync('pidof', ['libvirtd'], { encoding: 'utf8' }).trim().split(/\s+/)[0];
    execFileSync('kill', ['-9', pid]);
    try {
      await waitFor(() => reasons.length === 1 && disconnects.length === 1, 15000, 'close callbacks');
      expect([VIR_CONNECT_CLOSE_REASON_EOF, VIR_CONNECT_CLOSE_REASON_ERROR, VIR_CONNECT_CLOSE_REASON_KEEPALIVE]).toContain(reasons[0]);
      await Promise.race([Promise.all(loops), new Promise((_, rej) => setTimeout(() => rej(new Error('calls still pending')), 15000))]);
      expect(failures).toHaveLength(8);
      for (const f of failures) expect(f).toBeInstanceOf(LibvirtError);
      // calls after the death reject too, never hang
      await expect(plain.getHostname()).rejects.toBeInstanceOf(LibvirtError);
    } finally {
      stop = true;
      startDaemon();
    }
    await waitFor(() => reconnects >= 1 && rc.connected, 30000, 'reconnect');
    const name = uniq('vk-rc');
    const c2 = await Connect.open(SYSTEM);
    const dom = await c2.domainDefineXML(tinyGuestXML(name));
    await waitFor(() => events.includes(name), 10000, 'event after reconnect');
    await dom.undefine();
    await c2.close();
    await sub.unsubscribe();
    await rc.close();
    await plain.unregisterCloseCallback().catch(() => {});
    await plain.close().catch(() => {});
    expect(disconnects).toHaveLength(1);
  });
});
