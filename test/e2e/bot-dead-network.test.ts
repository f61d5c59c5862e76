/**
 * A dead network between the bot and RingCentral: the bot reaches the emulator through a TCP
 * proxy that the test stops (every connection cut) and starts again on the same port. A
 * delivery accepted while RingCentral is unreachable is still answered once the network is
 * back, even when the outage outlasts the first few attempts; the process stays up throughout.
 * The bot's clock runs ahead on demand so the dispatcher's retry delays pass at once.
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
import { tcpProxy, type TcpProxy } from '../helpers/tcp-proxy.ts';

const db = tempDatabase();
let emulator: Emulator | undefined;
let proxy: TcpProxy | undefined;
let bot: RunningBot | undefined;
afterAll(async () => {
  await bot?.close();
  await proxy?.stop();
  await emulator?.close();
  db.cleanup();
});


describe('dead network', () => {
  it('answers a message that arrived while RingCentral was unreachable, once the network is back', async () => {
    emulator = await createEmulator({ port: 0 });
    const control = createEmulatorControl(emulator.url);
    const seeded = await control.reset({ users: 3, withPhotoRatio: 0 });
    const person = seeded.users.find((u) => !u.admin)!;
    proxy = await tcpProxy(Number(new URL(emulator.url).port));
    let aheadMs = 0;
    const logs = captureLogger('debug');
    const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', DATABASE_URL: db.url, LOG_LEVEL: 'debug' });
    bot = await startBot({
      config,
      logger: logs.logger,
      // One try per call: the outage is the dispatcher's to ride out, not the HTTP layer's.
      createPlatform: (o) => createRingCentralPlatform({ ...o, retry: { maxAttempts: 1 } }),
      processAvatar,
      app: { serverUrl: proxy.url, clientId: seeded.app.clientId, clientSecret: seeded.app.clientSecret },
      webhookBase: 'bound',
      now: () => Date.now() + aheadMs,
    });
    registerRedirectUris(emulator, [`${bot.url}/oauth`, `${bot.url}/oauth/user`]);
    const install = await control.installBot({ redirectUri: `${bot.url}/oauth` });
    expect(install.status).toBe(200);
    const botId = install.bot.extensionId;
    await waitUntil(() => (bot!.platform.eventDeliveryStatus().state === 'active' ? true : undefined), 'an active subscription');
    const dm = (await control.addChat({ type: 'Direct', members: [person.id, botId] })).id;
    await waitUntil(async () => ((await control.posts(dm)).some((p) => p.creatorId === botId) ? true : undefined), 'the greeting');

    await proxy.stop();
    const asked = await control.post(dm, { creatorId: person.id, text: 'help' });
    // Let at least three attempts fail against the dead network (the clock skips the waits).
    await waitUntil(async () => {
      aheadMs += 60_000;
      const [row] = await bot!.store.inbox.findByPayload(`"id":"${asked.id}"`);
      return row && (row.attempts >= 3 || row.status !== 'pending' && row.status !== 'processing') ? row : undefined;
    }, 'three failed attempts');
    const health = await fetch(`${bot.url}/health`);
    expect(health.status).toBe(200);

    await proxy.start();
    await waitUntil(async () => {
      aheadMs += 60_000;
      const posts = await control.posts(dm);
      return posts.some((p) => p.creatorId === botId && p.id > asked.id && (p.text ?? '').includes('set my avatar')) ? true : undefined;
    }, 'the answer after the network came back');
    expect((await bot!.store.inbox.findByPayload(`"id":"${asked.id}"`))[0]?.status).toBe('done');
  });

  it('a restart while RingCentral is unreachable installs the stored bot token once the network is back', async () => {
    const control = createEmulatorControl(emulator!.url);
    const { app: appCredentials } = await control.state();
    const port = bot!.port;
    const person = (await control.state()).users.find((u) => !u.admin)!;
    const botId = bot!.platform.bot().extensionId;
    await bot!.close();
    await proxy!.stop();
    const logs = captureLogger('debug');
    bot = await startBot({
      config: loadConfig({ PORT: String(port), HOST: '127.0.0.1', DATABASE_URL: db.url, LOG_LEVEL: 'debug' }),
      logger: logs.logger,
      createPlatform: (o) => createRingCentralPlatform({ ...o, retry: { maxAttempts: 1 } }),
      processAvatar,
      app: { serverUrl: proxy!.url, clientId: appCredentials.clientId, clientSecret: appCredentials.clientSecret },
      webhookBase: 'bound',
    });
    expect(bot.platform.hasBot()).toBe(false);
    expect(await bot.store.getSetting('bot.token')).toBeDefined(); // kept: the token may well still be good
    await proxy!.start();
    await waitUntil(() => (bot!.platform.hasBot() ? true : undefined), 'the stored bot token installed after the outage');
    expect(bot.platform.bot().extensionId).toBe(botId);
    await waitUntil(() => (bot!.platform.eventDeliveryStatus().state === 'active' ? true : undefined), 'an active subscription');
    const dm = (await control.state()).chats.find((c) => c.type === 'Direct' && c.members.includes(person.id))!.id;
    const asked = await control.post(dm, { creatorId: person.id, text: 'help' });
    await waitUntil(async () => ((await control.posts(dm)).some((p) => p.creatorId === botId && p.id > asked.id) ? true : undefined), 'an answer');
  });
});
