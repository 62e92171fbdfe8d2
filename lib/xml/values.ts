import { XMLError } from './errors.js';
import type { ValueRow } from './table-types.js';
import { VALUES } from './generated/tables.js';
import { Pattern } from './pattern.js';

/**
 * A value type compiled from its table row (patterns built once, lazily): `k` is the row's
 * kind. Every kind has every field, so that reading one is a monomorphic property access.
 */
export interface ValueType {
  k: 'e' | 'i' | 'd' | 'p' | 's';
  /** Enumeration: the values. */
  set: Set<string> | null;
  list: string[];
  /** Integer: the bounds, `big` as in ValueRow, and whether every run of digits matches `re`. */
  min: bigint | null;
  max: bigint | null;
  minN: number;
  maxN: number;
  big: 0 | 1 | 2;
  digits: boolean;
  re: Pattern | null;
  /** Pattern: its source and the values it excludes. */
  src: string;
  not: Set<string> | null;
}

const compiled: (ValueType | undefined)[] = new Array(VALUES.length);

/** Integer patterns that every run of digits matches. */
const DIGIT_PATTERNS = new Set(['[0-9]+', '-?[0-9]+']);

function compile(row: ValueRow): ValueType {
  const t: ValueType = {
    k: row[0], set: null, list: [], min: null, max: null, minN: -Infinity, maxN: Infinity, big: 0, digits: false,
    re: null, src: '', not: null,
  };
  switch (row[0]) {
    case 'e':
      t.set = new Set(row[1]);
      t.list = row[1];
      break;
    case 'i':
      t.min = row[1] === null ? null : BigInt(row[1]);
      t.max = row[2] === null ? null : BigInt(row[2]);
      if (t.min !== null) t.minN = Number(t.min);
      if (t.max !== null) t.maxN = Number(t.max);
      t.big = row[3];
      t.re = Pattern.of(row[4]);
      t.digits = row[4] === null || DIGIT_PATTERNS.has(row[4]);
      break;
    case 'd':
      t.re = Pattern.of(row[1]);
      break;
    case 'p':
      t.re = Pattern.of(row[1]);
      t.src = row[1];
      if (row.length > 2) t.not = new Set(row[2]);
      break;
  }
  return t;
}

/** The compiled value type of table id `id`. */
export function valueType(id: number): ValueType {
  return compiled[id] ?? (compiled[id] = compile(VALUES[id]!));
}

/**
 * An `<except><value>` compares as RELAX NG's default `token` type: whitespace runs collapsed
 * and trimmed, so a volume name ". " is the excluded "." (xmllint agrees).
 */
function tokenValue(s: string): string {
  return s.replace(/[\t\n\r ]+/g, ' ').trim();
}

const DECIMAL = /^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$|^(?:-?INF|NaN)$/;
/** What a Reader returns for a text none of its value types accepts. */
export const NO_MATCH: unique symbol = Symbol('no match');
type Read = string | number | bigint | typeof NO_MATCH;

/** Reads a text as one of a fixed list of value types, or NO_MATCH. */
export type Reader = (text: string) => Read;

const readers = new Map<string, Reader>();
const identity: Reader = (text) => text;

/**
 * The reader for a list of value types, made once per list: free text and single
 * enumerations, most of libvirt's attributes, take a shortcut.
 */
export function reader(ids: readonly number[]): Reader {
  const key = ids.join(',');
  let r = readers.get(key);
  if (r !== undefined) return r;
  if (ids.length === 1) {
    const t = valueType(ids[0]!);
    if (t.k === 's') r = identity;
    else if (t.k === 'e') r = (text) => (t.set!.has(text) ? text : readOne(t, text));
    else r = (text) => readOne(t, text);
  } else {
    const ts = ids.map(valueType);
    r = (text) => {
      for (let i = 0; i < ts.length; i++) {
        const v = readOne(ts[i]!, text);
        if (v !== NO_MATCH) return v;
      }
      return NO_MATCH;
    };
  }
  readers.set(key, r);
  return r;
}
let tooLarge = false;

/** XSD collapses whitespace around tokens and numbers; strings keep theirs. */
function trimmed(text: string): string {
  const c0 = text.charCodeAt(0);
  const c1 = text.charCodeAt(text.length - 1);
  return c0 <= 32 || c1 <= 32 ? text.trim() : text;
}

/** Whether `s` is an XSD integer's lexical form: `/^[+-]?[0-9]+$/`. */
function isInteger(s: string): boolean {
  const c = s.charCodeAt(0);
  let i = c === 43 || c === 45 ? 1 : 0;
  if (i >= s.length) return false;
  for (; i < s.length; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return false;
  }
  return true;
}

