import { createHash, timingSafeEqual } from 'node:crypto';
import type { Context } from 'koa';
import type { AuthorizationCode } from '../account-records.ts';
import type { EmulatorState } from '../emulator-state.ts';
import { issueUserToken, requestedScopes, verifyJwtCredential } from './oauth-tokens.ts';
import { applyRateLimit, parseBasicAuth } from './platform-middleware.ts';
import { ApiError } from '../api-error.ts';

/**
 * `POST /restapi/oauth/token` grants (docs/ringcentral-notes.md §2.1): client authentication,
 * jwt-bearer, authorization_code with PKCE, refresh_token with its reuse grace, and the Auth
 * usage plan group's rate limit.
 */

const JWT_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

/**
 * How long a just-used refresh token still answers with the same new tokens (RingCentral:
 * "about 10 s", docs/ringcentral-notes.md §2.1), ms of emulator time. After that it is invalid_grant.
 */
export const REFRESH_REUSE_GRACE_MS = 10_000;

/** A parsed form body of an OAuth request (one value per field). */
export type Form = Record<string, string | undefined>;

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * Identifies the client of a token/revoke request: `Basic` header (confidential) checked against
 * the app secret, else `client_id` in the form (public). Throws ApiError.oauth `invalid_client`.
 */
export function clientOf(state: EmulatorState, ctx: Context, form: Form): { clientId: string; confidential: boolean } {
  const basic = parseBasicAuth(ctx.get('Authorization'));
  if (basic) {
    if (basic.clientId !== state.app.clientId || !safeEqual(basic.clientSecret, state.app.clientSecret)) {
      throw ApiError.oauth(401, 'invalid_client', 'OAU-123', 'Invalid client credentials');
    }
    return { clientId: basic.clientId, confidential: true };
  }
  const id = form.client_id ?? (typeof ctx.query.client_id === 'string' ? ctx.query.client_id : undefined);
  if (!id) throw ApiError.oauth(401, 'invalid_client', 'OAU-123', 'Client authentication is required');
  if (id !== state.app.clientId) throw ApiError.oauth(400, 'invalid_client', 'OAU-153', `Invalid client: ${id}`);
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

/**
 * Runs the grant a `POST /restapi/oauth/token` form asks for and returns the token answer
 * (`access_token`, `expires_in`, `refresh_token`…). Throws ApiError.oauth for a refused grant,
 * ApiError 429 when the Auth usage plan group is exhausted.
 */
export async function tokenGrant(state: EmulatorState, ctx: Context, form: Form): Promise<Record<string, unknown>> {
  let client: { clientId: string; confidential: boolean };
  try {
    client = clientOf(state, ctx, form);
  } catch (e) {
    applyRateLimit(state, ctx, `anon|${ctx.ip}`, 'Auth');
    throw e;
  }
  const gate = (extensionId: string) => {
    applyRateLimit(state, ctx, `${extensionId}|${client.clientId}`, 'Auth');
  };
  const grant = form.grant_type;
  if (grant !== JWT_GRANT && grant !== 'authorization_code' && grant !== 'refresh_token') gate('unknown');
  const ttl = { accessTtlS: num(form.access_token_ttl), refreshTtlS: num(form.refresh_token_ttl) };
  if (!grant) throw ApiError.oauth(400, 'invalid_request', 'OAU-101', 'Parameter [grant_type] is not specified');
  if (grant === JWT_GRANT) {
    if (!client.confidential) throw ApiError.oauth(400, 'unauthorized_client', 'OAU-251', 'Unauthorized for this grant type');
    if (!form.assertion) throw ApiError.oauth(400, 'invalid_request', 'OAU-101', 'Parameter [assertion] is not specified');
    let extensionId: string;
    try {
      extensionId = await verifyJwtCredential(state, form.assertion);
    } catch (e) {
      gate('unknown');
      const expired = (e as { code?: string }).code === 'expired';
      throw ApiError.oauth(400, 'invalid_grant', expired ? 'OAU-210' : 'OAU-140', expired ? 'JWT token expired' : 'Invalid JWT token');
    }
    gate(extensionId);
    const ext = state.extensions.get(extensionId);
    if (!ext) throw ApiError.oauth(400, 'invalid_grant', 'OAU-232', 'Extension not found');
    if (ext.status !== 'Enabled') throw ApiError.oauth(400, 'invalid_grant', 'OAU-244', `Extension is ${ext.status}`);
    return { ...issueUserToken(state, { extensionId, clientId: client.clientId, scopes: requestedScopes(state, form.scope), ...ttl }).response };
  }
  if (grant === 'authorization_code') {
    if (!form.code) throw ApiError.oauth(400, 'invalid_request', 'OAU-101', 'Parameter [code] is not specified');
    const code = state.authCodes.get(form.code);
    gate(code?.extensionId ?? 'unknown');
    if (!code || code.used || code.clientId !== client.clientId) {
      throw ApiError.oauth(400, 'invalid_grant', 'OAU-109', 'Authorization code is invalid or was already used');
    }
    if (code.expiresAt <= state.clock.now()) throw ApiError.oauth(400, 'invalid_grant', 'OAU-109', 'Authorization code expired');
    if (form.redirect_uri && code.redirectUri && form.redirect_uri !== code.redirectUri) {
      throw ApiError.oauth(400, 'invalid_grant', 'OAU-113', 'Redirect URI does not match the one used to authorize');
    }
    if (code.codeChallenge) {
      if (!form.code_verifier) throw ApiError.oauth(400, 'invalid_request', 'OAU-101', 'Parameter [code_verifier] is not specified');
      if (!pkceMatches(code, form.code_verifier)) throw ApiError.oauth(400, 'invalid_grant', 'OAU-152', 'Invalid code_verifier');
    } else if (!client.confidential) {
      throw ApiError.oauth(401, 'invalid_client', 'OAU-123', 'Client authentication is required without PKCE');
    }
    code.used = true;
    state.authCodes.delete(code.code);
    return { ...issueUserToken(state, { extensionId: code.extensionId, clientId: client.clientId, scopes: code.scopes, ...ttl }).response };
  }
  if (grant === 'refresh_token') {
    if (!form.refresh_token) throw ApiError.oauth(400, 'invalid_request', 'OAU-101', 'Parameter [refresh_token] is not specified');
    const old = state.refreshTokens.get(form.refresh_token);
    const grace = old ? undefined : state.refreshGrace.get(form.refresh_token);
    gate(old?.extensionId ?? grace?.token.extensionId ?? 'unknown');
    if (grace && grace.until > state.clock.now() && !grace.token.revoked && grace.token.clientId === client.clientId) {
      // The same refresh token again within the grace period: the same new tokens (§2.1).
      return { ...grace.response };
    }
    if (!old || old.revoked || old.clientId !== client.clientId) throw ApiError.oauth(400, 'invalid_grant', 'OAU-213', 'Token not found');
    if ((old.refreshExpiresAt ?? 0) <= state.clock.now()) throw ApiError.oauth(400, 'invalid_grant', 'OAU-210', 'Token expired');
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
  // (a RingCentral staff answer quotes the body; docs/ringcentral-notes.md §2.1).
  throw ApiError.oauth(400, 'invalid_request', 'OAU-250', 'Unsupported grant type');
}
