/**
 * A Prometheus exporter for libvirt: `createExporter(options)` serves the text format at
 * `/metrics`, one bulk-stats poll per host per scrape.
 *
 * ```ts
 * const exporter = await createExporter({ connect: ['qemu:///system'], listen: '127.0.0.1:9177' });
 * // ... later
 * await exporter.close();
 * ```
 *
 * The families and labels of Debian's `prometheus-libvirt-exporter` are kept (`libvirt_up`,
 * `libvirt_domains_number`, `libvirt_domain_info_*`, `libvirt_domain_state_code`,
 * `libvirt_domain_block_stats_*`, `libvirt_domain_interface_stats_*`), with the same values;
 * per-vCPU, balloon and extra block counters are added. Like the Go exporter, only active
 * domains are reported.
 * @packageDocumentation
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DEFAULT_POLL_STATS } from '../libvirt/poller.js';
import { HostPoller } from './host.js';
import { render } from './render.js';
import { parseListen, type ListenAddress } from './listen.js';
import { CONTENT_TYPE } from './text.js';

export { CONTENT_TYPE } from './text.js';
export { parseListen, type ListenAddress } from './listen.js';

export interface ExporterOptions {
  /** libvirt URIs to export (default `['qemu:///system']`). */
  connect?: string | readonly string[];
  /**
   * Where the HTTP server listens: `'HOST:PORT'` (`'[::1]:9177'` for IPv6; port 0 picks a free
   * one) or `{ host, port }`. Leave it out for no server: call {@link Exporter.scrape} yourself.
   */
  listen?: string | ListenAddress;
  /** How long a scrape waits for one host before reporting it `libvirt_up 0` (ms, default 5000). */
  timeoutMs?: number;
  /** Open the connections read-only (default true). */
  readOnly?: boolean;
  /** Add `host="<uri>"` to every sample (default: when there is more than one URI). */
  hostLabel?: boolean;
  /** The HTTP path of the page (default `/metrics`). */
  path?: string;
  /**
   * `VIR_DOMAIN_STATS_*` groups to ask (default `DEFAULT_POLL_STATS`: state, CPU, balloon,
   * vCPU, interface, block). Dropping `VIR_DOMAIN_STATS_VCPU` saves libvirtd most of its work
   * per scrape (QEMU's per-vCPU statistics) at the price of the `libvirt_domain_vcpu_*` families.
   */
  stats?: number;
}

export interface Exporter {
  /** The exported URIs, in order. */
  readonly uris: readonly string[];
  /** Where the server listens (the real port when 0 was asked), or null without a server. */
  readonly address: ListenAddress | null;
  /** `http://host:port/metrics`, or null without a server. */
  readonly url: string | null;
  /**
   * One scrape: the page as the server would answer it. Scrapes that overlap share one poll
   * (and one page). Never rejects for a host that is down: that host reads `libvirt_up 0`.
   */
  scrape(): Promise<string>;
  /** Stops the server (open keep-alive connections too) and closes the libvirt connections. */
  close(): Promise<void>;
}

function validate(o: ExporterOptions): { uris: string[]; timeoutMs: number; path: string; stats: number } {
  if (o === null || typeof o !== 'object') throw new TypeError('createExporter: options must be an object');
  const uris = o.connect === undefined ? ['qemu:///system'] : typeof o.connect === 'string' ? [o.connect] : [...o.connect];
  if (uris.length === 0) throw new RangeError('createExporter: connect needs at least one URI');
  for (const u of uris) {
    if (typeof u !== 'string' || u.length === 0) throw new TypeError('createExporter: every URI must be a non-empty string');
  }
  if (new Set(uris).size !== uris.length) throw new RangeError('createExporter: a URI is listed twice');
  const timeoutMs = o.timeoutMs ?? 5000;
  if (typeof timeoutMs !== 'number' || !Number.isFinite(timeoutMs) || timeoutMs <= 0 || timeoutMs > 2_147_483_647) {
    throw new RangeError('createExporter: timeoutMs must be a positive number of milliseconds');
  }
  const path = o.path ?? '/metrics';
  if (typeof path !== 'string' || !path.startsWith('/')) throw new TypeError("createExporter: path must start with '/'");
  for (const k of ['readOnly', 'hostLabel'] as const) {
    if (o[k] !== undefined && typeof o[k] !== 'boolean') throw new TypeError(`createExporter: ${k} must be a boolean`);
  }
  const stats = o.stats ?? DEFAULT_POLL_STATS;
  if (!Number.isInteger(stats) || stats <= 0) throw new RangeError('createExporter: stats must be a positive VIR_DOMAIN_STATS_* mask');
  return { uris, timeoutMs, path, stats };
}

/**
 * Creates an exporter and, when `listen` is given, starts its HTTP server (resolves once it
 * listens). Connections open on the first scrape. Bad options throw `TypeError`/`RangeError`;
 * a server that cannot listen rejects with Node's error (`EADDRINUSE`, ...).
 */
export async function createExporter(options: ExporterOptions = {}): Promise<Exporter> {
  const { uris, timeoutMs, path, stats } = validate(options);
  const listen = options.listen === undefined ? null : parseListen(options.listen);
  const hostLabel = options.hostLabel ?? uris.length > 1;
  const hosts = uris.map((u) => new HostPoller(u, options.readOnly ?? true, stats));
  let pending: Promise<string> | null = null;
  let closed = false;

  const scrape = (): Promise<string> => {
    if (closed) return Promise.reject(new Error('exporter: closed'));
    if (!pending) {
      const p = Promise.all(hosts.map((h) => h.collect(timeoutMs))).then((results) => render(results, hostLabel));
      pending = p;
      void p.then(
        () => void (pending === p && (pending = null)),
        () => void (pending === p && (pending = null)),
      );
    }
    return pending;
  };

  let server: Server | null = null;
  let address: ListenAddress | null = null;
  if (listen) {
    server = createServer((req, res) => handle(req, res, path, scrape));
    const s = server;
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.listen(listen.port, listen.host || undefined, () => {
        s.off('error', reject);
        resolve();
      });
    }).catch(async (e: unknown) => {
      await Promise.all(hosts.map((h) => h.close()));
      throw e;
    });
    const a = s.address() as AddressInfo;
    address = { host: a.address, port: a.port };
  }
  const url = address ? `http://${address.host.includes(':') ? `[${address.host}]` : address.host}:${address.port}${path}` : null;

  return {
    uris,
    address,
    url,
    scrape,
    async close() {
      if (closed) return;
      closed = true;
      if (server) {
        const s = server;
        const done = new Promise<void>((resolve) => s.close(() => resolve()));
        s.closeAllConnections();
        await done;
      }
      await Promise.all(hosts.map((h) => h.close()));
    },
  };
}

function handle(req: IncomingMessage, res: ServerResponse, path: string, scrape: () => Promise<string>): void {
  const url = (req.url ?? '/').split('?')[0];
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain' }).end('method not allowed\n');
    return;
  }
  if (url === '/' && path !== '/') {
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end(`<html><head><title>virtkit exporter</title></head><body><a href="${path}">Metrics</a></body></html>\n`);
    return;
  }
  if (url !== path) {
    res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found\n');
    return;
  }
  scrape().then(
    (text) => {
      res.writeHead(200, { 'Content-Type': CONTENT_TYPE, 'Content-Length': Buffer.byteLength(text) });
      res.end(req.method === 'HEAD' ? undefined : text);
    },
    (e: unknown) => {
      if (res.headersSent) return;
      res.writeHead(503, { 'Content-Type': 'text/plain' }).end(`${(e as Error)?.message ?? String(e)}\n`);
    },
  );
}
