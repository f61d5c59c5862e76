/**
 * The bot and the emulator, both real, under faults and hostile input (issue 10 items 5, 6, 7):
 * RingCentral error codes answered with their own sentences, a delivery nested 10 000 deep, a
 * sign-in code RingCentral refuses, and attachment links that point at API paths or other hosts.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authorizeUrlIn, samplePhoto, startBotWorld, type BotWorld } from '../helpers/bot-world.ts';
import { ERROR_CODE_REPLIES } from '../../src/commands/error-code-replies.ts';

let w: BotWorld;
beforeAll(async () => {
  w = await startBotWorld();
});
afterAll(async () => {
  await w?.close();
});

const webhook = (body: string) =>
  fetch(`${w.bot.url}/webhook`, { method: 'POST', headers: { 'Verification-Token': w.bot.verificationToken, 'content-type': 'application/json' }, body });

async function photoAttachment() {
  const photo = await samplePhoto();
  return [{ name: photo.name, contentType: 'image/jpeg', dataBase64: photo.bytes.toString('base64') }];
}

/** Posts "set my avatar" with a photo as `personId` in their direct chat; resolves the bot's sign-in link post. */
async function askForSignInLink(personId: string, after: number): Promise<string> {
  const dm = w.setup.directChats[personId]!;
  await w.control.post(dm, { creatorId: personId, text: 'set my avatar', attachments: await photoAttachment() });
  const link = await w.waitForPost(dm, (p) => p.creatorId === w.setup.botId && Boolean(authorizeUrlIn(p.text)) && Date.parse(String(p.creationTime ?? '')) >= after);
  return authorizeUrlIn(link.text)!;
}

describe('a verified delivery nested 10 000 deep', () => {
  it('is acknowledged with 200, logged, and stores nothing; the bot keeps answering', async () => {
    const before = await w.bot.store.inbox.counts();
    const depth = 10_000;
    const body = `{"uuid":"deep-1","event":"/team-messaging/v1/posts","timestamp":"2026-01-01T00:00:00Z","subscriptionId":"s","body":${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}}`;
    const res = await webhook(body);
    expect(res.status).toBe(200);
    expect(w.logs.lines.some((l) => l.msg === 'notification without a usable uuid or body; acknowledged and ignored' && /deeper than/.test(JSON.stringify(l.err)))).toBe(true);
    expect(await w.bot.store.inbox.counts()).toEqual(before);
    expect((await fetch(`${w.bot.url}/health`)).status).toBe(200);
  });
});

describe('GET /oauth/user with a valid state and a code RingCentral refuses', () => {
  it('shows a page saying what happened and sends a fresh sign-in link that works', async () => {
    const person = w.setup.withoutPhoto;
    const dm = w.setup.directChats[person.id]!;
    const first = await askForSignInLink(person.id, Date.now() - 1000);
    const state = new URL(first).searchParams.get('state')!;
    const sentAt = Date.now() - 1000;
    const res = await fetch(`${w.bot.url}/oauth/user?state=${encodeURIComponent(state)}&code=junk-code`);
    expect(res.status).toBe(400);
    const page = await res.text();
    expect(page).toMatch(/did not accept this sign-in/);
    expect(page).toMatch(/fresh sign-in link in your direct chat/);
    expect(page).toMatch(/ref [A-Z0-9]{8}/);
    const fresh = await w.waitForPost(dm, (p) => p.creatorId === w.setup.botId && /did not accept your last sign-in/.test(p.text ?? '') && Date.parse(String(p.creationTime ?? '')) >= sentAt);
    const freshUrl = authorizeUrlIn(fresh.text)!;
    expect(new URL(freshUrl).searchParams.get('state')).not.toBe(state);
    // The fresh link finishes the original request.
    const { location } = await w.control.consent({ authorizeUrl: freshUrl, extensionId: person.id });
    expect((await fetch(location)).status).toBe(200);
    await w.waitForPost(dm, (p) => p.creatorId === w.setup.botId && Boolean(p.card) && /profile photo is updated/i.test(JSON.stringify(p.card)));
    expect(w.emulator.state.extensions.get(person.id)!.profileImage).toBeDefined();
  });
});

