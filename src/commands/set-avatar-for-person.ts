/**
 * `set avatar for @person` (+ photo): sets that person's profile photo with the requester's own
 * rights (RingCentral allows it only to administrators).
 */
import { CommandUsageError } from '../errors.ts';
import { isGuest } from '../platform/is-guest.ts';
import type { Command } from './command-registry.ts';
import { PHOTO_WORDS, SET_WORDS, setAvatar } from './set-avatar.ts';

const forPersonPattern = new RegExp(
  `^(please )?(${SET_WORDS} )?(the |an |a )?${PHOTO_WORDS} (for|of) @(person|team)\\b|^(please )?${SET_WORDS} @(person|team)('s)? ${PHOTO_WORDS}\\b`,
);

/** `set avatar for @person` (+ photo): the first Person mention is the target; Team mentions and guests get a usage reply. */
export const setAvatarForPersonCommand: Command = {
  name: 'set-avatar-for-person',
  usage: ['set avatar for @person'],
  summary: "sets that person's profile photo from the photo you attach, with your own rights (RingCentral allows this only to administrators).",
  matches: (t) => forPersonPattern.test(t.normalized),
  async run(ctx) {
    const person = ctx.mentions.find((m) => m.type === 'Person');
    if (!person) {
      if (ctx.mentions.some((m) => m.type === 'Team')) throw new CommandUsageError('Please mention a person, not a team: **set avatar for @person**, with the photo attached.');
      throw new CommandUsageError('Mention the person whose photo to set: **set avatar for @person**, with the photo attached.');
    }
    if (isGuest(person.id)) {
      throw new CommandUsageError(`${person.name ?? 'That person'} is a guest and has no RingCentral profile photo I could set.`);
    }
    await setAvatar(ctx, person.id, person.name);
  },
};
