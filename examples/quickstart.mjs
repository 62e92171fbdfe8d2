// Quick start: list the domains of libvirt's embedded test driver.
import { Connect, VIR_CONNECT_LIST_DOMAINS_ACTIVE } from 'virtkit';

const conn = await Connect.open(process.argv[2] ?? 'test:///default');
try {
  console.log('connected to', await conn.getURI(), 'hypervisor', await conn.getType());
  for (const dom of await conn.listAllDomains(VIR_CONNECT_LIST_DOMAINS_ACTIVE)) {
    const info = await dom.getInfo();
    console.log(`${dom.getName()}  state=${info.state}  vcpus=${info.nrVirtCpu}  mem=${info.memory} KiB  cpuTime=${info.cpuTime} ns`);
  }
} finally {
  await conn.close();
}
