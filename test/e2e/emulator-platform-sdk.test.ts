import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Emulator } from '../../src/emulator/create-emulator.ts';
import { control, emulatorState, sdkFor, startEmulator, type EmulatorStateView } from './emulator-platform-helpers.ts';

/** The official @ringcentral/sdk 5.0.11 against the emulator over real sockets. */
describe('emulator platform: @ringcentral/sdk against the emulator', () => {
  let emu: Emulator;
  let view: EmulatorStateView;

  beforeAll(async () => {
    emu = await startEmulator({ seed: { users: 12 }, rateLimits: false });
    view = await emulatorState(emu);
  });
  afterAll(async () => {
    await emu.close();
  });

  async function tokenRequests(): Promise<number> {
    const r = await fetch(`${emu.url}/_emulator/requests`);
    const list = (await r.json()) as { path: string }[];
    return list.filter((x) => x.path === '/restapi/oauth/token').length;
  }

  it('logs in with a JWT and reads its own extension', async () => {
    const sdk = sdkFor(emu, view);
    const platform = sdk.platform();
    await platform.login({ jwt: view.adminJwt });
    const me = (await (await platform.get('/restapi/v1.0/account/~/extension/~')).json()) as {
      id: number;
      permissions: { admin: { enabled: boolean } };
    };
    const admin = view.users.find((u) => u.admin)!;
    expect(String(me.id)).toBe(admin.id);
    expect(me.permissions.admin.enabled).toBe(true);
    const auth = await platform.auth().data();
    expect(auth.token_type).toBe('bearer');
    expect(Number(auth.expires_in)).toBe(3600);
    expect(Number(auth.refresh_token_expires_in)).toBe(604800);
  });

  it('logs in with an authorization code and PKCE (S256) obtained through programmatic consent', async () => {
    const sdk = sdkFor(emu, view, { clientSecret: undefined, redirectUri: 'http://127.0.0.1:9/callback' });
    const platform = sdk.platform();
    const loginUrl = platform.loginUrl({ usePKCE: true, state: 'xyz-123' });
    expect(loginUrl).toContain('code_challenge_method=S256');
    const person = view.users.find((u) => !u.admin && u.status === 'Enabled')!;
    const consent = await control(emu, '/oauth/consent', { authorizeUrl: loginUrl, extensionId: person.id });
    expect(consent.status).toBe(200);
    const location = new URL(consent.body.location as string);
    expect(location.origin + location.pathname).toBe('http://127.0.0.1:9/callback');
    expect(location.searchParams.get('state')).toBe('xyz-123');
    expect(location.searchParams.get('expires_in')).toBe('60');
    const code = location.searchParams.get('code')!;
    await platform.login({ code, code_verifier: platform.codeVerifier });
    const me = (await (await platform.get('/restapi/v1.0/account/~/extension/~')).json()) as { id: number };
    expect(String(me.id)).toBe(person.id);
    // The code is single use.
    await expect(platform.login({ code, code_verifier: platform.codeVerifier })).rejects.toThrow(/invalid|used/i);
  });

  it('refreshes once for five concurrent calls, and the old refresh token is single use', async () => {
    const sdk = sdkFor(emu, view);
    const platform = sdk.platform();
    await platform.login({ jwt: view.adminJwt });
    const before = await platform.auth().data();
    // Make the SDK believe its access token has expired (it checks its own clock).
    await platform.auth().setData({ expire_time: Date.now() - 1000 });
    const tokenCallsBefore = await tokenRequests();
    const results = await Promise.all(
      Array.from({ length: 5 }, () => platform.get('/restapi/v1.0/account/~/extension/~').then((r) => r.status)),
    );
    expect(results).toEqual([200, 200, 200, 200, 200]);
    expect((await tokenRequests()) - tokenCallsBefore).toBe(1);
    const after = await platform.auth().data();
    expect(after.access_token).not.toBe(before.access_token);
    // Reusing the consumed refresh token within RingCentral's ~10 s grace gives the same new
    // tokens; later it fails with invalid_grant.
    const reuse = () =>
      fetch(`${emu.url}/restapi/oauth/token`, {
        method: 'POST',
        headers: {
          Authorization: `Basic ${Buffer.from(`${view.app.clientId}:${view.app.clientSecret}`).toString('base64')}`,
          'Content-Type': 'application/x-www-form-urlencoded',
        },
        body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: String(before.refresh_token) }),
      });
    const soon = await reuse();
    expect(soon.status).toBe(200);
    expect(((await soon.json()) as { access_token: string }).access_token).toBe(after.access_token);
    await control(emu, '/clock', { advanceMs: 11_000 });
    const r = await reuse();
    expect(r.status).toBe(400);
    expect(((await r.json()) as { error: string }).error).toBe('invalid_grant');
    // The old access token stopped working when it was refreshed.
    const old = await fetch(`${emu.url}/restapi/v1.0/account/~/extension/~`, { headers: { Authorization: `Bearer ${before.access_token}` } });
    expect(old.status).toBe(401);
  });

  it('answers OAU-128 for an expired access token, and the SDK refreshes and retries the call once', async () => {
    const sdk = sdkFor(emu, view);
    const platform = sdk.platform();
    await platform.login({ jwt: view.adminJwt });
    const events: string[] = [];
    platform.on(platform.events.refreshSuccess, () => events.push('refreshSuccess'));
    const seen: number[] = [];
    sdk.client().on(sdk.client().events.requestError, (e: { response?: { status: number } }) => seen.push(e.response?.status ?? 0));
    // 61 minutes later on the emulator's clock the access token (1 h) is expired; the refresh token (7 d) is not.
    await control(emu, '/clock', { advanceMs: 61 * 60_000 });
    const before = await tokenRequests();
    const r = await platform.get('/restapi/v1.0/account/~/extension/~');
    expect(r.status).toBe(200);
    expect(seen).toEqual([401]);
    expect(events).toEqual(['refreshSuccess']);
    expect((await tokenRequests()) - before).toBe(1);
  });

  it('retries a 401 only once: a second 401 reaches the caller', async () => {
    const sdk = sdkFor(emu, view);
    const platform = sdk.platform();
    await platform.login({ jwt: view.adminJwt });
    const before = await tokenRequests();
    await control(emu, '/faults', { method: 'GET', path: '/restapi/v1.0/account/~/extension/~', status: 401, errorCode: 'OAU-128', count: 2 });
    const err = await platform.get('/restapi/v1.0/account/~/extension/~').catch((e: { response?: Response }) => e);
    expect((err as { response?: Response }).response?.status).toBe(401);
    // One refresh between the two attempts, then the call succeeds again.
    expect((await tokenRequests()) - before).toBe(1);
    expect((await platform.get('/restapi/v1.0/account/~/extension/~')).status).toBe(200);
  });

  it('logs out: revoking ends the session, the token then gets 401 OAU-213', async () => {
    const sdk = sdkFor(emu, view);
    const platform = sdk.platform();
    await platform.login({ jwt: view.adminJwt });
    const { access_token } = await platform.auth().data();
    await platform.logout();
    const r = await fetch(`${emu.url}/restapi/v1.0/account/~/extension/~`, { headers: { Authorization: `bearer ${access_token}` } });
    expect(r.status).toBe(401);
    expect(((await r.json()) as { errorCode: string }).errorCode).toBe('OAU-213');
  });
});

