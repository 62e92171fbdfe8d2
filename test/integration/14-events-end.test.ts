// When libvirt closes the connection under an event stream (the daemon drops the
// client, as on a crash), the stream ends with the reason; on a reconnecting
// connection it resumes.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import {
  Connect, ConnectEventEmitter, ConnectionClosedError, ReconnectingConnection, events, pollStats,
  VIR_DOMAIN_EVENT_DEFINED, VIR_DOMAIN_EVENT_UNDEFINED,
} from '../../lib/libvirt/index.js';
import { uniq, waitFor } from '../helpers/index.js';
import { SYSTEM, daemonUp, needDaemon, removeDomain, tinyGuestXML } from '../helpers/qemu.js';
import { disconnectMyClients } from '../helpers/admin.js';

const gate = needDaemon();

function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let t: NodeJS.Timeout;
  return Promise.race([p, new Promise<T>((_, rej) => { t = setTimeout(() => rej(new Error(`timed out: ${what}`)), ms); })]).finally(() => clearTimeout(t));
}

describe.skipIf(gate.skip)(`event streams when the connection dies (${gate.reason})`, () => {
  it('events() on a Connect ends with ConnectionClosedError carrying the close reason', async () => {
    const conn = await Connect.open(SYSTEM);
    const it = events(conn, 'domain');
    await it.ready;
    const reading = (async () => {
      let n = 0;
      for await (const _ of it) n++;
      return n;
    })();
    expect(disconnectMyClients()).toBeGreaterThan(0);
    const err = await within(reading.then(() => null, (e: unknown) => e), 10000, 'the iterator to end');
    expect(err).toBeInstanceOf(ConnectionClosedError);
    expect(['eof', 'error', 'keepalive']).toContain((err as ConnectionClosedError).reasonName);
    expect(await conn.isAlive()).toBe(false);
    await conn.close().catch(() => {});
  });

  it("a ConnectEventEmitter emits 'close' with the reason", async () => {
    const conn = await Connect.open(SYSTEM);
    const em = new ConnectEventEmitter(conn);
    em.on('domain.lifecycle', () => {});
    await em.ready();
    const closed = new Promise<ConnectionClosedError>((r) => em.once('close', r));
    disconnectMyClients();
    const e = await within(closed, 10000, "the emitter's close");
    expect(e).toBeInstanceOf(ConnectionClosedError);
    expect(typeof e.reason).toBe('number');
    await em.close();
    await conn.close().catch(() => {});
  });

  it('events() on a ReconnectingConnection resumes after the daemon drops it', async () => {
    const rc = await ReconnectingConnection.open(SYSTEM, { initialDelayMs: 100, maxDelayMs: 500 });
    const name = uniq('agent-end');
    const ac = new AbortController();
    const seen: number[] = [];
    try {
      const it = events(rc, 'domain', { eventID: 'lifecycle', signal: ac.signal });
      await it.ready;
      const reading = (async () => {
        for await (const e of it) if (e.object.getName() === name) seen.push(e.args[0]);
      })();
      const reconnected = new Promise((r) => rc.once('reconnect', r));
      disconnectMyClients();
      await within(reconnected, 15000, 'reconnect');
      const dom = await rc.conn.domainDefineXML(tinyGuestXML(name));
      await dom.undefine();
      await waitFor(() => seen.length >= 2, 10000, 'events after the reconnect');
      expect(seen).toEqual([VIR_DOMAIN_EVENT_DEFINED, VIR_DOMAIN_EVENT_UNDEFINED]);
      ac.abort();
      await reading;
    } finally {
      if (rc.connected) await removeDomain(rc.conn, name);
      await rc.close();
    }
  });

  it('with the close callback taken by the application, events() still ends (liveness is polled)', async () => {
    const conn = await Connect.open(SYSTEM);
    const mine: number[] = [];
    await conn.registerCloseCallback((_c, reason) => mine.push(reason));
    const it = events(conn, 'domain');
    await it.ready;
    const ended = (async () => {
      for await (const _ of it) { /* none expected */ }
    })().then(() => null, (e: unknown) => e);
    disconnectMyClients();
    const err = await within(ended, 10000, 'the iterator to end');
    expect(err).toBeInstanceOf(ConnectionClosedError);
    expect(mine).toHaveLength(1); // the application's own callback still fired
    await conn.unregisterCloseCallback().catch(() => {});
    await conn.close().catch(() => {});
  });

  it('libvirtd SIGKILLed: events(), the emitter and pollStats on one connection all end with the close reason', async () => {
    const conn = await Connect.open(SYSTEM);
    const it = events(conn, 'domain');
    const em = new ConnectEventEmitter(conn);
    em.on('domain.reboot', () => {});
    const closed = new Promise<ConnectionClosedError>((r) => em.once('close', r));
    await it.ready;
    await em.ready();
    const iterEnd = (async () => {
      for await (const _ of it) { /* drain */ }
    })().then(() => null, (e: unknown) => e);
    const poll = pollStats(conn, { intervalMs: 100 });
    expect((await poll.next()).done).toBe(false);
    const pollEnd = (async () => {
      for await (const _ of poll) { /* drain */ }
    })().then(() => null, (e: unknown) => e);
    const pid = execFileSync('pidof', ['libvirtd'], { encoding: 'utf8' }).trim().split(/\s+/)[0]!;
    try {
      execFileSync('kill', ['-9', pid]);
      const [a, b, c] = await within(Promise.all([iterEnd, closed, pollEnd]), 15000, 'all three to end');
      expect(a).toBeInstanceOf(ConnectionClosedError);
      expect(b).toBeInstanceOf(ConnectionClosedError);
      expect(c).toBeInstanceOf(ConnectionClosedError);
      expect((a as ConnectionClosedError).reason).toBe(b.reason);
    } finally {
      if (!daemonUp()) execFileSync('bash', ['scripts/start-services.sh'], { stdio: 'ignore' });
      await em.close();
      await conn.close().catch(() => {});
    }
  }, 60_000);
});
