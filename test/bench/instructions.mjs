// Child of test/bench/instructions.sh, run under callgrind: N awaited calls and nothing else
// that grows with N. `stats URI N`: getAllDomainStats(0, 0); `serial URI DOMAIN N`: getInfo.
import { Connect } from '../../dist/index.mjs';

const [what, uri, ...rest] = process.argv.slice(2);
const n = Number(rest[rest.length - 1]);
const conn = await Connect.open(uri);
if (what === 'stats') {
  for (let i = 0; i < n; i++) await conn.getAllDomainStats(0, 0);
} else {
  const dom = await conn.domainLookupByName(rest[0]);
  for (let i = 0; i < n; i++) await dom.getInfo();
  dom.free();
}
await conn.close();
