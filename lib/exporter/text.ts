/**
 * The Prometheus text exposition format (version 0.0.4), written directly: one `# HELP` and
 * `# TYPE` per family, then its samples. Building the page as strings costs a fraction of what a
 * metrics registry (prom-client) spends on label hashing and per-sample objects for values
 * that are thrown away after each scrape (the exporter benchmark measures both).
 */

/** The `Content-Type` of a `/metrics` answer. */
export const CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

export type FamilyType = 'gauge' | 'counter';

/** A metric family: its name, help text and type. */
export interface Family {
  name: string;
  help: string;
  type: FamilyType;
}

/** A label value escaped as the text format requires (backslash, double quote, newline). */
export function escapeLabel(v: string): string {
  if (!/[\\"\n]/.test(v)) return v;
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function escapeHelp(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

/** A sample value: integers (bigint) exactly, other numbers in JS notation, NaN/Inf as Prometheus spells them. */
export function formatValue(v: number | bigint): string {
  if (typeof v === 'bigint') return v.toString();
  if (Number.isFinite(v)) return String(v);
  if (Number.isNaN(v)) return 'NaN';
  return v > 0 ? '+Inf' : '-Inf';
}

/**
 * Collects samples per family, in the order families were declared, and writes the page.
 * Label sets are passed pre-rendered (`a="x",b="y"`, already escaped) because the same
 * domain labels repeat in every family of that domain.
 */
export class TextPage {
  private readonly lines = new Map<Family, string[]>();

  constructor(families: readonly Family[]) {
    for (const f of families) this.lines.set(f, []);
  }

  /** Adds one sample; `labels` is the rendered label set without braces ('' for none). */
  add(family: Family, labels: string, value: number | bigint): void {
    const l = this.lines.get(family);
    if (!l) throw new Error(`exporter: family ${family.name} was not declared`);
    l.push(labels === '' ? `${family.name} ${formatValue(value)}` : `${family.name}{${labels}} ${formatValue(value)}`);
  }

  /** The page: families without samples are left out. */
  toString(): string {
    let out = '';
    for (const [f, l] of this.lines) {
      if (l.length === 0) continue;
      out += `# HELP ${f.name} ${escapeHelp(f.help)}\n# TYPE ${f.name} ${f.type}\n${l.join('\n')}\n`;
    }
    return out;
  }
}
