import type { XlStateFlags } from '../backends/xl/parse.js';
import type { GuestState } from './types.js';

/** libvirt `virDomainState` values → {@link GuestState} (see the table on {@link GuestState}). */
const LIBVIRT: Readonly<Record<number, GuestState>> = {
  0: 'unknown', // NOSTATE
  1: 'running', // RUNNING
  2: 'blocked', // BLOCKED
  3: 'paused', // PAUSED
  4: 'shutdown', // SHUTDOWN (being shut down)
  5: 'shutoff', // SHUTOFF
  6: 'crashed', // CRASHED
  7: 'paused', // PMSUSPENDED (guest suspended itself; memory kept)
};

/** C names of `virDomainState`, for {@link GuestInfo.nativeState}. */
export const LIBVIRT_STATE_NAMES: Readonly<Record<number, string>> = {
  0: 'VIR_DOMAIN_NOSTATE',
  1: 'VIR_DOMAIN_RUNNING',
  2: 'VIR_DOMAIN_BLOCKED',
  3: 'VIR_DOMAIN_PAUSED',
  4: 'VIR_DOMAIN_SHUTDOWN',
  5: 'VIR_DOMAIN_SHUTOFF',
  6: 'VIR_DOMAIN_CRASHED',
  7: 'VIR_DOMAIN_PMSUSPENDED',
};

/** Map a libvirt `virDomainState` number. Unknown values give `unknown`. */
export function stateFromLibvirt(state: number): GuestState {
  return LIBVIRT[state] ?? 'unknown';
}

/**
 * Map a libvirt lifecycle event type (`VIR_DOMAIN_EVENT_*`) to the state it leads to, or
 * `undefined` for DEFINED/UNDEFINED (configuration changes) and SHUTDOWN (sent just before
 * STOPPED: the guest goes from running to shutoff once, not through `shutdown`).
 */
export function stateFromLibvirtEvent(event: number): GuestState | undefined {
  switch (event) {
    case 2: // STARTED
    case 4: // RESUMED
      return 'running';
    case 3: // SUSPENDED
    case 7: // PMSUSPENDED
      return 'paused';
    case 5: // STOPPED
      return 'shutoff';
    case 6: // SHUTDOWN: the guest finished shutting down and STOPPED follows; not a state of its own
      return undefined;
    case 8: // CRASHED
      return 'crashed';
    default:
      return undefined;
  }
}

/** Map xl's state flags (see the table on {@link GuestState}: `r`/`b`/idle are all `running`). */
export function stateFromXl(flags: XlStateFlags): GuestState {
  if (flags.shutdown && flags.shutdownReason === 'crash') return 'crashed';
  if (flags.dying || flags.shutdown) return 'shutdown';
  if (flags.paused) return 'paused';
  return 'running';
}

/** Render xl's flags back to the 6-character column (`r-----`, `--p---`, `---sc-`). */
export function xlFlagString(f: XlStateFlags): string {
  const reason: Record<string, string> = { poweroff: '-', reboot: 'r', suspend: 's', crash: 'c', watchdog: 'w', soft_reset: 'S' };
  return (
    (f.running ? 'r' : '-') +
    (f.blocked ? 'b' : '-') +
    (f.paused ? 'p' : '-') +
    (f.shutdown ? 's' : '-') +
    (f.shutdown && f.shutdownReason ? reason[f.shutdownReason] ?? '-' : '-') +
    (f.dying ? 'd' : '-')
  );
}

/** Map an LXC state word (`RUNNING`, `FROZEN`, …). */
export function stateFromLxc(state: string): GuestState {
  switch (state) {
    case 'RUNNING':
    case 'STARTING':
    case 'THAWED':
      return 'running';
    case 'FROZEN':
    case 'FREEZING':
      return 'paused';
    case 'STOPPED':
      return 'shutoff';
    case 'STOPPING':
      return 'shutdown';
    case 'ABORTING':
      return 'crashed';
    default:
      return 'unknown';
  }
}
