// The parts of a domain definition that decide the guest, for comparing documents written
// by different tools (virt-install, planInstall) field by field, read through the typed
// XML layer.
import { consoles, disks, graphics, interfaces, parseDomainXML, parseStorageVolXML } from '../../lib/index.js';

const KIB_PER: Record<string, number> = { b: 1 / 1024, bytes: 1 / 1024, k: 1, kib: 1, kb: 1000 / 1024, m: 1024, mib: 1024, mb: 1e6 / 1024, g: 1024 ** 2, gib: 1024 ** 2 };

function kib(m: { unit?: string; '#text'?: number | bigint | string } | undefined): number | null {
  if (!m || m['#text'] === undefined) return null;
  return Number(m['#text']) * (KIB_PER[(m.unit ?? 'KiB').toLowerCase()] ?? NaN);
}

/** Parses a domain document and keeps the fields that decide the guest. */
export function summarizeDomain(xml: string) {
  const d = parseDomainXML(xml);
  const f = d.features;
  return {
    type: d.type,
    memoryKiB: kib(d.memory),
    currentMemoryKiB: kib(d.currentMemory),
    vcpus: d.vcpu?.['#text'] ?? null,
    arch: d.os?.type.arch,
    machine: d.os?.type.machine,
    firmware: d.os?.['@firmware'],
    emulator: d.devices?.emulator ?? null,
    boot: (d.os?.boot ?? []).map((b) => b.dev),
    clock: d.clock?.offset,
    features: { acpi: f?.acpi !== undefined, apic: f?.apic !== undefined, pae: f?.pae !== undefined, hyperv: f?.hyperv !== undefined },
    timers: (d.clock?.timer ?? []).map((t) => t.name),
    cpuMode: d.cpu?.mode ?? null,
    disks: disks(d),
    nics: interfaces(d).map((i) => ({ type: i.type, network: i.network, bridge: i.bridge, model: i.model })),
    graphics: graphics(d).map((g) => ({ type: g.type, listen: g.listen })),
    consoles: consoles(d).map((c) => ({ kind: c.kind, type: c.type })),
  };
}

/** The name in a storagevol document. */
export function volumeName(xml: string): string {
  return parseStorageVolXML(xml).name;
}
