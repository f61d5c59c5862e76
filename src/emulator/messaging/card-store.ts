import type { EmulatorCard, EmulatorPost } from '../messaging-records.ts';
import type { EmulatorState } from '../emulator-state.ts';
import { ApiError } from '../api-error.ts';
import { getChatAsMember, invalidParameter, notAMember } from './chat-store.ts';
import { publishPostEvent, removePost } from './post-store.ts';

/**
 * Adaptive cards posted to chats: create, read, update and delete them, and their views.
 */

const CARD_SERVER_FIELDS = new Set(['id', 'creationTime', 'lastModifiedTime', 'creator', 'chatIds']);

function cleanCard(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw invalidParameter('body');
  const input = body as Record<string, unknown>;
  if (input.type !== undefined && input.type !== 'AdaptiveCard') throw invalidParameter('type');
  if (input.body !== undefined && !Array.isArray(input.body)) throw invalidParameter('body');
  if (input.actions !== undefined && !Array.isArray(input.actions)) throw invalidParameter('actions');
  const card: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(input)) if (!CARD_SERVER_FIELDS.has(k)) card[k] = v;
  card.type = 'AdaptiveCard';
  // RingCentral implements Adaptive Cards 1.3 and fills `version` server-side (docs/ringcentral-notes.md §6).
  if (typeof card.version !== 'string') card.version = '1.3';
  return card;
}

/**
 * Posts an adaptive card in a chat as `creatorId` (member only). The card is also a post with one
 * `Card` attachment, with the same id as the card, so it shows in the chat; PostAdded is published.
 * Returns the card. Throws 400 CMN-101 for a body that is not an AdaptiveCard object.
 */
export function createCard(state: EmulatorState, chatId: string, creatorId: string, body: unknown): EmulatorCard {
  const chat = getChatAsMember(state, chatId, creatorId);
  const cardJson = cleanCard(body);
  const now = state.isoNow();
  const id = state.nextId();
  const card: EmulatorCard = { id, chatId, creatorId, card: cardJson, creationTime: now, lastModifiedTime: now };
  state.cards.set(id, card);
  const post: EmulatorPost = {
    id,
    groupId: chat.id,
    type: 'TextMessage',
    text: '',
    creatorId,
    mentions: [],
    attachments: [{ id, type: 'Card' }],
    creationTime: now,
    lastModifiedTime: now,
    cardId: id,
  };
  state.posts.set(id, post);
  chat.lastModifiedTime = now;
  publishPostEvent(state, chat, post, 'PostAdded');
  return card;
}

/** A card the caller may see (member of its chat or its creator); 404 CMN-102 / 403 CMN-401. */
export function getCardFor(state: EmulatorState, cardId: string, personId: string): EmulatorCard {
  const card = state.cards.get(cardId);
  if (!card) throw new ApiError(404, 'CMN-102', 'Resource for parameter [cardId] is not found.', 'cardId');
  const chat = state.chats.get(card.chatId);
  if (card.creatorId !== personId && !chat?.members.includes(personId)) throw notAMember();
  return card;
}

/** Replaces a card's content (creator only: 403 CMN-401) and publishes PostChanged for its post. */
export function updateCard(state: EmulatorState, cardId: string, personId: string, body: unknown): EmulatorCard {
  const card = getCardFor(state, cardId, personId);
  if (card.creatorId !== personId) throw notAMember();
  card.card = cleanCard(body);
  card.lastModifiedTime = state.isoNow();
  const post = state.posts.get(card.id);
  const chat = state.chats.get(card.chatId);
  if (post && chat) {
    post.lastModifiedTime = card.lastModifiedTime;
    publishPostEvent(state, chat, post, 'PostChanged');
  }
  return card;
}

/** Deletes a card and its post (creator only); publishes PostRemoved. */
export function deleteCard(state: EmulatorState, cardId: string, personId: string): void {
  const card = getCardFor(state, cardId, personId);
  if (card.creatorId !== personId) throw notAMember();
  state.cards.delete(cardId);
  const post = state.posts.get(card.id);
  if (post) removePost(state, post);
}

/** `AdaptiveCardShortInfo` (SPEC): what create and update answer. */
export function cardShortView(card: EmulatorCard): Record<string, unknown> {
  const view: Record<string, unknown> = {
    id: card.id,
    creationTime: card.creationTime,
    lastModifiedTime: card.lastModifiedTime,
    type: 'AdaptiveCard',
    version: card.card.version,
    creator: { id: card.creatorId },
    chatIds: [card.chatId],
  };
  if (typeof card.card.$schema === 'string') view.$schema = card.card.$schema;
  return view;
}

/** `AdaptiveCardInfo` (SPEC): the short info plus the card's content. */
export function cardView(card: EmulatorCard): Record<string, unknown> {
  return { ...card.card, ...cardShortView(card) };
}
