import { CliError, StateError } from '../backends/errors.js';
import type { Lxc } from '../backends/lxc/lxc.js';
import type { LxcListEntry } from '../backends/lxc/parse.js';
import type { ProcessDuplex } from '../backends/transport/types.js';
import { validateName } from '../backends/transport/validate.js';
import { GuestNotFoundError, UnsupportedError } from './errors.js';
import { checkGuestName, isNotFound, notFound, runOperation } from './contract.js';
import { stateFromLxc } from './state.js';
import type { Guest, GuestInfo, GuestStats, Host, StopOptions } from './types.js';
import { PollingHost, type CliHostInit } from './watch.js';

/** Convert one `lxc-ls -f` row. */
export function lxcGuestInfo(e: Pick<LxcListEntry, 'name' | 'state' | 'pid'>): GuestInfo {
  return { name: e.name, state: stateFromLxc(e.state), nativeState: e.state, id: e.pid };
}

/** Count the CPUs of a cpuset list like `0-3,6,8-9`; `null` if it does not parse. */
export function countCpuList(list: string): number | null {
  const t = list.trim();
  if (t === '') return null;
  let n = 0;
  for (const part of t.split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!m) return null;
    const a = Number(m[1]);
    const b = m[2] !== undefined ? Number(m[2]) : a;
    if (b < a) return null;
    n += b - a + 1;
  }
  return n;
}

const CONTAINERS_CANNOT_SAVE = 'LXC containers have no memory image to save (CRIU checkpointing is not wrapped)';

/** An LXC container driven by the `lxc-*` tools, behind the {@link Guest} interface. */
export class LxcGuest implements Guest {
  /** {@inheritDoc Guest.backend} */
  readonly backend = 'lxc' as const;
  /** {@inheritDoc Guest.name} */
  readonly name: string;
  /** The lxc wrapper (escape hatch to the whole lxc-* API). */
  readonly lxc: Lxc;

  /** @param lxc - backend. @param name - container name. */
  constructor(lxc: Lxc, name: string) {
    this.lxc = lxc;
    this.name = name;
  }

  /** {@inheritDoc Guest.info} */
  async info(): Promise<GuestInfo> {
    try {
      const i = await this.lxc.info(this.name);
      return lxcGuestInfo({ name: this.name, state: i.state, pid: i.pid });
    } catch (e) {
      throw isNotFound(e) ? notFound(this.name, e) : e;
    }
  }
  /** {@inheritDoc Guest.start} */
  start(): Promise<void> {
    return runOperation(this, 'start', () => this.lxc.start(this.name));
  }
  /** {@inheritDoc Guest.stop} */
  stop(opts: StopOptions = {}): Promise<void> {
    return opts.force ? runOperation(this, 'stop', () => this.lxc.stop(this.name, { kill: true })) : this.shutdown();
  }
  /** {@inheritDoc Guest.shutdown} */
  shutdown(): Promise<void> {
    return runOperation(this, 'shutdown', () => this.lxc.stop(this.name));
  }
  /** `lxc-stop -r`: the container's init is asked to reboot. See {@link Guest.reboot}. */
  reboot(): Promise<void> {
    return runOperation(this, 'reboot', async () => {
      const args = ['-n', this.name, '-r'];
      const res = await this.lxc.exec('lxc-stop', args);
      if (res.code === 0) return;
      const init = { command: 'lxc-stop', args, exitCode: res.code, stderr: res.stderr };
      if (res.code === 2) throw new StateError(`lxc-stop -r: ${this.name} is not running`, 'running', 'shutoff', init);
      throw new CliError(`lxc-stop -r ${this.name} failed (exit ${res.code ?? res.signal}): ${res.stderr.trim()}`, init);
    });
  }
  /** {@inheritDoc Guest.pause} */
  pause(): Promise<void> {
    return runOperation(this, 'pause', () => this.lxc.freeze(this.name));
  }
  /** {@inheritDoc Guest.resume} */
  resume(): Promise<void> {
    return runOperation(this, 'resume', () => this.lxc.unfreeze(this.name));
  }
  /** Always throws {@link UnsupportedError} (see {@link Guest.save}). */
  async save(_path: string): Promise<void> {
    throw new UnsupportedError('lxc', 'save', CONTAINERS_CANNOT_SAVE);
  }
  /** {@inheritDoc Guest.console} */
  async console(): Promise<ProcessDuplex> {
    return this.lxc.console(this.name, { sshTty: true });
  }
  /** {@inheritDoc Guest.stats} */
  async stats(): Promise<GuestStats> {
    const i = await this.lxc.info(this.name).catch((e: unknown) => {
      throw isNotFound(e) ? notFound(this.name, e) : e;
    });
    const state = stateFromLxc(i.state);
    let vcpus: number | null = null;
    if (i.pid !== null) {
      // cgroup v2 name, then cgroup v1's
      for (const key of ['cpuset.cpus.effective', 'cpuset.effective_cpus']) {
        const cpus = await this.lxc.cgroupGet(this.name, key).catch(() => undefined);
        if (cpus !== undefined && (vcpus = countCpuList(cpus)) !== null) break;
      }
    }
    return {
      state,
      cpuTimeNs: BigInt(i.cpuUseNs ?? 0),
      memoryKiB: Math.round((i.memoryBytes ?? 0) / 1024),
      vcpus,
    };
  }
}

/** {@link Host} over the `lxc-*` tools (local or SSH). Built by {@link openHost}. */
export class LxcHost extends PollingHost implements Host {
  /** {@inheritDoc Host.backend} */
  readonly backend = 'lxc' as const;
  /** The lxc wrapper (escape hatch to the whole lxc-* API). */
  readonly lxc: Lxc;

  /** @internal built by openHost */
  constructor(lxc: Lxc, init: CliHostInit) {
    super(init);
    this.lxc = lxc;
  }

  /** {@inheritDoc Host.list} */
  async list(): Promise<GuestInfo[]> {
    return (await this.lxc.ls()).map(lxcGuestInfo);
  }
  /** {@inheritDoc Host.lookup} */
  async lookup(name: string): Promise<Guest> {
    checkGuestName(name, (n) => validateName(n));
    if (!(await this.lxc.exists(name))) throw new GuestNotFoundError(name, `container ${JSON.stringify(name)} does not exist`);
    return new LxcGuest(this.lxc, name);
  }
  /** Always throws {@link UnsupportedError} (see {@link Host.restore}). */
  async restore(_path: string): Promise<void> {
    throw new UnsupportedError('lxc', 'restore', CONTAINERS_CANNOT_SAVE);
  }
}
