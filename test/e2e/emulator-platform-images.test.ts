import FormData from 'form-data';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Emulator } from '../../src/emulator/create-emulator.ts';
import type { PlatformEvent } from '../../src/emulator/emulator-state.ts';
import { dimensionsOf, emulatorState, sdkFor, startEmulator, testImage, type EmulatorStateView } from './emulator-platform-helpers.ts';

describe('emulator platform: profile images through @ringcentral/sdk', () => {
  let emu: Emulator;
  let view: EmulatorStateView;
  const events: PlatformEvent[] = [];

  beforeAll(async () => {
    emu = await startEmulator({ seed: { users: 10, withPhotoRatio: 0.5 }, rateLimits: false });
    view = await emulatorState(emu);
    emu.state.bus.on('event', (e: PlatformEvent) => events.push(e));
  });
  afterAll(async () => {
    await emu.close();
  });

  it('uploads with form-data (PUT and POST), serves original and real resized scales, publishes ProfileImage updates', async () => {
    const sdk = sdkFor(emu, view);
    const platform = sdk.platform();
    await platform.login({ jwt: view.adminJwt });
    const admin = view.users.find((u) => u.admin)!;
    const jpeg = await testImage(300, 200, 'image/jpeg');
    const fd = new FormData();
    fd.append('image', jpeg, { filename: 'me.jpg', contentType: 'image/jpeg' });
    const put = await platform.put('/restapi/v1.0/account/~/extension/~/profile-image', fd);
    expect(put.status).toBe(204);
    expect(events.at(-1)).toEqual({
      event: `/restapi/v1.0/account/${view.accountId}/extension/${admin.id}`,
      body: { extensionId: admin.id, eventType: 'Update', hints: ['ProfileImage'] },
    });

    const me = (await (await platform.get('/restapi/v1.0/account/~/extension/~')).json()) as {
      profileImage: { uri: string; etag: string; contentType: string; lastModified: string; scales: { uri: string }[] };
    };
    expect(me.profileImage.contentType).toBe('image/jpeg');
    expect(me.profileImage.etag).toMatch(/^[0-9a-f]{32}$/);
    expect(Number.isNaN(Date.parse(me.profileImage.lastModified))).toBe(false);
    expect(me.profileImage.scales.map((s) => s.uri.split('/').at(-1))).toEqual(['90x90', '195x195', '584x584']);

    const original = await platform.get(me.profileImage.uri);
    expect(original.headers.get('content-type')).toBe('image/jpeg');
    const originalBytes = Buffer.from(await original.arrayBuffer());
    expect(originalBytes.equals(jpeg)).toBe(true);
    for (const scale of me.profileImage.scales) {
      const r = await platform.get(scale.uri);
      expect(r.status).toBe(200);
      const side = Number(scale.uri.split('/').at(-1)!.split('x')[0]);
      expect(await dimensionsOf(Buffer.from(await r.arrayBuffer()))).toEqual({ width: side, height: side });
    }
    const viaOriginal = await platform.get(`${me.profileImage.uri}/original`);
    expect(Buffer.from(await viaOriginal.arrayBuffer()).equals(jpeg)).toBe(true);

    const gif = await testImage(64, 64, 'image/gif');
    const fd2 = new FormData();
    fd2.append('image', gif, { filename: 'me.gif', contentType: 'image/gif' });
    expect((await platform.post('/restapi/v1.0/account/~/extension/~/profile-image', fd2)).status).toBe(204);
    const after = (await (await platform.get('/restapi/v1.0/account/~/extension/~')).json()) as { profileImage: { etag: string; contentType: string } };
    expect(after.profileImage.contentType).toBe('image/gif');
    expect(after.profileImage.etag).not.toBe(me.profileImage.etag);
  });

  it('answers 304 to If-None-Match with the current ETag, 200 after the image changed', async () => {
    const sdk = sdkFor(emu, view);
    const platform = sdk.platform();
    await platform.login({ jwt: view.adminJwt });
    const withPhoto = (await emulatorState(emu)).users.find((u) => u.hasPhoto && !u.admin)!;
    const url = `/restapi/v1.0/account/~/extension/${withPhoto.id}/profile-image`;
    const first = await platform.get(url);
    const etag = first.headers.get('etag')!;
    expect(etag).toMatch(/^"[0-9a-f]{32}"$/);
    const { access_token } = await platform.auth().data();
    // The SDK treats 304 as an error, so conditional GETs go through fetch with the same token.
    const conditional = (path: string, tag: string) =>
      fetch(`${emu.url}${path}`, { headers: { Authorization: `Bearer ${access_token}`, 'If-None-Match': tag } });
    const again = await conditional(url, etag);
    expect(again.status).toBe(304);
    expect((await again.arrayBuffer()).byteLength).toBe(0);
    const scaled = await platform.get(`${url}/90x90`);
    const scaledEtag = scaled.headers.get('etag')!;
    expect(scaledEtag).not.toBe(etag);
    expect((await conditional(`${url}/90x90`, scaledEtag)).status).toBe(304);
    // The admin replaces that person's image: the old ETag no longer matches.
    const fd = new FormData();
    fd.append('image', await testImage(120, 120), { filename: 'x.png', contentType: 'image/png' });
    expect((await platform.put(url, fd)).status).toBe(204);
    const changed = await conditional(url, etag);
    expect(changed.status).toBe(200);
    expect(changed.headers.get('content-type')).toBe('image/png');
  });

  it('DELETE removes the image: profileImage has only uri again, GET is 404, an Update event is published', async () => {
    const sdk = sdkFor(emu, view);
    const platform = sdk.platform();
    await platform.login({ jwt: view.adminJwt });
    const withPhoto = (await emulatorState(emu)).users.find((u) => u.hasPhoto && !u.admin)!;
    const n = events.length;
    const del = await platform.delete(`/restapi/v1.0/account/~/extension/${withPhoto.id}/profile-image`);
    expect(del.status).toBe(204);
    expect(events.length).toBe(n + 1);
    expect(events.at(-1)!.body).toEqual({ extensionId: withPhoto.id, eventType: 'Update', hints: ['ProfileImage'] });
    const ext = (await (await platform.get(`/restapi/v1.0/account/~/extension/${withPhoto.id}`)).json()) as { profileImage: Record<string, unknown> };
    expect(Object.keys(ext.profileImage)).toEqual(['uri']);
    await expect(platform.get(`/restapi/v1.0/account/~/extension/${withPhoto.id}/profile-image`)).rejects.toMatchObject({
      response: { status: 404 },
    });
  });

  it('lists extensions with paging, navigation and repeated type/status filters', async () => {
    const sdk = sdkFor(emu, view);
    const platform = sdk.platform();
    await platform.login({ jwt: view.adminJwt });
    const page2 = (await (await platform.get('/restapi/v1.0/account/~/extension', { page: 2, perPage: 3 })).json()) as {
      records: { id: number }[];
      paging: Record<string, number>;
      navigation: Record<string, { uri: string }>;
    };
    expect(page2.records.map((r) => String(r.id))).toEqual(view.users.slice(3, 6).map((u) => u.id));
    expect(page2.paging).toEqual({ page: 2, totalPages: 4, perPage: 3, totalElements: 10, pageStart: 3, pageEnd: 5 });
    expect(Object.keys(page2.navigation).sort()).toEqual(['firstPage', 'lastPage', 'nextPage', 'previousPage']);
    expect(new URL(page2.navigation.nextPage!.uri).searchParams.get('page')).toBe('3');
    const filtered = (await (await platform.get('/restapi/v1.0/account/~/extension', { status: ['Disabled', 'Unassigned'], type: ['User'] })).json()) as {
      records: { status: string }[];
    };
    expect(filtered.records.map((r) => r.status).sort()).toEqual(['Disabled', 'Unassigned']);
    const beyond = (await (await platform.get('/restapi/v1.0/account/~/extension', { page: 9, perPage: 3 })).json()) as {
      records: unknown[];
      paging: Record<string, number>;
    };
    expect(beyond.records).toEqual([]);
    expect(beyond.paging.pageStart).toBeUndefined();
  });

  it('PUT extension renames (as the bot framework does) and publishes an ExtensionInfo update; others need admin', async () => {
    const sdk = sdkFor(emu, view);
    const platform = sdk.platform();
    await platform.login({ jwt: view.adminJwt });
    const n = events.length;
    const r = await platform.put('/restapi/v1.0/account/~/extension/~', { contact: { firstName: 'Olive', lastName: 'Owner' } });
    const body = (await r.json()) as { name: string; contact: { firstName: string } };
    expect([r.status, body.name, body.contact.firstName]).toEqual([200, 'Olive Owner', 'Olive']);
    expect(events.length).toBe(n + 1);
    expect(events.at(-1)!.body).toMatchObject({ eventType: 'Update', hints: ['ExtensionInfo'] });
    await expect(platform.put('/restapi/v1.0/account/~/extension/~', { contact: { firstName: 42 } })).rejects.toMatchObject({
      response: { status: 400 },
    });
    const { signJwtCredential } = await import('../../src/emulator/platform/oauth-tokens.ts');
    const person = view.users.find((u) => !u.admin && u.status === 'Enabled')!;
    const other = view.users.filter((u) => !u.admin && u.status === 'Enabled')[1]!;
    const sdk2 = sdkFor(emu, view);
    await sdk2.platform().login({ jwt: await signJwtCredential(emu.state, person.id) });
    const refused = await sdk2
      .platform()
      .put(`/restapi/v1.0/account/~/extension/${other.id}`, { contact: { firstName: 'Nope' } })
      .catch((e: { response: Response }) => e.response);
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { errorCode: string }).errorCode).toBe('CMN-419');
  });
});
