/**
 * Catch-up after a delivery gap (docs/deploying.md "What happens during outages"). RingCentral
 * does not redeliver notifications lost while the bot was down, its subscription Blacklisted or
 * expired, or its WebSocket session gone (docs/ringcentral-notes.md §3.4, §3.5, §8); the bot
 * therefore lists what each active chat received since the newest post it saw there
 * (`GET /team-messaging/v1/chats/{chatId}/posts`, newest first, paged; Medium group, paced by the
 * platform like every call) and feeds the posts into the inbox as `PostAdded` events with the
 * same identity key a notification would have (`post:PostAdded:<post id>`), so a post that was
 * delivered after all is handled once.
 *
 * - Chats: those with a post seen within the window (store `chat_progress`), plus chats the bot
 *   is in whose `lastModifiedTime` falls in the window (`GET /team-messaging/v1/chats`), newest
 *   first.
 * - Window: posts older than `windowMs` (CATCH_UP_WINDOW_HOURS), or older than the bot's first
 *   catch-up ever (so a fresh install does not answer old history), are not answered late.
 * - One instance at a time: a store lease `catch-up`, renewed between pages.
 * - Requests while a run is going are coalesced into one more run afterwards.
 */
import type { Logger } from '../logger.ts';
import type { DeliveryGapReason, NotificationEnvelope, RingCentralPlatform, TMPostInfo } from '../platform/ringcentral-client.ts';
import type { Store } from '../store/store.ts';
import { SETTING_CATCH_UP_FLOOR } from '../store/setting-keys.ts';
import { laneOf } from './lane-of.ts';
import { fairKeyOf, identityKeyOf } from './parse-notification.ts';

/** What `/health` shows about catch-up. */
export interface CatchUpStatus {
  state: 'idle' | 'running' | 'off';
  /** Why the current (or last) run started. */
  reason?: DeliveryGapReason | undefined;
  startedAt?: string | undefined;
  finishedAt?: string | undefined;
  /** Chats to look at in the current (or last) run, and how many were looked at. */
  chats: number;
  chatsDone: number;
  /** Posts found that the bot had not seen, and how many of them were new to the inbox. */
  postsFound: number;
  postsQueued: number;
  lastError?: string | undefined;
}

export interface CatchUp {
  /** Asks for a run (coalesced with one under way); never throws. */
  request(reason: DeliveryGapReason): void;
  status(): CatchUpStatus;
  /** Resolves when no run is going (tests, shutdown). */
  idle(): Promise<void>;
  /** No new runs; the lease is given back. */
  stop(): Promise<void>;
}

/** Marks a catch-up post's body (handle-event.ts adds the "answered late" note). */
export const CATCH_UP_MARK = 'catchUp';

const LEASE = 'catch-up';
const LEASE_MS = 60_000;
const POSTS_PER_PAGE = 100;
const CHATS_PER_PAGE = 250;
const MAX_CHAT_PAGES = 20;
const MAX_POST_PAGES_PER_CHAT = 20;
const MAX_CHATS = 1000;

/** The notification a listed post would have come as. Pure. */
export function catchUpEnvelope(post: TMPostInfo, chatId: string, botId: string): NotificationEnvelope {
  return {
    uuid: `catch-up:${String(post.id)}`,
    event: '/team-messaging/v1/posts',
    timestamp: post.creationTime ?? '',
    subscriptionId: '',
    ownerId: botId,
    body: { ...(post as Record<string, unknown>), groupId: chatId, eventType: 'PostAdded', [CATCH_UP_MARK]: true },
  };
}

