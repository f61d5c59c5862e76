import type { ChatType, EmulatorChat } from '../messaging-records.ts';
import type { EmulatorState } from '../emulator-state.ts';
import { ApiError } from '../api-error.ts';
import { personExists } from './person-store.ts';

/**
 * Team Messaging chats (Direct, Group, Team, Personal, Everyone): create them, change members,
 * and their views (`TMChatInfo` and the legacy `/glip/groups` shape), publishing
 * GroupJoined/GroupLeft on `/team-messaging/v1/chats`. Also the errors every messaging store
 * throws for an unknown chat, a non-member and a bad parameter.
 */

/** Event path the emulator publishes chat membership events on. */
export const CHATS_EVENT = '/team-messaging/v1/chats';

/** 404 for an unknown chat; the message is the one SPEC gives for createGlipPostNew. */
export function chatNotFound(): ApiError {
  return new ApiError(404, 'CMN-102', 'Resource for parameter [chatId] is not found.', 'chatId');
}

/** 403 for a caller who is not a member; message from SPEC ("Requestor has no permissions…"). */
export function notAMember(): ApiError {
  return new ApiError(403, 'CMN-401', 'Requestor has no permissions to do this action');
}

/** 400 for a bad body or query parameter (CMN-101 "Parameter [x] value is invalid", docs/ringcentral-notes.md §5). */
export function invalidParameter(name: string): ApiError {
  return new ApiError(400, 'CMN-101', `Parameter [${name}] value is invalid.`, name);
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
 * subscriptions (as RingCentral does when a bot is added to a team: docs/ringcentral-notes.md §4).
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
 * docs/ringcentral-notes.md §2.4): no others → Personal, one other → Direct, more → Group.
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
