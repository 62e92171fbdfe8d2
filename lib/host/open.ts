import type { Connect } from '../libvirt/index.js';
import { Lxc, type LxcOptions } from '../backends/lxc/lxc.js';
import { LocalTransport } from '../backends/transport/local.js';
import { SshTransport, type SshTransportOptions } from '../backends/transport/ssh.js';
import type { Transport } from '../backends/transport/types.js';
import { Xl, type XlOptions } from '../backends/xl/xl.js';
import { HostOpenError } from './errors.js';
import { LibvirtHost } from './libvirt.js';
import { LxcHost } from './lxc.js';
import type { Host, HostKind } from './types.js';
import { XlHost } from './xl.js';

/** SSH connection settings, used both for the CLI transport and the libvirt `+ssh` URI. */
export type HostSshSpec = SshTransportOptions;

/** What {@link openHost} should open. */
export interface HostSpec {
  /** The technology. `kvm` and `qemu` both mean libvirt's QEMU driver; `test` is `test:///default`. */
  kind: HostKind;
  /**
   * libvirt URI to try instead of the derived one (`qemu:///system`, `xen:///system`,
   * `lxc:///system`, `test:///default`, or `<driver>+ssh://user@host:port/system` with SSH).
   */
  uri?: string;
  /**
   * Where the CLI backends run: a {@link Transport} (default: local), or SSH settings
   * (`{host, port, user, identityFile, …}`), which also make the libvirt URI `…+ssh://`.
   * A {@link SshTransport} instance also selects the `+ssh` URI (host, user and port are taken
   * from its `description`); any other transport (e.g. a test fake) keeps the local URI.
   */
  transport?: Transport | HostSshSpec;
  /**
   * `libvirt` (default): try the libvirt driver first, fall back to the CLI backend.
   * `cli`: use `xl`/`lxc-*` without trying libvirt (only for `xen` and `lxc`; other kinds have
   * no CLI backend and use libvirt regardless).
   */
  prefer?: 'libvirt' | 'cli';
  /**
   * Extra check after libvirt opened: if it rejects, the connection is closed and openHost
   * falls back to the CLI backend with that error as {@link Host.fallbackReason}. Use it for
   * drivers that open but cannot run guests, e.g. libvirt's LXC driver on a cgroup layout it
   * does not support (start a throw-away container in it, or check what your setup needs).
   */
  probe?: (conn: Connect) => Promise<void>;
  /** How long to wait for libvirt to open before falling back, ms (default 30 000). */
  openTimeoutMs?: number;
  /**
   * Before using a CLI backend, check that its tool works (`xl list`, `lxc-ls --version`), so
   * that a host with neither backend fails here with {@link HostOpenError}. Default `true`.
   */
  verifyCli?: boolean;
  /** Polling interval of {@link Host.watch} for the CLI backends, ms (default 1000). */
  pollIntervalMs?: number;
  /** Options for the {@link Xl} backend. */
  xl?: XlOptions;
  /** Options for the {@link Lxc} backend. */
  lxc?: LxcOptions;
}

const SCHEME: Readonly<Record<HostKind, string>> = { kvm: 'qemu', qemu: 'qemu', xen: 'xen', lxc: 'lxc', test: 'test' };
const KINDS = Object.keys(SCHEME);

/** Where the URI should point: local, or an SSH destination. */
export interface UriTarget {
  /** Host name or address. */
  host: string;
  /** Remote user. */
  user?: string;
  /** SSH port. */
  port?: number;
  /** Private key (`?keyfile=`). */
  identityFile?: string;
}

/**
 * The libvirt URI {@link openHost} tries for `kind`: `qemu:///system`, `xen:///system`,
 * `lxc:///system`, `test:///default`; over SSH `qemu+ssh://user@host:port/system?keyfile=…&no_tty=1`
 * (`no_tty=1`: never prompt for a password; `test` stays `test:///default`).
 */
export function libvirtUri(kind: HostKind, ssh?: UriTarget): string {
  const scheme = Object.hasOwn(SCHEME, kind) ? SCHEME[kind] : undefined;
  if (scheme === undefined) throw new TypeError(`kind must be one of ${KINDS.join(', ')}`);
  if (kind === 'test') return 'test:///default';
  if (!ssh) return `${scheme}:///system`;
  const host = ssh.host.includes(':') && !ssh.host.startsWith('[') ? `[${ssh.host}]` : ssh.host;
  const auth = ssh.user ? `${encodeURIComponent(ssh.user)}@` : '';
  const port = ssh.port !== undefined ? `:${ssh.port}` : '';
  const q = [...(ssh.identityFile ? [`keyfile=${encodeURIComponent(ssh.identityFile)}`] : []), 'no_tty=1'];
  return `${scheme}+ssh://${auth}${host}${port}/system?${q.join('&')}`;
}

function isTransport(t: Transport | HostSshSpec): t is Transport {
  return typeof (t as Transport).run === 'function' && typeof (t as Transport).spawn === 'function';
}

/** Read `ssh user@host:port` (SshTransport's documented description). */
function targetFromSshTransport(t: SshTransport): UriTarget | undefined {
  const m = /^ssh (?:([^@\s]+)@)?(\S+):(\d+)$/.exec(t.description);
  if (!m) return undefined;
  return { user: m[1], host: m[2]!, port: Number(m[3]) };
}

