// Minimal reproductions of native bugs found by the fuzz (run in a child process).
import { Connect } from '../../lib/index.js';

async function main(which: string): Promise<void> {
  const conn: any = await Connect.open('test:///default');
  if (which === 'nodeGetFreePages') {
    // npages 3, startCell 0, cellCount 2: the driver writes 6 counts.
    for (let i = 0; i < 200; i++) await conn.nodeGetFreePages(3, 0, 2).catch(() => undefined);
  } else if (which === 'dataview') {
    try {
      await conn.domainLookupByUUID(new DataView(new ArrayBuffer(16)));
      process.stdout.write('resolved\n');
    } catch (e) {
      process.stdout.write(`${(e as Error).constructor.name}\n`);
    }
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
  }
  await conn.close();
}
main(process.argv[2]).then(() => process.exit(0), (e) => { console.error(e); process.exit(2); });
