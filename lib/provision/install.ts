// install(): the plan's volumes, then the domain, then autostart and start; on any failure
// everything created so far is removed, newest first.
import {
  VIR_DOMAIN_UNDEFINE_MANAGED_SAVE,
  VIR_DOMAIN_UNDEFINE_NVRAM,
  VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA,
  type Connect,
  type Domain,
} from '../libvirt/index.js';
import { ProvisionError } from './errors.js';
import type { InstallOptions } from './options.js';
import { makePlan } from './plan.js';

interface Undo {
  what: string;
  run(): Promise<void>;
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

async function removeDomain(dom: Domain): Promise<void> {
  if (await dom.isActive()) await dom.destroy();
  try {
    await dom.undefineFlags(VIR_DOMAIN_UNDEFINE_NVRAM | VIR_DOMAIN_UNDEFINE_MANAGED_SAVE | VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA);
  } catch {
    // Drivers without NVRAM support refuse the flag; nothing of that kind was created.
    await dom.undefine();
  }
}

/**
 * Creates the guest `planInstall` describes: new volumes first, then the domain (persistent),
 * then autostart if asked, then starts it unless `start: false`. Resolves to the `Domain`.
 *
 * Options are checked and the host is read before anything is created; argument mistakes
 * throw TypeError/RangeError and what the host lacks throws {@link ProvisionError}. When a
 * step fails later (a bridge that does not exist, a pool out of space), the volumes and the
 * domain created so far are removed and the promise rejects with a ProvisionError
 * `INSTALL_FAILED` whose `cause` is the libvirt error.
 */
export async function install(conn: Connect, options: InstallOptions): Promise<Domain> {
  const plan = await makePlan(conn, options);
  const undo: Undo[] = [];
  let step = '';
  try {
    for (const v of plan.volumes) {
      step = `creating volume '${v.name}' in pool '${v.pool}'`;
      const pool = await conn.storagePoolLookupByName(v.pool);
      const vol = await pool.storageVolCreateXML(v.xml, 0);
      undo.push({ what: `volume '${v.name}' in pool '${v.pool}'`, run: () => vol.delete(0) });
    }
    step = `defining domain '${plan.name}'`;
    const dom = await conn.domainDefineXML(plan.domain);
    undo.push({ what: `domain '${plan.name}'`, run: () => removeDomain(dom) });
    if (plan.autostart) {
      step = `setting autostart on '${plan.name}'`;
      await dom.setAutostart(true);
    }
    if (plan.start) {
      step = `starting '${plan.name}'`;
      await dom.create();
    }
    return dom;
  } catch (e) {
    const left: string[] = [];
    for (const u of undo.reverse()) {
      try {
        await u.run();
      } catch (e2) {
        left.push(`${u.what}: ${messageOf(e2)}`);
      }
    }
    const removed = undo.length === 0 ? 'nothing had been created' : left.length === 0 ? `removed ${undo.map((u) => u.what).join(', ')}` : `could not remove ${left.join('; ')}`;
    throw new ProvisionError('INSTALL_FAILED', `install of '${plan.name}' failed ${step}: ${messageOf(e)} (${removed})`, { cause: e, cleanup: left });
  }
}
