/**
 * The koa app: error middleware first (koa's model: `status` + `expose`), then a one-line
 * request log, then the routes. Error answers are small so a webhook response stays far below
 * RingCentral's 1024-byte limit.
 */
import Koa from 'koa';
import Router from '@koa/router';
import type { AppDeps } from './app-deps.ts';
import { mountWebhookRoute } from './webhook-route.ts';
import { mountOauthRoutes } from './oauth-routes.ts';
import { mountInteractiveRoute } from './interactive-route.ts';
import { mountHealthRoute } from './health-route.ts';

/** Builds the app over `deps`; no I/O until it is listened on. */
export function createApp(deps: AppDeps): Koa {
  const app = new Koa();
  app.proxy = true;
  app.silent = true;

  app.use(async (ctx, next) => {
    const started = performance.now();
    try {
      await next();
    } catch (e) {
      const err = e as { status?: number; statusCode?: number; expose?: boolean; message?: string; code?: string };
      const status = err.status ?? err.statusCode ?? 500;
      ctx.status = status >= 400 && status < 600 ? status : 500;
      ctx.type = 'application/json';
      ctx.body = { error: err.expose && err.message ? err.message : ctx.status >= 500 ? 'Internal error' : 'Request refused' };
      const level = ctx.status >= 500 ? 'error' : 'warn';
      deps.logger[level]({ err: e, method: ctx.method, path: ctx.path, status: ctx.status }, 'request failed');
    } finally {
      // Webhook and health requests log at debug: at the usual levels their line is not even built.
      const level = ctx.path === '/webhook' || ctx.path === '/health' ? 'debug' : 'info';
      if (deps.logger.isLevelEnabled(level)) {
        const ms = Math.round((performance.now() - started) * 10) / 10;
        deps.logger[level]({ method: ctx.method, path: ctx.path, status: ctx.status, ms, eventUuid: ctx.state.eventUuid, outcome: ctx.state.outcome }, 'request');
      }
    }
  });

  const router = new Router();
  mountWebhookRoute(router, deps);
  mountOauthRoutes(router, deps);
  mountInteractiveRoute(router, deps);
  mountHealthRoute(router, deps);
  app.use(router.routes());
  app.use(router.allowedMethods());
  return app;
}
