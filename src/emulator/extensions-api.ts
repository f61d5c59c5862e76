import { bodyParser } from '@koa/bodyparser';
import busboy from 'busboy';
import { Router } from '@koa/router';
import type { Context } from 'koa';
import { sendApiError } from './api-errors.ts';
import type { Caller, EmulatorExtension, EmulatorState, ExtensionStatus, ExtensionType } from './emulator-state.ts';
import { buildProfileImageFor } from './platform/profile-image-pool.ts';
import {
  PROFILE_IMAGE_MAX_BYTES,
  PROFILE_IMAGE_SCALES,
  ProfileImageError,
  sniffImageType,
} from './profile-image-processing.ts';

/** Largest `perPage` of the extension list (issue #2 §2; RingCentral's documented maximum). */
export const EXTENSIONS_MAX_PER_PAGE = 1000;
/** Default `perPage` of the extension list (ringcentral-api.md §2.2). */
export const EXTENSIONS_DEFAULT_PER_PAGE = 100;

const EXTENSION_STATUSES: readonly ExtensionStatus[] = ['Enabled', 'Disabled', 'Frozen', 'NotActivated', 'Unassigned'];

/** `<baseUrl>/restapi/v1.0/account/<accountId>` */
function accountUri(state: EmulatorState): string {
  return `${state.baseUrl}/restapi/v1.0/account/${state.accountId}`;
}

/** The `profileImage` object: only `uri` without an image; `etag`, `lastModified`, `contentType`, `scales` with one (§2.2). */
export function profileImageJson(state: EmulatorState, ext: EmulatorExtension): Record<string, unknown> {
  const uri = `${accountUri(state)}/extension/${ext.id}/profile-image`;
  const img = ext.profileImage;
  if (!img) return { uri };
  return {
    uri,
    etag: img.etag,
    contentType: img.contentType,
    lastModified: img.lastModified,
    scales: PROFILE_IMAGE_SCALES.map((s) => ({ uri: `${uri}/${s}` })),
  };
}

/**
 * An extension as the API returns it (`GetExtensionListInfoResponse`, or with `detailed`
 * `GetExtensionInfoResponse` adding `account`), field names from rc-public-openapi.yml.
 */
export function extensionJson(state: EmulatorState, ext: EmulatorExtension, detailed = false): Record<string, unknown> {
  const contact: Record<string, unknown> = {
    firstName: ext.firstName,
    lastName: ext.lastName,
    email: ext.email,
    emailAsLoginName: true,
  };
  if (ext.department) contact.department = ext.department;
  const out: Record<string, unknown> = {
    uri: `${accountUri(state)}/extension/${ext.id}`,
    id: Number(ext.id),
  };
  if (ext.extensionNumber) out.extensionNumber = ext.extensionNumber;
  out.contact = contact;
  out.name = `${ext.firstName} ${ext.lastName}`.trim();
  out.type = ext.type;
  out.status = ext.status;
  out.permissions = { admin: { enabled: ext.admin }, internationalCalling: { enabled: false } };
  out.profileImage = profileImageJson(state, ext);
  if (detailed) out.account = { id: state.accountId, uri: accountUri(state) };
  return out;
}

function caller(ctx: Context): Caller {
  return ctx.state.caller as Caller;
}

/** Resolves `{accountId}` (`~` or the emulated account id); answers 404 CMN-102 and returns false otherwise. */
function checkAccount(state: EmulatorState, ctx: Context, accountId: string): boolean {
  if (accountId === '~' || accountId === state.accountId) return true;
  sendApiError(ctx, 404, 'CMN-102', 'Resource for parameter [accountId] is not found', 'accountId');
  return false;
}

/** Resolves `{extensionId}` (`~` = the caller); answers 404 CMN-102 and returns undefined when unknown. */
function findExtension(state: EmulatorState, ctx: Context, extensionId: string): EmulatorExtension | undefined {
  const id = extensionId === '~' ? caller(ctx).extensionId : extensionId;
  const ext = state.extensions.get(id);
  if (!ext) sendApiError(ctx, 404, 'CMN-102', 'Resource for parameter [extensionId] is not found', 'extensionId');
  return ext;
}

function requireScope(ctx: Context, scope: string): boolean {
  if (caller(ctx).token.scopes.includes(scope)) return true;
  sendApiError(ctx, 403, 'CMN-401', `In order to call this API endpoint, application needs to have [${scope}] permission`);
  return false;
}

