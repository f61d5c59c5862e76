import { Router } from '@koa/router';
import type { EmulatorState } from '../emulator-state.ts';
import { createWebhookSubscription, deleteSubscription, getOwnSubscription, listOwnSubscriptions, renewSubscription, subscriptionView, updateSubscription } from './subscription-store.ts';
import { bodyObject, callerOf, jsonBody } from '../request-helpers.ts';

const BASE = '/restapi/v1.0/subscription';

/**
 * Subscription routes under `/restapi/v1.0/subscription` (SPEC; docs/ringcentral-notes.md §2.6):
 * POST (WebHook, 200 SubscriptionInfo), GET list `{uri, records}`, GET/PUT/DELETE `/{id}`,
 * POST `/{id}/renew`. Callers see only their own subscriptions (same extension and app).
 */
export function subscriptionRouter(state: EmulatorState): Router {
  const router = new Router();

  router.post(BASE, jsonBody, async (ctx) => {
    const caller = callerOf(ctx, state);
    const sub = await createWebhookSubscription(state, caller, bodyObject(ctx));
    ctx.status = 200;
    ctx.body = subscriptionView(state, sub);
  });

  router.get(BASE, (ctx) => {
    const caller = callerOf(ctx, state);
    ctx.body = {
      uri: `${state.baseUrl}${BASE}`,
      records: listOwnSubscriptions(state, caller).map((s) => subscriptionView(state, s)),
    };
  });

  router.get(`${BASE}/:id`, (ctx) => {
    const caller = callerOf(ctx, state);
    ctx.body = subscriptionView(state, getOwnSubscription(state, caller, ctx.params.id as string));
  });

  router.put(`${BASE}/:id`, jsonBody, (ctx) => {
    const caller = callerOf(ctx, state);
    const sub = getOwnSubscription(state, caller, ctx.params.id as string);
    ctx.body = subscriptionView(state, updateSubscription(state, sub, bodyObject(ctx)));
  });

  router.post(`${BASE}/:id/renew`, (ctx) => {
    const caller = callerOf(ctx, state);
    const sub = getOwnSubscription(state, caller, ctx.params.id as string);
    ctx.body = subscriptionView(state, renewSubscription(state, sub));
  });

  router.delete(`${BASE}/:id`, (ctx) => {
    const caller = callerOf(ctx, state);
    const sub = getOwnSubscription(state, caller, ctx.params.id as string, true);
    deleteSubscription(state, sub.id);
    ctx.status = 204;
  });

  return router;
}
