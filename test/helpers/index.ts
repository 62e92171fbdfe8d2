// Shared test helpers.
import { randomBytes } from 'node:crypto';

/** A unique name: test:///default state is shared by every connection in a process. */
export function uniq(prefix = 'vk'): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

/** Minimal domain XML for the test driver. */
export function testDomainXML(name: string, extra = ''): string {
  return `<domain type='test'><name>${name}</name><memory unit='KiB'>65536</memory><vcpu>1</vcpu><os><type arch='i686'>hvm</type></os>${extra}</domain>`;
}

/** Waits until `pred()` is true (polling), or throws after `ms`. */
export async function waitFor(pred: () => boolean, ms = 5000, what = 'condition'): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/**
 * For tests needing a daemon, guest or tool: under CI a missing part fails the
 * test (it must not silently skip); elsewhere the test is skipped with the reason.
 */
export function requirePart(available: boolean, what: string): { skip: boolean; reason: string } {
  if (!available && process.env.CI) throw new Error(`CI: required part missing: ${what}`);
  return { skip: !available, reason: available ? `needs ${what}` : `skipped: ${what} not available` };
}
