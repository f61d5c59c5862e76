/**
 * Who the bot listens to, and what text a command sees (docs/architecture.md#the-event-path
 * step 6; docs/ringcentral-notes.md §9.16, §9.17, §4.6 "Message handling").
 */
import type { Mention, PostAddedEvent } from './post-added-event.ts';

export type ConversationDecision =
  | { action: 'ignore'; reason: 'own-post' | 'not-addressed' | 'personal-chat' | 'not-a-message' }
  | {
      action: 'command';
      /** Text with only the bot's own mention removed, trimmed. */
      text: string;
      /** Mentions other than the bot, in order (targets). */
      mentions: Mention[];
      direct: boolean;
    };

/**
 * Decides whether a post is for the bot. `chatType` is the chat's type (Direct, Group, Team,
 * Personal, Everyone; `PrivateChat` in legacy events counts as Direct).
 * - the bot's own posts (creatorId = bot id) are ignored, and so are system posts (a `type`
 *   other than TextMessage, e.g. PersonJoined);
 * - in a Direct chat everything is for the bot; elsewhere only posts mentioning it (Person mention);
 * - only the bot's `![:Person](id)` markup is stripped; other mentions stay in the text.
 */
export function decideConversation(event: PostAddedEvent, botId: string, chatType: string): ConversationDecision {
  if (event.creatorId === botId) return { action: 'ignore', reason: 'own-post' };
  if (event.postType !== undefined && event.postType !== 'TextMessage') return { action: 'ignore', reason: 'not-a-message' };
  if (chatType === 'Personal') return { action: 'ignore', reason: 'personal-chat' };
  const direct = isDirectChatType(chatType);
  const mentionsBot = event.mentions.some((m) => m.id === botId && m.type === 'Person');
  if (!direct && !mentionsBot) return { action: 'ignore', reason: 'not-addressed' };
  return {
    action: 'command',
    text: stripMentionOf(event.text, botId),
    mentions: event.mentions.filter((m) => !(m.id === botId && m.type === 'Person')),
    direct,
  };
}

/** True for one-to-one chats (`Direct`, legacy `PrivateChat`). */
export function isDirectChatType(chatType: string): boolean {
  return chatType === 'Direct' || chatType === 'PrivateChat';
}

/** Removes every `![:Person](botId)` from the text and tidies the spaces left behind. */
export function stripMentionOf(text: string, botId: string): string {
  const escaped = botId.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return text
    .replace(new RegExp(`!\\[:Person\\]\\(${escaped}\\)`, 'g'), ' ')
    .replace(/\s+/g, ' ')
    .trim();
}
