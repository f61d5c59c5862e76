import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { SDK } from '@ringcentral/sdk';
import { Jimp } from 'jimp';
import type { Emulator } from '../../src/emulator/create-emulator.ts';
import {
  WebhookReceiver,
  addChat,
  addPerson,
  advanceClock,
  call,
  sdkFor,
  startEmulator,
  tokenOf,
  waitFor,
  type Person,
} from './emulator-messaging-world.ts';

const TIMEOUT_MS = 1000;
const FAILURES = 3;

describe('emulator WebHook subscriptions against a real koa receiver', () => {
  let emu: Emulator;
  let bot: Person;
  let alice: Person;
  let bob: Person;
  let botSdk: SDK;
  let botToken: string;
  let chat: { id: string };
  const receivers: WebhookReceiver[] = [];

  async function receiver(): Promise<WebhookReceiver> {
    const r = await new WebhookReceiver().start();
    receivers.push(r);
    return r;
  }

  async function subscribe(r: WebhookReceiver, eventFilters: string[], extra: Record<string, unknown> = {}) {
    return await call(
      emu,
      'POST',
      '/restapi/v1.0/subscription',
      { eventFilters, deliveryMode: { transportType: 'WebHook', address: r.url, verificationToken: 'verify-me' }, ...extra },
      botToken,
    );
  }

  /**
   * A healthy subscription to the chat's posts, as a positive signal: the emulator routes a post to
   * every subscription in one pass, so once the witness has a post, a delivery of that post to any
   * other subscription, had there been one, was already on its way. Returns "wait until the
   * witness has received the post with this text".
   */
  async function postWitness(): Promise<(text: string) => Promise<unknown>> {
    const w = await receiver();
    expect((await subscribe(w, ['/team-messaging/v1/posts'])).status).toBe(200);
    return (text) => waitFor(() => w.deliveries.some((d) => d.body.body.text === text), 5000, `the witness subscription to receive "${text}"`);
  }

  /**
   * The same for renewal reminders: a new subscription whose reminder is due at once. Its first
   * reminder proves a reminder check ran after every subscription made before it.
   */
  async function reminderCheckWitness(): Promise<void> {
    const w = await receiver();
    const filter = '/restapi/v1.0/subscription/~?threshold=600&interval=60';
    expect((await subscribe(w, [filter], { expiresIn: 600 })).status).toBe(200);
    await waitFor(() => w.deliveries.some((d) => d.body.event === filter), 5000, 'a reminder check after the subscriptions so far');
  }

  async function say(text: string, who: Person = alice, chatId = chat.id) {
    const res = await call(emu, 'POST', `/_emulator/chats/${chatId}/posts`, { creatorId: who.id, text });
    expect(res.status).toBe(201);
    return res.body;
  }

  beforeAll(async () => {
    emu = await startEmulator({ webhookTimeoutMs: TIMEOUT_MS, blacklistAfterFailures: FAILURES });
    bot = await addPerson(emu, 'Avatar', 'Bot', 'Bot');
    alice = await addPerson(emu, 'Alice', 'Archer');
    bob = await addPerson(emu, 'Bob', 'Baker');
    botSdk = await sdkFor(emu, bot.id);
    botToken = await tokenOf(botSdk);
    chat = await addChat(emu, 'Group', [bot.id, alice.id, bob.id]);
  });

  afterEach(async () => {
    await Promise.all(receivers.splice(0).map((r) => r.stop()));
  });

  afterAll(async () => {
    await emu.close();
  });

  it('validates the address (echoed Validation-Token) and creates an Active subscription with normalised filters', async () => {
    const r = await receiver();
    const res = await subscribe(r, ['/team-messaging/v1/posts', '/restapi/v1.0/account/~/extension/~'], {
      deliveryMode: { transportType: 'WebHook', address: r.url, expiresIn: 60 },
    });
    expect(res.status).toBe(200);
    expect(r.validations).toBe(1);
    expect(res.body).toMatchObject({
      status: 'Active',
      eventFilters: ['/team-messaging/v1/posts', `/restapi/v1.0/account/${emu.state.accountId}/extension/${bot.id}`],
      deliveryMode: { transportType: 'WebHook', address: r.url, encryption: false },
    });
    // deliveryMode.expiresIn is ignored: the default lifetime of 604800 s applies.
    expect(res.body.expiresIn).toBeGreaterThan(604_790);
    expect(res.body.deliveryMode.verificationToken).toBeUndefined();
    const top = await subscribe(r, ['/team-messaging/v1/posts'], { expiresIn: 3600 });
    expect(top.body.expiresIn).toBeGreaterThan(3590);
    expect(top.body.expiresIn).toBeLessThanOrEqual(3600);
  });

  it('fails the handshake with SUB-520 (no or wrong echo), SUB-521 (slow, 5xx, unreachable), SUB-525 (over 1024 bytes)', async () => {
    const cases: Array<[WebhookReceiver['mode'], string]> = [
      ['no-echo', 'SUB-520'],
      ['wrong-echo', 'SUB-520'],
      ['slow', 'SUB-521'],
      ['fail', 'SUB-521'],
      ['oversized', 'SUB-525'],
    ];
    for (const [mode, code] of cases) {
      const r = await receiver();
      r.mode = mode;
      const res = await subscribe(r, ['/team-messaging/v1/posts']);
      expect([mode, res.status, res.body.errorCode]).toEqual([mode, 400, code]);
    }
    const gone = await receiver();
    await gone.stop();
    const res = await subscribe(gone, ['/team-messaging/v1/posts']);
    expect([res.status, res.body.errorCode]).toEqual([400, 'SUB-521']);
    const list = await call(emu, 'GET', '/restapi/v1.0/subscription', undefined, botToken);
    expect(list.body.records.every((s: { deliveryMode: { address: string } }) => s.deliveryMode.address !== gone.url)).toBe(true);
  });

  it('rejects bad requests: CMN-101, SUB-508, SUB-516, SUB-406, 404 CMN-120', async () => {
    const r = await receiver();
    const noMode = await call(emu, 'POST', '/restapi/v1.0/subscription', { eventFilters: ['/team-messaging/v1/posts'] }, botToken);
    expect([noMode.status, noMode.body.errorCode, noMode.body.errors[0].parameterName]).toEqual([400, 'CMN-101', 'deliveryMode']);
    const ws = await call(
      emu,
      'POST',
      '/restapi/v1.0/subscription',
      { eventFilters: ['/team-messaging/v1/posts'], deliveryMode: { transportType: 'WebSocket' } },
      botToken,
    );
    expect([ws.status, ws.body.errorCode]).toEqual([400, 'CMN-101']);
    const noFilters = await subscribe(r, []);
    expect([noFilters.status, noFilters.body.errors[0].parameterName]).toEqual([400, 'eventFilters']);
    const badExpires = await subscribe(r, ['/team-messaging/v1/posts'], { expiresIn: 0 });
    expect([badExpires.status, badExpires.body.errors[0].parameterName]).toEqual([400, 'expiresIn']);
    const badFilter = await subscribe(r, ['/restapi/v1.0/account/~/extension/~/presence']);
    expect([badFilter.status, badFilter.body.errorCode]).toEqual([400, 'SUB-508']);
    const badReminder = await subscribe(r, ['/restapi/v1.0/subscription/~?threshold=60']);
    expect([badReminder.status, badReminder.body.errorCode]).toEqual([400, 'SUB-516']);
    const otherAccount = await subscribe(r, ['/restapi/v1.0/account/1/extension/1']);
    expect([otherAccount.status, otherAccount.body.errorCode]).toEqual([403, 'SUB-406']);
    const unknown = await call(emu, 'GET', '/restapi/v1.0/subscription/00000000-0000-0000-0000-000000000000', undefined, botToken);
    expect([unknown.status, unknown.body.errorCode]).toEqual([404, 'CMN-120']);
    expect(r.validations).toBe(0);
  });

  it('delivers PostAdded to chat members with Verification-Token and the {uuid,event,timestamp,subscriptionId,ownerId,body} envelope', async () => {
    const r = await receiver();
    const sub = (await subscribe(r, ['/team-messaging/v1/posts'])).body;
    const post = await say(`![:Person](${bot.id}) help`);
    const d = await waitFor(() => r.deliveries[0], 5000, 'a delivery');
    expect(d.headers['verification-token']).toBe('verify-me');
    expect(d.headers['validation-token']).toBeUndefined();
    expect(d.headers['content-type']).toMatch(/^application\/json/);
    expect(Object.keys(d.body).sort()).toEqual(['body', 'event', 'ownerId', 'subscriptionId', 'timestamp', 'uuid']);
    expect(d.body).toMatchObject({ event: '/team-messaging/v1/posts', subscriptionId: sub.id, ownerId: bot.id });
    expect(new Date(d.body.timestamp).toISOString()).toBe(d.body.timestamp);
    expect(d.body.body).toMatchObject({
      id: post.id,
      groupId: chat.id,
      type: 'TextMessage',
      creatorId: alice.id,
      eventType: 'PostAdded',
      attachments: null,
      mentions: [{ id: bot.id, type: 'Person', name: bot.name }],
    });
    // A chat the bot isn't in: nothing is delivered.
    const private_ = await addChat(emu, 'Direct', [alice.id, bob.id]);
    await say('just us', alice, private_.id);
    await say('marker');
    await waitFor(() => r.deliveries.length >= 2, 5000, 'the marker');
    expect(r.deliveries.map((x) => x.body.body.text)).toEqual([`![:Person](${bot.id}) help`, 'marker']);
  });

  it('delivers in order per subscription, and PostChanged / PostRemoved follow the post', async () => {
    const r = await receiver();
    await subscribe(r, ['/restapi/v1.0/glip/posts']);
    for (let i = 0; i < 6; i++) await say(`n${i}`);
    await waitFor(() => r.deliveries.length >= 6, 5000, 'six deliveries');
    expect(r.deliveries.map((d) => d.body.body.text)).toEqual(['n0', 'n1', 'n2', 'n3', 'n4', 'n5']);
    expect(r.deliveries[0]!.body.event).toBe('/restapi/v1.0/glip/posts');
    const mine = await call(emu, 'POST', `/restapi/v1.0/glip/chats/${chat.id}/posts`, { text: 'from bot' }, botToken);
    await call(emu, 'PATCH', `/team-messaging/v1/chats/${chat.id}/posts/${mine.body.id}`, { text: 'edited' }, botToken);
    await call(emu, 'DELETE', `/team-messaging/v1/chats/${chat.id}/posts/${mine.body.id}`, undefined, botToken);
    await waitFor(() => r.deliveries.length >= 9, 5000, 'three more');
    expect(r.deliveries.slice(6).map((d) => [d.body.body.eventType, d.body.body.id])).toEqual([
      ['PostAdded', mine.body.id],
      ['PostChanged', mine.body.id],
      ['PostRemoved', mine.body.id],
    ]);
    expect(r.deliveries[7]!.body.body.text).toBe('edited');
  });

  it('delivers GroupJoined / GroupLeft on chat filters (legacy filter uses legacy chat types)', async () => {
    const r = await receiver();
    await subscribe(r, ['/team-messaging/v1/chats']);
    const r2 = await receiver();
    await subscribe(r2, ['/restapi/v1.0/glip/groups']);
    const direct = await addChat(emu, 'Direct', [alice.id, bot.id]);
    const joined = await waitFor(() => r.deliveries[0], 5000, 'GroupJoined');
    expect(joined.body.event).toBe('/team-messaging/v1/chats');
    expect(joined.body.body).toMatchObject({ id: direct.id, type: 'Direct', eventType: 'GroupJoined', members: [alice.id, bot.id] });
    const legacy = await waitFor(() => r2.deliveries[0], 5000, 'legacy GroupJoined');
    expect(legacy.body.body).toMatchObject({ id: direct.id, type: 'PrivateChat', eventType: 'GroupJoined' });
    const team = await addChat(emu, 'Team', [alice.id], 'Later');
    expect((await call(emu, 'POST', `/_emulator/chats/${team.id}/members`, { extensionId: bot.id })).status).toBe(200);
    await waitFor(() => r.deliveries.length >= 2, 5000, 'bot added to team');
    expect(r.deliveries[1]!.body.body).toMatchObject({ id: team.id, type: 'Team', name: 'Later', eventType: 'GroupJoined' });
    expect((await call(emu, 'DELETE', `/_emulator/chats/${team.id}/members/${bot.id}`)).status).toBe(200);
    await waitFor(() => r.deliveries.length >= 3, 5000, 'bot removed');
    expect(r.deliveries[2]!.body.body).toMatchObject({ id: team.id, eventType: 'GroupLeft', members: [alice.id] });
  });

  it('delivers extension events to /extension/~ (Delete, Update with hints) and /extension', async () => {
    const r = await receiver();
    await subscribe(r, ['/restapi/v1.0/account/~/extension/~']);
    const r2 = await receiver();
    await subscribe(r2, ['/restapi/v1.0/account/~/extension']);
    emu.state.publish({
      event: `/restapi/v1.0/account/${emu.state.accountId}/extension/${alice.id}`,
      body: { extensionId: alice.id, eventType: 'Update', hints: ['ProfileImage'] },
    });
    emu.state.publish({
      event: `/restapi/v1.0/account/~/extension/${bot.id}`,
      body: { extensionId: bot.id, eventType: 'Delete' },
    });
    await waitFor(() => r2.deliveries.length >= 2 && r.deliveries.length >= 1, 5000, 'extension events');
    expect(r.deliveries).toHaveLength(1);
    expect(r.deliveries[0]!.body).toMatchObject({
      event: `/restapi/v1.0/account/${emu.state.accountId}/extension/${bot.id}`,
      body: { extensionId: bot.id, eventType: 'Delete' },
    });
    expect(r2.deliveries.map((d) => d.body.body.extensionId)).toEqual([alice.id, bot.id]);
    expect(r2.deliveries[0]!.body.body.hints).toEqual(['ProfileImage']);
  });

  it('end to end: bot install token → subscription; a profile image upload and a new conversation reach the bot', async () => {
    const installTarget = await receiver();
    const install = await call(emu, 'POST', '/_emulator/bots/install', { redirectUri: installTarget.url });
    expect(install.status).toBe(200);
    const sent = new URLSearchParams(installTarget.deliveries[0]!.raw);
    const installedBotToken = sent.get('access_token')!;
    const installedBotId = sent.get('owner_id')!;
    expect(installedBotToken).toBeTruthy();
    const personal = await call(emu, 'GET', '/team-messaging/v1/chats?type=Personal', undefined, installedBotToken);
    expect(personal.body.records).toHaveLength(1);
    const r = await receiver();
    const created = await call(
      emu,
      'POST',
      '/restapi/v1.0/subscription',
      {
        eventFilters: ['/team-messaging/v1/posts', '/team-messaging/v1/chats', '/restapi/v1.0/account/~/extension'],
        deliveryMode: { transportType: 'WebHook', address: r.url, verificationToken: 'bot-secret' },
      },
      installedBotToken,
    );
    expect(created.status).toBe(200);
    // A newcomer, so the conversation with the bot is new (the bot extension may be reused).
    const dora = await addPerson(emu, 'Dora', 'Diaz');
    const aliceSdk = await sdkFor(emu, dora.id);
    const png = await new Jimp({ width: 32, height: 32, color: 0x3366ccff }).getBuffer('image/png');
    const form = new FormData();
    form.append('image', new Blob([new Uint8Array(png)], { type: 'image/png' }), 'me.png');
    const upload = await fetch(`${emu.url}/restapi/v1.0/account/~/extension/~/profile-image`, {
      method: 'PUT',
      headers: { Authorization: `Bearer ${await tokenOf(aliceSdk)}` },
      body: form,
    });
    expect(upload.status).toBeLessThan(300);
    const update = await waitFor(() => r.deliveries.find((d) => d.body.body.extensionId === dora.id), 5000, 'profile image event');
    expect(update.body).toMatchObject({
      event: `/restapi/v1.0/account/${emu.state.accountId}/extension`,
      ownerId: installedBotId,
      body: { eventType: 'Update', hints: ['ProfileImage'] },
    });
    const conv = await (await aliceSdk.platform().post('/team-messaging/v1/conversations', { members: [{ id: installedBotId }] })).json();
    const joined = await waitFor(() => r.deliveries.find((d) => d.body.body.eventType === 'GroupJoined'), 5000, 'GroupJoined');
    expect(joined.body.body).toMatchObject({ id: conv.id, type: 'Direct' });
    await aliceSdk.platform().post(`/team-messaging/v1/chats/${conv.id}/posts`, { text: 'set my photo' });
    const added = await waitFor(() => r.deliveries.find((d) => d.body.body.eventType === 'PostAdded'), 5000, 'PostAdded');
    expect(added.headers['verification-token']).toBe('bot-secret');
    expect(added.body.body).toMatchObject({ groupId: conv.id, text: 'set my photo', creatorId: dora.id });
  });

  it(`blacklists after ${FAILURES} consecutive failed deliveries and then delivers nothing more`, async () => {
    const r = await receiver();
    const sub = (await subscribe(r, ['/team-messaging/v1/posts'])).body;
    r.mode = 'fail';
    for (let i = 0; i < FAILURES; i++) await say(`fail ${i}`);
    await waitFor(() => emu.state.subscriptions.get(sub.id)?.status === 'Blacklisted', 5000, 'blacklisting');
    const info = await call(emu, 'GET', `/restapi/v1.0/subscription/${sub.id}`, undefined, botToken);
    expect(info.body.status).toBe('Blacklisted');
    expect(info.body.blacklistedData.reason).toBe('Webhook responses with code: [500], reason: [Internal Server Error]');
    expect(new Date(info.body.blacklistedData.blacklistedAt).getTime()).not.toBeNaN();
    r.mode = 'ok';
    const before = r.deliveries.length;
    expect(before).toBe(FAILURES);
    const witnessed = await postWitness();
    await say('after blacklisting');
    await witnessed('after blacklisting');
    expect(r.deliveries.length).toBe(before);
  });

  it('counts slow deliveries (over the timeout) as failures; a success resets the count', async () => {
    const r = await receiver();
    const sub = (await subscribe(r, ['/team-messaging/v1/posts'])).body;
    r.mode = 'slow';
    r.slowMs = TIMEOUT_MS + 300;
    await say('slow 1');
    await say('slow 2');
    await waitFor(() => emu.state.subscriptions.get(sub.id)!.failedDeliveries === 2, 8000, 'two slow deliveries');
    r.mode = 'ok';
    await say('fast');
    await waitFor(() => r.deliveries.some((d) => d.body.body.text === 'fast'), 5000, 'fast delivery');
    await waitFor(() => emu.state.subscriptions.get(sub.id)!.failedDeliveries === 0, 2000, 'reset count');
    r.mode = 'slow';
    for (let i = 0; i < FAILURES; i++) await say(`slow again ${i}`);
    await waitFor(() => emu.state.subscriptions.get(sub.id)!.status === 'Blacklisted', 10_000, 'blacklisting by timeouts');
    expect(emu.state.subscriptions.get(sub.id)!.blacklistedData!.reason).toBe('I/O operation is failed. Details: [Read timed out]');
  });

  it('POST /_emulator/subscriptions/:id/blacklist stops deliveries', async () => {
    const r = await receiver();
    const sub = (await subscribe(r, ['/team-messaging/v1/posts'])).body;
    const res = await call(emu, 'POST', `/_emulator/subscriptions/${sub.id}/blacklist`, { reason: 'test says so' });
    expect(res.body).toMatchObject({ status: 'Blacklisted', blacklistedData: { reason: 'test says so' } });
    const witnessed = await postWitness();
    await say('nobody hears this');
    await witnessed('nobody hears this');
    expect(r.deliveries).toHaveLength(0);
    const missing = await call(emu, 'POST', '/_emulator/subscriptions/nope/blacklist', {});
    expect(missing.status).toBe(404);
  });

  it('stops delivering once the clock passes expirationTime; renew and PUT restart the lifetime', async () => {
    const r = await receiver();
    const sub = (await subscribe(r, ['/team-messaging/v1/posts'], { expiresIn: 120 })).body;
    await advanceClock(emu, 60_000);
    const renewed = await call(emu, 'POST', `/restapi/v1.0/subscription/${sub.id}/renew`, undefined, botToken);
    expect(renewed.status).toBe(200);
    expect(renewed.body.expiresIn).toBeGreaterThan(115);
    expect(new Date(renewed.body.expirationTime).getTime()).toBeGreaterThan(new Date(sub.expirationTime).getTime() + 55_000);
    const put = await call(emu, 'PUT', `/restapi/v1.0/subscription/${sub.id}`, { eventFilters: ['/team-messaging/v1/posts', '/team-messaging/v1/chats'], expiresIn: 100 }, botToken);
    expect(put.body.eventFilters).toEqual(['/team-messaging/v1/posts', '/team-messaging/v1/chats']);
    expect(put.body.expiresIn).toBeLessThanOrEqual(100);
    await say('while alive');
    await waitFor(() => r.deliveries.length === 1, 5000, 'delivery while alive');
    await advanceClock(emu, 101_000);
    const witnessed = await postWitness();
    await say('after expiry');
    await witnessed('after expiry');
    expect(r.deliveries).toHaveLength(1);
    const get = await call(emu, 'GET', `/restapi/v1.0/subscription/${sub.id}`, undefined, botToken);
    expect([get.status, get.body.errorCode]).toEqual([404, 'SUB-507']);
    const controlView = (await (await fetch(`${emu.url}/_emulator/state`)).json()) as { subscriptions: Array<{ id: string; status: string }> };
    expect(controlView.subscriptions.find((s) => s.id === sub.id)?.status).toBe('Expired');
    const renewLate = await call(emu, 'POST', `/restapi/v1.0/subscription/${sub.id}/renew`, undefined, botToken);
    expect(renewLate.status).toBe(404);
    const list = await call(emu, 'GET', '/restapi/v1.0/subscription', undefined, botToken);
    expect(list.body.records.find((s: { id: string }) => s.id === sub.id)).toBeUndefined();
    expect((await call(emu, 'DELETE', `/restapi/v1.0/subscription/${sub.id}`, undefined, botToken)).status).toBe(204);
  });

  it('sends renewal reminders when the remaining lifetime drops under the threshold', async () => {
    const r = await receiver();
    const filter = '/restapi/v1.0/subscription/~?threshold=120&interval=60';
    const sub = (await subscribe(r, [filter], { expiresIn: 600 })).body;
    expect(sub.eventFilters).toEqual([filter]);
    await reminderCheckWitness();
    expect(r.deliveries).toHaveLength(0);
    await advanceClock(emu, 500_000);
    const d = await waitFor(() => r.deliveries[0], 5000, 'a reminder');
    expect(d.body).toMatchObject({ event: filter, subscriptionId: sub.id, body: { subscriptionId: sub.id, expirationTime: sub.expirationTime } });
    await call(emu, 'POST', `/restapi/v1.0/subscription/${sub.id}/renew`, undefined, botToken);
    await reminderCheckWitness();
    expect(r.deliveries).toHaveLength(1);
  });

  it('lists, reads and deletes only the caller’s own subscriptions; 30 per extension and app, then 403 SUB-505', async () => {
    const r = await receiver();
    const aliceToken = await tokenOf(await sdkFor(emu, alice.id));
    const mine = (await call(emu, 'POST', '/restapi/v1.0/subscription', { eventFilters: ['/team-messaging/v1/posts'], deliveryMode: { transportType: 'WebHook', address: r.url } }, aliceToken)).body;
    const botList = await call(emu, 'GET', '/restapi/v1.0/subscription', undefined, botToken);
    expect(botList.body.uri).toBe(`${emu.url}/restapi/v1.0/subscription`);
    expect(botList.body.records.some((s: { id: string }) => s.id === mine.id)).toBe(false);
    const foreign = await call(emu, 'GET', `/restapi/v1.0/subscription/${mine.id}`, undefined, botToken);
    expect(foreign.status).toBe(404);
    for (let i = 1; i < 30; i++) {
      const ok = await call(emu, 'POST', '/restapi/v1.0/subscription', { eventFilters: ['/team-messaging/v1/posts'], deliveryMode: { transportType: 'WebHook', address: r.url } }, aliceToken);
      expect(ok.status).toBe(200);
    }
    const over = await call(emu, 'POST', '/restapi/v1.0/subscription', { eventFilters: ['/team-messaging/v1/posts'], deliveryMode: { transportType: 'WebHook', address: r.url } }, aliceToken);
    expect([over.status, over.body.errorCode]).toEqual([403, 'SUB-505']);
    expect((await call(emu, 'DELETE', `/restapi/v1.0/subscription/${mine.id}`, undefined, aliceToken)).status).toBe(204);
    expect((await call(emu, 'GET', `/restapi/v1.0/subscription/${mine.id}`, undefined, aliceToken)).status).toBe(404);
  });
});
