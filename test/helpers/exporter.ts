// Helpers for the exporter tests: the Prometheus text format parsed back, free ports, child
// processes (Debian's prometheus and prometheus-libvirt-exporter) started on 127.0.0.1 and
// stopped, and tiny KVM guests with a disk file and a NIC on the `default` network.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { Connect, Domain, VIR_DOMAIN_START_PAUSED } from '../../lib/index.js';
import { domainType, removeDomain } from './qemu.js';

/** One sample: family name, labels, value. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Parses the text format (what both exporters print) into samples; `# TYPE` lines into types. */
export function parseText(text: string): { samples: Sample[]; types: Map<string, string> } {
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    if (line.startsWith('# TYPE ')) {
      const [, , name, type] = line.split(' ');
      types.set(name, type);
      continue;
    }
    if (line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    const re = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)",?/g;
    for (let l = re.exec(m[2] ?? ''); l; l = re.exec(m[2] ?? '')) {
      labels[l[1]] = l[2].replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    }
    samples.push({ name: m[1], labels, value: Number(m[3]) });
  }
  return { samples, types };
}

/** `name{a="x",b="y"}` with labels sorted: one key per series. */
export function seriesKey(s: Sample): string {
  const ls = Object.keys(s.labels)
    .sort()
    .map((k) => `${k}="${s.labels[k]}"`)
    .join(',');
  return `${s.name}{${ls}}`;
}

/** A TCP port free on 127.0.0.1 right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** Whether `cmd` is on PATH. */
export function hasCommand(cmd: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** A child process with its output kept (for error messages). */
export interface Child {
  proc: ChildProcess;
  output(): string;
  /** SIGTERM, then SIGKILL after 5 s; resolves to the exit code (null when killed). */
  stop(): Promise<number | null>;
}

export function startChild(cmd: string, args: string[], opts: { cwd?: string } = {}): Child {
  const proc = spawn(cmd, args, { cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout!.on('data', (b: Buffer) => (out += b.toString()));
  proc.stderr!.on('data', (b: Buffer) => (out += b.toString()));
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  return {
    proc,
    output: () => out,
    async stop() {
      if (proc.exitCode !== null || proc.signalCode !== null) return proc.exitCode;
      proc.kill('SIGTERM');
      const t = setTimeout(() => proc.kill('SIGKILL'), 5000);
      const code = await exited;
      clearTimeout(t);
      return code;
    },
  };
}

/** GETs `url` until it answers 200 (or throws after `ms`); resolves to the body. */
export async function waitHttp(url: string, ms = 20000, child?: Child): Promise<string> {
  const end = Date.now() + ms;
  let last: unknown;
  while (Date.now() < end) {
    if (child && child.proc.exitCode !== null) throw new Error(`process exited (${child.proc.exitCode}): ${child.output()}`);
    try {
      const r = await fetch(url);
      if (r.ok) return await r.text();
      last = new Error(`HTTP ${r.status}`);
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} did not answer within ${ms} ms: ${String(last)}${child ? `\n${child.output()}` : ''}`);
}

/** Guests with a 16 MiB qcow2 disk and a virtio NIC on `default`, no OS (SeaBIOS on serial). */
export interface ExporterGuests {
  domains: Domain[];
  names: string[];
  remove(): Promise<void>;
}

export async function createGuests(conn: Connect, prefix: string, n: number, opts: { paused: boolean }): Promise<ExporterGuests> {
  // QEMU runs as libvirt-qemu: the folder must be traversable, the files readable by it.
  const dir = mkdtempSync('/var/tmp/exp-guests-');
  chmodSync(dir, 0o755);
  const names = Array.from({ length: n }, (_, i) => `${prefix}-${i}`);
  const domains: Domain[] = [];
  const remove = async (): Promise<void> => {
    for (const name of names) await removeDomain(conn, name);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (const name of names) {
      const disk = join(dir, `${name}.qcow2`);
      execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', disk, '16M']);
      chmodSync(disk, 0o666);
      const xml = `<domain type='${domainType()}'>
  <name>${name}</name>
  <memory unit='MiB'>64</memory>
  <vcpu>2</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type><bios useserial='yes'/></os>
  <devices>
    <disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='${disk}'/><target dev='vda' bus='virtio'/></disk>
    <interface type='network'><source network='default'/><model type='virtio'/></interface>
    <serial type='pty'><target port='0'/></serial>
    <console type='pty'><target type='serial' port='0'/></console>
    <memballoon model='virtio'><stats period='1'/></memballoon>
  </devices>
</domain>`;
      domains.push(await conn.domainCreateXML(xml, opts.paused ? VIR_DOMAIN_START_PAUSED : 0));
    }
  } catch (e) {
    await remove();
    throw e;
  }
  return { domains, names, remove };
}

/** Whether the `default` network exists and is active (the guests' NICs need it). */
export async function defaultNetworkUp(conn: Connect): Promise<boolean> {
  try {
    const net = await conn.networkLookupByName('default');
    if (!(await net.isActive())) await net.create();
    return true;
  } catch {
    return false;
  }
}

/** A temp folder removed by the returned function. */
export function tempDir(prefix: string): { path: string; remove(): void } {
  const path = mkdtempSync(join('/tmp', prefix));
  return { path, remove: () => existsSync(path) && rmSync(path, { recursive: true, force: true }) };
}
