// One load participant (main thread or worker_thread): its own connection to
// test:///default, per-thread domains, every result checked. Used by
// test/driver/92-load.test.ts.
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { Connect, LibvirtError } from '../../lib/index.js';

const RUNNING = 1, PAUSED = 3, SHUTOFF = 5;

export async function loadRun(tag: string, ops: number): Promise<{ ops: number; checked: number; errors: string[] }> {
  const conn: any = await Connect.open('test:///default');
  let n = 0, checked = 0;
  const errors: string[] = [];
  const check = (ok: boolean, what: string) => { checked++; if (!ok && errors.length < 20) errors.push(`${tag}: ${what}`); };
  const shared = await conn.domainLookupByName('test');
  for (let k = 0; n < ops; k++) {
    const name = `vk-hard-load-${tag}-${k}`;
    const xml = `<domain type='test'><name>${name}</name><memory unit='KiB'>65536</memory><vcpu>1</vcpu><os><type arch='i686'>hvm</type></os></domain>`;
    const d = await conn.domainDefineXML(xml); n++;
    check(d.getName() === name, 'define name');
    const l = await conn.domainLookupByName(name); n++;
    check(l.getUUIDString() === d.getUUIDString(), 'lookup uuid');
    check((await d.getInfo()).state === SHUTOFF, 'defined is SHUTOFF'); n++;
    await d.create(); n++;
    check((await l.getState()).state === RUNNING, 'created is RUNNING'); n++;
    await d.suspend(); n++;
    check((await d.getInfo()).state === PAUSED, 'suspended is PAUSED'); n++;
    await l.resume(); n++;
    check((await d.getState()).state === RUNNING, 'resumed is RUNNING'); n++;
    check((await d.getXMLDesc(0)).includes(`<name>${name}</name>`), 'xml has name'); n++;
    const si = await shared.getInfo(); n++;                       // the shared 'test' domain
    check(si.nrVirtCpu >= 1 && typeof si.cpuTime === 'bigint', 'shared getInfo');
    await d.destroy(); n++;
    await d.undefine(); n++;
    const e = await conn.domainLookupByName(name).catch((x: unknown) => x); n++;
    check(e instanceof LibvirtError && (e as LibvirtError).codeName === 'VIR_ERR_NO_DOMAIN', 'lookup after undefine');
    d.free(); l.free();
  }
  shared.free();
  await conn.close();
  return { ops: n, checked, errors };
}

if (!isMainThread && workerData?.vkLoad) {
  loadRun(workerData.tag, workerData.ops).then((r) => parentPort!.postMessage(r), (e) => parentPort!.postMessage({ ops: 0, checked: 0, errors: [String(e?.stack ?? e)] }));
}
