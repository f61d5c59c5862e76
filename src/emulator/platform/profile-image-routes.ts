import busboy from 'busboy';
import { Router } from '@koa/router';
import type { Context } from 'koa';
import type { EmulatorExtension } from '../account-records.ts';
import type { EmulatorState } from '../emulator-state.ts';
import { buildProfileImageFor } from './profile-image-pool.ts';
import { PROFILE_IMAGE_MAX_BYTES, PROFILE_IMAGE_SCALES, sniffImageType } from './profile-image-processing.ts';
import { ApiError } from '../api-error.ts';
import { caller, checkAccount, findExtension, requireScope } from './account-access.ts';

/**
 * Profile images of extensions: reading the multipart upload, storing and publishing a change,
 * and the read/write/delete routes.
 */

/**
 * Reads a `multipart/form-data` body with busboy and returns the bytes of its one `image` part.
 * Errors: not multipart, no `image` part, or more than one → 400 CMN-101 (parameter `image`);
 * body over 10 MB → 413. Throws ApiError.
 */
export function readImagePart(ctx: Context): Promise<Buffer> {
  const declared = Number(ctx.get('Content-Length') || 0);
  if (declared > PROFILE_IMAGE_MAX_BYTES) {
    // Read and drop the body first so the client sees the 413 instead of a reset connection.
    return drain(ctx).then(() => Promise.reject(new ApiError(413, 'CMN-413', 'Request entity too large')));
  }
  if (!ctx.is('multipart/form-data')) {
    return Promise.reject(new ApiError(400, 'CMN-101', 'Parameter [image] value is invalid.', 'image'));
  }
  return new Promise<Buffer>((resolve, reject) => {
    let bb: busboy.Busboy;
    try {
      bb = busboy({ headers: ctx.req.headers, limits: { fileSize: PROFILE_IMAGE_MAX_BYTES, files: 5, fields: 20 } });
    } catch {
      reject(new ApiError(400, 'CMN-101', 'Parameter [image] value is invalid.', 'image'));
      return;
    }
    const images: Buffer[] = [];
    let tooLarge = false;
    let received = 0;
    let failed = false;
    const fail = (e: ApiError) => {
      if (failed) return;
      failed = true;
      ctx.req.unpipe(bb);
      void drain(ctx).then(() => reject(e));
    };
    ctx.req.on('data', (chunk: Buffer) => {
      received += chunk.length;
      if (received > PROFILE_IMAGE_MAX_BYTES + 64 * 1024) fail(new ApiError(413, 'CMN-413', 'Request entity too large'));
    });
    bb.on('file', (name, stream) => {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('limit', () => {
        tooLarge = true;
      });
      // A body cut short inside a part destroys the part's stream with an error; without a
      // listener that error would be thrown as an uncaught exception and end the process.
      stream.on('error', () => fail(new ApiError(400, 'CMN-101', 'Parameter [image] value is invalid.', 'image')));
      stream.on('close', () => {
        if (name === 'image') images.push(Buffer.concat(chunks));
      });
    });
    bb.on('field', (name, value) => {
      // A text field named image is not a file part.
      if (name === 'image') images.push(Buffer.from(value));
    });
    bb.on('error', () => fail(new ApiError(400, 'CMN-101', 'Parameter [image] value is invalid.', 'image')));
    bb.on('close', () => {
      if (failed) return;
      if (tooLarge) return fail(new ApiError(413, 'CMN-413', 'Request entity too large'));
      if (images.length !== 1) return fail(new ApiError(400, 'CMN-101', 'Parameter [image] value is invalid.', 'image'));
      resolve(images[0]!);
    });
    ctx.req.pipe(bb);
  });
}

/** Consumes and discards the rest of the request body; resolves when it has ended. */
function drain(ctx: Context): Promise<void> {
  const req = ctx.req;
  if (req.readableEnded) return Promise.resolve();
  return new Promise((resolve) => {
    req.once('end', () => resolve());
    req.once('error', () => resolve());
    req.once('close', () => resolve());
    req.resume();
  });
}

/**
 * Stores a new profile image for `ext` (validated, scales resized once) and publishes the
 * Extension Info event `{extensionId, eventType:'Update', hints:['ProfileImage']}`
 * (sample extension-info-update-event.json; docs/ringcentral-notes.md §2.3 "Change notification"). Throws ApiError.
 */
export async function setProfileImage(state: EmulatorState, ext: EmulatorExtension, bytes: Buffer): Promise<void> {
  ext.profileImage = await buildProfileImageFor(state, bytes, state.isoNow());
  publishProfileImageChange(state, ext);
}

/** Publishes the Extension Info `Update` event with hint `ProfileImage` for `ext`. */
export function publishProfileImageChange(state: EmulatorState, ext: EmulatorExtension): void {
  state.publish({
    event: `/restapi/v1.0/account/${state.accountId}/extension/${ext.id}`,
    body: { extensionId: ext.id, eventType: 'Update', hints: ['ProfileImage'] },
  });
}

