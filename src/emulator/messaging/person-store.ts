import type { EmulatorMention } from '../messaging-records.ts';
import type { EmulatorState } from '../emulator-state.ts';

/**
 * Team Messaging persons: extensions and guests seen as `TMPersonInfo`, their names, and the
 * mentions (`![:Person](id)` markup) a post's text makes of them.
 */

const MENTION_TYPES = ['Person', 'Team', 'File', 'Link', 'Event', 'Task', 'Note', 'Card'] as const;
const MENTION_MARKUP = /!\[:(Person|Team|File|Link|Event|Task|Note|Card)\]\(([^)\s]+)\)/g;

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
 * (SPEC "Create Post" description; docs/ringcentral-notes.md#mentions; sample legacy-glip-post-added-mention-bot.json).
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

/** Adds a guest person with a `glip-…` id (docs/ringcentral-notes.md §2.4: guests have ids like `glip-3770114054`). */
export function addGuest(
  state: EmulatorState,
  input: { firstName: string; lastName: string; email: string },
): { id: string } {
  const id = `glip-${state.nextId()}`;
  state.guests.set(id, { id, ...input, creationTime: state.isoNow() });
  return { id };
}
