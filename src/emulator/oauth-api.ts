import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { bodyParser } from '@koa/bodyparser';
import { Router } from '@koa/router';
import type { Context, Next } from 'koa';
import { sendOAuthError } from './api-errors.ts';
import type { AuthorizationCode, EmulatorState, IssuedToken } from './emulator-state.ts';
import {
  issueUserToken,
  requestedScopes,
  revokeSession,
  verifyJwtCredential,
} from './oauth-tokens.ts';
import { applyRateLimit, parseBasicAuth } from './platform-middleware.ts';

/** Authorization code lifetime, seconds (the redirect carries `expires_in=60`, ringcentral-api.md §2.1). */
export const AUTH_CODE_TTL_S = 60;

const JWT_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

/**
 * How long a just-used refresh token still answers with the same new tokens (RingCentral:
 * "about 10 s", ringcentral-api.md §2.1), ms of emulator time. After that it is invalid_grant.
 */
export const REFRESH_REUSE_GRACE_MS = 10_000;

/** Query/form parameters of `/restapi/oauth/authorize` the emulator reads. */
export interface AuthorizeParams {
  client_id?: string;
  response_type?: string;
  redirect_uri?: string;
  state?: string;
  scope?: string;
  code_challenge?: string;
  code_challenge_method?: string;
}

/** An OAuth error to send with `sendOAuthError`. */
export class OAuthError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    readonly errorCode: string,
    description: string,
  ) {
    super(description);
  }
}

/**
 * Validates authorize parameters against `state.app` (client id, `response_type=code`,
 * redirect URI registered or — when the app registers none — any absolute http(s) URI that
 * parses as a URL, PKCE method `plain|S256`). Returns the redirect URI to use. Throws OAuthError
 * (400 OAU-101/OAU-112/OAU-113/OAU-153).
 */
export function validateAuthorizeParams(state: EmulatorState, p: AuthorizeParams): string {
  if (!p.client_id) throw new OAuthError(400, 'invalid_request', 'OAU-101', 'Parameter [client_id] is not specified');
  if (p.client_id !== state.app.clientId) throw new OAuthError(400, 'invalid_client', 'OAU-153', `Invalid client: ${p.client_id}`);
  if (p.response_type !== 'code') {
    throw new OAuthError(400, 'unsupported_response_type', 'OAU-112', 'Unsupported response_type; only "code" is supported');
  }
  let redirect = p.redirect_uri;
  if (!redirect) {
    if (state.app.redirectUris.length === 1) redirect = state.app.redirectUris[0]!;
    else throw new OAuthError(400, 'invalid_request', 'OAU-101', 'Parameter [redirect_uri] is not specified');
  }
  if (state.app.redirectUris.length > 0 && !state.app.redirectUris.includes(redirect)) {
    throw new OAuthError(400, 'invalid_request', 'OAU-113', 'Redirect URI does not match the registered one');
  }
  if (!/^https?:\/\//i.test(redirect) || !URL.canParse(redirect)) {
    // `URL.canParse`: a URI such as `http://[` passes the scheme test but can't carry the code.
    throw new OAuthError(400, 'invalid_request', 'OAU-113', 'Invalid redirect_uri');
  }
  if (p.code_challenge_method && !['plain', 'S256'].includes(p.code_challenge_method)) {
    throw new OAuthError(400, 'invalid_request', 'OAU-101', 'Unsupported code_challenge_method');
  }
  return redirect;
}

/**
 * A person approves an authorization request: issues a one-use code valid 60 s and returns the
 * redirect location `<redirect_uri>?code=…&state=…&expires_in=60` (ringcentral-api.md §2.1).
 * Throws OAuthError for bad parameters or an extension that can't sign in.
 */
