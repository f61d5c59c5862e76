/**
 * With RINGCENTRAL_SHARED_SECRET set, card buttons reach the bot (`POST /interactive`, signed
 * with X-Glip-Signature), so `remind people without photos` asks with a card. A person clicks
 * in the emulator: Cancel drops the plan; Send sends the reminders; someone else's click is not
 * a confirmation.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBotWorld, type BotWorld } from '../helpers/bot-world.ts';
import type { EmulatorPostView } from '../../src/demo/emulator-control.ts';
import { waitUntil } from '../helpers/wait-until.ts';

const SHARED_SECRET = 'audit-card-shared-secret-0123';
let w: BotWorld;

beforeAll(async () => {
  w = await startBotWorld({ env: { RINGCENTRAL_SHARED_SECRET: SHARED_SECRET, REMINDERS_PER_MINUTE: '40' } });
  w.emulator.state.settings.timeScale = 0.05;
}, 30_000);

afterAll(async () => {
  await w?.close();
});

/** A person clicks a button of a card in the emulator; the emulator POSTs the signed submission. */
async function click(cardId: string, extensionId: string, data: Record<string, unknown>): Promise<number | undefined> {
  const r = await fetch(`${w.control.url}/_emulator/adaptive-cards/${cardId}/submit`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ extensionId, url: `${w.bot.url}/interactive`, data, sharedSecret: SHARED_SECRET }),
  });
  expect(r.status).toBe(200);
  return ((await r.json()) as { status?: number }).status;
}

async function askCard(chatId: string, adminId: string, before: number): Promise<EmulatorPostView> {
  const post = await w.control.post(chatId, { creatorId: adminId, text: `![:Person](${w.setup.botId}) remind people without photos` });
  await w.waitHandled(post.id);
  return waitUntil(
    async () => {
      const cards = (await w.botPosts(chatId)).filter((p) => p.card && JSON.stringify(p.card).includes('Remind people without a photo?'));
      return cards.length > before ? cards.at(-1)! : undefined;
    },
    'a reminder card',
    10_000,
  );
}

describe('reminder question as a card', () => {
  it('Cancel drops the plan, another person cannot confirm, Send sends the reminders', async () => {
    const { admin, withPhoto, adminsChatId: chat, botId } = w.setup;
    const missing = (await w.control.state()).users.filter((u) => !u.hasPhoto);
    expect(missing.length).toBeGreaterThan(0);

    const first = await askCard(chat, admin.id, 0);
    const actions = (first.card!.actions ?? []) as Array<{ title: string; data: Record<string, unknown> }>;
    expect(actions.map((a) => a.title)).toEqual([`Send ${missing.length} reminder${missing.length === 1 ? '' : 's'}`, 'Cancel']);
    expect(await click(String(first.card!.id), admin.id, actions[1]!.data)).toBe(200);
    await w.waitForPost(chat, (p) => p.creatorId === botId && p.text === 'OK, no reminders will be sent.');

    const second = await askCard(chat, admin.id, 1);
    const send = ((second.card!.actions ?? []) as Array<{ data: Record<string, unknown> }>)[0]!.data;
    // Another member of the chat clicking Send is not the admin who asked.
    await click(String(second.card!.id), withPhoto.id, send);
    await w.waitForPost(chat, (p) => p.creatorId === botId && p.text === 'Sorry, only RingCentral administrators can do that.');
    await click(String(second.card!.id), admin.id, send);
    const done = await w.waitForPost(chat, (p) => p.creatorId === botId && /^Reminders done/.test(p.text ?? ''), 20_000);
    expect(done.text).toBe(`Reminders done: sent ${missing.length}.`);
    for (const person of missing) expect((await w.bot.audit.reminders.statuses([person.id])).get(person.id)?.lastRemindedAt).toBeInstanceOf(Date);
  }, 30_000);
});
