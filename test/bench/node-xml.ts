// A test:/// driver node with `n` running domains (for the poller's driver test and the benchmarks).
// Each domain has one disk and one interface, like test/fixtures/driver/many-domains.xml.

/** Node XML with running domains `${prefix}-000` .. ; UUIDs are deterministic. */
export function nodeXML(n: number, prefix = 'bench'): string {
  const doms: string[] = [];
  for (let i = 0; i < n; i++) {
    const hex = i.toString(16).padStart(12, '0');
    const name = `${prefix}-${String(i).padStart(3, '0')}`;
    const mac = `52:54:00:01:${((i >> 8) & 0xff).toString(16).padStart(2, '0')}:${(i & 0xff).toString(16).padStart(2, '0')}`;
    doms.push(`  <domain type='test'>
    <name>${name}</name>
    <uuid>7a1c0b2e-0000-4000-8000-${hex}</uuid>
    <memory unit='KiB'>65536</memory>
    <vcpu>${1 + (i % 4)}</vcpu>
    <os><type>hvm</type></os>
    <devices>
      <disk type='file' device='disk'>
        <source file='/var/lib/virtkit-test/${name}.img'/>
        <target dev='vda' bus='virtio'/>
      </disk>
      <interface type='network'>
        <mac address='${mac}'/>
        <source network='default'/>
        <target dev='vnet${i}'/>
      </interface>
    </devices>
  </domain>`);
  }
  return `<?xml version='1.0'?>
<node>
  <network>
    <name>default</name>
    <bridge name='virbr0'/>
    <ip address='192.168.122.1' netmask='255.255.255.0'/>
  </network>
${doms.join('\n')}
</node>
`;
}
