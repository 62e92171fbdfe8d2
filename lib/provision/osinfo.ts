// OS variants, read from osinfo-db (the files libosinfo and virt-install read): which
// devices an OS supports decides virtio vs emulated disks and NICs, q35 vs i440fx, USB 3,
// and whether it needs UEFI.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ProvisionError } from './errors.js';
import { GENERIC_OS, type OsTraits } from './spec.js';
import { child, children, parseTree } from './tree.js';

interface OsEntry {
  id: string;
  shortIds: string[];
  family: string | null;
  parents: string[]; // derives-from and clones: their devices are inherited
  devices: string[];
  biosUnsupported: string[]; // arches whose firmware list marks bios unsupported
  /** n-cpus by arch (`all` too), recommended and minimum. */
  ncpus: { recommended: Record<string, number>; minimum: Record<string, number> };
}

const DEV = {
  virtioDisk: ['http://pcisig.com/pci/1af4/1001', 'http://pcisig.com/pci/1af4/1042'],
  virtioNet: ['http://pcisig.com/pci/1af4/1000', 'http://pcisig.com/pci/1af4/1041'],
  virtio1: ['http://pcisig.com/pci/1af4/1041'],
  virtioGpu: ['http://pcisig.com/pci/1af4/1050'],
  virtioBalloon: ['http://pcisig.com/pci/1af4/1002', 'http://pcisig.com/pci/1af4/1045'],
  virtioRng: ['http://pcisig.com/pci/1af4/1005', 'http://pcisig.com/pci/1af4/1044'],
  virtioSerial: ['http://pcisig.com/pci/1af4/1003', 'http://pcisig.com/pci/1af4/1043'],
  usb3: ['http://pcisig.com/pci/1b36/0004'],
  q35: ['http://qemu.org/chipset/x86/q35'],
};
const NET_MODELS: Record<string, string> = {
  'http://pcisig.com/pci/8086/100e': 'e1000',
  'http://pcisig.com/pci/10ec/8139': 'rtl8139',
  'http://pcisig.com/pci/10ec/8029': 'ne2k_pci',
  'http://pcisig.com/pci/1022/2000': 'pcnet',
};

function entriesOf(xml: string): OsEntry[] {
  const out: OsEntry[] = [];
  const root = parseTree(xml);
  if (root?.name !== 'libosinfo') return out;
  for (const os of children(root, 'os')) {
    if (!os.attrs.id) continue;
    const e: OsEntry = { id: os.attrs.id, shortIds: [], family: null, parents: [], devices: [], biosUnsupported: [], ncpus: { recommended: {}, minimum: {} } };
    for (const k of os.children) {
      const t = k.name;
      if (t === 'short-id') e.shortIds.push(k.text.trim());
      else if (t === 'family') e.family = k.text.trim();
      else if ((t === 'derives-from' || t === 'clones') && k.attrs.id) e.parents.push(k.attrs.id);
      else if (t === 'devices') {
        for (const d of children(k, 'device')) if (d.attrs.id && d.attrs.supported !== 'false') e.devices.push(d.attrs.id);
      } else if (t === 'resources') {
        for (const level of k.children) {
          const n = child(level, 'n-cpus');
          if ((level.name === 'recommended' || level.name === 'minimum') && n) e.ncpus[level.name][k.attrs.arch ?? 'all'] = Number(n.text.trim());
        }
      } else if (t === 'firmware' && k.attrs.type === 'bios' && k.attrs.supported === 'false') e.biosUnsupported.push(k.attrs.arch ?? '');
    }
    out.push(e);
  }
  return out;
}

/** The OS files' text, read once; only files that mention a wanted id are parsed. */
let texts: Promise<string[]> | null = null;
const parsed = new Map<string, OsEntry[]>();

/** The osinfo-db directory: libosinfo's OSINFO_SYSTEM_DIR, else Debian's path. */
export function osinfoDir(): string {
  return process.env.OSINFO_SYSTEM_DIR || '/usr/share/osinfo';
}

/** Every OS file's text, read once (asynchronously: about 800 files) and kept. */
function allTexts(): Promise<string[]> {
  texts ??= readAll().catch((e: unknown) => {
    texts = null; // a later call tries again (osinfo-db installed meanwhile)
    throw e;
  });
  return texts;
}

