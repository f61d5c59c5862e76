import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { bodyParser } from '@koa/bodyparser';
import Koa from 'koa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Emulator } from '../../src/emulator/create-emulator.ts';
import { control, emulatorState, errorCodeOf, startEmulator, testImage, tokenFor, type EmulatorStateView } from './emulator-platform-helpers.ts';

/** A real koa receiver standing in for the bot's `/oauth` route. */
async function startReceiver(status = 200): Promise<{ url: string; received: { type: string; body: Record<string, string> }[]; close(): Promise<void> }> {
  const received: { type: string; body: Record<string, string> }[] = [];
  const app = new Koa();
  app.use(bodyParser({ enableTypes: ['json', 'form'] }));
  app.use((ctx) => {
    received.push({ type: ctx.get('Content-Type'), body: ctx.request.body as Record<string, string> });
    ctx.status = status;
    ctx.body = '';
  });
  // eslint-disable-next-line @typescript-eslint/no-misused-promises -- koa's callback settles its own errors (ctx.onerror); it never rejects
  const server = http.createServer(app.callback());
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/oauth`,
    received,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

describe('emulator platform: control API', () => {
  let emu: Emulator;
  let view: EmulatorStateView;

  beforeAll(async () => {
    emu = await startEmulator({ rateLimits: false });
  });
  afterAll(async () => {
    await emu.close();
  });

  it('reset seeds deterministically and clears state in place, emitting reset on the bus', async () => {
    let resets = 0;
    emu.state.bus.on('reset', () => resets++);
    const extensionsMap = emu.state.extensions;
    const a = await control(emu, '/reset', { seed: { users: 25, withPhotoRatio: 0.6 } });
    expect(a.status).toBe(200);
    const b = await control(emu, '/reset', { seed: { users: 25, withPhotoRatio: 0.6 } });
    expect(b.body.users).toEqual(a.body.users);
    expect(resets).toBe(2);
    expect(emu.state.extensions).toBe(extensionsMap);
    view = b.body as EmulatorStateView;
    expect(view.users).toHaveLength(25);
    expect(view.users.filter((u) => u.admin)).toHaveLength(1);
    const withPhoto = view.users.filter((u) => u.hasPhoto).length;
    expect(withPhoto).toBeGreaterThan(8);
    expect(withPhoto).toBeLessThan(22);
    expect(new Set(view.users.map((u) => u.status))).toEqual(new Set(['Enabled', 'Disabled', 'NotActivated', 'Unassigned']));
    expect(new Set(view.users.map((u) => u.email)).size).toBe(25);
    expect(Object.keys(b.body).sort()).toEqual(expect.arrayContaining(['accountId', 'app', 'adminJwt', 'users', 'chats', 'subscriptions']));
    expect(b.body.app).toEqual({ clientId: emu.state.app.clientId, clientSecret: emu.state.app.clientSecret });
    // Wiping: a token issued before a reset no longer works.
    const t = await tokenFor(emu, view);
    await control(emu, '/reset', { seed: { users: 25, withPhotoRatio: 0.6 } });
    const r = await fetch(`${emu.url}/restapi/v1.0/account/~/extension/~`, { headers: { Authorization: `Bearer ${t}` } });
    expect(r.status).toBe(401);
    expect((await control(emu, '/reset', { seed: { users: 0 } })).status).toBe(400);
    await control(emu, '/reset', { seed: { users: 25, withPhotoRatio: 0.6 } });
  });

  it('adds an extension with a photo; a bad photo is refused with its error code', async () => {
    const photo = (await testImage(50, 50)).toString('base64');
    const r = await control(emu, '/extensions', { firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.com', admin: true, photoBase64: photo });
    expect(r.status).toBe(201);
    expect(r.body.contact).toMatchObject({ firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.com' });
    expect(r.body.permissions.admin.enabled).toBe(true);
    expect(r.body.profileImage.scales).toHaveLength(3);
    const state = await emulatorState(emu);
    expect(state.users.find((u) => u.email === 'ada@example.com')).toMatchObject({ admin: true, hasPhoto: true });
    const bad = await control(emu, '/extensions', { firstName: 'Bad', photoBase64: Buffer.from('hello').toString('base64') });
    expect([bad.status, bad.body.errorCode]).toEqual([400, 'ACT-330']);
    expect((await control(emu, '/extensions', { firstName: 'X', type: 'Robot' })).status).toBe(400);
  });

  it('records requests with method, path, status, group and caller; faults fail or stall the next N matching calls', async () => {
    await fetch(`${emu.url}/_emulator/requests`, { method: 'DELETE' });
    const t = await tokenFor(emu, view);
    const admin = view.users.find((u) => u.admin)!;
    const f = await control(emu, '/faults', { method: 'GET', path: '/restapi/v1.0/account/~/extension/~', status: 503, count: 2 });
    expect(f.status).toBe(201);
    const get = () => fetch(`${emu.url}/restapi/v1.0/account/~/extension/~`, { headers: { Authorization: `Bearer ${t}` } });
    const first = await get();
    expect([first.status, await errorCodeOf(first)]).toEqual([503, 'CMN-211']);
    expect((await get()).status).toBe(503);
    expect((await get()).status).toBe(200);
    await control(emu, '/faults', { path: '*', status: 429, errorCode: 'CMN-301', retryAfterSeconds: 7, count: 1 });
    const limited = await get();
    expect([limited.status, limited.headers.get('retry-after')]).toEqual([429, '7']);
    await control(emu, '/faults', { path: '/restapi/v1.0/account/~/extension', delayMs: 300, count: 1 });
    const started = Date.now();
    expect((await get()).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    const recorded = (await (await fetch(`${emu.url}/_emulator/requests`)).json()) as Record<string, unknown>[];
    expect(recorded[0]).toMatchObject({ method: 'POST', path: '/restapi/oauth/token', status: 200, group: 'Auth' });
    expect(recorded.slice(1).map((x) => x.status)).toEqual([503, 503, 200, 429, 200]);
    expect(recorded[3]).toMatchObject({ method: 'GET', path: '/restapi/v1.0/account/~/extension/~', group: 'Light', callerExtensionId: admin.id });
    expect(recorded.every((x) => !String(x.path).startsWith('/_emulator'))).toBe(true);
    expect((await control(emu, '/faults', { status: 500 })).status).toBe(400);
  });

  it('serves the consent page; approving in the form redirects with code, state and expires_in', async () => {
    const redirect = 'http://127.0.0.1:9/oauth/user';
    const q = new URLSearchParams({ response_type: 'code', client_id: view.app.clientId, redirect_uri: redirect, state: 'st-1' });
    const page = await fetch(`${emu.url}/restapi/oauth/authorize?${q}`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    const html = await page.text();
    const person = view.users.find((u) => u.status === 'Enabled' && !u.admin)!;
    expect(html).toContain(`value="${person.id}"`);
    expect(html).not.toContain(view.users.find((u) => u.status === 'Disabled')!.email);
    const form = new URLSearchParams(q);
    form.set('extension_id', person.id);
    form.set('decision', 'approve');
    const approved = await fetch(`${emu.url}/restapi/oauth/authorize`, { method: 'POST', body: form, redirect: 'manual' });
    expect(approved.status).toBe(302);
    const location = new URL(approved.headers.get('location')!);
    expect(`${location.origin}${location.pathname}`).toBe(redirect);
    expect(location.searchParams.get('state')).toBe('st-1');
    expect(location.searchParams.get('expires_in')).toBe('60');
    expect(location.searchParams.get('code')).toBeTruthy();
    // A person not in the list can be typed in by extension id.
    const typed = new URLSearchParams(form);
    typed.set('extension_id_other', view.users.find((u) => u.admin)!.id);
    const viaTyped = await fetch(`${emu.url}/restapi/oauth/authorize`, { method: 'POST', body: typed, redirect: 'manual' });
    expect(viaTyped.status).toBe(302);
    form.set('decision', 'deny');
    const denied = await fetch(`${emu.url}/restapi/oauth/authorize`, { method: 'POST', body: form, redirect: 'manual' });
    expect(new URL(denied.headers.get('location')!).searchParams.get('error')).toBe('access_denied');
    const badClient = await fetch(`${emu.url}/restapi/oauth/authorize?response_type=code&client_id=nope&redirect_uri=${encodeURIComponent(redirect)}`);
    expect(badClient.status).toBe(400);
    expect(((await badClient.json()) as { error: string }).error).toBe('invalid_client');
  });

  it('installs a private bot: POSTs a permanent token form-encoded (or JSON) to the redirect URI', async () => {
    const receiver = await startReceiver();
    try {
      const res = await control(emu, '/bots/install', { redirectUri: receiver.url });
      expect(res.status).toBe(200);
      expect(res.body.status).toBe(200);
      expect(receiver.received).toHaveLength(1);
      const got = receiver.received[0]!;
      expect(got.type).toMatch(/application\/x-www-form-urlencoded/);
      const admin = view.users.find((u) => u.admin)!;
      expect(got.body).toMatchObject({
        token_type: 'bearer',
        expires_in: '2147483647',
        owner_id: res.body.bot.extensionId,
        creator_extension_id: admin.id,
        creator_account_id: view.accountId,
        client_id: view.app.clientId,
      });
      expect(got.body.refresh_token).toBeUndefined();
      // The token works and belongs to the Bot extension.
      const me = await fetch(`${emu.url}/restapi/v1.0/account/~/extension/~`, { headers: { Authorization: `bearer ${got.body.access_token}` } });
      expect(((await me.json()) as { type: string }).type).toBe('Bot');
      expect((await emulatorState(emu)).bot).toEqual({ extensionId: res.body.bot.extensionId });
      // A second install reuses the bot extension; JSON encoding on request.
      const again = await control(emu, '/bots/install', { redirectUri: receiver.url, encoding: 'json' });
      expect(again.body.bot.extensionId).toBe(res.body.bot.extensionId);
      expect(receiver.received[1]!.type).toMatch(/application\/json/);
      // It stays valid after 30 days on the emulator clock (a user token would be long expired).
      await control(emu, '/clock', { advanceMs: 30 * 24 * 3600_000 });
      const later = await fetch(`${emu.url}/restapi/v1.0/account/~/extension/~`, { headers: { Authorization: `bearer ${got.body.access_token}` } });
      expect(later.status).toBe(200);
    } finally {
      await receiver.close();
    }
    const unreachable = await control(emu, '/bots/install', { redirectUri: 'http://127.0.0.1:9/oauth' });
    expect(unreachable.body.status).toBeUndefined();
    expect(unreachable.body.error).toBeTruthy();
  });

  it('removes the bot: a Delete event, then its token gets 401 OAU-232', async () => {
    const receiver = await startReceiver();
    const events: { event: string; body: Record<string, unknown> }[] = [];
    const onEvent = (e: { event: string; body: Record<string, unknown> }) => events.push(e);
    emu.state.bus.on('event', onEvent);
    try {
      const installed = await control(emu, '/bots/install', { redirectUri: receiver.url });
      const botId = installed.body.bot.extensionId as string;
      const token = installed.body.sent.access_token as string;
      const del = await fetch(`${emu.url}/_emulator/bots`, { method: 'DELETE' });
      expect(await del.json()).toEqual({ removed: { extensionId: botId } });
      expect(events.at(-1)).toEqual({
        event: `/restapi/v1.0/account/${view.accountId}/extension/${botId}`,
        body: { extensionId: botId, eventType: 'Delete' },
      });
      const r = await fetch(`${emu.url}/restapi/v1.0/account/~/extension/~`, { headers: { Authorization: `Bearer ${token}` } });
      expect([r.status, await errorCodeOf(r)]).toEqual([401, 'OAU-232']);
      expect((await emulatorState(emu)).bot).toBeUndefined();
      expect((await fetch(`${emu.url}/_emulator/bots`, { method: 'DELETE' })).status).toBe(404);
    } finally {
      emu.state.bus.off('event', onEvent);
      await receiver.close();
    }
  });

  it("registers the app's interactive-messages URL and shared secret, and refuses a URL that isn't http(s)", async () => {
    const put = (body: unknown) =>
      fetch(`${emu.url}/_emulator/app/interactive-messages`, { method: 'PUT', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
    expect((await put({ url: 'javascript:alert(1)' })).status).toBe(400);
    expect((await put({ url: 'http://127.0.0.1:3000/interactive', sharedSecret: '' })).status).toBe(400);
    const ok = await put({ url: 'http://127.0.0.1:3000/interactive', sharedSecret: 's3cret' });
    expect(ok.status).toBe(200);
    const body = await (await fetch(`${emu.url}/_emulator/app/interactive-messages`)).json();
    expect(body).toEqual({ url: 'http://127.0.0.1:3000/interactive', signed: true });
    expect(JSON.stringify(body)).not.toContain('s3cret');
  });

  it('moves the clock forward only', async () => {
    const before = Date.parse((await control(emu, '/clock', { advanceMs: 0 })).body.now);
    const after = Date.parse((await control(emu, '/clock', { advanceMs: 3_600_000 })).body.now);
    expect(after - before).toBeGreaterThanOrEqual(3_600_000);
    expect((await control(emu, '/clock', { advanceMs: -1 })).status).toBe(400);
  });
});
