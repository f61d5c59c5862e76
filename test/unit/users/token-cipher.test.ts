import { describe, expect, it, afterEach } from 'vitest';
import crypto from 'node:crypto';
import { createTokenCipher } from '../../../src/users/token-cipher.ts';
import { createEncryptedTokenVault } from '../../../src/users/encrypted-token-vault.ts';
import { codeChallengeOf, createPkcePair, createState } from '../../../src/users/pkce.ts';
import { openStore } from '../../../src/store/open-store.ts';
import { tempDatabase } from '../../helpers/temp-database.ts';

const key = crypto.randomBytes(32);

describe('createTokenCipher', () => {
  it('round-trips and never stores the plaintext', () => {
    const c = createTokenCipher(key);
    const sealed = c.seal('access-token-123', 'ctx');
    expect(sealed).toMatch(/^v1\./);
    expect(sealed).not.toContain('access-token-123');
    expect(c.open(sealed, 'ctx')).toBe('access-token-123');
    expect(c.seal('same', 'ctx')).not.toBe(c.seal('same', 'ctx'));
  });

  it('refuses a tampered value, another key, or another context', () => {
    const c = createTokenCipher(key);
    const sealed = c.seal('secret', 'ext-1');
    const parts = sealed.split('.');
    const ct = Buffer.from(parts[3]!, 'base64url');
    ct[0] = ct[0]! ^ 1;
    parts[3] = ct.toString('base64url');
    expect(() => c.open(parts.join('.'), 'ext-1')).toThrow();
    expect(() => createTokenCipher(crypto.randomBytes(32)).open(sealed, 'ext-1')).toThrow();
    expect(() => c.open(sealed, 'ext-2')).toThrow();
  });

  it('needs a 32-byte key', () => {
    expect(() => createTokenCipher(Buffer.alloc(16))).toThrow(RangeError);
  });
});

describe('createEncryptedTokenVault', () => {
  const db = tempDatabase();
  afterEach(() => undefined);

  it('saves sealed tokens and loads them back; a wrong key loads nothing', async () => {
    const store = await openStore(db.url);
    try {
      const vault = createEncryptedTokenVault(store, createTokenCipher(key));
      const tokens = { accessToken: 'AT', refreshToken: 'RT', accessExpiresAt: 10, refreshExpiresAt: 20 };
      await vault.save('42', tokens);
      expect(await store.getSealedUserTokens('42')).not.toContain('AT');
      expect(await vault.load('42')).toEqual(tokens);
      expect(await createEncryptedTokenVault(store, createTokenCipher(crypto.randomBytes(32))).load('42')).toBeUndefined();
      await vault.remove('42');
      expect(await vault.load('42')).toBeUndefined();
    } finally {
      await store.close();
      db.cleanup();
    }
  });
});

describe('PKCE', () => {
  it('computes the RFC 7636 S256 challenge', () => {
    // Appendix B of RFC 7636
    expect(codeChallengeOf('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk')).toBe('E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM');
    const p = createPkcePair();
    expect(p.codeVerifier).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(p.codeChallenge).toBe(codeChallengeOf(p.codeVerifier));
    expect(createState()).not.toBe(createState());
  });
});
