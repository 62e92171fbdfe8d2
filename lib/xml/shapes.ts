import { SHAPES } from './generated/tables.js';
import { acceptsEmpty, reader, valueType, type Reader } from './values.js';

/** An attribute slot of a shape: its XML name, property name and value types. */
export interface AttrSlot {
  name: string;
  prop: string;
  types: number[];
  read: Reader;
  /** How a value is read: 0 as it is (free text), 1 `set` first (one enumeration), 2 `read`. */
  kind: 0 | 1 | 2;
  set: Set<string> | null;
  required: boolean;
}

/** A child slot of a shape: its XML name, property name, shape and multiplicity. */
export interface KidSlot {
  name: string;
  prop: string;
  shape: number;
  repeat: boolean;
  required: boolean;
  /** The compiled shape, cached by the parser (shapes compile lazily: the grammar is recursive). */
  sh: Shape | undefined;
}

/**
 * Finds a slot by name. Names come from the parser as fresh strings, whose hashing costs more
 * than comparing a few: a short list is searched, a long one hashed. Child elements try the
 * last one found first (repeated siblings); an element's attributes all differ.
 */
export class SlotIndex<T extends { name: string }> {
  private readonly map: Map<string, T> | null;
  private last: T | undefined;
  constructor(private readonly list: T[], private readonly remember: boolean) {
    this.map = list.length > 8 ? new Map(list.map((s) => [s.name, s])) : null;
    this.last = remember ? list[0] : undefined;
  }

  get(name: string): T | undefined {
    const last = this.last;
    if (last !== undefined && last.name === name) return last;
    let found: T | undefined;
    if (this.map !== null) {
      found = this.map.get(name);
    } else {
      const l = this.list;
      for (let i = 0; i < l.length; i++) {
        if (l[i]!.name === name) {
          found = l[i];
          break;
        }
      }
    }
    if (found !== undefined && this.remember) this.last = found;
    return found;
  }
}

/** An element shape compiled from its table row, with lookup maps. */
export interface Shape {
  name: string;
  attrs: AttrSlot[];
  kids: KidSlot[];
  attrMap: SlotIndex<AttrSlot>;
  kidMap: SlotIndex<KidSlot>;
  reqAttrs: AttrSlot[];
  reqKids: KidSlot[];
  /** Value types of the text, or null when the element has none. */
  text: number[] | null;
  /** The reader of the text's value types (free text when the element has none). */
  readText: Reader;
  scalar: boolean;
  textOptional: boolean;
  /** Whether an empty scalar element reads as `''`. */
  emptyOk: boolean;
  /** The namespace URI of an element of a libvirt extension namespace. */
  ns: string | undefined;
}

const compiled: (Shape | undefined)[] = new Array(SHAPES.length);

function compile(id: number): Shape {
  const [name, attrRows, kidRows, text, flags, ns] = SHAPES[id]!;
  const kidNames = new Set(kidRows.map((k) => k[0]));
  // An attribute sharing its name with a child element is '@name'; the element keeps 'name'.
  const attrs = attrRows.map(([n, types, req]): AttrSlot => {
    const t = types.length === 1 ? valueType(types[0]!) : null;
    return {
      name: n, prop: kidNames.has(n) ? `@${n}` : n, types, read: reader(types),
      kind: t?.k === 's' ? 0 : t?.k === 'e' ? 1 : 2, set: t?.k === 'e' ? t.set : null, required: req === 1,
    };
  });
  const kids = kidRows.map(([n, shape, rep, req]): KidSlot => ({
    name: n, prop: n, shape, repeat: rep === 1, required: req === 1, sh: undefined,
  }));
  return {
    name, attrs, kids,
    attrMap: new SlotIndex(attrs, false),
    kidMap: new SlotIndex(kids, true),
    reqAttrs: attrs.filter((a) => a.required),
    reqKids: kids.filter((k) => k.required),
    text: text === 0 ? null : text,
    readText: reader(text === 0 ? [] : text),
    scalar: (flags & 1) === 1,
    textOptional: (flags & 2) === 2,
    emptyOk: (flags & 2) === 2 || (text !== 0 && acceptsEmpty(text)),
    ns,
  };
}

/** The compiled shape of table id `id`. */
export function shape(id: number): Shape {
  return compiled[id] ?? (compiled[id] = compile(id));
}

/** How many shapes the tables hold. */
export const SHAPE_COUNT = SHAPES.length;
