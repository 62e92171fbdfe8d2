// Minimal reproductions of native bugs found by the fuzz (run in a child process).
import { native } from '../../lib/libvirt/binding.js';
import { LibvirtError } from '../../lib/libvirt/errors.js';

native._setup(LibvirtError);

async function main(which: string): Promise<void> {
  // The addon alone (no lib/index): fewer allocations, so glibc notices at once.
  const conn: any = await native.Connect.open('test:///default');
  if (which === 'nodeGetFreePages') {
    // npages 8, startCell 0, cellCount 2: the driver writes 16 counts where the
    // binding has room for one. glibc notices the corruption at some later
    // malloc/free, often at once ("free(): invalid size"), not every time.
    // The old scalar form is refused up front; the array form sizes the output.
    try {
      (conn as any).nodeGetFreePages(8, 0, 2);
      throw new Error('scalar pages accepted');
    } catch (e) {
      if (!(e instanceof TypeError)) throw e;
    }
    const r = await conn.nodeGetFreePages([4, 8, 2048, 1048576, 4, 8, 2048, 1048576], 0, 2).catch((e: Error) => e.message);
    process.stdout.write(`${JSON.stringify(r, (_k, v) => (typeof v === 'bigint' ? String(v) : v))}\n`);
  } else if (which === 'dataview') {
    try {
      await conn.domainLookupByUUID(new DataView(new ArrayBuffer(16)));
      process.stdout.write('resolved\n');
    } catch (e) {
      process.stdout.write(`${(e as Error).constructor.name}\n`);
    }
  } else if (which === 'leaks') {
    // Under valgrind (scripts/valgrind.sh reports them): each failing call leaks its C buffer.
    const d = await conn.domainLookupByName('test');
    const st = await conn.streamNew(0);
    for (let i = 0; i < 10; i++) {
      await d.getBlockIoTune('nosuchdisk', 0).catch(() => undefined);      // 1920 B per call
      await d.getInterfaceParameters('nosuchif', 0).catch(() => undefined); // 672 B per call
      await d.getSchedulerParametersFlags(0).catch(() => undefined);        // 96 B per call
      await st.recv(64).catch(() => undefined);                             // the 64-byte buffer
    }
    st.free(); d.free();
  } else if (which === 'sendHoleEnded') {
    // libvirt 9.0's fd stream (a test-driver screenshot) dereferences its closed
    // state in virStreamSendHole: SIGSEGV unless the binding refuses the call.
    const d = await conn.domainLookupByName('test');
    const out: string[] = [];
    // 'recvAll fails': a handler that throws makes libvirt's virStreamRecvAll abort the
    // stream itself (the fuzz's seed 507 crashed on the sendHole after it).
    for (const end of ['abort', 'finish', 'recvAll fails'] as const) {
      for (const how of ['sendHole', 'sparseSendAll'] as const) {
        const st = await conn.streamNew(0);
        await d.screenshot(st, 0);
        if (end === 'finish') await st.recvAll(() => {});
        if (end === 'recvAll fails') {
          await st.recvAll(() => { throw new Error('handler fails'); }).catch(() => {});
        } else {
          await st[end]();
        }
        const p = how === 'sendHole' ? st.sendHole(1024, 0)
          : st.sparseSendAll(() => Buffer.alloc(0), () => ({ inData: false, length: 1024 }), () => {});
        out.push(`${end}/${how}: ${await p.then(() => 'resolved', (e: Error) => `${e.constructor.name}: ${e.message}`)}`);
        st.free();
      }
    }
    process.stdout.write(out.join('\n') + '\n');
  }
  await conn.close();
}
main(process.argv[2]).then(() => process.exit(0), (e) => { console.error(e); process.exit(2); });
