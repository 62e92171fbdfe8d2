import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import {
  AbortedError,
  ConnectionError,
  InvalidArgumentError,
  TimeoutError,
  ToolNotFoundError,
} from '../../lib/backends/errors.js';
import { LocalTransport, SshTransport, shQuote, shQuoteArgv } from '../../lib/backends/transport/index.js';

const pexec = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'vk-transport-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Let /bin/sh parse the quoted argv and print each word NUL-terminated. */
async function shRoundTrip(args: string[]): Promise<string[]> {
  const { stdout } = await pexec('/bin/sh', ['-c', `printf '%s\\0' ${shQuoteArgv(args)}`], { encoding: 'buffer' });
  const parts = (stdout as unknown as Buffer).toString('utf8').split('\0');
  parts.pop();
  return parts;
}

/** Alive = exists and is not a zombie (a killed orphan may wait for its reaper). */
const alive = (pid: number): boolean => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
};

describe('shQuote', () => {
  it('round-trips nasty arguments through /bin/sh', async () => {
    const nasty = [
      '',
      ' ',
      "it's",
      "''",
      '"double"',
      '$HOME',
      '`id`',
      '$(id)',
      'a\\b',
      'semi;colon && rm -rf /',
      '*',
      '~',
      'new\nline',
      'tab\there',
      '-n',
      '!bang',
      'ünïcødé ✓',
      "'; echo pwned; '",
    ];
    expect(await shRoundTrip(nasty)).toEqual(nasty);
  });

  it('round-trips random strings (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.string({ unit: 'binary' }).map((s) => s.replace(/\0/g, '')), { minLength: 1, maxLength: 5 }), async (args) => {
        expect(await shRoundTrip(args)).toEqual(args);
      }),
      { numRuns: 60 },
    );
  });

  it('always single-quotes and rejects NUL', () => {
    expect(shQuote('abc')).toBe("'abc'");
    expect(shQuote("a'b")).toBe("'a'\\''b'");
    expect(() => shQuote('a\0b')).toThrow(InvalidArgumentError);
  });
});

describe('LocalTransport', () => {
  const t = new LocalTransport();

  it('runs argv without a shell and returns exit codes', async () => {
    const r = await t.run('printf', ['%s|', 'a b', '$HOME', '*']);
    expect(r).toEqual({ stdout: 'a b|$HOME|*|', stderr: '', code: 0, signal: null });
    const f = await t.run('sh', ['-c', 'echo err >&2; exit 3']);
    expect(f.code).toBe(3);
    expect(f.stderr).toBe('err\n');
  });

  it('feeds input on stdin', async () => {
    const r = await t.run('cat', [], { input: 'hello\nworld' });
    expect(r.stdout).toBe('hello\nworld');
  });

  it('maps ENOENT to ToolNotFoundError naming the Debian package', async () => {
    const e = await t.run('xl', ['list']).catch((x) => x);
    // This machine has no Xen tools (the test host is elsewhere).
    if (e instanceof ToolNotFoundError) {
      expect(e.package).toBe('xen-utils-4.17');
      expect(e.message).toMatch(/xen-utils-4\.17/);
    }
    const e2 = await t.run('lxc-definitely-missing-tool', []).catch((x) => x);
    expect(e2).toBeInstanceOf(ToolNotFoundError);
    expect(e2.package).toBe('lxc');
  });

  it('kills the whole process group on timeout (no orphans)', async () => {
    const started = Date.now();
    const e = await t
      .run('sh', ['-c', 'sleep 30 & echo $!; sleep 30; wait'], { timeoutMs: 500 })
      .catch((x) => x);
    expect(e).toBeInstanceOf(TimeoutError);
    expect(Date.now() - started).toBeLessThan(5_000);
    const grandchild = Number(String(e.stdout).trim());
    expect(grandchild).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 200));
    expect(alive(grandchild)).toBe(false);
  });

  it('escalates to SIGKILL when SIGTERM is ignored', async () => {
    const e = await t.run('sh', ['-c', "trap '' TERM; echo $$; while :; do sleep 1; done"], { timeoutMs: 300 }).catch((x) => x);
    expect(e).toBeInstanceOf(TimeoutError);
    await new Promise((r) => setTimeout(r, 200));
    expect(alive(Number(String(e.stdout).trim()))).toBe(false);
  });

  it('aborts with an AbortSignal', async () => {
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 200);
    await expect(t.run('sleep', ['30'], { signal: ac.signal })).rejects.toBeInstanceOf(AbortedError);
  });

  it('rejects bad argv and timeouts before starting', async () => {
    await expect(t.run('echo', ['a\0b'])).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(t.run('echo', [], { timeoutMs: -1 })).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(t.run('', [])).rejects.toBeInstanceOf(InvalidArgumentError);
  });

  it('spawn gives a duplex; destroy() kills the process group', async () => {
    const s = t.spawn('sh', ['-c', 'sleep 60 & echo $!; cat']);
    const chunks: Buffer[] = [];
    s.on('data', (c: Buffer) => chunks.push(c));
    s.write('ping\n');
    await new Promise((r) => setTimeout(r, 300));
    const text = Buffer.concat(chunks).toString();
    const lines = text.trim().split('\n');
    expect(lines[1]).toBe('ping');
    s.destroy();
    const st = await s.exited;
    expect(st.signal).toBe('SIGTERM');
    await new Promise((r) => setTimeout(r, 200));
    expect(alive(Number(lines[0]))).toBe(false);
  });
});

