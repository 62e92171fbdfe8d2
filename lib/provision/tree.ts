// A plain element tree for the osinfo-db files (not a libvirt document, so outside the
// typed XML layer): fast-xml-parser in document order.
import { XMLParser } from 'fast-xml-parser';

/** One node: `{ tagName: children, ':@': attributes }` or `{ '#text': text }`. */
export type Node = Record<string, unknown>;

const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', preserveOrder: true, parseTagValue: false, parseAttributeValue: false });

/** The document's top-level nodes. */
export function parseTree(xml: string): Node[] {
  return parser.parse(xml) as Node[];
}
export function tag(n: Node): string {
  return Object.keys(n).find((k) => k !== ':@') ?? '';
}
export function kids(n: Node): Node[] {
  const v = n[tag(n)];
  return Array.isArray(v) ? (v as Node[]) : [];
}
export function attr(n: Node, name: string): string | undefined {
  return (n[':@'] as Record<string, string> | undefined)?.[name];
}
export function text(n: Node): string {
  return kids(n)
    .map((k) => (typeof k['#text'] === 'string' || typeof k['#text'] === 'number' ? String(k['#text']) : ''))
    .join('')
    .trim();
}
