/**
 * Outages over WebHook (issue 10 item 1, docs/deploying.md "What happens during outages"):
 * - the bot SIGKILLed during a burst of 200 posts and restarted ~10 s later, while RingCentral
 *   (the emulator) blacklists its subscription after the failed deliveries: every post is answered
 *   exactly once (notifications that were delivered, and the rest through catch-up);
 * - /health answers 503 while the subscription is Blacklisted and cannot be repaired, with what
 *   the platform said and when; 200 again once repaired, and posts sent meanwhile are answered.
 * The bot runs as its own process (`node --import tsx src/main.ts`); the emulator in the test
 * process, its usage plan windows shortened (timeScale) so 200 replies take seconds, not minutes.
 */
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { createEmulator, type Emulator } from '../../src/emulator/create-emulator.ts';
import { createEmulatorControl } from '../../src/demo/emulator-control.ts';
import { productionBot, type ProductionBot } from '../helpers/production-bot.ts';
import { tempDatabase } from '../helpers/temp-database.ts';
import { untilAnswering as until } from '../helpers/wait-until.ts';

const POSTS = 200;
const KILL_AFTER = 60;
const db = tempDatabase();
let emulator: Emulator | undefined;
let bot: ProductionBot | undefined;
afterAll(async () => {
  await bot?.killAll();
  await emulator?.close();
  db.cleanup();
});

const step = (what: string) => process.stderr.write(`[outage-webhook ${new Date().toISOString()}] ${what}\n`);

/** Inbox rows fed by catch-up and done (read-only look at the bot's SQLite file). */
function catchUpRows(file: string): number {
  const raw = new Database(file, { readonly: true });
  try {
    return (raw.prepare("SELECT count(*) AS n FROM inbox WHERE source = 'catch-up' AND status = 'done'").get() as { n: number }).n;
  } finally {
    raw.close();
  }
}

async function health(url: string): Promise<{ status: number; body: Record<string, any> }> {
  const r = await fetch(`${url}/health`);
  return { status: r.status, body: (await r.json()) as Record<string, any> };
}

/** Polls `f`; a refused connection (the bot restarting) counts as "not yet". */

