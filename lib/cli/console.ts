// `virtkit console <domain>`: the guest's console on this terminal (raw), until
// Ctrl-] detaches, the guest closes it, or (without a terminal) stdin ends.
import type { Domain } from '../libvirt/classes.js';

const ESCAPE = 0x1d; // Ctrl-]

export interface ConsoleCliOptions {
  force: boolean;
  devName: string | null;
  /** Status lines as JSON on stderr. */
  json: boolean;
}

export async function attachConsole(dom: Domain, opts: ConsoleCliOptions): Promise<void> {
  const name = dom.getName();
  const status = (event: string, text: string) =>
    process.stderr.write(opts.json ? JSON.stringify({ event, domain: name }) + '\n' : text);
  const stream = await dom.console(opts.devName, { force: opts.force });
  const stdin = process.stdin;
  const stdout = process.stdout;
  status('connected', `Connected to domain '${name}'\r\nEscape character is ^] (Ctrl + ])\r\n`);
  let raw = false;
  if (stdin.isTTY) {
    stdin.setRawMode(true);
    raw = true;
  }
  await new Promise<void>((resolve, reject) => {
    let done = false;
    const finish = (err?: Error | null, why = 'detached') => {
      if (done) return;
      done = true;
      stdin.off('data', onInput);
      stdin.off('end', onEnd);
      stdin.pause();
      if (raw) stdin.setRawMode(false);
      stream.off('data', onOutput);
      if (!err) status(why, why === 'closed' ? '\r\nConsole closed by the guest\r\n' : '\r\n');
      stream.destroy();
      if (err) reject(err);
      else resolve();
    };
    const onInput = (chunk: Buffer) => {
      const i = chunk.indexOf(ESCAPE);
      if (i >= 0) {
        if (i > 0) stream.write(chunk.subarray(0, i));
        finish();
      } else stream.write(chunk);
    };
    const onOutput = (chunk: Buffer) => {
      if (!stdout.write(chunk)) {
        stream.pause();
        stdout.once('drain', () => stream.resume());
      }
    };
    const onEnd = () => {
      // Without a terminal: stdin's end detaches, after what was written went out.
      stream.write(Buffer.alloc(0), () => setTimeout(() => finish(), 200));
    };
    stdin.on('data', onInput);
    stdin.on('end', onEnd);
    stream.on('data', onOutput);
    stream.once('end', () => finish(null, 'closed'));
    stream.once('error', (e) => finish(e));
    stdin.resume();
  });
}
