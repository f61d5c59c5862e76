import { describe, expect, it } from 'vitest';
import {
  parseRetryAfterMs,
  platformErrorFromResponse,
  summarizeErrorBody,
} from '../../../src/platform/error-mapping.ts';

describe('summarizeErrorBody', () => {
  it('reads errorCode at the top level (real 429 body, ringcentral-api.md §5)', () => {
    const s = summarizeErrorBody({ errorCode: 'CMN-301', message: 'Request rate exceeded', errors: [{ errorCode: 'CMN-301', message: 'Request rate exceeded' }] });
    expect(s).toEqual({ errorCode: 'CMN-301', message: 'Request rate exceeded' });
  });
  it('falls back to errors[0] when there is no top-level code (spec ApiErrorResponseModel)', () => {
    expect(summarizeErrorBody({ errors: [{ errorCode: 'CMN-419', message: 'needs EditUserInfo' }] })).toEqual({ errorCode: 'CMN-419', message: 'needs EditUserInfo' });
  });
  it('reads the OAuth error and its description', () => {
    expect(summarizeErrorBody({ error: 'invalid_grant', error_description: 'Token not found', errors: [{ errorCode: 'OAU-213', message: 'Token not found' }] })).toEqual({
      errorCode: 'OAU-213',
      oauthError: 'invalid_grant',
      message: 'Token not found',
    });
  });
  it('copes with bodies that are not objects', () => {
    expect(summarizeErrorBody(undefined)).toEqual({});
    expect(summarizeErrorBody('<html>')).toEqual({});
  });
});

describe('platformErrorFromResponse', () => {
  const map = (status: number, body: unknown, onBotToken = false) => platformErrorFromResponse(status, body, { onBotToken, what: 'call' });

  it.each([
    [404, { errorCode: 'CMN-102', message: 'Resource for parameter [extensionId] is not found' }, 'not-found'],
    [403, { errors: [{ errorCode: 'CMN-419', message: 'x' }] }, 'forbidden'],
    [403, { errorCode: 'SUB-406', message: 'x' }, 'forbidden'],
    [415, { errorCode: 'ACT-330', message: 'Unsupported image content type' }, 'bad-request'],
    [400, { errorCode: 'ACT-334', message: 'more than 12 megapixel' }, 'bad-request'],
    [401, { errorCode: 'OAU-128', message: 'Access token expired' }, 'unauthorized'],
    [400, { error: 'invalid_grant', errors: [{ errorCode: 'OAU-213', message: 'Token not found' }] }, 'unauthorized'],
    [400, { error: 'invalid_request', errors: [{ errorCode: 'OAU-250', message: 'Unsupported grant type' }] }, 'bad-request'],
    [429, { errorCode: 'CMN-301', message: 'Request rate exceeded' }, 'rate-limited'],
    [503, undefined, 'unavailable'],
    [502, '<html>bad gateway</html>', 'unavailable'],
  ] as const)('HTTP %i %j → %s', (status, body, kind) => {
    const e = map(status, body);
    expect(e.kind).toBe(kind);
    expect(e.details.status).toBe(status);
  });

  it('OAU-232 and CMN-405 on the bot token mean the bot was removed', () => {
    expect(map(401, { errorCode: 'CMN-405', message: 'Login to extension required' }, true).kind).toBe('bot-removed');
    expect(map(400, { errors: [{ errorCode: 'OAU-232', message: 'Extension not found' }] }, true).kind).toBe('bot-removed');
  });
  it('the same codes on a person’s token are an ordinary authorization failure', () => {
    expect(map(401, { errorCode: 'CMN-405', message: 'Login to extension required' }, false).kind).toBe('unauthorized');
  });
  it('keeps the error code and says what failed', () => {
    const e = map(404, { errorCode: 'CMN-102', message: 'not found' });
    expect(e.details.errorCode).toBe('CMN-102');
    expect(e.message).toContain('call: HTTP 404 CMN-102');
  });
});

describe('parseRetryAfterMs', () => {
  it('reads delta seconds, fractions included', () => {
    expect(parseRetryAfterMs('30', 0)).toBe(30_000);
    expect(parseRetryAfterMs('0.25', 0)).toBe(250);
  });
  it('reads an HTTP date relative to now', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfterMs('Thu, 01 Jan 2026 00:00:10 GMT', now)).toBe(10_000);
  });
  it('answers undefined when absent or unreadable', () => {
    expect(parseRetryAfterMs(null, 0)).toBeUndefined();
    expect(parseRetryAfterMs('', 0)).toBeUndefined();
    expect(parseRetryAfterMs('soon', 0)).toBeUndefined();
  });
});
