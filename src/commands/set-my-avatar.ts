/**
 * `set my avatar` / `set my photo` (+ photo), or a photo alone in a Direct chat: the requester's
 * own profile photo.
 */
import type { Command } from './command-registry.ts';
import { PHOTO_WORDS, SET_WORDS, setAvatar } from './set-avatar.ts';

const selfPattern = new RegExp(`^(please )?${SET_WORDS} (this as )?(my |an |a |the )?(new )?${PHOTO_WORDS}\\b|^(please )?(new|my new) ${PHOTO_WORDS}\\b`);

/** `set my avatar` / `set my photo` (+ photo): the requester is the target. */
export const setMyAvatarCommand: Command = {
  name: 'set-my-avatar',
  usage: ['set my avatar', 'set my photo'],
  summary: 'makes the photo you attach your profile photo (in a direct chat, just sending a photo works too).',
  matches: (t) => selfPattern.test(t.normalized),
  async run(ctx) {
    await setAvatar(ctx, ctx.requesterId);
  },
};
