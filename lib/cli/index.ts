// The `virtkit` command (bin/virtkit.js runs `run()` from dist/cli.cjs).
// Node built-ins only, plus the library itself.
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';
// The package entry: it installs the error class and the stream helpers (console).
import { Connect, ReconnectingConnection, getVersion, type Domain } from '../libvirt/index.js';
import { errorJSON, errorLine, reconnectNotices } from './errors.js';
import { attachConsole } from './console.js';
import { watchEvents } from './events.js';
import { INSTALL_USAGE, InstallUsageError, parseInstallArgs, runInstall } from './install.js';
import { json, mib, stateKey, stateWord, table } from './format.js';
import { top } from './top.js';
import { runExporter } from './exporter.js';
import { parseListen } from '../exporter/listen.js';
import { fleetListCommand, fleetSnapshots, openFleet } from './fleet.js';
import { migrateCommand } from './migrate.js';

/** The URI when neither `--connect` nor `LIBVIRT_DEFAULT_URI` gives one. */
export const DEFAULT_URI = 'test:///default';

/** `--connect`, else `LIBVIRT_DEFAULT_URI` (as virsh), else {@link DEFAULT_URI}. */
export function defaultURI(env: NodeJS.ProcessEnv = process.env): string {
  return env.LIBVIRT_DEFAULT_URI || DEFAULT_URI;
}

export const USAGE = `Usage: virtkit [options] <command> [arguments]

Commands:
  list                     all domains: id, name, state
  info <domain>            one domain: id, uuid, state, vcpus, memory, cpu time
  start <domain>           start a defined domain (virDomainCreate)
  shutdown <domain>        ask the guest to shut down
  destroy <domain>         stop the domain now (power off)
  suspend <domain>         pause the domain's vcpus
  resume <domain>          resume a paused domain
  events                   print domain lifecycle events until Ctrl-C
  console <domain>         attach this terminal to the domain's console; Ctrl-] detaches
  migrate <domain> <uri>   live-migrate a domain to the host at <uri> (with --p2p, the
                           URI as the source host sees it); a progress line on a terminal
  top                      live table of domains: CPU %, memory, disk and network rates;
                           'q' quits; JSON lines (one snapshot per line) when stdout
                           is not a terminal
  install --name N --memory MiB [virt-install options]
                           create a guest (and new volumes) and start it;
                           'virtkit install --help' lists the options
  exporter --listen HOST:PORT [--connect URI]...
                           Prometheus metrics at http://HOST:PORT/metrics for one or
                           more URIs (label host= with several); stops on SIGTERM

Options:
  -c, --connect URI        libvirt URI (default $LIBVIRT_DEFAULT_URI, else ${DEFAULT_URI});
                           list and top take it more than once (one row per domain
                           per host, a host column)
  -r, --readonly           open the connection read-only
      --json               machine-readable output (JSON; JSON lines for top/events);
                           errors are then one JSON object {code, codeName, message}
  -i, --interval SECONDS   top: refresh interval (default 1)
  -n, --iterations N       top: stop after N refreshes (default: until 'q')
      --force              console: take the console from another client
      --devname NAME       console: console/serial device alias
      --listen HOST:PORT   exporter: address to serve /metrics on
      --live               migrate: keep the guest running while its memory is copied
      --p2p                migrate: the source host opens the destination itself
      --persistent         migrate: define the domain on the destination
      --undefinesource     migrate: remove the definition from the source
  -h, --help               this help
  -v, --version            the virtkit and libvirt versions
`;

/** A usage error: printed with the usage text, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

const OPTIONS = {
  connect: { type: 'string', short: 'c', multiple: true },
  readonly: { type: 'boolean', short: 'r' },
  json: { type: 'boolean' },
  interval: { type: 'string', short: 'i' },
  iterations: { type: 'string', short: 'n' },
  force: { type: 'boolean' },
  devname: { type: 'string' },
  listen: { type: 'string' },
  live: { type: 'boolean' },
  p2p: { type: 'boolean' },
  persistent: { type: 'boolean' },
  undefinesource: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'v' },
} as const;

const ARITY: Record<string, number> = {
  list: 0,
  info: 1,
  start: 1,
  shutdown: 1,
  destroy: 1,
  suspend: 1,
  resume: 1,
  events: 0,
  console: 1,
  top: 0,
  exporter: 0,
  migrate: 2,
};

/** Per-command options (the global ones are connect, readonly, json, help, version). */
const COMMAND_OPTIONS: Record<string, string[]> = {
  top: ['interval', 'iterations'],
  console: ['force', 'devname'],
  exporter: ['listen'],
  migrate: ['live', 'p2p', 'persistent', 'undefinesource'],
};