function queryList(v: string | string[] | undefined): string[] {
  if (v === undefined) return [];
  return (Array.isArray(v) ? v : [v]).flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean);
}

function positiveInt(ctx: Context, name: string, fallback: number, max?: number): number | undefined {
  const raw = ctx.query[name];
  if (raw === undefined) return fallback;
  const s = Array.isArray(raw) ? raw[0] : raw;
  const n = Number(s);
  if (!s || !Number.isInteger(n) || n < 1 || (max !== undefined && n > max)) {
    sendApiError(ctx, 400, 'CMN-101', `Parameter [${name}] value is invalid.`, name);
    return undefined;
  }
  return n;
}

const jsonBody = bodyParser({ enableTypes: ['json'] });

/** Extension list (`GET …/extension`): filters, paging and navigation (ringcentral-api.md §2.2). */
function listExtensions(state: EmulatorState, ctx: Context): void {
  const page = positiveInt(ctx, 'page', 1);
  if (page === undefined) return;
  const perPage = positiveInt(ctx, 'perPage', EXTENSIONS_DEFAULT_PER_PAGE, EXTENSIONS_MAX_PER_PAGE);
  if (perPage === undefined) return;
  const types = new Set(queryList(ctx.query.type));
  const statuses = new Set(queryList(ctx.query.status));
  for (const s of statuses) {
    if (!EXTENSION_STATUSES.includes(s as ExtensionStatus)) {
      sendApiError(ctx, 400, 'CMN-101', 'Parameter [status] value is invalid.', 'status');
      return;
    }
  }
  const emails = new Set(queryList(ctx.query.email).map((e) => e.toLowerCase()));
  const number = typeof ctx.query.extensionNumber === 'string' ? ctx.query.extensionNumber : undefined;
  const filtered = types.size === 0 && statuses.size === 0 && emails.size === 0 && number === undefined;
  const start = (page - 1) * perPage;
  const records: Record<string, unknown>[] = [];
  let total = 0;
  for (const ext of state.extensions.values()) {
    if (!filtered) {
      if (types.size && !types.has(ext.type)) continue;
      if (statuses.size && !statuses.has(ext.status)) continue;
      if (emails.size && !emails.has(ext.email.toLowerCase())) continue;
      if (number !== undefined && ext.extensionNumber !== number) continue;
    }
    if (total >= start && records.length < perPage) records.push(extensionJson(state, ext));
    total++;
  }
  const totalPages = Math.ceil(total / perPage);
  const params = new URLSearchParams();
  for (const t of types) params.append('type', t);
  for (const s of statuses) params.append('status', s);
  for (const e of emails) params.append('email', e);
  if (number !== undefined) params.set('extensionNumber', number);
  const link = (p: number) => {
    const q = new URLSearchParams(params);
    q.set('page', String(p));
    q.set('perPage', String(perPage));
    return { uri: `${accountUri(state)}/extension?${q.toString()}` };
  };
  const paging: Record<string, number> = { page, totalPages, perPage, totalElements: total };
  if (records.length > 0) {
    paging.pageStart = start;
    paging.pageEnd = start + records.length - 1;
  }
  const navigation: Record<string, { uri: string }> = { firstPage: link(1) };
  if (page < totalPages) navigation.nextPage = link(page + 1);
  if (page > 1) navigation.previousPage = link(Math.min(page - 1, Math.max(totalPages, 1)));
  navigation.lastPage = link(Math.max(totalPages, 1));
  ctx.body = { uri: link(page).uri, records, paging, navigation };
}

/**
 * Reads a `multipart/form-data` body with busboy and returns the bytes of its one `image` part.
 * Errors: not multipart, no `image` part, or more than one → 400 CMN-101 (parameter `image`);
 * body over 10 MB → 413. Throws ProfileImageError.
 */
