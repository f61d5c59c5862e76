import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, logFormatFor } from '../../../src/logger.ts';

function sink() {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      chunks.push(chunk.toString());
      cb();
    },
  });
  return { stream, text: () => chunks.join('') };
}

describe('log format', () => {
  it('is pretty only on a terminal outside production', () => {
    expect(logFormatFor({ isTTY: true, nodeEnv: 'development' })).toBe('pretty');
    expect(logFormatFor({ isTTY: true, nodeEnv: 'test' })).toBe('pretty');
    expect(logFormatFor({ isTTY: true, nodeEnv: 'production' })).toBe('json');
    expect(logFormatFor({ isTTY: false, nodeEnv: 'development' })).toBe('json');
    expect(logFormatFor({ isTTY: undefined, nodeEnv: 'development' })).toBe('json');
  });

  it('pretty lines are human-readable and still redact secrets', async () => {
    const out = sink();
    const logger = createLogger({ level: 'info', format: 'pretty', destination: out.stream });
    logger.info({ accessToken: 'AT-SECRET-1', chatId: '42' }, 'bot token installed');
    await new Promise<void>((resolve) => setImmediate(resolve));
    const text = out.text();
    expect(text).toMatch(/INFO.*bot token installed/);
    expect(text).toContain('chatId: "42"');
    expect(text).not.toContain('AT-SECRET-1');
    expect(text.trimStart().startsWith('{')).toBe(false);
  });

  it('json lines are one object each', async () => {
    const out = sink();
    const logger = createLogger({ level: 'info', format: 'json', destination: out.stream });
    logger.info({ chatId: '42' }, 'hello');
    await new Promise<void>((resolve) => setImmediate(resolve));
    expect(JSON.parse(out.text().trim())).toMatchObject({ level: 30, msg: 'hello', chatId: '42' });
  });
});