/** Commands that take `--connect` more than once. */
const MULTI_HOST = ['list', 'top', 'exporter'];

export interface ParsedArgs {
  command: string | null;
  args: string[];
  uri: string;
  /** Every `--connect` given, in order (list, top and the exporter may have several). */
  uris: string[];
  listen: string | null;
  readonly: boolean;
  json: boolean;
  help: boolean;
  version: boolean;
  intervalMs: number;
  iterations: number;
  force: boolean;
  devName: string | null;
  live: boolean;
  p2p: boolean;
  persistent: boolean;
  undefineSource: boolean;
}

export function parse(argv: string[]): ParsedArgs {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError((e as Error).message.replace(/\. To specify a positional argument.*$/s, '.'));
  }
  const v = parsed.values;
  const [command = null, ...args] = parsed.positionals;
  const out: ParsedArgs = {
    command,
    args,
    uri: v.connect?.[0] ?? defaultURI(),
    uris: v.connect?.length ? [...v.connect] : [defaultURI()],
    listen: v.listen ?? null,
    readonly: !!v.readonly,
    json: !!v.json,
    help: !!v.help,
    version: !!v.version,
    intervalMs: 1000,
    iterations: 0,
    force: !!v.force,
    devName: v.devname ?? null,
    live: !!v.live,
    p2p: !!v.p2p,
    persistent: !!v.persistent,
    undefineSource: !!v.undefinesource,
  };
  if (out.help || out.version) return out;
  if (command === null) throw new UsageError('no command given');
  if (!Object.hasOwn(ARITY, command)) throw new UsageError(`unknown command '${command}'`);
  if (args.length !== ARITY[command]) {
    throw new UsageError(
      ARITY[command] === 0 ? `'${command}' takes no arguments`
      : command === 'migrate' ? `'migrate' needs <domain> and <destination-uri>`
      : `'${command}' needs exactly one <domain> argument`,
    );
  }
  if (out.uris.length > 1 && !MULTI_HOST.includes(command)) {
    throw new UsageError(`'--connect' may be given more than once only for ${MULTI_HOST.join(' and ')}`);
  }
  if (new Set(out.uris).size !== out.uris.length) throw new UsageError(`'--connect' lists the same URI twice`);
  for (const opt of ['interval', 'iterations', 'force', 'devname', 'live', 'p2p', 'persistent', 'undefinesource', 'listen']) {
    if ((v as Record<string, unknown>)[opt] !== undefined && !(COMMAND_OPTIONS[command] ?? []).includes(opt)) {
      throw new UsageError(`option '--${opt}' does not apply to '${command}'`);
    }
  }
  if (command === 'exporter') {
    if (out.listen === null) throw new UsageError(`'exporter' needs --listen HOST:PORT`);
    try {
      parseListen(out.listen);
    } catch (e) {
      throw new UsageError(`--listen: ${(e as Error).message}`);
    }
  }
  if (v.interval !== undefined) {
    const s = Number(v.interval);
    if (!Number.isFinite(s) || s < 0.1 || s > 86400) throw new UsageError(`--interval must be seconds between 0.1 and 86400, not '${v.interval}'`);
    out.intervalMs = Math.round(s * 1000);
  }
  if (v.iterations !== undefined) {
    const n = Number(v.iterations);
    if (!Number.isInteger(n) || n < 1) throw new UsageError(`--iterations must be a positive integer, not '${v.iterations}'`);
    out.iterations = n;
  }
  return out;
}

function print(line: string): void {
  process.stdout.write(line + '\n');
}

async function list(conn: Connect, asJson: boolean): Promise<void> {
  const doms = await conn.listAllDomains(0);
  const rows = await Promise.all(
    doms.map(async (d) => {
      const { state } = await d.getState();
      const id = d.getID();
      const active = state !== 5 && id !== -1 && id !== 0xffffffff;
      return { id: active ? id : null, name: d.getName(), uuid: d.getUUIDString(), state: stateKey(state), stateCode: state };
    }),
  );
  rows.sort((a, b) => (a.id ?? Infinity) - (b.id ?? Infinity) || a.name.localeCompare(b.name));
  if (asJson) return print(json(rows));
  for (const line of table(
    [{ title: 'Id', align: 'right', width: 3 }, { title: 'Name' }, { title: 'State' }],
    rows.map((r) => [r.id === null ? '-' : String(r.id), r.name, stateWord(r.stateCode)]),
  ))
    print(line);
}

