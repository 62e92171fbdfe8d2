/**
 * What the labels of the block and interface families need from a domain's live XML and bulk
 * stats do not carry: each disk's `<source file>` and each interface's `<source bridge>`, keyed
 * by target device. A small scanner, not a general XML parser: libvirt writes these documents
 * itself, one element per tag, attributes quoted.
 */

/** Labels found in one domain's XML. */
export interface DeviceLabels {
  /** Disk target (`vda`) → `<source file=...>` ('' for a disk without a file source). */
  diskSource: Map<string, string>;
  /** Interface target (`vnet0`) → `<source bridge=...>` ('' when there is none). */
  ifaceBridge: Map<string, string>;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function unescapeXml(s: string): string {
  if (!s.includes('&')) return s;
  return s.replace(/&(amp|lt|gt|quot|apos|#x[0-9a-fA-F]+|#[0-9]+);/g, (_, e: string) => {
    if (e[0] !== '#') return ENTITIES[e];
    return String.fromCodePoint(e[1] === 'x' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10));
  });
}

/** The value of attribute `name` in one start tag's text, or null. */
function attr(tag: string, name: string): string | null {
  const m = new RegExp(`\\s${name}\\s*=\\s*(?:'([^']*)'|"([^"]*)")`).exec(tag);
  return m ? unescapeXml(m[1] ?? m[2]) : null;
}

/** The first direct `<name ...>` start tag inside `body`, or null. */
function firstTag(body: string, name: string): string | null {
  const m = new RegExp(`<${name}(?=[\\s/>])[^>]*>`).exec(body);
  return m ? m[0] : null;
}

/** Every `<name ...>...</name>` (or self-closed) element under `<devices>`. */
function elements(devices: string, name: string): string[] {
  const out: string[] = [];
  const re = new RegExp(`<${name}(?=[\\s/>])[^>]*?(?:/>|>[\\s\\S]*?</${name}>)`, 'g');
  for (let m = re.exec(devices); m; m = re.exec(devices)) out.push(m[0]);
  return out;
}

/** Disk sources and interface bridges by target device, from `Domain#getXMLDesc()`. */
export function deviceLabels(xml: string): DeviceLabels {
  const start = xml.indexOf('<devices>');
  const end = xml.lastIndexOf('</devices>');
  const devices = start >= 0 && end > start ? xml.slice(start, end) : '';
  const diskSource = new Map<string, string>();
  for (const disk of elements(devices, 'disk')) {
    const target = firstTag(disk, 'target');
    const dev = target && attr(target, 'dev');
    if (!dev) continue;
    const source = firstTag(disk, 'source');
    diskSource.set(dev, (source && attr(source, 'file')) ?? '');
  }
  const ifaceBridge = new Map<string, string>();
  for (const iface of elements(devices, 'interface')) {
    const target = firstTag(iface, 'target');
    const dev = target && attr(target, 'dev');
    if (!dev) continue;
    const source = firstTag(iface, 'source');
    ifaceBridge.set(dev, (source && attr(source, 'bridge')) ?? '');
  }
  return { diskSource, ifaceBridge };
}
