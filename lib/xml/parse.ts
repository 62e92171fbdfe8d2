import { SaxesParser, type SaxesTagPlain } from 'saxes';
import { XMLError } from './errors.js';
import type { XMLNode } from './node.js';
import { shape, type KidSlot, type Shape } from './shapes.js';
import { acceptsEmpty, NO_MATCH, valueError, type Reader } from './values.js';

/**
 * One open element while reading: typed (`shape` set) or kept as it is (`node` set). Its path
 * is built only for an error message: `index` is its 1-based position among repeated siblings
 * (0 when the element is single).
 */
class Frame {
  text = '';
  constructor(
    readonly shape: Shape | null,
    readonly obj: Record<string, unknown> | null,
    readonly node: XMLNode | null,
    readonly slot: KidSlot | null,
    readonly parent: Frame | undefined,
    readonly name: string,
    readonly index: number,
  ) {}

  get path(): string {
    const own = `/${this.name}${this.index > 0 ? `[${this.index}]` : ''}`;
    return this.parent === undefined ? own : this.parent.path + own;
  }
}

/** Reads a value, with the path of the error made only when there is one. */
function readAt(text: string, read: Reader, ids: readonly number[], f: Frame, suffix: string): string | number | bigint {
  const v = read(text);
  if (v === NO_MATCH) throw valueError(text, ids, f.path + suffix);
  return v;
}

function genericNode(tag: SaxesTagPlain): XMLNode {
  // saxes's attributes have no prototype, and a spread defines data properties: `__proto__` stays data.
  return { name: tag.name, attrs: { ...tag.attributes }, children: [] };
}

function addExtra(obj: Record<string, unknown>, item: XMLNode | string): void {
  const list = obj['#extra'] as (XMLNode | string)[] | undefined;
  if (list === undefined) obj['#extra'] = [item];
  else list.push(item);
}

function isBlank(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c !== 32 && c !== 10 && c !== 9 && c !== 13) return false;
  }
  return true;
}

/** Reads an object shape's attributes from an open tag. */
function readAttrs(sh: Shape, tag: SaxesTagPlain, obj: Record<string, unknown>, f: Frame): void {
  const attrs = tag.attributes;
  for (const k in attrs) {
    const slot = sh.attrMap.get(k);
    const v = attrs[k]!;
    if (slot === undefined) {
      let extra = obj['#extraAttrs'] as Record<string, string> | undefined;
      if (extra === undefined) obj['#extraAttrs'] = extra = {};
      // defineProperty: an attribute named `__proto__` is kept as data, not made the prototype.
      Object.defineProperty(extra, k, { value: v, enumerable: true, writable: true, configurable: true });
    } else {
      obj[slot.prop] = readAt(v, slot.read, slot.types, f, `/@${k}`);
    }
  }
  const req = sh.reqAttrs;
  for (let i = 0; i < req.length; i++) {
    if (obj[req[i]!.prop] === undefined) throw new XMLError(`${f.path}/@${req[i]!.name}`, `required attribute ${req[i]!.name}`);
  }
}

function hasExtraNamed(obj: Record<string, unknown>, name: string): boolean {
  const list = obj['#extra'] as (XMLNode | string)[] | undefined;
  return list !== undefined && list.some((n) => typeof n !== 'string' && n.name === name);
}

/**
 * Parses `text` against the shapes of a schema (`roots`: root element name -> shape id) with
 * saxes, building typed values in the same pass as the SAX events.
 */
