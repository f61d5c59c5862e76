/**
 * Which notifications the bot will certainly not act on, decided at accept time without a
 * database read, so the inbox keeps them for deduplication only (no claim, no handler): the
 * bot's own posts, system posts, and posts in a chat known not to be Direct that don't mention
 * the bot. Chat types are learned from the handler (handle-event.ts's lookups); a chat whose
 * type isn't known yet goes the full way. Same rules as conversation-rules.ts.
 */
import type { NotificationEnvelope } from '../platform/ringcentral-client.ts';
import { isDirectChatType } from './conversation-rules.ts';
import { toPostAddedEvent } from './post-added-event.ts';

/** Chat types remembered at most (oldest forgotten first). */
const MAX_CHATS = 10_000;

/** What the accept path asks and what the handler tells it. */
export interface NoWorkFilter {
  /** True when the bot (extension `botId`) will not act on this notification. Pure apart from the memory. */
  needsNoWork(envelope: NotificationEnvelope, botId: string | undefined): boolean;
  /** Records a chat's type (Direct, Group, Team, Personal, Everyone) as the handler learned it. */
  rememberChatType(chatId: string, type: string): void;
}

/** A filter with its own bounded memory of chat types. */
export function createNoWorkFilter(): NoWorkFilter {
  const chatTypes = new Map<string, string>();
  return {
    needsNoWork(envelope, botId) {
      if (!botId) return false; // no bot yet: the handler decides (and retries)
      const post = toPostAddedEvent(envelope);
      if (!post) return false;
      if (post.creatorId === botId) return true;
      if (post.postType !== undefined && post.postType !== 'TextMessage') return true;
      const type = chatTypes.get(post.chatId);
      if (type === undefined || isDirectChatType(type)) return false;
      if (type === 'Personal') return true;
      return !post.mentions.some((m) => m.id === botId && m.type === 'Person');
    },
    rememberChatType(chatId, type) {
      if (chatTypes.has(chatId)) return;
      if (chatTypes.size >= MAX_CHATS) chatTypes.delete(chatTypes.keys().next().value!);
      chatTypes.set(chatId, type);
    },
  };
}
