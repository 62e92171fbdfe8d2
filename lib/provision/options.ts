// The install options (virt-install's, typed) and their checks: every argument mistake is a
// TypeError/RangeError thrown before anything on the host is read or created.
import { isIP } from 'node:net';
import { isAbsolute } from 'node:path';

/** A disk the guest uses as it is: a file or block device (or a volume's path). */
export interface ExistingDisk {
  /** Absolute path of the file, block device or volume. */
  path: string;
  /** Default `disk`; `cdrom` attaches it read-only. */
  device?: 'disk' | 'cdrom';
}

/** A new volume created in a storage pool, like `--disk pool=P,size=G[,format=F]`. */
export interface NewVolumeDisk {
  /** A running storage pool. */
  pool: string;
  /** GiB; fractions allowed (0.5 = 512 MiB). */
  size: number;
  /** Default: qcow2 in pools whose volumes have a format (dir, fs, netfs), none elsewhere. */
  format?: 'qcow2' | 'raw';
  /** Default: virt-install's naming: `NAME.qcow2`, `NAME.img` for raw, then `NAME-1.qcow2`... */
  name?: string;
}

/** What `planInstall`/`install` build, mirroring virt-install's command line. */
export interface InstallOptions {
  /** The guest's name; also the base of new volumes' names. Letters, digits, `. _ + -`. */
  name: string;
  /** Memory in MiB (memory and currentMemory). */
  memory: number;
  /** Default: what osinfo-db recommends for the OS variant, else 1. */
  vcpus?: number;
  /** Disks in target order (new volumes are created before the guest is defined). */
  disks?: (ExistingDisk | NewVolumeDisk)[];
  /** ISO path, attached as a read-only cdrom and booted first. */
  cdrom?: string;
  /** Default: one NIC on the network `default`; `[]` for none. */
  networks?: ({ network: string } | { bridge: string })[];
  /** Default: spice when the hypervisor offers it, else vnc (virt-install's rule). */
  graphics?: { type: 'vnc' | 'spice' | 'none'; listen?: string };
  /** Default 'pty'. */
  console?: 'pty' | 'none';
  /** Default: kvm when the host offers it for the arch, else qemu. */
  virtType?: 'kvm' | 'qemu';
  /** Default: the host's arch. */
  arch?: string;
  /** Default: q35 when the OS variant supports it, else the first machine the host lists. */
  machine?: string;
  /** An osinfo-db short id (`debian11`, `fedora37`, ...) or `generic` (the default). */
  osVariant?: string;
  /** Default: the install medium (the cdrom, else the first disk's kind), then hd if there is a disk. */
  boot?: ('hd' | 'cdrom' | 'network')[];
  /** install(): start the guest (default true). */
  start?: boolean;
  /** install(): start the guest when the host boots (default false). */
  autostart?: boolean;
}

/** InstallOptions checked, with the defaults that need no host knowledge filled in. */
export interface CheckedOptions {
  name: string;
  memoryMiB: number;
  /** null: the OS variant's recommendation, else 1. */
  vcpus: number | null;
  disks: (ExistingDisk | NewVolumeDisk)[];
  cdrom: string | null;
  networks: ({ network: string } | { bridge: string })[];
  graphics: { type: 'vnc' | 'spice' | 'none'; listen?: string } | null;
  console: 'pty' | 'none';
  virtType: 'kvm' | 'qemu' | null;
  arch: string | null;
  machine: string | null;
  osVariant: string;
  boot: ('hd' | 'cdrom' | 'network')[] | null;
  start: boolean;
  autostart: boolean;
}

const KEYS = new Set([
  'name', 'memory', 'vcpus', 'disks', 'cdrom', 'networks', 'graphics', 'console', 'virtType',
  'arch', 'machine', 'osVariant', 'boot', 'start', 'autostart',
]);

// Names go into file names (volumes) and libvirt object names: keep them to a portable set.
const NAME = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,99}$/;
const TOKEN = /^[A-Za-z0-9_][A-Za-z0-9._:+-]{0,99}$/;

function fail(path: string, what: string, got: unknown): never {
  throw new TypeError(`install options: ${path} must be ${what}, not ${show(got)}`);
}

function show(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (v === null || typeof v !== 'object') return String(v);
  return Array.isArray(v) ? 'an array' : 'an object';
}

function plainObject(v: unknown, path: string, keys: string[]): Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) fail(path, 'an object', v);
  for (const k of Object.keys(v as object)) {
    if (!keys.includes(k)) throw new TypeError(`install options: unknown option ${path}.${k} (known: ${keys.join(', ')})`);
  }
  return v as Record<string, unknown>;
}

function str(v: unknown, path: string, re: RegExp, what: string): string {
  if (typeof v !== 'string' || !re.test(v)) fail(path, what, v);
  return v;
}

function absPath(v: unknown, path: string): string {
  if (typeof v !== 'string' || !isAbsolute(v) || v.includes('\0') || v.length > 4096) fail(path, 'an absolute file path', v);
  return v;
}

function int(v: unknown, path: string, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v)) fail(path, 'an integer', v);
  if (v < min || v > max) throw new RangeError(`install options: ${path} must be between ${min} and ${max}, not ${v}`);
  return v;
}

function bool(v: unknown, path: string, dflt: boolean): boolean {
  if (v === undefined) return dflt;
  if (typeof v !== 'boolean') fail(path, 'a boolean', v);
  return v;
}

function oneOf<T extends string>(v: unknown, path: string, values: readonly T[]): T {
  if (typeof v !== 'string' || !(values as readonly string[]).includes(v)) fail(path, `one of ${values.map((x) => `'${x}'`).join(', ')}`, v);
  return v as T;
}

