/**
 * Two instances on one PostgreSQL database in WebSocket mode (no PUBLIC_URL), each with its own
 * subscription, so RingCentral (the emulator) sends every notification to both:
 * - the bot is installed through one instance and the other takes it up without a restart
 *   (shared install); a reinstall through the other (a new token) reaches the first as well;
 * - every new chat is greeted once and every post answered once.
 * Skipped with one printed line when PostgreSQL is unreachable (unless REQUIRE_POSTGRES=1).
 */
import crypto from 'node:crypto';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createEmulator, type Emulator } from '../../src/emulator/create-emulator.ts';
import { registerRedirectUris } from '../../src/demo/start-demo.ts';
import { createEmulatorControl } from '../../src/demo/emulator-control.ts';
import { freePort, spawnProcess, type SpawnedProcess } from '../helpers/spawn-process.ts';
import { postgresForTests, tempPostgresDatabase } from '../helpers/temp-postgres.ts';
import { waitUntil } from '../helpers/wait-until.ts';

const root = path.resolve(import.meta.dirname, '../..');
const available = await postgresForTests();
let emulator: Emulator | undefined;
const procs: SpawnedProcess[] = [];
const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const p of procs) p.signal('SIGKILL');
  await Promise.all(procs.map((p) => p.exited));
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
    const ports = [await freePort(), await freePort()];
    const urls = ports.map((p) => `http://127.0.0.1:${p}`);
    registerRedirectUris(emulator, urls.flatMap((u) => [`${u}/oauth`, `${u}/oauth/user`]));
    const key = crypto.randomBytes(32).toString('base64');
    const start = (port: number) => {
      const p = spawnProcess(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
        cwd: root,
        env: {
          PATH: process.env.PATH,
          HOME: process.env.HOME,
          NODE_ENV: 'production',
          RINGCENTRAL_SERVER_URL: emulator!.url,
          RINGCENTRAL_CLIENT_ID: seeded.app.clientId,
          RINGCENTRAL_CLIENT_SECRET: seeded.app.clientSecret,
          TOKEN_ENCRYPTION_KEY: key,
          PORT: String(port),
          HOST: '127.0.0.1',
          DATABASE_URL: db.url,
          DATABASE_POOL_SIZE: '4',
          LOG_LEVEL: 'info',
          BOT_TOKEN_CHECK_SECONDS: '1',
        },
      });
      procs.push(p);
      return p;
    };
    const [a, b] = [start(ports[0]!), start(ports[1]!)];
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
