/**
 * The bot against bad input, both real (bot + emulator over loopback, WebHook delivery):
 * malformed and oversized deliveries, junk on the OAuth routes, garbage card submissions,
 * broken images, unknown people; the process stays up and people get plain answers with a
 * reference id. Also: no token in the logs or in the database file as plain text.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authorizeUrlIn, samplePhoto, startBotWorld, type BotWorld } from '../helpers/bot-world.ts';
import { createTokenCipher } from '../../src/users/token-cipher.ts';
import { signGlipBody } from '../../src/server/verify-glip-signature.ts';
import type { UserTokens } from '../../src/platform/ringcentral-client.ts';

const IMAGES = path.resolve(import.meta.dirname, '../../../shared/images');
const haveImages = fs.existsSync(IMAGES);

let w: BotWorld;
beforeAll(async () => {
  w = await startBotWorld({ env: { RINGCENTRAL_SHARED_SECRET: 'card-secret-for-tests' } });
});
afterAll(async () => {
  await w?.close();
});

const webhook = (body: string, headers: Record<string, string> = {}) =>
  fetch(`${w.bot.url}/webhook`, { method: 'POST', headers: { 'Verification-Token': w.bot.verificationToken, ...headers }, body });

async function healthOk(): Promise<void> {
  const res = await fetch(`${w.bot.url}/health`);
  expect(res.status).toBe(200);
}

describe('POST /webhook with bad input', () => {
  it('answers 400/413/401 and stores nothing', async () => {
    const before = await w.bot.store.inbox.counts();
    expect((await webhook('{not json', { 'content-type': 'application/json' })).status).toBe(400);
    expect((await webhook('[]', { 'content-type': 'application/json' })).status).toBe(400);
    // A verified JSON object we can't use is acknowledged (RingCentral counts 4xx towards
    // blacklisting) but stored nowhere.
    expect((await webhook('{"uuid":"x"}', { 'content-type': 'application/json' })).status).toBe(200);
    expect((await webhook(JSON.stringify({ uuid: 'y'.repeat(500), body: {} }), { 'content-type': 'application/json' })).status).toBe(200);
    expect(w.logs.lines.some((l) => l.msg === 'notification without a usable uuid or body; acknowledged and ignored')).toBe(true);
    expect((await webhook('\u0000\u0001binary', { 'content-type': 'application/octet-stream' })).status).toBe(400);
    const huge = 'a'.repeat(2 * 1024 * 1024);
    expect((await webhook(huge, { 'content-type': 'application/json' })).status).toBe(413);
    expect((await webhook('{}', { 'Verification-Token': '' })).status).toBe(401);
    expect(await w.bot.store.inbox.counts()).toEqual(before);
    await healthOk();
  });
});

describe('OAuth routes with junk', () => {
  it('POST /oauth refuses junk bodies and tokens without touching the installed bot', async () => {
    const botId = w.bot.platform.bot().extensionId;
    const post = (body: string, type: string) => fetch(`${w.bot.url}/oauth`, { method: 'POST', headers: { 'content-type': type }, body });
    expect((await post('{broken', 'application/json')).status).toBe(400);
    expect((await post('hello', 'text/plain')).status).toBe(400);
    expect((await post(JSON.stringify({ access_token: 42 }), 'application/json')).status).toBe(400);
    expect((await post('access_token=not-a-real-token', 'application/x-www-form-urlencoded')).status).toBe(401);
    expect((await post('x'.repeat(2 * 1024 * 1024), 'application/x-www-form-urlencoded')).status).toBe(413);
    expect(w.bot.platform.bot().extensionId).toBe(botId);
    await healthOk();
  });

  it('a flood of junk installs reaches RingCentral one at a time at most and leaves the bot working', async () => {
    await w.control.clearRequests();
    const answers = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        fetch(`${w.bot.url}/oauth`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `access_token=junk-${i}` }),
      ),
    );
    const statuses = answers.map((r) => r.status);
    expect(statuses.every((s) => s === 401 || s === 429)).toBe(true);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThan(0);
    const probes = (await w.control.requests()).filter((r) => r.path === '/restapi/v1.0/account/~/extension/~' && r.status === 401);
    expect(probes.length).toBe(statuses.filter((s) => s === 401).length);
    const person = w.setup.admin;
    const dm = w.setup.directChats[person.id]!;
    const asked = await w.control.post(dm, { creatorId: person.id, text: 'help' });
    expect(await w.waitHandled(asked.id)).toBe('done');
    expect(w.logs.lines.some((l) => l.msg === 'pacing RingCentral calls' && l.identity === 'bot')).toBe(false);
  });

  it('POST /oauth refuses a valid token that is not a bot extension (a person\'s token)', async () => {
    const botId = w.bot.platform.bot().extensionId;
    const person = w.setup.withPhoto;
    // A real person's access token, as anyone could obtain for themselves.
    const dm = w.setup.directChats[person.id]!;
    const photo = await samplePhoto();
    await w.control.post(dm, { creatorId: person.id, text: 'set my avatar', attachments: [{ name: 'a.jpg', contentType: 'image/jpeg', dataBase64: photo.bytes.toString('base64') }] });
    const link = await w.waitForPost(dm, (p) => p.creatorId === w.setup.botId && Boolean(authorizeUrlIn(p.text)));
    const { location } = await w.control.consent({ authorizeUrl: authorizeUrlIn(link.text)!, extensionId: person.id });
    expect((await fetch(location)).status).toBe(200);
    await w.waitForPost(dm, (p) => p.creatorId === w.setup.botId && Boolean(p.card));
    const tokens = await userTokens(person.id);
    const res = await fetch(`${w.bot.url}/oauth`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ access_token: tokens.accessToken }).toString(),
    });
    expect(res.status).toBe(401);
    expect(w.bot.platform.bot().extensionId).toBe(botId);
  });

  it('GET /oauth (public bot install) with a junk or missing code answers a plain page, not a server error', async () => {
    const botId = w.bot.platform.bot().extensionId;
    const junk = await fetch(`${w.bot.url}/oauth?code=not-a-code`);
    expect(junk.status).toBeGreaterThanOrEqual(400);
    expect(junk.status).toBeLessThan(500);
    expect(junk.headers.get('content-type')).toMatch(/text\/html/);
    expect(await junk.text()).toMatch(/ref [A-Z0-9]{8}/);
    const denied = await fetch(`${w.bot.url}/oauth?error=access_denied`);
    expect(denied.status).toBe(400);
    expect(w.bot.platform.bot().extensionId).toBe(botId);
  });

  it('the same delivery sent five times at once is stored and handled once', async () => {
    const person = w.setup.admin;
    const dm = w.setup.directChats[person.id]!;
    const before = (await w.botPosts(dm)).length;
    const body = JSON.stringify({
      uuid: 'concurrent-dup-1',
      event: '/team-messaging/v1/posts',
      timestamp: new Date().toISOString(),
      subscriptionId: 'sub',
      ownerId: w.setup.botId,
      body: { id: 'concurrent-post-1', groupId: dm, type: 'TextMessage', text: 'help', creatorId: person.id, mentions: null, attachments: null, eventType: 'PostAdded' },
    });
    const answers = await Promise.all(Array.from({ length: 5 }, () => webhook(body, { 'content-type': 'application/json' })));
    expect(answers.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    expect(await w.waitHandled('concurrent-post-1')).toBe('done');
    await w.bot.dispatcher.drain();
    expect((await w.botPosts(dm)).length).toBe(before + 1);
  });

  it('a 429 storm on setting the profile image is ridden out: "busy" once, then the photo is set', async () => {
    const person = w.setup.withPhoto; // signed in by the test above
    const dm = w.setup.directChats[person.id]!;
    const etagBefore = w.emulator.state.extensions.get(person.id)!.profileImage?.etag;
    await w.control.faults({ method: 'PUT', path: `/restapi/v1.0/account/~/extension/~/profile-image`, status: 429, errorCode: 'CMN-301', count: 4 });
    const { Jimp } = await import('jimp');
    const photo = await new Jimp({ width: 300, height: 300, color: 0x8844ccff }).getBuffer('image/jpeg');
    const asked = await w.control.post(dm, { creatorId: person.id, text: 'set my photo', attachments: [{ name: 'b.jpg', contentType: 'image/jpeg', dataBase64: photo.toString('base64') }] });
    await w.waitForPost(dm, (p) => p.creatorId === w.setup.botId && p.id > asked.id && Boolean(p.card), 20_000);
    const after = (await w.botPosts(dm)).filter((p) => p.id > asked.id);
    expect(after.filter((p) => /busy right now/.test(p.text ?? ''))).toHaveLength(1);
    expect(after.filter((p) => authorizeUrlIn(p.text))).toHaveLength(0);
    expect(w.emulator.state.extensions.get(person.id)!.profileImage!.etag).not.toBe(etagBefore);
  });

  it('a sign-in as someone else is refused and the tokens issued to that person are revoked', async () => {
    const asker = w.setup.admin;
    const other = w.setup.withoutPhoto;
    const dm = w.setup.directChats[asker.id]!;
    const photo = await samplePhoto();
    const asked = await w.control.post(dm, { creatorId: asker.id, text: 'set my photo', attachments: [{ name: 'a.jpg', contentType: 'image/jpeg', dataBase64: photo.bytes.toString('base64') }] });
    const link = await w.waitForPost(dm, (p) => p.creatorId === w.setup.botId && p.id > asked.id && Boolean(authorizeUrlIn(p.text)));
    const { location } = await w.control.consent({ authorizeUrl: authorizeUrlIn(link.text)!, extensionId: other.id });
    expect((await fetch(location)).status).toBe(403);
    const issued = [...w.emulator.state.tokens.values()].filter((t) => t.kind === 'user' && t.extensionId === other.id);
    expect(issued.length).toBeGreaterThan(0);
    expect(issued.every((t) => t.revoked)).toBe(true);
    expect(await w.bot.store.getSealedUserTokens(other.id)).toBeUndefined();
  });

  it('GET /oauth/user: missing, unknown, reused state and an error param', async () => {
    const get = (q: string) => fetch(`${w.bot.url}/oauth/user${q}`);
    expect((await get('')).status).toBe(400);
    expect((await get('?state=abc')).status).toBe(400);
    expect((await get('?state=unknown-state&code=xyz')).status).toBe(400);
    expect((await get('?state=a&state=b&code=c&code=d')).status).toBe(400);
    const denied = await get('?error=access_denied&error_description=%3Cscript%3Ealert(1)%3C%2Fscript%3E&state=x');
    expect(denied.status).toBe(200);
    expect(await denied.text()).not.toContain('<script>');
    await healthOk();
  });
});

describe('POST /interactive with bad input', () => {
  const send = (body: string, signature?: string) =>
    fetch(`${w.bot.url}/interactive`, { method: 'POST', headers: { 'content-type': 'application/json', ...(signature ? { 'X-Glip-Signature': signature } : {}) }, body });

  it('refuses bad signatures, answers garbage 400, ignores unknown shapes', async () => {
    const before = await w.bot.store.inbox.counts();
    expect((await send('{}')).status).toBe(401);
    expect((await send('{}', 'sha1=zzzz')).status).toBe(401);
    expect((await send('{}', signGlipBody('{"other":1}', 'card-secret-for-tests'))).status).toBe(401);
    expect((await send('{oops', signGlipBody('{oops', 'card-secret-for-tests'))).status).toBe(400);
    expect((await send('"text"', signGlipBody('"text"', 'card-secret-for-tests'))).status).toBe(400);
    // nested too deep to store (JSON.stringify would overflow the stack): 400, and nothing else fails with it
    const deep = `${'{"x":'.repeat(20_000)}1${'}'.repeat(20_000)}`;
    expect((await send(deep, signGlipBody(deep, 'card-secret-for-tests'))).status).toBe(400);
    expect(await w.bot.store.inbox.counts()).toEqual(before);
    const odd = JSON.stringify({ data: 'x', user: 5, conversation: null });
    expect((await send(odd, signGlipBody(odd, 'card-secret-for-tests'))).status).toBe(200);
    await w.bot.dispatcher.drain();
    expect((await w.bot.store.inbox.counts()).failed).toBe(before.failed);
    await healthOk();
  });
});

describe('conversation with bad input', () => {
  it('answers a mention of an unknown person with a plain sentence and a reference id', async () => {
    const person = w.setup.admin;
    const dm = w.setup.directChats[person.id]!;
    const asked = await w.control.post(dm, { creatorId: person.id, text: 'show ![:Person](99999999)' });
    await w.waitHandled(asked.id);
    const reply = await w.waitForPost(dm, (p) => p.creatorId === w.setup.botId && p.id > asked.id);
    expect(reply.text).toMatch(/couldn't find that person.*\(ref [A-Z0-9]{8}\)/s);
  });

  it.skipIf(!haveImages)('answers broken and hostile images with plain sentences (../shared/images)', async () => {
    const person = w.setup.admin;
    const dm = w.setup.directChats[person.id]!;
    const files: Array<[string, string]> = [
      ['fake-webp-actually-json.webp', 'image/webp'],
      ['jpeg-truncated-10000bytes-of-2725x2225.jpg', 'image/jpeg'],
      ['jpeg-corrupt-header-1024bytes.jpg', 'image/jpeg'],
      ['bomb-png-65536x65536-1bit.png', 'image/png'],
      ['bomb-jpeg-20000x14000-gray.jpg', 'image/jpeg'],
    ];
    for (const [name, contentType] of files) {
      const bytes = fs.readFileSync(path.join(IMAGES, name));
      const asked = await w.control.post(dm, { creatorId: person.id, text: 'set my avatar', attachments: [{ name, contentType, dataBase64: bytes.toString('base64') }] });
      expect(await w.waitHandled(asked.id, 20_000)).toBe('done');
      const reply = await w.waitForPost(dm, (p) => p.creatorId === w.setup.botId && p.id > asked.id);
      expect(reply.text ?? '', name).toMatch(/\(ref [A-Z0-9]{8}\)/);
      expect(reply.text ?? '', name).not.toMatch(/something went wrong/);
      expect(authorizeUrlIn(reply.text), name).toBeUndefined();
    }
    await healthOk();
  });
});

describe('joining a chat while RingCentral is busy', () => {
  it('still greets once the posting works again', async () => {
    const person = w.setup.withoutPhoto;
    await w.control.faults({ method: 'POST', path: '/team-messaging/v1/chats/', status: 429, errorCode: 'CMN-301', count: 3 });
    const chat = await w.control.addChat({ type: 'Group', name: 'Late greeting', members: [person.id, w.setup.admin.id, w.setup.botId] });
    const greeting = await w.waitForPost(chat.id, (p) => p.creatorId === w.setup.botId, 20_000);
    expect(greeting.text).toMatch(/set my avatar/);
    await w.bot.dispatcher.drain();
    expect((await w.botPosts(chat.id)).length).toBe(1);
  });
});

describe('formats that may be converted or refused', () => {
  it.skipIf(!haveImages)('HEIC and AVIF photos either go on to sign-in or get a plain refusal naming the format', async () => {
    const person = w.setup.withoutPhoto; // no stored authorization: a usable photo leads to a sign-in link
    const dm = w.setup.directChats[person.id]!;
    for (const [name, contentType] of [['heic-sample.heic', 'image/heic'], ['heic-mif1.heic', 'image/heif'], ['avif-sample.avif', 'image/avif']] as const) {
      const bytes = fs.readFileSync(path.join(IMAGES, name));
      const asked = await w.control.post(dm, { creatorId: person.id, text: 'set my avatar', attachments: [{ name, contentType, dataBase64: bytes.toString('base64') }] });
      expect(await w.waitHandled(asked.id, 20_000)).toBe('done');
      const reply = await w.waitForPost(dm, (p) => p.creatorId === w.setup.botId && p.id > asked.id);
      if (!authorizeUrlIn(reply.text)) {
        expect(reply.text ?? '', name).toMatch(/(HEIC|HEIF|AVIF).*\(ref [A-Z0-9]{8}\)/is);
      }
    }
  });
});

describe('sign-in link asked for in a group', () => {
  it('is sent once even when the pointer in the group fails (no retry sends a second link)', async () => {
    const { admin, botId, adminsChatId } = w.setup;
    const dm = w.setup.directChats[admin.id]!;
    const linksBefore = (await w.botPosts(dm)).filter((p) => authorizeUrlIn(p.text)).length;
    await w.control.faults({ method: 'POST', path: `/team-messaging/v1/chats/${adminsChatId}/posts`, status: 429, errorCode: 'CMN-301', count: 3 });
    const photo = await samplePhoto();
    const asked = await w.control.post(adminsChatId, {
      creatorId: admin.id,
      text: `![:Person](${botId}) set my photo`,
      attachments: [{ name: 'g.jpg', contentType: 'image/jpeg', dataBase64: photo.bytes.toString('base64') }],
    });
    expect(await w.waitHandled(asked.id, 20_000)).toBe('done');
    await w.bot.dispatcher.drain();
    expect((await w.botPosts(dm)).filter((p) => authorizeUrlIn(p.text)).length).toBe(linksBefore + 1);
    expect((await w.botPosts(adminsChatId)).some((p) => authorizeUrlIn(p.text))).toBe(false);
  });
});

describe('secrets', () => {
  it('no token reaches the logs or the database file in plain text', async () => {
    const person = w.setup.withPhoto; // signed in above
    const tokens = await userTokens(person.id);
    const key = Buffer.from((await w.bot.store.getSetting('demo.token-encryption-key'))!, 'base64');
    const botToken = createTokenCipher(key).open((await w.bot.store.getSetting('bot.token'))!, 'bot-token');
    const secrets = [tokens.accessToken, tokens.refreshToken!, botToken, w.bot.verificationToken, 'card-secret-for-tests'].filter(Boolean);
    expect(secrets.length).toBe(5);
    const file = w.bot.store.file!;
    const checkpoint = new Database(file);
    checkpoint.pragma('wal_checkpoint(FULL)');
    checkpoint.close();
    const raw = Buffer.concat([fs.readFileSync(file), fs.existsSync(`${file}-wal`) ? fs.readFileSync(`${file}-wal`) : Buffer.alloc(0)]).toString('latin1');
    for (const s of [tokens.accessToken, tokens.refreshToken!, botToken, w.bot.verificationToken]) expect(raw.includes(s), `a token in the database file: ${s.slice(0, 4)}…`).toBe(false);
    // The failure paths log most: the authorization revoked at RingCentral, then used again.
    const { app } = await w.control.state();
    const revoked = await fetch(`${w.emulator.url}/restapi/oauth/revoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${app.clientId}:${app.clientSecret}`).toString('base64')}` },
      body: new URLSearchParams({ token: tokens.accessToken }).toString(),
    });
    expect(revoked.status).toBe(200);
    const dm = w.setup.directChats[person.id]!;
    const photo = await samplePhoto();
    const asked = await w.control.post(dm, { creatorId: person.id, text: 'set my avatar', attachments: [{ name: 'c.jpg', contentType: 'image/jpeg', dataBase64: photo.bytes.toString('base64') }] });
    await w.waitForPost(dm, (p) => p.creatorId === w.setup.botId && p.id > asked.id && Boolean(authorizeUrlIn(p.text)));
    const logs = w.logs.text();
    for (const s of secrets) expect(logs.includes(s), `a secret in the logs: ${s.slice(0, 4)}…`).toBe(false);
  });
});

async function userTokens(extensionId: string): Promise<UserTokens> {
  const sealed = await w.bot.store.getSealedUserTokens(extensionId);
  expect(sealed).toBeDefined();
  const key = Buffer.from((await w.bot.store.getSetting('demo.token-encryption-key'))!, 'base64');
  return JSON.parse(createTokenCipher(key).open(sealed!, `user-tokens:${extensionId}`)) as UserTokens;
}
