import { bodyParser } from '@koa/bodyparser';
import { Router } from '@koa/router';
import type { Context } from 'koa';
import type { EmulatorExtension, EmulatorState, ExtensionStatus, ExtensionType, InjectedFault } from '../emulator-state.ts';
import { EXTENSION_STATUSES, EXTENSION_TYPES, extensionJson } from '../platform/extensions-routes.ts';
import { authorizeParamsFrom, grantAuthorization } from '../platform/oauth-routes.ts';
import { appScopes, issueBotToken } from '../platform/oauth-tokens.ts';
import { buildProfileImage } from '../platform/profile-image-processing.ts';
import { checkSeedOptions, seedCompany, type SeedOptions } from '../platform/seed-company.ts';
import { isExpired } from '../subscriptions/subscription-store.ts';
import { ApiError } from '../api-error.ts';

/** Longest stall a fault may ask for, ms (the largest delay a Node timer honours, about 24.8 days). */
export const MAX_FAULT_DELAY_MS = 2_147_483_647;

/** Error body of the control API: `{error}` with a plain message. */
function controlError(ctx: Context, status: number, message: string): void {
  ctx.status = status;
  ctx.body = { error: message };
}

function bodyOf(ctx: Context): Record<string, unknown> {
  const b = ctx.request.body;
  return b && typeof b === 'object' && !Array.isArray(b) ? (b as Record<string, unknown>) : {};
}

/**
 * Wipes the emulated world in place (the state object is shared with the messaging part):
 * every Map on the state is cleared, recorded requests and faults emptied, the bot forgotten,
 * ids restarted; then emits `'reset'` on `state.bus` (the messaging part drops its sessions)
 * and seeds the company (`seedCompany`). Settings, the app and the clock are kept.
 * Throws RangeError for bad seed options before anything is wiped.
 */
export async function resetState(state: EmulatorState, seed: SeedOptions = {}): Promise<void> {
  checkSeedOptions(seed);
  for (const value of Object.values(state)) {
    if (value instanceof Map) value.clear();
  }
  state.requests.length = 0;
  state.faults.length = 0;
  state.botExtensionId = undefined;
  state.adminJwt = '';
  state.resetIds();
  state.bus.emit('reset');
  await seedCompany(state, seed);
}

/** The documented `GET /_emulator/state` shape (DESIGN.md, emulator control API). */
export function stateSummary(state: EmulatorState): Record<string, unknown> {
  const users: Record<string, unknown>[] = [];
  for (const e of state.extensions.values()) {
    if (e.type !== 'User') continue;
    users.push({
      id: e.id,
      name: `${e.firstName} ${e.lastName}`,
      email: e.email,
      admin: e.admin,
      hasPhoto: Boolean(e.profileImage),
      status: e.status,
      extensionNumber: e.extensionNumber,
      department: e.department,
    });
  }
  const out: Record<string, unknown> = {
    accountId: state.accountId,
    baseUrl: state.baseUrl,
    app: { clientId: state.app.clientId, clientSecret: state.app.clientSecret },
    adminJwt: state.adminJwt,
    users,
    chats: [...state.chats.values()].map((c) => ({ id: c.id, type: c.type, name: c.name, members: c.members })),
    // `Expired` is a control-view status only: the platform API no longer lists such a subscription.
    subscriptions: [...state.subscriptions.values()].map((s) => ({
      id: s.id,
      status: isExpired(state, s) ? 'Expired' : s.status,
      eventFilters: s.eventFilters,
      transportType: s.transportType,
      address: s.address,
      ownerExtensionId: s.ownerExtensionId,
      expirationTime: new Date(s.expiresAt).toISOString(),
      failedDeliveries: s.failedDeliveries,
      blacklistedData: s.blacklistedData,
    })),
  };
  if (state.botExtensionId) out.bot = { extensionId: state.botExtensionId };
  return out;
}