/** A run of 1 to 15 ASCII digits as its number (exact), else -1. */
function digitRun(s: string): number {
  const len = s.length;
  if (len === 0 || len > 15) return -1;
  let n = 0;
  for (let i = 0; i < len; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

function readOne(t: ValueType, text: string): Read {
  switch (t.k) {
    case 'e': {
      if (t.set!.has(text)) return text;
      const s = trimmed(text);
      return s !== text && t.set!.has(s) ? s : NO_MATCH;
    }
    case 'i': {
      // Most integers are short runs of digits: no regular expression, no string conversion.
      const d = t.digits ? digitRun(text) : -1;
      if (d >= 0 && t.big !== 2) {
        if (d < t.minN || d > t.maxN) {
          tooLarge = true;
          return NO_MATCH;
        }
        return t.big === 0 ? d : BigInt(d);
      }
      const s = trimmed(text);
      if (!isInteger(s) || (t.re !== null && !t.re.test(s))) return NO_MATCH;
      if (t.big === 0 && s.length < 16) {
        const n = Number(s);
        if (n < t.minN || n > t.maxN) {
          tooLarge = true;
          return NO_MATCH;
        }
        return n;
      }
      const b = BigInt(s);
      if ((t.min !== null && b < t.min) || (t.max !== null && b > t.max)) {
        tooLarge = true;
        return NO_MATCH;
      }
      return t.big === 1 ? b : t.big === 2 ? s : Number(b);
    }
    case 'd': {
      const s = trimmed(text);
      return DECIMAL.test(s) && (t.re === null || t.re.test(s)) ? s : NO_MATCH;
    }
    case 'p':
      return (t.re === null || t.re.test(text)) && (t.not === null || !t.not.has(tokenValue(text))) ? text : NO_MATCH;
    default:
      return text;
  }
}

/** Describes what a list of value types accepts, for error messages. */
export function describe(ids: readonly number[]): string {
  const parts: string[] = [];
  for (const id of ids) {
    const t = valueType(id);
    if (t.k === 'e') parts.push(`one of ${t.list.map((v) => JSON.stringify(v)).join(', ')}`);
    else if (t.k === 'i') parts.push(`an integer in [${t.min ?? '-∞'}, ${t.max ?? '∞'}]`);
    else if (t.k === 'd') parts.push('a decimal number');
    else if (t.k === 'p') parts.push(`text matching /${t.src}/${t.not ? ` except ${[...t.not].map((x) => JSON.stringify(x)).join(', ')}` : ''}`);
    else parts.push('text');
  }
  return parts.join(' or ');
}

/**
 * Reads `text` as the first of `ids` that accepts it (the generator orders enumerations,
 * then integers, then decimals, then patterns, then free text).
 */
export function readValue(text: string, ids: readonly number[], path: string): string | number | bigint {
  tooLarge = false;
  for (let i = 0; i < ids.length; i++) {
    const v = readOne(valueType(ids[i]!), text);
    if (v !== NO_MATCH) return v;
  }
  throw new XMLError(path, tooLarge ? `${describe(ids)} (out of range)` : describe(ids), text);
}

/** The error for a text that `ids` do not accept (after a Reader returned NO_MATCH). */
export function valueError(text: string, ids: readonly number[], path: string): XMLError {
  try {
    readValue(text, ids, path);
  } catch (e) {
    if (e instanceof XMLError) return e;
    throw e;
  }
  return new XMLError(path, describe(ids), text);
}

/** Whether some value type of `ids` accepts `text`. */
function accepts(text: string, ids: readonly number[]): boolean {
  for (let i = 0; i < ids.length; i++) {
    if (readOne(valueType(ids[i]!), text) !== NO_MATCH) return true;
  }
  return false;
}

/** The text of a typed value, checked against its value types. */
export function writeValue(v: unknown, ids: readonly number[], path: string): string {
  let text: string;
  if (typeof v === 'string') text = v;
  else if (typeof v === 'bigint') text = v.toString();
  else if (typeof v === 'number' && Number.isSafeInteger(v)) text = String(v);
  else throw new XMLError(path, describe(ids), typeof v === 'number' ? String(v) : typeof v);
  if (!accepts(text, ids)) throw new XMLError(path, describe(ids), text);
  return text;
}

/** Whether `''` is an acceptable value (an empty element whose text is free or optional). */
export function acceptsEmpty(ids: readonly number[]): boolean {
  return accepts('', ids);
}
