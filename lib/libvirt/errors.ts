import { VirtkitError } from '../errors.js';
import * as C from './generated/constants.js';

function reverse(group: Record<string, number>): Map<number, string> {
  const m = new Map<number, string>();
  for (const [k, v] of Object.entries(group)) if (!m.has(v)) m.set(v, k);
  return m;
}
const codeNames = reverse(C.virErrorNumber);
const domainNames = reverse(C.virErrorDomain);

/** Fields of a libvirt `virError`, as copied on the thread that failed. */
export interface LibvirtErrorFields {
  message: string;
  code: number;
  domain: number;
  level: number;
  str1: string | null;
  str2: string | null;
  str3: string | null;
  int1: number;
  int2: number;
}

/**
 * A failed libvirt call. Carries every field of libvirt's `virError`, plus the
 * symbolic names of `code` and `domain`. Its stack points at the line that made
 * the call, not at the thread that ran it.
 */
export class LibvirtError extends VirtkitError {
  /** `virErrorNumber` value, e.g. 42 for VIR_ERR_NO_DOMAIN. */
  readonly code: number;
  /** `virErrorDomain` value: which part of libvirt raised it. */
  readonly domain: number;
  /** `virErrorLevel`: 1 warning, 2 error. */
  readonly level: number;
  readonly str1: string | null;
  readonly str2: string | null;
  readonly str3: string | null;
  readonly int1: number;
  readonly int2: number;
  /** C name of `code`, e.g. `"VIR_ERR_NO_DOMAIN"`. */
  readonly codeName: string;
  /** C name of `domain`, e.g. `"VIR_FROM_TEST"`. */
  readonly domainName: string;
  /** Set for errors raised by virtkit itself, e.g. `"ERR_OBJECT_FREED"`. */
  virtkitCode?: string;

  /** @internal constructed by the addon */
  constructor(f: LibvirtErrorFields, caller?: Error) {
    super(f.message);
    this.code = f.code;
    this.domain = f.domain;
    this.level = f.level;
    this.str1 = f.str1;
    this.str2 = f.str2;
    this.str3 = f.str3;
    this.int1 = f.int1;
    this.int2 = f.int2;
    this.codeName = codeNames.get(f.code) ?? `VIR_ERR_${f.code}`;
    this.domainName = domainNames.get(f.domain) ?? `VIR_FROM_${f.domain}`;
    if (caller?.stack) {
      // The stack captured when the call was made; its first line is the empty message.
      const frames = caller.stack.split('\n').slice(1).join('\n');
      this.stack = `${this.name}: ${this.message}\n${frames}`;
    }
  }

  get name(): string {
    return 'LibvirtError';
  }
}