describe('emulator platform: the SDK sees 429 with Retry-After', () => {
  let emu: Emulator;
  let view: EmulatorStateView;

  beforeAll(async () => {
    // 0.05 → 3 s windows and penalties, so Retry-After is 3 s (long enough that 40 quick
    // requests on a busy machine still land in one window).
    emu = await startEmulator({ seed: { users: 3 }, timeScale: 0.05 });
    view = await emulatorState(emu);
  });
  afterAll(async () => {
    await emu.close();
  });

  it('emits rateLimitError with retryAfter from the header, and handleRateLimit waits and succeeds', async () => {
    const sdk = sdkFor(emu, view);
    const platform = sdk.platform();
    await platform.login({ jwt: view.adminJwt });
    const rateErrors: number[] = [];
    platform.on(platform.events.rateLimitError, (e) => rateErrors.push((e as Error & { retryAfter: number }).retryAfter));
    // The extension list is in the Medium group: 40 per window.
    const statuses = await Promise.all(
      Array.from({ length: 40 }, () => platform.get('/restapi/v1.0/account/~/extension', { perPage: 1 }).then((r) => r.status)),
    );
    expect(new Set(statuses)).toEqual(new Set([200]));
    let caught: { response?: { status: number; headers: { get(n: string): string | null } } } | undefined;
    try {
      await platform.get('/restapi/v1.0/account/~/extension', { perPage: 1 });
    } catch (e) {
      caught = e as typeof caught;
    }
    expect(caught?.response?.status).toBe(429);
    expect(caught?.response?.headers.get('retry-after')).toBe('3');
    expect(caught?.response?.headers.get('x-rate-limit-group')).toBe('medium');
    expect(rateErrors).toEqual([3000]);
    // Another group is counted separately: the extension itself (Light) still works.
    expect((await platform.get('/restapi/v1.0/account/~/extension/~')).status).toBe(200);
    // With handleRateLimit the SDK sleeps Retry-After and the retry (after the penalty) succeeds.
    const res = await platform.send({ method: 'GET', url: '/restapi/v1.0/account/~/extension', query: { perPage: 1 }, handleRateLimit: true });
    expect(res.status).toBe(200);
    expect(rateErrors.length).toBe(2);
  });
});
