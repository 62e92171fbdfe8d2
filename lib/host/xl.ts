import type { ProcessDuplex } from '../backends/transport/types.js';
import { validateName } from '../backends/transport/validate.js';
import { checkGuestName, isNotFound, notFound, runOperation } from './contract.js';
import { GuestStateError } from './errors.js';
import type { Xl, XlDomain } from '../backends/xl/xl.js';
import { stateFromXl, xlFlagString } from './state.js';
import type { Guest, GuestInfo, GuestStats, Host, StopOptions } from './types.js';
import { PollingHost, type CliHostInit } from './watch.js';

/** Convert one `xl list` row. */
export function xlGuestInfo(d: XlDomain): GuestInfo {
  const info: GuestInfo = { name: d.name, state: stateFromXl(d.flags), nativeState: xlFlagString(d.flags), id: d.domid };
  if (d.uuid) info.uuid = d.uuid;
  return info;
}

/** Unpauses tried by one resume (Xen's pause count is rarely above a few). */
const MAX_UNPAUSE = 64;

/** A Xen domain driven by `xl`, behind the {@link Guest} interface. */
export class XlGuest implements Guest {
  /** {@inheritDoc Guest.backend} */
  readonly backend = 'xl' as const;
  /** {@inheritDoc Guest.name} */
  readonly name: string;
  /** The xl wrapper (escape hatch to the whole xl API). */
  readonly xl: Xl;

  /** @param xl - backend. @param name - domain name. */
  constructor(xl: Xl, name: string) {
    this.xl = xl;
    this.name = name;
  }

  /** {@inheritDoc Guest.info} */
  async info(): Promise<GuestInfo> {
    try {
      return xlGuestInfo(await this.xl.listOne(this.name));
    } catch (e) {
      throw isNotFound(e) ? notFound(this.name, e) : e;
    }
  }
  /**
   * xl domains exist only while running: an existing one is started already (resolves); a
   * gone one cannot be started by name (`GuestNotFoundError`; use `Xl.create`).
   */
  async start(): Promise<void> {
    await this.info();
  }
  /** {@inheritDoc Guest.stop} */
  stop(opts: StopOptions = {}): Promise<void> {
    return opts.force ? runOperation(this, 'stop', () => this.xl.destroy(this.name), true) : this.shutdown();
  }
  /** {@inheritDoc Guest.shutdown} */
  shutdown(): Promise<void> {
    return runOperation(this, 'shutdown', () => this.xl.shutdown(this.name), true);
  }
  /** {@inheritDoc Guest.reboot} */
  reboot(): Promise<void> {
    return runOperation(this, 'reboot', () => this.xl.reboot(this.name));
  }
  /** {@inheritDoc Guest.pause} */
  pause(): Promise<void> {
    return runOperation(this, 'pause', () => this.xl.pause(this.name));
  }
  /**
   * Xen counts pauses (two `xl pause` need two `xl unpause`); the facade's resume runs the
   * domain again whatever the count: it unpauses until the domain is no longer paused.
   */
  resume(): Promise<void> {
    return runOperation(this, 'resume', async () => {
      for (let i = 0; i < MAX_UNPAUSE; i++) {
        await this.xl.exec(['unpause', this.name], { target: this.name });
        const d = await this.xl.listOne(this.name);
        if (!d.flags.paused) return;
      }
      throw new GuestStateError(this.name, 'resume', 'paused', 'paused');
    });
  }
  /** {@inheritDoc Guest.save} */
  save(path: string): Promise<void> {
    return runOperation(this, 'save', () => this.xl.save(this.name, path));
  }
  /** {@inheritDoc Guest.console} */
  async console(): Promise<ProcessDuplex> {
    return this.xl.console(this.name);
  }
  /** {@inheritDoc Guest.stats} */
  async stats(): Promise<GuestStats> {
    const d = await this.xl.listOne(this.name).catch((e: unknown) => {
      throw isNotFound(e) ? notFound(this.name, e) : e;
    });
    return {
      state: stateFromXl(d.flags),
      cpuTimeNs: BigInt(Math.round(d.cpuTimeSeconds * 1e9)),
      memoryKiB: d.memoryMiB * 1024,
      vcpus: d.vcpus,
    };
  }
}

/** {@link Host} over Xen's `xl` (local or SSH). Built by {@link openHost}. */
export class XlHost extends PollingHost implements Host {
  /** {@inheritDoc Host.backend} */
  readonly backend = 'xl' as const;
  /** The xl wrapper (escape hatch to the whole xl API). */
  readonly xl: Xl;

  /** @internal built by openHost */
  constructor(xl: Xl, init: CliHostInit) {
    super(init);
    this.xl = xl;
  }

  /** Running domains only, domain 0 included. See {@link Host.list}. */
  async list(): Promise<GuestInfo[]> {
    return (await this.xl.list()).map(xlGuestInfo);
  }
  /** {@inheritDoc Host.lookup} */
  async lookup(name: string): Promise<Guest> {
    checkGuestName(name, (n) => validateName(n));
    const g = new XlGuest(this.xl, name);
    await g.info(); // GuestNotFoundError
    return g;
  }
  /** {@inheritDoc Host.restore} */
  async restore(path: string): Promise<void> {
    await this.xl.restore(path);
  }
}
