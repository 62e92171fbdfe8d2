// `virtkit install`: virt-install's flags mapped onto InstallOptions.
import { parseArgs } from 'node:util';
import type { Connect } from '../libvirt/index.js';
import { install, planInstall, type InstallOptions } from '../provision/index.js';

export const INSTALL_USAGE = `Usage: virtkit [-c URI] install --name NAME --memory MiB [options]

Creates the guest's new volumes and the guest, and starts it (virt-install's flags):
  --name NAME                  guest name
  --memory MiB                 memory in MiB
  --vcpus N                    virtual CPUs (default 1)
  --disk pool=P,size=GiB[,format=qcow2|raw][,name=VOL]
                               a new volume in pool P (named NAME.qcow2, NAME.img, NAME-1.qcow2...)
  --disk path=FILE[,device=disk|cdrom]
                               an existing file, block device or volume path
  --disk none                  no disk (repeat --disk for more disks)
  --cdrom ISO                  attach ISO as a cdrom and boot it first
  --network network=NAME | bridge=BR | none
                               a NIC (default: network=default; repeatable)
  --graphics vnc[,listen=ADDR] | spice[,listen=ADDR] | none
  --console pty | none         serial console (default pty)
  --virt-type kvm | qemu       default: kvm when the host has it
  --arch ARCH                  default: the host's
  --machine TYPE               default: q35 when the OS variant supports it, else the host's default
  --os-variant ID              osinfo-db short id (debian11, fedora37, ...) or generic
  --osinfo ID                  the same as --os-variant
  --boot hd,cdrom,network      boot order
  --autostart                  start the guest when the host boots
  --noreboot                   define the guest (and its volumes) but do not start it
  --print-xml                  print the volume and domain XML; create nothing
  --dry-run                    check everything, create nothing
  --noautoconsole, --import    accepted for virt-install compatibility (no effect)
  --json                       print {"name", "volumes", "domain"} as JSON
`;

/** A command line that is wrong; printed with INSTALL_USAGE, exit code 2. */
export class InstallUsageError extends Error {}

export interface InstallArgs {
  options: InstallOptions;
  printXML: boolean;
  dryRun: boolean;
  json: boolean;
  help: boolean;
  connect: string | null;
}

const FLAGS = {
  connect: { type: 'string', short: 'c' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  name: { type: 'string', short: 'n' },
  memory: { type: 'string' },
  ram: { type: 'string' },
  vcpus: { type: 'string' },
  disk: { type: 'string', multiple: true },
  cdrom: { type: 'string' },
  network: { type: 'string', multiple: true },
  bridge: { type: 'string', multiple: true },
  graphics: { type: 'string' },
  console: { type: 'string' },
  'virt-type': { type: 'string' },
  arch: { type: 'string' },
  machine: { type: 'string' },
  'os-variant': { type: 'string' },
  osinfo: { type: 'string' },
  boot: { type: 'string' },
  autostart: { type: 'boolean' },
  noreboot: { type: 'boolean' },
  'print-xml': { type: 'boolean' },
  'dry-run': { type: 'boolean' },
  noautoconsole: { type: 'boolean' },
  import: { type: 'boolean' },
} as const;

/** `a=1,b=2` (a first bare word is returned under `''`). */
function keyValues(flag: string, text: string, keys: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  text.split(',').forEach((part, i) => {
    const eq = part.indexOf('=');
    const k = eq < 0 ? (i === 0 ? '' : part) : part.slice(0, eq);
    const v = eq < 0 ? part : part.slice(eq + 1);
    if (k !== '' && !keys.includes(k)) throw new InstallUsageError(`--${flag}: unknown key '${k}' in '${text}' (known: ${keys.join(', ')})`);
    if (eq < 0 && i > 0) throw new InstallUsageError(`--${flag}: '${part}' needs a value (${part}=...)`);
    if (k in out) throw new InstallUsageError(`--${flag}: '${k || part}' given twice in '${text}'`);
    out[k] = v;
  });
  return out;
}

function number(flag: string, text: string, integer: boolean): number {
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n) || (integer && !Number.isInteger(n))) {
    throw new InstallUsageError(`--${flag} needs ${integer ? 'an integer' : 'a number'}, not '${text}'`);
  }
  return n;
}

/** `--memory 512` or `--memory memory=512`; `--vcpus 2` or `--vcpus vcpus=2`. */
function scalar(flag: string, key: string, text: string): number {
  const kv = keyValues(flag, text, [key]);
  return number(flag, kv[key] ?? kv[''], true);
}

function disk(text: string): NonNullable<InstallOptions['disks']>[number] | null {
  if (text === 'none') return null;
  const kv = keyValues('disk', text, ['pool', 'size', 'format', 'name', 'path', 'device']);
  if (kv[''] !== undefined) {
    if (!kv[''].startsWith('/')) throw new InstallUsageError(`--disk: '${kv['']}' is neither key=value nor an absolute path`);
    kv.path = kv[''];
    delete kv[''];
  }
  if (kv.pool !== undefined) {
    if (kv.path !== undefined || kv.device !== undefined) throw new InstallUsageError(`--disk: pool= goes with size=, format=, name=, not path= or device=`);
    if (kv.size === undefined) throw new InstallUsageError(`--disk: pool=${kv.pool} needs size=GiB`);
    const d: { pool: string; size: number; format?: 'qcow2' | 'raw'; name?: string } = { pool: kv.pool, size: number('disk size', kv.size, false) };
    if (kv.format !== undefined) {
      if (kv.format !== 'qcow2' && kv.format !== 'raw') throw new InstallUsageError(`--disk: format must be qcow2 or raw, not '${kv.format}'`);
      d.format = kv.format;
    }
    if (kv.name !== undefined) d.name = kv.name;
    return d;
  }
  if (kv.path === undefined) throw new InstallUsageError(`--disk needs pool=P,size=GiB or path=FILE, not '${text}'`);
  for (const k of ['size', 'format', 'name']) if (kv[k] !== undefined) throw new InstallUsageError(`--disk: ${k}= creates a volume: use pool=P,size=GiB`);
  if (kv.device !== undefined && kv.device !== 'disk' && kv.device !== 'cdrom') throw new InstallUsageError(`--disk: device must be disk or cdrom, not '${kv.device}'`);
  return kv.device === undefined ? { path: kv.path } : { path: kv.path, device: kv.device as 'disk' | 'cdrom' };
}

