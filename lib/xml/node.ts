/**
 * An element the schema does not know, kept as it was read so that it is written back:
 * its name, attributes and children (text as strings) in document order.
 */
export interface XMLNode {
  name: string;
  attrs: Record<string, string>;
  children: (XMLNode | string)[];
}

/**
 * What every typed element object may carry besides its schema's properties: attributes and
 * child elements (or stray text) that the installed schema does not know, written back by
 * `toXML` after the known ones.
 */
export interface XMLExtras {
  /** Attributes the schema does not know (namespace declarations included), by name. */
  '#extraAttrs'?: Record<string, string>;
  /** Child elements the schema does not know, and text where the schema has none. */
  '#extra'?: (XMLNode | string)[];
}
