/**
 * Constant-time check of the `Verification-Token` header RingCentral sends with every WebHook
 * notification (docs/ringcentral-notes.md §3 "Verification token on each notification").
 */
import crypto from 'node:crypto';

const digest = (s: string) => crypto.createHash('sha256').update(s, 'utf8').digest();
/** The last expected token and its digest: the bot has one, so it is hashed once, not per delivery. */
let expectedDigest: { token: string; digest: Buffer } | undefined;

/** True when `received` equals `expected`; compares SHA-256 digests so lengths leak nothing. */
export function verifyVerificationToken(received: string | undefined, expected: string): boolean {
  if (!received || !expected) return false;
  if (expectedDigest?.token !== expected) expectedDigest = { token: expected, digest: digest(expected) };
  return crypto.timingSafeEqual(digest(received), expectedDigest.digest);
}
