/**
 * A private bot's token given as RINGCENTRAL_BOT_TOKEN (no install through /oauth): the bot
 * finds its own extension id, subscribes, and answers; WebSocket delivery when there is no
 * PUBLIC_URL.
 */
import crypto from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { createEmulator, type Emulator } from '../../src/emulator/create-emulator.ts';
import { createEmulatorControl } from '../../src/demo/emulator-control.ts';
import { loadConfig } from '../../src/config.ts';
import { startBot, type RunningBot } from '../../src/app/start-bot.ts';
import { createRingCentralPlatform } from '../../src/platform/create-ringcentral-platform.ts';
import { processAvatar } from '../../src/avatars/index.ts';
import { tempDatabase } from '../helpers/temp-database.ts';
import { captureLogger } from '../helpers/capture-logger.ts';
import { waitUntil } from '../helpers/wait-until.ts';

const db = tempDatabase();
let emulator: Emulator | undefined;
let bot: RunningBot | undefined;
afterAll(async () => {
  await bot?.close();
  await emulator?.close();
  db.cleanup();
});

describe('RINGCENTRAL_BOT_TOKEN', () => {
  it('starts with the configured token and answers over WebSocket', async () => {
    emulator = await createEmulator({ port: 0 });
    const control = createEmulatorControl(emulator.url);
    const seeded = await control.reset({ users: 2 });
    // The emulator issues the token; nobody listens at this address, so we take it from the answer.
    const install = (await control.installBot({ redirectUri: 'http://127.0.0.1:9/oauth' })) as { bot: { extensionId: string }; sent: Record<string, string> };
    const config = loadConfig({
      RINGCENTRAL_SERVER_URL: emulator.url,
      RINGCENTRAL_CLIENT_ID: seeded.app.clientId,
      RINGCENTRAL_CLIENT_SECRET: seeded.app.clientSecret,
      RINGCENTRAL_BOT_TOKEN: install.sent.access_token,
      TOKEN_ENCRYPTION_KEY: crypto.randomBytes(32).toString('base64'),
      DATABASE_URL: db.url,
      PORT: '0',
      HOST: '127.0.0.1',
    });
    bot = await startBot({ config, logger: captureLogger().logger, createPlatform: createRingCentralPlatform, processAvatar });
    expect(bot.platform.hasBot()).toBe(true);
    expect(bot.platform.bot().extensionId).toBe(install.bot.extensionId);
    await waitUntil(() => (bot!.platform.eventDeliveryStatus().state === 'active' ? true : undefined), 'event delivery to be active', 10_000).catch(() => undefined);
    expect(bot.platform.eventDeliveryStatus()).toMatchObject({ mode: 'websocket', state: 'active' });

    const person = seeded.users[0]!;
    const dm = await control.addChat({ type: 'Direct', members: [person.id, install.bot.extensionId] });
    await control.post(dm.id, { creatorId: person.id, text: 'show me' });
    const answered = await waitUntil(
      async () => ((await control.posts(dm.id)).some((p) => p.creatorId === install.bot.extensionId && (Boolean(p.card) || /profile photo/.test(p.text ?? ''))) ? true : undefined),
      'the bot\'s answer to "show me"',
      10_000,
    );
    expect(answered).toBe(true);
  });
});
