/**
 * The scheduled audit in the running bot: a short AUDIT_CRON (every 2 seconds, six fields)
 * stands in for a clock moved to the next 09:00. Each run is claimed in the run ledger on the
 * bot's database and posts one card to every admin chat.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBotWorld, type BotWorld } from '../helpers/bot-world.ts';
import { loadConfig } from '../../src/config.ts';
import { ConfigError } from '../../src/errors.ts';

let w: BotWorld;

beforeAll(async () => {
  w = await startBotWorld({ env: { AUDIT_CRON: '*/2 * * * * *', AUDIT_TIMEZONE: 'Europe/Berlin' } });
  w.emulator.state.settings.timeScale = 0.05;
}, 30_000);

afterAll(async () => {
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
    await w.waitForPost(leads.id, (p) => p.creatorId === botId);
    for (const chatId of [adminsChatId, leads.id]) {
      const post = await w.control.post(chatId, { creatorId: admin.id, text: `![:Person](${botId}) send audit reports here` });
      await w.waitHandled(post.id);
      const done = await w.waitForPost(chatId, (p) => p.creatorId === botId && /^Done: this chat will get/.test(p.text ?? ''));
      expect(done.text).toContain('(*/2 * * * * *, Europe/Berlin)');
      expect(done.text).toMatch(/The next one is due .*GMT\+1/);
    }

    const state = await w.control.state();
    const withoutPhoto = state.users.filter((u) => !u.hasPhoto).length;
    for (const chatId of [adminsChatId, leads.id]) {
      const card = await w.waitForPost(chatId, (p) => p.creatorId === botId && Boolean(p.card), 10_000);
      expect(cardFacts(card.card)).toMatchObject({ 'Extensions checked': String(state.users.length), 'Without a photo': String(withoutPhoto) });
    }

    // Every scheduled time ran at most once; each audit kept in the history.
    const runs = await w.bot.audit.ledger.recentRuns(100);
    const times = runs.map((r) => r.scheduledAt.getTime());
    expect(new Set(times).size).toBe(times.length);
    for (const t of times) expect(t % 2000).toBe(0);
    expect(runs.some((r) => r.outcome === 'ok')).toBe(true);
    expect((await w.bot.audit.history.trend(100)).length).toBeGreaterThan(0);
  }, 20_000);

  it('stops with the bot: no run starts after close', async () => {
    const schedule = w.bot.audit.scheduled;
    expect(schedule?.nextRun()).toBeInstanceOf(Date);
    await w.bot.audit.stop();
    expect(w.bot.audit.scheduled).toBeUndefined();
    const before = (await w.bot.audit.ledger.recentRuns(1000)).length;
    await new Promise((r) => setTimeout(r, 2_500));
    expect((await w.bot.audit.ledger.recentRuns(1000)).length).toBe(before);
  });
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
    expect(problems({ AUDIT_CRON: '0 25 * * *' }).join('\n')).toMatch(/^AUDIT_CRON: AUDIT_CRON "0 25 \* \* \*" is not a valid cron expression.*e\.g\. "0 9 \* \* 1-5"/m);
    expect(problems({ AUDIT_CRON: 'every morning' }).join('\n')).toMatch(/^AUDIT_CRON: /m);
    expect(problems({ AUDIT_TIMEZONE: 'Mars/Olympus' }).join('\n')).toMatch(/^AUDIT_TIMEZONE: /m);
    expect(problems({ REMINDER_INTERVAL_DAYS: '0' }).join('\n')).toMatch(/^REMINDER_INTERVAL_DAYS: expected at least 1/m);
    expect(problems({ AUDIT_EXTENSION_TYPES: 'User,Bot' })).toEqual([]);
    expect(loadConfig({ AUDIT_EXTENSION_TYPES: 'User, DigitalUser', AUDIT_EXTENSION_STATUSES: '' }).auditFilter).toEqual({
      types: ['User', 'DigitalUser'],
      statuses: ['Enabled'],
    });
  });
});
