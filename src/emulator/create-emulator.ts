import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import { EmulatorState, type EmulatorSettings } from './emulator-state.ts';
import { mountPlatformApi } from './platform/mount-platform.ts';
import { mountMessagingApi, attachWebSocketGateway } from './messaging/mount-messaging.ts';
import { requestId } from './request-id.ts';
import { consoleRouter } from './console/console-routes.ts';

/** Path prefix of the emulator's file links (attachments); the demo lets the bot download from it. */
export { FILES_MEDIA_PREFIX } from './messaging/file-store.ts';

export interface EmulatorOptions extends Partial<EmulatorSettings> {
  /** TCP port; 0 (default) lets the OS choose. */
  port?: number;
  /** Interface to bind; default 127.0.0.1. */
  host?: string;
  /** Seed the demo company at start: `{users, withPhotoRatio}` (see `POST /_emulator/reset`). */
  seed?: { users?: number; withPhotoRatio?: number };
}

export interface Emulator {
  /** Base URL, e.g. `http://127.0.0.1:43121` (no trailing slash). */
  url: string;
  port: number;
  state: EmulatorState;
  server: http.Server;
  /** Stops listening, ends WebSocket sessions and pending deliveries. */
  close(): Promise<void>;
}

/** Hooks a part of the emulator registers so `close()` can end what it started. */
export type CloseHook = () => Promise<void> | void;

/**
 * Starts the local RingCentral: platform API, media routes, Team Messaging, subscriptions
 * (WebHook deliveries and the WebSocket gateway) and the `/_emulator` control API, all on one port.
 * Resolves once listening. Rejects with the listen error (e.g. `EADDRINUSE`, `ENOTFOUND` for an
 * unknown host) after stopping what it had started, or with RangeError for bad seed options.
 */
export async function createEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const state = new EmulatorState();
  const { port = 0, host = '127.0.0.1', seed, ...settings } = options;
  state.settings = { ...state.settings, ...stripUndefined(settings) };
  const app = new Koa();
  app.use(requestId);
  const closeHooks: CloseHook[] = [];
  const platformReady = mountPlatformApi(app, state, { seed, onClose: (h) => closeHooks.push(h) });
  platformReady.catch(() => undefined);
  mountMessagingApi(app, state, { onClose: (h) => closeHooks.push(h) });
  app.use(consoleRouter(state).routes());
  // eslint-disable-next-line @typescript-eslint/no-misused-promises -- koa's callback settles its own errors (ctx.onerror); it never rejects
  const server = http.createServer(app.callback());
  attachWebSocketGateway(server, state, { onClose: (h) => closeHooks.push(h) });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
  } catch (e) {
    // Port taken, host unknown…: end what the parts started (delivery queues, bus listeners).
    await platformReady.catch(() => undefined);
    for (const hook of closeHooks.reverse()) await hook();
    throw e;
  }
  const address = server.address() as AddressInfo;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
  state.baseUrl = url;
  try {
    await platformReady;
  } catch (e) {
    // Invalid seed options: don't leave a half-started emulator listening.
    for (const hook of closeHooks.reverse()) await hook();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    throw e;
  }
  return {
    url,
    port: address.port,
    state,
    server,
    async close() {
      for (const hook of closeHooks.reverse()) await hook();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
