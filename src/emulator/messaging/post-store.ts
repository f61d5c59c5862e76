import type { EmulatorAttachment, EmulatorChat, EmulatorFile, EmulatorPost } from '../messaging-records.ts';
import type { EmulatorState } from '../emulator-state.ts';
import { ApiError } from '../api-error.ts';
import { getChat, getChatAsMember, invalidParameter, notAMember } from './chat-store.ts';
import { fileContentUri } from './file-store.ts';
import { mentionsFromText } from './person-store.ts';

/**
 * Team Messaging posts: create, read, edit and delete them with their attachments, and the
 * events they publish on `state.bus` (PostAdded/PostChanged/PostRemoved on
 * `/team-messaging/v1/posts`). Routes and control routes call these; nothing here knows HTTP.
 */

/** Event path the emulator publishes post events on (docs/ringcentral-notes.md §2.6 "Event filters"). */
export const POSTS_EVENT = '/team-messaging/v1/posts';

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

/** Deletes `post` from the store and publishes PostRemoved. */
export function removePost(state: EmulatorState, post: EmulatorPost): void {
  state.posts.delete(post.id);
  const chat = state.chats.get(post.groupId);
  if (chat) publishPostEvent(state, chat, post, 'PostRemoved');
}

/** Publishes a post event (PostAdded/PostChanged/PostRemoved) on `state.bus` for `post`. */
export function publishPostEvent(
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
