import type { Context, Next } from 'koa';
import type { Caller, EmulatorState, RecordedRequest } from '../emulator-state.ts';
import { takeRateLimit } from './rate-limits.ts';
import { usagePlanGroupOf, type UsagePlanGroup } from './usage-plan-groups.ts';
import { ApiError, isApiPath, renderApiError } from '../api-error.ts';

/**
 * The middleware chain every emulated request runs through before any route (platform or
 * messaging): request recording, fault injection, authentication, rate limits. Their errors are
 * thrown as ApiError and rendered by `apiErrors()` (api-error.ts).
 *
 * What counts as an "API path" (authenticated, rate-limited, recorded with a group): anything
 * under `/restapi/` or `/team-messaging/`. Not authenticated: the OAuth endpoints a client calls
 * before it has a token (`/restapi/oauth/token`, `/revoke`, `/authorize`), the `/_emulator`
 * control API, and every other path, notably file content URIs (`/web/customer_files/...`),
 * which RingCentral serves as pre-signed public media links (sample
 * `rest-get-post-with-file-attachment.json`). Profile images stay behind authentication, as
 * on RingCentral's media host (`?access_token=` works there, docs/ringcentral-notes.md §2.1).
 */

/** Paths served without a token although they are under `/restapi/`. */
export const UNAUTHENTICATED_API_PATHS: readonly string[] = [
  '/restapi/oauth/token',
  '/restapi/oauth/revoke',
  '/restapi/oauth/authorize',
];

/** Most recent requests kept by the recorder; older ones are dropped. */
export const MAX_RECORDED_REQUESTS = 50_000;

/** True for the emulator's own control API. */
export function isControlPath(path: string): boolean {
  return path === '/_emulator' || path.startsWith('/_emulator/');
}

/**
 * Records every non-control request in `state.requests` (method, path, status, usage plan
 * group, caller extension) once it is answered. Mounted just outside `apiErrors()`, so the
 * status recorded for a failed request is the one its error body was sent with. An unparseable
 * request target (koa's URL parser throws, e.g. `http://[`) → 400 `CMN-101`, not recorded.
 */
export function recordRequests(state: EmulatorState) {
  return async function requestRecorder(ctx: Context, next: Next): Promise<void> {
    let path: string;
    try {
      path = ctx.path;
    } catch {
      renderApiError(ctx, new ApiError(400, 'CMN-101', 'Request URI is invalid'));
      return;
    }
    const control = isControlPath(path);
    try {
      await next();
    } finally {
      if (!control) {
        const caller = ctx.state.caller as Caller | undefined;
        const rec: RecordedRequest = {
          at: state.isoNow(),
          method: ctx.method,
          path,
          status: ctx.status,
        };
        const group = usagePlanGroupOf(ctx.method, path);
        if (group) rec.group = group;
        if (caller) rec.callerExtensionId = caller.extensionId;
        state.requests.push(rec);
        if (state.requests.length > MAX_RECORDED_REQUESTS) state.requests.splice(0, state.requests.length - MAX_RECORDED_REQUESTS);
      }
    }
  };
}

/**
 * Applies `state.faults`: the next `remaining` requests whose method matches (when given) and
 * whose path equals or starts with the fault's `path` (`*` = every API path) first wait
 * `delayMs` (real time), then, when `status` is non-zero, are answered with that status and an
 * error body (`errorCode` default `CMN-500`-style by status); a 429 carries `Retry-After`.
 * A fault with status 0 only stalls. Control paths are never faulted.
 */
export function injectFaults(state: EmulatorState) {
  return async function faultInjector(ctx: Context, next: Next): Promise<void> {
    if (isControlPath(ctx.path) || state.faults.length === 0) return next();
    const i = state.faults.findIndex(
      (f) =>
        f.remaining > 0 &&
        (!f.method || f.method.toUpperCase() === ctx.method) &&
        (f.path === '*' ? isApiPath(ctx.path) : ctx.path === f.path || ctx.path.startsWith(f.path)),
    );
    if (i < 0) return next();
    const fault = state.faults[i]!;
    fault.remaining -= 1;
    if (fault.remaining <= 0) state.faults.splice(i, 1);
    if (fault.delayMs && fault.delayMs > 0) await new Promise((r) => setTimeout(r, fault.delayMs));
    if (!fault.status) return next();
    if (fault.status === 429) ctx.set('Retry-After', String(fault.retryAfterSeconds ?? 1));
    throw new ApiError(fault.status, fault.errorCode ?? defaultFaultCode(fault.status), `Injected fault (${fault.status})`);
  };
}

function defaultFaultCode(status: number): string {
  if (status === 429) return 'CMN-301';
  if (status === 401) return 'AGW-402';
  if (status === 403) return 'CMN-401';
  if (status === 404) return 'CMN-102';
  if (status === 503) return 'CMN-211';
  if (status >= 500) return 'CMN-500';
  return 'CMN-101';
}

