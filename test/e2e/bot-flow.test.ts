/**
 * The bot and the emulator, both real, over loopback sockets (WebHook delivery).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authorizeUrlIn, samplePhoto, startBotWorld, type BotWorld } from '../helpers/bot-world.ts';
import { createTokenCipher } from '../../src/users/token-cipher.ts';
import type { UserTokens } from '../../src/platform/ringcentral-client.ts';

let w: BotWorld;
beforeAll(async () => {
  w = await startBotWorld();
});
afterAll(async () => {
  await w?.close();
});

async function signInAs(extensionId: string, authorizeUrl: string): Promise<Response> {
  const { location } = await w.control.consent({ authorizeUrl, extensionId });
  return fetch(location);
}

describe('install and subscription', () => {
  it('installs the private bot through /oauth and keeps one Active WebHook subscription to /webhook', async () => {
    const state = await w.control.state();
    expect(state.bot?.extensionId).toBe(w.setup.botId);
    const subs = state.subscriptions.filter((s) => s.status === 'Active');
    expect(subs).toHaveLength(1);
    expect(subs[0]).toMatchObject({ transportType: 'WebHook', address: `${w.bot.url}/webhook` });
    const health = (await (await fetch(`${w.bot.url}/health`)).json()) as Record<string, any>;
    expect(health).toMatchObject({ bot: { installed: true, extensionId: w.setup.botId }, eventDelivery: { mode: 'webhook', state: 'active' } });
    expect(w.logs.lines.some((l) => l.msg === 'subscription validation handshake answered')).toBe(true);
  });
});

describe('set my avatar', () => {
  it('sends a sign-in link in the DM, sets the photo after consent and confirms with a card', async () => {
    const person = w.setup.withoutPhoto;
    const dm = w.setup.directChats[person.id]!;
    const before = w.emulator.state.extensions.get(person.id)!.profileImage;
    expect(before).toBeUndefined();
    const photo = await samplePhoto();
    const asked = await w.control.post(dm, {
      creatorId: person.id,
      text: 'Set my avatar',
      attachments: [{ name: photo.name, contentType: 'image/jpeg', dataBase64: photo.bytes.toString('base64') }],
    });
    const linkPost = await w.waitForPost(dm, (p) => p.creatorId === w.setup.botId && Boolean(authorizeUrlIn(p.text)));
    const link = authorizeUrlIn(linkPost.text)!;
    expect(new URL(link).searchParams.get('code_challenge_method')).toBe('S256');
    expect(new URL(link).searchParams.get('redirect_uri')).toBe(`${w.bot.url}/oauth/user`);
    expect(await w.waitHandled(asked.id)).toBe('done');

    const page = await signInAs(person.id, link);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Signed in');

    const card = await w.waitForPost(dm, (p) => p.creatorId === w.setup.botId && Boolean(p.card));
    expect(JSON.stringify(card.card)).toContain('Your profile photo is updated');
    const after = w.emulator.state.extensions.get(person.id)!.profileImage!;
    expect(after).toBeDefined();
    expect(after.etag).toBeTruthy();
    expect(after.contentType).toBe('image/jpeg');

    // A second photo changes the image and its ETag, now without a new sign-in.
    const again = await w.control.post(dm, {
      creatorId: person.id,
      text: '',
      attachments: [{ name: 'second.jpg', contentType: 'image/jpeg', dataBase64: (await samplePhotoVariant()).toString('base64') }],
    });
    await w.waitHandled(again.id);
    await expect.poll(() => w.emulator.state.extensions.get(person.id)!.profileImage!.etag, { timeout: 10_000 }).not.toBe(after.etag);
    const linkPosts = (await w.botPosts(dm)).filter((p) => authorizeUrlIn(p.text));
    expect(linkPosts).toHaveLength(1);

    // The link was single use.
    const reused = await signInAs(person.id, link);
    expect(reused.status).toBe(400);
    expect(await reused.text()).toContain('already used or expired');
  });

  it('uses the first image of several attachments and says so', async () => {
    const person = w.setup.withoutPhoto; // signed in by the previous test
    const dm = w.setup.directChats[person.id]!;
    const photo = await samplePhoto();
    const etagBefore = w.emulator.state.extensions.get(person.id)!.profileImage!.etag;
    await w.control.post(dm, {
      creatorId: person.id,
      text: 'set my photo',
      attachments: [
        { name: 'notes.txt', contentType: 'text/plain', dataBase64: Buffer.from('hello').toString('base64') },
        { name: 'me.jpg', contentType: 'image/jpeg', dataBase64: photo.bytes.toString('base64') },
        { name: 'other.png', contentType: 'image/png', dataBase64: photo.bytes.toString('base64') },
      ],
    });
    const card = await w.waitForPost(dm, (p) => p.creatorId === w.setup.botId && JSON.stringify(p.card ?? '').includes('You sent 3 files'));
    expect(JSON.stringify(card.card)).toContain('the first image (me.jpg)');
    expect(w.emulator.state.extensions.get(person.id)!.profileImage!.etag).not.toBe(etagBefore);
  });

  it('refuses a sign-in as someone else than who asked', async () => {
    const person = w.setup.admin;
    const dm = w.setup.directChats[person.id]!;
    const photo = await samplePhoto();
    await w.control.post(dm, { creatorId: person.id, text: 'set my photo', attachments: [{ name: 'a.jpg', contentType: 'image/jpeg', dataBase64: photo.bytes.toString('base64') }] });
    const linkPost = await w.waitForPost(dm, (p) => p.creatorId === w.setup.botId && Boolean(authorizeUrlIn(p.text)));
    const page = await signInAs(w.setup.withPhoto.id, authorizeUrlIn(linkPost.text)!);
    expect(page.status).toBe(403);
    expect(await page.text()).toContain('different person');
    // the one who asked learns it in their chat, with a fresh link of their own
    const fresh = await w.waitForPost(dm, (p) => p.creatorId === w.setup.botId && /used by someone signed in as a different RingCentral user/.test(p.text ?? ''));
    const freshUrl = authorizeUrlIn(fresh.text)!;
    expect(freshUrl).toBeDefined();
    expect(freshUrl).not.toBe(authorizeUrlIn(linkPost.text));
    expect(w.emulator.state.extensions.get(person.id)!.profileImage).toBeUndefined();
  });

  it('asks for the photo when none is attached', async () => {
    const person = w.setup.withPhoto;
    const dm = w.setup.directChats[person.id]!;
    await w.control.post(dm, { creatorId: person.id, text: 'set my avatar' });
    const reply = await w.waitForPost(dm, (p) => p.creatorId === w.setup.botId && /attach the photo/i.test(p.text ?? ''));
    expect(reply.text).toMatch(/\(ref [A-Z0-9]{8}\)/);
    const ref = /\(ref ([A-Z0-9]{8})\)/.exec(reply.text!)![1];
    expect(w.logs.lines.some((l) => l.ref === ref)).toBe(true);
  });

  it('answers a file that is not an image with a plain sentence', async () => {
    const person = w.setup.withPhoto;
    const dm = w.setup.directChats[person.id]!;
    await w.control.post(dm, {
      creatorId: person.id,
      text: 'set my avatar',
      attachments: [{ name: 'notes.jpg', contentType: 'image/jpeg', dataBase64: Buffer.from('just some text, not a picture').toString('base64') }],
    });
    const reply = await w.waitForPost(dm, (p) => p.creatorId === w.setup.botId && /isn't an image|not an image/i.test(p.text ?? ''));
    expect(reply.text).toMatch(/ref [A-Z0-9]{8}/);
  });
});

describe('show', () => {
  it('shows a person with a photo as a card, and says so when there is none', async () => {
    const { adminsChatId: chat, botId, admin, withPhoto, withoutPhoto } = w.setup;
    // Ensure the person "without" a photo still has none: pick someone nobody changes.
    const noPhoto = (await w.control.state()).users.find((u) => !u.hasPhoto && u.id !== withoutPhoto.id && u.id !== admin.id)!;
    await w.control.post(chat, { creatorId: admin.id, text: `![:Person](${botId}) show ![:Person](${withPhoto.id})` });
    const card = await w.waitForPost(chat, (p) => p.creatorId === botId && JSON.stringify(p.card ?? '').includes(withPhoto.name));
    expect(JSON.stringify(card.card)).toMatch(/"type":"Image"/);
    await w.control.post(chat, { creatorId: admin.id, text: `![:Person](${botId}) show ![:Person](${noPhoto.id})` });
    await w.waitForPost(chat, (p) => p.creatorId === botId && p.text === `${noPhoto.name} (ext. ${noPhoto.extensionNumber}) has no profile photo.`);
  });

  it('answers a guest mention politely', async () => {
    const { adminsChatId: chat, botId, admin } = w.setup;
    await w.control.post(chat, { creatorId: admin.id, text: `![:Person](${botId}) show ![:Person](glip-987)` });
    await w.waitForPost(chat, (p) => p.creatorId === botId && /guest/.test(p.text ?? ''));
  });
});

describe('conversation rules', () => {
  it('ignores a group message without a mention', async () => {
    const { adminsChatId: chat, admin, botId } = w.setup;
    const before = (await w.botPosts(chat)).length;
    await w.control.clearRequests();
    const p = await w.control.post(chat, { creatorId: admin.id, text: 'help' });
    expect(await w.waitHandled(p.id)).toBe('done');
    expect((await w.botPosts(chat)).length).toBe(before);
    expect((await w.control.requests()).filter((r) => r.callerExtensionId === botId)).toEqual([]);
  });

  it("ignores the bot's own post", async () => {
    const { botId, admin } = w.setup;
    const dm = w.setup.directChats[admin.id]!;
    const before = (await w.botPosts(dm)).length;
    await w.control.clearRequests();
    const p = await w.control.post(dm, { creatorId: botId, text: 'help' });
    expect(await w.waitHandled(p.id)).toBe('done');
    expect((await w.botPosts(dm)).length).toBe(before + 1); // only the post itself
    expect((await w.control.requests()).filter((r) => r.callerExtensionId === botId)).toEqual([]);
  });

  it('answers unknown text with the help', async () => {
    const person = w.setup.withPhoto;
    const dm = w.setup.directChats[person.id]!;
    await w.control.post(dm, { creatorId: person.id, text: 'what is the weather like' });
    await w.waitForPost(dm, (p) => p.creatorId === w.setup.botId && (p.text ?? '').startsWith("Sorry, I didn't get that."));
  });
});

describe('webhook safety', () => {
  function envelope(uuid: string, chatId: string, creatorId: string, text: string) {
    return JSON.stringify({
      uuid,
      event: '/team-messaging/v1/posts',
      timestamp: new Date().toISOString(),
      subscriptionId: 'sub',
      ownerId: w.setup.botId,
      body: { id: `forged-${uuid}`, groupId: chatId, type: 'TextMessage', text, creatorId, mentions: null, attachments: null, eventType: 'PostAdded' },
    });
  }

  it('rejects a forged delivery and does nothing', async () => {
    const person = w.setup.withPhoto;
    const dm = w.setup.directChats[person.id]!;
    const countsBefore = await w.bot.store.inbox.counts();
    const before = (await w.botPosts(dm)).length;
    const res = await fetch(`${w.bot.url}/webhook`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'Verification-Token': 'forged-token-forged-token' },
      body: envelope('forged-1', dm, person.id, 'help'),
    });
    expect(res.status).toBe(401);
    expect(await w.bot.store.inbox.counts()).toEqual(countsBefore);
    await w.bot.dispatcher.drain();
    expect((await w.botPosts(dm)).length).toBe(before);
  });

  it('processes the same delivery twice only once', async () => {
    const person = w.setup.withPhoto;
    const dm = w.setup.directChats[person.id]!;
    const before = (await w.botPosts(dm)).length;
    const body = envelope('dup-1', dm, person.id, 'forget me');
    for (let i = 0; i < 2; i++) {
      const res = await fetch(`${w.bot.url}/webhook`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'Verification-Token': w.bot.verificationToken },
        body,
      });
      expect(res.status).toBe(200);
    }
    expect(await w.waitHandled('forged-dup-1')).toBe('done');
    await w.bot.dispatcher.drain();
    expect((await w.botPosts(dm)).length).toBe(before + 1);
  });
});

describe('authorization lifecycle', () => {
  it('sends a fresh sign-in link when the person revoked the authorization at RingCentral', async () => {
    const person = w.setup.withoutPhoto; // signed in by the set-my-avatar test
    const dm = w.setup.directChats[person.id]!;
    const sealed = await w.bot.store.getSealedUserTokens(person.id);
    expect(sealed).toBeDefined();
    const key = Buffer.from((await w.bot.store.getSetting('demo.token-encryption-key'))!, 'base64');
    const tokens = JSON.parse(createTokenCipher(key).open(sealed!, `user-tokens:${person.id}`)) as UserTokens;
    const { app } = await w.control.state();
    const revoked = await fetch(`${w.emulator.url}/restapi/oauth/revoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${app.clientId}:${app.clientSecret}`).toString('base64')}` },
      body: new URLSearchParams({ token: tokens.accessToken }).toString(),
    });
    expect(revoked.status).toBe(200);
    const linksBefore = (await w.botPosts(dm)).filter((p) => authorizeUrlIn(p.text)).length;
    const photo = await samplePhoto();
    const p = await w.control.post(dm, { creatorId: person.id, text: 'set my avatar', attachments: [{ name: 'x.jpg', contentType: 'image/jpeg', dataBase64: photo.bytes.toString('base64') }] });
    await w.waitHandled(p.id);
    await expect.poll(async () => (await w.botPosts(dm)).filter((x) => authorizeUrlIn(x.text)).length, { timeout: 10_000 }).toBe(linksBefore + 1);
    const last = (await w.botPosts(dm)).filter((x) => authorizeUrlIn(x.text)).pop()!;
    expect(last.text).toMatch(/expired or was revoked/);
    // Signing in again finishes the request.
    const { location } = await w.control.consent({ authorizeUrl: authorizeUrlIn(last.text)!, extensionId: person.id });
    expect((await fetch(location)).status).toBe(200);
    await w.waitForPost(dm, (x) => x.creatorId === w.setup.botId && Boolean(x.card) && x.id > last.id);
  });

  it('sends a fresh sign-in link when the stored authorization has expired', async () => {
    const person = w.setup.withoutPhoto; // signed in by the set-my-avatar test
    const dm = w.setup.directChats[person.id]!;
    expect(await w.bot.store.getSealedUserTokens(person.id)).toBeDefined();
    await w.control.advanceClock(30 * 24 * 3600 * 1000); // access and refresh tokens expire
    const linksBefore = (await w.botPosts(dm)).filter((p) => authorizeUrlIn(p.text)).length;
    const photo = await samplePhoto();
    const p = await w.control.post(dm, { creatorId: person.id, text: 'set my avatar', attachments: [{ name: 'x.jpg', contentType: 'image/jpeg', dataBase64: photo.bytes.toString('base64') }] });
    await w.waitHandled(p.id);
    await expect.poll(async () => (await w.botPosts(dm)).filter((x) => authorizeUrlIn(x.text)).length, { timeout: 10_000 }).toBe(linksBefore + 1);
  });

  it('forget me deletes the stored tokens', async () => {
    const person = w.setup.withoutPhoto;
    const dm = w.setup.directChats[person.id]!;
    const p = await w.control.post(dm, { creatorId: person.id, text: 'forget me' });
    await w.waitHandled(p.id);
    expect(await w.bot.store.getSealedUserTokens(person.id)).toBeUndefined();
  });
});

async function samplePhotoVariant(): Promise<Buffer> {
  const { Jimp } = await import('jimp');
  const img = new Jimp({ width: 400, height: 400, color: 0x22aa66ff });
  return img.getBuffer('image/jpeg', { quality: 80 });
}
