/**
 * `X-Glip-Signature` on Adaptive Card submissions: HMAC-SHA1 of the raw request body keyed with
 * the app's shared secret (docs/ringcentral-notes.md §6). The docs show `sha1=<hex>`,
 * the official sample compares a bare hex digest; both are accepted.
 */
import crypto from 'node:crypto';

/** True when `header` carries the HMAC-SHA1 of `rawBody` under `secret`; timing-safe. */
export function verifyGlipSignature(rawBody: Buffer, header: string | undefined, secret: string): boolean {
  if (!header || !secret) return false;
  const hex = header.trim().replace(/^sha1=/i, '').toLowerCase();
  if (!/^[0-9a-f]{40}$/.test(hex)) return false;
  const expected = crypto.createHmac('sha1', secret).update(rawBody).digest();
  return crypto.timingSafeEqual(Buffer.from(hex, 'hex'), expected);
}

/** The header value for a body (`sha1=<hex>`), for tests and the demo. */
export function signGlipBody(rawBody: Buffer | string, secret: string): string {
  return `sha1=${crypto.createHmac('sha1', secret).update(rawBody).digest('hex')}`;
}
