/**
 * A person's tokens: refresh when expired or on 401, exactly one refresh for concurrent calls,
 * the rotated pair saved to the vault before it is used, refusal → vault entry removed.
 */
import nock from 'nock';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { createRingCentralPlatform } from '../../../src/platform/create-ringcentral-platform.ts';
import type { UserTokens } from '../../../src/platform/ringcentral-client.ts';
import { SERVER, lockDownNetwork, memoryVault, recordingLogger } from './platform-test-kit.ts';

const NOW = Date.parse('2026-03-02T10:00:00Z');
const basic = `Basic ${Buffer.from('client-id:client-secret').toString('base64')}`;

function setup(tokens: UserTokens | undefined) {
  const vault = memoryVault(tokens ? { '42': tokens } : {});
  const logger = recordingLogger();
  const platform = createRingCentralPlatform({
    serverUrl: SERVER,
    clientId: 'client-id',
    clientSecret: 'client-secret',
    vault,
    logger,
    clock: () => NOW,
    retry: { maxAttempts: 2, defaultRetryAfterMs: 1 },
  });
  return { vault, platform, logger };
}

const expired: UserTokens = { accessToken: 'OLD-AT', refreshToken: 'OLD-RT', accessExpiresAt: NOW - 1000, refreshExpiresAt: NOW + 86_400_000 };
const fresh: UserTokens = { accessToken: 'AT-1', refreshToken: 'RT-1', accessExpiresAt: NOW + 3_600_000, refreshExpiresAt: NOW + 86_400_000 };

beforeAll(lockDownNetwork);
afterEach(() => nock.cleanAll());