describe('profile-image error codes through the emulator', () => {
  it('answers each code with its own sentence, whatever the status', async () => {
    const person = w.setup.withPhoto;
    const dm = w.setup.directChats[person.id]!;
    const link = await askForSignInLink(person.id, Date.now() - 1000);
    // The first attempt after sign-in meets ACT-332 (403).
    await w.control.faults({ method: 'PUT', path: `/restapi/v1.0/account/~/extension/~/profile-image`, status: 403, errorCode: 'ACT-332', count: 1 });
    const { location } = await w.control.consent({ authorizeUrl: link, extensionId: person.id });
    expect((await fetch(location)).status).toBe(200);
    const unassigned = await w.waitForPost(dm, (p) => p.creatorId === w.setup.botId && (p.text ?? '').startsWith(ERROR_CODE_REPLIES['ACT-332']!));
    expect(unassigned.text).not.toMatch(/another person's photo/);
    // Signed in now: the same 403 status with CMN-408, then ACT-330 (415), each its own sentence.
    for (const [code, status] of [['CMN-408', 403], ['ACT-330', 415], ['ACT-334', 400]] as const) {
      await w.control.faults({ method: 'PUT', path: `/restapi/v1.0/account/~/extension/~/profile-image`, status, errorCode: code, count: 1 });
      await w.control.post(dm, { creatorId: person.id, text: 'set my avatar', attachments: await photoAttachment() });
      const reply = await w.waitForPost(dm, (p) => p.creatorId === w.setup.botId && (p.text ?? '').startsWith(ERROR_CODE_REPLIES[code]!));
      expect(reply.text).toMatch(/\(ref [A-Z0-9]{8}\)$/);
    }
  });
});

describe('attachment links that are not RingCentral file links', () => {
  it('are refused without any request carrying the bot token', async () => {
    const hits: Array<{ url?: string; authorization?: string }> = [];
    const elsewhere = http.createServer((req, res) => {
      hits.push({ url: req.url, authorization: req.headers.authorization });
      res.writeHead(200, { 'content-type': 'image/jpeg' }).end('x');
    });
    await new Promise<void>((resolve) => elsewhere.listen(0, '127.0.0.1', resolve));
    try {
      const person = w.setup.admin;
      const dm = w.setup.directChats[person.id]!;
      const uris = [
        `${w.emulator.url}/restapi/v1.0/account/~/extension`,
        `${w.emulator.url}/team-messaging/v1/chats`,
        `http://127.0.0.1:${(elsewhere.address() as AddressInfo).port}/photo.jpg`,
      ];
      await w.control.clearRequests();
      for (const [i, contentUri] of uris.entries()) {
        const postId = `forged-${Date.now()}-${i}`;
        const notification = {
          uuid: `forged-uuid-${postId}`,
          event: '/team-messaging/v1/posts',
          timestamp: new Date().toISOString(),
          subscriptionId: (await w.control.state()).subscriptions.find((s) => s.status === 'Active')!.id,
          ownerId: w.setup.botId,
          body: {
            id: postId,
            groupId: dm,
            type: 'TextMessage',
            text: 'set my avatar',
            creatorId: person.id,
            creationTime: new Date().toISOString(),
            lastModifiedTime: new Date().toISOString(),
            attachments: [{ id: `file-${i}`, type: 'File', name: 'photo.jpg', contentUri }],
            mentions: null,
            eventType: 'PostAdded',
          },
        };
        expect((await webhook(JSON.stringify(notification))).status).toBe(200);
        expect(await w.waitHandled(postId)).toBe('done');
      }
      const replies = (await w.botPosts(dm)).filter((p) => /only use files posted in RingCentral/.test(p.text ?? ''));
      expect(replies.length).toBeGreaterThanOrEqual(uris.length);
      const requests = await w.control.requests();
      expect(requests.filter((r) => r.path === '/restapi/v1.0/account/~/extension' || r.path === '/team-messaging/v1/chats')).toEqual([]);
      expect(hits).toEqual([]);
    } finally {
      elsewhere.closeAllConnections();
      await new Promise<void>((resolve) => elsewhere.close(() => resolve()));
    }
  });
});

describe('demo mode at start', () => {
  it('says plainly that the encryption key is stored with the data', () => {
    expect(w.logs.lines.some((l) => /token encryption key is stored in the same database/.test(String(l.msg)))).toBe(true);
    expect(w.guide).toMatch(/keeps the token encryption key in the same database as the tokens/);
  });
});
