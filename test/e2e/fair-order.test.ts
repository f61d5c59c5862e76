/**
 * Fair order and flood control end to end, over WebHook against the emulator with its rate
 * limits on (the bot's posts are paced at the Medium limit, so the order of work is what
 * matters): 1000 posts from one person, then one `help` from another person in another chat.
 * The newcomer is answered after at most a few of the flooder's own replies, while the flooder's
 * backlog is still being worked off; the flooder hears the flood note once; their repeated
 * `help` is answered once (coalesced), their distinct questions all.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBotWorld, type BotWorld } from '../helpers/bot-world.ts';
import { waitUntil } from '../helpers/wait-until.ts';
import { FLOOD_NOTE } from '../../src/events/flood-guard.ts';

const POSTS = 1000;
/** Every QUESTION_EVERY-th post is a distinct question (answered each), the rest `help`. */
const QUESTION_EVERY = 10;
const QUESTIONS = POSTS / QUESTION_EVERY;
const PER_MINUTE = 20;
const SLOTS = 2;

let w: BotWorld;
beforeAll(async () => {
  w = await startBotWorld({ env: { DISPATCHER_CONCURRENCY: String(SLOTS), FLOOD_COMMANDS_PER_MINUTE: String(PER_MINUTE) } });
  // RingCentral's 60 s rate window at a quarter of the time (15 s): the bot's replies are still
  // paced far slower than the flood arrives, so a backlog builds, but the test ends sooner.
  w.emulator.state.settings.timeScale = 0.25;
}, 120_000);
afterAll(async () => {
  await w?.close();
});

describe('1000 posts from one person, then one help from another', () => {
  it('answers the newcomer after at most a few of the flooder\'s replies; one flood note; duplicate help coalesced', async () => {
    const flooder = w.setup.withoutPhoto;
    const other = w.setup.admin;
    const dmF = w.setup.directChats[flooder.id]!;
    const dmO = w.setup.directChats[other.id]!;
    const helpText = (await w.botPosts(dmF))[0]!.text!; // the greeting is the help text
    const first = { id: '' };
    for (let i = 0; i < POSTS; i += 10) {
      const batch = await Promise.all(
        Array.from({ length: 10 }, (_, k) => i + k).map((n) =>
          w.control.post(dmF, { creatorId: flooder.id, text: n % QUESTION_EVERY === 0 ? `tell me about number ${n}` : 'help' }),
        ),
      );
      if (!first.id) first.id = batch[0]!.id;
    }
    const asked = await w.control.post(dmO, { creatorId: other.id, text: 'help' });
    // WebHook deliveries arrive in order (one at a time per subscription, as RingCentral sends
    // them), so the newcomer's post reaches the bot after the flood's: fairness counts from then.
    await waitUntil(async () => ((await w.bot.store.inbox.findByPayload(`"id":"${asked.id}"`)).length > 0 ? true : undefined), 'the newcomer\'s post in the inbox', 120_000);
    const before = new Set((await w.botPosts(dmF)).map((p) => p.id));
    const answer = await w.waitForPost(dmO, (p) => p.creatorId === w.setup.botId && Number(p.id) > Number(asked.id), 60_000);
    expect(answer.text).toBe(helpText);

    const flooderReplies = async () => (await w.botPosts(dmF)).filter((p) => Number(p.id) > Number(first.id));
    const atAnswer = await flooderReplies();
    const jumpedAhead = atAnswer.filter((p) => !before.has(p.id) && Number(p.id) < Number(answer.id));
    // Only the flooder's replies already in flight (answer slots, the pacer's queue) went first.
    expect(jumpedAhead.length).toBeLessThanOrEqual(SLOTS + 3);

    // The flooder's backlog was still being worked off when the newcomer was answered.
    await waitUntil(async () => ((await w.bot.store.inbox.counts()).pending + (await w.bot.store.inbox.counts()).processing === 0 ? true : undefined), 'the flood to be worked off', 240_000);
    const all = await flooderReplies();
    expect(all.some((p) => Number(p.id) > Number(answer.id))).toBe(true);
    expect((await w.bot.store.inbox.counts()).failed).toBe(0);

    // One note; every distinct question answered; `help` answered PER_MINUTE-ish times (posts
    // before the flood began) plus once for the whole surplus, not 900 times.
    expect(all.filter((p) => p.text === FLOOD_NOTE)).toHaveLength(1);
    expect(all.filter((p) => (p.text ?? '').startsWith("Sorry, I didn't get that."))).toHaveLength(QUESTIONS);
    const helps = all.filter((p) => p.text === helpText).length;
    expect(helps).toBeGreaterThanOrEqual(2);
    expect(helps).toBeLessThanOrEqual(PER_MINUTE + 1);
    expect(w.logs.lines.filter((l) => l.msg === 'flooding: a duplicate of a request already answered; coalesced').length).toBe(POSTS - QUESTIONS - helps);
  }, 360_000);
});