describe('outage over WebHook', () => {
  it('SIGKILL during a burst of 200 posts, Blacklisted meanwhile, restart after 10 s: every post answered exactly once; /health 503 while Blacklisted', async () => {
    emulator = await createEmulator({ port: 0, timeScale: 0.05 });
    const control = createEmulatorControl(emulator.url);
    const seeded = await control.reset({ users: 3, withPhotoRatio: 0 });
    const person = seeded.users.find((u) => !u.admin)!;
    bot = await productionBot({
      emulator,
      app: seeded.app,
      databaseUrl: db.url,
      nodeEnv: 'test',
      env: {
        // Long enough that a loaded machine does not let this instance's own claims expire mid-work.
        INBOX_LEASE_SECONDS: '10',
        SUBSCRIPTION_CHECK_SECONDS: '5',
        // 200 posts from one person in a minute: flood control would (rightly) coalesce them.
        FLOOD_COMMANDS_PER_MINUTE: '0',
      },
    });
    const { url } = bot;

    const first = bot.start();
    await first.waitForLine((l) => l.includes('"msg":"listening"'));
    const botId = await bot.install(control, 15_000);
    // The first catch-up after install marks "now" as the floor: history before it is not answered.
    await first.waitForLine((l) => l.includes('first catch-up'));
    const dm = await control.addChat({ type: 'Direct', members: [person.id, botId] });
    await until(async () => (await control.posts(dm.id)).some((p) => p.creatorId === botId), 15_000, 'the greeting');
    const subscriptionBefore = (await health(url)).body.eventDelivery.subscriptionId as string;

    const greeting = (await control.posts(dm.id)).filter((p) => p.creatorId === botId).length;

    // The burst: the bot dies after KILL_AFTER posts; the rest are sent while it is down, and the
    // failed deliveries blacklist the subscription (5 in a row, as RingCentral does).
    step('burst');
    for (let i = 0; i < POSTS; i++) {
      if (i === KILL_AFTER) {
        first.signal('SIGKILL');
        await first.exited;
        step(`killed after ${KILL_AFTER} posts`);
      }
      await control.post(dm.id, { creatorId: person.id, text: `help ${i}` });
    }
    const downSince = Date.now();
    await until(async () => {
      const subs = [...emulator!.state.subscriptions.values()] as Array<{ id: string; status: string }>;
      return subs.find((s) => s.id === subscriptionBefore)?.status === 'Blacklisted';
    }, 20_000, 'the subscription Blacklisted by the failed deliveries');
    step('blacklisted; waiting ~10 s before the restart');
    await until(async () => Date.now() - downSince >= 10_000, 15_000, '10 s of downtime');

    const second = bot.start();
    // The killed instance's keeper lease (two check periods) must expire first.
    await until(async () => (await health(url)).body.eventDelivery?.state === 'active', 45_000, async () => `an active subscription after the restart:\n${second.lines.slice(-15).join('\n')}`);
    const afterRestart = (await health(url)).body;
    expect(afterRestart.eventDelivery.subscriptionId).not.toBe(subscriptionBefore);
    expect(afterRestart.eventDelivery.platformStatus).toBe('Active');
    expect(Date.parse(afterRestart.eventDelivery.platformCheckedAt)).toBeGreaterThan(downSince);

    step('waiting for every post to be answered');
    const botPostsNow = async () => (await control.posts(dm.id)).filter((p) => p.creatorId === botId).length;
    await until(async () => (await botPostsNow()) >= greeting + POSTS, 180_000, async () => `${POSTS} answers (have ${(await botPostsNow()) - greeting}); last lines:\n${second.lines.slice(-20).join('\n')}`);
    await until(async () => {
      const h = (await health(url)).body;
      return h.inbox?.pending === 0 && h.inbox?.processing === 0 && h.catchUp?.state === 'idle' ? h : undefined;
    }, 30_000, 'an idle inbox and catch-up');
    const answers = (await control.posts(dm.id)).filter((p) => p.creatorId === botId);
    const takeovers = second.lines.filter((l) => l.includes('took over an event whose lease had expired')).length;
    const foundInChat = second.lines.filter((l) => l.includes('reply of an earlier attempt found in the chat')).length;
    step(`takeovers: ${takeovers}; earlier replies found in the chat: ${foundInChat}; answers ${answers.length - greeting}; late ${answers.filter((p) => (p.text ?? '').startsWith('(Sorry')).length}`);
    // Every post answered exactly once, through delivery and catch-up. An event the kill caught
    // between its reply and its commit is taken over after its lease; effects once then pages back
    // through the chat to the intent's time, so it finds that reply even when catch-up has
    // meanwhile buried it under hundreds of newer posts (docs/deploying.md, "Guarantees").
    expect(answers.length - greeting, `answers to ${POSTS} posts (takeovers: ${takeovers})`).toBe(POSTS);
    const late = answers.filter((p) => (p.text ?? '').startsWith('(Sorry for the late answer'));
    expect(late.length).toBeGreaterThan(0);
    // Exactly the posts the bot never got as notifications (fed by catch-up) carry the late note.
    expect(late.length).toBe(catchUpRows(db.file));
    expect(second.lines.join('\n')).toMatch(/"msg":"catch-up finished"/);

    // Blacklisted while running, and repair refused for a while: /health says so with 503.
    step('blacklist while running, with subscription creation failing');
    const current = (await health(url)).body.eventDelivery.subscriptionId as string;
    await control.faults({ method: 'POST', path: '/restapi/v1.0/subscription', status: 500, count: 1000 });
    await control.blacklist(current);
    const broken = await until(async () => {
      const h = await health(url);
      return h.status === 503 && h.body.eventDelivery.state === 'repairing' ? h : undefined;
    }, 30_000, '/health 503 (repairing) after the blacklisting');
    expect(broken.body.status).toBe('delivery-broken');
    expect(broken.body.eventDelivery.platformStatus).toBe('Blacklisted');
    expect(broken.body.eventDelivery.state).toBe('repairing');
    expect(broken.body.problems.join(' ')).toMatch(/Blacklisted/);
    expect(typeof broken.body.eventDelivery.platformCheckedAt).toBe('string');
    expect(typeof broken.body.lastNotificationAt).toBe('string');
    // Posts sent while nothing is delivered are answered once delivery is repaired.
    await control.post(dm.id, { creatorId: person.id, text: 'help while broken' });
    await control.clearFaults();
    const repaired = await until(async () => {
      const h = await health(url);
      return h.status === 200 && h.body.eventDelivery.platformStatus === 'Active' ? h : undefined;
    }, 90_000, '/health 200 after the repair');
    expect(repaired.body.eventDelivery.subscriptionId).not.toBe(current);
    await until(async () => (await botPostsNow()) >= greeting + POSTS + 1, 30_000, 'the answer to the post sent while Blacklisted');
    await until(async () => (await health(url)).body.catchUp?.state === 'idle', 30_000, 'catch-up idle');
    const finalPosts = (await control.posts(dm.id)).filter((p) => p.creatorId === botId);
    expect(finalPosts.length, finalPosts.slice(answers.length).map((p) => (p.text ?? '').slice(0, 80)).join(' | ')).toBe(answers.length + 1);

    second.signal('SIGTERM');
    expect(await second.exited, second.lines.slice(-15).join('\n')).toBe(0);
  }, 300_000);
});
