import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Emulator } from '../../src/emulator/create-emulator.ts';
import {
  control,
  emulatorState,
  errorCodeOf,
  multipartBody,
  startEmulator,
  testImage,
  tokenFor,
  type EmulatorStateView,
} from './emulator-platform-helpers.ts';

const JWT_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

/** A PNG signature and IHDR chunk announcing width×height, with no image data after it. */
function pngHeaderOnly(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8;
  ihdr[9] = 6;
  const len = Buffer.alloc(4);
  len.writeUInt32BE(13);
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), len, Buffer.from('IHDR'), ihdr, Buffer.alloc(4)]);
}

describe('emulator platform: every error code', () => {
  let emu: Emulator;
  let view: EmulatorStateView;
  let adminToken: string;
  let basic: string;
  const api = (path: string) => `${emu.url}/restapi/v1.0/account/~${path}`;

  beforeAll(async () => {
    emu = await startEmulator({ seed: { users: 10 }, rateLimits: false });
    view = await emulatorState(emu);
    adminToken = await tokenFor(emu, view);
    basic = `Basic ${Buffer.from(`${view.app.clientId}:${view.app.clientSecret}`).toString('base64')}`;
  });
  afterAll(async () => {
    await emu.close();
  });

  const user = (pred: (u: EmulatorStateView['users'][number]) => boolean) => view.users.find(pred)!;

  async function userToken(extensionId: string, scope?: string): Promise<string> {
    const { signJwtCredential } = await import('../../src/emulator/platform/oauth-tokens.ts');
    return tokenFor(emu, view, await signJwtCredential(emu.state, extensionId), scope);
  }

  async function token(form: Record<string, string>, headers: Record<string, string> = { Authorization: basic }) {
    const r = await fetch(`${emu.url}/restapi/oauth/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers },
      body: new URLSearchParams(form),
    });
    return { status: r.status, body: (await r.json()) as { error: string; error_description: string; errors: { errorCode: string }[] } };
  }

  async function upload(extensionId: string, bearer: string, parts: Parameters<typeof multipartBody>[0], method = 'PUT') {
    const { body, contentType } = multipartBody(parts);
    return fetch(api(`/extension/${extensionId}/profile-image`), {
      method,
      headers: { Authorization: `Bearer ${bearer}`, 'Content-Type': contentType },
      body: new Uint8Array(body),
    });
  }

  describe('authentication', () => {
    it('401 AGW-401 without Authorization, with WWW-Authenticate', async () => {
      const r = await fetch(api('/extension/~'));
      expect(r.status).toBe(401);
      expect(r.headers.get('www-authenticate')).toMatch(/^Bearer/);
      expect(await errorCodeOf(r)).toBe('AGW-401');
    });

    it('401 AGW-402 for a non-bearer scheme and for an unknown token', async () => {
      const a = await fetch(api('/extension/~'), { headers: { Authorization: basic } });
      expect([a.status, await errorCodeOf(a)]).toEqual([401, 'AGW-402']);
      const b = await fetch(api('/extension/~'), { headers: { Authorization: 'Bearer not-a-token' } });
      expect([b.status, await errorCodeOf(b)]).toEqual([401, 'AGW-402']);
    });

    it('matches the scheme case-insensitively and accepts ?access_token=', async () => {
      for (const scheme of ['bearer', 'Bearer', 'BEARER']) {
        const r = await fetch(api('/extension/~'), { headers: { Authorization: `${scheme} ${adminToken}` } });
        expect(r.status).toBe(200);
      }
      const q = await fetch(`${api('/extension/~')}?access_token=${encodeURIComponent(adminToken)}`);
      expect(q.status).toBe(200);
    });

    it('401 OAU-128 once the access token has expired on the emulator clock', async () => {
      const t = await tokenFor(emu, view);
      await control(emu, '/clock', { advanceMs: 3600_000 + 1000 });
      const r = await fetch(api('/extension/~'), { headers: { Authorization: `Bearer ${t}` } });
      expect([r.status, await errorCodeOf(r)]).toEqual([401, 'OAU-128']);
      adminToken = await tokenFor(emu, view);
    });

    it('401 OAU-213 for a revoked token (revoking a refresh token ends the whole session)', async () => {
      const issued = await token({ grant_type: JWT_GRANT, assertion: view.adminJwt });
      const body = issued.body as unknown as { access_token: string; refresh_token: string };
      const rv = await fetch(`${emu.url}/restapi/oauth/revoke`, {
        method: 'POST',
        headers: { Authorization: basic, 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ token: body.refresh_token }),
      });
      expect(rv.status).toBe(200);
      const r = await fetch(api('/extension/~'), { headers: { Authorization: `Bearer ${body.access_token}` } });
      expect([r.status, await errorCodeOf(r)]).toEqual([401, 'OAU-213']);
    });

    it('covers the messaging routes too: Team Messaging and wstoken need a token, and are recorded with their group', async () => {
      const anon = await fetch(`${emu.url}/team-messaging/v1/chats`);
      expect([anon.status, await errorCodeOf(anon)]).toEqual([401, 'AGW-401']);
      const chats = await fetch(`${emu.url}/team-messaging/v1/chats`, { headers: { Authorization: `bearer ${adminToken}` } });
      expect(chats.status).toBe(200);
      const ws = await fetch(`${emu.url}/restapi/oauth/wstoken`, { method: 'POST', headers: { Authorization: `bearer ${adminToken}` } });
      expect(ws.status).toBe(200);
      const noWs = await fetch(`${emu.url}/restapi/oauth/wstoken`, { method: 'POST' });
      expect([noWs.status, await errorCodeOf(noWs)]).toEqual([401, 'AGW-401']);
      const recorded = (await (await fetch(`${emu.url}/_emulator/requests`)).json()) as { path: string; group?: string; status: number }[];
      const admin = view.users.find((u) => u.admin)!;
      expect(recorded.filter((x) => x.path === '/team-messaging/v1/chats').map((x) => [x.status, x.group])).toEqual([
        [401, 'Medium'],
        [200, 'Medium'],
      ]);
      expect(recorded.filter((x) => x.path === '/restapi/oauth/wstoken' && x.status === 200)).toEqual([
        expect.objectContaining({ group: 'Auth', callerExtensionId: admin.id }),
      ]);
    });

    it('404 AGW-404 for an unknown API path, 405 AGW-405 for an unsupported method', async () => {
      const r = await fetch(`${emu.url}/restapi/v1.0/no-such-thing`, { headers: { Authorization: `Bearer ${adminToken}` } });
      expect([r.status, await errorCodeOf(r)]).toEqual([404, 'AGW-404']);
      const m = await fetch(`${emu.url}/restapi/v1.0/account/~/extension/~`, { method: 'PATCH', headers: { Authorization: `Bearer ${adminToken}` } });
      expect([m.status, await errorCodeOf(m)]).toEqual([405, 'AGW-405']);
    });
  });

  describe('OAuth token endpoint', () => {
    it('415 for a JSON body', async () => {
      const r = await fetch(`${emu.url}/restapi/oauth/token`, {
        method: 'POST',
        headers: { Authorization: basic, 'Content-Type': 'application/json' },
        body: JSON.stringify({ grant_type: JWT_GRANT, assertion: view.adminJwt }),
      });
      expect(r.status).toBe(415);
      expect(((await r.json()) as { error: string }).error).toBe('invalid_request');
    });

    it('OAU-250 unsupported grant type (password grant is gone)', async () => {
      const r = await token({ grant_type: 'password', username: 'x', password: 'y' });
      expect(r.status).toBe(400);
      expect(r.body.error).toBe('invalid_request');
      expect(r.body.errors[0]!.errorCode).toBe('OAU-250');
      expect(r.body.error_description).toBeTruthy();
    });

    it('401 invalid_client OAU-123 for a wrong client secret', async () => {
      const bad = `Basic ${Buffer.from(`${view.app.clientId}:wrong`).toString('base64')}`;
      const r = await token({ grant_type: JWT_GRANT, assertion: view.adminJwt }, { Authorization: bad });
      expect([r.status, r.body.error, r.body.errors[0]!.errorCode]).toEqual([401, 'invalid_client', 'OAU-123']);
      const unknown = await token({ grant_type: 'authorization_code', code: 'x', client_id: 'who' }, {});
      expect([unknown.status, unknown.body.error, unknown.body.errors[0]!.errorCode]).toEqual([400, 'invalid_client', 'OAU-153']);
    });

    it('invalid_grant OAU-140 for a JWT not signed by the emulator or the app', async () => {
      const forged = `${Buffer.from('{"alg":"HS256"}').toString('base64url')}.${Buffer.from('{"sub":"1"}').toString('base64url')}.x`;
      const r = await token({ grant_type: JWT_GRANT, assertion: forged });
      expect([r.status, r.body.error, r.body.errors[0]!.errorCode]).toEqual([400, 'invalid_grant', 'OAU-140']);
    });

    it('OAU-101 for a missing parameter', async () => {
      const r = await token({ grant_type: JWT_GRANT });
      expect([r.status, r.body.error, r.body.errors[0]!.errorCode]).toEqual([400, 'invalid_request', 'OAU-101']);
    });

    it('PKCE plain works; a wrong verifier is OAU-152; an expired code is OAU-109', async () => {
      const person = user((u) => !u.admin && u.status === 'Enabled');
      const authorize = (challenge: string) =>
        `${emu.url}/restapi/oauth/authorize?response_type=code&client_id=${view.app.clientId}` +
        `&redirect_uri=${encodeURIComponent('http://127.0.0.1:9/cb')}&code_challenge=${challenge}&code_challenge_method=plain&state=s1`;
      const codeOf = async (challenge: string) =>
        new URL((await control(emu, '/oauth/consent', { authorizeUrl: authorize(challenge), extensionId: person.id })).body.location).searchParams.get('code')!;
      const pub = { client_id: view.app.clientId, grant_type: 'authorization_code', redirect_uri: 'http://127.0.0.1:9/cb' };
      const ok = await token({ ...pub, code: await codeOf('verifier-plain-1234567890'), code_verifier: 'verifier-plain-1234567890' }, {});
      expect(ok.status).toBe(200);
      expect((ok.body as unknown as { owner_id: string }).owner_id).toBe(person.id);
      const bad = await token({ ...pub, code: await codeOf('abc'), code_verifier: 'abd' }, {});
      expect([bad.status, bad.body.error, bad.body.errors[0]!.errorCode]).toEqual([400, 'invalid_grant', 'OAU-152']);
      const late = await codeOf('zzz');
      await control(emu, '/clock', { advanceMs: 61_000 });
      const expired = await token({ ...pub, code: late, code_verifier: 'zzz' }, {});
      expect([expired.status, expired.body.errors[0]!.errorCode]).toEqual([400, 'OAU-109']);
    });

    it('S256 PKCE: the verifier must hash to the challenge', async () => {
      const person = user((u) => !u.admin && u.status === 'Enabled');
      const verifier = 'a-long-enough-code-verifier-for-s256-0123456789';
      const challenge = createHash('sha256').update(verifier).digest('base64url');
      const url =
        `${emu.url}/restapi/oauth/authorize?response_type=code&client_id=${view.app.clientId}` +
        `&redirect_uri=${encodeURIComponent('http://127.0.0.1:9/cb')}&code_challenge=${challenge}&code_challenge_method=S256`;
      const code = new URL((await control(emu, '/oauth/consent', { authorizeUrl: url, extensionId: person.id })).body.location).searchParams.get('code')!;
      const r = await token({ client_id: view.app.clientId, grant_type: 'authorization_code', code, code_verifier: verifier }, {});
      expect(r.status).toBe(200);
    });

    it('a public client without PKCE is refused (invalid_client)', async () => {
      const person = user((u) => !u.admin && u.status === 'Enabled');
      const url = `${emu.url}/restapi/oauth/authorize?response_type=code&client_id=${view.app.clientId}&redirect_uri=${encodeURIComponent('http://127.0.0.1:9/cb')}`;
      const code = new URL((await control(emu, '/oauth/consent', { authorizeUrl: url, extensionId: person.id })).body.location).searchParams.get('code')!;
      const r = await token({ client_id: view.app.clientId, grant_type: 'authorization_code', code }, {});
      expect([r.status, r.body.error]).toEqual([401, 'invalid_client']);
      // The same code with Basic auth (confidential client) works.
      const ok = await token({ grant_type: 'authorization_code', code, redirect_uri: 'http://127.0.0.1:9/cb' });
      expect(ok.status).toBe(200);
    });
  });

  describe('extensions', () => {
    it('400 CMN-101 for page=0, perPage=1001 and an unknown status', async () => {
      for (const q of ['page=0', 'perPage=1001', 'perPage=abc', 'status=Sleeping']) {
        const r = await fetch(`${api('/extension')}?${q}`, { headers: { Authorization: `Bearer ${adminToken}` } });
        expect([q, r.status, await errorCodeOf(r)]).toEqual([q, 400, 'CMN-101']);
      }
    });

    it('404 CMN-102 for an unknown extension and an unknown account', async () => {
      const a = await fetch(api('/extension/999'), { headers: { Authorization: `Bearer ${adminToken}` } });
      expect([a.status, await errorCodeOf(a)]).toEqual([404, 'CMN-102']);
      const b = await fetch(`${emu.url}/restapi/v1.0/account/1234/extension/~`, { headers: { Authorization: `Bearer ${adminToken}` } });
      expect([b.status, await errorCodeOf(b)]).toEqual([404, 'CMN-102']);
    });
  });

  describe('profile images', () => {
    let png: Buffer;
    beforeAll(async () => {
      png = await testImage(40, 30);
    });
    const imagePart = (data: Buffer, name = 'image') => ({ name, filename: 'a.png', contentType: 'image/png', data });

    it('400 CMN-101 without an image part, and with two', async () => {
      const none = await upload('~', adminToken, [imagePart(png, 'picture')]);
      expect([none.status, await errorCodeOf(none)]).toEqual([400, 'CMN-101']);
      const two = await upload('~', adminToken, [imagePart(png), imagePart(png)]);
      expect([two.status, await errorCodeOf(two)]).toEqual([400, 'CMN-101']);
      const notMultipart = await fetch(api('/extension/~/profile-image'), {
        method: 'PUT',
        headers: { Authorization: `Bearer ${adminToken}`, 'Content-Type': 'image/png' },
        body: new Uint8Array(png),
      });
      expect([notMultipart.status, await errorCodeOf(notMultipart)]).toEqual([400, 'CMN-101']);
    });

    it('415 ACT-330 for bytes that are not JPEG/PNG/GIF, whatever the declared type', async () => {
      const bmp = Buffer.concat([Buffer.from('BM'), Buffer.alloc(100)]);
      const r = await upload('~', adminToken, [{ name: 'image', filename: 'a.png', contentType: 'image/png', data: bmp }]);
      expect([r.status, await errorCodeOf(r)]).toEqual([415, 'ACT-330']);
    });

    it('400 ACT-331 for an undecodable image', async () => {
      const corrupt = Buffer.concat([pngHeaderOnly(100, 100), Buffer.from('IDATgarbage')]);
      const r = await upload('~', adminToken, [imagePart(corrupt)]);
      expect([r.status, await errorCodeOf(r)]).toEqual([400, 'ACT-331']);
    });

    it('400 ACT-334 over 12 megapixels, read from the header without decoding', async () => {
      const r = await upload('~', adminToken, [imagePart(pngHeaderOnly(4032, 3024))]);
      expect([r.status, await errorCodeOf(r)]).toEqual([400, 'ACT-334']);
    });

    it('413 for a body over 10 MB', async () => {
      const big = Buffer.concat([png, Buffer.alloc(10 * 1024 * 1024 + 10)]);
      const r = await upload('~', adminToken, [imagePart(big)]);
      expect(r.status).toBe(413);
      expect(await errorCodeOf(r)).toBe('CMN-413');
    });

    it('403 ACT-332 for an Unassigned extension', async () => {
      const unassigned = user((u) => u.status === 'Unassigned');
      const r = await upload(unassigned.id, adminToken, [imagePart(png)]);
      expect([r.status, await errorCodeOf(r)]).toEqual([403, 'ACT-332']);
    });

    it('403 CMN-419 for another person without admin rights; own image is fine', async () => {
      const people = view.users.filter((u) => !u.admin && u.status === 'Enabled');
      const t = await userToken(people[0]!.id);
      const other = await upload(people[1]!.id, t, [imagePart(png)]);
      expect([other.status, await errorCodeOf(other)]).toEqual([403, 'CMN-419']);
      const del = await fetch(api(`/extension/${people[1]!.id}/profile-image`), { method: 'DELETE', headers: { Authorization: `Bearer ${t}` } });
      expect([del.status, await errorCodeOf(del)]).toEqual([403, 'CMN-419']);
      const own = await upload('~', t, [imagePart(png)]);
      expect(own.status).toBe(204);
    });

    it('403 CMN-401 for a token without EditExtensions', async () => {
      const t = await userToken(view.users.find((u) => u.admin)!.id, 'ReadAccounts');
      const r = await upload('~', t, [imagePart(png)]);
      expect([r.status, await errorCodeOf(r)]).toEqual([403, 'CMN-401']);
      // Reading is still allowed with ReadAccounts.
      expect((await fetch(api('/extension/~'), { headers: { Authorization: `Bearer ${t}` } })).status).toBe(200);
    });

    it('404 CMN-102 for an unknown extension', async () => {
      const r = await upload('987654321', adminToken, [imagePart(png)]);
      expect([r.status, await errorCodeOf(r)]).toEqual([404, 'CMN-102']);
    });

    it('404 ACT-333 for GET with no image and for an unknown scale size', async () => {
      const fresh = await emulatorState(emu);
      const noPhoto = fresh.users.find((u) => !u.hasPhoto && u.status === 'Enabled')!;
      const a = await fetch(api(`/extension/${noPhoto.id}/profile-image`), { headers: { Authorization: `Bearer ${adminToken}` } });
      expect([a.status, await errorCodeOf(a)]).toEqual([404, 'ACT-333']);
      await upload('~', adminToken, [imagePart(png)]);
      const b = await fetch(api('/extension/~/profile-image/92x92'), { headers: { Authorization: `Bearer ${adminToken}` } });
      expect([b.status, await errorCodeOf(b)]).toEqual([404, 'ACT-333']);
    });
  });
});

describe('emulator platform: rate limits', () => {
  let emu: Emulator;
  let view: EmulatorStateView;

  beforeAll(async () => {
    emu = await startEmulator({ seed: { users: 3 } });
    view = await emulatorState(emu);
  });
  afterAll(async () => {
    await emu.close();
  });

  it('sets X-Rate-Limit-* on API responses; 429 CMN-301 with Retry-After; each request in the penalty restarts it', async () => {
    const t = await tokenFor(emu, view);
    const get = () => fetch(`${emu.url}/restapi/v1.0/account/~/extension/~/profile-image/90x90`, { headers: { Authorization: `Bearer ${t}` } });
    // Medium group: 40 per 60 s (the owner has no photo, so each is a 404 that still counts).
    for (let i = 1; i <= 40; i++) {
      const r = await get();
      expect(r.headers.get('x-rate-limit-group')).toBe('medium');
      expect(r.headers.get('x-rate-limit-limit')).toBe('40');
      expect(r.headers.get('x-rate-limit-remaining')).toBe(String(40 - i));
      expect(r.headers.get('x-rate-limit-window')).toBe('60');
    }
    const over = await get();
    expect(over.status).toBe(429);
    expect(over.headers.get('retry-after')).toBe('60');
    expect(await errorCodeOf(over)).toBe('CMN-301');
    // 40 s into the penalty another request is refused and restarts the penalty...
    await control(emu, '/clock', { advanceMs: 40_000 });
    expect((await get()).status).toBe(429);
    // ...so 80 s after the first 429 (40 s after the restart) it is still refused,
    await control(emu, '/clock', { advanceMs: 40_000 });
    expect((await get()).status).toBe(429);
    // and a full quiet minute later requests pass again.
    await control(emu, '/clock', { advanceMs: 60_001 });
    expect((await get()).status).toBe(404);
    // The Light group was never touched.
    const light = await fetch(`${emu.url}/restapi/v1.0/account/~/extension/~`, { headers: { Authorization: `Bearer ${t}` } });
    expect([light.status, light.headers.get('x-rate-limit-group'), light.headers.get('x-rate-limit-remaining')]).toEqual([200, 'light', '49']);
  });

  it('counts Auth requests per person: the 6th token request in a minute is 429', async () => {
    const statuses: number[] = [];
    // A different person than the first test's caller, so the count starts at zero.
    const { signJwtCredential } = await import('../../src/emulator/platform/oauth-tokens.ts');
    const jwt = await signJwtCredential(emu.state, view.users[1]!.id);
    for (let i = 0; i < 6; i++) {
      const r = await fetch(`${emu.url}/restapi/oauth/token`, {
        method: 'POST',
        headers: {
          Authorization: `Basic ${Buffer.from(`${view.app.clientId}:${view.app.clientSecret}`).toString('base64')}`,
          'Content-Type': 'application/x-www-form-urlencoded',
        },
        body: new URLSearchParams({ grant_type: JWT_GRANT, assertion: jwt }),
      });
      statuses.push(r.status);
      if (i === 5) {
        expect(r.headers.get('x-rate-limit-group')).toBe('auth');
        expect(await errorCodeOf(r)).toBe('CMN-301');
      }
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
  });

  it('timeScale shrinks the window and rateLimits=false turns limits off', async () => {
    emu.state.settings.timeScale = 0.01;
    const t = await tokenFor(emu, view, await (await import('../../src/emulator/platform/oauth-tokens.ts')).signJwtCredential(emu.state, view.users[2]!.id));
    const r = await fetch(`${emu.url}/restapi/v1.0/account/~/extension/~`, { headers: { Authorization: `Bearer ${t}` } });
    expect(r.headers.get('x-rate-limit-window')).toBe('1');
    emu.state.settings.rateLimits = false;
    const off = await fetch(`${emu.url}/restapi/v1.0/account/~/extension/~`, { headers: { Authorization: `Bearer ${t}` } });
    expect(off.status).toBe(200);
    expect(off.headers.get('x-rate-limit-group')).toBeNull();
  });
});