async function readAll(): Promise<string[]> {
  const root = join(osinfoDir(), 'os');
  let vendors: string[];
  try {
    vendors = await readdir(root);
  } catch {
    throw new ProvisionError('UNKNOWN_OS', `osinfo-db not found at ${root} (Debian package osinfo-db); only osVariant 'generic' works without it`);
  }
  const out: string[] = [];
  for (const v of vendors) {
    const files = await readdir(join(root, v)).catch(() => [] as string[]);
    out.push(...(await Promise.all(files.filter((f) => f.endsWith('.xml')).map((f) => readFile(join(root, v, f), 'utf8')))));
  }
  return out;
}

/** The entry that `match` selects, parsing only the files whose text contains `needle`. */
async function find(needle: string, match: (e: OsEntry) => boolean): Promise<OsEntry | undefined> {
  for (const t of await allTexts()) {
    if (!t.includes(needle)) continue;
    let entries = parsed.get(t);
    if (!entries) {
      try {
        entries = entriesOf(t);
      } catch {
        // A damaged file in the database hides only the OSes it describes.
        entries = [];
      }
      parsed.set(t, entries);
    }
    const e = entries.find(match);
    if (e) return e;
  }
  return undefined;
}

/** The OS and its ancestors (derives-from, clones), as libosinfo collects their devices. */
async function lineage(e: OsEntry): Promise<OsEntry[]> {
  const seen = new Map<string, OsEntry>();
  const todo = [e];
  while (todo.length) {
    const x = todo.pop()!;
    if (seen.has(x.id)) continue;
    seen.set(x.id, x);
    for (const p of x.parents) {
      const pe = await find(`<os id="${p}"`, (c) => c.id === p);
      if (pe) todo.push(pe);
    }
  }
  return [...seen.values()];
}

/** virt-install's default vcpus: recommended n-cpus (the arch's, else all's), else twice the minimum. */
function recommendedVcpus(e: OsEntry, arch: string): number | null {
  for (const a of [arch, 'all']) {
    const r = e.ncpus.recommended[a];
    if (r > 0) return r;
  }
  for (const a of [arch, 'all']) {
    const m = e.ncpus.minimum[a];
    if (m > 0) return m * 2;
  }
  return null;
}

/**
 * What `variant` (an osinfo short id such as `debian11`, or `generic`) supports. Throws
 * ProvisionError `UNKNOWN_OS` for an id osinfo-db does not know.
 */
export async function osTraits(variant: string, arch = 'x86_64'): Promise<OsTraits> {
  if (variant === 'generic') return GENERIC_OS;
  const e = await find(`>${variant}<`, (c) => c.shortIds.includes(variant));
  if (!e) throw new ProvisionError('UNKNOWN_OS', `unknown OS variant '${variant}' (osinfo-db short ids, e.g. debian11, fedora37, win10; or generic)`);
  const all = await lineage(e);
  const devices = new Set(all.flatMap((x) => x.devices));
  const has = (ids: string[]) => ids.some((id) => devices.has(id));
  const virtioNet = has(DEV.virtioNet);
  return {
    id: e.id,
    virtioDisk: has(DEV.virtioDisk),
    virtioNet,
    virtioGpu: has(DEV.virtioGpu),
    virtioBalloon: has(DEV.virtioBalloon),
    virtioRng: has(DEV.virtioRng),
    virtioSerial: has(DEV.virtioSerial),
    usb3: has(DEV.usb3),
    // q35 only with virtio 1.0 where the OS has virtio at all (legacy-only virtio breaks on PCIe).
    q35: has(DEV.q35) && (!virtioNet || has(DEV.virtio1)),
    netModels: [...devices].flatMap((d) => (NET_MODELS[d] ? [NET_MODELS[d]] : [])),
    recommendedVcpus: recommendedVcpus(e, arch),
    requiresEfi: all.some((x) => x.biosUnsupported.includes(arch)),
    clock: ['win9x', 'winnt', 'win16', 'solaris'].includes(e.family ?? '') ? 'localtime' : 'utc',
    windows: ['win9x', 'winnt', 'win16'].includes(e.family ?? ''),
  };
}
