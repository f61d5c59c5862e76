import { randomBytes, randomUUID } from 'node:crypto';
import type http from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, WebSocket, type RawData } from 'ws';
import type { EmulatorState } from '../emulator-state.ts';
import { subscriptionRuntime } from './subscription-runtime.ts';
import { deleteSubscription } from './subscription-store.ts';
import { ApiError, apiErrorBody } from '../api-error.ts';
import { newRequestId } from '../request-id.ts';
import { executeSocketRest, isSocketRestPath } from './websocket-rest.ts';
import { WS_PATH, gatewayOf, type WsSession } from './websocket-sessions.ts';
import { handleSubscriptionRequest } from './websocket-subscriptions.ts';

/**
 * The WebSocket gateway @ringcentral/subscriptions 5 (via @rc-ex/ws) talks to, on the same HTTP
 * server as the REST API (docs/ringcentral-notes.md §8.3–8.5): the socket at
 * `/ws?access_token=…[&wsc=…]`; frames are JSON arrays `[meta]` / `[meta, body]`; the server
 * speaks first with ConnectionDetails (+`wsc`), answers ClientRequest frames (subscription
 * calls for the session itself: websocket-subscriptions.ts; any other API call through the REST
 * routes: websocket-rest.ts), pushes ServerNotification frames with an increasing
 * `wsc.sequence`, echoes Heartbeat, and recovers a dropped session when the client reconnects
 * with `&wsc=` within `recoveryTimeout` (buffered notifications are replayed).
 */

/**
 * Delay before buffered notifications are replayed after a (re)connect, ms. @rc-ex/ws attaches its
 * notification listener only after it has processed ConnectionDetails, so frames sent in the same
 * write would be missed.
 */
export const WS_REPLAY_DELAY_MS = 100;

/** Session settings sent in ConnectionDetails (values from docs/ringcentral-notes.md §8.3 step 4). */
export const WS_CONNECTION_DETAILS = {
  maxConnectionsPerSession: 5,
  recoveryBufferSize: 100,
  recoveryTimeout: 180,
  idleTimeout: 900,
  absoluteTimeout: 86_400,
  maxActiveRequests: 10,
} as const;

function frame(meta: Record<string, unknown>, body?: unknown): string {
  return JSON.stringify(body === undefined ? [meta] : [meta, body]);
}

function send(ws: WebSocket | undefined, data: string): boolean {
  if (!ws || ws.readyState !== WebSocket.OPEN) return false;
  ws.send(data);
  return true;
}

/** Options for attaching the gateway. */
export interface WebSocketGatewayOptions {
  onClose: (hook: () => Promise<void> | void) => void;
}

/**
 * Serves the gateway on `server`'s `upgrade` event (ws with `noServer`). Upgrades to any path other
 * than `/ws` are refused. Registers a close hook that terminates every socket, and listens on
 * `state.bus` `'reset'` to do the same and forget sessions and tokens. Also installs
 * `sendToSession` and `dropSockets` on the subscription runtime.
 */
