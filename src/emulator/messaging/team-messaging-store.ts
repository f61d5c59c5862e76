import { createHmac, randomBytes } from 'node:crypto';
import type {
  ChatType,
  EmulatorAttachment,
  EmulatorCard,
  EmulatorChat,
  EmulatorFile,
  EmulatorMention,
  EmulatorPost,
  EmulatorState,
} from '../emulator-state.ts';
import { ApiError } from '../api-error.ts';

/**
 * The Team Messaging world of the emulator: chats, posts, files, adaptive cards and persons,
 * plus the events they publish on `state.bus` (PostAdded/PostChanged/PostRemoved on
 * `/team-messaging/v1/posts`, GroupJoined/GroupLeft on `/team-messaging/v1/chats`).
 * Routes (team-messaging-routes.ts) and control routes call these; nothing here knows HTTP.
 */

/** Event path the emulator publishes post events on (ringcentral-api.md §2.6 "Event filters"). */
export const POSTS_EVENT = '/team-messaging/v1/posts';
/** Event path the emulator publishes chat membership events on. */
export const CHATS_EVENT = '/team-messaging/v1/chats';
/** Path prefix of the emulated media host serving uploaded files (RingCentral: media.ringcentral.com). */
export const FILES_MEDIA_PREFIX = '/media/team-messaging/files';

const MENTION_TYPES = ['Person', 'Team', 'File', 'Link', 'Event', 'Task', 'Note', 'Card'] as const;
const MENTION_MARKUP = /!\[:(Person|Team|File|Link|Event|Task|Note|Card)\]\(([^)\s]+)\)/g;

/** 404 for an unknown chat; the message is the one SPEC gives for createGlipPostNew. */
export function chatNotFound(): ApiError {
  return new ApiError(404, 'CMN-102', 'Resource for parameter [chatId] is not found.', 'chatId');
}

/** 403 for a caller who is not a member; message from SPEC ("Requestor has no permissions…"). */
export function notAMember(): ApiError {
  return new ApiError(403, 'CMN-401', 'Requestor has no permissions to do this action');
}

/** 400 for a bad body or query parameter (CMN-101 "Parameter [x] value is invalid", ringcentral-api.md §5). */
export function invalidParameter(name: string): ApiError {
  return new ApiError(400, 'CMN-101', `Parameter [${name}] value is invalid.`, name);
}

/** Display name of a person (extension or guest), or undefined when the id is unknown. */
export function personName(state: EmulatorState, id: string): string | undefined {
  const ext = state.extensions.get(id);
  if (ext) return `${ext.firstName} ${ext.lastName}`.trim();
  const guest = state.guests.get(id);
  if (guest) return `${guest.firstName} ${guest.lastName}`.trim();
  return undefined;
}

/** True when `id` is an extension or a guest the emulator knows. */
export function personExists(state: EmulatorState, id: string): boolean {
  return state.extensions.has(id) || state.guests.has(id);
}

/**
 * Derives `mentions[]` from `![:Type](id)` markup in a post's text, in order of appearance,
 * one entry per (type, id). Person mentions carry the person's name, Team mentions the chat name
 * (SPEC "Create Post" description; DOCS mentions.md; sample legacy-glip-post-added-mention-bot.json).
 */
