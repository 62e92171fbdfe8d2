// Hand-written node, network, secret, LXC and QEMU calls (native/src/manual_node.cc).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Connect, Domain, LibvirtError, Network, Secret,
  VIR_NODE_CPU_STATS_ALL_CPUS, VIR_NODE_MEMORY_STATS_ALL_CELLS,
} from '../../lib/index.js';
import { native } from '../../lib/libvirt/binding.js';

async function rejection(p: Promise<unknown>, codeName?: string): Promise<any> {
  const e: any = await p.then(() => undefined, (x) => x);
  expect(e).toBeInstanceOf(LibvirtError);
  expect(typeof e.code).toBe('number');
  expect(e.codeName).toMatch(/^VIR_ERR_/);
  if (codeName) expect(e.codeName).toBe(codeName);
  return e;
}

describe('node calls on test:///default', () => {
  let conn: Connect;
  beforeAll(async () => { conn = await Connect.open('test:///default'); });
  afterAll(async () => { await conn.close(); });

  it('nodeGetCPUMap: {cpumap, online, ret}', async () => {
    const m = await conn.nodeGetCPUMap();
    expect(m.ret).toBeGreaterThan(0);
    expect(Buffer.isBuffer(m.cpumap)).toBe(true);
    expect(m.cpumap).toHaveLength(Math.ceil(m.ret / 8));
    let bits = 0;
    for (let i = 0; i < m.ret; i++) if (m.cpumap[i >> 3] & (1 << (i & 7))) bits++;
    expect(bits).toBe(m.online);
    expect(() => (conn as any).nodeGetCPUMap('x')).toThrow(TypeError);
  });

  it('nodeGetCPUStats: field -> bigint', async () => {
    const s = await conn.nodeGetCPUStats(VIR_NODE_CPU_STATS_ALL_CPUS);
    expect(Object.keys(s).sort()).toEqual(['idle', 'iowait', 'kernel', 'user']);
    for (const v of Object.values(s)) expect(typeof v).toBe('bigint');
    expect(() => (conn as any).nodeGetCPUStats()).toThrow(TypeError);
    expect(() => (conn as any).nodeGetCPUStats(2 ** 31)).toThrow(RangeError);
  });

  it('nodeGetMemoryStats is not in the test driver: typed rejection', async () => {
    await rejection(conn.nodeGetMemoryStats(VIR_NODE_MEMORY_STATS_ALL_CELLS), 'VIR_ERR_NO_SUPPORT');
    expect(() => (conn as any).nodeGetMemoryStats('all')).toThrow(TypeError);
  });

  it('nodeGetCellsFreeMemory: one bigint per cell', async () => {
    const info = await conn.nodeGetInfo();
    const cells = await conn.nodeGetCellsFreeMemory(0, 64);
    expect(cells).toHaveLength(info.nodes);
    for (const c of cells) expect(typeof c).toBe('bigint');
    expect(await conn.nodeGetCellsFreeMemory(1, 1)).toEqual([cells[1]]);
    expect(() => (conn as any).nodeGetCellsFreeMemory(0, -1)).toThrow(RangeError);
    expect(() => (conn as any).nodeGetCellsFreeMemory(-1, 1)).toThrow(RangeError);
    expect(() => (conn as any).nodeGetCellsFreeMemory(0, 1e9)).toThrow(RangeError);
    expect(() => (conn as any).nodeGetCellsFreeMemory(0)).toThrow(TypeError);
    await rejection(conn.nodeGetCellsFreeMemory(100, 1));
  });

  it('nodeGetSecurityModel: {model, doi}', async () => {
    const m = await conn.nodeGetSecurityModel();
    expect(m).toEqual({ model: 'testSecurity', doi: expect.any(String) });
  });

  it('Network#getDHCPLeases rejects on the test driver; bad mac throws', async () => {
    const net = await conn.networkLookupByName('default');
    expect(net).toBeInstanceOf(Network);
    await rejection(net.getDHCPLeases(null), 'VIR_ERR_NO_SUPPORT');
    await rejection(net.getDHCPLeases(), 'VIR_ERR_NO_SUPPORT');
    await rejection(net.getDHCPLeases('52:54:00:00:00:01'), 'VIR_ERR_NO_SUPPORT');
    expect(() => (net as any).getDHCPLeases(12)).toThrow(TypeError);
    expect(() => (net as any).getDHCPLeases('a\0b')).toThrow(TypeError);
  });

  it('Secret#getValue: the test driver has no secrets', async () => {
    await rejection(conn.secretDefineXML('<secret ephemeral="yes" private="no"/>'), 'VIR_ERR_NO_SUPPORT');
  });

  // The test driver has no secret driver, so the round trip runs against the
  // local libvirtd when one answers (an ephemeral secret: nothing is written).
  it('Secret#getValue returns what setValue stored, as a Buffer (libvirtd)', async (ctx) => {
    const sys = await Connect.open('qemu:///system').catch(() => null);
    if (!sys) return ctx.skip();
    const uuid = `5f2b${String(process.pid % 10000).padStart(4, '0')}-1111-4222-8333-444455556666`;
    const sec = await sys.secretDefineXML(
      `<secret ephemeral='yes' private='no'><uuid>${uuid}</uuid>` +
        `<usage type='volume'><volume>/virtkit/test-${process.pid}.img</volume></usage></secret>`);
    try {
      expect(sec).toBeInstanceOf(Secret);
      await rejection(sec.getValue(), 'VIR_ERR_NO_SECRET'); // no value yet
      const bytes = Buffer.from([0, 1, 2, 250, 255, 0, 42]);
      await sec.setValue(bytes);
      const got = await sec.getValue();
      expect(Buffer.isBuffer(got)).toBe(true);
      expect(got.equals(bytes)).toBe(true);
      expect(() => (sec as any).getValue('x')).toThrow(TypeError);
    } finally {
      await sec.undefine();
      await sys.close();
    }
  });

  it('LXC and QEMU calls reject with NO_SUPPORT on the test driver', async () => {
    const dom = await conn.domainLookupByName('test');
    expect(dom).toBeInstanceOf(Domain);
    await rejection(dom.lxcOpenNamespace(), 'VIR_ERR_NO_SUPPORT');
    await rejection(dom.qemuMonitorCommandWithFiles('{"execute":"query-status"}'), 'VIR_ERR_NO_SUPPORT');
    expect(() => (dom as any).qemuMonitorCommandWithFiles()).toThrow(TypeError);
    expect(() => (dom as any).qemuMonitorCommandWithFiles('x', 'y')).toThrow(TypeError);
    expect(() => (dom as any).lxcOpenNamespace(-1)).toThrow(RangeError);
  });

  it('every hand-written function is in _bound with its owner, and its frees in _internal', () => {
    const bound = new Map<string, any>(native._bound.map((b: any) => [b.c, b]));
    const expectBound: Array<[string, string, string, boolean]> = [
      ['virConnectOpenAuth', 'Connect', 'openAuth', true],
      ['virConnectGetAllDomainStats', 'Connect', 'getAllDomainStats', false],
      ['virDomainListGetStats', 'Connect', 'domainListGetStats', false],
      ['virNodeGetCPUMap', 'Connect', 'nodeGetCPUMap', false],
      ['virNodeGetCPUStats', 'Connect', 'nodeGetCPUStats', false],
      ['virNodeGetMemoryStats', 'Connect', 'nodeGetMemoryStats', false],
      ['virNodeGetCellsFreeMemory', 'Connect', 'nodeGetCellsFreeMemory', false],
      ['virNodeGetSecurityModel', 'Connect', 'nodeGetSecurityModel', false],
      ['virNetworkGetDHCPLeases', 'Network', 'getDHCPLeases', false],
      ['virSecretGetValue', 'Secret', 'getValue', false],
      ['virDomainLxcOpenNamespace', 'Domain', 'lxcOpenNamespace', false],
      ['virDomainQemuMonitorCommandWithFiles', 'Domain', 'qemuMonitorCommandWithFiles', false],
      ['virDomainBlockPeek', 'Domain', 'blockPeek', false],
      ['virDomainMemoryPeek', 'Domain', 'memoryPeek', false],
      ['virDomainGetCPUStats', 'Domain', 'getCPUStats', false],
      ['virDomainGetFSInfo', 'Domain', 'getFSInfo', false],
      ['virDomainGetIOThreadInfo', 'Domain', 'getIOThreadInfo', false],
      ['virDomainInterfaceAddresses', 'Domain', 'interfaceAddresses', false],
      ['virDomainGetSecurityLabelList', 'Domain', 'getSecurityLabelList', false],
      ['virDomainGetEmulatorPinInfo', 'Domain', 'getEmulatorPinInfo', false],
      ['virDomainGetVcpuPinInfo', 'Domain', 'getVcpuPinInfo', false],
      ['virDomainGetVcpus', 'Domain', 'getVcpus', false],
      ['virDomainGetSchedulerParameters', 'Domain', 'getSchedulerParameters', false],
      ['virDomainGetSchedulerParametersFlags', 'Domain', 'getSchedulerParametersFlags', false],
      ['virDomainMemoryStats', 'Domain', 'memoryStats', false],
    ];
    const classes: Record<string, any> = { Connect, Domain, Network, Secret };
    for (const [c, owner, js, isStatic] of expectBound) {
      expect(bound.get(c), c).toMatchObject({ owner, js, static: isStatic });
      const target = isStatic ? classes[owner] : classes[owner].prototype;
      expect(typeof target[js], `${owner}${isStatic ? '.' : '#'}${js}`).toBe('function');
    }
    for (const f of ['virDomainStatsRecordListFree', 'virDomainFSInfoFree', 'virDomainIOThreadInfoFree',
      'virDomainInterfaceFree', 'virNetworkDHCPLeaseFree']) {
      expect(native._internal).toContain(f);
    }
  });
});
