import { describe, expect, it } from 'vitest';
import { lazyChild } from '../../src/logger.ts';
import { captureLogger } from '../helpers/capture-logger.ts';

describe('lazyChild', () => {
  it('logs with its bindings and redacts like the parent at enabled levels', () => {
    const cap = captureLogger('warn');
    const log = lazyChild(cap.logger, { eventUuid: 'e-1' });
    log.info('not written');
    log.debug({ token: 'secret-1' }, 'not written either');
    log.warn({ token: 'secret-2' }, 'written');
    expect(cap.lines.map((l) => l.msg)).toEqual(['written']);
    expect(cap.lines[0]).toMatchObject({ eventUuid: 'e-1', token: '[redacted]' });
    expect(cap.text()).not.toContain('secret');
  });

  it('builds no child logger while nothing is logged at an enabled level', () => {
    const cap = captureLogger('warn');
    let children = 0;
    const parent = new Proxy(cap.logger, {
      get(t, p, r) {
        if (p === 'child') children++;
        return Reflect.get(t, p, r) as unknown;
      },
    });
    const log = lazyChild(parent, { eventUuid: 'e-2' });
    log.debug('quiet');
    log.info('quiet');
    expect(children).toBe(0);
    log.error('loud');
    expect(children).toBe(1);
  });
});
