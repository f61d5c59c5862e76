/**
 * `set avatar for @person` (+ photo): sets that person's profile photo with the requester's own
 * rights (RingCentral allows it only to administrators).
 */
import { CommandUsageError } from '../errors.ts';
import { isGuest } from '../platform/is-guest.ts';
import type { Command } from './command-registry.ts';
import type { CommandContext } from './command-context.ts';
import { PHOTO_WORDS, SET_WORDS, setAvatar } from './set-avatar.ts';

/**
 * Whether the requester's extension is a RingCentral administrator (`permissions.admin.enabled`,
 * docs/ringcentral-notes.md §2.2), asked before anyone is sent to sign in for a change only
 * administrators may make. RingCentral still enforces its own rule when the photo is set.
 */
async function isAdministrator(ctx: CommandContext, extensionId: string): Promise<boolean> {
  const ext = await ctx.services.platform.bot().getExtension(extensionId);
  return ext.permissions?.admin?.enabled === true;
}

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
    if (person.id !== ctx.requesterId && !(await isAdministrator(ctx, ctx.requesterId))) {
      ctx.log.info('refused before sign-in: not an administrator');
      throw new CommandUsageError(
        "Only RingCentral administrators can set someone else's profile photo, so I haven't asked you to sign in. An administrator can do it, or that person can send me **set my avatar** with the photo.",
      );
    }
    await setAvatar(ctx, person.id, person.name);
  },
};
