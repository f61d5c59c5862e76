/**
 * Pacing from X-Rate-Limit-* headers and bounded 429/503 retries, through the real SDK with nock
 * answering. Waits go through a recording `sleep` that moves a fake clock, so nothing really waits.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import nock from 'nock';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createRingCentralPlatform } from '../../../src/platform/create-ringcentral-platform.ts';
import { PlatformError } from '../../../src/platform/platform-errors.ts';
import { UsagePlanPacer } from '../../../src/platform/usage-plan-pacer.ts';
import { SERVER, lockDownNetwork, memoryVault, mockBotInstall, recordingLogger } from './platform-test-kit.ts';

function fakeTime() {
  let t = Date.parse('2026-03-02T10:00:00Z');
  const waits: number[] = [];
  return {
    waits,
    now: () => t,
    sleep: async (ms: number) => {
      waits.push(ms);
      t += ms;
    },
  };
}

async function platformWithBot(retry?: { maxAttempts?: number; maxWaitMs?: number; defaultRetryAfterMs?: number }) {
  const time = fakeTime();
  const logger = recordingLogger();
  const platform = createRingCentralPlatform({
    serverUrl: SERVER,
    clientId: 'client-id',
    clientSecret: 'client-secret',
    vault: memoryVault(),
    logger,
    clock: time.now,
    sleep: time.sleep,
    ...(retry ? { retry } : {}),
  });
  const install = mockBotInstall();
  await platform.installBotToken('BOT-TOKEN');
  install.done();
  time.waits.length = 0;
  return { platform, time, logger };
}

const limits = (remaining: number, extra: Record<string, string> = {}) => ({
  'Content-Type': 'application/json',
  'X-Rate-Limit-Group': 'light',
  'X-Rate-Limit-Limit': '50',
  'X-Rate-Limit-Remaining': String(remaining),
  'X-Rate-Limit-Window': '60',
  ...extra,
});

beforeAll(lockDownNetwork);
afterEach(() => nock.cleanAll());

describe('pacing from X-Rate-Limit-* headers', () => {
  it('holds the next call for the window once Remaining reaches 0', async () => {
    const { platform, time } = await platformWithBot();
    const order: string[] = [];
    const scope = nock(SERVER)
      .get('/restapi/v1.0/account/~/extension/1')
      .reply(() => {
        order.push('first');
        return [200, { id: 1 }, limits(0)];
      })
      .get('/restapi/v1.0/account/~/extension/2')
      .reply(() => {
        order.push(`second after ${time.waits.join(',')}`);
        return [200, { id: 2 }, limits(49)];
      });
    await platform.bot().getExtension('1');
    await platform.bot().getExtension('2');
    scope.done();
    expect(time.waits).toEqual([60_000]);
    expect(order).toEqual(['first', 'second after 60000']);
  });

  it('counts calls already in flight against Remaining', async () => {
    const { platform, time } = await platformWithBot();
    const scope = nock(SERVER)
      .get('/restapi/v1.0/account/~/extension/1')
      .reply(200, { id: 1 }, limits(1))
      .get(/\/restapi\/v1\.0\/account\/~\/extension\/[234]$/)
      .times(3)
      .reply(200, { id: 9 }, limits(40));
    await platform.bot().getExtension('1');
    await Promise.all([platform.bot().getExtension('2'), platform.bot().getExtension('3'), platform.bot().getExtension('4')]);
    scope.done();
    // One call fits in Remaining=1; the other two wait for the window instead of risking a 429.
    expect(time.waits.length).toBeGreaterThanOrEqual(1);
    expect(time.waits.every((w) => w === 60_000)).toBe(true);
  });

  it('paces no call while Remaining is plentiful', async () => {
    const { platform, time } = await platformWithBot();
    const scope = nock(SERVER).get(/\/restapi\/v1\.0\/account\/~\/extension\/\d+$/).times(5).reply(200, { id: 1 }, limits(45));
    for (let i = 0; i < 5; i++) await platform.bot().getExtension(String(i));
    scope.done();
    expect(time.waits).toEqual([]);
  });
});

describe('the sliding window of one (identity, usage plan group)', () => {
  it('starts no more than `limit` calls in any window (real timers)', async () => {
    const pacer = new UsagePlanPacer({ group: 'Heavy', limit: 2, windowMs: 300 });
    const starts: number[] = [];
    await Promise.all([0, 1, 2].map(() => pacer.schedule(async () => void starts.push(performance.now()))));
    starts.sort((a, b) => a - b);
    expect(starts).toHaveLength(3);
    expect(starts[2]! - starts[0]!).toBeGreaterThanOrEqual(290);
  });

  it('waits for the oldest start to leave the window, sized from the headers once known', async () => {
    const time = fakeTime();
    const pacer = new UsagePlanPacer({ group: 'Heavy', limit: 2, windowMs: 10_000, now: time.now, sleep: time.sleep });
    await Promise.all([0, 1, 2].map(() => pacer.schedule(async () => undefined)));
    expect(time.waits).toEqual([10_000]);
    const resized = new UsagePlanPacer({ group: 'Heavy', limit: 10, windowMs: 60_000, now: time.now, sleep: time.sleep });
    resized.observe(0, { limit: 2, windowMs: 1000 }); // RingCentral says: 2 per second
    time.waits.length = 0;
    await Promise.all([0, 1, 2].map(() => resized.schedule(async () => undefined)));
    expect(time.waits).toEqual([1000]);
  });

  it('is re-sized from X-Rate-Limit-Limit / -Window', () => {
    const pacer = new UsagePlanPacer({ group: 'Light', limit: 50, windowMs: 60_000 });
    expect(pacer.settings).toEqual({ limit: 50, windowMs: 60_000 });
    pacer.observe(1, { limit: 1000, remaining: 999, windowMs: 60_000 });
    expect(pacer.settings).toEqual({ limit: 1000, windowMs: 60_000 });
  });
});

describe('429 and 503: wait Retry-After, retry a bounded number of times', () => {
  it('rides out one 429 after Retry-After', async () => {
    const { platform, time } = await platformWithBot();
    const scope = nock(SERVER)
      .post('/team-messaging/v1/chats/77/posts')
      .reply(429, { errorCode: 'CMN-301', message: 'Request rate exceeded', errors: [{ errorCode: 'CMN-301', message: 'Request rate exceeded' }] }, { 'Retry-After': '2' })
      .post('/team-messaging/v1/chats/77/posts', { text: 'hello' })
      .reply(201, { id: 'p1', groupId: '77', text: 'hello' });
    const post = await platform.bot().createPost('77', 'hello');
    scope.done();
    expect(post.id).toBe('p1');
    expect(time.waits).toEqual([2000]);
  });

  it('gives up after maxAttempts with kind rate-limited and the last Retry-After', async () => {
    const { platform, time } = await platformWithBot({ maxAttempts: 3 });
    const scope = nock(SERVER).post('/team-messaging/v1/chats/77/posts').times(3).reply(429, { errorCode: 'CMN-301', message: 'Request rate exceeded' }, { 'Retry-After': '1' });
    const error = await platform.bot().createPost('77', 'x').catch((e: unknown) => e);
    scope.done();
    expect(error).toBeInstanceOf(PlatformError);
    expect((error as PlatformError).kind).toBe('rate-limited');
    expect((error as PlatformError).details).toMatchObject({ status: 429, errorCode: 'CMN-301', retryAfterMs: 1000 });
    expect(time.waits).toEqual([1000, 1000]);
  });

  it('uses the configured default wait when Retry-After is missing', async () => {
    const { platform, time } = await platformWithBot({ defaultRetryAfterMs: 45_000 });
    const scope = nock(SERVER)
      .get('/team-messaging/v1/chats/5')
      .reply(429, { errorCode: 'CMN-301', message: 'Request rate exceeded' })
      .get('/team-messaging/v1/chats/5')
      .reply(200, { id: '5', type: 'Direct' });
    await platform.bot().getChat('5');
    scope.done();
    expect(time.waits).toEqual([45_000]);
  });

  it('does not wait longer than maxWaitMs: a long Retry-After fails at once', async () => {
    const { platform, time } = await platformWithBot({ maxWaitMs: 120_000 });
    const scope = nock(SERVER).get('/team-messaging/v1/chats/5').reply(429, { errorCode: 'CMN-301', message: 'x' }, { 'Retry-After': '600' });
    const error = (await platform.bot().getChat('5').catch((e: unknown) => e)) as PlatformError;
    scope.done();
    expect(error.kind).toBe('rate-limited');
    expect(error.details.retryAfterMs).toBe(600_000);
    expect(time.waits).toEqual([]);
  });

  it('a 429 holds back the other calls of the same identity and group too', async () => {
    const { platform, time } = await platformWithBot({ maxAttempts: 1 });
    const seen: string[] = [];
    const scope = nock(SERVER)
      .get('/team-messaging/v1/chats/1')
      .reply(() => {
        seen.push('chat1');
        return [429, { errorCode: 'CMN-301', message: 'x' }, { 'Retry-After': '3' }];
      })
      .get('/team-messaging/v1/persons/2')
      .reply(() => {
        seen.push(`person2 after ${time.waits.join(',')}`);
        return [200, { id: '2' }];
      });
    await expect(platform.bot().getChat('1')).rejects.toMatchObject({ kind: 'rate-limited' });
    await platform.bot().getPerson('2'); // Light too
    scope.done();
    expect(seen).toEqual(['chat1', 'person2 after 3000']);
  });

  it('rides out a 503 and gives up on a lasting one with kind unavailable', async () => {
    const { platform, time } = await platformWithBot({ maxAttempts: 2, defaultRetryAfterMs: 5000 });
    const scope = nock(SERVER)
      .get('/team-messaging/v1/chats/8')
      .reply(503, { errorCode: 'CMN-201', message: 'Service Temporary Unavailable' }, { 'Retry-After': '4' })
      .get('/team-messaging/v1/chats/8')
      .reply(200, { id: '8' })
      .get('/team-messaging/v1/chats/9')
      .times(2)
      .reply(503, '');
    await platform.bot().getChat('8');
    const error = (await platform.bot().getChat('9').catch((e: unknown) => e)) as PlatformError;
    scope.done();
    expect(error.kind).toBe('unavailable');
    expect(time.waits).toEqual([4000, 5000]);
  });

  it('other errors are not retried', async () => {
    const { platform } = await platformWithBot();
    const scope = nock(SERVER).get('/restapi/v1.0/account/~/extension/404').once().reply(404, { errorCode: 'CMN-102', message: 'Resource for parameter [extensionId] is not found' });
    await expect(platform.bot().getExtension('404')).rejects.toMatchObject({ kind: 'not-found', details: { errorCode: 'CMN-102', status: 404 } });
    scope.done();
  });
});

describe('shutdown: finishBy and close', () => {
  it('a call that would wait past the deadline for the window fails at once (shuttingDown); one that fits still waits and goes', async () => {
    const { platform, time } = await platformWithBot();
    const scope = nock(SERVER)
      .get('/restapi/v1.0/account/~/extension/1')
      .reply(200, { id: 1 }, limits(0))
      .get('/restapi/v1.0/account/~/extension/3')
      .reply(200, { id: 3 }, limits(49));
    await platform.bot().getExtension('1'); // Remaining 0: the next call waits 60 s
    platform.finishBy(time.now() + 30_000);
    const refused = (await platform.bot().getExtension('2').catch((e: unknown) => e)) as PlatformError;
    expect(refused).toBeInstanceOf(PlatformError);
    expect(refused.kind).toBe('unavailable');
    expect(refused.details.shuttingDown).toBe(true);
    expect(time.waits).toEqual([]);
    platform.finishBy(time.now() + 90_000); // a later deadline never loosens the earlier one
    await expect(platform.bot().getExtension('2')).rejects.toMatchObject({ details: { shuttingDown: true } });
    // Once the window has passed on its own, calls go again.
    await time.sleep(60_000);
    await platform.bot().getExtension('3');
    scope.done();
  });

  it('a 503 retry that would end past the deadline is not waited for', async () => {
    const { platform, time } = await platformWithBot({ maxAttempts: 3, defaultRetryAfterMs: 5000 });
    const scope = nock(SERVER).get('/team-messaging/v1/chats/8').reply(503, '', { 'Retry-After': '20' });
    platform.finishBy(time.now() + 10_000);
    await expect(platform.bot().getChat('8')).rejects.toMatchObject({ kind: 'unavailable', details: { shuttingDown: true } });
    scope.done();
    expect(time.waits).toEqual([]);
  });

  it('after close nothing is sent: new calls fail with shuttingDown', async () => {
    const { platform } = await platformWithBot();
    await platform.close();
    // No nock scope: a request that left would fail with a network error, not shuttingDown.
    await expect(platform.bot().getChat('8')).rejects.toMatchObject({ kind: 'unavailable', details: { shuttingDown: true } });
    await expect(platform.bot().createPost('8', 'hello')).rejects.toMatchObject({ details: { shuttingDown: true } });
  });
});

describe('network failures (a real loopback server drops the connection)', () => {
  it('a GET is retried; a POST is not (it may have been applied)', async () => {
    const seen: string[] = [];
    let dropGet = 1;
    const server = http.createServer((req, res) => {
      seen.push(`${req.method} ${req.url}`);
      if (req.url === '/restapi/v1.0/account/~/extension/~') return void res.writeHead(200, { 'content-type': 'application/json' }).end('{"id":9001}');
      if (req.method === 'GET' && dropGet > 0) {
        dropGet -= 1;
        return void req.socket.destroy();
      }
      if (req.method === 'POST') return void req.socket.destroy();
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"id":"3"}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const time = fakeTime();
      const platform = createRingCentralPlatform({
        serverUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        clientId: 'client-id',
        clientSecret: 'client-secret',
        vault: memoryVault(),
        logger: recordingLogger(),
        clock: time.now,
        sleep: time.sleep,
        retry: { maxAttempts: 2 },
      });
      await platform.installBotToken('BOT-TOKEN');
      await expect(platform.bot().getChat('3')).resolves.toMatchObject({ id: '3' });
      await expect(platform.bot().createPost('3', 'x')).rejects.toMatchObject({ kind: 'unavailable' });
      expect(seen).toEqual(['GET /restapi/v1.0/account/~/extension/~', 'GET /team-messaging/v1/chats/3', 'GET /team-messaging/v1/chats/3', 'POST /team-messaging/v1/chats/3/posts']);
      expect(time.waits).toEqual([1000]);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

describe('timeouts (a real loopback server that never answers)', () => {
  it('a stalled call fails at its timeout with details.timedOut, is sent once, and frees its pacing slot', async () => {
    const seen: string[] = [];
    const stalled: http.ServerResponse[] = [];
    const server = http.createServer((req, res) => {
      seen.push(`${req.method} ${req.url}`);
      if (req.url === '/restapi/v1.0/account/~/extension/~') return void res.writeHead(200, { 'content-type': 'application/json' }).end('{"id":9001}');
      if (req.url === '/team-messaging/v1/chats/stall' || (req.method === 'POST' && req.url === '/team-messaging/v1/chats/stall/posts')) {
        return void stalled.push(res); // headers never come
      }
      if (req.url?.startsWith('/team-messaging/v1/chats/stall/posts?')) {
        // The post did not land: only someone else's post with the same text.
        return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ records: [{ id: 'p1', creatorId: '77', text: 'x', creationTime: new Date().toISOString() }] }));
      }
      if (req.url === '/team-messaging/v1/chats/slow-body') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{"id":');
        return void stalled.push(res); // the body never ends
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"id":"3"}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const platform = createRingCentralPlatform({
        serverUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        clientId: 'client-id',
        clientSecret: 'client-secret',
        vault: memoryVault(),
        logger: recordingLogger(),
        timeouts: { api: 300 },
        concurrency: 1,
      });
      await platform.installBotToken('BOT-TOKEN');
      const bot = platform.bot();
      const first = bot.getChat('stall');
      const behind = bot.getChat('3'); // same identity and group, one slot: waits for the stalled call
      await expect(first).rejects.toMatchObject({ kind: 'unavailable', details: { timedOut: true } });
      await expect(behind).resolves.toMatchObject({ id: '3' });
      await expect(bot.getChat('slow-body')).rejects.toMatchObject({ kind: 'unavailable', details: { timedOut: true } });
      await expect(bot.createPost('stall', 'x')).rejects.toMatchObject({ kind: 'unavailable', details: { timedOut: true } });
      // Not sent again here: the caller decides (the dispatcher re-runs the event later).
      expect(seen.filter((s) => s === 'GET /team-messaging/v1/chats/stall')).toHaveLength(1);
      expect(seen.filter((s) => s === 'POST /team-messaging/v1/chats/stall/posts')).toHaveLength(1);
      expect(seen).toContain('GET /team-messaging/v1/chats/stall/posts?recordCount=250');
      expect(seen.filter((s) => s === 'GET /team-messaging/v1/chats/slow-body')).toHaveLength(1);
    } finally {
      for (const r of stalled) r.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

describe('a post whose creation timed out', () => {
  it('is taken as created when the chat shows it, so it is not sent again', async () => {
    const seen: string[] = [];
    const server = http.createServer((req, res) => {
      seen.push(`${req.method} ${req.url}`);
      if (req.url === '/restapi/v1.0/account/~/extension/~') return void res.writeHead(200, { 'content-type': 'application/json' }).end('{"id":9001}');
      if (req.method === 'POST') return; // stalls, yet the post lands (listed below)
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ records: [{ id: 'p9', creatorId: '9001', text: 'hello', creationTime: new Date().toISOString() }] }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const platform = createRingCentralPlatform({
        serverUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        clientId: 'client-id',
        clientSecret: 'client-secret',
        vault: memoryVault(),
        logger: recordingLogger(),
        timeouts: { api: 300 },
      });
      await platform.installBotToken('BOT-TOKEN');
      await expect(platform.bot().createPost('5', 'hello')).resolves.toMatchObject({ id: 'p9' });
      expect(seen.filter((s) => s.startsWith('POST'))).toHaveLength(1);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
