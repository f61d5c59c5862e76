/**
 * Notifications that belong to the platform, delivered by WebHook (bot + emulator, both real):
 * a subscription renewal reminder makes the bot check and renew its subscription at once, and
 * the Delete event of the bot's own extension uninstalls the bot (token forgotten and deleted
 * from the store, /health says so).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startBotWorld, type BotWorld } from '../helpers/bot-world.ts';
import { waitUntil } from '../helpers/wait-until.ts';

let w: BotWorld | undefined;
afterEach(async () => {
  await w?.close();
  w = undefined;
});

interface SubscriptionView {
  id: string;
  status: string;
  transportType?: string;
  expirationTime?: string;
}

describe('platform notifications over WebHook', () => {
  it('a renewal reminder delivered to /webhook renews the subscription', async () => {
    w = await startBotWorld();
    const before = (await w.control.state()).subscriptions.find((s) => s.status === 'Active') as SubscriptionView;
    const expiresAt = Date.parse(before.expirationTime!);
    // One day left on the emulator's clock: inside the bot's 2-day reminder threshold, but the
    // bot's own periodic check (every 10 minutes) is far away.
    await w.control.advanceClock(expiresAt - Date.now() - 24 * 3600 * 1000);
    const reminder = await waitUntil(async () => {
      const row = (await w!.bot.store.inbox.findByPayload('/restapi/v1.0/subscription/')).find((e) => JSON.stringify(e.payload).includes('threshold'));
      return row?.status === 'done' ? row : undefined;
    }, 'the renewal reminder handled');
    expect(reminder.status).toBe('done');
    await waitUntil(async () => {
      const sub = (await w!.control.state()).subscriptions.find((s) => s.id === before.id) as SubscriptionView | undefined;
      return sub && Date.parse(sub.expirationTime ?? '') > expiresAt ? sub : undefined;
    }, 'the subscription renewed');
    expect(w.logs.lines.some((l) => l.msg === 'subscription renewal reminder; checking the subscription')).toBe(true);
  });

  it("the Delete event of the bot's own extension uninstalls the bot", async () => {
    w = await startBotWorld();
    expect(await w.bot.store.getSetting('bot.token')).toBeDefined();
    const res = await fetch(`${w.emulator.url}/_emulator/bots`, { method: 'DELETE' });
    expect(res.status).toBeLessThan(300);
    await waitUntil(() => (w!.bot.platform.hasBot() ? undefined : true), 'the bot uninstalled');
    await waitUntil(async () => ((await w!.bot.store.getSetting('bot.token')) === undefined ? true : undefined), 'the bot token deleted');
    const health = (await (await fetch(`${w.bot.url}/health`)).json()) as { bot: { installed: boolean } };
    expect(health.bot.installed).toBe(false);
    const [row] = await w.bot.store.inbox.findByPayload('"eventType":"Delete"');
    expect(row?.status).toBe('done');

    // Installed again: a new bot extension, a new subscription, and it answers.
    const again = await w.control.installBot({ redirectUri: `${w.bot.url}/oauth` });
    expect(again.status).toBe(200);
    const botId = again.bot.extensionId;
    expect(w.bot.platform.bot().extensionId).toBe(botId);
    await waitUntil(() => (w!.bot.platform.eventDeliveryStatus().state === 'active' ? true : undefined), 'an active subscription again');
    const person = w.setup.withPhoto;
    const dm = (await w.control.addChat({ type: 'Direct', members: [person.id, botId] })).id;
    await w.waitForPost(dm, (p) => p.creatorId === botId);
    const asked = await w.control.post(dm, { creatorId: person.id, text: 'help' });
    await w.waitForPost(dm, (p) => p.creatorId === botId && p.id > asked.id);
  });
});

