/**
 * Row formats of the generated tables (lib/xml/generated/tables.ts), kept compact so that
 * the whole of libvirt's grammar loads as data.
 */

/**
 * A value type of an attribute or of text:
 * - `['e', values]` one of the listed strings (a `<value>` choice);
 * - `['i', min, max, big, pattern]` an XSD integer in [min, max] (decimal strings, `null` =
 *   unbounded); `big` = 0 reads it as `number`, 1 as `bigint`, 2 keeps its text (a pattern
 *   such as octal digits makes the text no decimal number);
 * - `['d', pattern]` a decimal or double, kept as its string;
 * - `['p', pattern, except?]` a string matching an XSD pattern and none of `except`;
 * - `['s']` any string.
 */
export type ValueRow =
  | ['e', string[]]
  | ['i', string | null, string | null, 0 | 1 | 2, string | null]
  | ['d', string | null]
  | ['p', string]
  | ['p', string, string[]]
  | ['s'];

/**
 * An element shape: `[name, attributes, children, text, flags, namespace?]`; the name of an
 * element of a libvirt extension namespace carries the prefix libvirt writes (`qemu:arg`).
 * - attributes: `[name, valueTypeIds, required]`
 * - children: `[name, shapeId, repeatable, required]`
 * - text: value type ids, or 0 when the element has no text
 * - flags: 1 = scalar (no attributes or children: the value is the text's), 2 = text optional
 */
export type ShapeRow = [
  string,
  [string, number[], 0 | 1][],
  [string, number, 0 | 1, 0 | 1][],
  number[] | 0,
  number,
  string?,
];
