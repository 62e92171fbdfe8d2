import { ROOTS, type SchemaTypes } from './generated/schemas.js';
import { parseWithShapes } from './parse.js';
import { writeWithShape, type ToXMLOptions } from './serialize.js';

export type { ToXMLOptions } from './serialize.js';
export type { SchemaTypes } from './generated/schemas.js';

/** The base name of a libvirt schema (`'domain'`, `'network'`, `'capability'`, ...). */
export type SchemaName = keyof SchemaTypes;

/** Every schema name `parseXML`/`toXML` accept. */
export const SCHEMA_NAMES = Object.keys(ROOTS) as SchemaName[];

function roots(schema: unknown, fn: string): Readonly<Record<string, number>> {
  if (typeof schema !== 'string' || !Object.prototype.hasOwnProperty.call(ROOTS, schema)) {
    throw new TypeError(`${fn}: unknown schema ${JSON.stringify(schema)}; expected one of ${SCHEMA_NAMES.join(', ')}`);
  }
  return ROOTS[schema as SchemaName];
}

/**
 * Parses a libvirt XML document of `schema` into its typed value.
 *
 * Elements and attributes become properties named as in the XML; repeatable elements are
 * arrays; an element with neither attributes nor children is its text's value; text of an
 * element that also has attributes or children is `'#text'`; an attribute that shares its
 * name with a child element is `'@name'`. Integers that fit 2^53 are numbers, wider ones
 * bigints; decimals stay strings. What the schema does not know is kept in `'#extraAttrs'`
 * and `'#extra'`.
 *
 * @throws TypeError for an unknown schema name.
 * @throws XMLError when `text` is not XML or does not match the schema (with the path).
 */
export function parseXML<S extends SchemaName>(schema: S, text: string): SchemaTypes[S] {
  return parseWithShapes(roots(schema, 'parseXML'), schema, text) as SchemaTypes[S];
}

/**
 * Writes a typed value of `schema` as an XML document (indented by 2 unless
 * `options.indent` says otherwise). `toXML(s, parseXML(s, x))` is the same document as `x`
 * for libvirt: attribute order, whitespace and the order of interleaved siblings may differ,
 * and elements the schema does not know come after the known ones of their parent.
 *
 * @throws TypeError for an unknown schema name.
 * @throws XMLError when a value does not fit the schema (with the path).
 */
export function toXML<S extends SchemaName>(schema: S, value: SchemaTypes[S], options?: ToXMLOptions): string {
  const r = roots(schema, 'toXML');
  const name = Object.keys(r)[0]!;
  return writeWithShape(r[name]!, name, value, options);
}