/** Creates the catch-up runner; `windowMs` 0 turns it off. */
export function createCatchUp(p: {
  platform: RingCentralPlatform;
  store: Store;
  /** Wakes the dispatcher after posts were queued. */
  notify: () => void;
  windowMs: number;
  logger: Logger;
  now: () => number;
}): CatchUp {
  const { platform, store, logger: log } = p;
  let status: CatchUpStatus = { state: p.windowMs > 0 ? 'idle' : 'off', chats: 0, chatsDone: 0, postsFound: 0, postsQueued: 0 };
  let running: Promise<void> | undefined;
  let again: DeliveryGapReason | undefined;
  let stopped = false;
  const iso = (t: number) => new Date(t).toISOString();
  const renew = () => store.leases.acquire(LEASE, store.instanceId, p.now(), LEASE_MS);

  async function floor(): Promise<number | undefined> {
    const stored = Number(await store.getSetting(SETTING_CATCH_UP_FLOOR));
    if (Number.isFinite(stored) && stored > 0) return stored;
    await store.setSetting(SETTING_CATCH_UP_FLOOR, String(p.now()));
    return undefined; // the first run ever: nothing before now is ours to answer
  }

  async function chatsToCheck(cutoff: number): Promise<Array<{ chatId: string; since: number; newestPostId?: string; activity: number }>> {
    const byId = new Map<string, { chatId: string; since: number; newestPostId?: string; activity: number }>();
    for (const c of await store.chatProgress.activeSince(cutoff, MAX_CHATS)) {
      byId.set(c.chatId, { chatId: c.chatId, since: c.newestPostAt, newestPostId: c.newestPostId, activity: c.newestPostAt });
    }
    let pageToken: string | undefined;
    for (let page = 0; page < MAX_CHAT_PAGES; page++) {
      const list = await platform.bot().listChats({ recordCount: CHATS_PER_PAGE, ...(pageToken ? { pageToken } : {}) });
      for (const chat of list.records ?? []) {
        const id = chat.id === undefined ? '' : String(chat.id);
        const modified = Date.parse(chat.lastModifiedTime ?? '');
        if (!id || !(modified >= cutoff)) continue;
        const known = byId.get(id);
        if (known) known.activity = Math.max(known.activity, modified);
        else byId.set(id, { chatId: id, since: cutoff, activity: modified });
      }
      pageToken = list.navigation?.nextPageToken;
      if (!pageToken) break;
    }
    return [...byId.values()].sort((a, b) => b.activity - a.activity).slice(0, MAX_CHATS);
  }

  /** Posts of one chat newer than `since` (and not `newestPostId`), oldest first. */
  async function missedPosts(chat: { chatId: string; since: number; newestPostId?: string }, cutoff: number): Promise<TMPostInfo[]> {
    const from = Math.max(chat.since, cutoff);
    const found: TMPostInfo[] = [];
    let pageToken: string | undefined;
    for (let page = 0; page < MAX_POST_PAGES_PER_CHAT; page++) {
      const list = await platform.bot().listPosts(chat.chatId, { recordCount: POSTS_PER_PAGE, ...(pageToken ? { pageToken } : {}) });
      let reachedSeen = false;
      for (const post of list.records ?? []) {
        const at = Date.parse(post.creationTime ?? '');
        if (String(post.id) === chat.newestPostId || !(at >= from)) {
          reachedSeen = true;
          break;
        }
        found.push(post);
      }
      pageToken = list.navigation?.nextPageToken;
      if (reachedSeen || !pageToken) break;
      if (!(await renew())) throw new Error('lost the catch-up lease');
    }
    return found.reverse();
  }

  async function runOnce(reason: DeliveryGapReason): Promise<void> {
    if (!platform.hasBot()) return;
    if (!(await renew())) {
      log.info({ reason, holder: await store.leases.holder(LEASE, p.now()) }, 'another instance is catching up');
      return;
    }
    const startedAt = p.now();
    status = { state: 'running', reason, startedAt: iso(startedAt), chats: 0, chatsDone: 0, postsFound: 0, postsQueued: 0 };
    try {
      const first = await floor();
      if (first === undefined) {
        log.info({ reason }, 'first catch-up: history before now is not answered');
        return;
      }
      const cutoff = Math.max(first, startedAt - p.windowMs);
      const botId = platform.bot().extensionId;
      const chats = await chatsToCheck(cutoff);
      status.chats = chats.length;
      for (const chat of chats) {
        if (stopped) break;
        if (!(await renew())) throw new Error('lost the catch-up lease');
        const posts = (await missedPosts(chat, cutoff)).filter((post) => post.id !== undefined && String(post.creatorId) !== botId);
        status.postsFound += posts.length;
        for (const post of posts) {
          const envelope = catchUpEnvelope(post, chat.chatId, botId);
          const outcome = await store.inbox.accept(
            { uuid: envelope.uuid, source: 'catch-up', payload: envelope, lane: laneOf('catch-up', envelope), identityKey: identityKeyOf(envelope), fairKey: fairKeyOf(envelope) },
            p.now(),
          );
          if (outcome === 'accepted') {
            status.postsQueued += 1;
            p.notify();
          }
        }
        status.chatsDone += 1;
      }
      log.info({ reason, chats: status.chats, postsFound: status.postsFound, postsQueued: status.postsQueued, ms: p.now() - startedAt }, 'catch-up finished');
    } finally {
      status = { ...status, state: 'idle', finishedAt: iso(p.now()) };
      await store.leases.release(LEASE, store.instanceId).catch(() => undefined);
    }
  }

  function start(reason: DeliveryGapReason): void {
    running = (async () => {
      let next: DeliveryGapReason | undefined = reason;
      while (next && !stopped) {
        again = undefined;
        try {
          await runOnce(next);
        } catch (e) {
          status = { ...status, state: 'idle', lastError: (e as Error).message, finishedAt: iso(p.now()) };
          log.warn({ err: (e as Error).message, reason: next }, 'catch-up failed; it runs again at the next gap or check');
        }
        next = again;
      }
    })().finally(() => {
      running = undefined;
    });
  }

  return {
    request(reason) {
      if (stopped || p.windowMs <= 0) return;
      if (running) {
        again = reason;
        return;
      }
      start(reason);
    },
    status: () => ({ ...status }),
    async idle() {
      while (running) await running;
    },
    async stop() {
      stopped = true;
      await running;
    },
  };
}
