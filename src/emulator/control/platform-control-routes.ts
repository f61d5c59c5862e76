import { bodyParser } from '@koa/bodyparser';
import { Router } from '@koa/router';
import type { Context } from 'koa';
import type { EmulatorState, InjectedFault } from '../emulator-state.ts';
import { extensionJson } from '../platform/extensions-routes.ts';
import { authorizeParamsFrom, grantAuthorization } from '../platform/oauth-authorization.ts';
import type { SeedOptions } from '../platform/seed-company.ts';
import { ApiError } from '../api-error.ts';
import { addExtension, resetState, stateSummary, str } from './account-setup.ts';
import { installBot, removeBot } from './bot-installation.ts';
import { interactiveMessagesOf, registerInteractiveMessages } from '../console/interactive-messages.ts';

/**
 * The platform routes of the emulator's `/_emulator` control API (docs/emulator.md#control-api).
 */

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
 * The platform part of the `/_emulator` control API (docs/emulator.md#control-api): reset, state,
 * extensions, requests, faults, oauth/consent, bots/install, clock, app/interactive-messages; plus
 * `DELETE /bots` (bot removal) and `GET`/`DELETE` on requests and faults. JSON in and out; errors
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

  // The app's Interactive Messages settings (the Developer Console's outbound URL and shared
  // secret): where the web console sends card button clicks, signed with the secret.
  router.put('/app/interactive-messages', (ctx) => {
    const b = bodyOf(ctx);
    let url: URL | undefined;
    try {
      url = new URL(str(b.url) ?? '');
    } catch {
      url = undefined;
    }
    if (!url || !['http:', 'https:'].includes(url.protocol)) return controlError(ctx, 400, 'url must be an http(s) URL');
    if (b.sharedSecret !== undefined && (typeof b.sharedSecret !== 'string' || b.sharedSecret === '')) return controlError(ctx, 400, 'sharedSecret must be a non-empty string');
    registerInteractiveMessages(state, { url: url.toString(), ...(typeof b.sharedSecret === 'string' ? { sharedSecret: b.sharedSecret } : {}) });
    ctx.body = { url: url.toString(), signed: typeof b.sharedSecret === 'string' };
  });
  router.get('/app/interactive-messages', (ctx) => {
    const current = interactiveMessagesOf(state);
    if (!current) return controlError(ctx, 404, 'no interactive-messages URL is registered');
    ctx.body = { url: current.url, signed: current.sharedSecret !== undefined };
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
