/**
 * PKCE (RFC 7636) with the S256 method, and random `state` values.
 */
import crypto from 'node:crypto';

/** A code verifier (43 base64url characters from 32 random bytes) and its S256 challenge. */
export function createPkcePair(): { codeVerifier: string; codeChallenge: string } {
  const codeVerifier = crypto.randomBytes(32).toString('base64url');
  return { codeVerifier, codeChallenge: codeChallengeOf(codeVerifier) };
}

/** BASE64URL(SHA-256(verifier)), RFC 7636 §4.2. */
export function codeChallengeOf(codeVerifier: string): string {
  return crypto.createHash('sha256').update(codeVerifier, 'ascii').digest('base64url');
}

/** An unguessable single-use `state` (32 base64url characters). */
export function createState(): string {
  return crypto.randomBytes(24).toString('base64url');
}
