/**
 * What both set commands (set-my-avatar.ts, set-avatar-for-person.ts) do: download the
 * attached photo (RingCentral file URLs only, size-capped), run the avatar pipeline, then set it with the requester's own authorization.
 */
import { CommandUsageError } from '../errors.ts';
import type { Attachment } from '../platform/ringcentral-types.ts';
import type { CommandContext } from './command-context.ts';
import { applyProfileImage } from './apply-profile-image.ts';
import type { PendingSetAvatarRequest } from './request-sign-in.ts';
import { isGuest } from '../platform/is-guest.ts';

/** Words for a photo and for setting it, in the set commands' patterns (normalized text). */
export const PHOTO_WORDS = '(avatar|photo|picture|pic|image|profile photo|profile picture|profile image|profile pic|headshot)';
export const SET_WORDS = '(set|change|update|upload|use|replace|make)';

const IMAGE_NAME = /\.(jpe?g|png|gif|webp|heic|heif|avif|bmp|tiff?)$/i;

/** True when an attachment looks like a picture by content type or file name. */
export function looksLikeImage(a: Attachment): boolean {
  return (a.contentType?.startsWith('image/') ?? false) || IMAGE_NAME.test(a.name ?? '');
}

/**
 * Shared body of both set commands; errors go to the caller's error reply. A guest requester
 * (`glip-` id, no RingCentral extension, so no own authorization to act with) gets a usage reply
 * before anything is downloaded.
 */
export async function setAvatar(ctx: CommandContext, targetId: string, targetName?: string): Promise<void> {
  if (isGuest(ctx.requesterId)) {
    throw new CommandUsageError("You're a guest in this RingCentral account, so there's no RingCentral profile photo I could set for you.");
  }
  const files = ctx.attachments.filter((a) => a.contentUri);
  const images = files.filter(looksLikeImage);
  const chosen = images[0] ?? files[0];
  if (!chosen?.contentUri) {
    throw new CommandUsageError(
      targetId === ctx.requesterId
        ? 'Please attach the photo to the same message: **set my avatar** plus a photo (JPEG, PNG, HEIC, WebP, AVIF or GIF).'
        : 'Please attach the photo to the same message: **set avatar for @person** plus a photo (JPEG, PNG, HEIC, WebP, AVIF or GIF).',
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
  await applyProfileImage(ctx.services, { request, reply: ctx.reply, log: ctx.log, effectKey: `${ctx.uuid}:profile-image` });
}
