import { ConnectionError, InvalidArgumentError, ToolNotFoundError } from '../errors.js';
import { LocalTransport, checkArgv } from './local.js';
import { shQuoteArgv } from './quote.js';
import type { ProcessDuplex, RunOptions, RunResult, SpawnOptions, Transport } from './types.js';

/** Options of {@link SshTransport}. */
export interface SshTransportOptions {
  /** Host name or address. */
  host: string;
  /** TCP port (default: ssh's default, 22). */
  port?: number;
  /** Remote user (default: ssh's default). */
  user?: string;
  /** Private key file (`ssh -i`). */
  identityFile?: string;
  /** `StrictHostKeyChecking` value (default `accept-new`). */
  strictHostKeyChecking?: 'yes' | 'no' | 'accept-new';
  /** `UserKnownHostsFile` (e.g. `/dev/null` for throw-away test hosts). */
  knownHostsFile?: string;
  /** `ConnectTimeout` in seconds (default 10). */
  connectTimeoutSec?: number;
  /** Extra `-o Key=Value` options. */
  options?: Record<string, string | number>;
  /** Path of the local ssh client (default `ssh`). */
  sshPath?: string;
  /** Default timeout of {@link SshTransport.run} in ms (default 60 000). */
  defaultTimeoutMs?: number;
}

