// How the command reports errors and connection trouble: one text line, or with
// --json one JSON object (`{code, codeName, message}`) on stderr.
import { LibvirtError, type ReconnectingConnection } from '../libvirt/index.js';
import { json } from './format.js';

function oneLine(s: string): string {
  return s.replace(/\s*\n\s*/g, ' ').trim();
}

/** `virtkit: <message> (<codeName>)`, one line. */
export function errorLine(e: unknown): string {
  const { codeName, message } = describe(e);
  const shown = e instanceof LibvirtError || typeof (e as { code?: unknown } | null)?.code === 'string';
  return `virtkit: ${message}${shown && codeName ? ` (${codeName})` : ''}`;
}

/**
 * `{"code": …, "codeName": …, "message": …}`: libvirt's numeric code and its C name
 * (`VIR_ERR_NO_DOMAIN`); for other errors `code` is null and `codeName` the Node error
 * code (`ENOENT`) or the error's class (`UsageError`, `ConnectionClosedError`).
 */
export function errorJSON(e: unknown): string {
  return json(describe(e));
}

function describe(e: unknown): { code: number | null; codeName: string; message: string } {
  if (e instanceof LibvirtError) {
    const codeName = e.codeName || (e as { virtkitCode?: string }).virtkitCode || '';
    return { code: typeof e.code === 'number' ? e.code : null, codeName, message: oneLine(e.message) };
  }
  const err = e as { message?: unknown; code?: unknown; name?: unknown } | null;
  const message = oneLine(typeof err?.message === 'string' ? err.message : String(e));
  const codeName = typeof err?.code === 'string' ? err.code : typeof err?.name === 'string' ? err.name : 'Error';
  return { code: null, codeName, message };
}

/** Tells the user (stderr) when a long-running command lost its connection and got it back. */
export function reconnectNotices(rc: ReconnectingConnection, asJson: boolean): void {
  const say = (o: Record<string, unknown>, text: string): void => {
    process.stderr.write((asJson ? json(o) : `virtkit: ${text}`) + '\n');
  };
  rc.on('disconnect', (reason, name) => say({ notice: 'disconnected', reason, reasonName: name }, `connection to ${rc.uri} lost (${name}); reconnecting`));
  rc.on('reconnect', (_c, attempts) => say({ notice: 'reconnected', attempts }, `reconnected to ${rc.uri}`));
}
