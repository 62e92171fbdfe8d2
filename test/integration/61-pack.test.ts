// The published package, as a user gets it: `npm pack`, then `npm install <tarball>` into an
// empty project (the install script compiles the addon from the packed sources with
// node-gyp-build -> node-gyp), then ESM import, CJS require, the `virtkit` bin and a
// TypeScript consumer (node16 and nodenext resolution) against test:///default.
// Also: `npm run docs` (typedoc) builds docs/api without errors.
//
// Offline: `npm install --offline` takes node-addon-api/node-gyp-build from the npm cache,
// and node-gyp uses the headers of the installed Node (/usr/include/node) when they match
// (npm_config_nodedir) instead of downloading them. If the cache lacks a dependency,
// the install is retried with --prefer-offline (the registry).
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = resolve(__dirname, '../..');
const TSC = join(ROOT, 'node_modules/.bin/tsc');

function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}, timeout = 600_000): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((res) => {
    execFile(cmd, args, { cwd, timeout, env: { ...process.env, ...env }, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      res({ code: err ? (typeof (err as any).code === 'number' ? (err as any).code : -1) : 0, stdout, stderr });
    });
  });
}

/** Node's own headers, when installed for exactly this Node (Debian's nodejs-dev, NodeSource's nodejs). */
function localNodeDir(): string | null {
  const h = '/usr/include/node/node_version.h';
  if (!existsSync(h)) return null;
  const src = readFileSync(h, 'utf8');
  const v = ['MAJOR', 'MINOR', 'PATCH'].map((k) => src.match(new RegExp(`define NODE_${k}_VERSION (\\d+)`))?.[1]).join('.');
  return `v${v}` === process.version ? '/usr' : null;
}

