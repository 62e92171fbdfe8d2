// What the host and the OS variant tell us, and the guest decided from them, before any XML.

/** From the host's capabilities: the guest type chosen for the install. */
export interface GuestFacts {
  hostArch: string;
  arch: string;
  /** `kvm`, `qemu` (TCG), or another driver's type (`test`, ...). */
  domainType: string;
  emulator: string | null;
  /** Machine names in capabilities order, each canonical name after its alias. */
  machines: string[];
  acpi: boolean;
  apic: boolean;
  pae: boolean;
}

/** From the domain capabilities; `null` fields when the driver does not report them. */
export interface DomainCapsFacts {
  maxVcpus: number | null;
  graphicsTypes: string[] | null;
  firmwares: string[] | null;
  diskBuses: string[] | null;
}

/** What an OS variant supports, as virt-install reads it from osinfo-db. */
export interface OsTraits {
  /** osinfo id URI (`http://debian.org/debian/11`), null for generic. */
  id: string | null;
  virtioDisk: boolean;
  virtioNet: boolean;
  virtioGpu: boolean;
  virtioBalloon: boolean;
  virtioRng: boolean;
  virtioSerial: boolean;
  usb3: boolean;
  q35: boolean;
  /** The NIC models it lists, among e1000, rtl8139, ne2k_pci, pcnet. */
  netModels: string[];
  /** vcpus when the options give none (osinfo's recommendation), null for 1. */
  recommendedVcpus: number | null;
  requiresEfi: boolean;
  clock: 'utc' | 'localtime';
  /** A Windows family OS: Hyper-V enlightenments help it. */
  windows: boolean;
}

export const GENERIC_OS: OsTraits = {
  id: null,
  virtioDisk: false,
  virtioNet: false,
  virtioGpu: false,
  virtioBalloon: false,
  virtioRng: false,
  virtioSerial: false,
  usb3: false,
  q35: false,
  netModels: [],
  recommendedVcpus: null,
  requiresEfi: false,
  clock: 'utc',
  windows: false,
};

export type DiskSource = { file: string } | { dev: string } | { pool: string; volume: string };

export interface DiskSpec {
  type: 'file' | 'block' | 'volume';
  device: 'disk' | 'cdrom';
  /** The image format (`qcow2`, `raw`). */
  format: string;
  discard: boolean;
  source: DiskSource;
  bus: string;
  dev: string;
  readonly: boolean;
}

export interface NicSpec {
  type: 'network' | 'bridge';
  source: string;
  model: string | null;
}

export interface ControllerSpec {
  type: 'usb' | 'pci' | 'scsi';
  model: string;
  ports?: number;
  masterStartport?: number;
}

/** The guest, decided; `domain-doc.ts` writes it as libvirt's domain XML. */
export interface DomainSpec {
  type: string;
  name: string;
  osinfoId: string | null;
  memoryKiB: number;
  vcpus: number;
  arch: string;
  /** null when the driver lists no machine types (test:///default). */
  machine: string | null;
  firmware: 'efi' | null;
  boot: ('hd' | 'cdrom' | 'network')[];
  features: { acpi: boolean; apic: boolean; pae: boolean; vmportOff: boolean; hyperv: boolean };
  cpuPassthrough: boolean;
  clock: { offset: 'utc' | 'localtime'; timers: boolean; hypervclock: boolean };
  pmOff: boolean;
  emulator: string | null;
  disks: DiskSpec[];
  controllers: ControllerSpec[];
  nics: NicSpec[];
  console: boolean;
  channels: ('qemu-ga' | 'spicevmc')[];
  tablet: boolean;
  graphics: { type: 'vnc' | 'spice'; listen: string | null } | null;
  video: string | null;
  memballoon: boolean;
  rng: boolean;
}

/** A new volume: the pool it goes in and what storagevol XML says. */
export interface VolumeSpec {
  pool: string;
  name: string;
  capacityBytes: bigint;
  format: 'qcow2' | 'raw' | null;
}
