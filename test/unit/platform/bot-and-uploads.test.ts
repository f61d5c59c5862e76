/**
 * Bot calls: bot-removed handling, the multipart layout of a profile-image upload (inspected on
 * a real loopback server with busboy), and attachment downloads (hosts, token, size cap).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import busboy from 'busboy';
import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createRingCentralPlatform } from '../../../src/platform/create-ringcentral-platform.ts';
import type { PlatformError } from '../../../src/platform/platform-errors.ts';
import { MEDIA, SERVER, lockDownNetwork, memoryVault, mockBotInstall, recordingLogger } from './platform-test-kit.ts';

beforeAll(lockDownNetwork);
afterEach(() => nock.cleanAll());

async function botPlatform(serverUrl = SERVER, extra: { attachmentHosts?: string[]; timeouts?: { download?: number; api?: number } } = {}) {
  const removed: PlatformError[] = [];
  const platform = createRingCentralPlatform({
    serverUrl,
    clientId: 'client-id',
    clientSecret: 'client-secret',
    vault: memoryVault({ '42': { accessToken: 'USER-AT', refreshToken: 'USER-RT', accessExpiresAt: Date.now() + 3_600_000 } }),
    logger: recordingLogger(),
    retry: { maxAttempts: 2, defaultRetryAfterMs: 1 },
    onBotRemoved: (e) => removed.push(e),
    ...extra,
  });
  return { platform, removed };
}

describe('bot removed', () => {
  it('OAU-232 on the bot token: kind bot-removed, the token is forgotten, onBotRemoved runs once', async () => {
    const { platform, removed } = await botPlatform();
    const install = mockBotInstall();
    await platform.installBotToken('BOT-TOKEN');
    install.done();
    const scope = nock(SERVER)
      .post('/team-messaging/v1/chats/1/posts')
      .times(2)
      .reply(400, { errorCode: 'OAU-232', message: 'Extension not found', errors: [{ errorCode: 'OAU-232', message: 'Extension not found' }] });
    const bot = platform.bot();
    const results = await Promise.allSettled([bot.createPost('1', 'a'), bot.createPost('1', 'b')]);
    scope.done();
    expect(results.map((r) => r.status === 'rejected' && (r.reason as PlatformError).kind)).toEqual(['bot-removed', 'bot-removed']);
    expect(removed).toHaveLength(1);
    expect(platform.hasBot()).toBe(false);
    expect(() => platform.bot()).toThrow(/no bot token/);
  });

  it('a plain 401 on the bot token is unauthorized, sent once, and the SDK does not wipe the token', async () => {
    const { platform, removed } = await botPlatform();
    const install = mockBotInstall();
    await platform.installBotToken('BOT-TOKEN');
    install.done();
    const scope = nock(SERVER)
      .get('/team-messaging/v1/chats/1')
      .once()
      .reply(401, { errorCode: 'AGW-402', message: 'Invalid Authorization header' })
      .get('/team-messaging/v1/chats/2')
      .matchHeader('authorization', /^bearer BOT-TOKEN$/i)
      .reply(200, { id: '2' });
    await expect(platform.bot().getChat('1')).rejects.toMatchObject({ kind: 'unauthorized' });
    await expect(platform.bot().getChat('2')).resolves.toMatchObject({ id: '2' });
    scope.done();
    expect(removed).toHaveLength(0);
  });

  it('refuses a token that is not a bot extension’s, and another bot while the installed one works', async () => {
    const { platform } = await botPlatform();
    const person = nock(SERVER).get('/restapi/v1.0/account/~/extension/~').matchHeader('authorization', /^bearer USER-TOKEN$/i).reply(200, { id: 42, type: 'User' });
    await expect(platform.installBotToken('USER-TOKEN')).rejects.toMatchObject({ kind: 'forbidden' });
    person.done();
    expect(platform.hasBot()).toBe(false);
    const install = mockBotInstall('9001');
    await platform.installBotToken('BOT-TOKEN');
    install.done();
    const other = nock(SERVER)
      .get('/restapi/v1.0/account/~/extension/~')
      .matchHeader('authorization', /^bearer OTHER-BOT$/i)
      .reply(200, { id: 7777, type: 'Bot' })
      .get('/restapi/v1.0/account/~/extension/~')
      .matchHeader('authorization', /^bearer BOT-TOKEN$/i)
      .reply(200, { id: 9001, type: 'Bot' });
    await expect(platform.installBotToken('OTHER-BOT')).rejects.toMatchObject({ kind: 'forbidden' });
    other.done();
    expect(platform.bot().extensionId).toBe('9001');
    // Once the installed bot's token is refused, a new bot may take its place.
    const replaced = nock(SERVER)
      .get('/restapi/v1.0/account/~/extension/~')
      .matchHeader('authorization', /^bearer OTHER-BOT$/i)
      .reply(200, { id: 7777, type: 'Bot' })
      .get('/restapi/v1.0/account/~/extension/~')
      .matchHeader('authorization', /^bearer BOT-TOKEN$/i)
      .reply(401, { errorCode: 'OAU-232', message: 'Extension not found', errors: [{ errorCode: 'OAU-232' }] });
    await expect(platform.installBotToken('OTHER-BOT')).resolves.toEqual({ extensionId: '7777' });
    replaced.done();
  });

  it('the Delete event of the bot’s own extension is handled by handleNotification', async () => {
    const { platform, removed } = await botPlatform();
    const install = mockBotInstall('9001');
    await platform.installBotToken('BOT-TOKEN');
    install.done();
    const other = { uuid: 'u1', event: '/restapi/v1.0/account/1/extension/9001', timestamp: '', subscriptionId: 's', ownerId: '9001', body: { extensionId: '9001', eventType: 'Update' } };
    expect(platform.handleNotification(other)).toBe(false);
    expect(platform.handleNotification({ ...other, uuid: 'u2', body: { extensionId: '9001', eventType: 'Delete' } })).toBe(true);
    expect(removed).toHaveLength(1);
    expect(platform.hasBot()).toBe(false);
  });
});

describe('profile image upload: one part named image with the real content type', () => {
  interface Seen {
    method: string;
    url: string;
    contentType: string;
    authorization: string;
    parts: Array<{ name: string; filename: string; mimeType: string; bytes: Buffer }>;
    fields: string[];
  }
  const seen: Seen[] = [];
  let failNext = 0;
  let server: http.Server;
  let base = '';

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      if (req.url === '/restapi/v1.0/account/~/extension/~' && req.method === 'GET') {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ id: 42 }));
        return;
      }
      const entry: Seen = { method: req.method ?? '', url: req.url ?? '', contentType: req.headers['content-type'] ?? '', authorization: String(req.headers.authorization ?? ''), parts: [], fields: [] };
      const bb = busboy({ headers: req.headers });
      bb.on('file', (name, stream, info) => {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => entry.parts.push({ name, filename: info.filename, mimeType: info.mimeType, bytes: Buffer.concat(chunks) }));
      });
      bb.on('field', (name) => entry.fields.push(name));
      bb.on('close', () => {
        seen.push(entry);
        if (failNext > 0) {
          failNext -= 1;
          res.writeHead(503, { 'content-type': 'application/json', 'retry-after': '0' }).end('{"errorCode":"CMN-201","message":"Service Temporary Unavailable"}');
          return;
        }
        res.writeHead(204).end();
      });
      req.pipe(bb);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(3000, 7)]);

  it('sends exactly one part `image`, filename avatar.png, Content-Type image/png, the bytes intact', async () => {
    seen.length = 0;
    const { platform } = await botPlatform(base);
    await platform.user('42').setProfileImage({ bytes: png, contentType: 'image/png' });
    expect(seen).toHaveLength(1);
    const s = seen[0]!;
    expect(s.method).toBe('PUT');
    expect(s.url).toBe('/restapi/v1.0/account/~/extension/~/profile-image');
    expect(s.contentType).toMatch(/^multipart\/form-data; ?boundary=/);
    expect(s.authorization).toMatch(/^bearer USER-AT$/i);
    expect(s.fields).toEqual([]);
    expect(s.parts.map(({ name, filename, mimeType }) => ({ name, filename, mimeType }))).toEqual([{ name: 'image', filename: 'avatar.png', mimeType: 'image/png' }]);
    expect(s.parts[0]!.bytes.equals(png)).toBe(true);
  });

  it('a retry after 503 sends a complete fresh body again (a form stream is consumed once)', async () => {
    seen.length = 0;
    failNext = 1;
    const { platform } = await botPlatform(base);
    const jpeg = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(5000, 1)]);
    await platform.user('42').setProfileImage({ bytes: jpeg, contentType: 'image/jpeg' }, '77');
    expect(seen).toHaveLength(2);
    for (const s of seen) {
      expect(s.url).toBe('/restapi/v1.0/account/~/extension/77/profile-image');
      expect(s.parts).toHaveLength(1);
      expect(s.parts[0]).toMatchObject({ name: 'image', filename: 'avatar.jpg', mimeType: 'image/jpeg' });
      expect(s.parts[0]!.bytes.equals(jpeg)).toBe(true);
    }
  });

  it('refuses a content type RingCentral would reject, before sending', async () => {
    seen.length = 0;
    const { platform } = await botPlatform(base);
    await expect(platform.user('42').setProfileImage({ bytes: png, contentType: 'image/webp' })).rejects.toMatchObject({ kind: 'bad-request' });
    expect(seen).toHaveLength(0);
  });
});

describe('downloadAttachment', () => {
  async function installedBot(extra: { attachmentHosts?: string[] } = {}) {
    const { platform } = await botPlatform(SERVER, extra);
    const install = mockBotInstall();
    await platform.installBotToken('BOT-TOKEN');
    install.done();
    return platform.bot();
  }

  it('refuses hosts that are not RingCentral’s without connecting', async () => {
    const bot = await installedBot();
    for (const url of ['https://evil.example.com/a.png', 'http://media.ringcentral.com/a.png', 'https://ringcentral.com.evil.example/a.png', 'file:///etc/passwd', 'not a url']) {
      await expect(bot.downloadAttachment(url, 1000), url).rejects.toMatchObject({ kind: 'forbidden-url' });
    }
  });

  it('sends the bot token to the media server, not to other RingCentral hosts', async () => {
    const bot = await installedBot();
    const media = nock(MEDIA).get('/web/customer_files/1/a.png').query(true).matchHeader('authorization', /^Bearer BOT-TOKEN$/).reply(200, Buffer.from('abc'), { 'Content-Type': 'image/png' });
    const other = nock('https://files.ringcentral.biz', { badheaders: ['authorization'] }).get('/signed/2').query(true).reply(200, Buffer.from('defg'), { 'Content-Type': 'image/jpeg' });
    await expect(bot.downloadAttachment(`${MEDIA}/web/customer_files/1/a.png?Signature=s`, 100)).resolves.toEqual({ bytes: Buffer.from('abc'), contentType: 'image/png' });
    await expect(bot.downloadAttachment('https://files.ringcentral.biz/signed/2?Signature=x', 100)).resolves.toEqual({ bytes: Buffer.from('defg'), contentType: 'image/jpeg' });
    media.done();
    other.done();
  });

  it('accepts extra hosts the deployment names, without the token', async () => {
    const bot = await installedBot({ attachmentHosts: ['glip-vault.example-cdn.net'] });
    const scope = nock('https://glip-vault.example-cdn.net', { badheaders: ['authorization'] }).get('/x').reply(200, 'ok');
    await expect(bot.downloadAttachment('https://glip-vault.example-cdn.net/x', 10)).resolves.toMatchObject({ bytes: Buffer.from('ok') });
    scope.done();
  });

  it('refuses a declared Content-Length over the cap', async () => {
    const bot = await installedBot();
    const scope = nock(MEDIA).get('/web/customer_files/big').reply(200, Buffer.alloc(2048), { 'Content-Length': '2048' });
    await expect(bot.downloadAttachment(`${MEDIA}/web/customer_files/big`, 1024)).rejects.toMatchObject({ kind: 'too-large' });
    scope.done();
  });

  it('stops at the cap while streaming when no length is declared', async () => {
    const bot = await installedBot();
    const { Readable } = await import('node:stream');
    const scope = nock(MEDIA).get('/web/customer_files/chunked').reply(200, () => Readable.from([Buffer.alloc(600), Buffer.alloc(600), Buffer.alloc(600)]));
    await expect(bot.downloadAttachment(`${MEDIA}/web/customer_files/chunked`, 1000)).rejects.toMatchObject({ kind: 'too-large' });
    scope.done();
  });

  it('refuses API paths on RingCentral\'s own hosts and redirects into them, without sending anything', async () => {
    const bot = await installedBot();
    // No nock scope: net connect is disabled, so a request would fail as 'unavailable', not 'forbidden-url'.
    for (const url of [
      `${SERVER}/restapi/v1.0/account/~/extension`,
      `${MEDIA}/restapi/v1.0/account/~/extension/1/profile-image`,
      `${SERVER}/team-messaging/v1/chats`,
      `${MEDIA}/web/customer_files/../../restapi/v1.0/account/~`,
      `${MEDIA}/somewhere/else.png`,
      'https://files.ringcentral.biz/restapi/v1.0/account/~/extension',
    ]) {
      await expect(bot.downloadAttachment(url, 1000), url).rejects.toMatchObject({ kind: 'forbidden-url' });
    }
    const hop = nock(MEDIA).get('/web/customer_files/hop').reply(302, '', { Location: `${SERVER}/restapi/v1.0/account/~/extension` });
    await expect(bot.downloadAttachment(`${MEDIA}/web/customer_files/hop`, 1000)).rejects.toMatchObject({ kind: 'forbidden-url' });
    hop.done();
  });

  it('gives up on a download that does not finish within its timeout', async () => {
    const { platform } = await botPlatform(SERVER, { timeouts: { download: 200 } });
    const install = mockBotInstall();
    await platform.installBotToken('BOT-TOKEN');
    install.done();
    const scope = nock(MEDIA).get('/web/customer_files/slow').delay(5_000).reply(200, 'late');
    await expect(platform.bot().downloadAttachment(`${MEDIA}/web/customer_files/slow`, 1000)).rejects.toMatchObject({ kind: 'unavailable', details: { timedOut: true } });
    scope.done();
  });

  it('re-checks every redirect hop and drops the token off RingCentral', async () => {
    const bot = await installedBot();
    const scope = nock(MEDIA).get('/web/customer_files/moved').reply(302, '', { Location: 'https://evil.example.com/steal' });
    await expect(bot.downloadAttachment(`${MEDIA}/web/customer_files/moved`, 1000)).rejects.toMatchObject({ kind: 'forbidden-url' });
    scope.done();
  });
});
