/**
 * The bot against the emulator's harder side: WebSocket delivery end to end, a 429 storm from
 * fault injection, a blacklisted subscription, and RingCentral refusing a non-admin (CMN-419).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { authorizeUrlIn, samplePhoto, startBotWorld, type BotWorld } from '../helpers/bot-world.ts';

let w: BotWorld | undefined;
afterEach(async () => {
  await w?.close();
  w = undefined;
});

describe('WebSocket delivery', () => {
  it('receives posts and answers them without any WebHook', async () => {
    w = await startBotWorld({ delivery: 'websocket' });
    expect(w.bot.platform.eventDeliveryStatus().mode).toBe('websocket');
    const person = w.setup.withPhoto;
    const dm = w.setup.directChats[person.id]!;
    await w.control.post(dm, { creatorId: person.id, text: 'show me' });
    const card = await w.waitForPost(dm, (p) => p.creatorId === w!.setup.botId && Boolean(p.card));
    expect(JSON.stringify(card.card)).toContain(person.name);
    const state = await w.control.state();
    expect(state.subscriptions.some((s) => s.status === 'Active' && s.transportType === 'WebHook')).toBe(false);
    expect(w.logs.lines.some((l) => l.msg === 'subscription validation handshake answered')).toBe(false);
  });
});

describe('rate limits', () => {
  it('rides out a 429 storm on posting and still answers once', async () => {
    w = await startBotWorld();
    const person = w.setup.withPhoto;
    const dm = w.setup.directChats[person.id]!;
    await w.control.faults({ method: 'POST', path: `/team-messaging/v1/chats/${dm}/posts`, status: 429, errorCode: 'CMN-301', count: 3 });
    const asked = await w.control.post(dm, { creatorId: person.id, text: 'help' });
    await w.waitHandled(asked.id, 20_000);
    const posts = await w.control.posts(dm);
    const after = posts.slice(posts.findIndex((p) => p.id === asked.id) + 1).filter((p) => p.creatorId === w!.setup.botId);
    const helpReplies = after.filter((p) => (p.text ?? '').includes('set my avatar'));
    expect(helpReplies.length).toBe(1);
    const requests = await w.control.requests();
    expect(requests.filter((r) => r.status === 429).length).toBeGreaterThanOrEqual(3);
  });
});

describe('subscription repair', () => {
  it('replaces a blacklisted subscription and keeps answering', async () => {
    w = await startBotWorld();
    const before = (await w.control.state()).subscriptions.find((s) => s.status === 'Active')!;
    await w.control.blacklist(before.id);
    await w.bot.platform.checkSubscription();
    const subs = (await w.control.state()).subscriptions.filter((s) => s.status === 'Active');
    expect(subs).toHaveLength(1);
    expect(subs[0]!.id).not.toBe(before.id);
    const person = w.setup.withPhoto;
    const dm = w.setup.directChats[person.id]!;
    const asked = await w.control.post(dm, { creatorId: person.id, text: 'help' });
    expect(await w.waitHandled(asked.id)).toBe('done');
  });
});

describe('set avatar for @person', () => {
  it('tells a non-administrator at once, without a sign-in, that only administrators can change another person\'s photo', async () => {
    w = await startBotWorld();
    const { withPhoto: requester, withoutPhoto: target, botId } = w.setup;
    const dm = w.setup.directChats[requester.id]!;
    const photo = await samplePhoto();
    const attachments = [{ name: photo.name, contentType: 'image/jpeg', dataBase64: photo.bytes.toString('base64') }];
    const asked = await w.control.post(dm, { creatorId: requester.id, text: `set avatar for ![:Person](${target.id})`, attachments });
    await w.waitForPost(dm, (p) => p.creatorId === botId && /Only RingCentral administrators can set someone else's profile photo/.test(p.text ?? ''));
    expect(await w.waitHandled(asked.id)).toBe('done');
    expect((await w.botPosts(dm)).some((p) => authorizeUrlIn(p.text) || JSON.stringify(p.card ?? '').includes('Sign in'))).toBe(false);
    expect(w.emulator.state.extensions.get(target.id)!.profileImage).toBeUndefined();
  });

  it('lets an admin set another person\'s photo, and sends the link privately when asked in a group', async () => {
    w = await startBotWorld();
    const { admin, withoutPhoto: target, botId, adminsChatId } = w.setup;
    const photo = await samplePhoto();
    const attachments = [{ name: photo.name, contentType: 'image/jpeg', dataBase64: photo.bytes.toString('base64') }];
    await w.control.post(adminsChatId, { creatorId: admin.id, text: `![:Person](${botId}) set avatar for ![:Person](${target.id})`, attachments });
    await w.waitForPost(adminsChatId, (p) => p.creatorId === botId && /direct message/.test(p.text ?? ''));
    expect((await w.botPosts(adminsChatId)).some((p) => authorizeUrlIn(p.text))).toBe(false);
    const dm = w.setup.directChats[admin.id]!;
    const link = await w.waitForPost(dm, (p) => p.creatorId === botId && Boolean(authorizeUrlIn(p.text)));
    const { location } = await w.control.consent({ authorizeUrl: authorizeUrlIn(link.text)!, extensionId: admin.id });
    expect((await fetch(location)).status).toBe(200);
    await w.waitForPost(adminsChatId, (p) => p.creatorId === botId && JSON.stringify(p.card ?? '').includes('Profile photo updated for'));
    expect(w.emulator.state.extensions.get(target.id)!.profileImage).toBeDefined();
  });
});

describe('adaptive card submissions', () => {
  it('handles a signed "Show again" click and refuses a wrongly signed one', async () => {
    w = await startBotWorld({ env: { RINGCENTRAL_SHARED_SECRET: 'card-secret' } });
    const { adminsChatId: chat, botId, admin, withPhoto } = w.setup;
    await w.control.post(chat, { creatorId: admin.id, text: `![:Person](${botId}) show ![:Person](${withPhoto.id})` });
    const card = await w.waitForPost(chat, (p) => p.creatorId === botId && Boolean(p.card));
    expect(JSON.stringify(card.card)).toContain('Show again');
    const cardId = String((card.card as { id: string }).id);
    const cardsBefore = (await w.botPosts(chat)).filter((p) => p.card).length;
    const submit = async (secret: string, signatureFormat: 'prefixed' | 'bare') => {
      const res = await fetch(`${w!.emulator.url}/_emulator/adaptive-cards/${cardId}/submit`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ extensionId: admin.id, url: `${w!.bot.url}/interactive`, data: { action: 'show', extensionId: withPhoto.id }, sharedSecret: secret, signatureFormat }),
      });
      return (await res.json()) as { status?: number };
    };
    expect((await submit('wrong-secret', 'prefixed')).status).toBe(401);
    expect((await submit('card-secret', 'bare')).status).toBe(200);
    await expect.poll(async () => (await w!.botPosts(chat)).filter((p) => p.card).length, { timeout: 10_000 }).toBe(cardsBefore + 1);
    await w.bot.dispatcher.drain();
    expect((await w.botPosts(chat)).filter((p) => p.card).length).toBe(cardsBefore + 1);
  });

  it('puts no "Show again" button on a card when RINGCENTRAL_SHARED_SECRET is not set (the click could only be refused)', async () => {
    w = await startBotWorld();
    const { adminsChatId: chat, botId, admin, withPhoto } = w.setup;
    await w.control.post(chat, { creatorId: admin.id, text: `![:Person](${botId}) show ![:Person](${withPhoto.id})` });
    const card = await w.waitForPost(chat, (p) => p.creatorId === botId && Boolean(p.card));
    expect(JSON.stringify(card.card)).toContain('Profile photo of');
    expect(JSON.stringify(card.card)).not.toContain('Show again');
  });
});

describe('subscription expiry', () => {
  it('creates a new subscription when the old one has expired', async () => {
    w = await startBotWorld();
    const before = (await w.control.state()).subscriptions.find((s) => s.status === 'Active')!;
    const advanceMs = 11 * 365 * 24 * 3600 * 1000;
    await w.control.advanceClock(advanceMs);
    await w.bot.platform.checkSubscription();
    // The emulator's state view still lists the expired one as Active; judge by expiry time.
    const emulatorNow = Date.now() + advanceMs;
    const active = (await w.control.state()).subscriptions.filter(
      (s) => s.status === 'Active' && Date.parse((s as { expirationTime?: string }).expirationTime ?? '') > emulatorNow,
    );
    expect(active).toHaveLength(1);
    expect(active[0]!.id).not.toBe(before.id);
    const person = w.setup.withPhoto;
    const dm = w.setup.directChats[person.id]!;
    const asked = await w.control.post(dm, { creatorId: person.id, text: 'help' });
    expect(await w.waitHandled(asked.id)).toBe('done');
  });
});
