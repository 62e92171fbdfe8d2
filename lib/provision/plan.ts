// planInstall(): reads the host (capabilities, domain capabilities, pools, networks) and
// the OS variant, decides the guest, and writes the documents. Creates nothing.
import { existsSync, statSync } from 'node:fs';
import {
  LibvirtError,
  VIR_ERR_NO_DOMAIN,
  VIR_ERR_NO_NETWORK,
  VIR_ERR_NO_STORAGE_POOL,
  VIR_ERR_NO_STORAGE_VOL,
  type Connect,
} from '../libvirt/index.js';
import { domainDocument, volumeDocument } from './documents.js';
import { ProvisionError } from './errors.js';
import { readDomainCaps, readGuestFacts, readPool, readVolumeFormat, type PoolFacts } from './host-read.js';
import { defaultMachine, layoutDomain, type PlacedDisk } from './layout.js';
import { checkOptions, type InstallOptions } from './options.js';
import { freeVolumeName } from './names.js';
import { osTraits } from './osinfo.js';
import type { DomainCapsFacts, VolumeSpec } from './spec.js';

/** What `install` creates: storagevol XML per new volume (with its pool) and the domain XML. */
export interface InstallPlan {
  volumes: { pool: string; xml: string }[];
  domain: string;
}

/** The plan with what install() needs besides the documents. */
export interface FullPlan {
  name: string;
  volumes: { pool: string; name: string; xml: string }[];
  domain: string;
  start: boolean;
  autostart: boolean;
}

// Pools whose volumes are files with an image format (virt-install's list).
const FORMAT_POOLS = new Set(['dir', 'fs', 'netfs']);
// Pools whose volumes are block devices.
const BLOCK_POOLS = new Set(['logical', 'disk', 'iscsi', 'iscsi-direct', 'scsi', 'mpath', 'zfs']);

// The lookups' "no such object" answers; any other failure (a dropped connection) is raised.
const ABSENT = new Set([VIR_ERR_NO_DOMAIN, VIR_ERR_NO_NETWORK, VIR_ERR_NO_STORAGE_POOL, VIR_ERR_NO_STORAGE_VOL]);

async function exists<T>(p: Promise<T>): Promise<T | null> {
  try {
    return await p;
  } catch (e) {
    if (e instanceof LibvirtError && ABSENT.has(e.code)) return null;
    throw e;
  }
}

/** A URI without a host part (qemu:///system, test:///default) reaches this machine's files. */
function isLocal(uri: string): boolean {
  try {
    return new URL(uri).host === '';
  } catch {
    return false;
  }
}

async function poolFacts(conn: Connect, name: string, cache: Map<string, PoolFacts & { taken: Set<string> }>) {
  let f = cache.get(name);
  if (f) return f;
  const pool = await exists(conn.storagePoolLookupByName(name));
  if (!pool) throw new ProvisionError('NO_POOL', `storage pool '${name}' does not exist`);
  if (!(await pool.isActive())) throw new ProvisionError('NO_POOL', `storage pool '${name}' is not running (start it first)`);
  const vols = await pool.listAllVolumes(0);
  f = { ...readPool(await pool.getXMLDesc(0)), taken: new Set(vols.map((v) => v.getName())) };
  cache.set(name, f);
  return f;
}