export function grantAuthorization(state: EmulatorState, p: AuthorizeParams, extensionId: string): string {
  const redirect = validateAuthorizeParams(state, p);
  const ext = state.extensions.get(extensionId);
  if (!ext) throw new OAuthError(400, 'invalid_request', 'OAU-232', 'Extension not found');
  if (ext.status !== 'Enabled') throw new OAuthError(400, 'access_denied', 'OAU-244', `Extension is ${ext.status}`);
  const code: AuthorizationCode = {
    code: `EMU-CODE-${randomBytes(18).toString('base64url')}`,
    clientId: state.app.clientId,
    extensionId,
    redirectUri: redirect,
    scopes: requestedScopes(state, p.scope),
    expiresAt: state.clock.now() + AUTH_CODE_TTL_S * 1000,
    used: false,
  };
  if (p.code_challenge) {
    code.codeChallenge = p.code_challenge;
    code.codeChallengeMethod = p.code_challenge_method === 'S256' ? 'S256' : 'plain';
  }
  state.authCodes.set(code.code, code);
  const url = new URL(redirect);
  url.searchParams.set('code', code.code);
  if (p.state !== undefined) url.searchParams.set('state', p.state);
  url.searchParams.set('expires_in', String(AUTH_CODE_TTL_S));
  return url.toString();
}

/** Reads authorize parameters from a query string or a form body. */
export function authorizeParamsFrom(src: Record<string, unknown>): AuthorizeParams {
  const pick = (k: string) => (typeof src[k] === 'string' ? (src[k] as string) : undefined);
  const p: AuthorizeParams = {};
  for (const k of ['client_id', 'response_type', 'redirect_uri', 'state', 'scope', 'code_challenge', 'code_challenge_method'] as const) {
    const v = pick(k);
    if (v !== undefined) p[k] = v;
  }
  return p;
}

function requireForm(ctx: Context, next: Next): Promise<void> | void {
  if (!ctx.is('application/x-www-form-urlencoded')) {
    sendOAuthError(ctx, 415, 'invalid_request', 'OAU-101', 'Unsupported Media Type: use application/x-www-form-urlencoded');
    return;
  }
  return next();
}

const formParser = bodyParser({ enableTypes: ['form'] });

type Form = Record<string, string | undefined>;