describe('user token refresh', () => {
  it('five concurrent calls with an expired token cause exactly one refresh, saved before use', async () => {
    const { vault, platform } = setup(expired);
    const tokenScope = nock(SERVER)
      .post('/restapi/oauth/token', { grant_type: 'refresh_token', refresh_token: 'OLD-RT' })
      .matchHeader('authorization', basic)
      .once()
      .reply(200, { access_token: 'NEW-AT', refresh_token: 'NEW-RT', token_type: 'bearer', expires_in: 3600, refresh_token_expires_in: 604800, scope: 'EditExtensions' });
    const vaultAtUse: string[] = [];
    const apiScope = nock(SERVER)
      .get('/restapi/v1.0/account/~/extension/~')
      .matchHeader('authorization', /^bearer NEW-AT$/i)
      .times(5)
      .reply(() => {
        vaultAtUse.push(vault.data.get('42')?.accessToken ?? 'none');
        return [200, { id: 42 }];
      });
    const client = platform.user('42');
    const results = await Promise.all([1, 2, 3, 4, 5].map(() => client.getOwnExtension()));
    tokenScope.done();
    apiScope.done();
    expect(results.map((r) => r.id)).toEqual([42, 42, 42, 42, 42]);
    expect(vault.events).toEqual(['save:NEW-AT']);
    expect(vaultAtUse).toEqual(['NEW-AT', 'NEW-AT', 'NEW-AT', 'NEW-AT', 'NEW-AT']);
    expect(vault.data.get('42')).toMatchObject({ accessToken: 'NEW-AT', refreshToken: 'NEW-RT', accessExpiresAt: NOW + 3_600_000, refreshExpiresAt: NOW + 604_800_000 });
  });

  it('keeps a person’s session while a refresh is under way even past maxUserSessions', async () => {
    const vault = memoryVault({ '42': expired, '43': fresh });
    const platform = createRingCentralPlatform({ serverUrl: SERVER, clientId: 'client-id', clientSecret: 'client-secret', vault, logger: recordingLogger(), clock: () => NOW, maxUserSessions: 1 });
    const scope = nock(SERVER)
      .post('/restapi/oauth/token')
      .once()
      .delay(150)
      .reply(200, { access_token: 'NEW-AT', refresh_token: 'NEW-RT', expires_in: 3600, refresh_token_expires_in: 604800 })
      .get('/restapi/v1.0/account/~/extension/~')
      .times(3)
      .reply(200, { id: 42 });
    const refreshSent = new Promise<void>((resolve) => {
      scope.on('request', (req: { path?: string }) => {
        if (req.path === '/restapi/oauth/token') resolve();
      });
    });
    const first = [platform.user('42').getOwnExtension(), platform.user('42').getOwnExtension()];
    await refreshSent; // the refresh is now in flight (its answer is delayed 150 ms)
    platform.user('43'); // over the limit: the idle sessions go, the refreshing one stays
    const third = platform.user('42').getOwnExtension();
    await Promise.all([...first, third]);
    scope.done();
    expect(vault.events).toEqual(['save:NEW-AT']);
  });

  it('a 401 on a token that looked valid refreshes once and sends the call again', async () => {
    const { vault, platform } = setup(fresh);
    const scope = nock(SERVER)
      .get('/restapi/v1.0/account/~/extension/~')
      .matchHeader('authorization', /^bearer AT-1$/i)
      .reply(401, { errorCode: 'OAU-128', message: 'Access token expired' })
      .post('/restapi/oauth/token', { grant_type: 'refresh_token', refresh_token: 'RT-1' })
      .reply(200, { access_token: 'AT-2', refresh_token: 'RT-2', expires_in: 3600, refresh_token_expires_in: 604800 })
      .get('/restapi/v1.0/account/~/extension/~')
      .matchHeader('authorization', /^bearer AT-2$/i)
      .reply(200, { id: 42 });
    const me = await platform.user('42').getOwnExtension();
    scope.done();
    expect(me.id).toBe(42);
    expect(vault.events).toEqual(['save:AT-2']);
  });

  it('a refused refresh (invalid_grant) removes the vault entry and throws kind unauthorized', async () => {
    const { vault, platform } = setup(expired);
    const scope = nock(SERVER)
      .post('/restapi/oauth/token')
      .reply(400, { error: 'invalid_grant', error_description: 'Token not found', errors: [{ errorCode: 'OAU-213', message: 'Token not found' }] });
    await expect(platform.user('42').getOwnExtension()).rejects.toMatchObject({ kind: 'unauthorized' });
    scope.done();
    expect(vault.events).toEqual(['remove']);
    expect(vault.data.has('42')).toBe(false);
  });

  it('a refresh refused because another instance used the refresh token first takes that instance’s stored set', async () => {
    const { vault, platform } = setup(expired);
    const other: UserTokens = { accessToken: 'OTHER-AT', refreshToken: 'OTHER-RT', accessExpiresAt: NOW + 3_600_000, refreshExpiresAt: NOW + 86_400_000 };
    const scope = nock(SERVER)
      .post('/restapi/oauth/token')
      .reply(() => {
        vault.data.set('42', other); // the other instance's rotated pair lands in the shared store
        return [400, { error: 'invalid_grant', errors: [{ errorCode: 'OAU-213', message: 'Token not found' }] }];
      })
      .get('/restapi/v1.0/account/~/extension/~')
      .matchHeader('authorization', 'bearer OTHER-AT')
      .reply(200, { id: 42, name: 'P' });
    await expect(platform.user('42').getOwnExtension()).resolves.toMatchObject({ id: 42 });
    scope.done();
    expect(vault.events).toEqual([]);
    expect(vault.data.get('42')).toEqual(other);
  });

  it('a refresh that hits a lasting 429 keeps the tokens (the person need not sign in again)', async () => {
    const { vault, platform } = setup(expired);
    const scope = nock(SERVER).post('/restapi/oauth/token').times(2).reply(429, { errorCode: 'CMN-301', message: 'Request rate exceeded' }, { 'Retry-After': '0' });
    await expect(platform.user('42').getOwnExtension()).rejects.toMatchObject({ kind: 'rate-limited' });
    scope.done();
    expect(vault.events).toEqual([]);
    expect(vault.data.get('42')?.refreshToken).toBe('OLD-RT');
  });

  it('an expired refresh token needs no call: the entry is removed and kind is unauthorized', async () => {
    const { vault, platform } = setup({ ...expired, refreshExpiresAt: NOW - 1 });
    await expect(platform.user('42').getOwnExtension()).rejects.toMatchObject({ kind: 'unauthorized' });
    expect(vault.events).toEqual(['remove']);
  });

  it('no stored tokens → kind unauthorized without any call', async () => {
    const { platform } = setup(undefined);
    await expect(platform.user('42').getOwnExtension()).rejects.toMatchObject({ kind: 'unauthorized' });
  });

  it('revoke sends the refresh token once with client auth and swallows errors', async () => {
    const { platform, vault } = setup(fresh);
    const scope = nock(SERVER).post('/restapi/oauth/revoke', { token: 'RT-1' }).matchHeader('authorization', basic).once().reply(503, '');
    await expect(platform.user('42').revoke()).resolves.toBeUndefined();
    scope.done();
    expect(vault.data.has('42')).toBe(true); // the caller deletes stored tokens
  });
});

