/**
 * Errors raised by the avatar pipeline.
 *
 * `AvatarError` means "this file can't become a profile image"; its `kind` tells the
 * caller which, and its `message` is a sentence the person who sent the file can act on.
 * `AvatarWorkerError` means the image worker itself failed (crashed or was shut down):
 * that's our problem, not the person's file.
 */

/** Why a file was refused. */
export type AvatarErrorKind = 'unsupported-format' | 'not-an-image' | 'corrupt' | 'too-large' | 'too-small';

/** The stage that refused the file: before any pixel was decoded, or while decoding. */
export type AvatarErrorStage = 'header' | 'decode';

/**
 * A file that can't become a profile image.
 * `kind` is one of AvatarErrorKind; `message` is written for the person who sent it;
 * `stage` says whether the refusal happened before decoding ('header') or after ('decode').
 */
export class AvatarError extends Error {
  override readonly name = 'AvatarError';
  readonly kind: AvatarErrorKind;
  readonly stage: AvatarErrorStage;

  constructor(kind: AvatarErrorKind, message: string, options?: { stage?: AvatarErrorStage; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.kind = kind;
    this.stage = options?.stage ?? 'header';
  }
}

/** The image worker crashed, was stopped, or the pool was closed; the file itself may be fine. */
export class AvatarWorkerError extends Error {
  override readonly name: string = 'AvatarWorkerError';
}

/**
 * The image workers already hold as many jobs as they take (every thread busy and the queue
 * full): the job was refused at once, nothing was queued. The file itself may be fine; trying
 * again later can work.
 */
export class AvatarQueueFullError extends AvatarWorkerError {
  override readonly name: string = 'AvatarQueueFullError';
}

/** True for the values of AvatarErrorKind (used when errors cross the worker boundary). */
export function isAvatarErrorKind(value: unknown): value is AvatarErrorKind {
  return (
    value === 'unsupported-format' ||
    value === 'not-an-image' ||
    value === 'corrupt' ||
    value === 'too-large' ||
    value === 'too-small'
  );
}

/** Sentences shared by both engines and the header check, so the wording stays the same. */
export const avatarMessages = {
  notAnImage: "That attachment isn't an image. Please send a photo: JPEG, PNG, HEIC, WebP, AVIF or GIF.",
  corrupt:
    "Couldn't read that image: it looks corrupt or incomplete. Please send the photo again, or save it as a JPEG or PNG first.",
  flat: "Couldn't read that image: it decodes to a single flat colour, so the file looks damaged. Please send another photo as a JPEG or PNG.",
  cmyk: "CMYK images (as exported for print) aren't supported. Please send an RGB JPEG or PNG.",
} as const;
