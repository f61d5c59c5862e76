/**
 * Effects once: each reply (post or card) an event causes is recorded in the store before it is
 * sent (intent) and after (result), under `<event uuid>:<step>:…` (see onceReplier). The event uuid is the inbox
 * row's, so a retry (after a crash, a lost lease, a transient failure) derives the same keys in
 * the same order. On a retry:
 * - result recorded → the reply is not sent again;
 * - intent only (the outcome was lost) → the bot's own posts in that chat since the intent
 *   (`ownPostsSince`, the same look-up createPost does after a timeout) are searched for one
 *   with the same text (or, for a card, a card post) that no other recorded effect accounts
 *   for; found → recorded as the result, not sent again; not found → sent.
 * What this guarantees is stated in docs/deploying.md ("Guarantees").
 */
import crypto from 'node:crypto';
import type { AdaptiveCard, TMPostInfo } from '../platform/ringcentral-client.ts';
import type { Logger } from '../logger.ts';
import type { BotServices } from '../commands/command-context.ts';

/**
 * RingCentral's `creationTime` is compared with our clock; this much earlier still counts as
 * "since the intent" (posts accounted for by other effects are excluded anyway).
 */
const CLOCK_ALLOWANCE_MS = 5000;

function isCardPost(p: TMPostInfo): boolean {
  return (p.attachments ?? []).some((a) => a.type === 'Card');
}

/**
 * Sends one reply at most once per key (see the module comment). `send` does the call and
 * resolves the created post's (or card's) id. Resolves when the reply was sent now or is known
 * to have been sent before; rejects with `send`'s error (the intent stays, the retry looks again).
 */
export async function onceEffect(
  services: BotServices,
  effect: { key: string; chatId: string; content: string | AdaptiveCard },
  send: () => Promise<string>,
  log: Logger,
): Promise<void> {
  const kind = typeof effect.content === 'string' ? 'post' : 'card';
  const effects = services.store.effects;
  const prior = await effects.intend({ key: effect.key, kind, scope: effect.chatId }, services.now());
  if (prior?.status === 'done') {
    log.info({ effectKey: effect.key, postId: prior.resultRef }, 'reply already sent by an earlier attempt; not sent again');
    return;
  }
  if (prior) {
    const landed = await findLanded(services, kind, effect, prior.intentAt).catch((e: unknown) => {
      log.warn({ err: e, effectKey: effect.key }, 'could not list the chat to see whether the reply landed; sending it');
      return undefined;
    });
    if (landed) {
      await effects.complete(effect.key, landed, services.now());
      log.info({ effectKey: effect.key, postId: landed }, 'reply of an earlier attempt found in the chat; not sent again');
      return;
    }
  }
  const id = await send();
  services.testHooks?.afterReply?.();
  await effects.complete(effect.key, id, services.now());
}

async function findLanded(services: BotServices, kind: 'post' | 'card', effect: { chatId: string; content: string | AdaptiveCard }, intentAt: number): Promise<string | undefined> {
  const posts = await services.platform.bot().ownPostsSince(effect.chatId, intentAt - CLOCK_ALLOWANCE_MS);
  const matching = posts.filter((p) => (kind === 'card' ? isCardPost(p) : !isCardPost(p) && p.text === effect.content));
  if (matching.length === 0) return undefined;
  const taken = new Set(await services.store.effects.takenRefs(kind, matching.map((p) => String(p.id))));
  // The oldest unaccounted match: the list is not promised in any order, so sort by creation time.
  return matching
    .filter((p) => !taken.has(String(p.id)))
    .sort((a, b) => Date.parse(a.creationTime ?? '') - Date.parse(b.creationTime ?? ''))
    .map((p) => String(p.id))[0];
}

/**
 * A reply function for one event and chat whose replies are sent once each. A reply's key is
 * `<eventUuid>:reply:<what>:<n>`: `<what>` is a digest of the text (`card` for a card) and `<n>`
 * counts the replies of the same `<what>` so far in this attempt. A retry that says the same
 * thing derives the same key; one whose replies differ (e.g. the "busy" note said only on the
 * first attempt) does not mistake a new reply for an old one.
 */
export function onceReplier(services: BotServices, eventUuid: string, chatId: string, log: Logger): (content: string | AdaptiveCard) => Promise<void> {
  const seen = new Map<string, number>();
  return async (content) => {
    const what = typeof content === 'string' ? crypto.createHash('sha256').update(content).digest('hex').slice(0, 16) : 'card';
    const n = (seen.get(what) ?? 0) + 1;
    seen.set(what, n);
    const bot = services.platform.bot();
    await onceEffect(
      services,
      { key: `${eventUuid}:reply:${what}:${n}`, chatId, content },
      async () => (typeof content === 'string' ? String((await bot.createPost(chatId, content)).id) : (await bot.createCard(chatId, content)).id),
      log,
    );
  };
}