/** Creates the bot extension if there is none; returns it. */
export function ensureBotExtension(state: EmulatorState, name = state.app.name): EmulatorExtension {
  const existing = state.botExtensionId ? state.extensions.get(state.botExtensionId) : undefined;
  if (existing) return existing;
  const [firstName, ...rest] = name.split(' ');
  const bot: EmulatorExtension = {
    id: state.nextId(),
    extensionNumber: '',
    type: 'Bot',
    status: 'Enabled',
    firstName: firstName ?? 'Bot',
    lastName: rest.join(' '),
    email: `bot-${state.app.clientId}@bots.example.com`.toLowerCase(),
    admin: false,
  };
  state.extensions.set(bot.id, bot);
  state.botExtensionId = bot.id;
  return bot;
}

export interface BotInstallResult {
  bot: { extensionId: string };
  redirectUri: string;
  /** What was POSTed to the redirect URI (includes the token). */
  sent: Record<string, string>;
  encoding: 'form' | 'json';
  /** HTTP status the bot answered with, or undefined when it could not be reached. */
  status?: number;
  error?: string;
}

/**
 * Private-bot install (ringcentral-api.md §4): creates the Bot extension if needed, issues a
 * permanent bot token and POSTs `{access_token, token_type, expires_in, scope, owner_id,
 * endpoint_id, creator_extension_id, creator_account_id, client_id}` to `redirectUri`,
 * form-encoded by default (the real content type is undocumented; `encoding:'json'` sends JSON).
 * Emits `'botInstalled'` `{extensionId, creatorExtensionId}` on `state.bus`. Times out after 10 s.
 */
export async function installBot(
  state: EmulatorState,
  o: { redirectUri: string; creatorExtensionId?: string; encoding?: 'form' | 'json'; name?: string },
): Promise<BotInstallResult> {
  const bot = ensureBotExtension(state, o.name);
  const creator = o.creatorExtensionId ?? firstAdminId(state) ?? bot.id;
  const { response } = issueBotToken(state, bot.id, appScopes(state));
  const sent: Record<string, string> = {
    access_token: response.access_token,
    token_type: response.token_type,
    expires_in: String(response.expires_in),
    scope: response.scope,
    owner_id: response.owner_id,
    endpoint_id: response.endpoint_id,
    creator_extension_id: creator,
    creator_account_id: state.accountId,
    client_id: state.app.clientId,
  };
  const encoding = o.encoding ?? 'form';
  state.bus.emit('botInstalled', { extensionId: bot.id, creatorExtensionId: creator });
  const result: BotInstallResult = { bot: { extensionId: bot.id }, redirectUri: o.redirectUri, sent, encoding };
  try {
    const res = await fetch(o.redirectUri, {
      method: 'POST',
      headers: { 'Content-Type': encoding === 'json' ? 'application/json' : 'application/x-www-form-urlencoded' },
      body: encoding === 'json' ? JSON.stringify(sent) : new URLSearchParams(sent).toString(),
      signal: AbortSignal.timeout(10_000),
    });
    await res.arrayBuffer().catch(() => undefined);
    result.status = res.status;
  } catch (e) {
    result.error = (e as Error).message;
  }
  return result;
}

/**
 * Removes the installed bot, as deleting the app's bot in RingCentral does: publishes the
 * Extension Info event `{extensionId, eventType:'Delete'}` (ringcentral-api.md §4, BOTJS reads it
 * as "bot removed"), deletes the Bot extension — its tokens then get 401 OAU-232 "Extension not
 * found" — and emits `'botRemoved'` `{extensionId}` on `state.bus`. Returns the removed id, or
 * undefined when no bot is installed.
 */
export function removeBot(state: EmulatorState): string | undefined {
  const id = state.botExtensionId;
  if (!id || !state.extensions.has(id)) return undefined;
  state.publish({
    event: `/restapi/v1.0/account/${state.accountId}/extension/${id}`,
    body: { extensionId: id, eventType: 'Delete' },
  });
  state.extensions.delete(id);
  state.botExtensionId = undefined;
  state.bus.emit('botRemoved', { extensionId: id });
  return id;
}

