import { randomBytes } from 'node:crypto';
import type { AuthorizationCode } from '../account-records.ts';
import type { EmulatorState } from '../emulator-state.ts';
import { requestedScopes } from './oauth-tokens.ts';
import { ApiError } from '../api-error.ts';

/**
 * The authorization-code flow's first half (docs/ringcentral-notes.md §2.1): checking authorize
 * parameters, the consent page a person approves on, and issuing the one-use code.
 */

/** Authorization code lifetime, seconds (the redirect carries `expires_in=60`, docs/ringcentral-notes.md §2.1). */
export const AUTH_CODE_TTL_S = 60;

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

/**
 * Validates authorize parameters against `state.app` (client id, `response_type=code`,
 * redirect URI registered or — when the app registers none — any absolute http(s) URI that
 * parses as a URL, PKCE method `plain|S256`). Returns the redirect URI to use. Throws ApiError.oauth
 * (400 OAU-101/OAU-112/OAU-113/OAU-153).
 */
export function validateAuthorizeParams(state: EmulatorState, p: AuthorizeParams): string {
  if (!p.client_id) throw ApiError.oauth(400, 'invalid_request', 'OAU-101', 'Parameter [client_id] is not specified');
  if (p.client_id !== state.app.clientId) throw ApiError.oauth(400, 'invalid_client', 'OAU-153', `Invalid client: ${p.client_id}`);
  if (p.response_type !== 'code') {
    throw ApiError.oauth(400, 'unsupported_response_type', 'OAU-112', 'Unsupported response_type; only "code" is supported');
  }
  let redirect = p.redirect_uri;
  if (!redirect) {
    if (state.app.redirectUris.length === 1) redirect = state.app.redirectUris[0]!;
    else throw ApiError.oauth(400, 'invalid_request', 'OAU-101', 'Parameter [redirect_uri] is not specified');
  }
  if (state.app.redirectUris.length > 0 && !state.app.redirectUris.includes(redirect)) {
    throw ApiError.oauth(400, 'invalid_request', 'OAU-113', 'Redirect URI does not match the registered one');
  }
  if (!/^https?:\/\//i.test(redirect) || !URL.canParse(redirect)) {
    // `URL.canParse`: a URI such as `http://[` passes the scheme test but can't carry the code.
    throw ApiError.oauth(400, 'invalid_request', 'OAU-113', 'Invalid redirect_uri');
  }
  if (p.code_challenge_method && !['plain', 'S256'].includes(p.code_challenge_method)) {
    throw ApiError.oauth(400, 'invalid_request', 'OAU-101', 'Unsupported code_challenge_method');
  }
  return redirect;
}

/**
 * A person approves an authorization request: issues a one-use code valid 60 s and returns the
 * redirect location `<redirect_uri>?code=…&state=…&expires_in=60` (docs/ringcentral-notes.md §2.1).
 * Throws ApiError.oauth for bad parameters or an extension that can't sign in.
 */
export function grantAuthorization(state: EmulatorState, p: AuthorizeParams, extensionId: string): string {
  const redirect = validateAuthorizeParams(state, p);
  const ext = state.extensions.get(extensionId);
  if (!ext) throw ApiError.oauth(400, 'invalid_request', 'OAU-232', 'Extension not found');
  if (ext.status !== 'Enabled') throw ApiError.oauth(400, 'access_denied', 'OAU-244', `Extension is ${ext.status}`);
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
 * The HTML consent page for an authorize request: pick a person, approve or deny. `personId`
 * (the web console's `emulator_person` cookie: who is using the console) preselects who
 * approves and is named on the page.
 */
export function consentPage(state: EmulatorState, p: AuthorizeParams, personId?: string): string {
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