export function mentionsFromText(state: EmulatorState, text: string): EmulatorMention[] {
  const seen = new Set<string>();
  const mentions: EmulatorMention[] = [];
  for (const match of text.matchAll(MENTION_MARKUP)) {
    const type = match[1] as (typeof MENTION_TYPES)[number];
    const id = match[2] as string;
    const key = `${type}:${id}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const mention: EmulatorMention = { id, type };
    const name = type === 'Person' ? personName(state, id) : type === 'Team' ? state.chats.get(id)?.name : undefined;
    if (name !== undefined) mention.name = name;
    mentions.push(mention);
  }
  return mentions;
}

/** Looks a chat up; throws 404 CMN-102 when unknown. */
export function getChat(state: EmulatorState, chatId: string): EmulatorChat {
  const chat = state.chats.get(chatId);
  if (!chat) throw chatNotFound();
  return chat;
}

/** Looks a chat up and checks that `personId` is a member (404, then 403 CMN-401). */
export function getChatAsMember(state: EmulatorState, chatId: string, personId: string): EmulatorChat {
  const chat = getChat(state, chatId);
  if (!chat.members.includes(personId)) throw notAMember();
  return chat;
}

export interface NewChat {
  type: ChatType;
  members: string[];
  name?: string;
  description?: string;
}

/**
 * Creates a chat and publishes GroupJoined to every member. Members must be known extensions or
 * guests (else 400 CMN-101 `members`); Direct needs exactly 2, Personal exactly 1.
 */
export function createChat(state: EmulatorState, input: NewChat): EmulatorChat {
  const members = [...new Set(input.members.map(String))];
  if (members.length === 0 || members.some((m) => !personExists(state, m))) throw invalidParameter('members');
  if (input.type === 'Direct' && members.length !== 2) throw invalidParameter('members');
  if (input.type === 'Personal' && members.length !== 1) throw invalidParameter('members');
  const now = state.isoNow();
  const chat: EmulatorChat = {
    id: state.nextId(),
    type: input.type,
    members,
    creationTime: now,
    lastModifiedTime: now,
  };
  if (input.name !== undefined) chat.name = input.name;
  if (input.description !== undefined) chat.description = input.description;
  state.chats.set(chat.id, chat);
  for (const member of members) publishChatEvent(state, chat, 'GroupJoined', member);
  return chat;
}

/**
 * Adds a person (extension or guest) to a chat and publishes GroupJoined to that person's
 * subscriptions (as RingCentral does when a bot is added to a team: ringcentral-api.md §4).
 * Idempotent: adding a member twice publishes nothing the second time. Returns the chat.
 * Throws ApiError 404 (unknown chat) or 400 (unknown person).
 */
export function addMemberToChat(state: EmulatorState, chatId: string, extensionId: string): EmulatorChat {
  const chat = getChat(state, chatId);
  const id = String(extensionId);
  if (!personExists(state, id)) throw invalidParameter('members');
  if (chat.members.includes(id)) return chat;
  chat.members.push(id);
  chat.lastModifiedTime = state.isoNow();
  publishChatEvent(state, chat, 'GroupJoined', id);
  return chat;
}

/**
 * Removes a person from a chat and publishes GroupLeft to that person's subscriptions
 * (sample tm-v1-chat-group-left.json: the body's `members` no longer list them). Returns the chat.
 */
export function removeMemberFromChat(state: EmulatorState, chatId: string, extensionId: string): EmulatorChat {
  const chat = getChat(state, chatId);
  const id = String(extensionId);
  if (!chat.members.includes(id)) return chat;
  chat.members = chat.members.filter((m) => m !== id);
  chat.lastModifiedTime = state.isoNow();
  publishChatEvent(state, chat, 'GroupLeft', id);
  return chat;
}

/**
 * Finds or creates the conversation between `callerId` and `otherIds` (POST /conversations,
 * ringcentral-api.md §2.4): no others → Personal, one other → Direct, more → Group.
 * Returns `{chat, created}`.
 */
export function openConversation(
  state: EmulatorState,
  callerId: string,
  otherIds: string[],
): { chat: EmulatorChat; created: boolean } {
  const members = [...new Set([callerId, ...otherIds.map(String)])];
  const type: ChatType = members.length === 1 ? 'Personal' : members.length === 2 ? 'Direct' : 'Group';
  const wanted = [...members].sort().join(',');
  for (const chat of state.chats.values()) {
    if (chat.type === type && [...chat.members].sort().join(',') === wanted) return { chat, created: false };
  }
  return { chat: createChat(state, { type, members }), created: true };
}

function publishChatEvent(
  state: EmulatorState,
  chat: EmulatorChat,
  eventType: 'GroupJoined' | 'GroupLeft',
  audienceId: string,
): void {
  state.publish({ event: CHATS_EVENT, body: { ...chatEventBody(chat), eventType }, audience: [audienceId] });
}

/** Chat fields of a chat notification body, shaped like sample tm-v1-chat-group-joined.json. */
export function chatEventBody(chat: EmulatorChat): Record<string, unknown> {
  return {
    id: chat.id,
    name: chat.name ?? null,
    description: chat.description ?? null,
    type: chat.type,
    status: 'Active',
    members: [...chat.members],
    isPublic: chat.type === 'Team' ? false : null,
    creationTime: chat.creationTime,
    lastModifiedTime: chat.lastModifiedTime,
  };
}

/** Legacy Glip group type names (SPEC46 GlipGroupInfo; sample legacy-glip-group-joined-bot-added.json). */
export function legacyGroupType(type: ChatType): string {
  switch (type) {
    case 'Direct':
      return 'PrivateChat';
    case 'Personal':
      return 'PersonalChat';
    default:
      return type;
  }
}

/** `TMChatInfo` (SPEC): members as `[{id}]`; `name`/`description` only when set. */
export function chatView(chat: EmulatorChat): Record<string, unknown> {
  const view: Record<string, unknown> = {
    id: chat.id,
    type: chat.type,
    creationTime: chat.creationTime,
    lastModifiedTime: chat.lastModifiedTime,
    members: chat.members.map((id) => ({ id })),
  };
  if (chat.type === 'Team') {
    view.public = false;
    view.status = 'Active';
  }
  if (chat.name !== undefined) view.name = chat.name;
  if (chat.description !== undefined) view.description = chat.description;
  return view;
}

/** Legacy `GlipGroupInfo` (SPEC46): members as an id array, legacy type names. */
export function legacyGroupView(chat: EmulatorChat): Record<string, unknown> {
  const view: Record<string, unknown> = {
    id: chat.id,
    type: legacyGroupType(chat.type),
    isPublic: false,
    members: [...chat.members],
    creationTime: chat.creationTime,
    lastModifiedTime: chat.lastModifiedTime,
  };
  if (chat.name !== undefined) view.name = chat.name;
  if (chat.description !== undefined) view.description = chat.description;
  return view;
}

/** Attachment reference in a create-post request (`TMAttachmentInfo`: `{id, type}`). */
export interface AttachmentRef {
  id?: unknown;
  type?: unknown;
}

function resolveAttachments(state: EmulatorState, refs: unknown): EmulatorAttachment[] {
  if (refs === undefined || refs === null) return [];
  if (!Array.isArray(refs) || refs.length > 25) throw invalidParameter('attachments');
  return refs.map((ref: AttachmentRef) => {
    const id = typeof ref?.id === 'string' || typeof ref?.id === 'number' ? String(ref.id) : undefined;
    const type = ref?.type ?? 'File';
    if (id === undefined || type !== 'File') throw invalidParameter('attachments');
    const file = state.files.get(id);
    if (!file) throw invalidParameter('attachments');
    return fileAttachment(state, file);
  });
}

/** The `File` attachment a post carries for a stored file (sample rest-get-post-with-file-attachment.json). */
export function fileAttachment(state: EmulatorState, file: EmulatorFile): EmulatorAttachment {
  return {
    id: file.id,
    type: 'File',
    name: file.name,
    contentUri: fileContentUri(state, file),
    contentType: file.contentType,
    size: file.bytes.length,
  };
}

export interface NewPost {
  chatId: string;
  creatorId: string;
  text?: unknown;
  /** `[{id, type:'File'}]` references to uploaded files. */
  attachments?: unknown;
  /** Already-resolved attachments (files just stored by the caller). */
  resolvedAttachments?: EmulatorAttachment[];
}

/**
 * Creates a post as `creatorId` (who must be a member: 403 CMN-401; unknown chat 404 CMN-102),
 * derives mentions from the text, and publishes PostAdded to the chat's members.
 * Text must be a string of at most 10000 characters; text or attachments is required
 * (400 CMN-101; SPEC TMCreatePostRequest).
 */
export function createPost(state: EmulatorState, input: NewPost): EmulatorPost {
  const chat = getChatAsMember(state, input.chatId, input.creatorId);
  if (input.text !== undefined && input.text !== null && typeof input.text !== 'string') throw invalidParameter('text');
  const text = typeof input.text === 'string' ? input.text : '';
  if (text.length > 10_000) throw invalidParameter('text');
  const attachments = [...(input.resolvedAttachments ?? []), ...resolveAttachments(state, input.attachments)];
  if (text === '' && attachments.length === 0) throw invalidParameter('text');
  const now = state.isoNow();
  const post: EmulatorPost = {
    id: state.nextId(),
    groupId: chat.id,
    type: 'TextMessage',
    text,
    creatorId: input.creatorId,
    mentions: mentionsFromText(state, text),
    attachments,
    creationTime: now,
    lastModifiedTime: now,
  };
  state.posts.set(post.id, post);
  chat.lastModifiedTime = now;
  publishPostEvent(state, chat, post, 'PostAdded');
  return post;
}

/** Looks a post up inside a chat the caller belongs to (404 CMN-102 for an unknown post). */
export function getPostAsMember(state: EmulatorState, chatId: string, postId: string, personId: string): EmulatorPost {
  getChatAsMember(state, chatId, personId);
  const post = state.posts.get(postId);
  if (!post || post.groupId !== chatId) {
    throw new ApiError(404, 'CMN-102', 'Resource for parameter [postId] is not found.', 'postId');
  }
  return post;
}

/**
 * Changes a post's text (only its creator may: 403 CMN-401); re-derives mentions and publishes
 * PostChanged. Card posts are changed through the adaptive-card routes instead (400).
 */
export function updatePostText(
  state: EmulatorState,
  chatId: string,
  postId: string,
  personId: string,
  text: unknown,
): EmulatorPost {
  const post = getPostAsMember(state, chatId, postId, personId);
  if (post.creatorId !== personId) throw notAMember();
  if (typeof text !== 'string' || text.length > 10_000 || post.cardId !== undefined) throw invalidParameter('text');
  post.text = text;
  post.mentions = mentionsFromText(state, text);
  post.lastModifiedTime = state.isoNow();
  publishPostEvent(state, getChat(state, chatId), post, 'PostChanged');
  return post;
}

/** Deletes a post (creator only: 403 CMN-401) and publishes PostRemoved. */
export function deletePost(state: EmulatorState, chatId: string, postId: string, personId: string): void {
  const post = getPostAsMember(state, chatId, postId, personId);
  if (post.creatorId !== personId) throw notAMember();
  removePost(state, post);
}

function removePost(state: EmulatorState, post: EmulatorPost): void {
  state.posts.delete(post.id);
  const chat = state.chats.get(post.groupId);
  if (chat) publishPostEvent(state, chat, post, 'PostRemoved');
}

function publishPostEvent(
  state: EmulatorState,
  chat: EmulatorChat,
  post: EmulatorPost,
  eventType: 'PostAdded' | 'PostChanged' | 'PostRemoved',
): void {
  state.publish({ event: POSTS_EVENT, body: { ...postEventBody(post), eventType }, audience: [...chat.members] });
}

function attachmentView(a: EmulatorAttachment): Record<string, unknown> {
  const view: Record<string, unknown> = { id: a.id, type: a.type };
  if (a.name !== undefined) view.name = a.name;
  if (a.contentUri !== undefined) view.contentUri = a.contentUri;
  return view;
}

/** `TMPostInfo` (SPEC) for REST answers: no nulls, arrays always present. */
export function postView(post: EmulatorPost): Record<string, unknown> {
  return {
    id: post.id,
    groupId: post.groupId,
    type: post.type,
    text: post.text,
    creatorId: post.creatorId,
    creationTime: post.creationTime,
    lastModifiedTime: post.lastModifiedTime,
    attachments: post.attachments.map(attachmentView),
    mentions: post.mentions.map((m) => ({ ...m })),
  };
}

/**
 * Post fields of a notification body, shaped like samples tm-v1-post-added.json and
 * legacy-glip-post-added-mention-bot.json: empty lists and unset fields are `null`.
 */
export function postEventBody(post: EmulatorPost): Record<string, unknown> {
  return {
    id: post.id,
    groupId: post.groupId,
    type: post.type,
    text: post.text === '' ? null : post.text,
    creatorId: post.creatorId,
    addedPersonIds: null,
    creationTime: post.creationTime,
    lastModifiedTime: post.lastModifiedTime,
    attachments: post.attachments.length ? post.attachments.map(attachmentView) : null,
    activity: null,
    title: null,
    iconUri: null,
    iconEmoji: null,
    mentions: post.mentions.length ? post.mentions.map((m) => ({ ...m })) : null,
  };
}

/** Posts of a chat, oldest first. */
export function chatPosts(state: EmulatorState, chatId: string): EmulatorPost[] {
  return [...state.posts.values()].filter((p) => p.groupId === chatId);
}

// ---------------------------------------------------------------------------------------------
// Files

const fileSecrets = new WeakMap<EmulatorState, Buffer>();

function fileSecret(state: EmulatorState): Buffer {
  let secret = fileSecrets.get(state);
  if (!secret) {
    secret = randomBytes(32);
    fileSecrets.set(state, secret);
  }
  return secret;
}

/** HMAC signature that makes a file's content URI a pre-signed link (hex, 32 chars). */
export function fileSignature(state: EmulatorState, fileId: string): string {
  return createHmac('sha256', fileSecret(state)).update(fileId).digest('hex').slice(0, 32);
}

/**
 * The pre-signed URL serving a file's bytes: `{baseUrl}/media/team-messaging/files/{id}/{name}?Signature=…`.
 * Like RingCentral's S3-style links (sample rest-get-post-with-file-attachment.json) it needs no
 * Authorization header; the signature is what grants access.
 */
export function fileContentUri(state: EmulatorState, file: EmulatorFile): string {
  return `${state.baseUrl}${FILES_MEDIA_PREFIX}/${file.id}/${encodeURIComponent(file.name)}?Signature=${fileSignature(state, file.id)}`;
}

/** Stores uploaded bytes as a file; returns it. `name` falls back to `file-{id}`. */
export function storeFile(
  state: EmulatorState,
  input: { name?: string; contentType?: string; bytes: Buffer; groupId?: string; creatorId: string },
): EmulatorFile {
  const id = state.nextId();
  const file: EmulatorFile = {
    id,
    name: input.name && input.name.trim() !== '' ? input.name : `file-${id}`,
    contentType: input.contentType || 'application/octet-stream',
    bytes: input.bytes,
    creatorId: input.creatorId,
  };
  if (input.groupId !== undefined) file.groupId = input.groupId;
  state.files.set(id, file);
  return file;
}

// ---------------------------------------------------------------------------------------------
// Adaptive cards

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
  // RingCentral implements Adaptive Cards 1.3 and fills `version` server-side (ringcentral-api.md §6).
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

// ---------------------------------------------------------------------------------------------
// Persons

/**
 * `TMPersonInfo` (SPEC) for an extension or a guest, or undefined when unknown. `avatar` is the
 * extension's profile-image URI when it has one.
 */
export function personView(state: EmulatorState, id: string): Record<string, unknown> | undefined {
  const ext = state.extensions.get(id);
  if (ext) {
    const view: Record<string, unknown> = {
      id: ext.id,
      firstName: ext.firstName,
      lastName: ext.lastName,
      email: ext.email,
      companyId: state.accountId,
    };
    if (ext.profileImage) {
      view.avatar = `${state.baseUrl}/restapi/v1.0/account/${state.accountId}/extension/${ext.id}/profile-image`;
    }
    return view;
  }
  const guest = state.guests.get(id);
  if (guest) {
    return {
      id: guest.id,
      firstName: guest.firstName,
      lastName: guest.lastName,
      email: guest.email,
      creationTime: guest.creationTime,
      lastModifiedTime: guest.creationTime,
    };
  }
  return undefined;
}

/** Adds a guest person with a `glip-…` id (ringcentral-api.md §2.4: guests have ids like `glip-3770114054`). */
export function addGuest(
  state: EmulatorState,
  input: { firstName: string; lastName: string; email: string },
): { id: string } {
  const id = `glip-${state.nextId()}`;
  state.guests.set(id, { id, ...input, creationTime: state.isoNow() });
  return { id };
}