async function info(dom: Domain, asJson: boolean): Promise<void> {
  const i = await dom.getInfo();
  const [persistent, autostart, osType] = await Promise.all([
    dom.isPersistent().catch(() => null),
    dom.getAutostart().catch(() => null),
    dom.getOSType().catch(() => null),
  ]);
  const id = dom.getID();
  const active = i.state !== 5 && id !== -1 && id !== 0xffffffff;
  const rec = {
    name: dom.getName(),
    id: active ? id : null,
    uuid: dom.getUUIDString(),
    osType,
    state: stateKey(i.state),
    stateCode: i.state,
    vcpus: i.nrVirtCpu,
    cpuTimeNs: i.cpuTime,
    maxMemoryKiB: Number(i.maxMem),
    memoryKiB: Number(i.memory),
    persistent,
    autostart,
  };
  if (asJson) return print(json(rec));
  const yn = (b: boolean | null) => (b === null ? '-' : b ? 'yes' : 'no');
  const pairs: [string, string][] = [
    ['Id', rec.id === null ? '-' : String(rec.id)],
    ['Name', rec.name],
    ['UUID', rec.uuid],
    ['OS Type', rec.osType ?? '-'],
    ['State', stateWord(i.state)],
    ['CPU(s)', String(rec.vcpus)],
    ['CPU time', `${(Number(i.cpuTime) / 1e9).toFixed(1)}s`],
    ['Max memory', `${rec.maxMemoryKiB} KiB (${mib(rec.maxMemoryKiB)} MiB)`],
    ['Used memory', `${rec.memoryKiB} KiB (${mib(rec.memoryKiB)} MiB)`],
    ['Persistent', yn(persistent)],
    ['Autostart', yn(autostart)],
  ];
  for (const [k, val] of pairs) print(`${(k + ':').padEnd(15)} ${val}`);
}

const ACTIONS: Record<string, [method: 'create' | 'shutdown' | 'destroy' | 'suspend' | 'resume', done: string]> = {
  start: ['create', 'started'],
  shutdown: ['shutdown', 'is being shut down'],
  destroy: ['destroy', 'destroyed'],
  suspend: ['suspend', 'suspended'],
  resume: ['resume', 'resumed'],
};

async function action(dom: Domain, command: string, asJson: boolean): Promise<void> {
  const [method, done] = ACTIONS[command];
  await dom[method]();
  const { state } = await dom.getState();
  if (asJson) print(json({ domain: dom.getName(), action: command, ok: true, state: stateKey(state) }));
  else print(`Domain '${dom.getName()}' ${done}`);
}

/**
 * Where `install` is the command: the index of the `install` word after only global options
 * (whose own arguments virt-install style flags would confuse the general parser), or -1.
 */
function installAt(argv: string[]): number {
  for (let i = 0; i < argv.length; i++) {
    const t = argv[i];
    if (t === 'install') return i;
    if (t === '-c' || t === '--connect') i++;
    else if (!/^(--connect=.*|-r|--readonly|--json)$/.test(t)) return -1;
  }
  return -1;
}

async function mainInstall(globals: string[], rest: string[]): Promise<number> {
  let g: ParsedArgs;
  let a;
  try {
    g = parse([...globals, 'list']);
    if (g.uris.length > 1) throw new UsageError("'install' takes one --connect URI");
    a = parseInstallArgs(rest);
  } catch (e) {
    if (e instanceof UsageError || e instanceof InstallUsageError) {
      process.stderr.write(`virtkit: ${e.message}\n\n${INSTALL_USAGE}`);
      return 2;
    }
    throw e;
  }
  if (a.help) {
    process.stdout.write(INSTALL_USAGE);
    return 0;
  }
  a.json ||= g.json;
  let conn: Connect | null = null;
  try {
    const uri = a.connect ?? g.uri;
    conn = g.readonly ? await Connect.openReadOnly(uri) : await Connect.open(uri);
    print(await runInstall(conn, a));
    return 0;
  } catch (e) {
    process.stderr.write(errorLine(e) + '\n');
    return 1;
  } finally {
    if (conn) await conn.close().catch(() => {});
  }
}

