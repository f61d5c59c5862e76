import { randomBytes } from 'node:crypto';
import { SignJWT, jwtVerify } from 'jose';
import type { EmulatorState } from '../emulator-state.ts';
import type { IssuedToken } from '../account-records.ts';

/** Access token lifetime default and bounds, seconds (docs/ringcentral-notes.md §2.1 `access_token_ttl`). */
export const ACCESS_TTL_DEFAULT_S = 3600;
export const ACCESS_TTL_MIN_S = 600;
/** Refresh token lifetime default and maximum, seconds (§2.1 `refresh_token_ttl`). */
export const REFRESH_TTL_DEFAULT_S = 604_800;
export const REFRESH_TTL_MAX_S = 2_592_000;
/** A bot's "permanent" token lifetime, seconds (§4: `expires_in` 2147483647, no refresh token). */
export const BOT_TOKEN_EXPIRES_IN_S = 2_147_483_647;

/** Scopes a token gets when the app and the request say nothing else. */
export const DEFAULT_APP_SCOPES = [
  'ReadAccounts',
  'EditExtensions',
  'SubscriptionWebhook',
  'TeamMessaging',
  'Glip',
  'WebSocket',
];

/** The token response body of `/restapi/oauth/token` (`TokenInfo`, docs/ringcentral-notes.md §2.1). */
export interface TokenResponse {
  access_token: string;
  token_type: 'bearer';
  expires_in: number;
  refresh_token?: string;
  refresh_token_expires_in?: number;
  scope: string;
  owner_id: string;
  endpoint_id: string;
  session_id: string;
}

function opaque(prefix: string): string {
  return `${prefix}${randomBytes(24).toString('base64url')}`;
}

/** The scopes of `state.app` (default `DEFAULT_APP_SCOPES`). */
export function appScopes(state: EmulatorState): string[] {
  return state.app.scopes ?? DEFAULT_APP_SCOPES;
}

/**
 * Narrows the app's scopes to a space-separated `scope` request parameter (unknown names are
 * dropped); no parameter → every app scope.
 */
export function requestedScopes(state: EmulatorState, scope: string | undefined): string[] {
  const all = appScopes(state);
  if (!scope || !scope.trim()) return [...all];
  const asked = new Set(scope.split(/[\s,]+/).filter(Boolean));
  return all.filter((s) => asked.has(s));
}

export interface IssueOptions {
  extensionId: string;
  clientId: string;
  scopes: string[];
  /** Seconds, clamped to 600..3600; default 3600. */
  accessTtlS?: number;
  /** Seconds, clamped to 1..2592000; default 604800. */
  refreshTtlS?: number;
  /** Reuse a session (refresh keeps the session id). */
  sessionId?: string;
}

/** Issues a user access token + refresh token pair and stores both in `state`. */
export function issueUserToken(state: EmulatorState, o: IssueOptions): { token: IssuedToken; response: TokenResponse } {
  const now = state.clock.now();
  const accessTtl = clamp(o.accessTtlS ?? ACCESS_TTL_DEFAULT_S, ACCESS_TTL_MIN_S, ACCESS_TTL_DEFAULT_S);
  const refreshTtl = clamp(o.refreshTtlS ?? REFRESH_TTL_DEFAULT_S, 1, REFRESH_TTL_MAX_S);
  const token: IssuedToken = {
    accessToken: opaque('EMU-AT-'),
    refreshToken: opaque('EMU-RT-'),
    kind: 'user',
    extensionId: o.extensionId,
    clientId: o.clientId,
    scopes: o.scopes,
    sessionId: o.sessionId ?? randomBytes(12).toString('hex'),
    accessExpiresAt: now + accessTtl * 1000,
    refreshExpiresAt: now + refreshTtl * 1000,
    revoked: false,
  };
  state.tokens.set(token.accessToken, token);
  state.refreshTokens.set(token.refreshToken as string, token);
  return {
    token,
    response: {
      access_token: token.accessToken,
      token_type: 'bearer',
      expires_in: accessTtl,
      refresh_token: token.refreshToken,
      refresh_token_expires_in: refreshTtl,
      scope: token.scopes.join(' '),
      owner_id: token.extensionId,
      endpoint_id: endpointId(token.sessionId),
      session_id: token.sessionId,
    },
  };
}

