/**
 * Durable accept: the bot process is killed (SIGKILL) right after it accepted a delivery and
 * while it was working on it; after a restart on the same database it finishes that event,
 * exactly once. Then SIGTERM stops it gracefully with exit code 0.
 * The bot runs as its own process (`tsx src/main.ts`, what `npm start` runs), the emulator in
 * the test process.
 */
import crypto from 'node:crypto';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createEmulator, type Emulator } from '../../src/emulator/create-emulator.ts';
import { registerRedirectUris } from '../../src/demo/start-demo.ts';
import { createEmulatorControl } from '../../src/demo/emulator-control.ts';
import { freePort, spawnProcess, type SpawnedProcess } from '../helpers/spawn-process.ts';
import { tempDatabase } from '../helpers/temp-database.ts';
import { waitUntil } from '../helpers/wait-until.ts';

const root = path.resolve(import.meta.dirname, '../..');
const db = tempDatabase();
let emulator: Emulator | undefined;
const procs: SpawnedProcess[] = [];
afterAll(async () => {
  for (const p of procs) p.signal('SIGKILL');
  await emulator?.close();
  db.cleanup();
});

async function health(url: string): Promise<Record<string, any>> {
  return (await (await fetch(`${url}/health`)).json()) as Record<string, any>;
}

async function until<T>(f: () => Promise<T | undefined>, timeoutMs: number, what: string): Promise<T> {
  // A refused connection (the bot restarting) counts as "not yet".
  return waitUntil(
    async () => {
      const v = await f().catch(() => undefined);
      return v === false ? undefined : v;
    },
    what,
    timeoutMs,
  );
}

describe('crash after accepting a delivery', () => {
  it('finishes the event after a restart, exactly once', async () => {
    emulator = await createEmulator({ port: 0 });
    const control = createEmulatorControl(emulator.url);
    const seeded = await control.reset({ users: 3, withPhotoRatio: 0 });
    const person = seeded.users.find((u) => !u.admin)!;
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    registerRedirectUris(emulator, [`${url}/oauth`, `${url}/oauth/user`]);
    const env = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NODE_ENV: 'test',
      RINGCENTRAL_SERVER_URL: emulator.url,
      RINGCENTRAL_CLIENT_ID: seeded.app.clientId,
      RINGCENTRAL_CLIENT_SECRET: seeded.app.clientSecret,
      TOKEN_ENCRYPTION_KEY: crypto.randomBytes(32).toString('base64'),
      PUBLIC_URL: url,
      PORT: String(port),
      HOST: '127.0.0.1',
      DATABASE_URL: db.url,
      LOG_LEVEL: 'info',
      // The killed process's claim expires after this; the restarted one then takes the event over.
      INBOX_LEASE_SECONDS: '3',
    };
    const start = () => {
      const p = spawnProcess(process.execPath, ['--import', 'tsx', 'src/main.ts'], { cwd: root, env });
      procs.push(p);
      return p;
    };

    const first = start();
    await first.waitForLine((l) => l.includes('"msg":"listening"'));
    const install = await control.installBot({ redirectUri: `${url}/oauth` });
    expect(install.status).toBe(200);
    const botId = install.bot.extensionId;
    await until(async () => (await health(url)).eventDelivery?.state === 'active', 10_000, 'an active subscription');
    const dm = await control.addChat({ type: 'Direct', members: [person.id, botId] });
    await until(async () => (await control.posts(dm.id)).some((p) => p.creatorId === botId), 10_000, 'the greeting');

    // The bot's first RingCentral call for "show me" stalls, so the process dies mid-work.
    await control.faults({ method: 'GET', path: '/restapi/v1.0/account/~/extension/', status: 0, delayMs: 8000, count: 1 });
    await control.post(dm.id, { creatorId: person.id, text: 'show me' });
    await until(async () => (await health(url)).inbox?.processing === 1, 10_000, 'the event being processed');
    first.signal('SIGKILL');
    await first.exited;
    await control.clearFaults();
    const answer = `${person.name} (ext. ${person.extensionNumber}) has no profile photo.`;
    expect((await control.posts(dm.id)).filter((p) => p.text === answer)).toHaveLength(0);

    const second = start();
    await second.waitForLine((l) => l.includes('took over an event whose lease had expired'));
    await until(async () => (await control.posts(dm.id)).some((p) => p.text === answer), 15_000, 'the answer after restart').catch((e: Error) => {
      throw new Error(`${e.message}\n${second.lines.slice(-25).join('\n')}`);
    });
    await until(async () => {
      const h = await health(url);
      return h.inbox?.pending === 0 && h.inbox?.processing === 0 ? h : undefined;
    }, 10_000, 'an idle inbox');
    expect((await control.posts(dm.id)).filter((p) => p.text === answer)).toHaveLength(1);

    second.signal("SIGTERM");
    expect(await second.exited, second.lines.slice(-15).join('\n')).toBe(0);
    await second.closed;
    expect(second.lines.join('\n')).toMatch(/"msg":"stopped"/);
  });
});
