// The parts of a domain definition that decide the guest, for comparing documents written
// by different tools (virt-install, planInstall) field by field.
import { attr, kids, parseTree, tag, text, type Node } from '../../lib/provision/tree.js';

const UNIT: Record<string, number> = { b: 1 / 1024, bytes: 1 / 1024, k: 1, kib: 1, kb: 1000 / 1024, m: 1024, mib: 1024, g: 1024 ** 2, gib: 1024 ** 2 };

function child(n: Node | undefined, name: string): Node | undefined {
  return n ? kids(n).find((k) => tag(k) === name) : undefined;
}
function all(n: Node | undefined, name: string): Node[] {
  return n ? kids(n).filter((k) => tag(k) === name) : [];
}
function kib(n: Node | undefined): number | null {
  if (!n) return null;
  return Number(text(n)) * (UNIT[(attr(n, 'unit') ?? 'KiB').toLowerCase()] ?? NaN);
}

export interface DomainSummary {
  type: string | undefined;
  memoryKiB: number | null;
  currentMemoryKiB: number | null;
  vcpus: number;
  arch: string | undefined;
  machine: string | undefined;
  firmware: string | undefined;
  emulator: string | null;
  boot: (string | undefined)[];
  clock: string | undefined;
  features: { acpi: boolean; apic: boolean; pae: boolean };
  cpuMode: string | null;
  disks: Record<string, string | boolean | undefined>[];
  nics: Record<string, string | undefined>[];
  graphics: Record<string, string | undefined>[];
  consoles: (string | undefined)[];
  serials: (string | undefined)[];
}

/** Parses a domain document and keeps the fields that decide the guest. */
export function summarizeDomain(xml: string): DomainSummary {
  const d = parseTree(xml).find((n) => tag(n) === 'domain');
  if (!d) throw new Error(`not a domain document: ${xml.slice(0, 80)}`);
  const os = child(d, 'os');
  const type = child(os, 'type');
  const features = child(d, 'features');
  const devices = child(d, 'devices');
  const emulator = child(devices, 'emulator');
  return {
    type: attr(d, 'type'),
    memoryKiB: kib(child(d, 'memory')),
    currentMemoryKiB: kib(child(d, 'currentMemory')),
    vcpus: Number(text(child(d, 'vcpu') ?? {})),
    arch: type && attr(type, 'arch'),
    machine: type && attr(type, 'machine'),
    firmware: os && attr(os, 'firmware'),
    emulator: emulator ? text(emulator) : null,
    boot: all(os, 'boot').map((b) => attr(b, 'dev')),
    clock: child(d, 'clock') && attr(child(d, 'clock')!, 'offset'),
    features: { acpi: !!child(features, 'acpi'), apic: !!child(features, 'apic'), pae: !!child(features, 'pae') },
    cpuMode: (child(d, 'cpu') && attr(child(d, 'cpu')!, 'mode')) ?? null,
    disks: all(devices, 'disk').map((x) => {
      const src = child(x, 'source');
      const drv = child(x, 'driver');
      const tgt = child(x, 'target');
      return {
        type: attr(x, 'type'),
        device: attr(x, 'device'),
        format: drv && attr(drv, 'type'),
        source: src && (attr(src, 'file') ?? attr(src, 'dev') ?? attr(src, 'volume')),
        bus: tgt && attr(tgt, 'bus'),
        dev: tgt && attr(tgt, 'dev'),
        readonly: !!child(x, 'readonly'),
      };
    }),
    nics: all(devices, 'interface').map((x) => {
      const src = child(x, 'source');
      const model = child(x, 'model');
      return { type: attr(x, 'type'), source: src && (attr(src, 'network') ?? attr(src, 'bridge')), model: model && attr(model, 'type') };
    }),
    graphics: all(devices, 'graphics').map((x) => {
      const listen = child(x, 'listen');
      return { type: attr(x, 'type'), listen: attr(x, 'listen') ?? (listen && attr(listen, 'address')) };
    }),
    consoles: all(devices, 'console').map((x) => attr(x, 'type')),
    serials: all(devices, 'serial').map((x) => attr(x, 'type')),
  };
}

/** The name in a storagevol document. */
export function volumeName(xml: string): string {
  const v = parseTree(xml).find((n) => tag(n) === 'volume');
  return text(child(v, 'name') ?? {});
}
