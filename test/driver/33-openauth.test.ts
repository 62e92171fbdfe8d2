// Connect.openAuth (native/src/manual_connect.cc): a JS credential callback
// answered on the JS thread while virConnectOpenAuth waits on a pool thread.
//
// test:///default never asks for credentials, so the callback path runs against
// a private libvirtd this file starts (as `nobody`, session mode, its own socket
// in a temp dir, SASL SCRAM-SHA-256 with a sasldb user), opened through the
// remote driver as `test+unix:///default?socket=...`. It needs root, libvirtd and
// saslpasswd2 (sasl2-bin); without them those tests are skipped.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Connect, LibvirtError, VIR_CRED_AUTHNAME, VIR_CRED_PASSPHRASE, VIR_CRED_USERNAME,
  type ConnectCredential,
} from '../../lib/index.js';

const CREDS = [VIR_CRED_USERNAME, VIR_CRED_AUTHNAME, VIR_CRED_PASSPHRASE];

describe('Connect.openAuth without credentials (test:///default)', () => {
  it('opens; the callback is never asked', async () => {
    let asked = 0;
    const conn = await Connect.openAuth('test:///default', { credtype: CREDS, cb: () => { asked++; return []; } });
    expect(conn).toBeInstanceOf(Connect);
    expect(await conn.getURI()).toBe('test:///default');
    const doms = await conn.listAllDomains();
    expect(doms.map((d) => d.getName())).toContain('test');
    for (const d of doms) d.free();
    expect(asked).toBe(0);
    expect(await conn.close()).toBeGreaterThanOrEqual(0);
  });

  it('is a static method listed in _bound', async () => {
    expect(typeof Connect.openAuth).toBe('function');
    expect('openAuth' in Connect.prototype).toBe(false);
  });

  it('bad arguments throw before any call', () => {
    const cb = () => [];
    const C: any = Connect;
    expect(() => C.openAuth(1, { credtype: [], cb })).toThrow(TypeError);
    expect(() => C.openAuth('test:///default', cb)).toThrow(TypeError);
    expect(() => C.openAuth('test:///default', { cb })).toThrow(/credtype/);
    expect(() => C.openAuth('test:///default', { credtype: ['password'], cb })).toThrow(TypeError);
    expect(() => C.openAuth('test:///default', { credtype: [1.5], cb })).toThrow(RangeError);
    expect(() => C.openAuth('test:///default', { credtype: [-1], cb })).toThrow(RangeError);
    expect(() => C.openAuth('test:///default', { credtype: [] })).toThrow(/cb must be a function/);
    expect(() => C.openAuth('test:///default', { credtype: [], cb: 'x' })).toThrow(TypeError);
    expect(() => C.openAuth('test:///default', { credtype: [], cb }, -1)).toThrow(RangeError);
    expect(() => C.openAuth('test:///default', { credtype: [], cb }, 0, 0)).toThrow(TypeError);
    expect(() => C.openAuth('test:///def\0ault', { credtype: [], cb })).toThrow(TypeError);
  });

  it('a failing open rejects with a LibvirtError', async () => {
    const e: any = await Connect.openAuth('test:///no/such/file.xml', { credtype: [], cb: () => [] })
      .catch((x) => x);
    expect(e).toBeInstanceOf(LibvirtError);
    expect(e.code).toBeGreaterThan(0);
    expect(e.codeName).toMatch(/^VIR_ERR_/);
  });
});

// ---- a private libvirtd that asks for a SASL username and password -------------