/** Reads the host and decides everything; the documents are strings ready for libvirt. */
export async function makePlan(conn: Connect, options: InstallOptions): Promise<FullPlan> {
  const o = checkOptions(options);
  const g = readGuestFacts(await conn.getCapabilities(), o);
  if (o.machine !== null && !g.machines.includes(o.machine)) {
    throw new ProvisionError('NO_MACHINE', `machine '${o.machine}' is not offered for ${g.arch} (${g.domainType}); offered: ${g.machines.slice(0, 12).join(', ')}...`);
  }
  const os = await osTraits(o.osVariant, g.arch);
  const machine = o.machine ?? defaultMachine(g, os);
  // Drivers without domain capabilities (test:///default): decide from capabilities alone.
  const dc: DomainCapsFacts | null = await conn
    .getDomainCapabilities(g.emulator, g.arch, machine, g.domainType, 0)
    .then(readDomainCaps, () => null);

  if (await exists(conn.domainLookupByName(o.name))) throw new ProvisionError('EXISTS', `a domain named '${o.name}' exists already`);
  for (const n of o.networks) {
    if ('network' in n && !(await exists(conn.networkLookupByName(n.network)))) {
      throw new ProvisionError('NO_NETWORK', `network '${n.network}' does not exist`);
    }
  }

  const local = isLocal(await conn.getURI());
  const pools = new Map<string, PoolFacts & { taken: Set<string> }>();
  const volumes: VolumeSpec[] = [];
  const placed: PlacedDisk[] = [];
  const existing = async (path: string, device: 'disk' | 'cdrom'): Promise<PlacedDisk> => {
    const vol = await exists(conn.storageVolLookupByPath(path));
    let format = 'raw';
    let block = false;
    if (vol) {
      format = device === 'cdrom' ? 'raw' : (readVolumeFormat(await vol.getXMLDesc(0)) ?? 'raw');
      vol.free();
    }
    if (local) {
      if (!existsSync(path)) throw new ProvisionError('NO_PATH', `${device === 'cdrom' ? 'cdrom' : 'disk'} '${path}' does not exist`);
      block = statSync(path).isBlockDevice();
    }
    return { type: block ? 'block' : 'file', device, format, discard: false, source: block ? { dev: path } : { file: path }, readonly: device === 'cdrom' };
  };
  for (const d of o.disks) {
    if ('path' in d) {
      placed.push(await existing(d.path, d.device ?? 'disk'));
      continue;
    }
    const p = await poolFacts(conn, d.pool, pools);
    const hasFormat = FORMAT_POOLS.has(p.type);
    if (d.format !== undefined && !hasFormat) throw new ProvisionError('UNSUPPORTED', `volumes in pool '${d.pool}' (type ${p.type}) have no image format; leave format out`);
    const format = hasFormat ? (d.format ?? 'qcow2') : null;
    let name: string;
    if (d.name !== undefined) {
      if (p.taken.has(d.name)) throw new ProvisionError('EXISTS', `volume '${d.name}' exists already in pool '${d.pool}'`);
      name = d.name;
    } else name = freeVolumeName(o.name, format, p.taken);
    p.taken.add(name);
    volumes.push({ pool: d.pool, name, capacityBytes: BigInt(Math.round(d.size * 1024 ** 3)), format });
    const path = `${p.targetPath ?? ''}/${name}`;
    placed.push(
      hasFormat && p.targetPath !== null
        ? { type: 'file', device: 'disk', format: format!, discard: true, source: { file: path }, readonly: false }
        : BLOCK_POOLS.has(p.type) && p.targetPath !== null
          ? { type: 'block', device: 'disk', format: 'raw', discard: true, source: { dev: path }, readonly: false }
          : { type: 'volume', device: 'disk', format: format ?? 'raw', discard: true, source: { pool: d.pool, volume: name }, readonly: false },
    );
  }
  if (o.cdrom !== null) placed.push(await existing(o.cdrom, 'cdrom'));

  const spec = layoutDomain({ ...o, machine }, g, dc, os, placed);
  return {
    name: o.name,
    volumes: volumes.map((v) => ({ pool: v.pool, name: v.name, xml: volumeDocument(v) })),
    domain: domainDocument(spec),
    start: o.start,
    autostart: o.autostart,
  };
}

/**
 * The documents `install` would create, like `virt-install --print-xml`: one storagevol XML
 * per new volume (with its pool) and the domain XML. Reads the host, changes nothing.
 * Throws like {@link install} does before it creates anything.
 */
export async function planInstall(conn: Connect, options: InstallOptions): Promise<InstallPlan> {
  const p = await makePlan(conn, options);
  return { volumes: p.volumes.map(({ pool, xml }) => ({ pool, xml })), domain: p.domain };
}
