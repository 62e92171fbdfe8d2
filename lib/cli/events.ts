// `virtkit events`: lifecycle events of every domain, one line each, until Ctrl-C.
import type { Connect } from '../libvirt/classes.js';
import { events } from '../libvirt/events.js';
import { json, lifecycleNames } from './format.js';

export async function watchEvents(conn: Connect, asJson: boolean): Promise<void> {
  const ac = new AbortController();
  const stop = () => ac.abort();
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  // A daemon that dies or restarts ends the command with an error instead of silence.
  let lost: Error | null = null;
  const reasons = ['error', 'end of file', 'keepalive timeout', 'client'];
  await conn.setKeepAlive(5, 3).catch(() => {}); // local drivers refuse: fine
  const closeCb = await conn
    .registerCloseCallback((_c, reason) => {
      lost = new Error(`connection closed (${reasons[reason] ?? reason})`);
      stop();
    })
    .then(() => true, () => false);
  try {
    if (!asJson) process.stderr.write('Watching domain lifecycle events; Ctrl-C stops.\n');
    for await (const e of events(conn, 'domain', { eventID: 'lifecycle', signal: ac.signal })) {
      const [type, detail] = lifecycleNames(e.args[0] as number, e.args[1] as number);
      const dom = e.object as { getName(): string; getUUIDString(): string; free?(): void };
      const name = dom.getName();
      const time = new Date().toISOString();
      if (asJson) {
        process.stdout.write(
          json({ time, domain: name, uuid: dom.getUUIDString(), event: type, detail, eventCode: e.args[0], detailCode: e.args[1] }) + '\n',
        );
      } else {
        process.stdout.write(`${time}  ${name}  ${type} (${detail})\n`);
      }
    }
    if (lost) throw lost;
  } finally {
    if (closeCb) await conn.unregisterCloseCallback().catch(() => {});
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}
