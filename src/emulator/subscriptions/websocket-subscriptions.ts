import type { EmulatorState } from '../emulator-state.ts';
import { createWebSocketSubscription, deleteSubscription, getOwnSubscription, renewSubscription, subscriptionView, updateSubscription } from './subscription-store.ts';
import type { WsSession } from './websocket-sessions.ts';

/**
 * Subscription calls a WebSocket session makes over its own socket (docs/ringcentral-notes.md §8.3 step 5).
 */

/**
 * Serves the subscription calls a socket makes for itself: `POST /restapi/v1.0/subscription`
 * (a WebSocket subscription bound to `session`), and `GET|PUT|DELETE …/{id}`, `POST …/{id}/renew`
 * on the caller's own subscriptions. Returns false for any other call. Throws ApiError (from the store).
 */
export function handleSubscriptionRequest(
  state: EmulatorState,
  session: WsSession,
  method: string,
  path: string,
  input: Record<string, unknown>,
  reply: (status: number, payload?: unknown) => boolean,
): boolean {
  const base = '/restapi/v1.0/subscription';
  const m = new RegExp(`^${base}/([^/]+)(/renew)?$`).exec(path);
  if (path === base && method === 'POST') {
    reply(200, subscriptionView(state, createWebSocketSubscription(state, session.caller, input, session.id)));
  } else if (m && !m[2] && method === 'GET') {
    reply(200, subscriptionView(state, getOwnSubscription(state, session.caller, m[1] as string)));
  } else if (m && !m[2] && method === 'PUT') {
    const sub = getOwnSubscription(state, session.caller, m[1] as string);
    reply(200, subscriptionView(state, updateSubscription(state, sub, input)));
  } else if (m && m[2] && method === 'POST') {
    const sub = getOwnSubscription(state, session.caller, m[1] as string);
    reply(200, subscriptionView(state, renewSubscription(state, sub)));
  } else if (m && !m[2] && method === 'DELETE') {
    const sub = getOwnSubscription(state, session.caller, m[1] as string, true);
    deleteSubscription(state, sub.id);
    reply(204);
  } else {
    return false;
  }
  return true;
}