/**
 * Authenticates API requests and sets `ctx.state.caller: Caller`.
 * - no `Authorization` header and no `access_token` query → 401 AGW-401;
 * - a header that isn't `Bearer <token>` (scheme compared case-insensitively, the SDK sends
 *   `bearer`), or an unknown token → 401 AGW-402;
 * - an expired access token → 401 OAU-128 (docs/ringcentral-notes.md §5);
 * - a revoked token (its session was revoked, or it was replaced by a refresh) → 401 OAU-213
 *   "Token not found" (what RingCentral staff report for revoked tokens; the emulator's choice);
 * - a token whose extension no longer exists → 401 OAU-232 "Extension not found".
 * Every 401 carries `WWW-Authenticate: Bearer realm="RingCentral REST API"`.
 */
export function authenticate(state: EmulatorState) {
  return async function authenticator(ctx: Context, next: Next): Promise<void> {
    const path = ctx.path;
    if (!isApiPath(path) || UNAUTHENTICATED_API_PATHS.includes(path)) return next();
    const header = ctx.get('Authorization');
    const queryToken = typeof ctx.query.access_token === 'string' ? ctx.query.access_token : undefined;
    const fail = (code: string, message: string) => {
      ctx.set('WWW-Authenticate', 'Bearer realm="RingCentral REST API"');
      throw new ApiError(401, code, message);
    };
    let raw: string | undefined;
    if (header) {
      const m = /^bearer\s+(\S+)\s*$/i.exec(header);
      if (!m) return fail('AGW-402', 'Invalid Authorization header');
      raw = m[1];
    } else if (queryToken !== undefined) {
      raw = queryToken;
    }
    if (raw === undefined) return fail('AGW-401', 'Authorization header is not specified');
    const token = state.tokens.get(raw);
    if (!token) return fail('AGW-402', 'Invalid Authorization header');
    if (token.revoked) return fail('OAU-213', 'Token not found');
    if (token.accessExpiresAt <= state.clock.now()) return fail('OAU-128', 'Access token expired');
    if (!state.extensions.has(token.extensionId)) return fail('OAU-232', 'Extension not found');
    const caller: Caller = { token, extensionId: token.extensionId, clientId: token.clientId };
    ctx.state.caller = caller;
    return next();
  };
}

/**
 * Counts one request of `key` (`<extensionId>|<clientId>`) in `group`, sets
 * `X-Rate-Limit-Group/-Limit/-Remaining/-Window`, and when over the limit sets `Retry-After`
 * (seconds) and throws ApiError 429 CMN-301. Does nothing when `state.settings.rateLimits` is
 * false. docs/ringcentral-notes.md §5.
 */
export function applyRateLimit(state: EmulatorState, ctx: Context, key: string, group: UsagePlanGroup): void {
  if (!state.settings.rateLimits) return;
  const d = takeRateLimit(state, key, group);
  ctx.set('X-Rate-Limit-Group', group.toLowerCase());
  ctx.set('X-Rate-Limit-Limit', String(d.limit));
  ctx.set('X-Rate-Limit-Remaining', String(d.remaining));
  ctx.set('X-Rate-Limit-Window', String(d.windowSeconds));
  if (d.allowed) return;
  ctx.set('Retry-After', String(d.retryAfterSeconds));
  throw new ApiError(429, 'CMN-301', 'Request rate exceeded');
}

/**
 * Rate limits per (caller extension, app) per usage plan group for authenticated API routes
 * that have a group. The OAuth endpoints used before a token exists count themselves: the token
 * route once it knows whose token it issues (`applyRateLimit` with that extension), the
 * authorize/revoke routes keyed by client id or client IP (see `oauth-routes.ts`).
 */
export function rateLimit(state: EmulatorState) {
  return async function rateLimiter(ctx: Context, next: Next): Promise<void> {
    if (!state.settings.rateLimits) return next();
    const caller = ctx.state.caller as Caller | undefined;
    if (!caller) return next();
    const group = usagePlanGroupOf(ctx.method, ctx.path);
    if (!group) return next();
    applyRateLimit(state, ctx, `${caller.extensionId}|${caller.clientId}`, group);
    return next();
  };
}

/** Parses `Basic base64(clientId:clientSecret)` (scheme case-insensitive); undefined otherwise. */
export function parseBasicAuth(header: string | undefined): { clientId: string; clientSecret: string } | undefined {
  if (!header) return undefined;
  const m = /^basic\s+(\S+)\s*$/i.exec(header);
  if (!m) return undefined;
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
  const i = decoded.indexOf(':');
  if (i < 0) return undefined;
  return { clientId: decoded.slice(0, i), clientSecret: decoded.slice(i + 1) };
}
