import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import FormData from 'form-data';
import type { SDK } from '@ringcentral/sdk';
import type { Emulator } from '../../src/emulator/create-emulator.ts';
import { createHmac } from 'node:crypto';
import { WebhookReceiver, addChat, addPerson, call, sdkFor, startEmulator, tokenOf, type Person } from './emulator-messaging-world.ts';

/** Reads the JSON error body of an SDK ApiError. */
async function apiError(promise: Promise<unknown>): Promise<{ status: number; body: any }> {
  try {
    await promise;
  } catch (err) {
    const response = (err as { response?: Response }).response;
    if (!response) throw err;
    return { status: response.status, body: await response.clone().json() };
  }
  throw new Error('expected the call to fail');
}

describe('emulator Team Messaging over @ringcentral/sdk', () => {
  let emu: Emulator;
  let alice: Person;
  let bob: Person;
  let carol: Person;
  let aliceSdk: SDK;
  let bobSdk: SDK;
  let carolSdk: SDK;
  let aliceToken: string;
  let group: { id: string };
  let team: { id: string };

  beforeAll(async () => {
    emu = await startEmulator();
    alice = await addPerson(emu, 'Alice', 'Archer');
    bob = await addPerson(emu, 'Bob', 'Baker');
    carol = await addPerson(emu, 'Carol', 'Cole');
    [aliceSdk, bobSdk, carolSdk] = await Promise.all([sdkFor(emu, alice.id), sdkFor(emu, bob.id), sdkFor(emu, carol.id)]);
    aliceToken = await tokenOf(aliceSdk);
    group = await addChat(emu, 'Group', [alice.id, bob.id]);
    team = await addChat(emu, 'Team', [alice.id, bob.id, carol.id], 'Photo club');
  });

  afterAll(async () => {
    await emu.close();
  });

  it('creates a post (201) with mentions derived from ![:Person](id) markup, then reads it back', async () => {
    const res = await aliceSdk.platform().post(`/team-messaging/v1/chats/${group.id}/posts`, {
      text: `![:Person](${bob.id}) please look, and ![:Person](${bob.id}) again`,
    });
    expect(res.status).toBe(201);
    const post = await res.json();
    expect(post).toMatchObject({ groupId: group.id, type: 'TextMessage', creatorId: alice.id });
    expect(post.mentions).toEqual([{ id: bob.id, type: 'Person', name: bob.name }]);
    const read = await (await bobSdk.platform().get(`/team-messaging/v1/chats/${group.id}/posts/${post.id}`)).json();
    expect(read).toEqual(post);
  });

  it('lists posts newest first with pageToken navigation', async () => {
    for (const text of ['one', 'two', 'three']) {
      await bobSdk.platform().post(`/team-messaging/v1/chats/${team.id}/posts`, { text });
    }
    const first = await (await carolSdk.platform().get(`/team-messaging/v1/chats/${team.id}/posts`, { recordCount: 2 })).json();
    expect(first.records.map((p: { text: string }) => p.text)).toEqual(['three', 'two']);
    expect(first.navigation.nextPageToken).toBeTypeOf('string');
    const second = await (
      await carolSdk.platform().get(`/team-messaging/v1/chats/${team.id}/posts`, { recordCount: 2, pageToken: first.navigation.nextPageToken })
    ).json();
    expect(second.records.map((p: { text: string }) => p.text)).toEqual(['one']);
    expect(second.navigation.nextPageToken).toBeUndefined();
    expect(second.navigation.prevPageToken).toBeTypeOf('string');
  });

  it('patches (creator only) and deletes a post', async () => {
    const post = await (await aliceSdk.platform().post(`/team-messaging/v1/chats/${team.id}/posts`, { text: 'draft' })).json();
    const patched = await (
      await aliceSdk.platform().send({ method: 'PATCH', url: `/team-messaging/v1/chats/${team.id}/posts/${post.id}`, body: { text: `hi ![:Person](${carol.id})` } })
    ).json();
    expect(patched.text).toBe(`hi ![:Person](${carol.id})`);
    expect(patched.mentions).toEqual([{ id: carol.id, type: 'Person', name: carol.name }]);
    const forbidden = await apiError(
      bobSdk.platform().send({ method: 'PATCH', url: `/team-messaging/v1/chats/${team.id}/posts/${post.id}`, body: { text: 'mine now' } }),
    );
    expect(forbidden.status).toBe(403);
    expect(forbidden.body.errorCode).toBe('CMN-401');
    const del = await aliceSdk.platform().delete(`/team-messaging/v1/chats/${team.id}/posts/${post.id}`);
    expect(del.status).toBe(204);
    const gone = await apiError(aliceSdk.platform().get(`/team-messaging/v1/chats/${team.id}/posts/${post.id}`));
    expect(gone.status).toBe(404);
    expect(gone.body.errorCode).toBe('CMN-102');
  });

  it('lists only the caller’s chats, filtered by type and paged by recordCount/pageToken', async () => {
    const carolChats = await (await carolSdk.platform().get('/team-messaging/v1/chats')).json();
    expect(carolChats.records.map((c: { id: string }) => c.id)).toEqual([team.id]);
    const teams = await (await aliceSdk.platform().get('/team-messaging/v1/chats', { type: 'Team' })).json();
    expect(teams.records).toHaveLength(1);
    expect(teams.records[0]).toMatchObject({ id: team.id, type: 'Team', name: 'Photo club' });
    const page1 = await (await aliceSdk.platform().get('/team-messaging/v1/chats', { recordCount: 1 })).json();
    expect(page1.records[0].id).toBe(group.id);
    const page2 = await (
      await aliceSdk.platform().get('/team-messaging/v1/chats', { recordCount: 1, pageToken: page1.navigation.nextPageToken })
    ).json();
    expect(page2.records[0].id).toBe(team.id);
    const one = await (await aliceSdk.platform().get(`/team-messaging/v1/chats/${group.id}`)).json();
    expect(one.members).toEqual([{ id: alice.id }, { id: bob.id }]);
  });

  it('answers chat errors: 404 unknown chat, 403 not a member, 400 bad type/recordCount/pageToken/body, 400 bad JSON', async () => {
    const unknown = await apiError(aliceSdk.platform().get('/team-messaging/v1/chats/999999'));
    expect([unknown.status, unknown.body.errorCode]).toEqual([404, 'CMN-102']);
    const notMember = await apiError(carolSdk.platform().get(`/team-messaging/v1/chats/${group.id}`));
    expect([notMember.status, notMember.body.errorCode]).toEqual([403, 'CMN-401']);
    const notMemberPost = await apiError(carolSdk.platform().post(`/team-messaging/v1/chats/${group.id}/posts`, { text: 'hi' }));
    expect([notMemberPost.status, notMemberPost.body.errorCode]).toEqual([403, 'CMN-401']);
    const unknownPost = await apiError(aliceSdk.platform().post('/team-messaging/v1/chats/999999/posts', { text: 'hi' }));
    expect([unknownPost.status, unknownPost.body.errorCode]).toEqual([404, 'CMN-102']);
    const badType = await apiError(aliceSdk.platform().get('/team-messaging/v1/chats', { type: 'Nope' }));
    expect([badType.status, badType.body.errorCode, badType.body.errors[0].parameterName]).toEqual([400, 'CMN-101', 'type']);
    const badCount = await apiError(aliceSdk.platform().get('/team-messaging/v1/chats', { recordCount: 251 }));
    expect([badCount.status, badCount.body.errors[0].parameterName]).toEqual([400, 'recordCount']);
    const badToken = await apiError(aliceSdk.platform().get('/team-messaging/v1/chats', { pageToken: 'garbage' }));
    expect([badToken.status, badToken.body.errors[0].parameterName]).toEqual([400, 'pageToken']);
    const empty = await apiError(aliceSdk.platform().post(`/team-messaging/v1/chats/${group.id}/posts`, {}));
    expect([empty.status, empty.body.errorCode]).toEqual([400, 'CMN-101']);
    const tooLong = await apiError(aliceSdk.platform().post(`/team-messaging/v1/chats/${group.id}/posts`, { text: 'x'.repeat(10_001) }));
    expect(tooLong.status).toBe(400);
    const res = await fetch(`${emu.url}/team-messaging/v1/chats/${group.id}/posts`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${aliceToken}`, 'Content-Type': 'application/json' },
      body: '{"text": ',
    });
    expect(res.status).toBe(400);
    expect((await res.json()).errorCode).toBe('CMN-103');
  });

  it('rejects calls without a token (401 AGW-401)', async () => {
    const res = await call(emu, 'GET', '/team-messaging/v1/chats');
    expect(res.status).toBe(401);
    expect(res.body.errorCode).toBe('AGW-401');
  });

  it('opens a Direct conversation once (201, then 200 with the same chat), by id or email', async () => {
    const created = await aliceSdk.platform().post('/team-messaging/v1/conversations', { members: [{ id: carol.id }] });
    expect(created.status).toBe(201);
    const chat = await created.json();
    expect(chat.type).toBe('Direct');
    expect(chat.members.map((m: { id: string }) => m.id).sort()).toEqual([alice.id, carol.id].sort());
    const again = await carolSdk.platform().post('/team-messaging/v1/conversations', { members: [{ email: 'alice.archer@example.com' }] });
    expect(again.status).toBe(200);
    expect((await again.json()).id).toBe(chat.id);
    const list = await (await carolSdk.platform().get('/team-messaging/v1/conversations')).json();
    expect(list.records.map((c: { id: string }) => c.id)).toEqual([chat.id]);
    const one = await (await carolSdk.platform().get(`/team-messaging/v1/conversations/${chat.id}`)).json();
    expect(one).toMatchObject({ id: chat.id, type: 'Direct' });
    const teamAsConversation = await apiError(carolSdk.platform().get(`/team-messaging/v1/conversations/${team.id}`));
    expect(teamAsConversation.status).toBe(404);
    const bad = await apiError(aliceSdk.platform().post('/team-messaging/v1/conversations', { members: [{ id: '424242' }] }));
    expect([bad.status, bad.body.errorCode, bad.body.errors[0].parameterName]).toEqual([400, 'CMN-101', 'members']);
  });

  it('reads persons, including guests with glip- ids; unknown → 404 (current) / 400 OAU-232 (legacy)', async () => {
    const person = await (await bobSdk.platform().get(`/team-messaging/v1/persons/${alice.id}`)).json();
    expect(person).toMatchObject({ id: alice.id, firstName: 'Alice', lastName: 'Archer', email: 'alice.archer@example.com' });
    const guest = await call(emu, 'POST', '/_emulator/guests', { firstName: 'Gina', lastName: 'Guest', email: 'gina@partner.example' });
    expect(guest.status).toBe(201);
    expect(guest.body.id).toMatch(/^glip-\d+$/);
    const guestInfo = await (await bobSdk.platform().get(`/team-messaging/v1/persons/${guest.body.id}`)).json();
    expect(guestInfo).toMatchObject({ id: guest.body.id, firstName: 'Gina' });
    const chat = await addChat(emu, 'Group', [bob.id, guest.body.id]);
    const post = await (await bobSdk.platform().post(`/team-messaging/v1/chats/${chat.id}/posts`, { text: `hello ![:Person](${guest.body.id})` })).json();
    expect(post.mentions).toEqual([{ id: guest.body.id, type: 'Person', name: 'Gina Guest' }]);
    const missing = await apiError(bobSdk.platform().get('/team-messaging/v1/persons/12345'));
    expect([missing.status, missing.body.errorCode]).toEqual([404, 'CMN-102']);
    const legacyMissing = await apiError(bobSdk.platform().get('/restapi/v1.0/glip/persons/12345'));
    expect([legacyMissing.status, legacyMissing.body.errorCode]).toEqual([400, 'OAU-232']);
  });

  it('uploads a raw file into a chat; the contentUri is a signed /media/ link that serves the bytes without a token', async () => {
    const bytes = Buffer.from('GIF89a-not-really-a-gif-but-bytes');
    const res = await fetch(`${emu.url}/team-messaging/v1/files?groupId=${group.id}&name=report.gif`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${aliceToken}`, 'Content-Type': 'image/gif' },
      body: bytes,
    });
    expect(res.status).toBe(200);
    const files = await res.json();
    expect(files).toHaveLength(1);
    expect(files[0]).toMatchObject({ name: 'report.gif' });
    const uri = new URL(files[0].contentUri);
    expect(uri.origin).toBe(emu.url);
    expect(uri.pathname.startsWith('/media/')).toBe(true);
    const download = await fetch(files[0].contentUri);
    expect(download.status).toBe(200);
    expect(download.headers.get('content-type')).toBe('image/gif');
    expect(Buffer.from(await download.arrayBuffer()).equals(bytes)).toBe(true);
    uri.searchParams.set('Signature', '0'.repeat(32));
    const tampered = await fetch(uri);
    expect(tampered.status).toBe(403);
    expect((await tampered.json()).errorCode).toBe('CMN-401');
    const unknown = await fetch(`${emu.url}/media/team-messaging/files/1/x.bin?Signature=abc`);
    expect([unknown.status, (await unknown.json()).errorCode]).toEqual([404, 'CMN-102']);
    // Uploading with groupId also posts the file in the chat.
    const posts = await (await bobSdk.platform().get(`/team-messaging/v1/chats/${group.id}/posts`, { recordCount: 1 })).json();
    expect(posts.records[0].attachments).toEqual([{ id: files[0].id, type: 'File', name: 'report.gif', contentUri: files[0].contentUri }]);
  });

  it('serves an uploaded HTML or SVG file sandboxed, so it cannot run script on the console\'s origin', async () => {
    for (const [name, type, body] of [
      ['evil.html', 'text/html', '<script>fetch("/_emulator/reset",{method:"POST"})</script>'],
      ['evil.svg', 'image/svg+xml', '<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'],
    ] as const) {
      const res = await fetch(`${emu.url}/team-messaging/v1/files?groupId=${group.id}&name=${name}`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${aliceToken}`, 'Content-Type': type },
        body,
      });
      expect(res.status).toBe(200);
      const download = await fetch(((await res.json()) as Array<{ contentUri: string }>)[0]!.contentUri);
      expect(download.status).toBe(200);
      expect(await download.text()).toBe(body);
      expect(download.headers.get('content-security-policy'), name).toMatch(/\bsandbox\b/);
      expect(download.headers.get('x-content-type-options'), name).toBe('nosniff');
    }
  });

  it('uploads multipart files through the SDK and attaches them to a post by id', async () => {
    const form = new FormData();
    form.append('body', Buffer.from([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]), { filename: 'pic.png', contentType: 'image/png' });
    const res = await aliceSdk.platform().post('/team-messaging/v1/files', form as never);
    const [file] = await res.json();
    expect(file.name).toBe('pic.png');
    const post = await (
      await aliceSdk.platform().post(`/team-messaging/v1/chats/${group.id}/posts`, { text: 'see attached', attachments: [{ id: file.id, type: 'File' }] })
    ).json();
    expect(post.attachments[0]).toMatchObject({ id: file.id, type: 'File', name: 'pic.png' });
    const bytes = Buffer.from(await (await fetch(post.attachments[0].contentUri)).arrayBuffer());
    expect([...bytes]).toEqual([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]);
    const badRef = await apiError(
      aliceSdk.platform().post(`/team-messaging/v1/chats/${group.id}/posts`, { attachments: [{ id: '777', type: 'File' }] }),
    );
    expect([badRef.status, badRef.body.errors[0].parameterName]).toEqual([400, 'attachments']);
    const empty = await fetch(`${emu.url}/team-messaging/v1/files?name=x`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${aliceToken}`, 'Content-Type': 'application/octet-stream' },
    });
    expect([empty.status, (await empty.json()).errorCode]).toEqual([400, 'CMN-101']);
    const notMember = await fetch(`${emu.url}/team-messaging/v1/files?groupId=${team.id}1`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${aliceToken}`, 'Content-Type': 'text/plain' },
      body: 'x',
    });
    expect(notMember.status).toBe(404);
  });

  it('rejects a multipart upload without a boundary with 415', async () => {
    const res = await fetch(`${emu.url}/team-messaging/v1/files?name=x.bin`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${aliceToken}`, 'Content-Type': 'multipart/form-data' },
      body: 'not really multipart',
    });
    expect(res.status).toBe(415);
    expect((await res.json()).errorCode).toBe('CMN-101');
  });

  it('rejects an upload over 30 MB with 413', async () => {
    const res = await fetch(`${emu.url}/team-messaging/v1/files?name=big.bin`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${aliceToken}`, 'Content-Type': 'application/octet-stream' },
      body: Buffer.alloc(30 * 1024 * 1024 + 1),
    });
    expect(res.status).toBe(413);
  });

  it('a person posts through the control API with attachments; the chat’s posts come back oldest first', async () => {
    const chat = await addChat(emu, 'Direct', [alice.id, carol.id]);
    const png = Buffer.from('fake-png-bytes');
    const posted = await call(emu, 'POST', `/_emulator/chats/${chat.id}/posts`, {
      creatorId: carol.id,
      text: `![:Person](${alice.id}) set my photo`,
      attachments: [{ name: 'me.png', contentType: 'image/png', dataBase64: png.toString('base64') }],
    });
    expect(posted.status).toBe(201);
    expect(posted.body.mentions).toEqual([{ id: alice.id, type: 'Person', name: alice.name }]);
    const bytes = Buffer.from(await (await fetch(posted.body.attachments[0].contentUri)).arrayBuffer());
    expect(bytes.equals(png)).toBe(true);
    const unicode = await call(emu, 'POST', `/_emulator/chats/${chat.id}/posts`, {
      creatorId: alice.id,
      attachments: [{ name: 'фото ü.png', contentType: 'image/png', dataBase64: png.toString('base64') }],
    });
    const unicodeDownload = await fetch(unicode.body.attachments[0].contentUri);
    expect(unicodeDownload.status).toBe(200);
    expect(unicodeDownload.headers.get('content-disposition')).toContain(`filename*=UTF-8''${encodeURIComponent('фото ü.png')}`);
    await call(emu, 'POST', `/_emulator/chats/${chat.id}/posts`, { creatorId: alice.id, text: 'second' });
    const all = await call(emu, 'GET', `/_emulator/chats/${chat.id}/posts`);
    expect(all.body.records.map((p: { text: string }) => p.text)).toEqual([`![:Person](${alice.id}) set my photo`, '', 'second']);
    const outsider = await call(emu, 'POST', `/_emulator/chats/${chat.id}/posts`, { creatorId: bob.id, text: 'x' });
    expect([outsider.status, outsider.body.errorCode]).toEqual([403, 'CMN-401']);
    const unknownChat = await call(emu, 'POST', '/_emulator/chats/1/posts', { creatorId: bob.id, text: 'x' });
    expect(unknownChat.status).toBe(404);
    const badChat = await call(emu, 'POST', '/_emulator/chats', { type: 'Direct', members: [alice.id] });
    expect([badChat.status, badChat.body.errorCode]).toEqual([400, 'CMN-101']);
    const badType = await call(emu, 'POST', '/_emulator/chats', { type: 'Channel', members: [alice.id] });
    expect([badType.status, badType.body.errors[0].parameterName]).toEqual([400, 'type']);
    const badMember = await call(emu, 'POST', `/_emulator/chats/${chat.id}/members`, { extensionId: '31337' });
    expect([badMember.status, badMember.body.errors[0].parameterName]).toEqual([400, 'members']);
    const badGuest = await call(emu, 'POST', '/_emulator/guests', { firstName: 'No' });
    expect(badGuest.status).toBe(400);
    const badAttachment = await call(emu, 'POST', `/_emulator/chats/${chat.id}/posts`, { creatorId: alice.id, attachments: [{ name: 'x' }] });
    expect([badAttachment.status, badAttachment.body.errors[0].parameterName]).toEqual([400, 'attachments']);
    const badSubmit = await call(emu, 'POST', '/_emulator/adaptive-cards/1/submit', { extensionId: alice.id, url: 'http://127.0.0.1:1/' });
    expect(badSubmit.status).toBe(404);
  });

  it('adaptive cards: create 201, get, put (creator only), delete; the card shows as a post with a Card attachment', async () => {
    const card = {
      type: 'AdaptiveCard',
      $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
      body: [{ type: 'TextBlock', text: 'Audit: 3 people have no photo' }],
      actions: [{ type: 'Action.Submit', title: 'Remind them', data: { action: 'remind' } }],
    };
    const created = await aliceSdk.platform().post(`/team-messaging/v1/chats/${team.id}/adaptive-cards`, card);
    expect(created.status).toBe(201);
    const info = await created.json();
    expect(info).toMatchObject({ type: 'AdaptiveCard', version: '1.3', creator: { id: alice.id }, chatIds: [team.id] });
    const read = await (await carolSdk.platform().get(`/team-messaging/v1/adaptive-cards/${info.id}`)).json();
    expect(read.body).toEqual(card.body);
    const posts = await call(emu, 'GET', `/_emulator/chats/${team.id}/posts`);
    const cardPost = posts.body.records.find((p: { id: string }) => p.id === info.id);
    expect(cardPost.attachments).toEqual([{ id: info.id, type: 'Card' }]);
    expect(cardPost.card.actions).toEqual(card.actions);
    const updated = await aliceSdk.platform().put(`/team-messaging/v1/adaptive-cards/${info.id}`, {
      ...card,
      body: [{ type: 'TextBlock', text: 'Done' }],
    });
    expect(updated.status).toBe(200);
    const after = await call(emu, 'GET', `/_emulator/chats/${team.id}/posts`);
    expect(after.body.records.find((p: { id: string }) => p.id === info.id).card.body).toEqual([{ type: 'TextBlock', text: 'Done' }]);
    const notCreator = await apiError(bobSdk.platform().put(`/team-messaging/v1/adaptive-cards/${info.id}`, card));
    expect([notCreator.status, notCreator.body.errorCode]).toEqual([403, 'CMN-401']);
    const bad = await apiError(aliceSdk.platform().post(`/team-messaging/v1/chats/${team.id}/adaptive-cards`, { type: 'Message' }));
    expect([bad.status, bad.body.errorCode]).toEqual([400, 'CMN-101']);
    const outsider = await apiError(carolSdk.platform().post(`/team-messaging/v1/chats/${group.id}/adaptive-cards`, card));
    expect(outsider.status).toBe(403);
    // A person clicks Action.Submit: the app's interactive URL gets a signed button_submit payload.
    const app = await new WebhookReceiver().start();
    try {
      const submit = await call(emu, 'POST', `/_emulator/adaptive-cards/${info.id}/submit`, {
        extensionId: carol.id,
        url: app.url,
        data: { action: 'remind' },
        sharedSecret: 'shh',
      });
      expect(submit.status).toBe(200);
      expect(submit.body.status).toBe(200);
      const got = app.deliveries[0]!;
      expect(got.body).toMatchObject({
        type: 'button_submit',
        user: { id: carol.id, extId: carol.id, firstName: 'Carol' },
        conversation: { id: team.id, type: 'TEAM' },
        card: { id: info.id },
        bot: { id: alice.id },
        data: { action: 'remind' },
      });
      expect(got.headers['x-glip-signature']).toBe(`sha1=${createHmac('sha1', 'shh').update(got.raw).digest('hex')}`);
      expect(JSON.stringify(got.body)).toBe(got.raw);
      const outsider = await call(emu, 'POST', `/_emulator/adaptive-cards/${info.id}/submit`, { extensionId: '555', url: app.url });
      expect([outsider.status, outsider.body.errorCode]).toEqual([400, 'CMN-101']);
    } finally {
      await app.stop();
    }
    expect((await aliceSdk.platform().delete(`/team-messaging/v1/adaptive-cards/${info.id}`)).status).toBe(204);
    const gone = await apiError(aliceSdk.platform().get(`/team-messaging/v1/adaptive-cards/${info.id}`));
    expect([gone.status, gone.body.errorCode]).toEqual([404, 'CMN-102']);
  });

  it('serves the legacy /restapi/v1.0/glip paths the bot framework uses', async () => {
    const direct = await addChat(emu, 'Direct', [alice.id, bob.id]);
    const groupInfo = await (await aliceSdk.platform().get(`/restapi/v1.0/glip/groups/${direct.id}`)).json();
    expect(groupInfo).toMatchObject({ id: direct.id, type: 'PrivateChat', members: [alice.id, bob.id] });
    const legacyPost = await aliceSdk.platform().post(`/restapi/v1.0/glip/groups/${direct.id}/posts`, { text: 'legacy hi' });
    expect(legacyPost.status).toBe(200);
    const chatPost = await aliceSdk.platform().post(`/restapi/v1.0/glip/chats/${direct.id}/posts`, { text: 'chat hi' });
    expect(chatPost.status).toBe(201);
    const cardRes = await aliceSdk.platform().post(`/restapi/v1.0/glip/chats/${direct.id}/adaptive-cards`, { type: 'AdaptiveCard', body: [] });
    expect(cardRes.status).toBe(201);
    const cardId = (await cardRes.json()).id;
    expect((await aliceSdk.platform().put(`/restapi/v1.0/glip/adaptive-cards/${cardId}`, { type: 'AdaptiveCard', body: [] })).status).toBe(200);
    const person = await (await aliceSdk.platform().get(`/restapi/v1.0/glip/persons/${bob.id}`)).json();
    expect(person.id).toBe(bob.id);
    const del = await aliceSdk.platform().delete(`/restapi/v1.0/glip/chats/${direct.id}/posts/${(await chatPost.json()).id}`);
    expect(del.status).toBe(204);
  });
});
