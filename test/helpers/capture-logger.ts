/** A pino logger that records every line as parsed JSON, for asserting what was logged. */
import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../../src/logger.ts';

export function captureLogger(level = 'debug'): { logger: Logger; lines: Array<Record<string, unknown>>; text: () => string } {
  const lines: Array<Record<string, unknown>> = [];
  const raw: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const l of chunk.toString('utf8').split('\n').filter(Boolean)) {
        raw.push(l);
        lines.push(JSON.parse(l) as Record<string, unknown>);
      }
      cb();
    },
  });
  return { logger: createLogger({ level, destination: stream }), lines, text: () => raw.join('\n') };
}
