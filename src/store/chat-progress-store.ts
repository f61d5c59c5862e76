/**
 * Table `chat_progress`: per chat, the newest post the bot has seen. One upsert whose update
 * applies only when the new post is newer, so instances noting posts in any order agree.
 */
import type { Kysely } from 'kysely';
import type { DB } from './schema.ts';
import type { ChatProgressStore } from './store.ts';

/** Builds the ChatProgressStore for a database; rows carry `accountId`. */
export function createChatProgressStore(db: Kysely<DB>, accountId: string): ChatProgressStore {
  const view = (r: { chat_id: string; newest_post_id: string; newest_post_at: number }) => ({
    chatId: r.chat_id,
    newestPostId: r.newest_post_id,
    newestPostAt: Number(r.newest_post_at),
  });
  return {
    async notePost(chatId, postId, postAt, now) {
      await db
        .insertInto('chat_progress')
        .values({ chat_id: chatId, newest_post_id: postId, newest_post_at: postAt, updated_at: now, account_id: accountId })
        .onConflict((oc) =>
          oc
            .column('chat_id')
            .doUpdateSet((eb) => ({
              newest_post_id: eb.ref('excluded.newest_post_id'),
              newest_post_at: eb.ref('excluded.newest_post_at'),
              updated_at: eb.ref('excluded.updated_at'),
            }))
            .where((eb) => eb('chat_progress.newest_post_at', '<', postAt)),
        )
        .execute();
    },
    async get(chatId) {
      const r = await db.selectFrom('chat_progress').select(['chat_id', 'newest_post_id', 'newest_post_at']).where('chat_id', '=', chatId).executeTakeFirst();
      return r ? view(r) : undefined;
    },
    async activeSince(since, limit) {
      const rows = await db
        .selectFrom('chat_progress')
        .select(['chat_id', 'newest_post_id', 'newest_post_at'])
        .where('newest_post_at', '>=', since)
        .orderBy('newest_post_at', 'desc')
        .limit(limit)
        .execute();
      return rows.map(view);
    },
  };
}