export function attachWebSocketGateway(server: http.Server, state: EmulatorState, options: WebSocketGatewayOptions): void {
  const wss = new WebSocketServer({ noServer: true });
  const gateway = gatewayOf(state);
  const rt = subscriptionRuntime(state);

  const discardSession = (session: WsSession) => {
    gateway.sessions.delete(session.id);
    gateway.byWsc.delete(session.wscToken);
    for (const [subId, sessionId] of rt.webSocketSessions) {
      if (sessionId === session.id) deleteSubscription(state, subId);
    }
    if (session.ws && session.ws.readyState !== WebSocket.CLOSED) session.ws.terminate();
  };

  const sweep = setInterval(() => {
    const cutoff = Date.now() - WS_CONNECTION_DETAILS.recoveryTimeout * 1000;
    for (const s of [...gateway.sessions.values()]) {
      if (s.disconnectedAt !== undefined && s.disconnectedAt < cutoff) discardSession(s);
    }
    const now = state.clock.now();
    for (const [t, info] of gateway.tokens) if (info.expiresAt <= now) gateway.tokens.delete(t);
  }, 10_000);
  sweep.unref();

  rt.sendToSession = (sessionId, envelope) => {
    const session = gateway.sessions.get(sessionId);
    if (!session) return;
    session.sequence += 1;
    const data = frame(
      {
        type: 'ServerNotification',
        messageId: randomUUID(),
        status: 200,
        headers: { RCRequestId: newRequestId() },
        wsc: { token: session.wscToken, sequence: session.sequence },
      },
      envelope,
    );
    if (session.replaying || !send(session.ws, data)) {
      session.buffer.push(data);
      if (session.buffer.length > WS_CONNECTION_DETAILS.recoveryBufferSize) session.buffer.shift();
    }
  };

  rt.dropSockets = (recover) => {
    let dropped = 0;
    for (const session of [...gateway.sessions.values()]) {
      if (session.ws && session.ws.readyState === WebSocket.OPEN) {
        dropped += 1;
        session.ws.terminate();
      }
      if (!recover) discardSession(session);
    }
    return dropped;
  };

  const onReset = () => {
    for (const session of [...gateway.sessions.values()]) session.ws?.terminate();
    gateway.sessions.clear();
    gateway.byWsc.clear();
    gateway.tokens.clear();
  };
  state.bus.on('reset', onReset);

  const replyFrame = (session: WsSession, messageId: unknown, status: number, headers: Record<string, string>, payload?: unknown) =>
    send(session.ws, frame({ type: 'ClientRequest', messageId, status, headers }, payload));

  const handleRequest = (session: WsSession, meta: Record<string, unknown>, body: unknown): void => {
    const method = String(meta.method ?? 'GET').toUpperCase();
    const path = String(meta.path ?? '').split('?')[0] as string;
    const reply = (status: number, payload?: unknown) => {
      // Requests over the socket are API calls too: record them like HTTP ones (no usage plan group).
      state.requests.push({ at: state.isoNow(), method, path, status, callerExtensionId: session.caller.extensionId });
      return replyFrame(session, meta.messageId, status, { 'Content-Type': 'application/json', RCRequestId: newRequestId() }, payload);
    };
    const input = typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
    try {
      // Subscriptions made on the socket belong to its session; every other API call goes to the
      // REST routes (websocket-rest.ts), which record it themselves.
      if (handleSubscriptionRequest(state, session, method, path, input, reply)) return;
      if (isSocketRestPath(String(meta.path ?? ''))) {
        void executeSocketRest(state, session.caller, meta, body).then((answer) =>
          replyFrame(session, meta.messageId, answer.status, answer.headers, answer.body),
        );
        return;
      }
      throw new ApiError(404, 'CMN-120', 'Invalid URI');
    } catch (err) {
      // Runs inside a socket 'message' listener: rethrowing would end the process.
      const apiErr = err instanceof ApiError ? err : new ApiError(500, 'CMN-500', 'Internal Server Error');
      reply(apiErr.status, apiErrorBody(apiErr));
    }
  };

  const onConnection = (ws: WebSocket, url: URL) => {
    ws.on('error', () => undefined);
    const tokenInfo = gateway.tokens.get(url.searchParams.get('access_token') ?? '');
    if (!tokenInfo || tokenInfo.expiresAt <= state.clock.now()) {
      send(
        ws,
        frame(
          { type: 'Error', messageId: randomUUID(), status: 401, headers: {} },
          { errorCode: 'WSG-401', message: 'Invalid or expired WebSocket access token' },
        ),
      );
      ws.close(1008, 'Unauthorized');
      return;
    }
    const wsc = url.searchParams.get('wsc');
    let session: WsSession | undefined;
    let recoveryState: 'Successful' | 'Failed' | undefined;
    if (wsc !== null) {
      const previous = gateway.sessions.get(gateway.byWsc.get(wsc) ?? '');
      const withinTimeout =
        previous?.disconnectedAt === undefined ||
        Date.now() - previous.disconnectedAt <= WS_CONNECTION_DETAILS.recoveryTimeout * 1000;
      if (previous && withinTimeout && previous.caller.extensionId === tokenInfo.caller.extensionId) {
        if (previous.ws && previous.ws !== ws) previous.ws.terminate();
        session = previous;
        recoveryState = 'Successful';
      } else {
        if (previous) discardSession(previous);
        recoveryState = 'Failed';
      }
    }
    if (!session) {
      session = {
        id: randomUUID(),
        wscToken: randomBytes(16).toString('hex'),
        caller: tokenInfo.caller,
        sequence: 0,
        buffer: [],
        creationTime: state.isoNow(),
        replaying: false,
      };
      gateway.sessions.set(session.id, session);
      gateway.byWsc.set(session.wscToken, session.id);
    }
    const current = session;
    current.ws = ws;
    delete current.disconnectedAt;
    current.sequence += 1;
    const details: Record<string, unknown> = { creationTime: current.creationTime, ...WS_CONNECTION_DETAILS };
    if (recoveryState) details.recoveryState = recoveryState;
    send(
      ws,
      frame(
        {
          type: 'ConnectionDetails',
          messageId: randomUUID(),
          status: 200,
          headers: {},
          wsc: { token: current.wscToken, sequence: current.sequence },
        },
        details,
      ),
    );
    if (current.buffer.length > 0) {
      current.replaying = true;
      setTimeout(() => {
        current.replaying = false;
        if (current.ws !== ws) return;
        for (const data of current.buffer.splice(0)) send(ws, data);
      }, WS_REPLAY_DELAY_MS).unref();
    }

    ws.on('message', (raw: RawData) => {
      let parsed: unknown;
      try {
        parsed = JSON.parse(raw.toString());
      } catch {
        return;
      }
      if (!Array.isArray(parsed) || typeof parsed[0] !== 'object' || parsed[0] === null) return;
      const meta = parsed[0] as Record<string, unknown>;
      if (meta.type === 'Heartbeat') {
        send(ws, frame({ type: 'Heartbeat', messageId: meta.messageId, status: 200 }));
      } else if (meta.type === 'ClientRequest') {
        handleRequest(current, meta, parsed[1]);
      }
    });
    ws.on('close', () => {
      if (current.ws === ws) {
        delete current.ws;
        current.disconnectedAt = Date.now();
      }
    });
  };

  server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://emulator.invalid');
    } catch {
      // An unparseable request target (e.g. `GET http://[ HTTP/1.1`): throwing here would be an
      // uncaught exception in the server's 'upgrade' listener, so the socket is just dropped.
      socket.destroy();
      return;
    }
    if (url.pathname !== WS_PATH) {
      socket.destroy();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => onConnection(ws, url));
  });

  options.onClose(async () => {
    clearInterval(sweep);
    state.bus.off('reset', onReset);
    for (const client of wss.clients) client.terminate();
    await new Promise<void>((resolve) => wss.close(() => resolve()));
  });
}
