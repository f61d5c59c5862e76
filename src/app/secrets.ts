/**
 * Step "secrets": the cipher that seals tokens at rest and the WebHook verification token.
 */
import crypto from 'node:crypto';
import type { Config } from '../config.ts';
import type { Logger } from '../logger.ts';
import type { Store } from '../store/store.ts';
import { SETTING_ENCRYPTION_KEY, SETTING_VERIFICATION_TOKEN } from '../store/setting-keys.ts';
import { createTokenCipher, type TokenCipher } from '../users/token-cipher.ts';

/**
 * The token cipher: TOKEN_ENCRYPTION_KEY, or in demo mode a key generated once and kept in the
 * store. Throws outside demo mode when the key is missing (config refuses that earlier).
 */
export async function tokenCipherFor(config: Config, store: Store, logger: Logger): Promise<TokenCipher> {
  if (config.tokenEncryptionKey) return createTokenCipher(config.tokenEncryptionKey);
  if (config.mode !== 'demo') throw new Error('TOKEN_ENCRYPTION_KEY is required outside demo mode');
  let b64 = await store.getSetting(SETTING_ENCRYPTION_KEY);
  if (!b64) {
    b64 = crypto.randomBytes(32).toString('base64');
    await store.setSetting(SETTING_ENCRYPTION_KEY, b64);
    logger.info('demo mode: generated a token encryption key');
  }
  logger.warn('demo mode: the token encryption key is stored in the same database as the tokens it protects; outside demo mode set TOKEN_ENCRYPTION_KEY');
  return createTokenCipher(Buffer.from(b64, 'base64'));
}

/**
 * WEBHOOK_VERIFICATION_TOKEN, else the one generated on an earlier start (kept sealed: whoever
 * reads it could forge deliveries), else a new one. A value stored in plain text by an older
 * version is sealed now.
 */
export async function verificationTokenFor(config: Config, store: Store, cipher: TokenCipher): Promise<string> {
  if (config.webhookVerificationToken) return config.webhookVerificationToken;
  const stored = await store.getSetting(SETTING_VERIFICATION_TOKEN);
  if (stored?.startsWith('v1.')) {
    try {
      return cipher.open(stored, 'webhook-verification-token');
    } catch {
      // the key changed: a new token below (the subscription made with the old one is replaced)
    }
  }
  const token = stored && !stored.startsWith('v1.') ? stored : crypto.randomBytes(24).toString('base64url');
  await store.setSetting(SETTING_VERIFICATION_TOKEN, cipher.seal(token, 'webhook-verification-token'));
  return token;
}
