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
  await conn.close();
}
main(process.argv[2]).then(() => process.exit(0), (e) => { console.error(e); process.exit(2); });
