import { XMLError } from './errors.js';
import type { XMLNode } from './node.js';
import { shape, type Shape } from './shapes.js';
import { writeValue } from './values.js';

const TEXT_SPECIAL = /[&<>\r]/;
const ATTR_SPECIAL = /[&<>"\r\n\t]/;

function escText(s: string): string {
  if (!TEXT_SPECIAL.test(s)) return s;
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\r/g, '&#13;');
}

function escAttr(s: string): string {
  if (!ATTR_SPECIAL.test(s)) return s;
  return s
    .replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')
    .replace(/\r/g, '&#13;').replace(/\n/g, '&#10;').replace(/\t/g, '&#9;');
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Writes elements the schema does not know exactly as they were read. */
function writeNode(n: XMLNode | string, path: string): string {
  if (typeof n === 'string') return escText(n);
  if (!isObject(n) || typeof n.name !== 'string' || !isObject(n.attrs) || !Array.isArray(n.children)) {
    throw new XMLError(path, 'an XMLNode {name, attrs, children} or a string in #extra');
  }
  let s = `<${n.name}`;
  for (const k in n.attrs) s += ` ${k}="${escAttr(String(n.attrs[k]))}"`;
  if (n.children.length === 0) return s + '/>';
  s += '>';
  for (const c of n.children) s += writeNode(c, `${path}/${n.name}`);
  return `${s}</${n.name}>`;
}

/** Indentation strings by depth (index = depth). */
class Indent {
  private readonly cache: string[] = [];
  constructor(private readonly unit: string) {}
  at(depth: number): string {
    if (this.unit === '') return '';
    return this.cache[depth] ?? (this.cache[depth] = '\n' + this.unit.repeat(depth));
  }
}

const NONE: ReadonlySet<string> = new Set();

/** Prefixes an element's own `xmlns:*` attributes declare, added to those in scope. */
function declaredBy(attrs: Record<string, unknown>, inScope: ReadonlySet<string>): ReadonlySet<string> {
  let out: Set<string> | null = null;
  for (const k in attrs) {
    if (k.startsWith('xmlns:')) (out ??= new Set(inScope)).add(k.slice(6));
  }
  return out ?? inScope;
}

function writeElement(
  sh: Shape, v: unknown, name: string, path: string, depth: number, ind: Indent, declared: ReadonlySet<string>,
): string {
  if (sh.scalar) {
    const open = sh.ns === undefined ? name : nsOpen(sh, name, declared).open;
    if (v === '') return `<${open}/>`;
    return `<${open}>${escText(writeValue(v, sh.text!, path))}</${name}>`;
  }
  if (!isObject(v)) throw new XMLError(path, `an object for <${name}>`, Array.isArray(v) ? 'an array' : String(v));
  let s = `<${name}`;
  const own = v['#extraAttrs'];
  if (isObject(own)) declared = declaredBy(own, declared);
  if (sh.ns !== undefined) {
    const o = nsOpen(sh, name, declared);
    s = `<${o.open}`;
    declared = o.declared;
  }
  const attrs = sh.attrs;
  for (let i = 0; i < attrs.length; i++) {
    const a = attrs[i]!;
    const x = v[a.prop];
    if (x === undefined) {
      if (a.required) throw new XMLError(`${path}/@${a.name}`, `required attribute ${a.name}`);
      continue;
    }
    s += ` ${a.name}="${escAttr(writeValue(x, a.types, `${path}/@${a.name}`))}"`;
  }
  const extraAttrs = v['#extraAttrs'];
  if (extraAttrs !== undefined) {
    if (!isObject(extraAttrs)) throw new XMLError(`${path}/#extraAttrs`, 'an object of attribute strings');
    for (const k in extraAttrs) s += ` ${k}="${escAttr(String(extraAttrs[k]))}"`;
  }
  let body = '';
  const text = v['#text'];
  // Text is written as it is: indenting around it would change it.
  const pad = text === undefined ? ind.at(depth + 1) : '';
  if (text !== undefined) {
    if (sh.text === null) throw new XMLError(`${path}/#text`, `no text in <${name}>`);
    body += escText(writeValue(text, sh.text, path));
  }
  const kids = sh.kids;
  for (let i = 0; i < kids.length; i++) {
    const k = kids[i]!;
    const x = v[k.prop];
    if (x === undefined) {
      if (k.required && !hasExtraNamed(v, k.name)) throw new XMLError(`${path}/${k.name}`, `required element <${k.name}>`);
      continue;
    }
    const ks = shape(k.shape);
    if (k.repeat) {
      if (!Array.isArray(x)) throw new XMLError(`${path}/${k.name}`, `an array of <${k.name}>`, typeof x);
      for (let j = 0; j < x.length; j++) {
        body += pad + writeElement(ks, x[j], k.name, `${path}/${k.name}[${j + 1}]`, depth + 1, ind, declared);
      }
    } else {
      body += pad + writeElement(ks, x, k.name, `${path}/${k.name}`, depth + 1, ind, declared);
    }
  }
  const extra = v['#extra'];
  if (extra !== undefined) {
    if (!Array.isArray(extra)) throw new XMLError(`${path}/#extra`, 'an array of XMLNode or string');
    for (const n of extra) body += (typeof n === 'string' ? '' : pad) + writeNode(n, path);
  }
  if (body === '') return s + '/>';
  return `${s}>${body}${pad === '' ? '' : ind.at(depth)}</${name}>`;
}

/** The open tag of a namespaced element, declaring its prefix where no ancestor did. */
function nsOpen(sh: Shape, name: string, declared: ReadonlySet<string>): { open: string; declared: ReadonlySet<string> } {
  const prefix = name.slice(0, name.indexOf(':'));
  if (declared.has(prefix)) return { open: name, declared };
  return { open: `${name} xmlns:${prefix}="${escAttr(sh.ns!)}"`, declared: new Set(declared).add(prefix) };
}

function hasExtraNamed(obj: Record<string, unknown>, name: string): boolean {
  const list = obj['#extra'];
  return Array.isArray(list) && list.some((n) => isObject(n) && n.name === name);
}

/** Options of `toXML`. */
export interface ToXMLOptions {
  /** Spaces per level of indentation; 0 writes the document on one line. Default 2. */
  indent?: number;
}

/** Writes `value` as the root element `name` of shape `id`. */
export function writeWithShape(id: number, name: string, value: unknown, options?: ToXMLOptions): string {
  const n = options?.indent ?? 2;
  if (!Number.isInteger(n) || n < 0 || n > 16) throw new RangeError(`toXML: indent must be an integer in [0, 16], got ${n}`);
  return writeElement(shape(id), value, name, `/${name}`, 0, new Indent(' '.repeat(n)), NONE) + (n > 0 ? '\n' : '');
}
