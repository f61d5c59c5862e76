/**
 * Sets a profile image with the requester's own authorization and confirms it with a card
 * showing the new photo. Without a usable authorization it sends a fresh sign-in link instead.
 * Profile image upload: docs/ringcentral-notes.md §2.3 (the platform sends one `image` part).
 */
import { isShuttingDown, PlatformError } from '../platform/platform-errors.ts';
import type { AdaptiveCard } from '../platform/ringcentral-client.ts';
import type { Logger } from '../logger.ts';
import type { BotServices } from './command-context.ts';
import { buildPersonPhotoCard } from './cards.ts';
import { requestSignIn, type PendingSetAvatarRequest } from './request-sign-in.ts';

/**
 * Runs the request. Resolves 'done' when the photo was set and confirmed, 'sign-in' when a
 * sign-in link was sent instead (no tokens, or they were revoked/expired).
 * Throws PlatformError for other refusals (e.g. kind 'forbidden' for CMN-419), for the caller's
 * error reply.
 */
export async function applyProfileImage(
  services: BotServices,
  p: {
    request: PendingSetAvatarRequest;
    reply: (content: string | AdaptiveCard) => Promise<void>;
    log: Logger;
    /** Stable key of this upload (derived from the event) so a retry doesn't upload again; see uploadOnce. */
    effectKey?: string | undefined;
  },
): Promise<'done' | 'sign-in'> {
  const { request, log } = p;
  const self = request.targetId === request.requesterId;
  const reason = self ? 'To change your profile photo I need your permission.' : "To change someone's profile photo I need your permission.";
  if (!(await services.auth.hasTokens(request.requesterId))) {
    await requestSignIn(services, { request, reason, reply: p.reply, log });
    return 'sign-in';
  }
  const bytes = Buffer.from(request.image.base64, 'base64');
  try {
    const upload = () => services.platform.user(request.requesterId).setProfileImage({ bytes, contentType: request.image.contentType }, self ? undefined : request.targetId);
    if (p.effectKey) await uploadOnce(services, p.effectKey, request.targetId, upload, log);
    else await upload();
  } catch (e) {
    if (e instanceof PlatformError && e.kind === 'unauthorized') {
      log.info('stored authorization no longer works; asking the person to sign in again');
      await services.auth.forget(request.requesterId);
      await requestSignIn(services, { request, reason: 'Your RingCentral authorization has expired or was revoked.', reply: p.reply, log });
      return 'sign-in';
    }
    throw e;
  }
  log.info({ targetId: request.targetId, bytes: bytes.length }, 'profile image set');

  const bot = services.platform.bot();
  let name = request.targetName ?? '';
  let extensionNumber: string | undefined;
  try {
    const ext = await bot.getExtension(request.targetId);
    name = ext.name ?? name;
    extensionNumber = ext.extensionNumber;
  } catch (e) {
    if (isShuttingDown(e)) throw e; // the next attempt confirms in full
    log.warn({ err: e }, 'could not read the extension for the confirmation');
  }
  let imageUrl: string | undefined;
  try {
    const ext = request.image.contentType === 'image/png' ? 'png' : 'jpg';
    imageUrl = (await bot.uploadFile(request.chatId, `profile-photo-${request.targetId}.${ext}`, bytes, request.image.contentType)).contentUri;
  } catch (e) {
    if (isShuttingDown(e)) throw e;
    log.warn({ err: e }, 'could not upload the photo for the confirmation card');
  }
  const title = self ? 'Your profile photo is updated' : `Profile photo updated for ${name || request.targetId}`;
  const note = request.notes.length > 0 ? request.notes.join(' ') : undefined;
  await p.reply(
    buildPersonPhotoCard({
      title,
      name: name || request.targetId,
      ...(extensionNumber ? { extensionNumber } : {}),
      ...(imageUrl ? { imageUrl } : {}),
      ...(note ? { note } : {}),
    }),
  );
  return 'done';
}

/** The extension's profile image ETag (`profileImage.etag`, docs/ringcentral-notes.md §2.2), null without a photo. */
async function currentEtag(services: BotServices, extensionId: string): Promise<string | null> {
  return (await services.platform.bot().getExtension(extensionId)).profileImage?.etag ?? null;
}

/**
 * Uploads at most once per key: the image's ETag is recorded with the intent; a retry that finds
 * the intent without a result compares the current ETag with the recorded one and skips the
 * upload when it changed (the earlier upload landed). When the ETag can't be read, the upload is
 * done (at least once).
 */
async function uploadOnce(services: BotServices, key: string, targetId: string, upload: () => Promise<void>, log: Logger): Promise<void> {
  const etag = await currentEtag(services, targetId).catch((e: unknown) => {
    log.warn({ err: e }, 'could not read the profile image ETag before the upload');
    return undefined;
  });
  const prior = await services.store.effects.intend({ key, kind: 'profile-image', scope: targetId, detail: { etag: etag ?? null } }, services.now());
  if (prior?.status === 'done') {
    log.info({ effectKey: key }, 'profile image already uploaded by an earlier attempt; not uploaded again');
    return;
  }
  const before = (prior?.detail as { etag?: string | null } | undefined)?.etag;
  if (prior && etag !== undefined && before !== undefined && etag !== before) {
    log.info({ effectKey: key }, 'profile image changed since the earlier attempt began; its upload landed, not uploaded again');
  } else {
    await upload();
  }
  await services.store.effects.complete(key, undefined, services.now());
}
