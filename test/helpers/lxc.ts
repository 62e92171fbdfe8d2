// LXC prerequisites of the integration tests (lxc-* tools, root, busybox).
import { execFileSync } from 'node:child_process';

function lxcMissing(): string | undefined {
  try {
    execFileSync('lxc-create', ['--version'], { stdio: 'pipe' });
  } catch {
    return 'lxc-create not found (run scripts/setup-lxc.sh)';
  }
  if (process.getuid?.() !== 0) return 'not root';
  try {
    execFileSync('busybox', ['true'], { stdio: 'pipe' });
  } catch {
    return 'busybox not found (apt-get install busybox-static)';
  }
  return undefined;
}

/** Whether LXC tests can run; under CI a missing prerequisite is a failure, not a skip. */
export function requireLxc(what: string): boolean {
  const missing = lxcMissing();
  if (missing && process.env.CI) throw new Error(`${what} cannot run under CI: ${missing}`);
  return !missing;
}