export function readImagePart(ctx: Context): Promise<Buffer> {
  const declared = Number(ctx.get('Content-Length') || 0);
  if (declared > PROFILE_IMAGE_MAX_BYTES) {
    // Read and drop the body first so the client sees the 413 instead of a reset connection.
    return drain(ctx).then(() => Promise.reject(new ProfileImageError(413, 'CMN-413', 'Request entity too large')));
  }
  if (!ctx.is('multipart/form-data')) {
    return Promise.reject(new ProfileImageError(400, 'CMN-101', 'Parameter [image] value is invalid.', 'image'));
  }
  return new Promise<Buffer>((resolve, reject) => {
    let bb: busboy.Busboy;
    try {
      bb = busboy({ headers: ctx.req.headers, limits: { fileSize: PROFILE_IMAGE_MAX_BYTES, files: 5, fields: 20 } });
    } catch {
      reject(new ProfileImageError(400, 'CMN-101', 'Parameter [image] value is invalid.', 'image'));
      return;
    }
    const images: Buffer[] = [];
    let tooLarge = false;
    let received = 0;
    let failed = false;
    const fail = (e: ProfileImageError) => {
      if (failed) return;
      failed = true;
      ctx.req.unpipe(bb);
      void drain(ctx).then(() => reject(e));
    };
    ctx.req.on('data', (chunk: Buffer) => {
      received += chunk.length;
      if (received > PROFILE_IMAGE_MAX_BYTES + 64 * 1024) fail(new ProfileImageError(413, 'CMN-413', 'Request entity too large'));
    });
    bb.on('file', (name, stream) => {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('limit', () => {
        tooLarge = true;
      });
      // A body cut short inside a part destroys the part's stream with an error; without a
      // listener that error would be thrown as an uncaught exception and end the process.
      stream.on('error', () => fail(new ProfileImageError(400, 'CMN-101', 'Parameter [image] value is invalid.', 'image')));
      stream.on('close', () => {
        if (name === 'image') images.push(Buffer.concat(chunks));
      });
    });
    bb.on('field', (name, value) => {
      // A text field named image is not a file part.
      if (name === 'image') images.push(Buffer.from(value));
    });
    bb.on('error', () => fail(new ProfileImageError(400, 'CMN-101', 'Parameter [image] value is invalid.', 'image')));
    bb.on('close', () => {
      if (failed) return;
      if (tooLarge) return fail(new ProfileImageError(413, 'CMN-413', 'Request entity too large'));
      if (images.length !== 1) return fail(new ProfileImageError(400, 'CMN-101', 'Parameter [image] value is invalid.', 'image'));
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
 * (sample extension-info-update-event.json; §2.3 "Change notification"). Throws ProfileImageError.
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
    sendApiError(ctx, 404, 'ACT-333', `Profile image is not found for scale size [${scale}]`);
    return;
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
 * Extension and profile-image routes under `/restapi/v1.0/account/:accountId/extension`
 * (ringcentral-api.md §2.2, §2.3): list, get, `PUT` (contact names/email/department and status,
 * as the official bot framework's rename does; publishes an `ExtensionInfo` Update), images. Expects `ctx.state.caller` from the auth middleware.
 * Choices where RingCentral documents nothing: GET of an extension with no image → 404
 * ACT-333 "Profile image is not found"; an unknown scale size → 404 ACT-333; DELETE with no
 * image → 204; a body over 10 MB → 413 CMN-413.
 */
export function extensionsRouter(state: EmulatorState): Router {
  const router = new Router({ prefix: '/restapi/v1.0/account/:accountId/extension' });

  router.get('/', (ctx) => {
    if (!checkAccount(state, ctx, ctx.params.accountId!)) return;
    if (!requireScope(ctx, 'ReadAccounts')) return;
    listExtensions(state, ctx);
  });

  router.get('/:extensionId', (ctx) => {
    if (!checkAccount(state, ctx, ctx.params.accountId!)) return;
    if (!requireScope(ctx, 'ReadAccounts')) return;
    const ext = findExtension(state, ctx, ctx.params.extensionId!);
    if (!ext) return;
    ctx.body = extensionJson(state, ext, true);
  });

  router.put('/:extensionId', jsonBody, (ctx) => {
    if (!checkAccount(state, ctx, ctx.params.accountId!)) return;
    if (!requireScope(ctx, 'EditExtensions')) return;
    const ext = findExtension(state, ctx, ctx.params.extensionId!);
    if (!ext) return;
    const me = state.extensions.get(caller(ctx).extensionId);
    if (ext.id !== caller(ctx).extensionId && !me?.admin) {
      sendApiError(ctx, 403, 'CMN-419', 'In order to call this API endpoint for another extension, user needs to have [EditUserInfo] permission granted with extended scope');
      return;
    }
    const body = (ctx.request.body ?? {}) as { contact?: Record<string, unknown>; status?: unknown };
    const contact = body.contact ?? {};
    if (typeof contact !== 'object' || Array.isArray(contact)) {
      sendApiError(ctx, 400, 'CMN-101', 'Parameter [contact] value is invalid.', 'contact');
      return;
    }
    for (const k of ['firstName', 'lastName', 'email', 'department'] as const) {
      const v = contact[k];
      if (v !== undefined && (typeof v !== 'string' || (k !== 'department' && k !== 'lastName' && !v.trim()))) {
        sendApiError(ctx, 400, 'CMN-101', `Parameter [contact.${k}] value is invalid.`, `contact.${k}`);
        return;
      }
    }
    if (body.status !== undefined && !EXTENSION_STATUSES.includes(body.status as ExtensionStatus)) {
      sendApiError(ctx, 400, 'CMN-101', 'Parameter [status] value is invalid.', 'status');
      return;
    }
    if (typeof contact.firstName === 'string') ext.firstName = contact.firstName;
    if (typeof contact.lastName === 'string') ext.lastName = contact.lastName;
    if (typeof contact.email === 'string') ext.email = contact.email;
    if (typeof contact.department === 'string') ext.department = contact.department;
    if (body.status !== undefined) ext.status = body.status as ExtensionStatus;
    state.publish({
      event: `/restapi/v1.0/account/${state.accountId}/extension/${ext.id}`,
      body: { extensionId: ext.id, eventType: 'Update', hints: ['ExtensionInfo'] },
    });
    ctx.body = extensionJson(state, ext, true);
  });

  const readImage = (ctx: Context & { params: Record<string, string> }, scale: string) => {
    if (!checkAccount(state, ctx, ctx.params.accountId!)) return;
    if (!requireScope(ctx, 'ReadAccounts')) return;
    const ext = findExtension(state, ctx, ctx.params.extensionId!);
    if (!ext) return;
    if (scale !== 'original' && !(PROFILE_IMAGE_SCALES as readonly string[]).includes(scale)) {
      sendApiError(ctx, 404, 'ACT-333', `Profile image is not found for scale size [${scale}]`);
      return;
    }
    if (!ext.profileImage) {
      sendApiError(ctx, 404, 'ACT-333', 'Profile image is not found');
      return;
    }
    sendImage(ctx, ext, scale);
  };

  router.get('/:extensionId/profile-image', (ctx) => readImage(ctx, 'original'));
  router.get('/:extensionId/profile-image/:scaleSize', (ctx) => readImage(ctx, ctx.params.scaleSize!));

  /**
   * The extension of a profile-image write, when the caller may change it: the account must be
   * the caller's, the token must carry EditExtensions (else 403 CMN-401), the extension must exist
   * (404 CMN-102), and someone else's extension needs an admin caller (403 CMN-419,
   * ringcentral-api.md §2.3). Otherwise the error is answered and undefined returned.
   */
  const editableExtension = (ctx: Context & { params: Record<string, string> }): EmulatorExtension | undefined => {
    if (!checkAccount(state, ctx, ctx.params.accountId!)) return undefined;
    if (!requireScope(ctx, 'EditExtensions')) return undefined;
    const ext = findExtension(state, ctx, ctx.params.extensionId!);
    if (!ext) return undefined;
    const me = state.extensions.get(caller(ctx).extensionId);
    if (ext.id !== caller(ctx).extensionId && !me?.admin) {
      sendApiError(
        ctx,
        403,
        'CMN-419',
        'In order to call this API endpoint for another extension, user needs to have [EditUserInfo] permission granted with extended scope',
      );
      return undefined;
    }
    return ext;
  };

  const writeImage = async (ctx: Context & { params: Record<string, string> }) => {
    const ext = editableExtension(ctx);
    if (!ext) return;
    if (ext.status === 'Unassigned') {
      sendApiError(ctx, 403, 'ACT-332', 'Profile image could not be set for an extension in unassigned status');
      return;
    }
    try {
      const bytes = await readImagePart(ctx);
      await setProfileImage(state, ext, bytes);
      ctx.status = 204;
    } catch (e) {
      if (!(e instanceof ProfileImageError)) throw e;
      sendApiError(ctx, e.status, e.errorCode, e.message, e.parameterName);
    }
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

/** Types accepted by `POST /_emulator/extensions`. */
export const EXTENSION_TYPES: readonly ExtensionType[] = [
  'User', 'Bot', 'Department', 'Announcement', 'Voicemail', 'DigitalUser', 'VirtualUser', 'FaxUser', 'PagingOnly',
  'SharedLinesGroup', 'IvrMenu', 'ApplicationExtension', 'ParkLocation', 'Limited', 'Site', 'DelegatedLinesGroup', 'GroupCallPickup',
];
export { EXTENSION_STATUSES };
