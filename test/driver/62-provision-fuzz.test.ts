// Randomized: whatever a caller passes as install options or as `virtkit install` flags, the
// answer is a checked value or a typed error (TypeError/RangeError, InstallUsageError),
// never another exception; and on test:///default, planInstall of random well-typed options
// either plans a document libvirt's test driver accepts, or refuses with a typed error.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InstallUsageError, parseInstallArgs } from '../../lib/cli/install.js';
import { Connect, ProvisionError, parseDomainXML, planInstall, type InstallOptions } from '../../lib/index.js';
import { checkOptions } from '../../lib/provision/options.js';
import { freeVolumeName, targetSuffix } from '../../lib/provision/names.js';

const SEED = Number(process.env.FC_SEED ?? Date.now() % 2 ** 31);
const RUNS = Number(process.env.FC_RUNS ?? 300);

const nearOptions = fc.record(
  {
    name: fc.oneof(fc.string(), fc.constantFrom('web1', 'a/b', '', '.x')),
    memory: fc.oneof(fc.integer(), fc.double(), fc.constant('64')),
    vcpus: fc.oneof(fc.integer({ min: -2, max: 5000 }), fc.double()),
    disks: fc.array(
      fc.oneof(
        fc.record({ pool: fc.string(), size: fc.oneof(fc.double(), fc.integer()), format: fc.constantFrom('qcow2', 'raw', 'vmdk') }, { requiredKeys: ['pool'] }),
        fc.record({ path: fc.oneof(fc.string(), fc.constant('/srv/a.img')), device: fc.constantFrom('disk', 'cdrom', 'lun') }, { requiredKeys: [] }),
        fc.anything(),
      ),
      { maxLength: 3 },
    ),
    networks: fc.oneof(fc.array(fc.oneof(fc.record({ network: fc.string() }), fc.record({ bridge: fc.string() }), fc.anything()), { maxLength: 3 }), fc.anything()),
    graphics: fc.oneof(fc.record({ type: fc.constantFrom('vnc', 'spice', 'none', 'rdp'), listen: fc.oneof(fc.ipV4(), fc.string()) }, { requiredKeys: ['type'] }), fc.anything()),
    console: fc.constantFrom('pty', 'none', 'file', 1),
    boot: fc.array(fc.constantFrom('hd', 'cdrom', 'network', 'fd'), { maxLength: 4 }),
    start: fc.oneof(fc.boolean(), fc.anything()),
    extra: fc.anything(),
  },
  { requiredKeys: [] },
);

describe(`provisioning input, randomized (seed ${SEED}, ${RUNS} runs each)`, () => {
  it('checkOptions: a checked value or a TypeError/RangeError naming the option', () => {
    fc.assert(
      fc.property(fc.oneof(nearOptions, fc.anything()), (o) => {
        try {
          const c = checkOptions(o as InstallOptions);
          expect(c.name).toMatch(/^[A-Za-z0-9][A-Za-z0-9._+-]*$/);
          expect(Number.isInteger(c.memoryMiB)).toBe(true);
        } catch (e) {
          if (!(e instanceof TypeError || e instanceof RangeError)) throw e;
          expect(e.message).toMatch(/^install options: /);
        }
      }),
      { seed: SEED, numRuns: RUNS * 3 },
    );
  });

  it('parseInstallArgs: options or an InstallUsageError', () => {
    const word = fc.oneof(
      fc.constantFrom('--name', '--memory', '--vcpus', '--disk', '--network', '--graphics', '--console', '--boot', '--cdrom', '--print-xml', '--os-variant', '-c', '--bogus'),
      fc.constantFrom('pool=p,size=1', 'path=/a', 'none', 'vnc,listen=1.2.3.4', 'network=default', 'bridge=br0', 'hd,cdrom', '512', 'x=y', ',', '='),
      fc.string(),
    );
    fc.assert(
      fc.property(fc.array(word, { maxLength: 12 }), (argv) => {
        try {
          parseInstallArgs(argv);
        } catch (e) {
          if (!(e instanceof InstallUsageError)) throw e;
        }
      }),
      { seed: SEED, numRuns: RUNS * 3 },
    );
  });

  it('volume names: free in the pool, the base name first, numbered after', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.constantFrom('g.qcow2', 'g-1.qcow2', 'g-2.qcow2', 'g.img', 'g-1.img', 'g'), { maxLength: 6 }), fc.constantFrom('qcow2', 'raw', null), (taken, fmt) => {
        const set = new Set<string>(taken);
        const name = freeVolumeName('g', fmt as 'qcow2' | 'raw' | null, set);
        expect(set.has(name)).toBe(false);
        const ext = fmt === null ? '' : fmt === 'raw' ? '.img' : '.qcow2';
        expect(name).toMatch(new RegExp(`^g(-[1-9][0-9]*)?${ext.replace('.', '\\.')}$`));
        if (!set.has(`g${ext}`)) expect(name).toBe(`g${ext}`);
      }),
      { seed: SEED, numRuns: RUNS },
    );
    expect([1, 26, 27, 52, 702, 703].map(targetSuffix)).toEqual(['a', 'z', 'aa', 'az', 'zz', 'aaa']);
  });

  describe('planInstall on test:///default', () => {
    let conn: Connect;
    beforeAll(async () => {
      conn = await Connect.open('test:///default');
    });
    afterAll(async () => {
      await conn.close();
    });

    it('plans a domain document that parses, or refuses with a typed error', async () => {
      const valid = fc.record(
        {
          name: fc.stringMatching(/^prov-[a-z0-9]{1,12}$/),
          memory: fc.integer({ min: 16, max: 65536 }),
          vcpus: fc.integer({ min: 1, max: 64 }),
          disks: fc.array(fc.oneof(fc.record({ pool: fc.constantFrom('default-pool', 'prov-nopool'), size: fc.double({ min: 0.001, max: 100, noNaN: true }), format: fc.constantFrom('qcow2' as const, 'raw' as const) }, { requiredKeys: ['pool', 'size'] })), { maxLength: 5 }),
          networks: fc.array(fc.oneof(fc.record({ network: fc.constantFrom('default', 'prov-nonet') }), fc.record({ bridge: fc.constantFrom('br0', 'virbr0') })), { maxLength: 3 }),
          graphics: fc.record({ type: fc.constantFrom('vnc' as const, 'spice' as const, 'none' as const) }),
          console: fc.constantFrom('pty' as const, 'none' as const),
          boot: fc.uniqueArray(fc.constantFrom('hd' as const, 'cdrom' as const, 'network' as const), { minLength: 1, maxLength: 3 }),
        },
        { requiredKeys: ['name', 'memory'] },
      );
      await fc.assert(
        fc.asyncProperty(valid, async (o) => {
          try {
            const plan = await planInstall(conn, o);
            const d = parseDomainXML(plan.domain);
            expect(d.name).toBe(o.name);
            expect(plan.volumes.length).toBe((o.disks ?? []).length);
          } catch (e) {
            if (!(e instanceof ProvisionError)) throw e;
            expect(['NO_POOL', 'NO_NETWORK', 'UNSUPPORTED']).toContain(e.code);
          }
        }),
        { seed: SEED, numRuns: RUNS },
      );
    });
  });
});
