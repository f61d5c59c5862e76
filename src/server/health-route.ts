/** `GET /health`: liveness plus what an operator wants to see (bot install, subscription, inbox). */
import type Router from '@koa/router';
import type { AppDeps } from './app-deps.ts';

/** Mounts `GET /health` → 200 JSON `{status, mode, bot, eventDelivery, inbox, dispatcher, eventLoopDelay}`. */
export function mountHealthRoute(router: Router, deps: AppDeps): void {
  router.get('/health', async (ctx) => {
    const installed = deps.platform.hasBot();
    ctx.body = {
      status: 'ok',
      mode: deps.mode,
      bot: installed ? { installed, extensionId: deps.platform.bot().extensionId } : { installed },
      eventDelivery: deps.platform.eventDeliveryStatus(),
      inbox: await deps.store.inbox.counts(),
      dispatcher: { inFlight: deps.dispatcher.inFlight() },
      ...(deps.eventLoopDelay ? { eventLoopDelay: deps.eventLoopDelay() } : {}),
    };
  });
}
