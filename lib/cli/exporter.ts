// `virtkit exporter`: serves /metrics until SIGTERM or SIGINT, then closes and exits 0.
import { createExporter } from '../exporter/index.js';

export interface ExporterCommandOptions {
  listen: string;
  uris: string[];
  timeoutMs?: number;
}

/** Runs the exporter until a termination signal; resolves after a clean close. */
export async function runExporter(o: ExporterCommandOptions, log: (line: string) => void): Promise<void> {
  const exporter = await createExporter({ connect: o.uris, listen: o.listen, timeoutMs: o.timeoutMs });
  log(`virtkit exporter: serving ${exporter.url} for ${o.uris.join(', ')}`);
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
      resolve();
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
  await exporter.close();
}
