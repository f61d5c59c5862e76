/**
 * A RingCentral call that stalls for 150 s (emulator fault with delayMs) while every answer slot
 * is taken by it: with RINGCENTRAL_TIMEOUT_MS the stalled calls give up, other people are answered
 * meanwhile, and the stalled requests are retried later and answered once each.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBotWorld, type BotWorld } from '../helpers/bot-world.ts';

const STALL_MS = 150_000;
const TIMEOUT_MS = 1_500;
const SLOTS = 4;

let w: BotWorld;
beforeAll(async () => {
  w = await startBotWorld({ env: { RINGCENTRAL_TIMEOUT_MS: String(TIMEOUT_MS), DISPATCHER_CONCURRENCY: String(SLOTS) } });
});
afterAll(async () => {
  await w?.close();
});

describe('a RingCentral call stalled for 150 s', () => {
  it('does not hold other people\'s answers; the stalled requests are retried and answered once', async () => {
    const a = w.setup.withoutPhoto;
    const b = w.setup.admin;
    const dmA = w.setup.directChats[a.id]!;
    const dmB = w.setup.directChats[b.id]!;
    // Every post in A's chat stalls 150 s and then fails, for as many calls as there are answer slots.
    await w.control.faults({ method: 'POST', path: `/team-messaging/v1/chats/${dmA}/posts`, status: 503, delayMs: STALL_MS, count: SLOTS });
    const asked: Array<{ id: string }> = [];
    for (let i = 0; i < SLOTS; i++) asked.push(await w.control.post(dmA, { creatorId: a.id, text: 'help' }));
    // Wait until A's requests hold every answer slot.
    const deadline = Date.now() + 10_000;
    while (w.bot.dispatcher.inFlight() < SLOTS) {
      if (Date.now() > deadline) throw new Error(`A's requests never filled the answer slots (${w.bot.dispatcher.inFlight()} in flight)`);
      await new Promise((r) => setTimeout(r, 10));
    }
    const other = await w.control.post(dmB, { creatorId: b.id, text: 'help' });
    // Answered long before the stall would end (the bound is a few timeouts, not 150 s).
    const answer = await w.waitForPost(dmB, (p) => p.creatorId === w.setup.botId && (p.text ?? '').includes('set my avatar') && Number(p.id) > Number(other.id), 6 * TIMEOUT_MS + 5_000);
    expect(answer).toBeDefined();
    // A's requests: retried after the timeout and answered exactly once each; told once (one
    // person, one slow spell) that RingCentral is slow, not once per request.
    for (const post of asked) expect(await w.waitHandled(post.id, 30_000)).toBe('done');
    const botPostsA = await w.botPosts(dmA);
    const after = botPostsA.filter((p) => Number(p.id) > Number(asked[0]!.id));
    expect(after.filter((p) => (p.text ?? '').includes('set my avatar'))).toHaveLength(SLOTS);
    const slowNotes = after.filter((p) => /slow to answer/.test(p.text ?? '')).length;
    expect(slowNotes).toBe(1);
    expect(w.logs.lines.filter((l) => l.msg === 'RingCentral call timed out').length).toBeGreaterThanOrEqual(SLOTS);
  });
});
