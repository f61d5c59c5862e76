import { describe, expect, it } from 'vitest';
import { captureLogger } from '../../helpers/capture-logger.ts';

describe('createLogger redaction', () => {
  it('never writes tokens, Authorization headers, codes or secrets', () => {
    const { logger, text, lines } = captureLogger('debug');
    logger.info({ access_token: 'AT-1', refresh_token: 'RT-1', accessToken: 'AT-2', code: 'CODE-1', clientSecret: 'CS-1' }, 'top level');
    logger.info({ tokens: { accessToken: 'AT-3', refreshToken: 'RT-2' }, body: { access_token: 'AT-4' } }, 'nested');
    logger.info({ req: { headers: { authorization: 'Bearer AT-5', 'verification-token': 'VT-1', 'x-glip-signature': 'sha1=abc' } } }, 'request');
    logger.child({ eventUuid: 'u-1' }).info({ query: { code: 'CODE-2', state: 's' } }, 'child');
    const out = text();
    for (const secret of ['AT-1', 'RT-1', 'AT-2', 'CODE-1', 'CS-1', 'AT-3', 'RT-2', 'AT-4', 'AT-5', 'VT-1', 'sha1=abc', 'CODE-2']) {
      expect(out).not.toContain(secret);
    }
    expect(out).toContain('[redacted]');
    expect(lines.find((l) => l.msg === 'child')).toMatchObject({ eventUuid: 'u-1', query: { state: 's' } });
  });

  it('keeps error codes readable', () => {
    const { logger, lines } = captureLogger('debug');
    const err = Object.assign(new Error('boom'), { code: 'WEBHOOK_UNVERIFIED' });
    logger.error({ err, ref: 'ABCDEFGH' }, 'failed');
    expect(lines[0]).toMatchObject({ ref: 'ABCDEFGH', err: { code: 'WEBHOOK_UNVERIFIED', message: 'boom' } });
  });
});