function formOf(ctx: Context): Form {
  const body = (ctx.request.body ?? {}) as Record<string, unknown>;
  const out: Form = {};
  for (const [k, v] of Object.entries(body)) out[k] = typeof v === 'string' ? v : Array.isArray(v) ? String(v[0]) : undefined;
  return out;
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * Identifies the client of a token/revoke request: `Basic` header (confidential) checked against
 * the app secret, else `client_id` in the form (public). Throws OAuthError `invalid_client`.
 */
function clientOf(state: EmulatorState, ctx: Context, form: Form): { clientId: string; confidential: boolean } {
  const basic = parseBasicAuth(ctx.get('Authorization'));
  if (basic) {
    if (basic.clientId !== state.app.clientId || !safeEqual(basic.clientSecret, state.app.clientSecret)) {
      throw new OAuthError(401, 'invalid_client', 'OAU-123', 'Invalid client credentials');
    }
    return { clientId: basic.clientId, confidential: true };
  }
  const id = form.client_id ?? (typeof ctx.query.client_id === 'string' ? ctx.query.client_id : undefined);
  if (!id) throw new OAuthError(401, 'invalid_client', 'OAU-123', 'Client authentication is required');
  if (id !== state.app.clientId) throw new OAuthError(400, 'invalid_client', 'OAU-153', `Invalid client: ${id}`);
  return { clientId: id, confidential: false };
}

function num(v: string | undefined): number | undefined {
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  return Number.isFinite(n) ? n : undefined;
}

function pkceMatches(code: AuthorizationCode, verifier: string): boolean {
  if (code.codeChallengeMethod === 'S256') {
    return safeEqual(createHash('sha256').update(verifier).digest('base64url'), code.codeChallenge ?? '');
  }
  return safeEqual(verifier, code.codeChallenge ?? '');
}

/** Thrown when the Auth usage plan group refused the request (the 429 is already set). */
class RateLimited extends Error {}

async function tokenGrant(state: EmulatorState, ctx: Context, form: Form): Promise<Record<string, unknown>> {
  let client: { clientId: string; confidential: boolean };
  try {
    client = clientOf(state, ctx, form);
  } catch (e) {
    if (!applyRateLimit(state, ctx, `anon|${ctx.ip}`, 'Auth')) throw new RateLimited();
    throw e;
  }
  const gate = (extensionId: string) => {
    if (!applyRateLimit(state, ctx, `${extensionId}|${client.clientId}`, 'Auth')) throw new RateLimited();
  };
  const grant = form.grant_type;
  if (grant !== JWT_GRANT && grant !== 'authorization_code' && grant !== 'refresh_token') gate('unknown');
  const ttl = { accessTtlS: num(form.access_token_ttl), refreshTtlS: num(form.refresh_token_ttl) };
  if (!grant) throw new OAuthError(400, 'invalid_request', 'OAU-101', 'Parameter [grant_type] is not specified');
  if (grant === JWT_GRANT) {
    if (!client.confidential) throw new OAuthError(400, 'unauthorized_client', 'OAU-251', 'Unauthorized for this grant type');
    if (!form.assertion) throw new OAuthError(400, 'invalid_request', 'OAU-101', 'Parameter [assertion] is not specified');
    let extensionId: string;
    try {
      extensionId = await verifyJwtCredential(state, form.assertion);
    } catch (e) {
      gate('unknown');
      const expired = (e as { code?: string }).code === 'expired';
      throw new OAuthError(400, 'invalid_grant', expired ? 'OAU-210' : 'OAU-140', expired ? 'JWT token expired' : 'Invalid JWT token');
    }
    gate(extensionId);
    const ext = state.extensions.get(extensionId);
    if (!ext) throw new OAuthError(400, 'invalid_grant', 'OAU-232', 'Extension not found');
    if (ext.status !== 'Enabled') throw new OAuthError(400, 'invalid_grant', 'OAU-244', `Extension is ${ext.status}`);
    return { ...issueUserToken(state, { extensionId, clientId: client.clientId, scopes: requestedScopes(state, form.scope), ...ttl }).response };
  }
  if (grant === 'authorization_code') {
    if (!form.code) throw new OAuthError(400, 'invalid_request', 'OAU-101', 'Parameter [code] is not specified');
    const code = state.authCodes.get(form.code);
    gate(code?.extensionId ?? 'unknown');
    if (!code || code.used || code.clientId !== client.clientId) {
      throw new OAuthError(400, 'invalid_grant', 'OAU-109', 'Authorization code is invalid or was already used');
    }
    if (code.expiresAt <= state.clock.now()) throw new OAuthError(400, 'invalid_grant', 'OAU-109', 'Authorization code expired');
    if (form.redirect_uri && code.redirectUri && form.redirect_uri !== code.redirectUri) {
      throw new OAuthError(400, 'invalid_grant', 'OAU-113', 'Redirect URI does not match the one used to authorize');
    }
    if (code.codeChallenge) {
      if (!form.code_verifier) throw new OAuthError(400, 'invalid_request', 'OAU-101', 'Parameter [code_verifier] is not specified');
      if (!pkceMatches(code, form.code_verifier)) throw new OAuthError(400, 'invalid_grant', 'OAU-152', 'Invalid code_verifier');
    } else if (!client.confidential) {
      throw new OAuthError(401, 'invalid_client', 'OAU-123', 'Client authentication is required without PKCE');
    }
    code.used = true;
    state.authCodes.delete(code.code);
    return { ...issueUserToken(state, { extensionId: code.extensionId, clientId: client.clientId, scopes: code.scopes, ...ttl }).response };
  }
  if (grant === 'refresh_token') {
    if (!form.refresh_token) throw new OAuthError(400, 'invalid_request', 'OAU-101', 'Parameter [refresh_token] is not specified');
    const old = state.refreshTokens.get(form.refresh_token);
    const grace = old ? undefined : state.refreshGrace.get(form.refresh_token);
    gate(old?.extensionId ?? grace?.token.extensionId ?? 'unknown');
    if (grace && grace.until > state.clock.now() && !grace.token.revoked && grace.token.clientId === client.clientId) {
      // The same refresh token again within the grace period: the same new tokens (§2.1).
      return { ...grace.response };
    }
    if (!old || old.revoked || old.clientId !== client.clientId) throw new OAuthError(400, 'invalid_grant', 'OAU-213', 'Token not found');
    if ((old.refreshExpiresAt ?? 0) <= state.clock.now()) throw new OAuthError(400, 'invalid_grant', 'OAU-210', 'Token expired');
    // Single use: the refresh token is consumed and the old access token stops working (§2.1).
    state.refreshTokens.delete(form.refresh_token);
    old.revoked = true;
    const issued = issueUserToken(state, {
      extensionId: old.extensionId,
      clientId: old.clientId,
      scopes: old.scopes,
      sessionId: old.sessionId,
      ...ttl,
    });
    state.refreshGrace.set(form.refresh_token, {
      response: { ...issued.response },
      token: issued.token,
      until: state.clock.now() + REFRESH_REUSE_GRACE_MS,
    });
    return { ...issued.response };
  }
  // RingCentral answers error "invalid_request" here, not RFC 6749's "unsupported_grant_type"
  // (a RingCentral staff answer quotes the body; ringcentral-api.md §2.1).
  throw new OAuthError(400, 'invalid_request', 'OAU-250', 'Unsupported grant type');
}

function sendError(ctx: Context, e: unknown): void {
  if (e instanceof RateLimited) return;
  if (e instanceof OAuthError) {
    if (e.status === 401) ctx.set('WWW-Authenticate', 'Basic realm="RingCentral OAuth"');
    sendOAuthError(ctx, e.status, e.error, e.errorCode, e.message);
    return;
  }
  throw e;
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** Enabled User extensions shown on the consent page (at most 500, in id order). */
function consentCandidates(state: EmulatorState): { id: string; label: string }[] {
  const out: { id: string; label: string }[] = [];
  for (const e of state.extensions.values()) {
    if (e.type !== 'User' || e.status !== 'Enabled') continue;
    out.push({ id: e.id, label: `${e.firstName} ${e.lastName} (${e.email})${e.admin ? ' — admin' : ''}` });
    if (out.length >= 500) break;
  }
  return out;
}

/**
 * The consent page. `personId` (the web console's `emulator_person` cookie: who is using the
 * console) preselects who approves and is named on the page.
 */
function consentPage(state: EmulatorState, p: AuthorizeParams, personId?: string): string {
  const hidden = Object.entries(p)
    .map(([k, v]) => `<input type="hidden" name="${escapeHtml(k)}" value="${escapeHtml(String(v))}">`)
    .join('\n      ');
  const options = consentCandidates(state)
    .map((c) => `<option value="${escapeHtml(c.id)}"${c.id === personId ? ' selected' : ''}>${escapeHtml(c.label)}</option>`)
    .join('\n        ');
  const who = personId ? state.extensions.get(personId) : undefined;
  const approver = who ? `<p>Approving as <strong>${escapeHtml(`${who.firstName} ${who.lastName}`)}</strong>, extension ${escapeHtml(who.extensionNumber)}.</p>` : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Sign in – RingCentral emulator</title>
<style>body{font-family:system-ui,sans-serif;max-width:34rem;margin:3rem auto;padding:0 1rem}select,button{font-size:1rem;margin:.4rem 0}</style>
</head><body>
  <h1>${escapeHtml(state.app.name)}</h1>
  <p>This app asks for access to your RingCentral account (${escapeHtml(requestedScopes(state, p.scope).join(', '))}).</p>
  ${approver}
  <form method="post" action="/restapi/oauth/authorize">
      ${hidden}
    <label for="extension_id">Sign in as</label><br>
    <select id="extension_id" name="extension_id">
        ${options}
    </select><br>
    <label for="extension_id_other">or extension id</label>
    <input id="extension_id_other" name="extension_id_other" inputmode="numeric" size="14"><br>
    <button type="submit" name="decision" value="approve">Approve</button>
    <button type="submit" name="decision" value="deny">Deny</button>
  </form>
</body></html>`;
}

/**
 * OAuth routes: `POST /restapi/oauth/token` (form-encoded only, else 415; grants jwt-bearer,
 * authorization_code with PKCE `S256|plain`, refresh_token), `POST /restapi/oauth/revoke`,
 * `GET|POST /restapi/oauth/authorize` (consent page; approving redirects with `code`, `state`,
 * `expires_in`). Errors use RingCentral's OAuth body (`sendOAuthError`). ringcentral-api.md §2.1.
 * `/restapi/oauth/wstoken` is served by the messaging part.
 */
export function oauthRouter(state: EmulatorState): Router {
  const router = new Router();

  router.post('/restapi/oauth/token', requireForm, formParser, async (ctx) => {
    try {
      const body = await tokenGrant(state, ctx, formOf(ctx));
      ctx.set('Cache-Control', 'no-store');
      ctx.set('Pragma', 'no-cache');
      ctx.body = body;
    } catch (e) {
      sendError(ctx, e);
    }
  });

  router.post('/restapi/oauth/revoke', async (ctx, next) => {
    if (ctx.request.length && !ctx.is('application/x-www-form-urlencoded')) {
      sendOAuthError(ctx, 415, 'invalid_request', 'OAU-101', 'Unsupported Media Type: use application/x-www-form-urlencoded');
      return;
    }
    return next();
  }, formParser, async (ctx) => {
    try {
      const form = formOf(ctx);
      const { clientId } = clientOf(state, ctx, form);
      if (!applyRateLimit(state, ctx, `anon|${clientId}|${ctx.ip}`, 'Auth')) return;
      const raw = form.token ?? (typeof ctx.query.token === 'string' ? ctx.query.token : undefined);
      if (!raw) throw new OAuthError(400, 'invalid_request', 'OAU-101', 'Parameter [token] is not specified');
      const t: IssuedToken | undefined = state.tokens.get(raw) ?? state.refreshTokens.get(raw) ?? state.refreshGrace.get(raw)?.token;
      if (t) {
        revokeSession(state, t.sessionId);
        for (const [rt, tok] of state.refreshTokens) if (tok.sessionId === t.sessionId) state.refreshTokens.delete(rt);
      }
      ctx.status = 200;
      ctx.body = '';
    } catch (e) {
      sendError(ctx, e);
    }
  });

  router.get('/restapi/oauth/authorize', (ctx) => {
    if (!applyRateLimit(state, ctx, `anon|${ctx.ip}`, 'Auth')) return;
    const p = authorizeParamsFrom(ctx.query as Record<string, unknown>);
    try {
      validateAuthorizeParams(state, p);
    } catch (e) {
      return sendError(ctx, e);
    }
    ctx.type = 'text/html; charset=utf-8';
    ctx.body = consentPage(state, p, ctx.cookies.get('emulator_person'));
  });

  router.post('/restapi/oauth/authorize', formParser, (ctx) => {
    const form = formOf(ctx);
    const p = authorizeParamsFrom({ ...(ctx.query as Record<string, unknown>), ...form });
    try {
      const redirect = validateAuthorizeParams(state, p);
      const other = form.extension_id_other?.trim();
      if (other) form.extension_id = other;
      if (!form.extension_id) {
        ctx.type = 'text/html; charset=utf-8';
        ctx.body = consentPage(state, p);
        return;
      }
      if (form.decision === 'deny') {
        const url = new URL(redirect);
        url.searchParams.set('error', 'access_denied');
        if (p.state !== undefined) url.searchParams.set('state', p.state);
        ctx.redirect(url.toString());
        return;
      }
      ctx.redirect(grantAuthorization(state, p, form.extension_id));
    } catch (e) {
      sendError(ctx, e);
    }
  });

  return router;
}
