/**
 * Usage plan limits against the emulator's real rate limiting (sliding window, penalty) over
 * real sockets: a burst larger than the Heavy limit is paced so that no call gets a 429, and a
 * 429 storm injected with `POST /_emulator/faults` is ridden out after `Retry-After`.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Emulator } from '../../src/emulator/create-emulator.ts';
import type { RingCentralPlatform } from '../../src/platform/ringcentral-client.ts';
import { control, installBot, platformFor, startEmulator, startReceiver, type Receiver } from './platform-e2e-kit.ts';

interface RecordedRequest {
  method: string;
  path: string;
  status: number;
  group?: string;
}

async function requests(emu: Emulator): Promise<RecordedRequest[]> {
  const r = await fetch(`${emu.url}/_emulator/requests`);
  const body = (await r.json()) as RecordedRequest[] | { records: RecordedRequest[] };
  return Array.isArray(body) ? body : body.records;
}

describe('rate limits against the emulator', () => {
  let emu: Emulator | undefined;
  let receiver: Receiver | undefined;
  let platform: RingCentralPlatform | undefined;
  afterEach(async () => {
    await platform?.close();
    await receiver?.close();
    await emu?.close();
  });

  async function setup(timeScale: number) {
    emu = await startEmulator({ timeScale });
    receiver = await startReceiver();
    const made = await platformFor(emu, { retry: { maxAttempts: 5, maxWaitMs: 30_000, defaultRetryAfterMs: 2000 } });
    platform = made.platform;
    const botId = (await platform.installBotToken(await installBot(emu, receiver))).extensionId;
    const someone = made.state.users[0]!.id;
    const chat = await control<{ id: string }>(emu, '/chats', { type: 'Group', name: 'Rate limits', members: [botId, someone] });
    return { chatId: chat.id, emu };
  }

  it('paces a burst past the Heavy limit (10 per window) so that no call gets a 429', async () => {
    // timeScale 0.05: RingCentral's 60 s window becomes 3 s, announced as X-Rate-Limit-Window: 3.
    const { chatId, emu: e } = await setup(0.05);
    const uploads = Array.from({ length: 14 }, (_, i) => platform!.bot().uploadFile(chatId, `f${i}.txt`, Buffer.from(`file ${i}`), 'text/plain'));
    const files = await Promise.all(uploads);
    expect(new Set(files.map((f) => f.id)).size).toBe(14);
    const heavy = (await requests(e)).filter((r) => r.group === 'Heavy');
    expect(heavy).toHaveLength(14);
    expect(heavy.filter((r) => r.status === 429)).toEqual([]);
  }, 20_000);

  it('rides out a 429 storm from fault injection after Retry-After', async () => {
    const { chatId, emu: e } = await setup(1);
    await control(e, '/faults', { method: 'POST', path: `/team-messaging/v1/chats/${chatId}/posts`, status: 429, count: 3, retryAfterSeconds: 1 });
    const post = await platform!.bot().createPost(chatId, 'after the storm');
    expect(post.text).toBe('after the storm');
    const posts = (await requests(e)).filter((r) => r.method === 'POST' && r.path === `/team-messaging/v1/chats/${chatId}/posts`);
    expect(posts.map((r) => r.status)).toEqual([429, 429, 429, 201]);
  }, 20_000);

  it('a storm longer than the retries gives up with kind rate-limited', async () => {
    const { chatId, emu: e } = await setup(1);
    await control(e, '/faults', { method: 'POST', path: `/team-messaging/v1/chats/${chatId}/posts`, status: 429, count: 10, retryAfterSeconds: 0 });
    await expect(platform!.bot().createPost(chatId, 'never')).rejects.toMatchObject({ kind: 'rate-limited', details: { status: 429, errorCode: 'CMN-301' } });
    const posts = (await requests(e)).filter((r) => r.method === 'POST' && r.path === `/team-messaging/v1/chats/${chatId}/posts`);
    expect(posts).toHaveLength(5); // maxAttempts
  }, 20_000);
});
