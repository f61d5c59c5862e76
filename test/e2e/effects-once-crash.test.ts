/**
 * Effects once: the bot kills itself (BOT_TEST_CRASH_AFTER=reply, SIGKILL) right after a reply
 * is posted and before the reply and the event are recorded as done. After a restart another
 * process takes the event over (lease expired), finds the reply in the chat and does not post it
 * again: first for the greeting of a new chat, then for a command's answer.
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

describe('a crash between the reply and the commit', () => {
  it('posts the greeting and the answer once each after recovery', async () => {
    emulator = await createEmulator({ port: 0 });
    const control = createEmulatorControl(emulator.url);
    const seeded = await control.reset({ users: 3, withPhotoRatio: 0 });
    const person = seeded.users.find((u) => !u.admin)!;
    bot = await productionBot({ emulator, app: seeded.app, databaseUrl: db.url, nodeEnv: 'test', env: { INBOX_LEASE_SECONDS: '2' } });
    const health = () => bot!.health();
    const start = (crash: boolean) => bot!.start(crash ? { BOT_TEST_CRASH_AFTER: 'reply' } : {});

    // 1. The greeting: posted, then the process dies before recording it.
    const first = start(true);
    await first.waitForLine((l) => l.includes('"msg":"listening"'));
    const botId = await bot.install(control, 10_000);
    const dm = await control.addChat({ type: 'Direct', members: [person.id, botId] });
    expect(await first.exited).toBe('SIGKILL');
    const botPosts = async () => (await control.posts(dm.id)).filter((p) => p.creatorId === botId);
    expect(await botPosts()).toHaveLength(1);

    console.log('effects-once e2e: greeting posted, first process killed');
    // 2. Recovery (still with the hook: a post now would kill it again) finds the greeting.
    const second = start(true);
    await second.waitForLine((l) => l.includes('reply of an earlier attempt found in the chat'));
    await until(async () => {
      const h = await health();
      return h.inbox?.pending === 0 && h.inbox?.processing === 0;
    }, 10_000, 'the greeting event done');
    expect(await botPosts()).toHaveLength(1);

    console.log('effects-once e2e: greeting recovered once');
    // 3. A command's answer: posted, then the process dies; the next process finds it.
    await control.post(dm.id, { creatorId: person.id, text: 'show me' });
    expect(await second.exited).toBe('SIGKILL');
    const answer = `${person.name} (ext. ${person.extensionNumber}) has no profile photo.`;
    expect((await control.posts(dm.id)).filter((p) => p.text === answer)).toHaveLength(1);
    console.log('effects-once e2e: answer posted, second process killed');
    const third = start(false);
    await third.waitForLine((l) => l.includes('reply of an earlier attempt found in the chat'));
    await until(async () => {
      const h = await health();
      return h.inbox?.pending === 0 && h.inbox?.processing === 0;
    }, 10_000, 'an idle inbox');
    expect((await control.posts(dm.id)).filter((p) => p.text === answer)).toHaveLength(1);
    expect(await botPosts()).toHaveLength(2);

    third.signal('SIGTERM');
    expect(await third.exited, third.lines.slice(-15).join('\n')).toBe(0);
    await third.closed;
  }, 120_000);
});
