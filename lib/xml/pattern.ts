/**
 * An XSD pattern, anchored, as JavaScript reads it. A third of libvirt's patterns are one
 * character class with a quantifier (`[a-zA-Z0-9\-_]+`): those check ASCII text with a table
 * of the class's ASCII characters, built by the class's own regular expression, and leave
 * other text to the whole regular expression (a class such as `\s` or `[^,]` also matches
 * characters above U+007F).
 */
export class Pattern {
  private constructor(
    private readonly re: RegExp,
    private readonly ascii: Uint8Array | null,
    private readonly min: number,
    private readonly max: number,
  ) {}

  /** The pattern of `src`, or null when JavaScript cannot compile it (then it is not checked). */
  static of(src: string | null): Pattern | null {
    if (src === null) return null;
    let re: RegExp;
    try {
      re = new RegExp(`^(?:${src})$`);
    } catch {
      return null;
    }
    const m = CLASS_QUANTIFIED.exec(src);
    if (m === null) return new Pattern(re, null, 0, 0);
    const one = new RegExp(`^${m[1]}$`);
    const ascii = new Uint8Array(128);
    for (let c = 0; c < 128; c++) ascii[c] = one.test(String.fromCharCode(c)) ? 1 : 0;
    const [min, max] = m[2] === '+' ? [1, Infinity] : m[2] === '*' ? [0, Infinity]
      : [Number(m[3]), m[4] === undefined ? Number(m[3]) : m[5] === '' ? Infinity : Number(m[5])];
    return new Pattern(re, ascii, min, max);
  }

  test(s: string): boolean {
    const ascii = this.ascii;
    if (ascii !== null) {
      const n = s.length;
      if (n < this.min || n > this.max) return false;
      let i = 0;
      for (; i < n; i++) {
        const c = s.charCodeAt(i);
        if (c > 127) break;
        if (ascii[c] === 0) return false;
      }
      if (i === n) return true;
    }
    return this.re.test(s);
  }
}

/** One bracketed class (no unescaped `]` inside), then `+`, `*`, `{n}`, `{n,}` or `{n,m}`. */
const CLASS_QUANTIFIED = /^(\[(?:\\.|[^\]\\])+\])(\+|\*|\{(\d+)(,(\d*))?\})$/;
