import { InvalidArgumentError } from '../errors.js';

/**
 * Argument validation shared by the CLI backends. Everything here runs BEFORE any process is
 * started and throws {@link InvalidArgumentError}.
 */

/** Maximum length of a domain or container name. */
export const MAX_NAME_LENGTH = 64;
/** Maximum length of a path argument. */
export const MAX_PATH_LENGTH = 4096;

/** Characters a shell would interpret (we never use a shell, but refuse them in names anyway). */
const SHELL_META = /[\s'"`$\\|&;<>(){}[\]*?!~#%^=,/]/;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\x00-\x1f\x7f]/;
/** Allowed shape of a name: starts with a letter/digit/underscore, then letters, digits, `_ . + : @ -`. */
const NAME = /^[A-Za-z0-9_][A-Za-z0-9_.+:@-]*$/;

/**
 * Validate a domain/container name.
 * Rejects: non-strings, empty, longer than `maxLength`, leading `-`, control characters,
 * whitespace and shell metacharacters, `.`/`..`.
 * @returns the name unchanged.
 */
export function validateName(name: unknown, param = 'name', maxLength = MAX_NAME_LENGTH): string {
  if (typeof name !== 'string') throw new InvalidArgumentError(param, 'must be a string');
  if (name.length === 0) throw new InvalidArgumentError(param, 'must not be empty');
  if (name.length > maxLength) throw new InvalidArgumentError(param, `longer than ${maxLength} characters`);
  if (name.startsWith('-')) throw new InvalidArgumentError(param, 'must not start with "-"');
  if (CONTROL.test(name)) throw new InvalidArgumentError(param, 'contains control characters');
  if (/\s/.test(name)) throw new InvalidArgumentError(param, 'contains whitespace');
  if (SHELL_META.test(name)) throw new InvalidArgumentError(param, 'contains shell metacharacters or "/"');
  if (name === '.' || name === '..' || !NAME.test(name)) {
    throw new InvalidArgumentError(param, `${JSON.stringify(name)} is not a valid name`);
  }
  return name;
}

/**
 * Validate a Xen domain reference: a name ({@link validateName}) or a numeric domain id.
 * @returns the reference as a string.
 */
export function validateDomainRef(ref: unknown, param = 'domain'): string {
  if (typeof ref === 'number') return String(validateInt(ref, param, { min: 0, max: 0x7fef }));
  const s = validateName(ref, param);
  if (/^\d+$/.test(s)) validateInt(Number(s), param, { min: 0, max: 0x7fef });
  return s;
}

/** Integer bounds for {@link validateInt}. */
export interface IntBounds {
  /** Inclusive minimum (default 0). */
  min?: number;
  /** Inclusive maximum (default `Number.MAX_SAFE_INTEGER`). */
  max?: number;
}

/** Validate a safe integer within bounds. @returns the number. */
export function validateInt(value: unknown, param: string, bounds: IntBounds = {}): number {
  const min = bounds.min ?? 0;
  const max = bounds.max ?? Number.MAX_SAFE_INTEGER;
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
    throw new InvalidArgumentError(param, 'must be an integer');
  }
  if (value < min || value > max) throw new InvalidArgumentError(param, `must be between ${min} and ${max}`);
  return value;
}

/** Validate a positive, finite or `Infinity` duration in milliseconds. */
export function validateTimeout(value: unknown, param = 'timeoutMs'): number {
  if (typeof value !== 'number' || Number.isNaN(value) || value <= 0) {
    throw new InvalidArgumentError(param, 'must be a positive number of milliseconds');
  }
  return value;
}

/**
 * Validate a file path argument: non-empty string, no control characters, no leading `-`
 * (it would be read as an option), at most {@link MAX_PATH_LENGTH} characters. Spaces are allowed
 * (no shell is involved; over SSH each argument is quoted).
 */
export function validatePath(path: unknown, param = 'path'): string {
  if (typeof path !== 'string') throw new InvalidArgumentError(param, 'must be a string');
  if (path.length === 0) throw new InvalidArgumentError(param, 'must not be empty');
  if (path.length > MAX_PATH_LENGTH) throw new InvalidArgumentError(param, 'is too long');
  if (path.startsWith('-')) throw new InvalidArgumentError(param, 'must not start with "-"');
  if (CONTROL.test(path)) throw new InvalidArgumentError(param, 'contains control characters');
  return path;
}

/**
 * Validate a free-form single-line value (config values, environment values): a string without
 * NUL, newline or other control characters except TAB.
 */
export function validateValue(value: unknown, param = 'value', maxLength = 65536): string {
  if (typeof value !== 'string') throw new InvalidArgumentError(param, 'must be a string');
  if (value.length > maxLength) throw new InvalidArgumentError(param, 'is too long');
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x08\x0a-\x1f\x7f]/.test(value)) throw new InvalidArgumentError(param, 'contains control characters or newlines');
  return value;
}

/** Validate a generic argv element (any string without NUL). */
export function validateArg(value: unknown, param = 'argument'): string {
  if (typeof value !== 'string') throw new InvalidArgumentError(param, 'must be a string');
  if (value.includes('\0')) throw new InvalidArgumentError(param, 'contains a NUL character');
  return value;
}
