// Types used by the signatures of the hand-written native bindings (scripts/manual.json).
import type { TypedParams } from './typed-params.js';
import type { Domain } from './classes.js';

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

/** The `auth` argument of `Connect.openAuth`. */
export interface ConnectAuth {
  /** `VIR_CRED_*` values this callback answers. */
  credtype: number[];
  /** Returns one answer per credential (or null to leave it unanswered). */
  cb: (creds: ConnectCredential[]) => Array<string | null> | Promise<Array<string | null>>;
}


/** Result of `Connect#nodeGetCPUMap`. */
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

/** Result of `Domain#qemuMonitorCommandWithFiles`. */
export interface QemuMonitorCommandResult {
  result: string;
  /** File descriptors QEMU returned; the caller owns (and must close) them. */
  outfiles: number[];
}
