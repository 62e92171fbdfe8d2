// The guest's devices, decided the way virt-install decides them from the host's
// capabilities, the domain capabilities and the OS variant. Pure: no host access.
import { ProvisionError } from './errors.js';
import type { CheckedOptions } from './options.js';
import { targetPrefix, targetSuffix } from './names.js';
import type { ControllerSpec, DiskSpec, DomainCapsFacts, DomainSpec, GuestFacts, NicSpec, OsTraits } from './spec.js';

/** A disk whose source is known; bus and target are decided here. */
export type PlacedDisk = Omit<DiskSpec, 'bus' | 'dev'>;

const X86 = new Set(['x86_64', 'i686']);
// virt-install's count: enough free ports to hotplug a few devices on q35.
const PCIE_ROOT_PORTS = 14;
// The NIC models virt-install prefers when the OS lists them, best first.
const NET_PREFS = ['e1000', 'rtl8139', 'ne2k_pci', 'pcnet'];
// Targets per bus: IDE has two channels of two, a floppy controller two drives; other buses
// are limited by the names (three letters: 26 + 26^2 + 26^3).
const TARGET_LIMIT: Record<string, number> = { ide: 4, fdc: 2 };
const NAME_LIMIT = 18278;

/** The default machine: q35 when the OS variant supports it, else the first listed. */
export function defaultMachine(g: GuestFacts, os: OsTraits): string | null {
  if (X86.has(g.arch) && (g.domainType === 'kvm' || g.domainType === 'qemu') && g.machines.includes('q35') && os.q35) return 'q35';
  return g.machines[0] ?? null;
}

function isQ35(machine: string | null): boolean {
  return machine !== null && (machine === 'q35' || machine.startsWith('pc-q35-'));
}

function diskBus(d: PlacedDisk, x86: boolean, q35: boolean, os: OsTraits): string {
  if (d.device === 'disk' && os.virtioDisk) return 'virtio';
  if (d.device === 'cdrom' && !x86) return 'scsi';
  if (q35) return 'sata';
  return 'ide';
}

function nicModel(x86: boolean, q35: boolean, os: OsTraits): string | null {
  if (os.virtioNet) return 'virtio';
  if (q35) return 'e1000e';
  if (!x86) return null;
  return NET_PREFS.find((m) => os.netModels.includes(m)) ?? 'e1000';
}

