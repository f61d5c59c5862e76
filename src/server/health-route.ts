/** `GET /health`: liveness plus what an operator wants to see (bot install, subscription, inbox). */
import type Router from '@koa/router';
import type { AppDeps } from './app-deps.ts';

/**
 * Mounts `GET /health` → 200 JSON `{status, mode, bot, eventDelivery, problems, lastNotificationAt,
 * catchUp, inbox, dispatcher, eventLoopDelay}`; 503 with `status: 'delivery-broken'` when event
 * delivery is known to be broken (server/delivery-health.ts).
 */
export function mountHealthRoute(router: Router, deps: AppDeps): void {
  router.get('/health', async (ctx) => {
    const installed = deps.platform.hasBot();
    const delivery = deps.deliveryHealth?.();
    if (delivery?.broken) ctx.status = 503;
    ctx.body = {
      status: delivery?.broken ? 'delivery-broken' : 'ok',
      mode: deps.mode,
      bot: installed ? { installed, extensionId: deps.platform.bot().extensionId } : { installed },
      eventDelivery: deps.platform.eventDeliveryStatus(),
      ...(delivery ? { problems: delivery.problems, lastNotificationAt: delivery.lastNotificationAt, catchUp: delivery.catchUp } : {}),
      inbox: await deps.store.inbox.counts(),
      dispatcher: { inFlight: deps.dispatcher.inFlight() },
      ...(deps.eventLoopDelay ? { eventLoopDelay: deps.eventLoopDelay() } : {}),
    };
  });
}
