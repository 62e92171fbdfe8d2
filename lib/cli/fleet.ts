// `list` and `top` over several hosts (`--connect` given more than once): a HOST column, and
// hosts that are down reported on stderr without holding up the others.
import { Fleet, type FleetList } from '../fleet/index.js';
import { json, stateKey, stateWord, table } from './format.js';
import { snapshots, type Snapshot } from './stats.js';

/** Opens every URI as a fleet (each host named by its URI). */
export function openFleet(uris: string[], readOnly: boolean): Promise<Fleet> {
  return Fleet.open(uris, { readOnly, timeoutMs: 10_000, reconnect: { initialDelayMs: 500, maxDelayMs: 5000 } });
}

/** Prints every domain of every host; resolves to false when a host could not answer. */
export async function fleetListCommand(fleet: Fleet, asJson: boolean): Promise<boolean> {
  const { domains, failed }: FleetList = await fleet.list();
  const rows = domains.map((d) => ({ host: d.host, id: d.id, name: d.name, uuid: d.uuid, state: stateKey(d.state), stateCode: d.state }));
  if (asJson) {
    process.stdout.write(json({ domains: rows, failed: failed.map((f) => ({ host: f.host, error: f.error.message })) }) + '\n');
  } else {
    for (const line of table(
      [{ title: 'Host' }, { title: 'Id', align: 'right', width: 3 }, { title: 'Name' }, { title: 'State' }],
      rows.map((r) => [r.host, r.id === null ? '-' : String(r.id), r.name, stateWord(r.stateCode)]),
    ))
      process.stdout.write(line + '\n');
  }
  for (const f of failed) process.stderr.write(`virtkit: ${f.host}: ${f.error.message.replace(/\s*\n\s*/g, ' ')}\n`);
  return failed.length === 0;
}

/**
 * `top`'s snapshots from every host, merged every `intervalMs`: each row carries its host. A
 * host's sampler that fails (connection lost) starts again on the host's next connection.
 */
export async function* fleetSnapshots(fleet: Fleet, outer: { intervalMs: number; signal: AbortSignal }): AsyncGenerator<Snapshot> {
  // Own signal: leaving the loop early (top's --iterations) must stop the samplers too.
  const ac = new AbortController();
  const stop = () => ac.abort();
  outer.signal.addEventListener('abort', stop, { once: true });
  const opts = { intervalMs: outer.intervalMs, signal: ac.signal };
  const latest = new Map<string, Snapshot>();
  const hosts = fleet.status().map((s) => s.name);
  const loops = hosts.map(async (host) => {
    while (!opts.signal.aborted) {
      const conn = fleet.connection(host);
      if (conn) {
        try {
          for await (const snap of snapshots(conn, host, opts)) latest.set(host, snap);
        } catch {
          /* lost: wait for the next connection */
        }
        latest.delete(host);
      }
      await new Promise((r) => setTimeout(r, opts.intervalMs));
    }
  });
  const t0 = Date.now();
  let first = true;
  try {
    while (!opts.signal.aborted) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, first ? 50 : opts.intervalMs);
        opts.signal.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
      });
      if (opts.signal.aborted || latest.size === 0) continue;
      // The first frame waits (up to one interval) for every connected host's first sample.
      const connected = hosts.filter((h) => fleet.connection(h) !== null).length;
      if (first && latest.size < connected && Date.now() - t0 < opts.intervalMs) continue;
      first = false;
      const parts = hosts.filter((h) => latest.has(h)).map((h) => latest.get(h)!);
      const down = hosts.length - parts.length;
      yield {
        time: new Date().toISOString(),
        uri: `${hosts.length} hosts${down ? ` (${down} not answering)` : ''}`,
        elapsed: parts[0].elapsed,
        domains: parts.flatMap((s) => s.domains.map((d) => ({ ...d, host: s.uri }))),
      };
    }
  } finally {
    outer.signal.removeEventListener('abort', stop);
    ac.abort();
    await Promise.all(loops);
  }
}
