import { SaxesParser, type SaxesTagPlain } from 'saxes';
import { XMLError } from './errors.js';
import type { XMLNode } from './node.js';
import { shape, type AttrSlot, type KidSlot, type Shape } from './shapes.js';
import { NO_MATCH, valueError } from './values.js';

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

/** Reads an attribute's value; the path of the error is made only when there is one. */
function readAttr(a: AttrSlot, v: string, f: Frame): string | number | bigint {
  if (a.kind === 0 || (a.kind === 1 && a.set!.has(v))) return v;
  const r = a.read(v);
  if (r === NO_MATCH) throw valueError(v, a.types, `${f.path}/@${a.name}`);
  return r;
}

function readText(sh: Shape, text: string, f: Frame): string | number | bigint {
  const r = sh.readText(text);
  if (r === NO_MATCH) throw valueError(text, sh.text!, f.path);
  return r;
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

/**
 * Reads an object shape's attributes, collected in document order by the `attribute` event
 * (iterating saxes's prototype-less attribute object is much slower).
 */
function readAttrs(sh: Shape, names: string[], values: string[], n: number, obj: Record<string, unknown>, f: Frame): void {
  let required = 0;
  for (let i = 0; i < n; i++) {
    const k = names[i]!;
    const a = sh.attrMap.get(k);
    if (a !== undefined) {
      obj[a.prop] = readAttr(a, values[i]!, f);
      if (a.required) required++;
      continue;
    }
    let extra = obj['#extraAttrs'] as Record<string, string> | undefined;
    if (extra === undefined) obj['#extraAttrs'] = extra = {};
    // defineProperty: an attribute named `__proto__` is kept as data, not made the prototype.
    Object.defineProperty(extra, k, { value: values[i], enumerable: true, writable: true, configurable: true });
  }
  const req = sh.reqAttrs;
  // saxes rejects repeated attributes: counting the required ones read is enough.
  if (required === req.length) return;
  for (let i = 0; i < req.length; i++) {
    if (obj[req[i]!.prop] === undefined) throw new XMLError(`${f.path}/@${req[i]!.name}`, `required attribute ${req[i]!.name}`);
  }
}

function hasExtraNamed(obj: Record<string, unknown>, name: string): boolean {
  const list = obj['#extra'] as (XMLNode | string)[] | undefined;
  return list !== undefined && list.some((n) => typeof n !== 'string' && n.name === name);
}

/** The value of a closed scalar element (no attributes, no children). */
function scalarValue(f: Frame): unknown {
  const sh = f.shape!;
  if (f.text === '' && sh.emptyOk) return '';
  return readText(sh, f.text, f);
}

/** Checks a closed object element: its text and its required children. */
function finishObject(f: Frame): void {
  const sh = f.shape!;
  const obj = f.obj!;
  if (sh.text !== null && !isBlank(f.text)) obj['#text'] = readText(sh, f.text, f);
  const req = sh.reqKids;
  for (let i = 0; i < req.length; i++) {
    const k = req[i]!;
    if (obj[k.prop] === undefined && !hasExtraNamed(obj, k.name)) {
      throw new XMLError(`${f.path}/${k.name}`, `required element <${k.name}>`);
    }
  }
}

/**
 * Parses `text` against the shapes of a schema (`roots`: root element name -> shape id) with
 * saxes, building typed values in the same pass as the SAX events. An object element is
 * attached to its parent when it opens (siblings never overlap, so the parent's keys keep
 * document order), a scalar one when it closes and its value is known.
 */
export function parseWithShapes(roots: Readonly<Record<string, number>>, schema: string, text: string): unknown {
  if (typeof text !== 'string') throw new TypeError(`parseXML: text must be a string, got ${typeof text}`);
  const parser = new SaxesParser<{ position: false }>({ position: false });
  const stack: Frame[] = [];
  let result: unknown;
  let done = false;
  const attrNames: string[] = [];
  const attrValues: string[] = [];
  let nAttrs = 0;

  parser.on('error', (e) => {
    throw new XMLError(stack.length ? stack[stack.length - 1]!.path : '/', 'well-formed XML', e.message);
  });

  parser.on('attribute', (a) => {
    attrNames[nAttrs] = a.name;
    attrValues[nAttrs++] = a.value;
  });

  parser.on('opentag', (t) => {
    const tag = t as SaxesTagPlain;
    const name = tag.name;
    const n = nAttrs;
    nAttrs = 0;
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
      if (obj !== null) readAttrs(sh, attrNames, attrValues, n, obj, f);
      stack.push(f);
      return;
    }
    const pobj = top.obj;
    if (top.node !== null) {
      const node = genericNode(tag);
      top.node.children.push(node);
      stack.push(new Frame(null, null, node, null, top, name, 0));
      return;
    }
    if (pobj === null) {
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
      addExtra(pobj, node);
      stack.push(new Frame(null, null, node, null, top, name, 0));
      return;
    }
    const prop = slot.prop;
    const prev = pobj[prop] as unknown[] | undefined;
    if (!slot.repeat && prev !== undefined) throw new XMLError(`${top.path}/${name}`, `one <${name}> only`);
    const sh = slot.sh ?? (slot.sh = shape(slot.shape));
    if (sh.scalar) {
      const index = slot.repeat ? (prev === undefined ? 1 : prev.length + 1) : 0;
      if (n > 0) {
        // Attributes the schema does not give this scalar element: keep it as it is.
        stack.push(new Frame(null, null, genericNode(tag), slot, top, name, index));
      } else {
        stack.push(new Frame(sh, null, null, slot, top, name, index));
      }
      return;
    }
    const obj: Record<string, unknown> = {};
    let index = 0;
    if (!slot.repeat) pobj[prop] = obj;
    else if (prev === undefined) {
      pobj[prop] = [obj];
      index = 1;
    } else {
      index = prev.push(obj);
    }
    const f = new Frame(sh, obj, null, slot, top, name, index);
    readAttrs(sh, attrNames, attrValues, n, obj, f);
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
    const parent = stack[stack.length - 1];
    if (f.obj !== null) {
      finishObject(f);
      if (parent === undefined) {
        result = f.obj;
        done = true;
      }
      return;
    }
    const value = f.node ?? scalarValue(f);
    if (parent === undefined) {
      result = value;
      done = true;
      return;
    }
    const slot = f.slot;
    if (slot === null) return; // an unknown element, already attached to its parent
    const pobj = parent.obj!;
    if (f.node !== null) {
      addExtra(pobj, f.node); // a known element in a form the schema does not describe
    } else if (slot.repeat) {
      const arr = pobj[slot.prop] as unknown[] | undefined;
      if (arr === undefined) pobj[slot.prop] = [value];
      else arr.push(value);
    } else {
      pobj[slot.prop] = value;
    }
  });

  parser.write(text).close();
  if (!done) throw new XMLError('/', 'a complete XML document');
  return result;
}
