import { InvalidArgumentError } from '../errors.js';
import { validateName, validateValue } from '../transport/validate.js';

/** Action on a domain event (`on_poweroff`, `on_reboot`, `on_crash`, `on_watchdog`). */
export type XlAction =
  | 'destroy'
  | 'restart'
  | 'rename-restart'
  | 'preserve'
  | 'coredump-destroy'
  | 'coredump-restart'
  | 'soft-reset';

/** A disk in xl's disk spec syntax (`format=…, vdev=…, access=…, target=…`). */
export interface XlDiskSpec {
  /** Backing file or device (written last: it may contain commas). */
  target: string;
  /** Guest device, e.g. `xvda`, `hda`. */
  vdev: string;
  /** Image format (default raw). */
  format?: 'raw' | 'qcow' | 'qcow2' | 'vhd' | 'qed';
  /** Access (default rw). */
  access?: 'rw' | 'ro';
  /** `cdrom` for CD-ROM devices. */
  devtype?: 'cdrom' | 'disk';
  /** Backend type. */
  backendtype?: 'phy' | 'qdisk' | 'tap';
  /** Hotplug script. */
  script?: string;
}

/** A network interface in xl's vif spec syntax (`mac=…,bridge=…`). */
export interface XlVifSpec {
  /** MAC address. */
  mac?: string;
  /** Bridge to attach to (e.g. `xenbr0`). */
  bridge?: string;
  /** IP address(es). */
  ip?: string;
  /** Emulated NIC model (HVM). */
  model?: string;
  /** `ioemu` or `vif`. */
  type?: 'ioemu' | 'vif';
  /** Backend interface name. */
  vifname?: string;
  /** Hotplug script. */
  script?: string;
  /** Rate limit, e.g. `10Mb/s`. */
  rate?: string;
}

/** A value allowed in {@link XlConfig.extra}: string, non-negative integer, boolean, or list. */
export type XlConfigValue = string | number | boolean | ReadonlyArray<string | number>;

/** Typed xl domain configuration (subset of xl.cfg(5)); anything else goes in {@link extra}. */
export interface XlConfig {
  /** Domain name (mandatory). */
  name: string;
  /** Virtualisation mode (default pv in 4.17 for configs with a kernel). */
  type?: 'pv' | 'pvh' | 'hvm';
  /** Memory in MiB. */
  memory?: number;
  /** Maximum memory in MiB. */
  maxmem?: number;
  /** Number of vCPUs online at boot. */
  vcpus?: number;
  /** Maximum vCPUs. */
  maxvcpus?: number;
  /** UUID. */
  uuid?: string;
  /** Kernel image (direct boot). */
  kernel?: string;
  /** Initial ramdisk. */
  ramdisk?: string;
  /** Kernel command line. */
  cmdline?: string;
  /** Bootloader (e.g. `pygrub`). */
  bootloader?: string;
  /** Action on poweroff. */
  on_poweroff?: XlAction;
  /** Action on reboot. */
  on_reboot?: XlAction;
  /** Action on crash. */
  on_crash?: XlAction;
  /** Action on watchdog. */
  on_watchdog?: XlAction;
  /** Disks: typed specs or raw xl disk spec strings. */
  disk?: ReadonlyArray<XlDiskSpec | string>;
  /** NICs: typed specs or raw vif spec strings. */
  vif?: ReadonlyArray<XlVifSpec | string>;
  /** HVM serial (e.g. `pty`). */
  serial?: string;
  /** HVM boot order (e.g. `dc`). */
  boot?: string;
  /** Enable VNC (HVM). */
  vnc?: boolean;
  /** Enable SDL (HVM). */
  sdl?: boolean;
  /** Any other xl.cfg key (validated: `[A-Za-z_][A-Za-z0-9_]*`). Typed fields win on conflict. */
  extra?: Record<string, XlConfigValue>;
}

const KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;
const ACTIONS: readonly string[] = [
  'destroy',
  'restart',
  'rename-restart',
  'preserve',
  'coredump-destroy',
  'coredump-restart',
  'soft-reset',
];

/**
 * Quote a string for xl.cfg: double quotes, with `\` and `"` backslash-escaped. Control
 * characters and newlines are refused (xl's lexer does not allow newlines in strings).
 */
export function xlQuote(value: string, param = 'value'): string {
  validateValue(value, param);
  return '"' + value.replace(/\\/g, '\\\\').replace(/"/g, '\\"') + '"';
}

function renderValue(key: string, v: XlConfigValue): string {
  if (typeof v === 'string') return xlQuote(v, key);
  if (typeof v === 'boolean') return v ? '1' : '0';
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v) || v < 0) throw new InvalidArgumentError(key, 'numbers must be non-negative integers');
    return String(v);
  }
  if (Array.isArray(v)) {
    return '[ ' + v.map((x) => renderValue(key, x)).join(', ') + ' ]';
  }
  throw new InvalidArgumentError(key, 'unsupported value type');
}

