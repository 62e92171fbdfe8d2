// `virtkit events`: lifecycle events of every domain, one line each, until Ctrl-C.
// On a reconnecting connection a daemon restart is waited out and the events resume.
import type { Connect } from '../libvirt/classes.js';
import { events, type EventSource } from '../libvirt/events.js';
import { json, lifecycleNames } from './format.js';

export async function watchEvents(conn: Connect | EventSource, asJson: boolean): Promise<void> {
  const ac = new AbortController();
  const stop = () => ac.abort();
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  try {
    if (!asJson) process.stderr.write('Watching domain lifecycle events; Ctrl-C stops.\n');
    for await (const e of events(conn, 'domain', { eventID: 'lifecycle', signal: ac.signal })) {
      const [event, detail] = e.args;
      const [type, detailName] = lifecycleNames(event, detail);
      const dom = e.object;
      const name = dom.getName();
      const time = new Date().toISOString();
      if (asJson) {
        process.stdout.write(
          json({ time, domain: name, uuid: dom.getUUIDString(), event: type, detail: detailName, eventCode: event, detailCode: detail }) + '\n',
        );
      } else {
        process.stdout.write(`${time}  ${name}  ${type} (${detailName})\n`);
      }
    }
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}