function firstAdminId(state: EmulatorState): string | undefined {
  for (const e of state.extensions.values()) if (e.admin && e.type === 'User') return e.id;
  return undefined;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/**
 * Creates an extension from `POST /_emulator/extensions`
 * `{firstName,lastName,email,type?,status?,admin?,photoBase64?,department?}`. Throws
 * RangeError for bad fields, ApiError for a bad photo.
 */
export async function addExtension(state: EmulatorState, b: Record<string, unknown>): Promise<EmulatorExtension> {
  const firstName = str(b.firstName);
  const lastName = str(b.lastName) ?? '';
  if (!firstName) throw new RangeError('firstName is required');
  const type = (str(b.type) ?? 'User') as ExtensionType;
  if (!EXTENSION_TYPES.includes(type)) throw new RangeError(`type must be one of ${EXTENSION_TYPES.join(', ')}`);
  const status = (str(b.status) ?? 'Enabled') as ExtensionStatus;
  if (!EXTENSION_STATUSES.includes(status)) throw new RangeError(`status must be one of ${EXTENSION_STATUSES.join(', ')}`);
  let maxNumber = 100;
  for (const e of state.extensions.values()) maxNumber = Math.max(maxNumber, Number(e.extensionNumber) || 0);
  const ext: EmulatorExtension = {
    id: state.nextId(),
    extensionNumber: status === 'Unassigned' ? '' : str(b.extensionNumber) ?? String(maxNumber + 1),
    type,
    status,
    firstName,
    lastName,
    email: str(b.email) ?? `${firstName}.${lastName}`.toLowerCase().replace(/[^a-z0-9.]/g, '') + '@example.com',
    admin: b.admin === true,
  };
  const department = str(b.department);
  if (department) ext.department = department;
  const photo = str(b.photoBase64);
  if (photo) {
    // Validated before the extension exists, so a bad photo leaves nothing half-made behind.
    ext.profileImage = await buildProfileImage(Buffer.from(photo, 'base64'), state.isoNow());
  }
  state.extensions.set(ext.id, ext);
  if (type === 'Bot' && !state.botExtensionId) state.botExtensionId = ext.id;
  return ext;
}

/**
 * The platform part of the `/_emulator` control API (DESIGN.md table): reset, state,
 * extensions, requests, faults, oauth/consent, bots/install, clock; plus `DELETE /bots`
 * (bot removal) and `GET`/`DELETE` on requests and faults. JSON in and out; errors
 * are `{error}` with 400/404.
 */
export function controlRouter(state: EmulatorState): Router {
  const router = new Router({ prefix: '/_emulator' });
  router.use(bodyParser({ enableTypes: ['json'], jsonLimit: '20mb' }));

  router.post('/reset', async (ctx) => {
    const b = bodyOf(ctx);
    if (b.seed !== undefined && (typeof b.seed !== 'object' || b.seed === null || Array.isArray(b.seed))) {
      return controlError(ctx, 400, 'seed must be an object {users?, withPhotoRatio?}');
    }
    const seed = (b.seed ?? {}) as SeedOptions;
    try {
      await resetState(state, seed);
    } catch (e) {
      if (e instanceof RangeError) return controlError(ctx, 400, e.message);
      throw e;
    }
    ctx.body = stateSummary(state);
  });

  router.get('/state', (ctx) => {
    ctx.body = stateSummary(state);
  });

  router.post('/extensions', async (ctx) => {
    try {
      const ext = await addExtension(state, bodyOf(ctx));
      ctx.status = 201;
      ctx.body = extensionJson(state, ext, true);
    } catch (e) {
      if (e instanceof RangeError) return controlError(ctx, 400, e.message);
      if (e instanceof ApiError) {
        ctx.status = 400;
        ctx.body = { error: e.message, errorCode: e.errorCode };
        return;
      }
      throw e;
    }
  });

  router.get('/requests', (ctx) => {
    ctx.body = state.requests;
  });
  router.delete('/requests', (ctx) => {
    state.requests.length = 0;
    ctx.status = 204;
  });

  router.post('/faults', (ctx) => {
    const b = bodyOf(ctx);
    const path = str(b.path);
    const status = b.status === undefined ? 0 : Number(b.status);
    const count = b.count === undefined ? 1 : Number(b.count);
    if (!path) return controlError(ctx, 400, 'path is required ("*" = every API path)');
    if (!Number.isInteger(status) || (status !== 0 && (status < 100 || status > 599))) return controlError(ctx, 400, 'status must be an HTTP status (or 0 to only stall)');
    if (!Number.isInteger(count) || count < 1) return controlError(ctx, 400, 'count must be a positive integer');
    const fault: InjectedFault = { path, status, remaining: count };
    const method = str(b.method);
    if (method) fault.method = method.toUpperCase();
    const errorCode = str(b.errorCode);
    if (errorCode) fault.errorCode = errorCode;
    if (b.delayMs !== undefined) {
      const delayMs = Number(b.delayMs);
      // Node timers fire at once for delays over 2^31-1 ms, which would turn a stall into no stall.
      if (!Number.isFinite(delayMs) || delayMs < 0 || delayMs > MAX_FAULT_DELAY_MS) {
        return controlError(ctx, 400, `delayMs must be a number of ms from 0 to ${MAX_FAULT_DELAY_MS}`);
      }
      fault.delayMs = delayMs;
    }
    if (b.retryAfterSeconds !== undefined) fault.retryAfterSeconds = Math.max(0, Number(b.retryAfterSeconds) || 0);
    if (!fault.status && !fault.delayMs) return controlError(ctx, 400, 'a fault needs a status, a delayMs, or both');
    state.faults.push(fault);
    ctx.status = 201;
    ctx.body = fault;
  });
  router.get('/faults', (ctx) => {
    ctx.body = state.faults;
  });
  router.delete('/faults', (ctx) => {
    state.faults.length = 0;
    ctx.status = 204;
  });

  router.post('/oauth/consent', (ctx) => {
    const b = bodyOf(ctx);
    const authorizeUrl = str(b.authorizeUrl);
    const extensionId = b.extensionId === undefined ? undefined : String(b.extensionId);
    if (!authorizeUrl || !extensionId) return controlError(ctx, 400, 'authorizeUrl and extensionId are required');
    let url: URL;
    try {
      url = new URL(authorizeUrl, state.baseUrl || 'http://localhost');
    } catch {
      return controlError(ctx, 400, 'authorizeUrl is not a URL');
    }
    try {
      const location = grantAuthorization(state, authorizeParamsFrom(Object.fromEntries(url.searchParams)), extensionId);
      ctx.body = { location };
    } catch (e) {
      if (e instanceof ApiError) {
        ctx.status = e.status;
        ctx.body = { error: e.message, errorCode: e.errorCode };
        return;
      }
      throw e;
    }
  });

  router.post('/bots/install', async (ctx) => {
    const b = bodyOf(ctx);
    const redirectUri = str(b.redirectUri);
    if (!redirectUri || !/^https?:\/\//i.test(redirectUri)) return controlError(ctx, 400, 'redirectUri (http or https URL) is required');
    const encoding = b.encoding === 'json' ? 'json' : 'form';
    const creator = b.creatorExtensionId === undefined ? undefined : String(b.creatorExtensionId);
    if (creator && !state.extensions.has(creator)) return controlError(ctx, 404, 'creatorExtensionId is not an extension');
    const opts: Parameters<typeof installBot>[1] = { redirectUri, encoding };
    if (creator) opts.creatorExtensionId = creator;
    const name = str(b.name);
    if (name) opts.name = name;
    ctx.body = await installBot(state, opts);
  });

  router.delete('/bots', (ctx) => {
    const removed = removeBot(state);
    if (!removed) return controlError(ctx, 404, 'no bot is installed');
    ctx.body = { removed: { extensionId: removed } };
  });

  router.post('/clock', (ctx) => {
    const b = bodyOf(ctx);
    const ms = Number(b.advanceMs);
    try {
      state.clock.advance(ms);
    } catch (e) {
      return controlError(ctx, 400, (e as Error).message);
    }
    ctx.body = { now: state.isoNow() };
  });

  return router;
}