describe('npm pack -> npm install into an empty project', () => {
  let dir: string;
  let proj: string;
  let tgz: string;
  const env: NodeJS.ProcessEnv = {};

  beforeAll(async () => {
    if (!existsSync(join(ROOT, 'dist/index.cjs')) || !existsSync(join(ROOT, 'dist/cli.cjs'))) {
      execFileSync('npx', ['tsup'], { cwd: ROOT, stdio: 'ignore' });
    }
    const nodedir = localNodeDir();
    if (nodedir) env.npm_config_nodedir = nodedir;
    dir = mkdtempSync(join(tmpdir(), 'virtkit-pack-'));
    proj = join(dir, 'consumer');
    execFileSync('mkdir', ['-p', proj]);
    // prepack (prebuilds from the existing build + tsup) runs first, so pack itself prints only its JSON.
    const pre = await run('npm', ['run', 'prepack'], ROOT);
    expect(pre.code, pre.stderr).toBe(0);
    const packed = await run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', dir], ROOT);
    expect(packed.code, packed.stderr).toBe(0);
    const info = JSON.parse(packed.stdout)[0];
    tgz = join(dir, info.filename);
    const files: string[] = info.files.map((f: { path: string }) => f.path);
    // What the install and the entry points need.
    for (const f of ['package.json', 'binding.gyp', 'scripts/install.js', `prebuilds/${process.platform}-${process.arch}/virtkit.node`, 'bin/virtkit.js', 'dist/index.cjs', 'dist/index.mjs', 'dist/index.d.ts', 'dist/index.d.mts', 'dist/cli.cjs', 'native/src/addon.cc', 'native/generated/tables.cc', 'README.md']) {
      expect(files, f).toContain(f);
    }
    // No tests, build outputs or sources of the TS in the tarball.
    expect(files.filter((f) => /^(test|lib|build|node_modules)\//.test(f))).toEqual([]);

    writeFileSync(join(proj, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true }));
    let inst = await run('npm', ['install', '--offline', '--no-audit', '--no-fund', tgz], proj, env, 900_000);
    if (inst.code !== 0 && /ENOTCACHED/.test(inst.stderr)) {
      console.warn('npm install --offline: a dependency is not in the npm cache; retrying with --prefer-offline');
      inst = await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', tgz], proj, env, 900_000);
    }
    expect(inst.code, inst.stderr).toBe(0);
  }, 1_000_000);

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('the install uses the packed prebuilt binary for this platform (no compiler needed)', () => {
    const pkg = join(proj, 'node_modules/virtkit');
    expect(existsSync(join(pkg, `prebuilds/${process.platform}-${process.arch}/virtkit.node`))).toBe(true);
    const picked = execFileSync(process.execPath, ['-p', `require('node-gyp-build').path(${JSON.stringify(pkg)})`], { cwd: proj, encoding: 'utf8' }).trim();
    expect(picked).toContain('prebuilds');
    expect(existsSync(join(pkg, 'build/Release/virtkit.node'))).toBe(false);
  });

  it("ESM: import { Connect } from 'virtkit' works on test:///default", async () => {
    writeFileSync(
      join(proj, 'esm.mjs'),
      `import { Connect, VIR_CONNECT_LIST_DOMAINS_ACTIVE } from 'virtkit';
const conn = await Connect.open('test:///default');
const [dom] = await conn.listAllDomains(VIR_CONNECT_LIST_DOMAINS_ACTIVE);
const info = await dom.getInfo();
console.log(JSON.stringify({ name: dom.getName(), state: info.state, cpuTime: typeof info.cpuTime }));
await conn.close();
`,
    );
    const r = await run(process.execPath, ['esm.mjs'], proj);
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toEqual({ name: 'test', state: 1, cpuTime: 'bigint' });
  });

  it("CJS: require('virtkit') works on test:///default, errors are LibvirtErrors", async () => {
    writeFileSync(
      join(proj, 'cjs.cjs'),
      `const { Connect, LibvirtError } = require('virtkit');
(async () => {
  const conn = await Connect.open('test:///default');
  const dom = await conn.domainLookupByName('test');
  const err = await conn.domainLookupByName('nope').catch((e) => e);
  console.log(JSON.stringify({ name: dom.getName(), code: err instanceof LibvirtError ? err.codeName : String(err) }));
  await conn.close();
})();
`,
    );
    const r = await run(process.execPath, ['cjs.cjs'], proj);
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toEqual({ name: 'test', code: 'VIR_ERR_NO_DOMAIN' });
  });

  it('subpath exports load in ESM and CJS, sharing one copy of each class with the root', async () => {
    const probe = (load: string) => `${load}
  const { Connect, LibvirtError, VirtkitError } = root;
  const conn = await Connect.open('test:///default');
  const host = await hostMod.openHost({ kind: 'test' });
  const e = await host.lookup('nope').catch((x) => x);
  const lerr = await conn.domainLookupByName('nope').catch((x) => x);
  const t = new testing.FakeTransport().on('xl list', { stdout: '' });
  console.log(JSON.stringify({
    notFound: e instanceof hostMod.HostError || e instanceof xl.CliError,
    virtkitError: e instanceof VirtkitError && lerr instanceof VirtkitError,
    causeIsLibvirt: e.cause instanceof LibvirtError,
    cliErrorShared: xl.CliError === lxc.CliError,
    classes: [typeof xl.Xl, typeof lxc.Lxc, typeof xl.SshTransport, typeof t.run],
    internalsHidden: [xl.parseXlList, xl.shQuote, lxc.validateName, root.FakeTransport, root.openHost].every((v) => v === undefined),
  }));
  await host.close(); await conn.close();`;
    writeFileSync(join(proj, 'sub.mjs'), probe(`import * as root from 'virtkit'; import * as hostMod from 'virtkit/host'; import * as xl from 'virtkit/xl'; import * as lxc from 'virtkit/lxc'; import * as testing from 'virtkit/testing';`));
    writeFileSync(join(proj, 'sub.cjs'), `(async () => {` + probe(`const root = require('virtkit'), hostMod = require('virtkit/host'), xl = require('virtkit/xl'), lxc = require('virtkit/lxc'), testing = require('virtkit/testing');`) + `})();`);
    for (const f of ['sub.mjs', 'sub.cjs']) {
      const r = await run(process.execPath, [f], proj);
      expect(r.stderr, f).toBe('');
      expect(JSON.parse(r.stdout), f).toEqual({
        notFound: true, virtkitError: true, causeIsLibvirt: true, cliErrorShared: true,
        classes: ['function', 'function', 'function', 'function'], internalsHidden: true,
      });
    }
  });

  it('the virtkit bin is linked and runs', async () => {
    const r = await run(join(proj, 'node_modules/.bin/virtkit'), ['--json', 'list'], proj);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject([{ name: 'test', state: 'running' }]);
  });

  it.each(['node16', 'nodenext'])('TypeScript consumer type-checks (module/moduleResolution %s, .mts and .cts)', async (mode) => {
    writeFileSync(
      join(proj, 'consumer.mts'),
      `import { Connect, LibvirtError, VIR_DOMAIN_RUNNING, type Domain } from 'virtkit';
import { openHost, type Host, type GuestInfo } from 'virtkit/host';
import { Xl } from 'virtkit/xl';
import { Lxc } from 'virtkit/lxc';
import { FakeTransport } from 'virtkit/testing';
const conn: Connect = await Connect.open('test:///default');
const dom: Domain = await conn.domainLookupByName('test');
const info = await dom.getInfo();
const cpu: bigint = info.cpuTime;
const running: boolean = info.state === VIR_DOMAIN_RUNNING;
try {
  await conn.domainLookupByName('nope');
} catch (e) {
  if (e instanceof LibvirtError) console.log(e.codeName satisfies string);
}
// @ts-expect-error: a name is not a number
await conn.listAllDomains('all');
console.log(dom.getName(), cpu, running);
await conn.close();
const host: Host = await openHost({ kind: 'test' });
const guests: GuestInfo[] = await host.list();
const xl = new Xl(new FakeTransport());
const lxc: Lxc = new Lxc();
console.log(guests.length, typeof xl, typeof lxc);
await host.close();
`,
    );
    writeFileSync(
      join(proj, 'consumer.cts'),
      `import virtkit = require('virtkit');
export async function names(): Promise<string[]> {
  const conn = await virtkit.Connect.open('test:///default');
  return (await conn.listAllDomains(0)).map((d) => d.getName());
}
`,
    );
    writeFileSync(
      join(proj, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: mode,
          moduleResolution: mode,
          strict: true,
          noEmit: true,
          types: ['node'],
          // @types/node from this repository (the consumer installed only virtkit)
          typeRoots: [join(ROOT, 'node_modules/@types')],
        },
        files: ['consumer.mts', 'consumer.cts'],
      }),
    );
    const r = await run(TSC, ['-p', 'tsconfig.json'], proj);
    expect(r.stdout + r.stderr).toBe('');
    expect(r.code).toBe(0);
  });
});