function which(cmd: string): string | null {
  const r = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

interface Daemon { dir: string; sock: string; proc: ChildProcess }

async function startSaslDaemon(): Promise<Daemon | string> {
  if (process.getuid?.() !== 0) return 'needs root (to run libvirtd as nobody)';
  const libvirtd = which('libvirtd') ?? (existsSync('/usr/sbin/libvirtd') ? '/usr/sbin/libvirtd' : null);
  const saslpasswd2 = which('saslpasswd2') ?? (existsSync('/usr/sbin/saslpasswd2') ? '/usr/sbin/saslpasswd2' : null);
  if (!libvirtd || !saslpasswd2) return 'needs libvirtd and saslpasswd2 (sasl2-bin)';
  const ids = spawnSync('id', ['-u', 'nobody'], { encoding: 'utf8' });
  const gids = spawnSync('id', ['-g', 'nobody'], { encoding: 'utf8' });
  if (ids.status !== 0) return 'no nobody user';
  const uid = Number(ids.stdout.trim());
  const gid = Number(gids.stdout.trim());
  const dir = mkdtempSync(join(tmpdir(), 'virtkit-sasl-'));
  chmodSync(dir, 0o755);
  for (const d of ['run', 'home', 'sasl']) spawnSync('mkdir', ['-p', join(dir, d)]);
  writeFileSync(join(dir, 'sasl/libvirt.conf'), `mech_list: scram-sha-256\nsasldb_path: ${dir}/sasl/passwd.db\n`);
  const pw = spawnSync(saslpasswd2, ['-p', '-c', '-a', 'libvirt', '-f', join(dir, 'sasl/passwd.db'), 'vkuser'],
    { input: 'sekret' });
  if (pw.status !== 0) return 'saslpasswd2 failed: ' + pw.stderr;
  writeFileSync(join(dir, 'libvirtd.conf'), 'auth_unix_rw = "sasl"\nauth_unix_ro = "sasl"\n');
  spawnSync('chown', ['-R', `${uid}:${gid}`, dir]);
  chownSync(dir, uid, gid);
  const proc = spawn(libvirtd, ['-f', join(dir, 'libvirtd.conf'), '--timeout', '300'], {
    uid, gid, cwd: dir, stdio: 'ignore',
    env: {
      PATH: process.env.PATH, HOME: join(dir, 'home'), XDG_RUNTIME_DIR: join(dir, 'run'),
      XDG_CONFIG_HOME: join(dir, 'home/.config'), XDG_CACHE_HOME: join(dir, 'home/.cache'),
      SASL_CONF_PATH: join(dir, 'sasl'),
    },
  });
  const sock = join(dir, 'run/libvirt/libvirt-sock');
  for (let i = 0; i < 100 && !existsSync(sock); i++) {
    if (proc.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  if (!existsSync(sock)) {
    proc.kill();
    rmSync(dir, { recursive: true, force: true });
    return 'libvirtd did not start';
  }
  return { dir, sock, proc };
}

describe('Connect.openAuth with SASL credentials (private libvirtd)', () => {
  let daemon: Daemon | null = null;
  let why = '';
  let uri = '';
  beforeAll(async () => {
    const d = await startSaslDaemon();
    if (typeof d === 'string') why = d;
    else {
      daemon = d;
      uri = `test+unix:///default?socket=${d.sock}`;
    }
  });
  afterAll(async () => {
    if (!daemon) return;
    const p = daemon.proc;
    const exited = new Promise((r) => p.once('exit', r));
    p.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
    if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
    rmSync(daemon.dir, { recursive: true, force: true });
  });

  const answer = (pass: string) => (creds: ConnectCredential[]) =>
    creds.map((c) => (c.type === VIR_CRED_PASSPHRASE ? pass : 'vkuser'));

  it('asks the callback on the JS thread and opens with its answers', async (ctx) => {
    if (!daemon) return ctx.skip(why);
    const seen: ConnectCredential[][] = [];
    const conn = await Connect.openAuth(uri, {
      credtype: CREDS,
      cb: (creds) => { seen.push(creds); return answer('sekret')(creds); },
    });
    expect(seen).toHaveLength(1);
    const types = seen[0].map((c) => c.type);
    expect(types).toContain(VIR_CRED_AUTHNAME);
    expect(types).toContain(VIR_CRED_PASSPHRASE);
    for (const c of seen[0]) {
      expect(typeof c.prompt).toBe('string');
      expect(c.prompt.length).toBeGreaterThan(0);
      expect(c.challenge === null || typeof c.challenge === 'string').toBe(true);
      expect(c.defresult === null || typeof c.defresult === 'string').toBe(true);
    }
    expect(await conn.getURI()).toBe(uri);
    expect((await conn.listAllDomains()).map((d) => d.getName())).toContain('test');
    await conn.close();
  });

  it('accepts a Promise of the answers', async (ctx) => {
    if (!daemon) return ctx.skip(why);
    const conn = await Connect.openAuth(uri, {
      credtype: CREDS,
      cb: async (creds) => {
        await new Promise((r) => setTimeout(r, 20));
        return answer('sekret')(creds);
      },
    });
    expect(await conn.isAlive()).toBe(true);
    await conn.close();
  });

  it('a wrong password rejects with VIR_ERR_AUTH_FAILED', async (ctx) => {
    if (!daemon) return ctx.skip(why);
    const e: any = await Connect.openAuth(uri, { credtype: CREDS, cb: answer('wrong') }).catch((x) => x);
    expect(e).toBeInstanceOf(LibvirtError);
    expect(e.codeName).toBe('VIR_ERR_AUTH_FAILED');
  });

  it('no callback answer (null) fails the authentication', async (ctx) => {
    if (!daemon) return ctx.skip(why);
    const e: any = await Connect.openAuth(uri, { credtype: CREDS, cb: (c) => c.map(() => null) })
      .catch((x) => x);
    expect(e).toBeInstanceOf(LibvirtError);
  });

  it('an exception or a rejection in the callback rejects the open with it', async (ctx) => {
    if (!daemon) return ctx.skip(why);
    const boom = new Error('no credentials today');
    const e1 = await Connect.openAuth(uri, { credtype: CREDS, cb: () => { throw boom; } }).catch((x) => x);
    expect(e1).toBe(boom);
    const e2 = await Connect.openAuth(uri, { credtype: CREDS, cb: () => Promise.reject(boom) }).catch((x) => x);
    expect(e2).toBe(boom);
  });

  it('a malformed answer rejects with a TypeError', async (ctx) => {
    if (!daemon) return ctx.skip(why);
    const cb1: any = () => 'sekret';
    const e1 = await Connect.openAuth(uri, { credtype: CREDS, cb: cb1 }).catch((x) => x);
    expect(e1).toBeInstanceOf(TypeError);
    const cb2: any = (c: ConnectCredential[]) => c.map(() => 42);
    const e2 = await Connect.openAuth(uri, { credtype: CREDS, cb: cb2 }).catch((x) => x);
    expect(e2).toBeInstanceOf(TypeError);
    const cb3: any = async () => ({ length: 3 });
    const e3 = await Connect.openAuth(uri, { credtype: CREDS, cb: cb3 }).catch((x) => x);
    expect(e3).toBeInstanceOf(TypeError);
  });

  it('many concurrent opens each get their own answers', async (ctx) => {
    if (!daemon) return ctx.skip(why);
    const results = await Promise.allSettled(Array.from({ length: 8 }, (_, i) =>
      Connect.openAuth(uri, { credtype: CREDS, cb: answer(i % 2 ? 'sekret' : 'wrong') })));
    results.forEach((r, i) => {
      if (i % 2) expect(r.status).toBe('fulfilled');
      else {
        expect(r.status).toBe('rejected');
        expect((r as PromiseRejectedResult).reason).toBeInstanceOf(LibvirtError);
      }
    });
    for (const r of results) if (r.status === 'fulfilled') await r.value.close();
  });
});
