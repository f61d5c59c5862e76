/**
 * A bot and the emulator, both real, talking over real loopback sockets: demo mode's own setup
 * (seeded company, private-bot install through `/oauth`, subscription handshake) with a temp
 * database and OS-assigned ports. Plus small helpers to wait for the bot's work.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Jimp } from 'jimp';
import { loadConfig } from '../../src/config.ts';
import { startDemo, type RunningDemo } from '../../src/demo/start-demo.ts';
import { createEmulatorControl, type EmulatorControl, type EmulatorPostView } from '../../src/demo/emulator-control.ts';
import { createRingCentralPlatform } from '../../src/platform/create-ringcentral-platform.ts';
import { processAvatar } from '../../src/avatars/index.ts';
import { tempDatabase } from './temp-database.ts';
import { captureLogger } from './capture-logger.ts';
import { waitUntil } from './wait-until.ts';

export interface BotWorld extends RunningDemo {
  control: EmulatorControl;
  logs: ReturnType<typeof captureLogger>;
  /** Waits until the inbox event carrying this post id is done (or failed). */
  waitHandled(postId: string, timeoutMs?: number): Promise<string>;
  /** Polls the chat until a post matches; returns it. */
  waitForPost(chatId: string, match: (p: EmulatorPostView) => boolean, timeoutMs?: number): Promise<EmulatorPostView>;
  botPosts(chatId: string): Promise<EmulatorPostView[]>;
}

export async function startBotWorld(o: { delivery?: 'webhook' | 'websocket'; env?: Record<string, string> } = {}): Promise<BotWorld> {
  const db = tempDatabase();
  const config = loadConfig({ PORT: '0', EMULATOR_PORT: '0', HOST: '127.0.0.1', DATABASE_URL: db.url, LOG_LEVEL: 'debug', ...o.env });
  const logs = captureLogger('debug');
  const demo = await startDemo({
    config,
    logger: logs.logger,
    createPlatform: createRingCentralPlatform,
    processAvatar,
    ...(o.delivery ? { delivery: o.delivery } : {}),
    // Card buttons only when a test sets RINGCENTRAL_SHARED_SECRET.
    sharedSecret: 'from-config',
  });
  const control = createEmulatorControl(demo.emulator.url);
  // The bot greets every chat it joins; wait for those so tests start from a quiet world.
  for (const chatId of [demo.setup.adminsChatId, ...Object.values(demo.setup.directChats)]) {
    await waitUntil(async () => ((await control.posts(chatId)).some((p) => p.creatorId === demo.setup.botId) ? true : undefined), `a greeting in chat ${chatId}`, 10_000);
  }
  const world: BotWorld = {
    ...demo,
    control,
    logs,
    async close() {
      await demo.close();
      db.cleanup();
    },
    async waitHandled(postId, timeoutMs = 15_000) {
      const status = async () => (await demo.bot.store.inbox.findByPayload(`"id":"${postId}"`))[0]?.status;
      return waitUntil(
        async () => {
          const s = await status();
          return s === 'done' || s === 'failed' ? s : undefined;
        },
        async () => `post ${postId} to be handled within ${timeoutMs} ms (status ${(await status()) ?? 'not in inbox'})`,
        timeoutMs,
      );
    },
    async waitForPost(chatId, match, timeoutMs = 15_000) {
      return waitUntil(
        async () => (await control.posts(chatId)).find(match),
        async () => `a matching post in chat ${chatId} within ${timeoutMs} ms: ${JSON.stringify((await control.posts(chatId)).slice(-3))}`,
        timeoutMs,
      );
    },
    async botPosts(chatId) {
      return (await control.posts(chatId)).filter((p) => p.creatorId === demo.setup.botId);
    },
  };
  return world;
}

const SHARED_PHOTO = path.resolve(import.meta.dirname, '../../../shared/images/exif-orient-1-portrait.jpg');

/** A real photo: from ../shared/images when present, else a generated 640x480 JPEG. */
export async function samplePhoto(): Promise<{ name: string; bytes: Buffer }> {
  if (fs.existsSync(SHARED_PHOTO)) return { name: path.basename(SHARED_PHOTO), bytes: fs.readFileSync(SHARED_PHOTO) };
  const img = new Jimp({ width: 640, height: 480, color: 0x3366ccff });
  for (let x = 100; x < 300; x++) for (let y = 100; y < 300; y++) img.setPixelColor(0xffcc00ff, x, y);
  return { name: 'generated.jpg', bytes: await img.getBuffer('image/jpeg', { quality: 85 }) };
}

/** The first http(s) URL containing `/authorize` in a text, or undefined. */
export function authorizeUrlIn(text: string | null | undefined): string | undefined {
  return /(https?:\/\/\S+\/authorize\?\S+)/.exec(text ?? '')?.[1];
}