function network(text: string): { network: string } | { bridge: string } | null {
  if (text === 'none') return null;
  if (text === 'default') return { network: 'default' };
  const kv = keyValues('network', text, ['network', 'bridge']);
  if (kv.network !== undefined && kv.bridge === undefined && kv[''] === undefined) return { network: kv.network };
  if (kv.bridge !== undefined && kv.network === undefined && kv[''] === undefined) return { bridge: kv.bridge };
  throw new InstallUsageError(`--network needs network=NAME, bridge=BR or none, not '${text}'`);
}

function graphics(text: string): NonNullable<InstallOptions['graphics']> {
  const kv = keyValues('graphics', text, ['listen']);
  const type = kv[''];
  if (type !== 'vnc' && type !== 'spice' && type !== 'none') throw new InstallUsageError(`--graphics must be vnc, spice or none, not '${text}'`);
  if (kv.listen !== undefined && type === 'none') throw new InstallUsageError('--graphics none takes no listen=');
  return kv.listen === undefined ? { type } : { type, listen: kv.listen };
}

function oneOf<T extends string>(flag: string, text: string, values: readonly T[]): T {
  if (!(values as readonly string[]).includes(text)) throw new InstallUsageError(`--${flag} must be ${values.join(' or ')}, not '${text}'`);
  return text as T;
}

/** Parses the arguments after `install`. Throws InstallUsageError. */
export function parseInstallArgs(argv: string[]): InstallArgs {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: FLAGS, allowPositionals: false, strict: true });
  } catch (e) {
    throw new InstallUsageError((e as Error).message.replace(/\. To specify a positional argument.*$/s, '.'));
  }
  const v = parsed.values;
  const out: InstallArgs = {
    options: { name: '', memory: 0 },
    printXML: !!v['print-xml'],
    dryRun: !!v['dry-run'],
    json: !!v.json,
    help: !!v.help,
    connect: v.connect ?? null,
  };
  if (out.help) return out;
  if (v.name === undefined) throw new InstallUsageError('install needs --name');
  const memory = v.memory ?? v.ram;
  if (memory === undefined) throw new InstallUsageError('install needs --memory MiB');
  if (v.memory !== undefined && v.ram !== undefined) throw new InstallUsageError('give --memory or --ram, not both');
  const o: InstallOptions = { name: v.name, memory: scalar('memory', 'memory', memory) };
  if (v.vcpus !== undefined) o.vcpus = scalar('vcpus', 'vcpus', v.vcpus);
  if (v.disk !== undefined) {
    const disks = v.disk.map(disk);
    if (disks.includes(null) && disks.length > 1) throw new InstallUsageError('--disk none cannot go with other --disk options');
    o.disks = disks.filter((d) => d !== null);
  }
  if (v.cdrom !== undefined) o.cdrom = v.cdrom;
  const nets = [...(v.network ?? []).map(network), ...(v.bridge ?? []).map((b) => ({ bridge: b }))];
  if (v.network !== undefined || v.bridge !== undefined) {
    if (nets.includes(null) && nets.length > 1) throw new InstallUsageError('--network none cannot go with other --network options');
    o.networks = nets.filter((n) => n !== null);
  }
  if (v.graphics !== undefined) o.graphics = graphics(v.graphics);
  if (v.console !== undefined) o.console = oneOf('console', v.console, ['pty', 'none'] as const);
  if (v['virt-type'] !== undefined) o.virtType = oneOf('virt-type', v['virt-type'], ['kvm', 'qemu'] as const);
  if (v.arch !== undefined) o.arch = v.arch;
  if (v.machine !== undefined) o.machine = v.machine;
  const os = v['os-variant'] ?? v.osinfo;
  if (v['os-variant'] !== undefined && v.osinfo !== undefined) throw new InstallUsageError('give --os-variant or --osinfo, not both');
  if (os !== undefined) o.osVariant = os.startsWith('name=') ? os.slice(5) : os;
  if (v.boot !== undefined) o.boot = v.boot.split(',').map((b) => oneOf('boot', b, ['hd', 'cdrom', 'network'] as const));
  if (v.noreboot) o.start = false;
  if (v.autostart) o.autostart = true;
  out.options = o;
  return out;
}

/** Runs `virtkit install`; resolves to what to print. */
export async function runInstall(conn: Connect, a: InstallArgs): Promise<string> {
  if (a.printXML || a.dryRun) {
    const plan = await planInstall(conn, a.options);
    if (a.json) return JSON.stringify({ name: a.options.name, volumes: plan.volumes, domain: plan.domain }, null, 2);
    if (!a.printXML) return `Dry run: guest '${a.options.name}' and ${plan.volumes.length} volume(s) can be created`;
    return [...plan.volumes.map((v) => v.xml), plan.domain].map((x) => x.trimEnd()).join('\n');
  }
  const dom = await install(conn, a.options);
  const name = dom.getName();
  dom.free();
  return a.json ? JSON.stringify({ name }) : name;
}