describe('API documentation', () => {
  it('npm run docs (typedoc) builds docs/api without errors or warnings', async () => {
    const r = await run('npm', ['run', 'docs'], ROOT, { NO_COLOR: '1', FORCE_COLOR: '0' });
    // eslint-disable-next-line no-control-regex -- strips terminal colour codes
    const out = (r.stdout + r.stderr).replace(/\x1b\[[0-9;]*m/g, '');
    expect(r.code, out.slice(-4000)).toBe(0);
    expect(out).not.toMatch(/\[error\]/);
    // libvirt's @argument references are turned into code spans by the generator
    expect(out.split('\n').filter((l) => l.includes('[warning]')), out.slice(-4000)).toEqual([]);
    const index = readFileSync(join(ROOT, 'docs/api/index.html'), 'utf8');
    expect(index).toContain('virtkit');
    // One module per import path (the @module tag of each entry point).
    for (const m of ['virtkit', 'virtkit_host', 'virtkit_xl', 'virtkit_lxc', 'virtkit_testing']) {
      expect(existsSync(join(ROOT, `docs/api/modules/${m}.html`)), m).toBe(true);
    }
    expect(existsSync(join(ROOT, 'docs/api/classes/virtkit_xl.Xl.html'))).toBe(true);
    // Generated methods carry libvirt's own text.
    const domainPage = join(ROOT, 'docs/api/interfaces/virtkit.Domain.html');
    expect(existsSync(domainPage)).toBe(true);
    const domain = readFileSync(domainPage, 'utf8').replace(/<[^>]*>/g, ' ');
    expect(domain).toMatch(/getInfo/);
    expect(domain).toContain('Extract information about a domain'); // virDomainGetInfo's <info>
  }, 180_000);
});
