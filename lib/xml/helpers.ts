import type { Connect, Domain, Network, StoragePool, StorageVol } from '../libvirt/index.js';
import type { DomainDef, NetworkDef, StoragePoolDef, StorageVolDef } from './generated/types.js';
import {
  domainXML, networkXML, parseDomainXML, parseNetworkXML, parseStoragePoolXML, parseStorageVolXML,
  storagePoolXML,
} from './generated/shorthands.js';

/** Anything with libvirt's `getXMLDesc` (a Domain, Network, StoragePool, StorageVol, ...). */
interface HasXMLDesc {
  getXMLDesc(flags?: number): Promise<string>;
}

/** The typed definition of a domain: `Domain#getXMLDesc(flags)` parsed. */
export async function domainDefinition(dom: Pick<Domain, 'getXMLDesc'> & HasXMLDesc, flags = 0): Promise<DomainDef> {
  return parseDomainXML(await dom.getXMLDesc(flags));
}

/** The typed definition of a network: `Network#getXMLDesc(flags)` parsed. */
export async function networkDefinition(net: Pick<Network, 'getXMLDesc'> & HasXMLDesc, flags = 0): Promise<NetworkDef> {
  return parseNetworkXML(await net.getXMLDesc(flags));
}

/** The typed definition of a storage pool: `StoragePool#getXMLDesc(flags)` parsed. */
export async function storagePoolDefinition(pool: Pick<StoragePool, 'getXMLDesc'> & HasXMLDesc, flags = 0): Promise<StoragePoolDef> {
  return parseStoragePoolXML(await pool.getXMLDesc(flags));
}

/** The typed definition of a storage volume: `StorageVol#getXMLDesc(flags)` parsed. */
export async function storageVolDefinition(vol: Pick<StorageVol, 'getXMLDesc'> & HasXMLDesc, flags = 0): Promise<StorageVolDef> {
  return parseStorageVolXML(await vol.getXMLDesc(flags));
}

/** Defines (or redefines, same name and UUID) a domain from a typed definition. */
export function defineDomain(conn: Pick<Connect, 'domainDefineXML'>, def: DomainDef): Promise<Domain> {
  return conn.domainDefineXML(domainXML(def));
}

/** Defines (or redefines) a network from a typed definition. */
export function defineNetwork(conn: Pick<Connect, 'networkDefineXML'>, def: NetworkDef): Promise<Network> {
  return conn.networkDefineXML(networkXML(def));
}

/** Defines (or redefines) a storage pool from a typed definition. */
export function defineStoragePool(conn: Pick<Connect, 'storagePoolDefineXML'>, def: StoragePoolDef): Promise<StoragePool> {
  return conn.storagePoolDefineXML(storagePoolXML(def));
}

/** A graphics device of a domain, as `graphics(def)` lists it. */
export interface GraphicsInfo {
  type: string;
  /** The port: the one in use on a live definition; -1 or absent on an inactive autoport one. */
  port: number | undefined;
  tlsPort: number | undefined;
  websocket: number | undefined;
  autoport: boolean;
  /** The listen address (`listen` attribute or the first `<listen type="address">`). */
  listen: string | undefined;
}

/** The graphics devices of a domain definition (VNC, SPICE, ...) with their ports. */
export function graphics(def: DomainDef): GraphicsInfo[] {
  return (def.devices?.graphics ?? []).map((g) => ({
    type: g.type,
    port: g.port,
    tlsPort: g.tlsPort,
    websocket: g.websocket,
    autoport: g.autoport === 'yes',
    listen: g['@listen'] ?? g.listen?.find((l) => l.type === 'address')?.address,
  }));
}

/** The ports of a domain's graphics devices of `type` (default every type) that are set (> 0). */
export function graphicsPorts(def: DomainDef, type?: string): number[] {
  return graphics(def)
    .filter((g) => (type === undefined || g.type === type) && g.port !== undefined && g.port > 0)
    .map((g) => g.port!);
}

/** A disk of a domain, as `disks(def)` lists it. */
export interface DiskInfo {
  /** `file`, `block`, `network`, `volume`, ... */
  type: string | undefined;
  /** `disk`, `cdrom`, `floppy`, `lun` (libvirt's default is `disk`). */
  device: string;
  bus: string | undefined;
  target: string;
  /** The file, block device, `pool/volume`, or network name the disk reads; undefined when empty. */
  source: string | undefined;
  /** The image format (`driver type`), e.g. `qcow2`, `raw`. */
  format: string | undefined;
  readonly: boolean;
}

/** The disks of a domain definition: device, bus, target device, source and format. */
export function disks(def: DomainDef): DiskInfo[] {
  return (def.devices?.disk ?? []).map((d) => {
    const s = d.source;
    const source = s === undefined ? undefined
      : s.file ?? s.dev ?? s.dir ?? (s.pool !== undefined && s.volume !== undefined ? `${s.pool}/${s.volume}` : undefined) ?? s.name;
    return {
      type: d.type,
      device: d.device ?? 'disk',
      bus: d.target.bus,
      target: d.target.dev,
      source,
      format: d.driver?.type,
      readonly: d.readonly !== undefined,
    };
  });
}

/** A network interface of a domain, as `interfaces(def)` lists it. */
export interface InterfaceInfo {
  /** `network`, `bridge`, `direct`, `user`, ... */
  type: string;
  mac: string | undefined;
  /** The libvirt network (type `network`). */
  network: string | undefined;
  /** The host bridge: the source of type `bridge`, or the network's bridge on a live definition. */
  bridge: string | undefined;
  /** The host-side device (`vnet0`, a tap), set on a live definition. */
  target: string | undefined;
  model: string | undefined;
}

/** The network interfaces of a domain definition: MAC, network or bridge, host device, model. */
export function interfaces(def: DomainDef): InterfaceInfo[] {
  return (def.devices?.interface ?? []).map((i) => ({
    type: i.type,
    mac: i.mac?.address,
    network: i.source?.network,
    bridge: i.source?.bridge,
    target: i.target?.dev,
    model: i.model?.type,
  }));
}

/** A serial port or console of a domain, as `consoles(def)` lists it. */
export interface ConsoleInfo {
  /** Which element: `serial` or `console`. */
  kind: 'serial' | 'console';
  /** The character device type: `pty`, `file`, `unix`, `tcp`, ... */
  type: string | undefined;
  /** The host pty (`/dev/pts/N`) of a live pty device. */
  pty: string | undefined;
  /** The source path (the pty, file or socket). */
  path: string | undefined;
  /** The guest-side target type (`serial`, `virtio`, `isa-serial`, ...). */
  targetType: string | undefined;
  /** The guest-side port number, as the schema leaves it: text. */
  port: string | undefined;
}

/** The serial ports and consoles of a domain definition, with their ptys on a live one. */
export function consoles(def: DomainDef): ConsoleInfo[] {
  const out: ConsoleInfo[] = [];
  for (const [kind, list] of [['serial', def.devices?.serial], ['console', def.devices?.console]] as const) {
    for (const c of list ?? []) {
      const path = c.source?.[0]?.path;
      const type = 'type' in c ? (c.type as string | undefined) : undefined;
      out.push({
        kind, type, path,
        pty: type === 'pty' ? (c.tty ?? path) : undefined,
        targetType: c.target?.type,
        port: c.target?.port,
      });
    }
  }
  return out;
}
