// Child program for test/integration/90-faults.test.ts. Modes (argv[2]):
//  worker: a worker_thread with calls in flight on qemu:///system is terminated;
//  exit:   process.exit() while calls and event subscriptions are live.
// Prints `FAULTS_RESULT {json}` where it gets that far.
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { native } from '../../lib/libvirt/binding.js';
import { Connect } from '../../lib/index.js';

const URI = process.env.VK_FAULTS_URI ?? 'qemu:///system';

async function flood(conn: any, n: number): Promise<Promise<unknown>[]> {
  const ps: Promise<unknown>[] = [];
  for (let i = 0; i < n; i++) {
    const p = i % 3 === 0 ? conn.getCapabilities() : i % 3 === 1 ? conn.listAllDomains(0) : conn.nodeGetInfo();
    ps.push(p.catch(() => undefined));
  }
  return ps;
}

async function workerBody(): Promise<void> {
  const conn: any = await Connect.open(URI);
  // Keep 100 calls in flight forever.
  parentPort!.postMessage('ready');
  for (;;) await Promise.all(await flood(conn, 100));
}

async function main(mode: string): Promise<void> {
  if (mode === 'worker') {
    let terminated = 0;
    for (let round = 0; round < 5; round++) {
      const w = new Worker(process.argv[1], { workerData: { vkFaultWorker: true } });
      await new Promise<void>((res, rej) => { w.once('message', () => res()); w.once('error', rej); });
      await new Promise((r) => setTimeout(r, 50 + round * 20));
      await w.terminate();
      terminated++;
    }
    // The main thread still works after its workers died mid-call.
    const conn: any = await Connect.open(URI);
    const t = await conn.getType();
    await conn.close();
    process.stdout.write(`FAULTS_RESULT ${JSON.stringify({ terminated, type: t, inFlight: native._diagnostics().inFlight })}\n`);
  } else if (mode === 'exit') {
    const conn: any = await Connect.open(URI);
    await conn.domainEventRegisterAny(null, 0, () => {});
    await conn.networkEventRegisterAny(null, 0, () => {});
    await flood(conn, 100);
    process.stdout.write(`FAULTS_RESULT ${JSON.stringify({ inFlight: native._diagnostics().inFlight })}\n`);
    process.exit(0);  // with calls in flight and callbacks registered
  }
}

if (!isMainThread && workerData?.vkFaultWorker) {
  workerBody().catch(() => undefined);
} else if (isMainThread) {
  main(process.argv[2]).then(() => process.exit(0), (e) => { console.error(e); process.exit(2); });
}
