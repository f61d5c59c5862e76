/**
 * Flood control (docs/using-the-bot.md#if-you-send-a-lot-at-once). A person who sends more than
 * FLOOD_COMMANDS_PER_MINUTE posts to the bot in one chat within a minute is flooding: they get one
 * polite note per flood spell, and their surplus duplicate `help` / `show` commands are answered
 * once per spell. Everything is decided from the store, never from memory, so several instances
 * (and a restart in the middle of a backlog) agree: the count comes from the inbox, "once" is a
 * named lease taken by the first event of the spell (`store.leases`), timed by when events were
 * received, not by when they are worked on.
 */
import type { InboxEvent, Store } from '../store/store.ts';
import type { Mention } from '../platform/ringcentral-types.ts';
import type { ParsedText } from '../commands/parse-command.ts';
import type { Command } from '../commands/command-registry.ts';
import { helpCommand } from '../commands/help.ts';
import { showPersonCommand } from '../commands/show-person.ts';

/** Posts counted for flooding: those received in this window before the current one, ms. */
export const FLOOD_WINDOW_MS = 60_000;
/** How long one flood spell lasts from its first surplus post, ms: one note, one answer per duplicate. */
export const FLOOD_SPELL_MS = 10 * 60_000;
/** The default of FLOOD_COMMANDS_PER_MINUTE. */
export const DEFAULT_FLOOD_COMMANDS_PER_MINUTE = 20;

/** The note a flooding person gets once per spell. */
export const FLOOD_NOTE =
  "You're sending me a lot at once. I'll work through your messages in turn, after other people's, and answer repeated **help** and **show** requests only once.";

export interface FloodVerdict {
  /** Post FLOOD_NOTE before answering (first surplus post of the spell). */
  note: boolean;
  /** Don't answer: the same `help` / `show` was already answered in this spell. */
  coalesced: boolean;
}

/**
 * Judges one PostAdded command event. `fairKey` is the event's `<chat id>:<creator id>`;
 * `perMinute` 0 turns flood control off. Resolves {note, coalesced}; store errors propagate
 * (the dispatcher retries the event).
 */
export async function judgeFlood(p: {
  store: Store;
  event: InboxEvent;
  fairKey: string;
  perMinute: number;
  command: Command | undefined;
  text: ParsedText;
  mentions: Mention[];
}): Promise<FloodVerdict> {
  const calm = { note: false, coalesced: false };
  if (p.perMinute <= 0 || !p.fairKey) return calm;
  const at = p.event.receivedAt;
  const recent = await p.store.inbox.countByFairKey(p.fairKey, at - FLOOD_WINDOW_MS, at);
  if (recent <= p.perMinute) return calm;
  const note = await p.store.leases.acquire(`flood-note:${p.fairKey}`, p.event.uuid, at, FLOOD_SPELL_MS);
  const key = duplicateKey(p.command, p.text, p.mentions);
  const coalesced = key !== undefined && !(await p.store.leases.acquire(`flood-answer:${p.fairKey}:${key}`, p.event.uuid, at, FLOOD_SPELL_MS));
  return { note, coalesced };
}

/** How long one "RingCentral is slow" spell lasts for a person from its note, ms (one note per spell). */
export const SLOW_SPELL_MS = 5 * 60_000;

/**
 * The `firstSlowNote` of commands/reply-with-error.ts for one person: true for the first event
 * (`owner`, its uuid) that tells `requesterId` RingCentral is slow within SLOW_SPELL_MS, across
 * events and instances (a named lease on the store's clock `services.now`).
 */
export function slowNoteGate(services: { store: Store; now: () => number }, requesterId: string, owner: string): () => Promise<boolean> {
  return () => services.store.leases.acquire(`slow-note:${requesterId}`, owner, services.now(), SLOW_SPELL_MS);
}

/** What makes two commands the same answer: `help` in any wording; `show` of the same target. Others: undefined (never coalesced). */
export function duplicateKey(command: Command | undefined, text: ParsedText, mentions: Mention[]): string | undefined {
  if (command === helpCommand) return 'help';
  if (command === showPersonCommand) {
    const person = mentions.find((m) => m.type === 'Person');
    return `show:${person ? person.id : text.normalized.slice(0, 200)}`;
  }
  return undefined;
}
