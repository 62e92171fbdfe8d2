// Dropping this process's connections to libvirtd with virt-admin: the daemon
// closes them as it would on a crash, without disturbing other clients.
import { execFileSync } from 'node:child_process';

/** IDs of libvirtd's clients whose peer is process `pid`. */
export function clientsOf(pid = process.pid): string[] {
  const list = execFileSync('virt-admin', ['client-list', 'libvirtd'], { encoding: 'utf8' });
  const ids = [...list.matchAll(/^\s*(\d+)\s+unix\b/gm)].map((m) => m[1]!);
  return ids.filter((id) => {
    try {
      const info = execFileSync('virt-admin', ['client-info', 'libvirtd', id], { encoding: 'utf8' });
      return new RegExp(`^unix_process_id\\s*:\\s*${pid}\\s*$`, 'm').test(info);
    } catch {
      return false; // gone meanwhile
    }
  });
}

/** Disconnects every libvirtd client of this process; returns how many. */
export function disconnectMyClients(pid = process.pid): number {
  const ids = clientsOf(pid);
  for (const id of ids) {
    try {
      execFileSync('virt-admin', ['client-disconnect', 'libvirtd', id], { stdio: 'ignore' });
    } catch {
      // already gone
    }
  }
  return ids.length;
}
