// pollStats across a dropped connection: a ReconnectingConnection carries on and
// reports the gap; a plain Connect ends with a typed error.
import { describe, expect, it } from 'vitest';
import { Connect, ConnectionClosedError, ReconnectingConnection, pollStats, type PollSnapshot } from '../../lib/libvirt/index.js';
import { SYSTEM, needDaemon } from '../helpers/qemu.js';
import { disconnectMyClients } from '../helpers/admin.js';

const gate = needDaemon();

describe.skipIf(gate.skip)(`pollStats when the connection drops (${gate.reason})`, () => {
  it('on a ReconnectingConnection: polling carries on and the first snapshot after it has a gap record', async () => {
    const rc = await ReconnectingConnection.open(SYSTEM, { initialDelayMs: 300, maxDelayMs: 1000 });
    const ac = new AbortController();
    const snaps: PollSnapshot[] = [];
    try {
      let dropped = false;
      for await (const s of pollStats(rc, { intervalMs: 100, signal: ac.signal })) {
        snaps.push(s);
        if (!dropped && snaps.length === 3) {
          dropped = true;
          expect(disconnectMyClients()).toBeGreaterThan(0);
        }
        if (snaps.some((x) => x.gap) && snaps.length >= snaps.findIndex((x) => x.gap) + 3) break;
        if (snaps.length > 200) break;
      }
    } finally {
      ac.abort();
      await rc.close();
    }
    const i = snaps.findIndex((s) => s.gap);
    expect(i).toBeGreaterThanOrEqual(3);
    const gap = snaps[i]!.gap!;
    expect(gap.missedTicks).toBeGreaterThan(0);
    expect(gap.until.getTime()).toBeGreaterThanOrEqual(gap.since.getTime());
    expect(typeof gap.reason).toBe('string');
    expect(snaps.filter((s) => s.gap)).toHaveLength(1);
    expect(snaps.map((s) => s.seq)).toEqual(snaps.map((_, k) => k + 1)); // no snapshot lost or repeated
    expect(rc.disconnects).toBe(1);
  });

  it('on a plain Connect: the iteration ends with ConnectionClosedError', async () => {
    const conn = await Connect.open(SYSTEM);
    let n = 0;
    let err: unknown;
    try {
      for await (const _ of pollStats(conn, { intervalMs: 100 })) {
        if (++n === 2) disconnectMyClients();
        if (n > 100) break;
      }
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConnectionClosedError);
    expect(n).toBeLessThan(100);
    await conn.close().catch(() => {});
  });
});
