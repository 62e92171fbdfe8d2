// Child of test/driver/37-call-costs.test.ts: the same calls with the cheaper paths turned
// off by environment (VIRTKIT_PUBLIC_REFS: libvirt's public ref/free for held references;
// VIRTKIT_NO_SCRIPTS: objects built property by property, rejections not re-stacked).
import { Connect } from '../../lib/index.js';

(async () => {
  const conn = await Connect.open('test:///default');
  const dom = await conn.domainLookupByName('test');
  const info = await dom.getInfo();
  const state = await dom.getState(0);
  const recs = await conn.getAllDomainStats(0, 0);
  const stats = recs.map((r) => ({ keys: Object.keys(r), name: r.domain.getName(), same: r.domain === dom, params: r.params }));
  let failures = 0;
  for (let i = 0; i < 500; i++) {
    await dom.getInfo();
    await dom.getXMLDesc(0xffff).catch(() => failures++);
  }
  const e = (await dom.getXMLDesc(0xffff).catch((x: unknown) => x)) as Error;
  dom.free();
  const left = await conn.close();
  const out = { info: { ...info, cpuTime: typeof info.cpuTime }, keys: Object.keys(info), state, stats, failures, left, stack: e.stack };
  process.stdout.write('COST_RESULT ' + JSON.stringify(out) + '\n');
})();
