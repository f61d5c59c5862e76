/**
 * What the console shows, built from the emulator's state: people, a person's chats with unread
 * marks, and a chat's posts with names, files and cards resolved. Read marks live here too
 * (RingCentral keeps them per person; the emulator's API doesn't expose them).
 */
import type { EmulatorState } from '../emulator-state.ts';
import type { EmulatorExtension } from '../account-records.ts';
import type { EmulatorChat } from '../messaging-records.ts';
import { chatPosts } from '../messaging/post-store.ts';
import { fileContentUri } from '../messaging/file-store.ts';
import { personName } from '../messaging/person-store.ts';

/** A person in the picker and the directory. `photoUrl` changes whenever the photo does. */
export interface ConsolePerson {
  id: string;
  name: string;
  type: string;
  extensionNumber: string;
  admin: boolean;
  photoUrl?: string;
}

/** Path of the console's JSON API. */
export const CONSOLE_API = '/_emulator/console/api';

const readMarks = new WeakMap<EmulatorState, Map<string, number>>();

function marksOf(state: EmulatorState): Map<string, number> {
  let marks = readMarks.get(state);
  if (!marks) {
    marks = new Map();
    readMarks.set(state, marks);
    state.bus.on('reset', () => marks!.clear());
  }
  return marks;
}

/** Records that `personId` has seen every post of `chatId` so far. */
export function markRead(state: EmulatorState, personId: string, chatId: string): void {
  const last = chatPosts(state, chatId).reduce((max, p) => Math.max(max, Number(p.id) || 0), 0);
  marksOf(state).set(`${personId}|${chatId}`, last);
}

function personOf(state: EmulatorState, e: EmulatorExtension): ConsolePerson {
  const person: ConsolePerson = {
    id: e.id,
    name: `${e.firstName} ${e.lastName}`.trim(),
    type: e.type,
    extensionNumber: e.extensionNumber,
    admin: e.admin,
  };
  if (e.profileImage) person.photoUrl = `${CONSOLE_API}/people/${e.id}/photo?v=${e.profileImage.etag}`;
  return person;
}

/** Enabled users and the bot, users first by extension number. */
export function consolePeople(state: EmulatorState): ConsolePerson[] {
  const people = [...state.extensions.values()].filter((e) => (e.type === 'User' && e.status === 'Enabled') || e.id === state.botExtensionId);
  people.sort((a, b) => Number(a.type === 'Bot') - Number(b.type === 'Bot') || a.extensionNumber.localeCompare(b.extensionNumber, 'en', { numeric: true }));
  return people.map((e) => personOf(state, e));
}

/** The title a person sees for a chat: its name, else the other members' names. */
export function chatTitle(state: EmulatorState, chat: EmulatorChat, personId: string): string {
  if (chat.name) return chat.name;
  if (chat.type === 'Personal') return 'Personal notes';
  const others = chat.members.filter((m) => m !== personId).map((m) => personName(state, m) ?? m);
  return others.join(', ') || 'Chat';
}

/** The chats `personId` is a member of, most recently active first, with unread counts. */
export function consoleChats(state: EmulatorState, personId: string): Record<string, unknown>[] {
  const marks = marksOf(state);
  const chats = [...state.chats.values()].filter((c) => c.members.includes(personId));
  chats.sort((a, b) => b.lastModifiedTime.localeCompare(a.lastModifiedTime) || Number(b.id) - Number(a.id));
  return chats.map((chat) => {
    const seen = marks.get(`${personId}|${chat.id}`) ?? 0;
    const unread = chatPosts(state, chat.id).filter((p) => p.creatorId !== personId && Number(p.id) > seen).length;
    return { id: chat.id, type: chat.type, title: chatTitle(state, chat, personId), members: chat.members, unread };
  });
}

/** A chat's posts, oldest first: creator name, text, files with content URIs, card JSON. */
export function consolePosts(state: EmulatorState, chatId: string): Record<string, unknown>[] {
  return chatPosts(state, chatId).map((post) => {
    const card = post.cardId !== undefined ? state.cards.get(post.cardId) : undefined;
    const files = post.attachments
      .filter((a) => a.type === 'File')
      .map((a) => {
        const file = state.files.get(a.id);
        return { id: a.id, name: a.name ?? file?.name ?? a.id, contentType: a.contentType ?? file?.contentType, url: file ? fileContentUri(state, file) : a.contentUri };
      });
    const mentions = Object.fromEntries(post.mentions.filter((m) => m.name !== undefined).map((m) => [m.id, m.name]));
    return {
      id: post.id,
      creatorId: post.creatorId,
      creatorName: personName(state, post.creatorId) ?? post.creatorId,
      text: post.text,
      mentions,
      files,
      ...(card ? { card: card.card, cardId: card.id } : {}),
      creationTime: post.creationTime,
      edited: post.lastModifiedTime !== post.creationTime,
    };
  });
}