/** Check one `k=v` component of a disk/vif spec: no `,` or `=` (they are separators). */
function specPart(param: string, key: string, v: string): string {
  validateValue(v, `${param}.${key}`);
  if (/[,=]/.test(v) || v.trim() !== v || v === '') {
    throw new InvalidArgumentError(`${param}.${key}`, 'must be non-empty without "," "=" or surrounding spaces');
  }
  return `${key}=${v}`;
}

/** Render a typed disk as an xl disk spec string (target last). */
export function diskSpecString(d: XlDiskSpec): string {
  if (typeof d.target !== 'string' || d.target === '') throw new InvalidArgumentError('disk.target', 'is required');
  validateValue(d.target, 'disk.target');
  const parts = [
    specPart('disk', 'format', d.format ?? 'raw'),
    specPart('disk', 'vdev', d.vdev),
    specPart('disk', 'access', d.access ?? 'rw'),
  ];
  if (d.devtype) parts.push(specPart('disk', 'devtype', d.devtype));
  if (d.backendtype) parts.push(specPart('disk', 'backendtype', d.backendtype));
  if (d.script) parts.push(specPart('disk', 'script', d.script));
  parts.push(`target=${d.target}`);
  return parts.join(', ');
}

/** Render a typed vif as an xl vif spec string. */
export function vifSpecString(v: XlVifSpec): string {
  const parts: string[] = [];
  if (v.mac !== undefined) {
    if (!/^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$/.test(v.mac)) throw new InvalidArgumentError('vif.mac', 'must be a MAC address');
    parts.push(`mac=${v.mac}`);
  }
  for (const k of ['bridge', 'ip', 'model', 'type', 'vifname', 'script', 'rate'] as const) {
    const val = v[k];
    if (val !== undefined) parts.push(specPart('vif', k, val));
  }
  return parts.join(',');
}

/**
 * Serialise an {@link XlConfig} to xl.cfg text. All keys and values are validated; strings are
 * quoted with `xlQuote`. Throws {@link InvalidArgumentError} on anything unsafe.
 */
export function renderXlConfig(cfg: XlConfig): string {
  if (!cfg || typeof cfg !== 'object') throw new InvalidArgumentError('config', 'must be an object');
  validateName(cfg.name, 'config.name');
  const entries = new Map<string, string>();
  for (const [k, v] of Object.entries(cfg.extra ?? {})) {
    if (!KEY.test(k)) throw new InvalidArgumentError('config.extra', `bad key ${JSON.stringify(k)}`);
    entries.set(k, renderValue(k, v));
  }
  const set = (k: string, v: XlConfigValue | undefined): void => {
    if (v !== undefined) entries.set(k, renderValue(k, v));
  };
  set('name', cfg.name);
  if (cfg.type !== undefined && !['pv', 'pvh', 'hvm'].includes(cfg.type)) throw new InvalidArgumentError('config.type', 'must be pv, pvh or hvm');
  set('type', cfg.type);
  for (const k of ['memory', 'maxmem', 'vcpus', 'maxvcpus'] as const) {
    const v = cfg[k];
    if (v !== undefined && (!Number.isSafeInteger(v) || v < 1)) throw new InvalidArgumentError(`config.${k}`, 'must be a positive integer');
    set(k, v);
  }
  if (cfg.uuid !== undefined && !/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/.test(cfg.uuid)) {
    throw new InvalidArgumentError('config.uuid', 'must be a UUID');
  }
  set('uuid', cfg.uuid);
  for (const k of ['kernel', 'ramdisk', 'cmdline', 'bootloader', 'serial', 'boot'] as const) set(k, cfg[k]);
  for (const k of ['on_poweroff', 'on_reboot', 'on_crash', 'on_watchdog'] as const) {
    const v = cfg[k];
    if (v !== undefined && !ACTIONS.includes(v)) throw new InvalidArgumentError(`config.${k}`, `must be one of ${ACTIONS.join(', ')}`);
    set(k, v);
  }
  if (cfg.vnc !== undefined) set('vnc', cfg.vnc);
  if (cfg.sdl !== undefined) set('sdl', cfg.sdl);
  if (cfg.disk !== undefined) set('disk', cfg.disk.map((d) => (typeof d === 'string' ? d : diskSpecString(d))));
  if (cfg.vif !== undefined) set('vif', cfg.vif.map((v) => (typeof v === 'string' ? v : vifSpecString(v))));
  let out = '# generated by virtkit\n';
  for (const [k, v] of entries) out += `${k} = ${v}\n`;
  return out;
}
