/**
 * AES-256-GCM sealing of small secrets (user tokens, PKCE verifiers) at rest.
 * Format: `v1.<iv>.<tag>.<ciphertext>`, each part base64url; 12-byte random IV, 16-byte tag.
 */
import crypto from 'node:crypto';

export interface TokenCipher {
  /** Encrypts UTF-8 text; `aad` (optional) binds the result to a context such as the extension id. */
  seal(plaintext: string, aad?: string): string;
  /** Decrypts what `seal` produced with the same key and aad; throws on tampering or a wrong key. */
  open(sealed: string, aad?: string): string;
}

/** Creates a cipher for a 32-byte key. Throws RangeError for any other key length. */
export function createTokenCipher(key: Buffer): TokenCipher {
  if (key.length !== 32) throw new RangeError(`TOKEN_ENCRYPTION_KEY must be 32 bytes, got ${key.length}`);
  const k = Buffer.from(key);
  return {
    seal(plaintext, aad) {
      const iv = crypto.randomBytes(12);
      const c = crypto.createCipheriv('aes-256-gcm', k, iv);
      if (aad !== undefined) c.setAAD(Buffer.from(aad, 'utf8'));
      const ct = Buffer.concat([c.update(plaintext, 'utf8'), c.final()]);
      return ['v1', iv.toString('base64url'), c.getAuthTag().toString('base64url'), ct.toString('base64url')].join('.');
    },
    open(sealed, aad) {
      const parts = sealed.split('.');
      if (parts.length !== 4 || parts[0] !== 'v1') throw new Error('sealed value has an unknown format');
      const [, ivB, tagB, ctB] = parts as [string, string, string, string];
      const d = crypto.createDecipheriv('aes-256-gcm', k, Buffer.from(ivB, 'base64url'));
      if (aad !== undefined) d.setAAD(Buffer.from(aad, 'utf8'));
      d.setAuthTag(Buffer.from(tagB, 'base64url'));
      return Buffer.concat([d.update(Buffer.from(ctB, 'base64url')), d.final()]).toString('utf8');
    },
  };
}