/** Runs one command line; resolves to the exit code. Errors are printed here. */
export async function main(argv: string[]): Promise<number> {
  const at = installAt(argv);
  if (at >= 0) return mainInstall(argv.slice(0, at), argv.slice(at + 1));
  let a: ParsedArgs;
  try {
    a = parse(argv);
  } catch (e) {
    if (e instanceof UsageError) {
      if (argv.includes('--json')) process.stderr.write(errorJSON(e) + '\n');
      else process.stderr.write(`virtkit: ${e.message}\n\n${USAGE}`);
      return 2;
    }
    throw e;
  }
  if (a.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  let conn: Connect | null = null;
  let rc: ReconnectingConnection | null = null;
  try {
    if (a.version) {
      const n = getVersion().libVer;
      const version = `${Math.floor(n / 1e6)}.${Math.floor(n / 1e3) % 1000}.${n % 1000}`;
      if (a.json) print(json({ virtkit: VERSION, libvirt: version }));
      else print(`virtkit ${VERSION} (libvirt ${version})`);
      return 0;
    }
    if (a.command === 'exporter') {
      await runExporter({ listen: a.listen!, uris: a.uris }, (line) => process.stderr.write(line + '\n'));
      return 0;
    }
    if (a.uris.length > 1) return await multiHost(a);
    if (a.command === 'events' || a.command === 'top') {
      // Long-running: a daemon restart is waited out (reconnect with backoff), not fatal.
      rc = await ReconnectingConnection.open(a.uri, { readOnly: a.readonly });
      reconnectNotices(rc, a.json);
      if (a.command === 'events') await watchEvents(rc, a.json);
      else await top(rc, a.uri, { intervalMs: a.intervalMs, iterations: a.iterations, json: a.json });
      return 0;
    }
    conn = a.readonly ? await Connect.openReadOnly(a.uri) : await Connect.open(a.uri);
    const lookup = () => conn!.domainLookupByName(a.args[0]);
    switch (a.command) {
      case 'list':
        await list(conn, a.json);
        break;
      case 'info':
        await info(await lookup(), a.json);
        break;
      case 'console':
        await attachConsole(await lookup(), { force: a.force, devName: a.devName, json: a.json });
        break;
      case 'migrate':
        await migrateCommand(await lookup(), a.args[1], a);
        break;
      default:
        await action(await lookup(), a.command!, a.json);
    }
    return 0;
  } catch (e) {
    process.stderr.write((a.json ? errorJSON(e) : errorLine(e)) + '\n');
    return 1;
  } finally {
    if (conn) await conn.close().catch(() => {});
    if (rc) await rc.close().catch(() => {});
  }
}

/** `list` or `top` over several hosts; exit code 1 when a host could not answer `list`. */
async function multiHost(a: ParsedArgs): Promise<number> {
  const fleet = await openFleet(a.uris, a.readonly);
  try {
    if (a.command === 'list') return (await fleetListCommand(fleet, a.json)) ? 0 : 1;
    await top(null, a.uris.join(' '), {
      intervalMs: a.intervalMs,
      iterations: a.iterations,
      json: a.json,
      source: (signal) => fleetSnapshots(fleet, { intervalMs: a.intervalMs, signal }),
    });
    return 0;
  } finally {
    await fleet.close();
  }
}

export { errorLine, errorJSON } from './errors.js';

function packageVersion(): string {
  try {
    // dist/cli.cjs -> ../package.json (lib/cli/index.ts -> ../../package.json under vitest)
    const req = createRequire(__filename);
    for (const p of ['../package.json', '../../package.json']) {
      try {
        const pkg = req(p);
        if (pkg.name === 'virtkit') return pkg.version;
      } catch {
        /* next */
      }
    }
  } catch {
    /* fall through */
  }
  return 'unknown';
}
const VERSION = packageVersion();

/** Entry point of bin/virtkit.js: runs, waits for output to drain, exits. */
export function run(argv: string[] = process.argv.slice(2)): void {
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0); // `virtkit top | head -1`
  });
  main(argv).then(
    (code) => exitAfterFlush(code),
    (e) => {
      process.stderr.write((argv.includes('--json') ? errorJSON(e) : errorLine(e)) + '\n');
      exitAfterFlush(1);
    },
  );
}

function exitAfterFlush(code: number): void {
  // Pending native callbacks (event subscriptions, streams) must not keep us alive.
  process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
}