function disk(v: unknown, i: number): ExistingDisk | NewVolumeDisk {
  const path = `disks[${i}]`;
  if (v !== null && typeof v === 'object' && 'pool' in v) {
    const o = plainObject(v, path, ['pool', 'size', 'format', 'name']);
    const size = o.size;
    if (typeof size !== 'number' || !Number.isFinite(size)) fail(`${path}.size`, 'a number of GiB', size);
    // Below 1 MiB qemu-img rounds up anyway; 1 PiB is beyond any pool here.
    if (size < 1 / 1024 || size > 1024 * 1024) throw new RangeError(`install options: ${path}.size must be between 1/1024 and 1048576 GiB, not ${size}`);
    const d: NewVolumeDisk = { pool: str(o.pool, `${path}.pool`, NAME, 'a storage pool name'), size };
    if (o.format !== undefined) d.format = oneOf(o.format, `${path}.format`, ['qcow2', 'raw'] as const);
    if (o.name !== undefined) d.name = str(o.name, `${path}.name`, NAME, 'a volume name (letters, digits, . _ + -)');
    return d;
  }
  const o = plainObject(v, path, ['path', 'device']);
  const d: ExistingDisk = { path: absPath(o.path, `${path}.path`) };
  if (o.device !== undefined) d.device = oneOf(o.device, `${path}.device`, ['disk', 'cdrom'] as const);
  return d;
}

function network(v: unknown, i: number): { network: string } | { bridge: string } {
  const path = `networks[${i}]`;
  if (v !== null && typeof v === 'object' && 'bridge' in v) {
    const o = plainObject(v, path, ['bridge']);
    // Linux interface names: at most 15 bytes, no '/' or whitespace.
    return { bridge: str(o.bridge, `${path}.bridge`, /^[A-Za-z0-9_][A-Za-z0-9._:-]{0,14}$/, 'a bridge interface name') };
  }
  const o = plainObject(v, path, ['network']);
  return { network: str(o.network, `${path}.network`, NAME, 'a libvirt network name') };
}

/**
 * Checks `o` and fills in the defaults that need no host knowledge. Throws TypeError (wrong
 * type, unknown option) or RangeError (a number out of range) naming the option.
 */
export function checkOptions(o: InstallOptions): CheckedOptions {
  const v = plainObject(o, 'options', [...KEYS]) as Record<string, unknown>;
  if (v.name === undefined) throw new TypeError('install options: name is required');
  if (v.memory === undefined) throw new TypeError('install options: memory (MiB) is required');
  const disks = v.disks === undefined ? [] : Array.isArray(v.disks) ? v.disks.map(disk) : fail('disks', 'an array', v.disks);
  const networks =
    v.networks === undefined ? [{ network: 'default' }] : Array.isArray(v.networks) ? v.networks.map(network) : fail('networks', 'an array', v.networks);
  let graphics: CheckedOptions['graphics'] = null;
  if (v.graphics !== undefined) {
    const g = plainObject(v.graphics, 'graphics', ['type', 'listen']);
    graphics = { type: oneOf(g.type, 'graphics.type', ['vnc', 'spice', 'none'] as const) };
    if (g.listen !== undefined) {
      if (graphics.type === 'none') throw new TypeError("install options: graphics.listen needs graphics.type 'vnc' or 'spice'");
      if (typeof g.listen !== 'string' || !isIP(g.listen)) fail('graphics.listen', 'an IPv4 or IPv6 address', g.listen);
      graphics.listen = g.listen;
    }
  }
  let boot: CheckedOptions['boot'] = null;
  if (v.boot !== undefined) {
    if (!Array.isArray(v.boot) || v.boot.length === 0) fail('boot', 'a non-empty array', v.boot);
    boot = v.boot.map((b, i) => oneOf(b, `boot[${i}]`, ['hd', 'cdrom', 'network'] as const));
    if (new Set(boot).size !== boot.length) throw new TypeError(`install options: boot lists a device twice: ${boot.join(',')}`);
  }
  const names = disks.flatMap((d) => ('pool' in d && d.name ? [`${d.pool}/${d.name}`] : []));
  if (new Set(names).size !== names.length) throw new TypeError('install options: two new disks have the same pool and name');
  return {
    name: str(v.name, 'name', NAME, 'a guest name (letters, digits, . _ + -; at most 100)'),
    // 64 MiB is below what any OS wants but SeaBIOS boots; 16 TiB is qemu's x86 ceiling.
    memoryMiB: int(v.memory, 'memory', 16, 16 * 1024 * 1024),
    vcpus: v.vcpus === undefined ? null : int(v.vcpus, 'vcpus', 1, 4096),
    disks,
    cdrom: v.cdrom === undefined ? null : absPath(v.cdrom, 'cdrom'),
    networks,
    graphics,
    console: v.console === undefined ? 'pty' : oneOf(v.console, 'console', ['pty', 'none'] as const),
    virtType: v.virtType === undefined ? null : oneOf(v.virtType, 'virtType', ['kvm', 'qemu'] as const),
    arch: v.arch === undefined ? null : str(v.arch, 'arch', /^[a-z0-9_]{1,32}$/, 'an architecture name (x86_64, i686, aarch64, ...)'),
    machine: v.machine === undefined ? null : str(v.machine, 'machine', TOKEN, 'a machine type name'),
    osVariant: v.osVariant === undefined ? 'generic' : str(v.osVariant, 'osVariant', TOKEN, 'an osinfo short id'),
    boot,
    start: bool(v.start, 'start', true),
    autostart: bool(v.autostart, 'autostart', false),
  };
}
