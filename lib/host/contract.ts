// The facade's contract, the same on every backend: which states each
// operation accepts, which ones make it a no-op, and how backend errors map
// onto the facade's errors.
import { InvalidArgumentError, NotFoundError, StateError } from '../backends/errors.js';
import { LibvirtError } from '../libvirt/errors.js';
import { GuestNotFoundError, GuestStateError, InvalidGuestNameError } from './errors.js';
import type { GuestInfo, GuestState } from './types.js';

/** One operation's rule. */
export interface OperationRule {
  /** States in which the operation has nothing to do: it resolves at once. */
  readonly done: readonly GuestState[];
  /** States from which it runs; any other gives {@link GuestStateError}. */
  readonly from: readonly GuestState[];
  /** The state named as `expected` in that error. */
  readonly expected: GuestState;
}

/**
 * The rules. Operations that ask for a state (start, stop, shutdown, pause, resume) are
 * idempotent; the others need a live guest.
 */
export const RULES = {
  start: { done: ['running', 'blocked', 'paused'], from: ['shutoff', 'crashed', 'unknown'], expected: 'shutoff' },
  stop: { done: ['shutoff'], from: ['running', 'blocked', 'paused', 'shutdown', 'crashed', 'unknown'], expected: 'running' },
  shutdown: { done: ['shutoff'], from: ['running', 'blocked', 'paused', 'shutdown', 'crashed', 'unknown'], expected: 'running' },
  pause: { done: ['paused'], from: ['running', 'blocked', 'unknown'], expected: 'running' },
  resume: { done: ['running', 'blocked'], from: ['paused', 'unknown'], expected: 'paused' },
  reboot: { done: [], from: ['running', 'blocked', 'paused', 'unknown'], expected: 'running' },
  save: { done: [], from: ['running', 'blocked', 'paused', 'unknown'], expected: 'running' },
} as const satisfies Record<string, OperationRule>;

/** Operations governed by {@link RULES}. */
export type RuledOperation = keyof typeof RULES;

const VIR_ERR_NO_DOMAIN = 42;

/** Whether `e` says the guest does not exist (any backend). */
export function isNotFound(e: unknown): boolean {
  return e instanceof GuestNotFoundError || e instanceof NotFoundError || (e instanceof LibvirtError && e.code === VIR_ERR_NO_DOMAIN);
}

/** The facade's error for a backend's "no such guest". */
export function notFound(name: string, e: unknown): GuestNotFoundError {
  if (e instanceof GuestNotFoundError) return e;
  return new GuestNotFoundError(name, `no guest named ${JSON.stringify(name)}${e instanceof Error ? `: ${e.message}` : ''}`, { cause: e });
}

/**
 * Checks a name before a lookup: a non-empty string, then the backend's rule (`check` throws
 * the backend's own error). Every failure is an {@link InvalidGuestNameError}.
 */
export function checkGuestName(name: unknown, check?: (n: string) => void): string {
  if (typeof name !== 'string') throw new InvalidGuestNameError(name, 'must be a string');
  if (name === '') throw new InvalidGuestNameError(name, 'must not be empty');
  if (check) {
    try {
      check(name);
    } catch (e) {
      if (e instanceof InvalidArgumentError || e instanceof TypeError || e instanceof RangeError) {
        throw new InvalidGuestNameError(name, e.message.replace(/^invalid name: /, ''), { cause: e });
      }
      throw e;
    }
  }
  return name;
}

/** What {@link runOperation} needs from a guest. */
export interface RuledGuest {
  readonly name: string;
  info(): Promise<GuestInfo>;
}

/**
 * Runs `act` under `op`'s rule: reads the state first (a no-op if already done, a
 * {@link GuestStateError} if the state is not accepted); if `act` fails, reads it again — done
 * meanwhile resolves, a refused state becomes {@link GuestStateError}, a vanished guest
 * {@link GuestNotFoundError} (or success when `goneIsDone`: an xl domain that stopped is gone).
 */
export async function runOperation(g: RuledGuest, op: RuledOperation, act: () => Promise<unknown>, goneIsDone = false): Promise<void> {
  const rule: OperationRule = RULES[op];
  const state = async (): Promise<GuestState | 'gone'> => {
    try {
      return (await g.info()).state;
    } catch (e) {
      if (isNotFound(e)) return 'gone';
      throw e;
    }
  };
  const before = await state();
  if (before === 'gone') {
    if (goneIsDone) return;
    throw new GuestNotFoundError(g.name);
  }
  if (rule.done.includes(before)) return;
  if (!rule.from.includes(before)) throw new GuestStateError(g.name, op, rule.expected, before);
  try {
    await act();
  } catch (e) {
    const after = await state().catch(() => undefined);
    if (after === 'gone') {
      if (goneIsDone) return;
      throw notFound(g.name, e);
    }
    if (after !== undefined && rule.done.includes(after)) return;
    if (e instanceof StateError || (after !== undefined && !rule.from.includes(after))) {
      throw new GuestStateError(g.name, op, rule.expected, after ?? 'unknown', { cause: e });
    }
    if (isNotFound(e)) throw notFound(g.name, e);
    throw e;
  }
}
