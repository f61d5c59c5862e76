/**
 * The scheduled audit in the running bot: a short AUDIT_CRON (every 2 seconds, six fields)
 * stands in for a clock moved to the next 09:00. Each run is claimed in the run ledger on the
 * bot's database and posts one card to every admin chat. A restart after the bot was down
 * over a scheduled time makes that run up once, and ADMIN_CHAT_IDS adds a chat.
 */
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBotWorld, type BotWorld } from '../helpers/bot-world.ts';
import { captureLogger } from '../helpers/capture-logger.ts';
import { loadConfig } from '../../src/config.ts';
import { ConfigError } from '../../src/errors.ts';
import { startBot, type RunningBot } from '../../src/app/start-bot.ts';
import { createRingCentralPlatform } from '../../src/platform/create-ringcentral-platform.ts';
import { processAvatar } from '../../src/avatars/index.ts';
import { waitUntil } from '../helpers/wait-until.ts';

let w: BotWorld;
let restarted: RunningBot | undefined;
let leadsChatId = '';
let oldTeamChatId = '';

beforeAll(async () => {
  w = await startBotWorld({ env: { AUDIT_CRON: '*/2 * * * * *', AUDIT_TIMEZONE: 'Europe/Berlin' } });
  w.emulator.state.settings.timeScale = 0.05;
}, 30_000);

afterAll(async () => {
  await restarted?.close();
  await w?.close();
});

function cardFacts(card: Record<string, unknown> | undefined): Record<string, string> {
  const body = (card?.body ?? []) as Array<{ type: string; facts?: Array<{ title: string; value: string }> }>;
  return Object.fromEntries((body.find((b) => b.type === 'FactSet')?.facts ?? []).map((f) => [f.title, f.value]));
}

describe('scheduled audit', () => {
  it('skips runs while there is no admin chat, then posts each run to every admin chat', async () => {
    const { admin, botId, adminsChatId } = w.setup;
    // Runs happen while no chat is registered: recorded in the ledger, nothing audited or posted.
    await expect.poll(async () => (await w.bot.audit.ledger.recentRuns(5)).filter((r) => r.outcome === 'ok').length, { timeout: 8_000 }).toBeGreaterThan(0);
    expect(await w.bot.audit.history.latest()).toBeUndefined();

    const leads = await w.control.addChat({ type: 'Group', name: 'Team leads', members: [admin.id, botId] });
    leadsChatId = leads.id;
    await w.waitForPost(leads.id, (p) => p.creatorId === botId);
    for (const chatId of [adminsChatId, leads.id]) {
      const post = await w.control.post(chatId, { creatorId: admin.id, text: `![:Person](${botId}) send audit reports here` });
      await w.waitHandled(post.id);
      const done = await w.waitForPost(chatId, (p) => p.creatorId === botId && /^Done: this chat will get/.test(p.text ?? ''));
      expect(done.text).toContain('(*/2 * * * * *, Europe/Berlin)');
      expect(done.text).toMatch(/The next one is due .*GMT\+1/);
    }

    // A registered chat the bot was later removed from: the others still get the report.
    const oldTeam = await w.control.addChat({ type: 'Group', name: 'Old team', members: [admin.id, botId] });
    oldTeamChatId = oldTeam.id;
    await w.waitForPost(oldTeam.id, (p) => p.creatorId === botId);
    const reg = await w.control.post(oldTeam.id, { creatorId: admin.id, text: `![:Person](${botId}) send audit reports here` });
    await w.waitHandled(reg.id);
    await w.waitForPost(oldTeam.id, (p) => p.creatorId === botId && /^Done: this chat will get/.test(p.text ?? ''));
    const removed = await fetch(`${w.control.url}/_emulator/chats/${oldTeam.id}/members/${botId}`, { method: 'DELETE' });
    expect(removed.status).toBe(200);

    const state = await w.control.state();
    const withoutPhoto = state.users.filter((u) => !u.hasPhoto).length;
    for (const chatId of [adminsChatId, leads.id]) {
      const card = await w.waitForPost(chatId, (p) => p.creatorId === botId && Boolean(p.card), 10_000);
      expect(cardFacts(card.card)).toMatchObject({ 'Extensions checked': String(state.users.length), 'Without a photo': String(withoutPhoto) });
    }

    await expect
      .poll(() => w.logs.lines.some((l) => l.msg === 'could not post the scheduled audit in an admin chat' && l.chatId === oldTeam.id), { timeout: 5_000 })
      .toBe(true);

    // Every scheduled time ran at most once; each audit kept in the history.
    const runs = await w.bot.audit.ledger.recentRuns(100);
    const times = runs.map((r) => r.scheduledAt.getTime());
    expect(new Set(times).size).toBe(times.length);
    for (const t of times) expect(t % 2000).toBe(0);
    expect(runs.some((r) => r.outcome === 'ok')).toBe(true);
    expect((await w.bot.audit.history.trend(100)).length).toBeGreaterThan(0);
  }, 20_000);

  it('stops with the bot; after a restart it makes up the missed run once and posts to ADMIN_CHAT_IDS too', async () => {
    const { admin, botId, adminsChatId } = w.setup;
    const execs = await w.control.addChat({ type: 'Group', name: 'Execs', members: [admin.id, botId] });
    await w.waitForPost(execs.id, (p) => p.creatorId === botId);

    // Stop the bot (the emulator keeps running): no run starts while it is down.
    expect(w.bot.audit.scheduled?.nextRun()).toBeInstanceOf(Date);
    const dbFile = w.bot.store.file!;
    const lastBefore = (await w.bot.audit.ledger.lastRun())!;
    const missedAt = w.bot.audit.scheduled!.nextRun()!;
    await w.bot.close();
    // Wait until the schedule's next time has come and gone while the bot is down.
    await waitUntil(() => (Date.now() > missedAt.getTime() ? true : undefined), 'a scheduled time to pass while the bot is down', 10_000);

    // Same database, now with ADMIN_CHAT_IDS naming a third chat.
    const logs = captureLogger('info');
    const state = await w.control.state();
    const restartAt = Date.now();
    restarted = await startBot({
      config: loadConfig({
        PORT: '0',
        HOST: '127.0.0.1',
        DATABASE_URL: `file:${dbFile}`,
        AUDIT_CRON: '*/2 * * * * *',
        ADMIN_CHAT_IDS: execs.id,
      }),
      logger: logs.logger,
      createPlatform: createRingCentralPlatform,
      processAvatar,
      app: { serverUrl: w.emulator.url, clientId: state.app.clientId, clientSecret: state.app.clientSecret },
      webhookBase: 'bound',
    });
    const audit = restarted.audit;
    // The start-up check runs the latest missed time once (older ones are not replayed).
    await expect
      .poll(() => logs.lines.some((l) => l.msg === 'scheduled audit starting' && l.reason === 'make-up'), { timeout: 5_000 })
      .toBe(true);
    expect(logs.lines.filter((l) => l.msg === 'scheduled audit starting' && l.reason === 'make-up')).toHaveLength(1);
    const madeUp = Date.parse(String(logs.lines.find((l) => l.msg === 'scheduled audit starting' && l.reason === 'make-up')!.scheduledAt));
    expect(madeUp).toBeGreaterThan(lastBefore.getTime());
    expect(madeUp).toBeGreaterThanOrEqual(missedAt.getTime());
    expect(madeUp).toBeLessThanOrEqual(restartAt);

    expect((await audit.adminChats.list()).map((c) => [c.chatId, c.source])).toEqual([
      [execs.id, 'setting'],
      [adminsChatId, 'chat'],
      [leadsChatId, 'chat'],
      [oldTeamChatId, 'chat'],
    ]);
    for (const chatId of [execs.id, adminsChatId, leadsChatId]) {
      await w.waitForPost(chatId, (p) => p.creatorId === botId && Boolean(p.card) && Date.parse(String(p.creationTime)) > lastBefore.getTime() + 2_000, 10_000);
    }
    // Exactly one run per scheduled time, across both lives of the bot.
    const times = (await audit.ledger.recentRuns(1000)).map((r) => r.scheduledAt.getTime());
    expect(new Set(times).size).toBe(times.length);

    const wouldFireAt = audit.scheduled!.nextRun()!;
    await restarted.close();
    expect(audit.scheduled?.nextRun() ?? null).toBeNull();
    const db = new Database(dbFile, { readonly: true });
    try {
      const count = () => (db.prepare('SELECT COUNT(*) AS n FROM audit_run_ledger').get() as { n: number }).n;
      const after = count();
      // The time the schedule would have fired next, plus a second for the run to claim its row.
      await waitUntil(() => (Date.now() > wouldFireAt.getTime() + 1_000 ? true : undefined), 'the next scheduled time after the stop', 10_000);
      expect(count()).toBe(after);
    } finally {
      db.close();
    }
  }, 25_000);
});

