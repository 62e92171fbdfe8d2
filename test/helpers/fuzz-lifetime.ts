// Lifetime checks, run in a child with --expose-gc by test/driver/91-lifetime.test.ts.
// Prints `LIFETIME_RESULT {json}`.
import { native } from '../../lib/libvirt/binding.js';
import { Connect, LibvirtError } from '../../lib/index.js';

const gc = (globalThis as any).gc as () => void;
const live = () => native._diagnostics().live as Record<string, number>;
const tick = () => new Promise((r) => setImmediate(r));

/** GC until finalizers ran (ObjectWrap finalizers run after a GC, on the next turns). */
async function collect(): Promise<void> {
  for (let i = 0; i < 8; i++) { gc(); await tick(); await new Promise((r) => setTimeout(r, 5)); }
}

async function main(): Promise<void> {
  const out: Record<string, unknown> = {};
  const mode = process.argv[2] ?? 'all';
  const conn: any = await Connect.open('test:///default');

  if (mode === 'all') {
    await collect();
    const base = live();
    out.baseline = base;
    for (let i = 0; i < Number(process.env.VK_LIFETIME_ROUNDS ?? 5000); i++) {
      const d = await conn.domainLookupByName('test');
      await d.getInfo();
      const n = await conn.networkLookupByName('default');
      await n.getXMLDesc(0);
      const p = await conn.storagePoolLookupByName('default-pool');
      await p.getInfo();
      const all = await conn.listAllDomains(0);
      if (all.length < 1) throw new Error('no domains');
    }
    out.peak = live();
    await collect();
    out.after = live();

    // free() idempotent; calls on freed objects reject (never throw synchronously).
    const d: any = await conn.domainLookupByName('test');
    d.free(); d.free(); d.free();
    let threw = false;
    let p: Promise<unknown> | undefined;
    try { p = d.getInfo(); } catch { threw = true; }
    const e = await p?.catch((x) => x);
    out.freedThrewSync = threw;
    out.freedRejected = e instanceof LibvirtError && (e as any).virtkitCode === 'ERR_OBJECT_FREED';
    out.freedIsFreed = d._isFreed();

    // using / await using
    let disposedDom: any;
    {
      using dd = (await conn.domainLookupByName('test')) as any;
      disposedDom = dd;
      await dd.getInfo();
    }
    out.usingFreed = disposedDom._isFreed();
    let disposedConn: any;
    {
      await using c2 = (await Connect.open('test:///default')) as any;
      disposedConn = c2;
      await c2.getType();
    }
    const ce = await disposedConn.getType().catch((x: unknown) => x);
    out.awaitUsingClosed = ce instanceof LibvirtError && (ce as any).virtkitCode === 'ERR_OBJECT_FREED';

    // close() with 100 calls in flight: all settle.
    const c3: any = await Connect.open('test:///default');
    const dom3 = await c3.domainLookupByName('test');
    const inflight: Promise<unknown>[] = [];
    for (let i = 0; i < 100; i++) inflight.push(i % 2 ? c3.getType() : dom3.getInfo());
    const closing = c3.close();
    const settled = await Promise.race([
      Promise.allSettled([...inflight, closing]),
      new Promise((r) => setTimeout(() => r('timeout'), 10_000)),
    ]);
    out.closeInFlightSettled = Array.isArray(settled) ? settled.length : settled;
    out.closeInFlightBad = Array.isArray(settled)
      ? settled.filter((s: any) => s.status === 'rejected' && !(s.reason instanceof LibvirtError)).length : -1;
    const after3 = await Promise.allSettled(Array.from({ length: 100 }, () => c3.getType()));
    out.afterCloseRejected = after3.filter((s: any) => s.status === 'rejected' && s.reason?.virtkitCode === 'ERR_OBJECT_FREED').length;
    dom3.free();
    await collect();
    out.final = live();
  } else if (mode === 'rss') {
    // A million cheap async calls; RSS after warm-up vs after the loop (with GC).
    const N = Number(process.argv[3] ?? 1_000_000);
    const dom: any = await conn.domainLookupByName('test');
    const batch = async (n: number) => {
      for (let i = 0; i < n; i += 1000) {
        const ps = new Array(1000);
        for (let j = 0; j < 1000; j++) ps[j] = dom.isActive();
        await Promise.all(ps);
      }
    };
    const t0 = Date.now();
    await batch(100_000);
    await collect();
    out.rssWarm = process.memoryUsage().rss;
    await batch(N);
    await collect();
    out.rssAfter = process.memoryUsage().rss;
    out.calls = N + 100_000;
    out.ms = Date.now() - t0;
    out.inFlight = native._diagnostics().inFlight;
  }
  await conn.close();
  process.stdout.write(`LIFETIME_RESULT ${JSON.stringify(out)}\n`);
}
main().then(() => process.exit(0), (e) => { console.error(e); process.exit(2); });
