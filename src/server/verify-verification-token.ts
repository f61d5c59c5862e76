/**
 * Constant-time check of the `Verification-Token` header RingCentral sends with every WebHook
 * notification (docs/ringcentral-notes.md §3 "Verification token on each notification").
 */
import crypto from 'node:crypto';

/** True when `received` equals `expected`; compares SHA-256 digests so lengths leak nothing. */
export function verifyVerificationToken(received: string | undefined, expected: string): boolean {
  if (!received || !expected) return false;
  const a = crypto.createHash('sha256').update(received, 'utf8').digest();
  const b = crypto.createHash('sha256').update(expected, 'utf8').digest();
  return crypto.timingSafeEqual(a, b);
}
