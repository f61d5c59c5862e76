/**
 * RingCentral never shows a subscription's verification token again (it is write-only), so a
 * subscription created with an older WEBHOOK_VERIFICATION_TOKEN looks like ours but delivers
 * with the old token: every delivery would be refused (401) until RingCentral blacklists the
 * webhook. After the token changes, the bot must replace that subscription.
 * Bot and emulator both real; the bot restarts on the same address with a new token.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { createEmulator, type Emulator } from '../../src/emulator/create-emulator.ts';
import { createEmulatorControl } from '../../src/demo/emulator-control.ts';
import { registerRedirectUris } from '../../src/demo/start-demo.ts';
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


describe('WEBHOOK_VERIFICATION_TOKEN changed between runs', () => {
  it('replaces the subscription made with the old token, so deliveries are accepted again', async () => {
    emulator = await createEmulator({ port: 0 });
    const control = createEmulatorControl(emulator.url);
    const seeded = await control.reset({ users: 3, withPhotoRatio: 0 });
    const person = seeded.users.find((u) => !u.admin)!;
    const app = { serverUrl: emulator.url, clientId: seeded.app.clientId, clientSecret: seeded.app.clientSecret };
    const start = (port: number, token: string) =>
      startBot({
        config: loadConfig({ PORT: String(port), HOST: '127.0.0.1', DATABASE_URL: db.url, LOG_LEVEL: 'debug', WEBHOOK_VERIFICATION_TOKEN: token }),
        logger: captureLogger('debug').logger,
        createPlatform: createRingCentralPlatform,
        processAvatar,
        app,
        webhookBase: 'bound',
      });

    bot = await start(0, 'first-verification-token-0001');
    const port = bot.port;
    registerRedirectUris(emulator, [`${bot.url}/oauth`, `${bot.url}/oauth/user`]);
    const install = await control.installBot({ redirectUri: `${bot.url}/oauth` });
    expect(install.status).toBe(200);
    const botId = install.bot.extensionId;
    await waitUntil(() => (bot!.platform.eventDeliveryStatus().state === 'active' ? true : undefined), 'an active subscription');
    const first = bot.platform.eventDeliveryStatus().subscriptionId;
    await bot.close();

    bot = await start(port, 'second-verification-token-0002');
    await waitUntil(() => (bot!.platform.eventDeliveryStatus().state === 'active' ? true : undefined), 'an active subscription after restart');
    expect(bot.platform.eventDeliveryStatus().subscriptionId).not.toBe(first);
    const active = (await control.state()).subscriptions.filter((s) => s.status === 'Active');
    expect(active.map((s) => s.id)).toEqual([bot.platform.eventDeliveryStatus().subscriptionId]);

    const dm = (await control.addChat({ type: 'Direct', members: [person.id, botId] })).id;
    const asked = await control.post(dm, { creatorId: person.id, text: 'help' });
    await waitUntil(async () => ((await control.posts(dm)).some((p) => p.creatorId === botId && p.id > asked.id) ? true : undefined), 'an answer');

    // A plain restart with the same token keeps the subscription (no needless churn).
    const kept = bot.platform.eventDeliveryStatus().subscriptionId;
    await bot.close();
    bot = await start(port, 'second-verification-token-0002');
    await waitUntil(() => (bot!.platform.eventDeliveryStatus().state === 'active' ? true : undefined), 'active after a plain restart');
    expect(bot.platform.eventDeliveryStatus().subscriptionId).toBe(kept);
  });
});
