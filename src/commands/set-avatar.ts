/**
 * `set my avatar` / `set my photo` (or a photo alone in a Direct chat) and
 * `set avatar for @person`: download the attached photo (RingCentral file URLs only, size-capped),
 * run the avatar pipeline, then set it with the requester's own authorization.
 */
import { CommandUsageError } from '../errors.ts';
import type { Attachment } from '../events/post-added-event.ts';
import type { Command } from './command-registry.ts';
import type { CommandContext } from './command-context.ts';
import { applyProfileImage } from './apply-profile-image.ts';
import type { PendingSetAvatarRequest } from './request-sign-in.ts';

const PHOTO_WORDS = '(avatar|photo|picture|pic|image|profile photo|profile picture|profile image|profile pic|headshot)';
const SET_WORDS = '(set|change|update|upload|use|replace|make)';

const forPersonPattern = new RegExp(
  `^(please )?(${SET_WORDS} )?(the |an |a )?${PHOTO_WORDS} (for|of) @(person|team)\\b|^(please )?${SET_WORDS} @(person|team)('s)? ${PHOTO_WORDS}\\b`,
);
const selfPattern = new RegExp(`^(please )?${SET_WORDS} (this as )?(my |an |a |the )?(new )?${PHOTO_WORDS}\\b|^(please )?(new|my new) ${PHOTO_WORDS}\\b`);

const IMAGE_NAME = /\.(jpe?g|png|gif|webp|heic|heif|avif|bmp|tiff?)$/i;

/** True when an attachment looks like a picture by content type or file name. */
export function looksLikeImage(a: Attachment): boolean {
  return (a.contentType?.startsWith('image/') ?? false) || IMAGE_NAME.test(a.name ?? '');
}

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
    if (person.id.startsWith('glip-')) {
      throw new CommandUsageError(`${person.name ?? 'That person'} is a guest and has no RingCentral profile photo I could set.`);
    }
    await setAvatar(ctx, person.id, person.name);
  },
};

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

/**
 * Shared body of both set commands; errors go to the caller's error reply. A guest requester
 * (`glip-` id, no RingCentral extension, so no own authorization to act with) gets a usage reply
 * before anything is downloaded.
 */
export async function setAvatar(ctx: CommandContext, targetId: string, targetName?: string): Promise<void> {
  if (ctx.requesterId.startsWith('glip-')) {
    throw new CommandUsageError("You're a guest in this RingCentral account, so there's no RingCentral profile photo I could set for you.");
  }
  const files = ctx.attachments.filter((a) => a.contentUri);
  const images = files.filter(looksLikeImage);
  const chosen = images[0] ?? files[0];
  if (!chosen?.contentUri) {
    throw new CommandUsageError(
      targetId === ctx.requesterId
        ? 'Please attach the photo to the same message: **set my avatar** plus a JPEG or PNG.'
        : 'Please attach the photo to the same message: **set avatar for @person** plus a JPEG or PNG.',
    );
  }
  const notes: string[] = [];
  if (files.length > 1) notes.push(`You sent ${files.length} files; I used ${images[0] ? 'the first image' : 'the first file'}${chosen.name ? ` (${chosen.name})` : ''}.`);
  const { settings } = ctx.services;
  const downloaded = await ctx.services.platform.bot().downloadAttachment(chosen.contentUri, settings.maxAttachmentBytes);
  const image = await ctx.services.processAvatar(downloaded.bytes, {
    size: settings.avatarSize,
    engine: settings.imageEngine,
    maxInputBytes: settings.maxAttachmentBytes,
    maxInputPixels: settings.maxInputPixels,
    timeoutMs: settings.avatarTimeoutMs,
  });
  notes.push(...image.warnings);
  ctx.log.info({ engine: image.engine, width: image.width, height: image.height, bytes: image.bytes.length }, 'photo processed');
  const request: PendingSetAvatarRequest = {
    kind: 'set-avatar',
    requesterId: ctx.requesterId,
    targetId,
    ...(targetName ? { targetName } : {}),
    chatId: ctx.chatId,
    direct: ctx.direct,
    image: { base64: image.bytes.toString('base64'), contentType: image.contentType, width: image.width, height: image.height },
    notes,
  };
  await applyProfileImage(ctx.services, { request, reply: ctx.reply, log: ctx.log });
}