describe('SshTransport', () => {
  // A stand-in for ssh that does what sshd does: hand the last argument to a POSIX shell.
  const fakeSsh = join(dir, 'fake-ssh');
  writeFileSync(fakeSsh, '#!/bin/sh\nfor last; do :; done\nprintf "%s\\n" "$@" > "$0.argv"\nexec /bin/sh -c "$last"\n');
  chmodSync(fakeSsh, 0o755);
  const failingSsh = join(dir, 'failing-ssh');
  writeFileSync(failingSsh, '#!/bin/sh\necho "ssh: connect to host h port 22: Connection refused" >&2\nexit 255\n');
  chmodSync(failingSsh, 0o755);

  it('builds a BatchMode ssh command line with one quoted remote command', () => {
    const s = new SshTransport({ host: 'xenhost', port: 2222, user: 'root', identityFile: '/k/id', options: { ServerAliveInterval: 5 } });
    const argv = s.sshArgv('xl', ['list', "it's"]);
    expect(argv.slice(0, 6)).toEqual(['-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=accept-new', '-o', 'ConnectTimeout=10']);
    expect(argv).toContain('-i');
    expect(argv.join(' ')).toContain('-p 2222');
    expect(argv.join(' ')).toContain('ServerAliveInterval=5');
    expect(argv.slice(-3)).toEqual(['--', 'root@xenhost', "'xl' 'list' 'it'\\''s'"]);
  });

  it('round-trips argv through the remote shell', async () => {
    const s = new SshTransport({ host: 'h', sshPath: fakeSsh });
    const args = ['%s|', 'a b', '$HOME', "it's", '`id`', 'x;y'];
    const r = await s.run('printf', args);
    expect(r.stdout).toBe('a b|$HOME|it\'s|`id`|x;y|');
    const e = await s.run('printf', ['%s', 'v'], { env: { FOO: 'a b' } });
    expect(e.code).toBe(0);
  });

  it('maps ssh failures and remote command-not-found', async () => {
    await expect(new SshTransport({ host: 'h', sshPath: failingSsh }).run('xl', ['list'])).rejects.toBeInstanceOf(ConnectionError);
    const e = await new SshTransport({ host: 'h', sshPath: fakeSsh }).run('no-such-tool-xyz', []).catch((x) => x);
    expect(e).toBeInstanceOf(ToolNotFoundError);
  });

  it('rejects unsafe connection settings', () => {
    expect(() => new SshTransport({ host: '-oProxyCommand=x' })).toThrow(InvalidArgumentError);
    expect(() => new SshTransport({ host: 'h', user: 'a b' })).toThrow(InvalidArgumentError);
    expect(() => new SshTransport({ host: 'h', port: 0 })).toThrow(InvalidArgumentError);
    expect(() => new SshTransport({ host: 'h', options: { 'Bad Key': 1 } })).toThrow(InvalidArgumentError);
    expect(() => new SshTransport({ host: 'h', options: { ProxyCommand: 'a\nb' } })).toThrow(InvalidArgumentError);
  });
});
