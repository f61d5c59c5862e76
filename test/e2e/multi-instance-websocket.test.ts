/**
 * Two instances on one PostgreSQL database in WebSocket mode (no PUBLIC_URL), each with its own
 * subscription, so RingCentral (the emulator) sends every notification to both:
 * - the bot is installed through one instance and the other takes it up without a restart
 *   (shared install); a reinstall through the other (a new token) reaches the first as well;
 * - every new chat is greeted once and every post answered once.
 * Skipped with one printed line when PostgreSQL is unreachable (unless REQUIRE_POSTGRES=1).
 */
import crypto from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { createEmulator, type Emulator } from '../../src/emulator/create-emulator.ts';
import { createEmulatorControl } from '../../src/demo/emulator-control.ts';
import { productionBot, type ProductionBot } from '../helpers/production-bot.ts';
import { postgresForTests, tempPostgresDatabase } from '../helpers/temp-postgres.ts';
import { waitUntil } from '../helpers/wait-until.ts';

const available = await postgresForTests();
let emulator: Emulator | undefined;
const instances: ProductionBot[] = [];
const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  await Promise.all(instances.map((i) => i.killAll()));
  await emulator?.close();
  for (const c of cleanups) await c();
});

async function health(url: string): Promise<Record<string, any>> {
  return (await (await fetch(`${url}/health`)).json()) as Record<string, any>;
}

describe.skipIf(!available)('two instances in WebSocket mode on one PostgreSQL', () => {
  it('share the install; greet each new chat once and answer each post once', async () => {
    const db = await tempPostgresDatabase();
    cleanups.push(db.cleanup);
    emulator = await createEmulator({ port: 0 });
    const control = createEmulatorControl(emulator.url);
    const seeded = await control.reset({ users: 12, withPhotoRatio: 0 });
    // Few enough that greetings and answers stay within the Medium usage plan group's budget.
    const people = seeded.users.filter((u) => !u.admin).slice(0, 5);
    const tokenEncryptionKey = crypto.randomBytes(32).toString('base64');
    for (let i = 0; i < 2; i++) {
      instances.push(
        await productionBot({
          emulator,
          app: seeded.app,
          databaseUrl: db.url,
          publicUrl: 'none',
          tokenEncryptionKey,
          env: { DATABASE_POOL_SIZE: '4', BOT_TOKEN_CHECK_SECONDS: '1' },
        }),
      );
    }
    const urls = instances.map((i) => i.url);
    const [a, b] = [instances[0]!.start(), instances[1]!.start()];
    await Promise.all([a, b].map((p) => p.waitForLine((l) => l.includes('"msg":"listening"'), 60_000)));

    // Installed through A only; B takes the token from the store.
    const install = await control.installBot({ redirectUri: `${urls[0]}/oauth` });
    expect(install.status).toBe(200);
    const botId = install.bot.extensionId;
    await b.waitForLine((l) => l.includes('installed through another instance'), 60_000);
    await waitUntil(async () => {
      const hs = await Promise.all(urls.map(health));
      return hs.every((h) => h.eventDelivery?.state === 'active') || undefined;
    }, 'both instances holding an active WebSocket subscription', 20_000);
    const wsSubscriptions = (await control.state()).subscriptions.filter((s) => s.status === 'Active');
    expect(wsSubscriptions.length).toBe(2);

    // Reinstalled through B (a new token): A takes it up.
    const again = await control.installBot({ redirectUri: `${urls[1]}/oauth` });
    expect(again.status).toBe(200);
    await a.waitForLine((l) => l.includes('installed through another instance'), 60_000);
    await waitUntil(async () => {
      const hs = await Promise.all(urls.map(health));
      return hs.every((h) => h.eventDelivery?.state === 'active') || undefined;
    }, 'both instances active again after the reinstall', 20_000);

    // New chats are greeted once; each post answered once.
    const chats = await Promise.all(people.map((p) => control.addChat({ type: 'Direct', members: [p.id, botId] })));
    const botPostsIn = async (chatId: string) => (await control.posts(chatId)).filter((p) => p.creatorId === botId);
    await waitUntil(async () => ((await Promise.all(chats.map((c) => botPostsIn(c.id)))).every((ps) => ps.length >= 1) ? true : undefined), 'every chat greeted', 30_000);
    for (const [i, c] of chats.entries()) {
      await control.post(c.id, { creatorId: people[i]!.id, text: 'show me' });
      await control.post(c.id, { creatorId: people[i]!.id, text: 'help' });
    }
    await waitUntil(async () => ((await Promise.all(chats.map((c) => botPostsIn(c.id)))).every((ps) => ps.length >= 3) ? true : undefined), 'every post answered', 60_000).catch(
      async (e: Error) => {
        const counts = await Promise.all(chats.map(async (c) => (await botPostsIn(c.id)).length));
        throw new Error(`${e.message}; bot posts per chat ${counts.join(',')}\nA:\n${a.lines.slice(-15).join('\n')}\nB:\n${b.lines.slice(-15).join('\n')}`);
      },
    );
    // Both instances have seen and settled every delivery (each notification reaches both).
    await waitUntil(async () => {
      const hs = await Promise.all(urls.map(health));
      return hs.every((h) => h.inbox?.pending === 0 && h.inbox?.processing === 0) || undefined;
    }, 'both inboxes idle', 30_000);
    for (const [i, c] of chats.entries()) {
      const posts = await botPostsIn(c.id);
      const person = people[i]!;
      const answer = `${person.name} (ext. ${person.extensionNumber}) has no profile photo.`;
      expect(posts.filter((p) => p.text === answer), `answers in chat ${i}`).toHaveLength(1);
      expect(posts, `bot posts in chat ${i}: greeting, answer, help`).toHaveLength(3);
    }
    for (const p of [a, b]) p.signal('SIGTERM');
    expect(await a.exited, a.lines.slice(-10).join('\n')).toBe(0);
    expect(await b.exited, b.lines.slice(-10).join('\n')).toBe(0);
  }, 180_000);
});
