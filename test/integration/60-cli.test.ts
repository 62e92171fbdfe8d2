// The `virtkit` command (bin/virtkit.js -> dist/cli.cjs), run as a user would:
// execFile for the one-shot commands, and `virtkit top` / `virtkit console` in a real
// pseudo-terminal (tmux, whose screen we read with capture-pane; util-linux `script`
// when tmux is missing). test:///default state is per process: every invocation sees
// a fresh default driver (domain "test", running, id 1).
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Connect, VIR_DOMAIN_START_PAUSED } from '../../lib/index.js';
import { uniq, waitFor } from '../helpers/index.js';
import { SYSTEM, needDaemon, removeDomain, tinyGuestXML } from '../helpers/qemu.js';

const ROOT = resolve(__dirname, '../..');
const BIN = join(ROOT, 'bin/virtkit.js');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function virtkit(args: string[], opts: { timeout?: number } = {}): Promise<Run> {
  return new Promise((res) => {
    execFile(process.execPath, [BIN, ...args], { cwd: ROOT, timeout: opts.timeout ?? 30000 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as any).code === 'number' ? (err as any).code : -1) : 0;
      res({ code, stdout, stderr });
    });
  });
}

function has(cmd: string, args: string[]): boolean {
  try {
    execFileSync(cmd, args, { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** A command in a pseudo-terminal whose screen can be read and keys sent. */
interface Pty {
  screen(): string;
  send(keys: string): void;
  /** Resolves to the command's exit code. */
  exited(ms: number): Promise<number>;
  close(): void;
}

let ptyCount = 0;

function shq(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** tmux: a detached session of 120x30; the exit code is printed after the command. */
function tmuxPty(argv: string[]): Pty {
  const sock = `virtkit-cli-${process.pid}-${++ptyCount}`;
  const tm = (...a: string[]) => execFileSync('tmux', ['-L', sock, '-f', '/dev/null', ...a], { encoding: 'utf8' });
  const cmd = argv.map(shq).join(' ');
  tm('new-session', '-d', '-x', '120', '-y', '30', '-s', 'main', '-c', ROOT, `${cmd}; echo "EXIT:$?"; sleep 120`);
  const screen = () => tm('capture-pane', '-p', '-t', 'main');
  return {
    screen,
    send(keys: string) {
      tm('send-keys', '-t', 'main', '-l', keys);
    },
    async exited(ms: number) {
      let m: RegExpMatchArray | null = null;
      await waitFor(() => (m = screen().match(/EXIT:(\d+)/)) !== null, ms, 'the command to exit');
      return Number(m![1]);
    },
    close() {
      try {
        tm('kill-server');
      } catch {
        /* gone */
      }
    },
  };
}

/** util-linux script: the pty's output is collected raw (ANSI sequences stripped for reading). */
function scriptPty(argv: string[]): Pty {
  // The pty of `script` without a controlling terminal has no size: give it 120x30.
  const cmd = `stty cols 120 rows 30 2>/dev/null; exec ${argv.map(shq).join(' ')}`;
  const child: ChildProcess = spawn('script', ['-qfec', cmd, '/dev/null'], {
    cwd: ROOT,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (b: Buffer) => (out += b.toString('utf8')));
  const exit = new Promise<number>((r) => child.on('exit', (code) => r(code ?? -1)));
  return {
    // eslint-disable-next-line no-control-regex -- strips terminal escape sequences
    screen: () => out.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '').replace(/\r/g, ''),
    send: (keys: string) => void child.stdin!.write(keys),
    exited: (ms: number) =>
      Promise.race([exit, new Promise<number>((_, rej) => setTimeout(() => rej(new Error('timed out waiting for exit')), ms))]),
    close: () => void child.kill('SIGKILL'),
  };
}

const useTmux = process.env.VIRTKIT_TEST_PTY !== 'script' && has('tmux', ['-V']);
const pty = (argv: string[]) => (useTmux ? tmuxPty(argv) : scriptPty(argv));

beforeAll(() => {
  // `npm run build` makes dist/; build only the bundles if they are missing.
  if (!existsSync(join(ROOT, 'dist/cli.cjs'))) execFileSync('npx', ['tsup'], { cwd: ROOT, stdio: 'ignore' });
}, 120_000);

describe('virtkit one-shot commands on test:///default', () => {
  let dir: string;
  let nodeURI: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'virtkit-cli-'));
    // A node with one defined, shut-off domain (test:runstate 5 = VIR_DOMAIN_SHUTOFF).
    const file = join(dir, 'node.xml');
    writeFileSync(
      file,
      `<node xmlns:test='http://libvirt.org/schemas/domain/test/1.0'>
  <domain type='test'><name>off1</name><memory unit='KiB'>65536</memory><vcpu>1</vcpu>
    <os><type arch='i686'>hvm</type></os><test:runstate>5</test:runstate></domain>
</node>`,
    );
    nodeURI = `test://${file}`;
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('list: a table, and --json', async () => {
    const r = await virtkit(['list']);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^\s*Id\s+Name\s+State$/);
    expect(lines[1]).toMatch(/^\s*1\s+test\s+running$/);
    const j = await virtkit(['--json', 'list']);
    expect(j.code).toBe(0);
    expect(JSON.parse(j.stdout)).toEqual([
      { id: 1, name: 'test', uuid: expect.stringMatching(/^[0-9a-f-]{36}$/), state: 'running', stateCode: 1 },
    ]);
  });

  it('--connect: another test node (a shut-off domain)', async () => {
    const r = await virtkit(['--connect', nodeURI, 'list']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^\s*-\s+off1\s+shut off$/m);
  });

  it('info: key/value lines, and --json with cpu time as a decimal string', async () => {
    const r = await virtkit(['info', 'test']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Name:\s+test$/m);
    expect(r.stdout).toMatch(/^State:\s+running$/m);
    expect(r.stdout).toMatch(/^CPU\(s\):\s+2$/m);
    expect(r.stdout).toMatch(/^Used memory:\s+\d+ KiB/m);
    const j = JSON.parse((await virtkit(['info', 'test', '--json'])).stdout);
    expect(j).toMatchObject({ name: 'test', id: 1, state: 'running', vcpus: 2, persistent: true });
    expect(j.cpuTimeNs).toMatch(/^\d+$/);
    expect(j.memoryKiB).toBeGreaterThan(0);
  });

  it('start: a shut-off domain starts; a running one is an error (exit 1, one line)', async () => {
    const r = await virtkit(['-c', nodeURI, 'start', 'off1']);
    expect(r).toEqual({ code: 0, stdout: "Domain 'off1' started\n", stderr: '' });
    const j = await virtkit(['-c', nodeURI, '--json', 'start', 'off1']);
    expect(JSON.parse(j.stdout)).toEqual({ domain: 'off1', action: 'start', ok: true, state: 'running' });
    const again = await virtkit(['start', 'test']);
    expect(again.code).toBe(1);
    expect(again.stdout).toBe('');
    expect(again.stderr).toMatch(/^virtkit: .*already running.* \(VIR_ERR_[A-Z_]+\)\n$/);
  });

  it('destroy, suspend, shutdown: done, with the new state in --json', async () => {
    expect(await virtkit(['destroy', 'test'])).toEqual({ code: 0, stdout: "Domain 'test' destroyed\n", stderr: '' });
    expect(JSON.parse((await virtkit(['destroy', 'test', '--json'])).stdout)).toEqual({
      domain: 'test',
      action: 'destroy',
      ok: true,
      state: 'shutoff',
    });
    expect(JSON.parse((await virtkit(['suspend', 'test', '--json'])).stdout).state).toBe('paused');
    expect((await virtkit(['shutdown', 'test'])).stdout).toBe("Domain 'test' is being shut down\n");
    // resume of a running domain fails
    const r = await virtkit(['resume', 'test']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^virtkit: .+ \(VIR_ERR_[A-Z_]+\)\n$/);
  });

  it('errors: a missing domain is one line with the code name, exit 1', async () => {
    const r = await virtkit(['info', 'no-such-domain']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^virtkit: .+ \(VIR_ERR_NO_DOMAIN\)\n$/);
    // (A test:///<missing file> URI would also print libxml2's own "I/O warning" line.)
    const bad = await virtkit(['-c', 'nosuchdriver:///system', 'list']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^virtkit: .+ \(VIR_ERR_[A-Z_]+\)\n$/);
  });

  it('usage errors: unknown command, unknown option, wrong arity, bad values exit 2 with usage', async () => {
    for (const args of [['frobnicate'], ['list', '--bogus'], ['info'], ['list', 'extra'], [], ['top', '-i', 'x'], ['list', '--interval', '2']]) {
      const r = await virtkit(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(/^virtkit: .+\n\nUsage: virtkit /);
    }
    // Names of Object.prototype members are unknown commands too (they were looked up with `in`).
    for (const c of ['toString', 'constructor', '__proto__']) {
      const r = await virtkit([c, 'x']);
      expect(r.code, c).toBe(2);
      expect(r.stderr).toMatch(new RegExp(`^virtkit: unknown command '${c}'\n`));
    }
    const help = await virtkit(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: virtkit/);
    expect((await virtkit(['--version'])).stdout).toMatch(/^virtkit \d+\.\d+\.\d+ \(libvirt \d+\.\d+\.\d+\)\n$/);
  });

  it('top without a terminal: JSON lines, one snapshot per line, CPU % from the second on', async () => {
    const r = await virtkit(['top', '-n', '3', '-i', '0.2']);
    expect(r.code).toBe(0);
    const snaps = r.stdout.trimEnd().split('\n').map((l) => JSON.parse(l));
    expect(snaps).toHaveLength(3);
    expect(snaps[0].uri).toBe('test:///default');
    expect(snaps[0].elapsed).toBeNull();
    const first = snaps[0].domains.find((d: any) => d.name === 'test');
    expect(first).toMatchObject({ id: 1, state: 'running', vcpus: 2, cpuPercent: null });
    const later = snaps[2].domains.find((d: any) => d.name === 'test');
    expect(later.cpuPercent).toBeTypeOf('number');
    expect(later.memoryKiB).toBeGreaterThan(0);
    expect(snaps[2].elapsed).toBeGreaterThan(0.1);
  });

  it('events on test:///default: runs until SIGINT, then exits 0', async () => {
    const child = spawn(process.execPath, [BIN, 'events'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (b) => (err += b));
    await waitFor(() => err.includes('Watching'), 10000, 'the events banner');
    await new Promise((r) => setTimeout(r, 300));
    child.kill('SIGINT');
    const code = await new Promise((r) => child.on('exit', (c) => r(c)));
    expect(code).toBe(0);
  });
});

describe(`virtkit top in a pseudo-terminal (${useTmux ? 'tmux' : 'script'})`, () => {
  it('draws the table with the test domain, and q quits cleanly', async () => {
    const t = pty([process.execPath, BIN, 'top', '--interval', '0.5']);
    try {
      let screen = '';
      await waitFor(
        () => /^\s*1\s+test\s+running\s+\d+\.\d\s+2\s+2048\.0/m.test((screen = t.screen())),
        15000,
        'the test row with a CPU %',
      );
      expect(screen).toMatch(/^virtkit top - \d\d:\d\d:\d\d - test:\/\/\/default - refresh 0\.5s - q quits/m);
      expect(screen).toMatch(/^\s*ID\s+NAME\s+STATE\s+%CPU\s+VCPU\s+MEM\(MiB\)\s+MAX\(MiB\)\s+RD\/s\s+WR\/s\s+RX\/s\s+TX\/s$/m);
      expect(screen).toMatch(/^Domains: 1 total, 1 active/m);
      t.send('q');
      expect(await t.exited(10000)).toBe(0);
      if (useTmux) {
        // The alternate screen is gone: the table is no longer shown.
        expect(t.screen()).not.toMatch(/%CPU/);
      }
    } finally {
      t.close();
    }
  });
});

const gate = needDaemon();

describe.skipIf(gate.skip)(`virtkit on qemu:///system (${gate.reason})`, () => {
  let conn: Connect;
  const names: string[] = [];
  beforeAll(async () => {
    conn = await Connect.open(SYSTEM);
  });
  afterAll(async () => {
    for (const n of names) await removeDomain(conn, n);
    await conn?.close();
  });

  it('events --json: a line per lifecycle event (defined/undefined), until SIGINT', async () => {
    const child = spawn(process.execPath, [BIN, '-c', SYSTEM, '--json', 'events'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (b) => (out += b));
    const exit = new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
    // The subscription is registered asynchronously: define/undefine until one is seen.
    let seen: any = null;
    for (let i = 0; i < 40 && !seen; i++) {
      const name = uniq('vk-cli-ev');
      names.push(name);
      const dom = await conn.domainDefineXML(tinyGuestXML(name));
      await dom.undefine();
      await new Promise((r) => setTimeout(r, 250));
      seen = out
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l))
        .find((e) => e.domain === name && e.event === 'undefined');
    }
    expect(seen).toMatchObject({ event: 'undefined', detail: 'removed', uuid: expect.any(String) });
    expect(out).toMatch(/"event":"defined","detail":"added"/);
    child.kill('SIGINT');
    expect(await exit).toBe(0);
  });

  it('console: SeaBIOS output on the terminal, Ctrl-] detaches (exit 0)', async () => {
    const name = uniq('vk-cli-con');
    names.push(name);
    const dom = await conn.domainCreateXML(tinyGuestXML(name), VIR_DOMAIN_START_PAUSED);
    const t = pty([process.execPath, BIN, '-c', SYSTEM, 'console', name]);
    try {
      await waitFor(() => t.screen().includes(`Connected to domain '${name}'`), 15000, 'the console banner');
      await dom.resume();
      await waitFor(() => /SeaBIOS/.test(t.screen()), 30000, 'SeaBIOS on the console');
      t.send('\x1d');
      expect(await t.exited(10000)).toBe(0);
    } finally {
      t.close();
      await dom.destroy().catch(() => {});
    }
  });
});
