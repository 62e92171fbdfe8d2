// test:///<file>: a private test driver described by a node XML file.
import { describe, expect, it } from 'vitest';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Connect, VIR_DOMAIN_RUNNING, VIR_DOMAIN_SHUTOFF } from '../../lib/index.js';

describe('test:///<node file>', () => {
  it('opens a custom node with its own domains and state, isolated from test:///default', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vk-node-'));
    const file = join(dir, 'node.xml');
    const doms = Array.from({ length: 5 }, (_, i) =>
      `<domain type='test'><name>n${i}</name><memory>65536</memory><vcpu>1</vcpu><os><type>hvm</type></os></domain>`).join('');
    writeFileSync(file, `<node><cpu><mhz>2000</mhz><model>vk</model><nodes>1</nodes><sockets>1</sockets><cores>4</cores><threads>1</threads><active>4</active></cpu><memory>4194304</memory>${doms}</node>`);
    const conn = await Connect.open(`test://${file}`);
    const all = await conn.listAllDomains();
    expect(all.map((d) => d.getName()).sort()).toEqual(['n0', 'n1', 'n2', 'n3', 'n4']);
    for (const d of all) expect((await d.getInfo()).state).toBe(VIR_DOMAIN_RUNNING);
    const n0 = await conn.domainLookupByName('n0');
    await n0.destroy();
    expect((await n0.getState()).state).toBe(VIR_DOMAIN_SHUTOFF);
    const info = await conn.nodeGetInfo();
    expect(info.mhz).toBe(2000);
    expect(info.model).toBe('vk');
    const other = await Connect.open('test:///default');
    expect((await other.listAllDomains()).map((d) => d.getName())).not.toContain('n0');
    await other.close();
    await conn.close();
  });
});
