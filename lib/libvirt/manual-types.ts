// Typings of the hand-written native bindings (native/src/manual_*.cc).
import type { TypedParams } from './typed-params.js';
import type { Connect, Domain } from './classes.js';

/** One record of bulk stats (`virDomainStatsRecord`). */
export interface DomainStatsRecord {
  domain: Domain;
  params: TypedParams;
}

/** A credential request of `virConnectOpenAuth` (`virConnectCredential`). */
export interface ConnectCredential {
  type: number;
  prompt: string;
  challenge: string | null;
  defresult: string | null;
}

/** The `auth` argument of {@link ConnectStaticManual.openAuth}. */
export interface ConnectAuth {
  /** `VIR_CRED_*` values this callback answers. */
  credtype: number[];
  /** Returns one answer per credential (or null to leave it unanswered). */
  cb: (creds: ConnectCredential[]) => Array<string | null> | Promise<Array<string | null>>;
}

export interface ConnectManual {
  /** `virNodeGetFreePages`: free page counts, `cellCount` rows of `pages.length` entries. */
  nodeGetFreePages(pages: number[], startCell: number, cellCount: number, flags?: number): Promise<bigint[]>;
  /** `virNodeAllocPages`: resolves to the number of nodes successfully adjusted. */
  nodeAllocPages(pageSizes: number[], pageCounts: Array<number | bigint>, startCell: number, cellCount: number, flags?: number): Promise<number>;
  /** Closes the connection (`virConnectClose`); idempotent; calls in flight finish first. Resolves to the remaining reference count. */
  close(): Promise<number>;
  /** `virConnectGetAllDomainStats`: stats of every domain in one call. */
  getAllDomainStats(stats?: number, flags?: number): Promise<DomainStatsRecord[]>;
  /** `virDomainListGetStats` (owner is the connection, as its first argument is a domain list). */
  domainListGetStats(doms: Domain[], stats?: number, flags?: number): Promise<DomainStatsRecord[]>;
  /** `virNodeGetCPUMap`: the host's CPUs; `ret` is the CPU count, `online` how many are online. */
  nodeGetCPUMap(flags?: number): Promise<NodeCPUMap>;
  /** `virNodeGetCPUStats`: `{kernel, user, idle, iowait, utilization, ...}` in ns (or %). `cpuNum` -1 is the total. */
  nodeGetCPUStats(cpuNum: number, flags?: number): Promise<Record<string, bigint>>;
  /** `virNodeGetMemoryStats`: `{total, free, buffers, cached}` in KiB. `cellNum` -1 is the total. */
  nodeGetMemoryStats(cellNum: number, flags?: number): Promise<Record<string, bigint>>;
  /** `virNodeGetCellsFreeMemory`: free bytes of NUMA cells `startCell ..< startCell + maxCells`. */
  nodeGetCellsFreeMemory(startCell: number, maxCells: number): Promise<bigint[]>;
  /** `virNodeGetSecurityModel`. */
  nodeGetSecurityModel(): Promise<SecurityModel>;
}

/** Result of {@link ConnectManual.nodeGetCPUMap}. */
export interface NodeCPUMap {
  /** One bit per CPU (bit `n % 8` of byte `n >> 3`), set when the CPU is online. */
  cpumap: Buffer;
  online: number;
  ret: number;
}

/** `virSecurityModel`. */
export interface SecurityModel {
  model: string;
  doi: string;
}

/** `virDomainFSInfo`. */
export interface DomainFSInfo {
  mountpoint: string;
  name: string;
  fstype: string;
  devAlias: string[];
}

/** `virDomainIOThreadInfo`. */
export interface DomainIOThreadInfo {
  iothread_id: number;
  cpumap: Buffer;
}

/** `virDomainIPAddress`. */
export interface DomainIPAddress {
  /** `VIR_IP_ADDR_TYPE_IPV4` or `VIR_IP_ADDR_TYPE_IPV6`. */
  type: number;
  addr: string;
  prefix: number;
}

/** `virDomainInterface`. */
export interface DomainInterface {
  name: string;
  hwaddr: string | null;
  addrs: DomainIPAddress[];
}

/** `virSecurityLabel`. */
export interface SecurityLabel {
  label: string;
  enforcing: number;
}

/** `virVcpuInfo`. */
export interface VcpuInfo {
  number: number;
  /** `VIR_VCPU_*`. */
  state: number;
  /** CPU time used, in ns. */
  cpuTime: bigint;
  /** The host CPU it runs on, or -1. */
  cpu: number;
}

/** `virDomainMemoryStats`: keyed by the `VIR_DOMAIN_MEMORY_STAT_*` name in lower case. */
export interface DomainMemoryStats {
  swap_in?: bigint;
  swap_out?: bigint;
  major_fault?: bigint;
  minor_fault?: bigint;
  unused?: bigint;
  available?: bigint;
  actual_balloon?: bigint;
  rss?: bigint;
  usable?: bigint;
  last_update?: bigint;
  disk_caches?: bigint;
  hugetlb_pgalloc?: bigint;
  hugetlb_pgfail?: bigint;
  /** Tags newer than this build: `tag_<number>`. */
  [other: string]: bigint | undefined;
}

