/**
 * Durable accept: the bot process is killed (SIGKILL) right after it accepted a delivery and
 * while it was working on it; after a restart on the same database it finishes that event,
 * exactly once. Then SIGTERM stops it gracefully with exit code 0.
 * The bot runs as its own process (`tsx src/main.ts`, what `npm start` runs), the emulator in
 * the test process.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { createEmulator, type Emulator } from '../../src/emulator/create-emulator.ts';
import { createEmulatorControl } from '../../src/demo/emulator-control.ts';
import { productionBot, type ProductionBot } from '../helpers/production-bot.ts';
import { tempDatabase } from '../helpers/temp-database.ts';
import { untilAnswering as until } from '../helpers/wait-until.ts';

const db = tempDatabase();
let emulator: Emulator | undefined;
let bot: ProductionBot | undefined;
afterAll(async () => {
  await bot?.killAll();
  await emulator?.close();
  db.cleanup();
});

/** Polls `f`; a refused connection (the bot restarting) counts as "not yet". */

describe('crash after accepting a delivery', () => {
  it('finishes the event after a restart, exactly once', async () => {
    emulator = await createEmulator({ port: 0 });
    const control = createEmulatorControl(emulator.url);
    const seeded = await control.reset({ users: 3, withPhotoRatio: 0 });
    const person = seeded.users.find((u) => !u.admin)!;
    bot = await productionBot({
      emulator,
      app: seeded.app,
      databaseUrl: db.url,
      nodeEnv: 'test',
      // The killed process's claim expires after this; the restarted one then takes the event over.
      env: { INBOX_LEASE_SECONDS: '3' },
    });
    const health = () => bot!.health();

    const first = bot.start();
    await first.waitForLine((l) => l.includes('"msg":"listening"'));
    const botId = await bot.install(control, 10_000);
    const dm = await control.addChat({ type: 'Direct', members: [person.id, botId] });
    await until(async () => (await control.posts(dm.id)).some((p) => p.creatorId === botId), 10_000, 'the greeting');

    // The bot's first RingCentral call for "show me" stalls, so the process dies mid-work.
    await control.faults({ method: 'GET', path: '/restapi/v1.0/account/~/extension/', status: 0, delayMs: 8000, count: 1 });
    await control.post(dm.id, { creatorId: person.id, text: 'show me' });
    await until(async () => (await health()).inbox?.processing === 1, 10_000, 'the event being processed');
    first.signal('SIGKILL');
    await first.exited;
    await control.clearFaults();
    const answer = `${person.name} (ext. ${person.extensionNumber}) has no profile photo.`;
    expect((await control.posts(dm.id)).filter((p) => p.text === answer)).toHaveLength(0);

    const second = bot.start();
    await second.waitForLine((l) => l.includes('took over an event whose lease had expired'));
    await until(async () => (await control.posts(dm.id)).some((p) => p.text === answer), 15_000, 'the answer after restart').catch((e: Error) => {
      throw new Error(`${e.message}\n${second.lines.slice(-25).join('\n')}`);
    });
    await until(async () => {
      const h = await health();
      return h.inbox?.pending === 0 && h.inbox?.processing === 0 ? h : undefined;
    }, 10_000, 'an idle inbox');
    expect((await control.posts(dm.id)).filter((p) => p.text === answer)).toHaveLength(1);

    second.signal('SIGTERM');
    expect(await second.exited, second.lines.slice(-15).join('\n')).toBe(0);
    await second.closed;
    expect(second.lines.join('\n')).toMatch(/"msg":"stopped"/);
  });
});
