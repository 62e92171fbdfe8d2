// INTERIM (until the typed XML layer lands): reads capabilities, domain capabilities, pool
// and volume XML with a plain element tree.
import { ProvisionError } from './errors.js';
import type { CheckedOptions } from './options.js';
import type { DomainCapsFacts, GuestFacts } from './spec.js';
import { attr, kids, parseTree, tag, text, type Node } from './tree.js';

export interface PoolFacts {
  type: string;
  targetPath: string | null;
}

function root(xml: string, name: string): Node {
  const r = parseTree(xml).find((n) => tag(n) === name);
  if (!r) throw new ProvisionError('UNSUPPORTED', `libvirt answered without a <${name}> document`);
  return r;
}
function child(n: Node | undefined, name: string): Node | undefined {
  return n ? kids(n).find((k) => tag(k) === name) : undefined;
}
function children(n: Node | undefined, name: string): Node[] {
  return n ? kids(n).filter((k) => tag(k) === name) : [];
}

const PREFERRED_TYPES = ['kvm', 'qemu'];

/** The guest type virt-install would pick: hvm, the host's arch, kvm over qemu. */
export function readGuestFacts(capsXML: string, o: Pick<CheckedOptions, 'arch' | 'virtType'>): GuestFacts {
  const caps = root(capsXML, 'capabilities');
  const hostArch = text(child(child(child(caps, 'host'), 'cpu'), 'arch') ?? {});
  const arch = o.arch ?? hostArch;
  const guest = children(caps, 'guest').find((g) => text(child(g, 'os_type') ?? {}) === 'hvm' && attr(child(g, 'arch') ?? {}, 'name') === arch);
  if (!guest) throw new ProvisionError('NO_GUEST_TYPE', `the host offers no hvm guests for arch '${arch}'`);
  const a = child(guest, 'arch')!;
  const domains = children(a, 'domain');
  const types = domains.map((d) => attr(d, 'type') ?? '');
  const type = o.virtType ?? PREFERRED_TYPES.find((t) => types.includes(t)) ?? types[0];
  const dom = domains.find((d) => attr(d, 'type') === type);
  if (!dom) throw new ProvisionError('NO_GUEST_TYPE', `the host offers no '${type}' guests for arch '${arch}' (offered: ${types.join(', ') || 'none'})`);
  const machineNodes = children(dom, 'machine').length ? children(dom, 'machine') : children(a, 'machine');
  const machines: string[] = [];
  for (const m of machineNodes) {
    machines.push(text(m));
    const c = attr(m, 'canonical');
    if (c && !machines.includes(c)) machines.push(c);
  }
  const features = child(guest, 'features');
  const on = (name: string) => {
    const f = child(features, name);
    return f !== undefined && attr(f, 'default') !== 'off';
  };
  return {
    hostArch,
    arch,
    domainType: type,
    emulator: text(child(dom, 'emulator') ?? {}) || text(child(a, 'emulator') ?? {}) || null,
    machines,
    acpi: on('acpi'),
    apic: on('apic'),
    pae: child(features, 'pae') !== undefined,
  };
}

function enumValues(n: Node | undefined, name: string): string[] | null {
  if (!n) return null;
  if (attr(n, 'supported') === 'no') return [];
  const e = children(n, 'enum').find((x) => attr(x, 'name') === name);
  return e ? children(e, 'value').map(text) : null;
}

export function readDomainCaps(xml: string): DomainCapsFacts {
  const dc = root(xml, 'domainCapabilities');
  const max = attr(child(dc, 'vcpu') ?? {}, 'max');
  const devices = child(dc, 'devices');
  return {
    maxVcpus: max === undefined ? null : Number(max),
    graphicsTypes: enumValues(child(devices, 'graphics'), 'type'),
    firmwares: enumValues(child(dc, 'os'), 'firmware'),
    diskBuses: enumValues(child(devices, 'disk'), 'bus'),
  };
}

export function readPool(xml: string): PoolFacts {
  const p = root(xml, 'pool');
  const path = child(child(p, 'target'), 'path');
  return { type: attr(p, 'type') ?? '', targetPath: path ? text(path) : null };
}

export function readVolumeFormat(xml: string): string | null {
  const v = root(xml, 'volume');
  const f = child(child(v, 'target'), 'format');
  return f ? (attr(f, 'type') ?? null) : null;
}
