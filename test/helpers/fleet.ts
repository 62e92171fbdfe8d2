// The two private libvirt hosts of scripts/fleet-hosts.sh, for the fleet and migration tests.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Connect } from '../../lib/index.js';
import { requirePart } from './index.js';
import { domainType } from './qemu.js';

const ROOT = process.env.VK_FLEET_ROOT ?? '/var/lib/virtkit-fleet';
const STATE = process.env.VK_FLEET_STATE ?? '/run/virtkit-fleet';
const SCRIPT = join(__dirname, '../../scripts/fleet-hosts.sh');

export interface FleetHosts {
  /** From this process: `qemu+unix:///system?socket=...`, host1 first. */
  unix: [string, string];
  /** Inside the hosts' namespaces: `qemu+tcp://10.77.0.N/system`. */
  tcp: [string, string];
  /** `test+tcp://10.77.0.N/default` (inside the namespaces). */
  testTcp: [string, string];
  /** `test+unix:///default?socket=...` (from this process). */
  testUnix: [string, string];
}

function status(): boolean {
  try {
    execFileSync('bash', [SCRIPT, 'status'], { stdio: 'ignore', timeout: 30_000 });
    return true;
  } catch {
    return false;
  }
}

/** Brings the hosts up if they are not (idempotent); fails under CI when they cannot start. */
export function fleetHosts(): { hosts: FleetHosts | null; skip: boolean; reason: string } {
  let ok = status();
  let why = '';
  if (!ok && process.getuid?.() === 0) {
    try {
      execFileSync('bash', [SCRIPT, 'up'], { stdio: ['ignore', 'ignore', 'pipe'], timeout: 120_000 });
      ok = status();
    } catch (e) {
      why = String((e as { stderr?: Buffer }).stderr ?? e).trim();
    }
  }
  const need = requirePart(ok, `two private libvirt hosts (scripts/fleet-hosts.sh up${why ? `: ${why}` : ''})`);
  if (!ok) return { hosts: null, ...need };
  const sock = (n: number) => `${ROOT}/host${n}/run/libvirt-sock`;
  return {
    hosts: {
      unix: [`qemu+unix:///system?socket=${sock(1)}`, `qemu+unix:///system?socket=${sock(2)}`],
      tcp: ['qemu+tcp://10.77.0.1/system', 'qemu+tcp://10.77.0.2/system'],
      testTcp: ['test+tcp://10.77.0.1/default', 'test+tcp://10.77.0.2/default'],
      testUnix: [`test+unix:///default?socket=${sock(1)}`, `test+unix:///default?socket=${sock(2)}`],
    },
    ...need,
  };
}

/** PID of host N's libvirtd. */
export function daemonPid(n: 1 | 2): number {
  return Number(readFileSync(`${ROOT}/host${n}/run/libvirtd.pid`, 'utf8').trim());
}

/** PID of host N's namespace holder (for `nsenter -t PID -n`). */
export function holderPid(n: 1 | 2): number {
  return Number(readFileSync(`${STATE}/host${n}.pid`, 'utf8').trim());
}

/** Kills host N's libvirtd (SIGKILL): its guests keep running, its clients see EOF. */
export function killDaemon(n: 1 | 2): void {
  process.kill(daemonPid(n), 'SIGKILL');
}

/** Starts whatever is missing again (after {@link killDaemon}). */
export function restoreHosts(): void {
  execFileSync('bash', [SCRIPT, 'up'], { stdio: ['ignore', 'ignore', 'inherit'], timeout: 120_000 });
}

/** A disk-less KVM guest (SeaBIOS on the serial console), 64 MiB. */
export function fleetGuestXML(name: string, memoryMiB = 64): string {
  return `<domain type='${domainType()}'>
  <name>${name}</name>
  <memory unit='MiB'>${memoryMiB}</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type><bios useserial='yes'/></os>
  <devices>
    <serial type='pty'><target port='0'/></serial>
    <console type='pty'><target type='serial' port='0'/></console>
  </devices>
</domain>`;
}

/**
 * Destroys and undefines `name` on every host, over fresh connections (a test may have killed
 * the daemon behind an older one), ignoring what is not there.
 */
export async function removeEverywhere(uris: string[], name: string): Promise<void> {
  for (const uri of uris) {
    const c = await Connect.open(uri).catch(() => null);
    if (!c) continue;
    const d = await c.domainLookupByName(name).catch(() => null);
    if (d) {
      await d.destroy().catch(() => {});
      await d.undefine().catch(() => {});
      d.free();
    }
    await c.close().catch(() => {});
  }
}