describe('authorization code + PKCE', () => {
  it('builds an S256 authorize URL with the caller’s challenge', () => {
    const { platform } = setup(undefined);
    const verifier = 'a'.repeat(43);
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const url = new URL(platform.userAuthorizeUrl({ state: 'st-1', codeChallenge: challenge, redirectUri: 'https://bot.example/oauth/user' }));
    expect(url.origin + url.pathname).toBe(`${SERVER}/restapi/oauth/authorize`);
    expect(Object.fromEntries(url.searchParams)).toEqual({
      response_type: 'code',
      client_id: 'client-id',
      redirect_uri: 'https://bot.example/oauth/user',
      state: 'st-1',
      code_challenge: challenge,
      code_challenge_method: 'S256',
    });
  });

  it('exchanges the code with code_verifier and client auth; the extension id is owner_id', async () => {
    const { platform, vault } = setup(undefined);
    const scope = nock(SERVER)
      .post('/restapi/oauth/token', { grant_type: 'authorization_code', code: 'C0DE', redirect_uri: 'https://bot.example/oauth/user', code_verifier: 'VERIFIER' })
      .matchHeader('authorization', basic)
      .matchHeader('content-type', /application\/x-www-form-urlencoded/)
      .reply(200, { access_token: 'AT', refresh_token: 'RT', token_type: 'bearer', expires_in: 3600, refresh_token_expires_in: 604800, owner_id: '42', scope: 'EditExtensions ReadAccounts' });
    const r = await platform.exchangeUserCode({ code: 'C0DE', codeVerifier: 'VERIFIER', redirectUri: 'https://bot.example/oauth/user' });
    scope.done();
    expect(r).toEqual({
      extensionId: '42',
      tokens: { accessToken: 'AT', refreshToken: 'RT', accessExpiresAt: NOW + 3_600_000, refreshExpiresAt: NOW + 604_800_000, scope: 'EditExtensions ReadAccounts' },
    });
    expect(vault.events).toEqual([]); // storing is the caller's job
  });

  it('code exchanges are not paced under one shared identity (each counts against the person who signed in)', async () => {
    const waits: number[] = [];
    let t = NOW;
    const platform = createRingCentralPlatform({
      serverUrl: SERVER,
      clientId: 'client-id',
      clientSecret: 'client-secret',
      vault: memoryVault(),
      logger: recordingLogger(),
      clock: () => t,
      sleep: async (ms) => {
        waits.push(ms);
        t += ms;
      },
    });
    const reply = (owner: string) => [200, { access_token: `AT-${owner}`, refresh_token: 'RT', expires_in: 3600, owner_id: owner }, { 'X-Rate-Limit-Group': 'auth', 'X-Rate-Limit-Limit': '5', 'X-Rate-Limit-Remaining': '0', 'X-Rate-Limit-Window': '60' }] as const;
    const scope = nock(SERVER)
      .post('/restapi/oauth/token', (b: Record<string, string>) => b.code === 'A')
      .reply(...reply('1'))
      .post('/restapi/oauth/token', (b: Record<string, string>) => b.code === 'B')
      .reply(429, { errorCode: 'CMN-301', message: 'Request rate exceeded' }, { 'Retry-After': '0' })
      .post('/restapi/oauth/token', (b: Record<string, string>) => b.code === 'B')
      .reply(...reply('2'));
    const a = await platform.exchangeUserCode({ code: 'A', codeVerifier: 'v', redirectUri: 'https://bot.example/oauth/user' });
    const b = await platform.exchangeUserCode({ code: 'B', codeVerifier: 'v', redirectUri: 'https://bot.example/oauth/user' });
    scope.done();
    expect([a.extensionId, b.extensionId]).toEqual(['1', '2']);
    expect(waits).toEqual([0]); // only B's Retry-After; a shared pacer would also have held B for the 60 s window
  });

  it('a bad code is kind unauthorized', async () => {
    const { platform } = setup(undefined);
    const scope = nock(SERVER).post('/restapi/oauth/token').reply(400, { error: 'invalid_grant', error_description: 'Authorization code is invalid', errors: [{ errorCode: 'OAU-109', message: 'x' }] });
    await expect(platform.exchangeUserCode({ code: 'bad', codeVerifier: 'v', redirectUri: 'https://bot.example/oauth/user' })).rejects.toMatchObject({ kind: 'unauthorized', details: { errorCode: 'OAU-109' } });
    scope.done();
  });

  it('public bot install: the code becomes the bot token', async () => {
    const { platform } = setup(undefined);
    const scope = nock(SERVER)
      .post('/restapi/oauth/token', { grant_type: 'authorization_code', code: 'BOTCODE', redirect_uri: 'https://bot.example/oauth' })
      .matchHeader('authorization', basic)
      .reply(200, { access_token: 'BOT-AT', token_type: 'bearer', expires_in: 2147483647, owner_id: '9001' });
    await expect(platform.exchangeBotInstallCode('BOTCODE', 'https://bot.example/oauth')).resolves.toEqual({ accessToken: 'BOT-AT' });
    scope.done();
  });
});
