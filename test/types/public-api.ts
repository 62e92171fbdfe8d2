// Type tests of the public surface: checked by `tsc --noEmit` (npm test), never run. An
// assertion that no longer holds, or a `@ts-expect-error` line that starts to compile, fails
// the type check.
import { expectTypeOf } from 'vitest';
import {
  Connect, Domain, LibvirtError, VirtkitError, StorageVol, Stream,
  VIR_CONNECT_LIST_DOMAINS_ACTIVE, getVersion, events,
  XMLError, ProvisionError, MigrationError, FleetTimeoutError,
  type TypedParams,
} from '../../lib/index.js';
import { openHost, HostError, type Host, type Guest, type GuestState } from '../../lib/host/index.js';
import { Xl, CliError, LocalTransport } from '../../lib/backends/xl/public.js';
import { Lxc } from '../../lib/backends/lxc/public.js';
import { FakeTransport } from '../../lib/testing/index.js';

export async function surface(conn: Connect, dom: Domain, vol: StorageVol): Promise<void> {
  expectTypeOf(Connect.open).returns.resolves.toEqualTypeOf<Connect>();
  expectTypeOf(conn.listAllDomains).returns.resolves.toEqualTypeOf<Domain[]>();
  expectTypeOf(VIR_CONNECT_LIST_DOMAINS_ACTIVE).toBeNumber();
  expectTypeOf(getVersion().libVer).toBeNumber();

  // Synchronous calls that libvirt answers from memory; Promises for everything else.
  expectTypeOf(dom.getName()).toBeString();
  expectTypeOf(dom.getUUIDString()).toBeString();
  expectTypeOf(dom.isActive()).resolves.toBeBoolean();
  const info = await dom.getInfo();
  expectTypeOf(info.cpuTime).toEqualTypeOf<bigint>();
  expectTypeOf(info.memory).toBeNumber();
  expectTypeOf(await dom.getState()).toHaveProperty('reason');
  expectTypeOf(await dom.getAutostart()).toBeBoolean();

  // Bulk stats: wrappers plus typed parameters.
  const [rec] = await conn.getAllDomainStats(0, 0);
  expectTypeOf(rec!.domain).toEqualTypeOf<Domain>();
  expectTypeOf(rec!.params).toEqualTypeOf<TypedParams>();

  // Streams are async-iterable Buffers with Node adapters.
  const st: Stream = await conn.streamNew(0);
  expectTypeOf(st.recv(1024)).resolves.toEqualTypeOf<Buffer | -2>(); // -2: would block (VIR_STREAM_NONBLOCK)
  expectTypeOf(st.toReadable).toBeFunction();
  expectTypeOf(vol.uploadFrom).toBeFunction();

  // One error hierarchy.
  expectTypeOf<LibvirtError>().toExtend<VirtkitError>();
  expectTypeOf<CliError>().toExtend<VirtkitError>();
  expectTypeOf<HostError>().toExtend<VirtkitError>();
  expectTypeOf<XMLError>().toExtend<VirtkitError>();
  expectTypeOf<ProvisionError>().toExtend<VirtkitError>();
  expectTypeOf<MigrationError>().toExtend<VirtkitError>();
  expectTypeOf<FleetTimeoutError>().toExtend<VirtkitError>();
  expectTypeOf<LibvirtError['codeName']>().toBeString();

  // The event iterator is an async iterable.
  expectTypeOf(events(conn, 'domain')).toHaveProperty(Symbol.asyncIterator);

  // Subpaths.
  expectTypeOf(openHost).returns.resolves.toEqualTypeOf<Host>();
  expectTypeOf<Awaited<ReturnType<Host['lookup']>>>().toEqualTypeOf<Guest>();
  expectTypeOf<GuestState>().toEqualTypeOf<'running' | 'paused' | 'shutoff' | 'crashed' | 'shutdown' | 'blocked' | 'unknown'>();
  expectTypeOf(new Xl(new FakeTransport())).toEqualTypeOf<Xl>();
  expectTypeOf(new Lxc(new LocalTransport())).toEqualTypeOf<Lxc>();

  // Misuse that must not compile.
  // @ts-expect-error: wrappers are never constructed by users
  new Connect();
  // @ts-expect-error: flags are numbers
  await conn.listAllDomains('active');
  // @ts-expect-error: getName takes no argument
  dom.getName(1);
  // @ts-expect-error: a Domain method is not on a StorageVol
  await vol.getInfo(0, 1);
  // @ts-expect-error: no such method
  await dom.getInfoo();
}