async function openWithTimeout(uri: string, timeoutMs: number): Promise<Connect> {
  let timer: NodeJS.Timeout | undefined;
  let timedOut = false;
  // Loaded on first use: a host that only ever uses the CLI backends never loads the addon.
  const { Connect } = await import('../libvirt/index.js');
  const opening = Connect.open(uri);
  try {
    return await Promise.race([
      opening,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          timedOut = true;
          reject(new Error(`libvirt: opening ${uri} took longer than ${timeoutMs} ms`));
        }, timeoutMs);
      }),
    ]);
  } finally {
    if (timer) clearTimeout(timer);
    if (timedOut) opening.then((c) => c.close()).catch(() => undefined);
  }
}

const asError = (e: unknown): Error => (e instanceof Error ? e : new Error(String(e)));

/**
 * Open one machine's guests behind the {@link Host} interface.
 *
 * Backend selection: unless `prefer: 'cli'`, the libvirt driver for `kind` is opened first
 * (see {@link libvirtUri}); if that fails or times out, or `probe` rejects, `xen` falls back to
 * `xl` and `lxc` to the `lxc-*` tools, run through `transport`; {@link Host.backend} says which
 * was chosen and {@link Host.fallbackReason} holds the libvirt error. `kvm`, `qemu` and `test`
 * have no CLI backend: their libvirt failure is thrown as {@link HostOpenError}, as is a
 * fallback whose tool does not work either (see {@link HostSpec.verifyCli}).
 *
 * Note that libvirt's LXC driver and the `lxc-*` tools manage different containers (libvirt
 * domains defined in XML vs. containers under `lxc.lxcpath`): pick with `prefer`.
 */
export async function openHost(spec: HostSpec): Promise<Host> {
  if (!spec || typeof spec !== 'object' || !KINDS.includes(spec.kind)) {
    throw new TypeError(`openHost: spec.kind must be one of ${KINDS.join(', ')}`);
  }
  if (spec.prefer !== undefined && spec.prefer !== 'libvirt' && spec.prefer !== 'cli') {
    throw new TypeError("openHost: spec.prefer must be 'libvirt' or 'cli'");
  }
  const kind = spec.kind;
  let transport: Transport;
  let target: UriTarget | undefined;
  if (spec.transport === undefined) transport = new LocalTransport();
  else if (isTransport(spec.transport)) {
    transport = spec.transport;
    if (transport instanceof SshTransport) target = targetFromSshTransport(transport);
  } else {
    transport = new SshTransport(spec.transport); // validates host, user, port…
    target = { host: spec.transport.host, user: spec.transport.user, port: spec.transport.port, identityFile: spec.transport.identityFile };
  }
  const uri = spec.uri ?? libvirtUri(kind, target);
  const cli = kind === 'xen' ? 'xl' : kind === 'lxc' ? 'lxc' : undefined;
  const common = { kind, pollIntervalMs: spec.pollIntervalMs };

  let libvirtError: Error | undefined;
  if (spec.prefer !== 'cli' || cli === undefined) {
    try {
      const conn = await openWithTimeout(uri, spec.openTimeoutMs ?? 30_000);
      try {
        if (spec.probe) await spec.probe(conn);
      } catch (e) {
        await conn.close().catch(() => undefined);
        throw e;
      }
      const why = spec.prefer === 'cli' ? `libvirt: ${kind} has no CLI backend; opened ${uri}` : `libvirt: opened ${uri}`;
      return new LibvirtHost(conn, kind, uri, why);
    } catch (e) {
      libvirtError = asError(e);
      if (cli === undefined) {
        throw new HostOpenError(kind, `openHost(${kind}): libvirt ${uri} failed and ${kind} has no CLI backend: ${libvirtError.message}`, { libvirt: e });
      }
    }
  }

  const selection = libvirtError
    ? `${cli}: libvirt ${uri} failed (${libvirtError.message}); using ${cli === 'xl' ? 'xl' : 'lxc-*'} over ${transport.description}`
    : `${cli}: prefer 'cli' (libvirt not tried); using ${cli === 'xl' ? 'xl' : 'lxc-*'} over ${transport.description}`;
  try {
    if (cli === 'xl') {
      const xl = new Xl(transport, spec.xl ?? {});
      if (spec.verifyCli !== false) await xl.exec(['list']);
      return new XlHost(xl, { ...common, uri: libvirtError ? uri : undefined, fallbackReason: libvirtError, selection });
    }
    const lxc = new Lxc(transport, spec.lxc ?? {});
    if (spec.verifyCli !== false) {
      const res = await lxc.exec('lxc-ls', ['--version'], { noLxcpath: true });
      if (res.code !== 0) throw new Error(`lxc-ls --version failed (exit ${res.code}): ${res.stderr.trim()}`);
    }
    return new LxcHost(lxc, { ...common, uri: libvirtError ? uri : undefined, fallbackReason: libvirtError, selection });
  } catch (e) {
    const how = libvirtError ? `libvirt ${uri} failed (${libvirtError.message}) and ` : '';
    throw new HostOpenError(kind, `openHost(${kind}): ${how}the ${cli} backend does not work over ${transport.description}: ${asError(e).message}`, {
      libvirt: libvirtError,
      cli: e,
    });
  }
}