function etagMatches(ctx: Context, etag: string): boolean {
  const header = ctx.get('If-None-Match');
  if (!header) return false;
  if (header.trim() === '*') return true;
  return header.split(',').some((t) => t.trim().replace(/^W\//, '').replace(/"/g, '') === etag);
}

function sendImage(ctx: Context, ext: EmulatorExtension, scale: string): void {
  const img = ext.profileImage!;
  const bytes = scale === 'original' ? img.original : img.scales.get(scale);
  if (!bytes) {
    throw new ApiError(404, 'ACT-333', `Profile image is not found for scale size [${scale}]`);
  }
  const etag = scale === 'original' ? img.etag : `${img.etag}-${scale}`;
  ctx.set('ETag', `"${etag}"`);
  ctx.set('Last-Modified', new Date(img.lastModified).toUTCString());
  ctx.set('Cache-Control', 'private, max-age=0, must-revalidate');
  if (etagMatches(ctx, etag)) {
    ctx.status = 304;
    return;
  }
  const disposition = typeof ctx.query.contentDisposition === 'string' ? ctx.query.contentDisposition : undefined;
  if (disposition === 'Attachment' || disposition === 'Inline') {
    const fname = typeof ctx.query.contentDispositionFilename === 'string' ? ctx.query.contentDispositionFilename : undefined;
    ctx.set('Content-Disposition', `${disposition.toLowerCase()}${fname ? `; filename="${fname.replace(/["\\\r\n]/g, '')}"` : ''}`);
  }
  ctx.type = sniffImageType(bytes) ?? img.contentType;
  ctx.body = bytes;
}

/**
 * Profile-image routes under `/restapi/v1.0/account/:accountId/extension/:extensionId/profile-image`
 * (docs/ringcentral-notes.md §2.3): read (original or a scale, with ETag/304), write (POST/PUT multipart)
 * and delete. Expects `ctx.state.caller` from the auth middleware.
 * Choices where RingCentral documents nothing: GET of an extension with no image → 404
 * ACT-333 "Profile image is not found"; an unknown scale size → 404 ACT-333; DELETE with no
 * image → 204; a body over 10 MB → 413 CMN-413.
 */
export function profileImageRouter(state: EmulatorState): Router {
  const router = new Router({ prefix: '/restapi/v1.0/account/:accountId/extension' });

  const readImage = (ctx: Context & { params: Record<string, string> }, scale: string) => {
    if (!checkAccount(state, ctx, ctx.params.accountId!)) return;
    if (!requireScope(ctx, 'ReadAccounts')) return;
    const ext = findExtension(state, ctx, ctx.params.extensionId!);
    if (!ext) return;
    if (scale !== 'original' && !(PROFILE_IMAGE_SCALES as readonly string[]).includes(scale)) {
      throw new ApiError(404, 'ACT-333', `Profile image is not found for scale size [${scale}]`);
    }
    if (!ext.profileImage) {
      throw new ApiError(404, 'ACT-333', 'Profile image is not found');
    }
    sendImage(ctx, ext, scale);
  };

  router.get('/:extensionId/profile-image', (ctx) => readImage(ctx, 'original'));
  router.get('/:extensionId/profile-image/:scaleSize', (ctx) => readImage(ctx, ctx.params.scaleSize!));

  /**
   * The extension of a profile-image write, when the caller may change it: the account must be
   * the caller's, the token must carry EditExtensions (else 403 CMN-401), the extension must exist
   * (404 CMN-102), and someone else's extension needs an admin caller (403 CMN-419,
   * docs/ringcentral-notes.md §2.3). Otherwise the error is answered and undefined returned.
   */
  const editableExtension = (ctx: Context & { params: Record<string, string> }): EmulatorExtension | undefined => {
    if (!checkAccount(state, ctx, ctx.params.accountId!)) return undefined;
    if (!requireScope(ctx, 'EditExtensions')) return undefined;
    const ext = findExtension(state, ctx, ctx.params.extensionId!);
    if (!ext) return undefined;
    const me = state.extensions.get(caller(ctx).extensionId);
    if (ext.id !== caller(ctx).extensionId && !me?.admin) {
      throw new ApiError(403,
        'CMN-419',
        'In order to call this API endpoint for another extension, user needs to have [EditUserInfo] permission granted with extended scope');
    }
    return ext;
  };

  const writeImage = async (ctx: Context & { params: Record<string, string> }) => {
    const ext = editableExtension(ctx);
    if (!ext) return;
    if (ext.status === 'Unassigned') {
      throw new ApiError(403, 'ACT-332', 'Profile image could not be set for an extension in unassigned status');
    }
    const bytes = await readImagePart(ctx);
    await setProfileImage(state, ext, bytes);
    ctx.status = 204;
  };

  router.post('/:extensionId/profile-image', writeImage);
  router.put('/:extensionId/profile-image', writeImage);

  router.delete('/:extensionId/profile-image', (ctx) => {
    const ext = editableExtension(ctx);
    if (!ext) return;
    if (ext.profileImage) {
      delete ext.profileImage;
      publishProfileImageChange(state, ext);
    }
    ctx.status = 204;
  });

  return router;
}