const OPTION_KEY = /^[A-Za-z][A-Za-z0-9]*$/;
const HOST = /^[A-Za-z0-9_.:%[\]-]+$/;
const USER = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;
/** Environment variable names accepted by `env` prefixes. */
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Stderr patterns that identify a failure of ssh itself (exit 255). */
const SSH_FAILURE =
  /^(ssh: |kex_exchange_identification|Connection (closed|reset|timed out)|Host key verification failed|Permission denied \(|.*: Permission denied \(publickey|Load key|Could not resolve|no matching|Bad owner|Warning: Identity file)/m;

/**
 * Runs programs on another host through the OpenSSH client:
 * `ssh -o BatchMode=yes -o StrictHostKeyChecking=… [-i key] [-p port] -- user@host '<cmd>' '<arg>'…`.
 * Each remote argv element is single-quoted (`shQuote`), so the remote login shell (which
 * must be POSIX) reconstructs exactly the same argv. The local `ssh` runs through
 * {@link LocalTransport} (own process group, timeout). Note: a timeout kills the local ssh; the
 * remote command gets SIGHUP only if it has a tty (`tty: true` for `spawn`).
 */
export class SshTransport implements Transport {
  /** e.g. `ssh root@host:22`. */
  readonly description: string;
  private readonly local: LocalTransport;
  private readonly base: string[];
  private readonly sshPath: string;
  private readonly destination: string;

  /** @param opts - connection settings; validated here. */
  constructor(opts: SshTransportOptions) {
    if (!opts || typeof opts.host !== 'string' || !HOST.test(opts.host) || opts.host.startsWith('-')) {
      throw new InvalidArgumentError('host', 'must be a host name or address');
    }
    if (opts.user !== undefined && (typeof opts.user !== 'string' || !USER.test(opts.user))) {
      throw new InvalidArgumentError('user', 'must be a plain user name');
    }
    if (opts.port !== undefined && (!Number.isInteger(opts.port) || opts.port < 1 || opts.port > 65535)) {
      throw new InvalidArgumentError('port', 'must be an integer 1..65535');
    }
    const checkValue = (param: string, v: string): void => {
      // eslint-disable-next-line no-control-regex -- refusing control characters is the point
      if (typeof v !== 'string' || v.length === 0 || /[\0-\x1f\x7f]/.test(v)) {
        throw new InvalidArgumentError(param, 'must be a non-empty string without control characters');
      }
    };
    const strict = opts.strictHostKeyChecking ?? 'accept-new';
    if (!['yes', 'no', 'accept-new'].includes(strict)) {
      throw new InvalidArgumentError('strictHostKeyChecking', 'must be yes, no or accept-new');
    }
    const connectTimeout = opts.connectTimeoutSec ?? 10;
    if (!Number.isInteger(connectTimeout) || connectTimeout < 1) {
      throw new InvalidArgumentError('connectTimeoutSec', 'must be a positive integer');
    }
    const base = ['-o', 'BatchMode=yes', '-o', `StrictHostKeyChecking=${strict}`, '-o', `ConnectTimeout=${connectTimeout}`];
    if (opts.knownHostsFile !== undefined) {
      checkValue('knownHostsFile', opts.knownHostsFile);
      base.push('-o', `UserKnownHostsFile=${opts.knownHostsFile}`);
    }
    if (opts.identityFile !== undefined) {
      checkValue('identityFile', opts.identityFile);
      base.push('-o', 'IdentitiesOnly=yes', '-i', opts.identityFile);
    }
    if (opts.port !== undefined) base.push('-p', String(opts.port));
    for (const [k, v] of Object.entries(opts.options ?? {})) {
      if (!OPTION_KEY.test(k)) throw new InvalidArgumentError('options', `bad ssh option name ${JSON.stringify(k)}`);
      checkValue(`options.${k}`, String(v));
      base.push('-o', `${k}=${v}`);
    }
    this.base = base;
    this.sshPath = opts.sshPath ?? 'ssh';
    this.destination = opts.user ? `${opts.user}@${opts.host}` : opts.host;
    this.description = `ssh ${this.destination}:${opts.port ?? 22}`;
    this.local = new LocalTransport({ defaultTimeoutMs: opts.defaultTimeoutMs });
  }

  /** The full local argv (`ssh …`) that would run `cmd args` remotely. Exposed for tests/logging. */
  sshArgv(cmd: string, args: readonly string[], opts: { env?: Record<string, string>; tty?: boolean } = {}): string[] {
    checkArgv(cmd, args);
    const remote: string[] = [];
    if (opts.env && Object.keys(opts.env).length > 0) {
      remote.push('env');
      for (const [k, v] of Object.entries(opts.env)) {
        if (!ENV_NAME.test(k)) throw new InvalidArgumentError('env', `bad variable name ${JSON.stringify(k)}`);
        remote.push(`${k}=${v}`);
      }
    }
    remote.push(cmd, ...args);
    return [...this.base, opts.tty ? '-tt' : '-T', '--', this.destination, shQuoteArgv(remote)];
  }

  /** {@inheritDoc Transport.run} */
  async run(cmd: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
    const argv = this.sshArgv(cmd, args, { env: opts.env });
    const { env: _env, ...rest } = opts;
    void _env;
    const res = await this.local.run(this.sshPath, argv, rest);
    if (res.code === 255 && SSH_FAILURE.test(res.stderr)) {
      throw new ConnectionError(`ssh to ${this.destination} failed: ${res.stderr.trim()}`, {
        command: cmd,
        args: [...args],
        exitCode: 255,
        stderr: res.stderr,
      });
    }
    if (res.code === 127 && remoteNotFound(cmd, res.stderr)) {
      throw new ToolNotFoundError(cmd, { args: [...args], exitCode: 127, stderr: res.stderr });
    }
    return res;
  }

  /** {@inheritDoc Transport.spawn} */
  spawn(cmd: string, args: readonly string[], opts: SpawnOptions = {}): ProcessDuplex {
    const argv = this.sshArgv(cmd, args, { env: opts.env, tty: opts.tty });
    return this.local.spawn(this.sshPath, argv, { signal: opts.signal });
  }
}

/** Whether `stderr` is the remote shell's "command not found" for `cmd`. */
export function remoteNotFound(cmd: string, stderr: string): boolean {
  const esc = cmd.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(^|[\\s:])${esc}: (command )?not found|${esc}: No such file or directory$`, 'm').test(stderr.trim());
}
