// Reads what provisioning needs from libvirt's answers, through the typed XML layer.
import { parseCapabilitiesXML, parseDomainCapsXML, parseStoragePoolXML, parseStorageVolXML } from '../xml/index.js';
import { ProvisionError } from './errors.js';
import type { CheckedOptions } from './options.js';
import type { DomainCapsFacts, GuestFacts } from './spec.js';

export interface PoolFacts {
  type: string;
  targetPath: string | null;
}

// virt-install's preference when the options name no virt type: hardware virtualization first.
const PREFERRED_TYPES = ['kvm', 'qemu'];

/** The guest type virt-install would pick: hvm, the host's arch, kvm over qemu. */
export function readGuestFacts(capsXML: string, o: Pick<CheckedOptions, 'arch' | 'virtType'>): GuestFacts {
  const caps = parseCapabilitiesXML(capsXML);
  const hostArch = caps.host.cpu.arch;
  const arch = o.arch ?? hostArch;
  const guest = (caps.guest ?? []).find((g) => g.os_type === 'hvm' && g.arch.name === arch);
  if (!guest) throw new ProvisionError('NO_GUEST_TYPE', `the host offers no hvm guests for arch '${arch}'`);
  const domains = guest.arch.domain;
  const types: string[] = domains.map((d) => d.type);
  const type = o.virtType ?? PREFERRED_TYPES.find((t) => types.includes(t)) ?? types[0];
  const dom = domains.find((d) => d.type === type);
  if (!dom) throw new ProvisionError('NO_GUEST_TYPE', `the host offers no '${type}' guests for arch '${arch}' (offered: ${types.join(', ') || 'none'})`);
  const machineList = dom.machine?.length ? dom.machine : (guest.arch.machine ?? []);
  const machines: string[] = [];
  for (const m of machineList) {
    if (m['#text'] !== undefined) machines.push(m['#text']);
    if (m.canonical && !machines.includes(m.canonical)) machines.push(m.canonical);
  }
  const f = guest.features;
  return {
    hostArch,
    arch,
    domainType: type,
    emulator: dom.emulator ?? guest.arch.emulator ?? null,
    machines,
    acpi: f?.acpi !== undefined && f.acpi.default !== 'off',
    apic: f?.apic !== undefined && f.apic.default !== 'off',
    pae: f?.pae !== undefined,
  };
}

type Enums = { supported?: string; enum?: { name: string; value?: string[] }[] } | undefined;

/** The values an enum of the domain capabilities lists; null when it is not reported. */
function enumValues(n: Enums, name: string): string[] | null {
  if (!n) return null;
  if (n.supported === 'no') return [];
  const e = n.enum?.find((x) => x.name === name);
  return e ? (e.value ?? []) : null;
}

export function readDomainCaps(xml: string): DomainCapsFacts {
  const dc = parseDomainCapsXML(xml);
  return {
    maxVcpus: dc.vcpu?.max ?? null,
    graphicsTypes: enumValues(dc.devices?.graphics, 'type'),
    firmwares: enumValues(dc.os, 'firmware'),
    diskBuses: enumValues(dc.devices?.disk, 'bus'),
  };
}

export function readPool(xml: string): PoolFacts {
  const p = parseStoragePoolXML(xml);
  return { type: p.type, targetPath: p.target?.path ?? null };
}

export function readVolumeFormat(xml: string): string | null {
  return parseStorageVolXML(xml).target?.format?.type ?? null;
}