/** `virNetworkDHCPLease`. */
export interface NetworkDHCPLease {
  iface: string;
  /** Seconds since the epoch. */
  expirytime: bigint;
  /** `VIR_IP_ADDR_TYPE_*`. */
  type: number;
  mac: string | null;
  iaid: string | null;
  ipaddr: string;
  prefix: number;
  hostname: string | null;
  clientid: string | null;
}

/** Result of {@link DomainManual.qemuMonitorCommandWithFiles}. */
export interface QemuMonitorCommandResult {
  result: string;
  /** File descriptors QEMU returned; the caller owns (and must close) them. */
  outfiles: number[];
}

export interface ConnectStaticManual {
  /** `virConnectOpenAuth` with a JS credential callback; `auth` null opens without one (C NULL). */
  openAuth(name: string | null, auth: ConnectAuth | null, flags?: number): Promise<Connect>;
}

export interface DomainManual {
  /** `virDomainGetDiskErrors`: disks with errors and their `VIR_DOMAIN_DISK_ERROR_*` code. */
  getDiskErrors(flags?: number): Promise<Array<{ disk: string | null; error: number }>>;
  /** `virDomainBlockPeek`: `size` bytes (at most 64 MiB) of a disk at `offset`. */
  blockPeek(disk: string, offset: number | bigint, size: number | bigint, flags?: number): Promise<Buffer>;
  /** `virDomainMemoryPeek`: `size` bytes (at most 64 MiB) of guest memory; flags `VIR_MEMORY_VIRTUAL` or `VIR_MEMORY_PHYSICAL`. */
  memoryPeek(start: number | bigint, size: number | bigint, flags?: number): Promise<Buffer>;
  /** `virDomainGetCPUStats`: one typed-params object per CPU; `(-1, 1)` gives one object with the totals. */
  getCPUStats(start_cpu: number, ncpus: number, flags?: number): Promise<TypedParams[]>;
  /** `virDomainGetFSInfo` (needs the guest agent). */
  getFSInfo(flags?: number): Promise<DomainFSInfo[]>;
  /** `virDomainGetIOThreadInfo`. */
  getIOThreadInfo(flags?: number): Promise<DomainIOThreadInfo[]>;
  /** `virDomainInterfaceAddresses`; `source` is a `VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_*` value. */
  interfaceAddresses(source: number, flags?: number): Promise<DomainInterface[]>;
  /** `virDomainGetSecurityLabelList`. */
  getSecurityLabelList(): Promise<SecurityLabel[]>;
  /** `virDomainGetEmulatorPinInfo`: the emulator threads' cpumap (one bit per host CPU). */
  getEmulatorPinInfo(flags?: number): Promise<Buffer>;
  /** `virDomainGetVcpuPinInfo`: one cpumap per vCPU. */
  getVcpuPinInfo(flags?: number): Promise<Buffer[]>;
  /** `virDomainGetVcpus`: per-vCPU info and cpumaps (running domains). */
  getVcpus(): Promise<{ info: VcpuInfo[]; cpumaps: Buffer[] }>;
  /** `virDomainGetSchedulerParameters`. */
  getSchedulerParameters(): Promise<TypedParams>;
  /** `virDomainGetSchedulerParametersFlags`. */
  getSchedulerParametersFlags(flags?: number): Promise<TypedParams>;
  /** `virDomainMemoryStats`: `nr_stats` (default: all known, `VIR_DOMAIN_MEMORY_STAT_NR`) caps how many are asked. */
  memoryStats(nr_stats?: number, flags?: number): Promise<DomainMemoryStats>;
  /** `virDomainLxcOpenNamespace`: file descriptors of the container's namespaces (the caller closes them). */
  lxcOpenNamespace(flags?: number): Promise<number[]>;
  /** `virDomainQemuMonitorCommandWithFiles`, passing no file descriptors in. */
  qemuMonitorCommandWithFiles(cmd: string, flags?: number): Promise<QemuMonitorCommandResult>;
}
export interface NetworkManual {
  /** `virNetworkGetDHCPLeases`: all leases, or those of one MAC address. */
  getDHCPLeases(mac?: string | null, flags?: number): Promise<NetworkDHCPLease[]>;
}
export interface NetworkPortManual {}
export interface StoragePoolManual {}
export interface StorageVolManual {}
export interface InterfaceManual {}
export interface NodeDeviceManual {}
export interface SecretManual {
  /** `virSecretGetValue`: the secret's bytes (the C copy is zeroed before it is freed). */
  getValue(flags?: number): Promise<Buffer>;
}
export interface NWFilterManual {}
export interface NWFilterBindingManual {}
export interface DomainSnapshotManual {}
export interface DomainCheckpointManual {}
export interface StreamManual {}
export interface ModuleManual {}
