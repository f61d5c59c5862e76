import { afterEach, describe, expect, it } from 'vitest';
import { startApp } from '../../helpers/start-app.ts';
import { signGlipBody } from '../../../src/server/verify-glip-signature.ts';
import { createNoWorkFilter } from '../../../src/events/needs-no-work.ts';
import type { NotificationEnvelope } from '../../../src/platform/ringcentral-client.ts';

type App = Awaited<ReturnType<typeof startApp>>;
let app: App;
afterEach(async () => app?.close());

const TOKEN = 'verification-token-0123456789';
const notification = (uuid: string) =>
  JSON.stringify({ uuid, event: '/team-messaging/v1/posts', timestamp: 't', subscriptionId: 's', ownerId: '1', body: { eventType: 'PostAdded' } });

describe('POST /webhook', () => {
  it('echoes the Validation-Token handshake with an empty body, before any other check', async () => {
    app = await startApp();
    const res = await fetch(`${app.url}/webhook`, { method: 'POST', headers: { 'Validation-Token': 'abc123', 'Content-Type': 'application/json' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('validation-token')).toBe('abc123');
    const body = await res.text();
    expect(body).toBe('');
    let headerBytes = 0;
    res.headers.forEach((v, k) => (headerBytes += k.length + v.length + 4));
    expect(headerBytes + 20).toBeLessThan(1024);
    expect((await app.store.inbox.counts()).pending).toBe(0);
  });

  it('rejects a wrong or missing Verification-Token and stores nothing', async () => {
    app = await startApp();
    for (const headers of [{ 'Verification-Token': 'nope' }, {}] as Array<Record<string, string>>) {
      const res = await fetch(`${app.url}/webhook`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: notification('f1') });
      expect(res.status).toBe(401);
    }
    expect(await app.store.inbox.counts()).toEqual({ pending: 0, processing: 0, done: 0, failed: 0 });
    expect(app.logs.text()).not.toContain(TOKEN);
  });

  it('answers 400 for malformed JSON and stores nothing', async () => {
    app = await startApp();
    const res = await fetch(`${app.url}/webhook`, { method: 'POST', headers: { 'Verification-Token': TOKEN }, body: '{"uuid":' });
    expect(res.status).toBe(400);
    expect((await app.store.inbox.counts()).pending + (await app.store.inbox.counts()).done).toBe(0);
  });

  it('answers 413 past the body limit', async () => {
    app = await startApp({ maxBodyBytes: 1024 });
    const res = await fetch(`${app.url}/webhook`, { method: 'POST', headers: { 'Verification-Token': TOKEN }, body: 'x'.repeat(5000) });
    expect(res.status).toBe(413);
  });

  it('stores the event before answering 200, and processes a repeated uuid once', async () => {
    app = await startApp();
    const send = () => fetch(`${app.url}/webhook`, { method: 'POST', headers: { 'Verification-Token': TOKEN, 'content-type': 'application/json' }, body: notification('dup-1') });
    expect((await send()).status).toBe(200);
    expect((await send()).status).toBe(200);
    expect(await app.dispatcher.drain(5000)).toBe(true);
    expect(app.handled.map((e) => e.uuid)).toEqual(['dup-1']);
  });

  it('keeps what the bot ignores for deduplication only: never handed to the handler, a redelivery still a duplicate', async () => {
    const filter = createNoWorkFilter();
    filter.rememberChatType('group-1', 'Group');
    app = await startApp({ needsNoWork: (e: NotificationEnvelope) => filter.needsNoWork(e, 'bot-1') });
    const post = (uuid: string, body: Record<string, unknown>) =>
      fetch(`${app.url}/webhook`, {
        method: 'POST',
        headers: { 'Verification-Token': TOKEN, 'content-type': 'application/json' },
        body: JSON.stringify({ uuid, event: '/team-messaging/v1/posts', timestamp: 't', subscriptionId: 's', ownerId: 'bot-1', body: { eventType: 'PostAdded', type: 'TextMessage', ...body } }),
      });
    expect((await post('own', { id: 'p1', groupId: 'dm-1', creatorId: 'bot-1', text: 'hi' })).status).toBe(200);
    expect((await post('chatter', { id: 'p2', groupId: 'group-1', creatorId: '7', text: 'lunch?' })).status).toBe(200);
    expect((await post('chatter', { id: 'p2', groupId: 'group-1', creatorId: '7', text: 'lunch?' })).status).toBe(200);
    expect((await post('asked', { id: 'p3', groupId: 'group-1', creatorId: '7', text: 'help', mentions: [{ id: 'bot-1', type: 'Person', name: 'Bot' }] })).status).toBe(200);
    expect((await post('unknown-chat', { id: 'p4', groupId: 'dm-9', creatorId: '7', text: 'help' })).status).toBe(200);
    expect(await app.dispatcher.drain(5000)).toBe(true);
    expect(app.handled.map((e) => e.uuid).sort()).toEqual(['asked', 'unknown-chat']);
    // Two kept for deduplication only, two handled.
    expect(await app.store.inbox.counts()).toEqual({ pending: 0, processing: 0, done: 4, failed: 0 });
    expect(await app.store.inbox.get('chatter')).toMatchObject({ status: 'done', attempts: 0 });
  });
});

describe('POST /interactive', () => {
  const body = JSON.stringify({ uuid: 'card-1', type: 'button_submit', user: { id: '5' }, conversation: { id: '9' }, data: { action: 'help' } });

  it('accepts a correctly signed submission (sha1= and bare hex)', async () => {
    app = await startApp();
    const sig = signGlipBody(body, 'shared-secret');
    const r1 = await fetch(`${app.url}/interactive`, { method: 'POST', headers: { 'X-Glip-Signature': sig, 'content-type': 'application/json' }, body });
    expect(r1.status).toBe(200);
    const body2 = body.replace('card-1', 'card-2');
    const r2 = await fetch(`${app.url}/interactive`, { method: 'POST', headers: { 'X-Glip-Signature': signGlipBody(body2, 'shared-secret').slice(5) }, body: body2 });
    expect(r2.status).toBe(200);
    await app.dispatcher.drain(5000);
    expect(app.handled.map((e) => [e.uuid, e.source])).toEqual([
      ['card:card-1', 'interactive'],
      ['card:card-2', 'interactive'],
    ]);
  });

  it('refuses a bad signature and stores nothing', async () => {
    app = await startApp();
    const res = await fetch(`${app.url}/interactive`, { method: 'POST', headers: { 'X-Glip-Signature': signGlipBody(body, 'wrong') }, body });
    expect(res.status).toBe(401);
    expect((await app.store.inbox.counts()).pending).toBe(0);
  });
});

describe('GET /health', () => {
  it('reports install, delivery and inbox', async () => {
    app = await startApp();
    const res = await fetch(`${app.url}/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'ok', bot: { installed: false }, eventDelivery: { state: 'starting' }, inbox: { pending: 0 } });
  });
});

describe('POST /oauth (private bot install)', () => {
  it('installs a token sent as a form and refuses a missing token', async () => {
    const installed: string[] = [];
    app = await startApp({ installBot: async (t) => (installed.push(t), { extensionId: '77' }) });
    const ok = await fetch(`${app.url}/oauth`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ access_token: 'bot-token-1', creator_extension_id: '1', client_id: 'client-1' }).toString(),
    });
    expect(ok.status).toBe(200);
    expect(installed).toEqual(['bot-token-1']);
    const missing = await fetch(`${app.url}/oauth`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(missing.status).toBe(400);
    const otherApp = await fetch(`${app.url}/oauth`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ access_token: 'x', client_id: 'other' }) });
    expect(otherApp.status).toBe(401);
    expect(app.logs.text()).not.toContain('bot-token-1');
  });
});
