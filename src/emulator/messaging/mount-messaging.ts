import type http from 'node:http';
import type Koa from 'koa';
import type { EmulatorState } from '../emulator-state.ts';
import type { CloseHook } from '../create-emulator.ts';
import { teamMessagingRouter } from './team-messaging-routes.ts';
import { filesRouter } from './files-routes.ts';
import { subscriptionRouter } from '../subscriptions/subscription-routes.ts';
import { teamMessagingControlRouter } from '../control/messaging-control-routes.ts';
import { startSubscriptionDelivery } from '../subscriptions/subscription-delivery.ts';
import { attachWebSocketGateway as attachGateway } from '../subscriptions/websocket-gateway.ts';
import { webSocketTokenRouter } from '../subscriptions/websocket-sessions.ts';

import { createChat } from './chat-store.ts';

export { addMemberToChat, removeMemberFromChat, createChat } from './chat-store.ts';
export { createPost } from './post-store.ts';

export interface MessagingApiOptions {
  onClose: (hook: CloseHook) => void;
}

/**
 * Mounts the messaging part of the emulator on `app`: Team Messaging (`/team-messaging/v1`,
 * legacy `/restapi/v1.0/glip`), files and their media links (`/media/team-messaging/files`),
 * subscriptions (`/restapi/v1.0/subscription`), `POST /restapi/oauth/wstoken`, and the messaging
 * control routes under `/_emulator`. Starts notification delivery (stopped by the close hook).
 * Mounted after the platform part, whose middleware (recording, faults, auth, rate limits)
 * therefore runs first for these routes too.
 */
export function mountMessagingApi(app: Koa, state: EmulatorState, options: MessagingApiOptions): void {
  for (const router of [
    teamMessagingRouter(state),
    filesRouter(state),
    subscriptionRouter(state),
    webSocketTokenRouter(state),
    teamMessagingControlRouter(state),
  ]) {
    app.use(router.routes());
    app.use(router.allowedMethods());
  }
  const stopDelivery = startSubscriptionDelivery(state);
  // Installing a bot gives it its Personal chat, as RingCentral does (docs/ringcentral-notes.md §4).
  const onBotInstalled = (e: { extensionId?: string }) => {
    const id = e?.extensionId;
    if (!id || !state.extensions.has(id)) return;
    const has = [...state.chats.values()].some((c) => c.type === 'Personal' && c.members.length === 1 && c.members[0] === id);
    if (!has) createChat(state, { type: 'Personal', members: [id] });
  };
  const onReset = () => state.guests.clear();
  state.bus.on('reset', onReset);
  state.bus.on('botInstalled', onBotInstalled);
  options.onClose(async () => {
    state.bus.off('reset', onReset);
    state.bus.off('botInstalled', onBotInstalled);
    await stopDelivery();
  });
}

/**
 * Serves the WebSocket gateway on the same HTTP server (see websocket-gateway.ts):
 * `ws` with `noServer` on the server's `upgrade` event at `/ws`.
 */
export function attachWebSocketGateway(server: http.Server, state: EmulatorState, options: MessagingApiOptions): void {
  attachGateway(server, state, options);
}
