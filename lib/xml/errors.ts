import { VirtkitError } from '../errors.js';

/**
 * A document that is not XML, or does not match its libvirt schema where the schema is strict
 * (wrong root, a value outside an enumeration or a number range, a missing required attribute
 * or element, a repeated single element). `path` names the place
 * (`/domain/devices/disk[2]/source/@file`) and `expected` what the schema wanted there.
 */
export class XMLError extends VirtkitError {
  override name = 'XMLError';
  /** Where: an XPath-like path; `[n]` (1-based) on repeatable elements, `@name` for attributes. */
  readonly path: string;
  /** What the schema expected there. */
  readonly expected: string;
  /** What was found, when there was something (a value, an element name). */
  readonly found: string | undefined;

  constructor(path: string, expected: string, found?: string) {
    const shown = found === undefined ? '' : `, found ${JSON.stringify(found.length > 80 ? found.slice(0, 80) + '…' : found)}`;
    super(`${path}: expected ${expected}${shown}`);
    this.path = path;
    this.expected = expected;
    this.found = found;
  }
}
