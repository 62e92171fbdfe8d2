import { StateError } from '../backends/errors.js';
import type { ProcessDuplex } from '../backends/transport/types.js';
import { validateName } from '../backends/transport/validate.js';
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
    return xlGuestInfo(await this.xl.listOne(this.name));
  }
  /** {@inheritDoc Guest.start} */
  async start(): Promise<void> {
    const d = await this.xl.listOne(this.name); // NotFoundError when it is gone
    throw new StateError(
      `xl: domain ${this.name} already exists (${xlFlagString(d.flags)}); xl domains exist only while running — create them with Xl.create()`,
      'shutoff',
      stateFromXl(d.flags),
    );
  }
  /** {@inheritDoc Guest.stop} */
  async stop(opts: StopOptions = {}): Promise<void> {
    if (opts.force) await this.xl.destroy(this.name);
    else await this.shutdown();
  }
  /** {@inheritDoc Guest.shutdown} */
  async shutdown(): Promise<void> {
    await this.xl.shutdown(this.name);
  }
  /** {@inheritDoc Guest.reboot} */
  async reboot(): Promise<void> {
    await this.xl.reboot(this.name);
  }
  /** {@inheritDoc Guest.pause} */
  async pause(): Promise<void> {
    await this.xl.pause(this.name);
  }
  /** {@inheritDoc Guest.resume} */
  async resume(): Promise<void> {
    await this.xl.unpause(this.name);
  }
  /** {@inheritDoc Guest.save} */
  async save(path: string): Promise<void> {
    await this.xl.save(this.name, path);
  }
  /** {@inheritDoc Guest.console} */
  console(): ProcessDuplex {
    return this.xl.console(this.name);
  }
  /** {@inheritDoc Guest.stats} */
  async stats(): Promise<GuestStats> {
    const d = await this.xl.listOne(this.name);
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
    validateName(name);
    await this.xl.listOne(name); // NotFoundError
    return new XlGuest(this.xl, name);
  }
  /** {@inheritDoc Host.restore} */
  async restore(path: string): Promise<void> {
    await this.xl.restore(path);
  }
}
