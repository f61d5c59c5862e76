import { bodyParser } from '@koa/bodyparser';
import { Router } from '@koa/router';
import type { Context, Next } from 'koa';
import type { EmulatorState } from '../emulator-state.ts';
import type { IssuedToken } from '../account-records.ts';
import { revokeSession } from './oauth-tokens.ts';
import { applyRateLimit } from './platform-middleware.ts';
import { ApiError } from '../api-error.ts';
import { authorizeParamsFrom, consentPage, grantAuthorization, validateAuthorizeParams } from './oauth-authorization.ts';
import { clientOf, tokenGrant, type Form } from './oauth-grants.ts';

/**
 * The OAuth endpoints' HTTP side: form parsing and the routes; grants are in oauth-grants.ts,
 * the authorization-code flow and consent page in oauth-authorization.ts.
 */

function requireForm(ctx: Context, next: Next): Promise<void> | void {
  if (!ctx.is('application/x-www-form-urlencoded')) {
    throw ApiError.oauth(415, 'invalid_request', 'OAU-101', 'Unsupported Media Type: use application/x-www-form-urlencoded');
  }
  return next();
}

const formParser = bodyParser({ enableTypes: ['form'] });

function formOf(ctx: Context): Form {
  const body = (ctx.request.body ?? {}) as Record<string, unknown>;
  const out: Form = {};
  for (const [k, v] of Object.entries(body)) out[k] = typeof v === 'string' ? v : Array.isArray(v) ? String(v[0]) : undefined;
  return out;
}

/**
 * OAuth routes: `POST /restapi/oauth/token` (form-encoded only, else 415; grants jwt-bearer,
 * authorization_code with PKCE `S256|plain`, refresh_token), `POST /restapi/oauth/revoke`,
 * `GET|POST /restapi/oauth/authorize` (consent page; approving redirects with `code`, `state`,
 * `expires_in`). Errors are thrown as `ApiError.oauth` (RingCentral's OAuth body, rendered by `apiErrors()`). docs/ringcentral-notes.md §2.1.
 * `/restapi/oauth/wstoken` is served by the messaging part.
 */
export function oauthRouter(state: EmulatorState): Router {
  const router = new Router();

  router.post('/restapi/oauth/token', requireForm, formParser, async (ctx) => {
    const body = await tokenGrant(state, ctx, formOf(ctx));
    ctx.set('Cache-Control', 'no-store');
    ctx.set('Pragma', 'no-cache');
    ctx.body = body;
  });

  router.post('/restapi/oauth/revoke', async (ctx, next) => {
    if (ctx.request.length && !ctx.is('application/x-www-form-urlencoded')) {
      throw ApiError.oauth(415, 'invalid_request', 'OAU-101', 'Unsupported Media Type: use application/x-www-form-urlencoded');
    }
    return next();
  }, formParser, async (ctx) => {
    const form = formOf(ctx);
    const { clientId } = clientOf(state, ctx, form);
    applyRateLimit(state, ctx, `anon|${clientId}|${ctx.ip}`, 'Auth');
    const raw = form.token ?? (typeof ctx.query.token === 'string' ? ctx.query.token : undefined);
    if (!raw) throw ApiError.oauth(400, 'invalid_request', 'OAU-101', 'Parameter [token] is not specified');
    const t: IssuedToken | undefined = state.tokens.get(raw) ?? state.refreshTokens.get(raw) ?? state.refreshGrace.get(raw)?.token;
    if (t) {
      revokeSession(state, t.sessionId);
      for (const [rt, tok] of state.refreshTokens) if (tok.sessionId === t.sessionId) state.refreshTokens.delete(rt);
    }
    ctx.status = 200;
    ctx.body = '';
  });

  router.get('/restapi/oauth/authorize', (ctx) => {
    applyRateLimit(state, ctx, `anon|${ctx.ip}`, 'Auth');
    const p = authorizeParamsFrom(ctx.query as Record<string, unknown>);
    validateAuthorizeParams(state, p);
    ctx.type = 'text/html; charset=utf-8';
    ctx.body = consentPage(state, p, ctx.cookies.get('emulator_person'));
  });

  router.post('/restapi/oauth/authorize', formParser, (ctx) => {
    const form = formOf(ctx);
    const p = authorizeParamsFrom({ ...(ctx.query as Record<string, unknown>), ...form });
    const redirect = validateAuthorizeParams(state, p);
    const other = form.extension_id_other?.trim();
    if (other) form.extension_id = other;
    if (!form.extension_id) {
      ctx.type = 'text/html; charset=utf-8';
      ctx.body = consentPage(state, p, ctx.cookies.get('emulator_person'));
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
  });

  return router;
}
