/**
 * Outage over WebSocket (issue 10 item 1): the emulator drops every WebSocket and forgets the
 * sessions (`recover: false`, i.e. longer than session recovery allows), so the library's
 * reconnect gets `recoveryState: "Failed"` and a new subscription; posts sent meanwhile reach no
 * subscription. The bot reports the gap, catches up, and answers every post exactly once.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startBotWorld, type BotWorld } from '../helpers/bot-world.ts';
import { waitUntil } from '../helpers/wait-until.ts';

const POSTS = 30;
let w: BotWorld | undefined;
afterEach(async () => {
  await w?.close();
  w = undefined;
});

describe('outage over WebSocket', () => {
  it('a drop with no session recovery: posts sent meanwhile are caught up, each answered once', async () => {
    w = await startBotWorld({ delivery: 'websocket', env: { FLOOD_COMMANDS_PER_MINUTE: '0' } });
    const world = w;
    const person = world.setup.withoutPhoto;
    const dm = world.setup.directChats[person.id]!;
    const botId = world.setup.botId;
    const first = await world.control.post(dm, { creatorId: person.id, text: 'help' });
    expect(await world.waitHandled(first.id)).toBe('done');
    const botPosts = async () => (await world.control.posts(dm)).filter((p) => p.creatorId === botId);
    const before = (await botPosts()).length;
    const subscriptionBefore = world.bot.platform.eventDeliveryStatus().subscriptionId;

    const dropped = await fetch(`${world.emulator.url}/_emulator/websocket/drop`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ recover: false }) });
    expect(dropped.status).toBe(200);
    for (let i = 0; i < POSTS; i++) await world.control.post(dm, { creatorId: person.id, text: `help ${i}` });

    await waitUntil(() => world.logs.lines.find((l) => l.msg === 'event delivery may have had a gap' && l.reason === 'websocket-not-recovered'), 'the gap reported', 30_000);
    await waitUntil(
      async () => ((await botPosts()).length >= before + POSTS ? true : undefined),
      async () => `${POSTS} answers (have ${(await botPosts()).length - before})`,
      60_000,
    );
    await waitUntil(async () => {
      const c = await world.bot.store.inbox.counts();
      return c.pending === 0 && c.processing === 0 && world.logs.lines.some((l) => l.msg === 'catch-up finished' && l.reason === 'websocket-not-recovered') ? true : undefined;
    }, 'an idle inbox after the catch-up', 30_000);
    expect((await botPosts()).length).toBe(before + POSTS);
    expect(world.bot.platform.eventDeliveryStatus().state).toBe('active');
    expect(world.bot.platform.eventDeliveryStatus().subscriptionId).not.toBe(subscriptionBefore);
    // Each post once in the inbox, whichever way it came (notification or catch-up).
    const rows = await world.bot.store.inbox.findByPayload('"text":"help ');
    expect(new Set(rows.map((r) => (r.payload as { body: { id: string } }).body.id)).size).toBe(POSTS);
    expect(rows).toHaveLength(POSTS);
    // Posts sent before the new subscription existed reached no subscription: catch-up fed them.
    const caughtUp = rows.filter((r) => r.source === 'catch-up').length;
    process.stderr.write(`[outage-websocket] ${caughtUp} of ${POSTS} posts came through catch-up\n`);
    expect(caughtUp).toBeGreaterThan(0);
  }, 120_000);
});