describe('schedule settings', () => {
  it('refuses a bad AUDIT_CRON or AUDIT_TIMEZONE at start with a clear error', () => {
    const problems = (env: Record<string, string>) => {
      try {
        loadConfig(env);
        return [];
      } catch (e) {
        if (e instanceof ConfigError) return e.problems;
        throw e;
      }
    };
    expect(problems({ AUDIT_CRON: '0 25 * * *' }).join('\n')).toMatch(/^AUDIT_CRON: "0 25 \* \* \*" is not a valid cron expression.*e\.g\. "0 9 \* \* 1-5"/m);
    // Both at once: one start lists both.
    expect(problems({ AUDIT_CRON: '0 25 * * *', AUDIT_TIMEZONE: 'Mars/Olympus' }).map((p) => p.split(':')[0]).sort()).toEqual(['AUDIT_CRON', 'AUDIT_TIMEZONE']);
    expect(problems({ AUDIT_CRON: 'every morning' }).join('\n')).toMatch(/^AUDIT_CRON: /m);
    expect(problems({ AUDIT_TIMEZONE: 'Mars/Olympus' }).join('\n')).toMatch(/^AUDIT_TIMEZONE: /m);
    expect(problems({ REMINDER_INTERVAL_DAYS: '0' }).join('\n')).toMatch(/^REMINDER_INTERVAL_DAYS: expected at least 1/m);
    expect(problems({ AUDIT_EXTENSION_TYPES: 'User,Bot' })).toEqual([]);
    expect(problems({ AUDIT_EXTENSION_TYPES: 'Users' }).join('\n')).toMatch(/^AUDIT_EXTENSION_TYPES: expected comma-separated extension types out of User, FaxUser/m);
    expect(problems({ AUDIT_EXTENSION_STATUSES: 'Active' }).join('\n')).toMatch(/^AUDIT_EXTENSION_STATUSES: /m);
    expect(loadConfig({ AUDIT_EXTENSION_TYPES: 'User, DigitalUser', AUDIT_EXTENSION_STATUSES: '' }).auditFilter).toEqual({
      types: ['User', 'DigitalUser'],
      statuses: ['Enabled'],
    });
  });
});
