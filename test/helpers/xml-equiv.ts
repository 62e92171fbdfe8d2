// Document equivalence for libvirt XML round trips: the same elements, attributes and values;
// attribute order, whitespace between elements, whitespace around text, and the order of
// siblings with different names (libvirt's <interleave>) are ignored. Siblings of the same
// name keep their order (the second disk stays the second disk).
import { SaxesParser, type SaxesTagPlain } from 'saxes';

interface Node {
  name: string;
  attrs: Record<string, string>;
  kids: Node[];
  text: string;
}

function tree(xml: string): Node {
  const p = new SaxesParser();
  const root: Node = { name: '#root', attrs: {}, kids: [], text: '' };
  const stack = [root];
  p.on('opentag', (t) => {
    const tag = t as SaxesTagPlain;
    const n: Node = { name: tag.name, attrs: { ...tag.attributes }, kids: [], text: '' };
    stack[stack.length - 1]!.kids.push(n);
    stack.push(n);
  });
  p.on('closetag', () => void stack.pop());
  p.on('text', (t) => (stack[stack.length - 1]!.text += t));
  p.on('cdata', (t) => (stack[stack.length - 1]!.text += t));
  p.write(xml).close();
  return root.kids[0]!;
}

function canon(n: Node): unknown {
  const attrs = Object.keys(n.attrs).sort().map((k) => [k, n.attrs[k]]);
  // A stable sort by name: interleaved siblings in any order, same-name siblings in order.
  const kids = [...n.kids].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)).map(canon);
  return [n.name, attrs, n.text.trim(), kids];
}

/** The first difference between two documents, or null when they are equivalent. */
export function xmlDifference(a: string, b: string): string | null {
  return diff(canon(tree(a)), canon(tree(b)), '');
}

function diff(a: unknown, b: unknown, path: string): string | null {
  const [an, aa, at, ak] = a as [string, [string, string][], string, unknown[]];
  const [bn, ba, bt, bk] = b as [string, [string, string][], string, unknown[]];
  const here = `${path}/${an}`;
  if (an !== bn) return `${path}: element <${an}> vs <${bn}>`;
  if (JSON.stringify(aa) !== JSON.stringify(ba)) return `${here}: attributes ${JSON.stringify(aa)} vs ${JSON.stringify(ba)}`;
  if (at !== bt) return `${here}: text ${JSON.stringify(at)} vs ${JSON.stringify(bt)}`;
  if (ak.length !== bk.length) {
    const names = (k: unknown[]) => k.map((x) => (x as [string])[0]).join(',');
    return `${here}: children [${names(ak)}] vs [${names(bk)}]`;
  }
  for (let i = 0; i < ak.length; i++) {
    const d = diff(ak[i], bk[i], here);
    if (d) return d;
  }
  return null;
}