/** Issues a bot's permanent access token (no refresh token) and stores it in `state`. */
export function issueBotToken(state: EmulatorState, extensionId: string, scopes: string[]): { token: IssuedToken; response: TokenResponse } {
  const token: IssuedToken = {
    accessToken: opaque('EMU-BOT-'),
    kind: 'bot',
    extensionId,
    clientId: state.app.clientId,
    scopes,
    sessionId: randomBytes(12).toString('hex'),
    accessExpiresAt: state.clock.now() + BOT_TOKEN_EXPIRES_IN_S * 1000,
    revoked: false,
  };
  state.tokens.set(token.accessToken, token);
  return {
    token,
    response: {
      access_token: token.accessToken,
      token_type: 'bearer',
      expires_in: BOT_TOKEN_EXPIRES_IN_S,
      scope: scopes.join(' '),
      owner_id: extensionId,
      endpoint_id: endpointId(token.sessionId),
      session_id: token.sessionId,
    },
  };
}

/** Marks every token of `sessionId` revoked (revoking one token ends the session, §2.1). */
export function revokeSession(state: EmulatorState, sessionId: string): number {
  let n = 0;
  for (const t of state.tokens.values()) {
    if (t.sessionId === sessionId && !t.revoked) {
      t.revoked = true;
      n++;
    }
  }
  return n;
}

function endpointId(sessionId: string): string {
  return `emu-${sessionId.slice(0, 12)}`;
}

function clamp(n: number, lo: number, hi: number): number {
  if (!Number.isFinite(n)) return hi;
  return Math.min(hi, Math.max(lo, Math.trunc(n)));
}

function key(secret: string): Uint8Array {
  return new TextEncoder().encode(secret);
}

/**
 * Signs a JWT credential for the jwt-bearer grant: HS256 with the emulator's key, `sub` =
 * extension id, `iss` = client id, valid for `ttlS` seconds (default 10 years) of real time.
 */
export async function signJwtCredential(state: EmulatorState, extensionId: string, ttlS = 10 * 365 * 86_400): Promise<string> {
  const nowS = Math.floor(state.clock.now() / 1000);
  return new SignJWT({ account: state.accountId })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(extensionId)
    .setIssuer(state.app.clientId)
    .setIssuedAt(nowS)
    .setExpirationTime(nowS + ttlS)
    .sign(key(state.jwtSecret));
}

/**
 * Verifies a jwt-bearer assertion signed HS256 with the emulator key or the app's client secret;
 * expiry is checked against the emulator clock. Returns the extension id (`sub`).
 * Throws `Error` with `code` `expired` or `invalid`.
 */
export async function verifyJwtCredential(state: EmulatorState, assertion: string): Promise<string> {
  const currentDate = state.clock.date();
  let lastError: unknown;
  for (const secret of [state.jwtSecret, state.app.clientSecret]) {
    try {
      const { payload } = await jwtVerify(assertion, key(secret), { algorithms: ['HS256'], currentDate });
      if (typeof payload.sub !== 'string' || !payload.sub) throw Object.assign(new Error('JWT has no sub'), { code: 'invalid' });
      return payload.sub;
    } catch (e) {
      lastError = e;
      if ((e as { code?: string }).code === 'ERR_JWT_EXPIRED') throw Object.assign(new Error('JWT expired'), { code: 'expired' });
    }
  }
  throw Object.assign(new Error(`invalid JWT: ${(lastError as Error)?.message ?? ''}`), { code: 'invalid' });
}
