import { randomBytes } from 'node:crypto';
import { Router } from '@koa/router';
import type { WebSocket } from 'ws';
import type { Caller, EmulatorState } from '../emulator-state.ts';
import { callerOf } from '../request-helpers.ts';

/**
 * WebSocket access tokens and sessions of the gateway: `POST /restapi/oauth/wstoken` →
 * `{uri, ws_access_token, expires_in}` (docs/ringcentral-notes.md §8.3 step 1), and the per-emulator
 * bookkeeping of sessions and their `wsc` recovery tokens.
 */

/** Path of the WebSocket endpoint. */
export const WS_PATH = '/ws';
/** Lifetime of a ws_access_token, seconds (RingCentral's example answer: 600). */
export const WS_TOKEN_TTL_S = 600;

interface WsToken {
  caller: Caller;
  /** ms, emulator clock. */
  expiresAt: number;
}

export interface WsSession {
  id: string;
  wscToken: string;
  caller: Caller;
  ws?: WebSocket;
  sequence: number;
  /** Notification frames waiting for the client to come back (at most recoveryBufferSize). */
  buffer: string[];
  /** Real-time ms when the socket went away; undefined while connected. */
  disconnectedAt?: number;
  creationTime: string;
  /** True from a (re)connect until the buffer has been replayed; new notifications queue behind it. */
  replaying: boolean;
}

interface Gateway {
  tokens: Map<string, WsToken>;
  sessions: Map<string, WsSession>;
  /** wsc token → session id. */
  byWsc: Map<string, string>;
}

const gateways = new WeakMap<EmulatorState, Gateway>();

export function gatewayOf(state: EmulatorState): Gateway {
  let g = gateways.get(state);
  if (!g) {
    g = { tokens: new Map(), sessions: new Map(), byWsc: new Map() };
    gateways.set(state, g);
  }
  return g;
}

/** The ws:// URI clients connect to (no query string: the client appends `?access_token=`). */
export function webSocketUri(state: EmulatorState): string {
  return `${state.baseUrl.replace(/^http/, 'ws')}${WS_PATH}`;
}

/**
 * `POST /restapi/oauth/wstoken` (Bearer): issues a WebSocket access token for the caller,
 * answering `{uri, ws_access_token, expires_in}` (docs/ringcentral-notes.md §8.3 step 1).
 */
export function webSocketTokenRouter(state: EmulatorState): Router {
  const router = new Router();
  router.post('/restapi/oauth/wstoken', (ctx) => {
    const caller = callerOf(ctx, state);
    const token = `EMU-WS-${randomBytes(24).toString('base64url')}`;
    gatewayOf(state).tokens.set(token, { caller, expiresAt: state.clock.now() + WS_TOKEN_TTL_S * 1000 });
    ctx.body = { uri: webSocketUri(state), ws_access_token: token, expires_in: WS_TOKEN_TTL_S };
  });
  return router;
}