export function parseWithShapes(roots: Readonly<Record<string, number>>, schema: string, text: string): unknown {
  if (typeof text !== 'string') throw new TypeError(`parseXML: text must be a string, got ${typeof text}`);
  const parser = new SaxesParser<{ position: false }>({ position: false });
  const stack: Frame[] = [];
  let result: unknown;
  let done = false;

  parser.on('error', (e) => {
    throw new XMLError(stack.length ? stack[stack.length - 1]!.path : '/', 'well-formed XML', e.message);
  });

  parser.on('opentag', (t) => {
    const tag = t as SaxesTagPlain;
    const name = tag.name;
    const top = stack.length ? stack[stack.length - 1]! : undefined;
    if (top === undefined) {
      // Own properties only: a root named `toString` is not a schema's root.
      const id = done || !Object.hasOwn(roots, name) ? undefined : roots[name];
      if (id === undefined) {
        throw new XMLError(`/${name}`, `a <${Object.keys(roots).join('> or <')}> document (schema ${schema})`, name);
      }
      const sh = shape(id);
      const obj = sh.scalar ? null : {};
      const f = new Frame(sh, obj, null, null, undefined, name, 0);
      if (obj !== null) readAttrs(sh, tag, obj, f);
      stack.push(f);
      return;
    }
    if (top.node !== null) {
      const node = genericNode(tag);
      top.node.children.push(node);
      stack.push(new Frame(null, null, node, null, top, name, 0));
      return;
    }
    if (top.obj === null) {
      // A scalar element with a child element: keep the whole element as it is.
      const node: XMLNode = { name: top.name, attrs: {}, children: top.text ? [top.text] : [] };
      const converted = new Frame(null, null, node, top.slot, top.parent, top.name, top.index);
      stack[stack.length - 1] = converted;
      const child = genericNode(tag);
      node.children.push(child);
      stack.push(new Frame(null, null, child, null, converted, name, 0));
      return;
    }
    const slot = top.shape!.kidMap.get(name);
    if (slot === undefined) {
      const node = genericNode(tag);
      addExtra(top.obj, node);
      stack.push(new Frame(null, null, node, null, top, name, 0));
      return;
    }
    let index = 0;
    if (slot.repeat) {
      const arr = top.obj[slot.prop] as unknown[] | undefined;
      index = arr === undefined ? 1 : arr.length + 1;
    } else if (top.obj[slot.prop] !== undefined) {
      throw new XMLError(`${top.path}/${name}`, `one <${name}> only`);
    }
    const sh = shape(slot.shape);
    if (sh.scalar) {
      let hasAttr = false;
      for (const _ in tag.attributes) {
        hasAttr = true;
        break;
      }
      if (hasAttr) {
        // Attributes the schema does not give this scalar element: keep it as it is.
        const node = genericNode(tag);
        stack.push(new Frame(null, null, node, slot, top, name, index));
        return;
      }
      stack.push(new Frame(sh, null, null, slot, top, name, index));
      return;
    }
    const obj: Record<string, unknown> = {};
    const f = new Frame(sh, obj, null, slot, top, name, index);
    readAttrs(sh, tag, obj, f);
    stack.push(f);
  });

  const onText = (t: string): void => {
    const top = stack[stack.length - 1];
    if (top === undefined) return;
    if (top.node !== null) {
      const ch = top.node.children;
      const last = ch.length - 1;
      if (last >= 0 && typeof ch[last] === 'string') ch[last] = (ch[last] as string) + t;
      else ch.push(t);
    } else if (top.obj === null || top.shape!.text !== null) {
      top.text += t;
    } else if (!isBlank(t)) {
      addExtra(top.obj, t);
    }
  };
  parser.on('text', onText);
  parser.on('cdata', onText);

  parser.on('closetag', () => {
    const f = stack.pop()!;
    let value: unknown;
    if (f.node !== null) {
      value = f.node;
    } else if (f.obj === null) {
      const sh = f.shape!;
      if (f.text === '' && (sh.textOptional || acceptsEmpty(sh.text!))) value = '';
      else value = readAt(f.text, sh.readText, sh.text!, f, '');
    } else {
      const sh = f.shape!;
      const obj = f.obj;
      if (sh.text !== null && !isBlank(f.text)) obj['#text'] = readAt(f.text, sh.readText, sh.text, f, '');
      const req = sh.reqKids;
      for (let i = 0; i < req.length; i++) {
        const k = req[i]!;
        if (obj[k.prop] === undefined && !hasExtraNamed(obj, k.name)) {
          throw new XMLError(`${f.path}/${k.name}`, `required element <${k.name}>`);
        }
      }
      value = obj;
    }
    const parent = stack[stack.length - 1];
    if (parent === undefined) {
      result = value;
      done = true;
      return;
    }
    if (f.slot === null) return; // an unknown element, already attached to its parent
    const pobj = parent.obj!;
    if (f.node !== null) {
      addExtra(pobj, f.node); // a known element in a form the schema does not describe
    } else if (f.slot.repeat) {
      const arr = pobj[f.slot.prop] as unknown[] | undefined;
      if (arr === undefined) pobj[f.slot.prop] = [value];
      else arr.push(value);
    } else {
      pobj[f.slot.prop] = value;
    }
  });

  parser.write(text).close();
  if (!done) throw new XMLError('/', 'a complete XML document');
  return result;
}
