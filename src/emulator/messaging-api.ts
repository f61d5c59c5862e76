import type http from 'node:http';
import type Koa from 'koa';
import type { EmulatorState } from './emulator-state.ts';
import type { CloseHook } from './create-emulator.ts';

export interface MessagingApiOptions {
  onClose: (hook: CloseHook) => void;
}

/**
 * Mounts Team Messaging (`/team-messaging/v1`, legacy `/restapi/v1.0/glip`), subscriptions
 * and the messaging control routes. (Placeholder: the messaging part is being built.)
 */
export function mountMessagingApi(app: Koa, state: EmulatorState, options: MessagingApiOptions): void {
  void app;
  void state;
  void options;
}

/** Serves the WebSocket gateway on the same HTTP server. (Placeholder.) */
export function attachWebSocketGateway(server: http.Server, state: EmulatorState, options: MessagingApiOptions): void {
  void server;
  void state;
  void options;
}
