// Type tests of the event API: checked by `tsc --noEmit` (npm test), never run. The event
// iterator, subscribe(), the emitter and the reconnecting connection give the same typed
// arguments as domainEventRegisterAny: no `any`, no `unknown[]`.
import { expectTypeOf } from 'vitest';
import {
  Connect, ConnectEventEmitter, ConnectionClosedError, Domain, Network, ReconnectingConnection, StoragePool,
  events, pollStats, subscribe,
  type GraphicsAddress, type PollGap, type TypedParams, type VirEvent,
} from '../../lib/index.js';

export async function eventTypes(conn: Connect, rc: ReconnectingConnection, any: VirEvent<'domain'>, some: VirEvent): Promise<void> {
  // events(): lifecycle by default, typed object and args.
  for await (const e of events(conn, 'domain')) {
    expectTypeOf(e.object).toEqualTypeOf<Domain>();
    expectTypeOf(e.eventID).toEqualTypeOf<0>();
    expectTypeOf(e.name).toEqualTypeOf<'lifecycle'>();
    expectTypeOf(e.args).toEqualTypeOf<[event: number, detail: number]>();
    // @ts-expect-error: the lifecycle callback has two arguments
    void e.args[2];
  }
  // By name or by ID.
  for await (const e of events(conn, 'domain', { eventID: 'rtc_change' })) {
    expectTypeOf(e.args).toEqualTypeOf<[utcoffset: bigint]>();
  }
  for await (const e of events(conn, 'domain', { eventID: 5 })) {
    expectTypeOf(e.args[1]).toEqualTypeOf<GraphicsAddress | null>();
  }
  for await (const e of events(conn, 'domain', { eventID: 'tunable' })) {
    expectTypeOf(e.args[0]).toEqualTypeOf<TypedParams>();
  }
  for await (const e of events(conn, 'network')) {
    expectTypeOf(e.object).toEqualTypeOf<Network>();
  }
  for await (const e of events(conn, 'storagePool', { eventID: 'refresh' })) {
    expectTypeOf(e.object).toEqualTypeOf<StoragePool>();
    expectTypeOf(e.args).toEqualTypeOf<[]>();
  }
  // @ts-expect-error: no such domain event
  events(conn, 'domain', { eventID: 'no_such_event' });
  // @ts-expect-error: network events have one ID
  events(conn, 'network', { eventID: 1 });
  // @ts-expect-error: no such kind
  events(conn, 'volume');
  // A ReconnectingConnection is an event source too.
  for await (const e of events(rc, 'domain', { eventID: 'reboot' })) {
    expectTypeOf(e.args).toEqualTypeOf<[]>();
  }
  expectTypeOf(events(conn, 'domain').ready).toEqualTypeOf<Promise<void>>();

  // Several IDs: a union discriminated by eventID.
  if (any.eventID === 13) expectTypeOf(any.args).toEqualTypeOf<[actual: bigint]>();
  if (some.kind === 'secret') expectTypeOf(some.eventID).toEqualTypeOf<0 | 1>();

  // subscribe() and ReconnectingConnection#subscribe.
  await subscribe(conn, 'domain', 24, null, (e) => {
    expectTypeOf(e.args).toEqualTypeOf<[dev: string | null, path: string | null, threshold: bigint, excess: bigint]>();
  });
  const s = await rc.subscribe('domain', 0, (e) => {
    expectTypeOf(e.object).toEqualTypeOf<Domain>();
    expectTypeOf(e.args).toEqualTypeOf<[event: number, detail: number]>();
  });
  expectTypeOf(s.kind).toEqualTypeOf<'domain'>();
  // @ts-expect-error: 27 is past the last domain event ID
  await rc.subscribe('domain', 27, () => {});

  // ConnectEventEmitter: listeners typed per event name.
  const em = new ConnectEventEmitter(conn);
  em.on('domain.lifecycle', (dom, event, detail) => {
    expectTypeOf(dom).toEqualTypeOf<Domain>();
    expectTypeOf(event).toEqualTypeOf<number>();
    expectTypeOf(detail).toEqualTypeOf<number>();
  });
  em.on('domain.balloon_change', (_dom, actual) => expectTypeOf(actual).toEqualTypeOf<bigint>());
  em.on('network.lifecycle', (net) => expectTypeOf(net).toEqualTypeOf<Network>());
  em.on('close', (err) => expectTypeOf(err).toEqualTypeOf<ConnectionClosedError>());
  // @ts-expect-error: the lifecycle listener gets numbers
  em.on('domain.lifecycle', (_dom: Domain, _event: string) => {});
  // @ts-expect-error: no such event name
  em.on('domain.nothing', () => {});

  // ReconnectingConnection listeners.
  rc.on('disconnect', (reason, name) => {
    expectTypeOf(reason).toEqualTypeOf<number>();
    expectTypeOf(name).toEqualTypeOf<string>();
  });
  rc.on('reconnect', (c, attempts) => {
    expectTypeOf(c).toEqualTypeOf<Connect>();
    expectTypeOf(attempts).toEqualTypeOf<number>();
  });
  // @ts-expect-error: no such event
  rc.on('reconected', () => {});

  // pollStats takes either kind of connection and reports gaps.
  for await (const snap of pollStats(rc)) expectTypeOf(snap.gap).toEqualTypeOf<PollGap | undefined>();
  pollStats(conn);
}
