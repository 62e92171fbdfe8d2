/** The exporter's listen address: `HOST:PORT`, `[IPv6]:PORT`, or `:PORT` (every interface). */
export interface ListenAddress {
  /** Host name or address; '' for every interface. */
  host: string;
  port: number;
}

/** Parses and checks a listen address; a bad one is a `TypeError`/`RangeError` naming it. */
export function parseListen(v: string | ListenAddress): ListenAddress {
  let host: string;
  let port: unknown;
  if (typeof v === 'string') {
    const m = /^(?:\[([^\]]*)\]|([^:[\]]*)):([0-9]+)$/.exec(v);
    if (!m) throw new TypeError(`listen address must be HOST:PORT, [IPv6]:PORT or :PORT, not '${v}'`);
    host = m[1] ?? m[2];
    port = Number(m[3]);
  } else if (v !== null && typeof v === 'object') {
    host = v.host ?? '';
    port = v.port;
    if (typeof host !== 'string') throw new TypeError('listen host must be a string');
  } else {
    throw new TypeError('listen must be a HOST:PORT string or { host, port }');
  }
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new RangeError(`listen port must be an integer from 0 to 65535, not '${String(port)}'`);
  }
  return { host, port };
}
