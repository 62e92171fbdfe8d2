// A plain element tree for the osinfo-db files (not libvirt documents, so outside the typed
// XML layer), built from saxes events.
import { SaxesParser } from 'saxes';

/** One element: name, attributes, child elements and its own text. */
export interface El {
  name: string;
  attrs: Record<string, string>;
  children: El[];
  text: string;
}

/** The document's root element. Throws saxes' error on text that is not XML. */
export function parseTree(xml: string): El {
  const parser = new SaxesParser<{ position: false }>({ position: false });
  const top: El = { name: '', attrs: {}, children: [], text: '' };
  const stack = [top];
  parser.on('opentag', (t) => {
    const el: El = { name: t.name, attrs: t.attributes as Record<string, string>, children: [], text: '' };
    stack[stack.length - 1].children.push(el);
    stack.push(el);
  });
  parser.on('closetag', () => void stack.pop());
  parser.on('text', (t) => void (stack[stack.length - 1].text += t));
  parser.on('cdata', (t) => void (stack[stack.length - 1].text += t));
  parser.write(xml).close();
  return top.children[0];
}

export function child(n: El | undefined, name: string): El | undefined {
  return n?.children.find((k) => k.name === name);
}

export function children(n: El | undefined, name: string): El[] {
  return n ? n.children.filter((k) => k.name === name) : [];
}
