import { Duplex, PassThrough } from 'node:stream';
import type { ExitStatus, ProcessDuplex, RunOptions, RunResult, SpawnOptions, Transport } from '../backends/transport/types.js';

/** One call recorded by {@link FakeTransport}. */
export interface FakeCall {
  /** `run` or `spawn`. */
  kind: 'run' | 'spawn';
  /** Program. */
  cmd: string;
  /** Arguments. */
  args: string[];
  /** stdin given to `run`. */
  input?: string;
}

/** A scripted response: a full result, or a function computing one from the call. */
export type FakeResponse = Partial<RunResult> | ((call: FakeCall) => Partial<RunResult> | Promise<Partial<RunResult>>);

/**
 * A {@link Transport} for unit tests: records every call and answers from a list of
 * `(matcher, response)` rules (first match wins; unmatched calls exit 0 with empty output).
 * Nothing is executed.
 */
export class FakeTransport implements Transport {
  /** Always `fake`. */
  readonly description = 'fake';
  /** Every call, in order. */
  readonly calls: FakeCall[] = [];
  private readonly rules: Array<{ match: (c: FakeCall) => boolean; res: FakeResponse }> = [];

  /**
   * Add a rule. `match` is a predicate, or a string/RegExp tested against `cmd args…` joined
   * by spaces (a string matches as a prefix).
   */
  on(match: string | RegExp | ((c: FakeCall) => boolean), res: FakeResponse): this {
    const m =
      typeof match === 'function'
        ? match
        : (c: FakeCall): boolean => {
            const line = [c.cmd, ...c.args].join(' ');
            return typeof match === 'string' ? line === match || line.startsWith(match + ' ') : match.test(line);
          };
    this.rules.unshift({ match: m, res });
    return this;
  }

  /** {@inheritDoc Transport.run} */
  async run(cmd: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
    const call: FakeCall = { kind: 'run', cmd, args: [...args] };
    if (opts.input !== undefined) call.input = opts.input.toString();
    this.calls.push(call);
    const rule = this.rules.find((r) => r.match(call));
    const r = rule ? (typeof rule.res === 'function' ? await rule.res(call) : rule.res) : {};
    return { stdout: r.stdout ?? '', stderr: r.stderr ?? '', code: r.code === undefined ? 0 : r.code, signal: r.signal ?? null };
  }

  /** Returns a loop-back stream (writes are readable back). See {@link Transport.spawn}. */
  spawn(cmd: string, args: readonly string[], _opts: SpawnOptions = {}): ProcessDuplex {
    this.calls.push({ kind: 'spawn', cmd, args: [...args] });
    const pt = new PassThrough() as unknown as Duplex & ProcessDuplex;
    let done: (s: ExitStatus) => void = () => undefined;
    const exited = new Promise<ExitStatus>((r) => (done = r));
    Object.assign(pt, {
      pid: undefined,
      exited,
      stderrText: () => '',
      kill: () => pt.destroy(),
    });
    pt.once('close', () => done({ code: null, signal: 'SIGTERM' }));
    return pt;
  }
}
