// Child of test/driver/36-missing-function.test.ts: runs with VIRTKIT_TEST_MISSING
// naming functions the addon then treats as compiled out (an older libvirt).
import { native } from '../../lib/libvirt/binding.js';
import { Connect, LibvirtError, getVersion } from '../../lib/index.js';

const describe = (e: unknown) => ({
  isLibvirtError: e instanceof LibvirtError,
  codeName: (e as LibvirtError).codeName,
  message: (e as Error).message,
});

(async () => {
  const conn = await Connect.open('test:///default');
  const dom = await conn.domainLookupByName('test');
  const out: Record<string, unknown> = {
    asyncIsFunction: typeof dom.getSchedulerType === 'function',
    listed: (native._bound as Array<{ c: string; missingSince?: string }>).filter((b) => b.missingSince !== undefined),
    stillWorks: await dom.getOSType(),
  };
  const p = dom.getSchedulerType();
  out.returnsPromise = p instanceof Promise;
  out.async = await p.then(() => 'resolved', describe);
  try { getVersion(); out.sync = 'returned'; } catch (e) { out.sync = describe(e); }
  dom.free();
  await conn.close();
  process.stdout.write('MISSING_RESULT ' + JSON.stringify(out) + '\n');
})();
