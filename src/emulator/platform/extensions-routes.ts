import { bodyParser } from '@koa/bodyparser';
import { Router } from '@koa/router';
import type { Context } from 'koa';
import type { EmulatorExtension, ExtensionStatus, ExtensionType } from '../account-records.ts';
import type { EmulatorState } from '../emulator-state.ts';
import { PROFILE_IMAGE_SCALES } from './profile-image-processing.ts';
import { ApiError } from '../api-error.ts';
import { caller, checkAccount, findExtension, requireScope } from './account-access.ts';

/**
 * The extension list and extension records of the emulated account, as RingCentral's
 * `/restapi/v1.0/account/{accountId}/extension` answers them.
 */

/** Largest `perPage` of the extension list (RingCentral's documented maximum; docs/ringcentral-notes.md §2.2). */
export const EXTENSIONS_MAX_PER_PAGE = 1000;
/** Default `perPage` of the extension list (docs/ringcentral-notes.md §2.2). */
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
    throw new ApiError(400, 'CMN-101', `Parameter [${name}] value is invalid.`, name);
  }
  return n;
}

const jsonBody = bodyParser({ enableTypes: ['json'] });

/** Extension list (`GET …/extension`): filters, paging and navigation (docs/ringcentral-notes.md §2.2). */
function listExtensions(state: EmulatorState, ctx: Context): void {
  const page = positiveInt(ctx, 'page', 1);
  if (page === undefined) return;
  const perPage = positiveInt(ctx, 'perPage', EXTENSIONS_DEFAULT_PER_PAGE, EXTENSIONS_MAX_PER_PAGE);
  if (perPage === undefined) return;
  const types = new Set(queryList(ctx.query.type));
  const statuses = new Set(queryList(ctx.query.status));
  for (const s of statuses) {
    if (!EXTENSION_STATUSES.includes(s as ExtensionStatus)) {
      throw new ApiError(400, 'CMN-101', 'Parameter [status] value is invalid.', 'status');
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
 * Extension routes under `/restapi/v1.0/account/:accountId/extension` (docs/ringcentral-notes.md §2.2):
 * list, get, `PUT` (contact names/email/department and status, as the official bot framework's
 * rename does; publishes an `ExtensionInfo` Update). Expects `ctx.state.caller` from the auth
 * middleware. Profile images: profile-image-routes.ts.
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
      throw new ApiError(403, 'CMN-419', 'In order to call this API endpoint for another extension, user needs to have [EditUserInfo] permission granted with extended scope');
    }
    const body = (ctx.request.body ?? {}) as { contact?: Record<string, unknown>; status?: unknown };
    const contact = body.contact ?? {};
    if (typeof contact !== 'object' || Array.isArray(contact)) {
      throw new ApiError(400, 'CMN-101', 'Parameter [contact] value is invalid.', 'contact');
    }
    for (const k of ['firstName', 'lastName', 'email', 'department'] as const) {
      const v = contact[k];
      if (v !== undefined && (typeof v !== 'string' || (k !== 'department' && k !== 'lastName' && !v.trim()))) {
        throw new ApiError(400, 'CMN-101', `Parameter [contact.${k}] value is invalid.`, `contact.${k}`);
      }
    }
    if (body.status !== undefined && !EXTENSION_STATUSES.includes(body.status as ExtensionStatus)) {
      throw new ApiError(400, 'CMN-101', 'Parameter [status] value is invalid.', 'status');
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

  return router;
}

/** Types accepted by `POST /_emulator/extensions`. */
export const EXTENSION_TYPES: readonly ExtensionType[] = [
  'User', 'Bot', 'Department', 'Announcement', 'Voicemail', 'DigitalUser', 'VirtualUser', 'FaxUser', 'PagingOnly',
  'SharedLinesGroup', 'IvrMenu', 'ApplicationExtension', 'ParkLocation', 'Limited', 'Site', 'DelegatedLinesGroup', 'GroupCallPickup',
];
export { EXTENSION_STATUSES };
