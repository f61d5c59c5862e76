/**
 * A person's authorization (src/users): the sign-in `state` is single use and expires after
 * AUTHORIZATION_TTL_MS; a sign-in as another person is refused and its tokens revoked; stored
 * tokens are sealed. The platform is a small recording fake (no network); the store is real SQLite.
 */
import crypto from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { AUTHORIZATION_TTL_MS, createUserAuthorization } from '../../../src/users/user-authorization.ts';
import { createEncryptedTokenVault } from '../../../src/users/encrypted-token-vault.ts';
import { createTokenCipher } from '../../../src/users/token-cipher.ts';
import { openStore } from '../../../src/store/open-store.ts';
import type { RingCentralPlatform, UserTokens } from '../../../src/platform/ringcentral-client.ts';
import { BotError } from '../../../src/errors.ts';
import { tempDatabase } from '../../helpers/temp-database.ts';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function world(signedInAs: string) {
  const db = tempDatabase();
  const store = await openStore(db.url);
  cleanups.push(db.cleanup, () => store.close());
  const cipher = createTokenCipher(crypto.randomBytes(32));
  let now = 1_000_000;
  const vault = createEncryptedTokenVault(store, cipher, () => now);
  const revoked: string[] = [];
  const exchanged: Array<{ code: string; codeVerifier: string }> = [];
  const tokens: UserTokens = { accessToken: 'AT-secret-1', refreshToken: 'RT-secret-1', accessExpiresAt: now + 3_600_000 };
  const platform = {
    userAuthorizeUrl: (p: { state: string; codeChallenge: string }) => `https://rc.example/authorize?state=${p.state}&code_challenge=${p.codeChallenge}`,
    exchangeUserCode: async (p: { code: string; codeVerifier: string }) => {
      exchanged.push(p);
      return { extensionId: signedInAs, tokens };
    },
    revokeUserToken: async (t: string) => void revoked.push(t),
  } as unknown as RingCentralPlatform;
  const auth = createUserAuthorization({ platform, vault, store, cipher, redirectUri: () => 'https://bot.example/oauth/user', now: () => now });
  return { auth, store, vault, revoked, exchanged, tick: (ms: number) => (now += ms) };
}

const stateOf = (url: string) => new URL(url).searchParams.get('state')!;

describe('createUserAuthorization', () => {
  it('state is single use; the PKCE verifier matches the challenge; tokens are stored sealed', async () => {
    const w = await world('42');
    const { authorizeUrl } = await w.auth.begin({ extensionId: '42', chatId: 'c1', request: { kind: 'set-avatar' } });
    const done = await w.auth.complete({ state: stateOf(authorizeUrl), code: 'code-1' });
    expect(done).toEqual({ extensionId: '42', chatId: 'c1', request: { kind: 'set-avatar' } });
    const challenge = crypto.createHash('sha256').update(w.exchanged[0]!.codeVerifier).digest('base64url');
    expect(new URL(authorizeUrl).searchParams.get('code_challenge')).toBe(challenge);
    expect(await w.vault.load('42')).toMatchObject({ accessToken: 'AT-secret-1' });
    expect(await w.store.getSealedUserTokens('42')).not.toContain('AT-secret-1');
    await expect(w.auth.complete({ state: stateOf(authorizeUrl), code: 'code-1' })).rejects.toMatchObject({ code: 'OAUTH_STATE_INVALID', status: 400 });
    expect(w.exchanged).toHaveLength(1);
  });

  it('an expired state is refused without any code exchange', async () => {
    const w = await world('42');
    const { authorizeUrl } = await w.auth.begin({ extensionId: '42', chatId: 'c1', request: {} });
    w.tick(AUTHORIZATION_TTL_MS + 1);
    await expect(w.auth.complete({ state: stateOf(authorizeUrl), code: 'code-1' })).rejects.toBeInstanceOf(BotError);
    expect(w.exchanged).toHaveLength(0);
  });

  it('a sign-in as someone else is refused, nothing is stored, the issued token is revoked', async () => {
    const w = await world('99');
    const { authorizeUrl } = await w.auth.begin({ extensionId: '42', chatId: 'c1', request: {} });
    await expect(w.auth.complete({ state: stateOf(authorizeUrl), code: 'code-1' })).rejects.toMatchObject({ code: 'OAUTH_WRONG_PERSON', status: 403 });
    expect(w.revoked).toEqual(['RT-secret-1']);
    expect(await w.vault.load('99')).toBeUndefined();
    expect(await w.vault.load('42')).toBeUndefined();
  });

  it('forget me cancels pending sign-ins', async () => {
    const w = await world('42');
    const { authorizeUrl } = await w.auth.begin({ extensionId: '42', chatId: 'c1', request: {} });
    expect(await w.auth.forget('42')).toBe(false);
    await expect(w.auth.complete({ state: stateOf(authorizeUrl), code: 'code-1' })).rejects.toMatchObject({ code: 'OAUTH_STATE_INVALID' });
  });
});
