// Helpers for integration tests against the real libvirtd (qemu:///system).
import { existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { Connect, Domain } from '../../lib/index.js';
import { requirePart } from './index.js';

export const SYSTEM = 'qemu:///system';

/** Whether libvirtd answers on qemu:///system (started by scripts/start-services.sh). */
export function daemonUp(): boolean {
  try {
    execFileSync('virsh', ['-c', SYSTEM, 'version'], { stdio: 'ignore', timeout: 10000 });
    return true;
  } catch {
    return false;
  }
}

/** Skip outside CI, fail under CI, when libvirtd is not running. */
export function needDaemon(): { skip: boolean; reason: string } {
  return requirePart(daemonUp(), 'libvirtd on qemu:///system (run scripts/start-services.sh)');
}

/** KVM when /dev/kvm works, else TCG. */
export function domainType(): 'kvm' | 'qemu' {
  return existsSync('/dev/kvm') ? 'kvm' : 'qemu';
}

/** A tiny guest with no disk: SeaBIOS prints on the serial console. */
export function tinyGuestXML(name: string, opts: { memoryMiB?: number } = {}): string {
  return `<domain type='${domainType()}'>
  <name>${name}</name>
  <memory unit='MiB'>${opts.memoryMiB ?? 32}</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type><bios useserial='yes'/></os>
  <devices>
    <serial type='pty'><target port='0'/></serial>
    <console type='pty'><target type='serial' port='0'/></console>
    <memballoon model='virtio'><stats period='1'/></memballoon>
  </devices>
</domain>`;
}

/** Destroys and undefines a domain by name, ignoring what is already gone. */
export async function removeDomain(conn: Connect, name: string): Promise<void> {
  let dom: Domain;
  try {
    dom = await conn.domainLookupByName(name);
  } catch {
    return;
  }
  await dom.destroy().catch(() => {});
  await dom.undefine().catch(() => {});
}
