/**
 * Starts the koa app of the bot on port 0 over a real temp SQLite store and a real dispatcher
 * (its handler records the events). The platform is only the part `/health` reads; route tests
 * never reach RingCentral.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp } from '../../src/server/create-app.ts';
import type { AppDeps } from '../../src/server/app-deps.ts';
import { openStore } from '../../src/store/open-store.ts';
import { createDispatcher } from '../../src/events/create-dispatcher.ts';
import type { RingCentralPlatform } from '../../src/platform/ringcentral-client.ts';
import type { InboxEvent, Store } from '../../src/store/store.ts';
import { tempDatabase } from './temp-database.ts';
import { captureLogger } from './capture-logger.ts';

export async function startApp(over: Partial<AppDeps> = {}) {
  const db = tempDatabase();
  const store: Store = await openStore(db.url);
  const handled: InboxEvent[] = [];
  const cap = captureLogger();
  const dispatcher = createDispatcher({ inbox: store.inbox, logger: cap.logger, handle: async (e) => void handled.push(e) });
  await dispatcher.start();
  const platform = {
    hasBot: () => false,
    eventDeliveryStatus: () => ({ mode: 'webhook', state: 'starting' }),
  } as unknown as RingCentralPlatform;
  const deps: AppDeps = {
    logger: cap.logger,
    store,
    dispatcher,
    platform,
    completeAuthorization: () => Promise.reject(new Error('no sign-in in this test')),
    mode: 'ringcentral',
    clientId: 'client-1',
    verificationToken: 'verification-token-0123456789',
    sharedSecret: 'shared-secret',
    maxBodyBytes: 4096,
    baseUrl: () => url,
    installBot: async () => ({ extensionId: '1' }),
    now: Date.now,
    ...over,
  };
  // eslint-disable-next-line @typescript-eslint/no-misused-promises -- koa's callback settles its own errors (ctx.onerror); it never rejects
  const server = http.createServer(createApp(deps).callback());
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    store,
    dispatcher,
    handled,
    logs: cap,
    deps,
    async close() {
      await dispatcher.stop();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      await store.close();
      db.cleanup();
    },
  };
}