/** Decides the domain. Throws ProvisionError where the host cannot give what was asked. */
export function layoutDomain(o: CheckedOptions, g: GuestFacts, dc: DomainCapsFacts | null, os: OsTraits, placed: PlacedDisk[]): DomainSpec {
  const x86 = X86.has(g.arch);
  const qemuLike = g.domainType === 'kvm' || g.domainType === 'qemu';
  const machine = o.machine ?? defaultMachine(g, os);
  const q35 = x86 && isQ35(machine);
  const vcpus = o.vcpus ?? os.recommendedVcpus ?? 1;
  if (dc?.maxVcpus != null && vcpus > dc.maxVcpus) {
    throw new ProvisionError('UNSUPPORTED', `${vcpus} vcpus asked, the hypervisor allows at most ${dc.maxVcpus} for machine '${machine ?? g.domainType}'`);
  }

  const disks: DiskSpec[] = [];
  const used = new Map<string, number>();
  for (const d of placed) {
    const bus = diskBus(d, x86, q35, os);
    if (dc?.diskBuses && !dc.diskBuses.includes(bus)) {
      throw new ProvisionError('UNSUPPORTED', `disk bus '${bus}' is not offered by the hypervisor (offered: ${dc.diskBuses.join(', ')})`);
    }
    const prefix = targetPrefix(bus);
    const n = (used.get(prefix) ?? 0) + 1;
    if (n > (TARGET_LIMIT[bus] ?? NAME_LIMIT)) throw new ProvisionError('UNSUPPORTED', `only ${TARGET_LIMIT[bus] ?? NAME_LIMIT} disks fit on bus '${bus}' (machine '${machine ?? g.domainType}')`);
    used.set(prefix, n);
    disks.push({ ...d, bus, dev: prefix + targetSuffix(n) });
  }

  let graphics: DomainSpec['graphics'] = null;
  const gtype = o.graphics?.type ?? (x86 ? (dc?.graphicsTypes?.includes('spice') ? 'spice' : 'vnc') : 'none');
  if (gtype !== 'none') {
    if (dc?.graphicsTypes && !dc.graphicsTypes.includes(gtype)) {
      throw new ProvisionError('UNSUPPORTED', `graphics '${gtype}' is not offered by the hypervisor (offered: ${dc.graphicsTypes.join(', ') || 'none'})`);
    }
    graphics = { type: gtype, listen: o.graphics?.listen ?? null };
  }
  const spice = graphics?.type === 'spice';
  // Windows runs markedly better with QEMU's Hyper-V enlightenments.
  const hyperv = x86 && qemuLike && os.windows;

  let firmware: DomainSpec['firmware'] = null;
  if (x86 && os.requiresEfi) {
    if (dc?.firmwares && !dc.firmwares.includes('efi')) throw new ProvisionError('UNSUPPORTED', `OS '${o.osVariant}' needs UEFI firmware, which the hypervisor does not offer`);
    firmware = 'efi';
  }

  const controllers: ControllerSpec[] = [];
  if (qemuLike || g.domainType === 'test') {
    if (x86 && os.usb3) controllers.push({ type: 'usb', model: 'qemu-xhci', ports: 15 });
    else if (x86) {
      controllers.push({ type: 'usb', model: 'ich9-ehci1' });
      [0, 2, 4].forEach((p, i) => controllers.push({ type: 'usb', model: `ich9-uhci${i + 1}`, masterStartport: p }));
    }
  }
  if (disks.some((d) => d.bus === 'scsi')) controllers.push({ type: 'scsi', model: 'virtio-scsi' });
  if (q35 && qemuLike) {
    controllers.push({ type: 'pci', model: 'pcie-root' });
    for (let i = 0; i < PCIE_ROOT_PORTS; i++) controllers.push({ type: 'pci', model: 'pcie-root-port' });
  }

  const nics: NicSpec[] = o.networks.map((n) =>
    'network' in n ? { type: 'network', source: n.network, model: nicModel(x86, q35, os) } : { type: 'bridge', source: n.bridge, model: nicModel(x86, q35, os) },
  );

  const channels: DomainSpec['channels'] = [];
  if (qemuLike && os.virtioSerial) channels.push('qemu-ga');
  if (spice) channels.push('spicevmc');

  // virt-install's order: the install medium (the cdrom, else the first disk's kind), then
  // the hard disk when there is one.
  const first = o.cdrom !== null || disks[0]?.device === 'cdrom' ? 'cdrom' : 'hd';
  const boot: DomainSpec['boot'] = [first];
  if (first !== 'hd' && disks.some((d) => d.device === 'disk')) boot.push('hd');
  return {
    type: g.domainType,
    name: o.name,
    osinfoId: os.id,
    memoryKiB: o.memoryMiB * 1024,
    vcpus,
    arch: g.arch,
    machine,
    firmware,
    boot: o.boot ?? boot,
    features: { acpi: g.acpi, apic: g.apic, pae: g.pae, vmportOff: x86 && qemuLike && spice, hyperv: hyperv },
    cpuPassthrough: x86 && g.domainType === 'kvm' && g.arch === g.hostArch,
    clock: { offset: os.clock, timers: x86 && qemuLike, hypervclock: hyperv },
    pmOff: x86 && qemuLike,
    emulator: g.emulator,
    disks,
    controllers,
    nics,
    console: o.console === 'pty',
    channels,
    tablet: graphics !== null && x86,
    graphics,
    video: graphics === null ? null : os.virtioGpu ? 'virtio' : spice ? 'qxl' : 'vga',
    memballoon: os.virtioBalloon,
    rng: qemuLike && os.virtioRng,
  };
}
