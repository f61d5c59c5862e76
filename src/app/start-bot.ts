/**
 * The composition root: assembles and starts the bot in named steps — secrets, store, platform,
 * commands, delivery, install, schedule — around the HTTP server (src/server, transport only).
 * `close()` is the graceful shutdown: stop taking work, drain, close platform and store.
 */
import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Config } from '../config.ts';
import type { Logger } from '../logger.ts';
import type { NotificationEnvelope, RingCentralPlatform } from '../platform/ringcentral-client.ts';
import type { Store } from '../store/store.ts';
import { createEncryptedTokenVault } from '../users/encrypted-token-vault.ts';
import { createUserAuthorization, SignInCodeRefusedError, SignInWrongPersonError } from '../users/user-authorization.ts';
import { createDispatcher, type Dispatcher } from '../events/create-dispatcher.ts';
import { createNoWorkFilter } from '../events/needs-no-work.ts';
import { handleEvent, type AuthorizationCompletedPayload, type AuthorizationRefusedPayload } from '../events/handle-event.ts';
import { createCommandRegistry, type Command } from '../commands/command-registry.ts';
import { createCommands } from '../commands/index.ts';
import type { BotServices, ProcessAvatar } from '../commands/command-context.ts';
import { createAuditCommands } from '../commands/audit-commands.ts';
import type { BotAudit } from '../audit/bot-audit.ts';
import { createApp } from '../server/create-app.ts';
import { createEventLoopMonitor } from '../server/event-loop-monitor.ts';
import { tokenCipherFor, verificationTokenFor } from './secrets.ts';
import { openBotStore, startHousekeeping } from './store.ts';
import { createBotPlatform, type PlatformFactory } from './platform.ts';
import { prepareEventDelivery } from './delivery.ts';
import { createBotTokenSync, createInstallBot, installKnownToken, knownBotToken } from './install.ts';
import { createAudit } from './schedule.ts';
import { createCatchUp } from '../events/catch-up.ts';
import { isShuttingDown } from '../platform/platform-errors.ts';
import { deliveryHealth } from '../server/delivery-health.ts';

export type { PlatformFactory, PlatformFactoryOptions } from './platform.ts';
export { INBOX_RETENTION_MS } from './store.ts';

export interface StartBotOptions {
  config: Config;
  logger: Logger;
  createPlatform: PlatformFactory;
  processAvatar: ProcessAvatar;
  /** Commands added to the built-in ones (audit commands). */
  extraCommands?: Command[];
  /**
   * RingCentral app settings when `config.ringcentral` is absent (demo mode fills them in from
   * the emulator).
   */
  app?: { serverUrl: string; clientId: string; clientSecret: string };
  /**
   * Base URL for WebHook delivery and redirect URIs. Default: `config.publicUrl`; 'bound' uses
   * the address we listen on (demo mode, tests); undefined → WebSocket delivery.
   */
  webhookBase?: 'bound' | 'public';
  /** File link path prefixes besides config.attachmentFilePaths (demo mode: the emulator's). */
  extraAttachmentFilePaths?: string[];
  now?: () => number;
}

export interface RunningBot {
  /** e.g. http://127.0.0.1:3000 */
  url: string;
  port: number;
  store: Store;
  platform: RingCentralPlatform;
  dispatcher: Dispatcher;
  verificationToken: string;
  /** The audit of missing photos: commands' service, admin chats, the schedule (started). */
  audit: BotAudit;
  /** Graceful shutdown (idempotent): server stops accepting, dispatcher drains, platform and store close. */
  close(): Promise<void>;
}

/*
 * The stop, counted from its start (Heroku sends SIGKILL 30 s after SIGTERM; src/app/shutdown.ts
 * exits 1 at 25 s):
 *   0 – 2 s  intake stops; busy connections finish their answer (SERVER_CLOSE_WAIT_MS);
 *   – 15 s   the inbox drains (DRAIN_UNTIL_MS); a RingCentral call that would wait past that for
 *            the rate limits fails at once, and its event is handed back instead of holding the drain;
 *   – 17 s   handlers still running may finish (STOP_UNTIL_MS);
 *   then     the platform closes (nothing is sent after it), whatever still runs is handed back
 *            to the inbox (due at once, attempt not counted) for another instance or the next
 *            start, and the store closes.
 */
/** Longest wait for busy connections to finish their answer at shutdown, ms. */
const SERVER_CLOSE_WAIT_MS = 2_000;
/**
 * The inbox uuid part for a sign-in's `state`: a digest, so event uuids (which are logged) never
 * carry the state itself; the same state still gives the same uuid (a replayed callback dedupes).
 */
function stateDigest(state: string): string {
  return crypto.createHash('sha256').update(state).digest('hex').slice(0, 32);
}

/** End of the inbox drain, ms after the stop began. */
const DRAIN_UNTIL_MS = 15_000;
/** End of the wait for handlers still running, ms after the stop began. */
const STOP_UNTIL_MS = 17_000;

/**
 * Starts everything; resolves once listening on `config.port` (0 = any) and, when a bot token
 * is known, after it was installed (event delivery continues in the background; see /health).
 * Throws when the port can't be bound or the store can't be opened.
 */
export async function startBot(opts: StartBotOptions): Promise<RunningBot> {
  const { config, logger } = opts;
  const now = opts.now ?? Date.now;
  const app = opts.app ?? config.ringcentral;
  if (!app) throw new Error('startBot needs RingCentral app settings (config.ringcentral or options.app)');
  let closing = false;
  const isClosing = () => closing;

  // store + secrets
  const store = await openBotStore(config);
  const cipher = await tokenCipherFor(config, store, logger);
  const vault = createEncryptedTokenVault(store, cipher, now);
  const verificationToken = await verificationTokenFor(config, store, cipher);

  // platform
  let baseUrl = config.publicUrl ?? '';
  const webhookBase = opts.webhookBase ?? (config.publicUrl ? 'public' : undefined);
  const platform = createBotPlatform({
    createPlatform: opts.createPlatform,
    app,
    vault,
    store,
    logger,
    timeouts: { api: config.ringcentralTimeouts.apiMs, download: config.ringcentralTimeouts.downloadMs, upload: config.ringcentralTimeouts.uploadMs },
    attachmentFilePaths: [...config.attachmentFilePaths, ...(opts.extraAttachmentFilePaths ?? [])],
    subscriptionCheckIntervalMs: config.subscriptionCheckSeconds * 1000,
    deliveryMode: webhookBase ? 'webhook' : 'websocket',
  });
  let redirectUri = '';
  const auth = createUserAuthorization({ platform, vault, store, cipher, redirectUri: () => redirectUri, now });

  // commands + the dispatcher over the inbox
  const audit = createAudit({ config, store, platform, logger, now });
  const registry = createCommandRegistry(createCommands([...createAuditCommands(audit), ...(opts.extraCommands ?? [])]));
  const noWork = createNoWorkFilter();
  const needsNoWork = (envelope: NotificationEnvelope) => noWork.needsNoWork(envelope, platform.hasBot() ? platform.bot().extensionId : undefined);
  const services: BotServices = {
    platform,
    store,
    auth,
    processAvatar: opts.processAvatar,
    registry: () => registry,
    settings: {
      avatarSize: config.avatarSize,
      imageEngine: config.imageEngine,
      maxAttachmentBytes: config.maxAttachmentBytes,
      maxInputPixels: config.avatarMaxInputPixels,
      avatarTimeoutMs: config.avatarTimeoutMs,
      floodCommandsPerMinute: config.floodCommandsPerMinute,
      cardButtons: Boolean(config.sharedSecret),
    },
    now,
    ...(config.testCrashAfter === 'reply'
      ? {
          testHooks: {
            afterReply: () => {
              logger.warn('BOT_TEST_CRASH_AFTER=reply: killing this process right after the reply');
              process.kill(process.pid, 'SIGKILL');
            },
          },
        }
      : {}),
    onChatType: (chatId, type) => noWork.rememberChatType(chatId, type),
  };
  let lastNotificationAt: number | undefined;
  const dispatcher = createDispatcher({
    inbox: store.inbox,
    handle: (event, log) => handleEvent(event, log, services),
    logger: logger.child({ module: 'dispatcher' }),
    concurrency: config.dispatcherConcurrency,
    heavyConcurrency: config.heavyConcurrency,
    renewEveryMs: Math.max(500, Math.floor((config.inboxLeaseSeconds * 1000) / 3)),
    isStopRefusal: isShuttingDown,
    now,
  });

  // delivery + catch-up after gaps + install
  const catchUp = createCatchUp({
    platform,
    store,
    notify: () => dispatcher.notify(),
    windowMs: config.catchUpWindowHours * 3_600_000,
    logger: logger.child({ module: 'catch-up' }),
    now,
  });
  const delivery = await prepareEventDelivery({
    platform,
    store,
    dispatcher,
    verificationToken,
    publicUrl: () => (webhookBase ? baseUrl : undefined),
    isClosing,
    logger,
    now,
    checkIntervalMs: config.subscriptionCheckSeconds * 1000,
    onDeliveryGap: (reason) => catchUp.request(reason),
    onNotification: () => (lastNotificationAt = now()),
  });
  const botTokenSync = createBotTokenSync({ platform, store, cipher, logger, onInstalled: () => delivery.start() });
  const installBot = createInstallBot({ platform, store, cipher, onInstalled: () => delivery.start(), sync: botTokenSync });

  // the HTTP server (transport)
  const loopDelay = createEventLoopMonitor();
  const koa = createApp({
    eventLoopDelay: () => loopDelay.snapshot(),
    onNotification: () => (lastNotificationAt = now()),
    deliveryHealth: () => deliveryHealth({ status: platform.eventDeliveryStatus(), lastNotificationAt, catchUp: catchUp.status(), now: now() }),
    needsNoWork,
    logger,
    store,
    dispatcher,
    platform,
    completeAuthorization: async ({ state, code }) => {
      let done;
      try {
        done = await auth.complete({ state, code });
      } catch (e) {
        // The requester learns in their chat that the link didn't work, with a fresh one.
        if (e instanceof SignInCodeRefusedError || e instanceof SignInWrongPersonError) {
          const reason = e instanceof SignInWrongPersonError ? 'wrong-person' : 'code-refused';
          const refusal: AuthorizationRefusedPayload = { type: 'authorization-refused', reason, ...e.pending };
          await store.inbox.accept({ uuid: `authorization-refused:${stateDigest(state)}`, source: 'internal', payload: refusal, lane: 'light' }, now());
          dispatcher.notify();
        }
        throw e;
      }
      const payload: AuthorizationCompletedPayload = { type: 'authorization-completed', ...done };
      await store.inbox.accept({ uuid: `authorization:${stateDigest(state)}`, source: 'internal', payload, lane: 'heavy' }, now());
      dispatcher.notify();
      return done;
    },
    mode: config.mode,
    clientId: app.clientId,
    verificationToken,
    ...(config.sharedSecret ? { sharedSecret: config.sharedSecret } : {}),
    maxBodyBytes: config.maxWebhookBodyBytes,
    baseUrl: () => baseUrl,
    installBot,
    now,
  });
  // eslint-disable-next-line @typescript-eslint/no-misused-promises -- koa's callback settles its own errors (ctx.onerror); it never rejects
  const server = http.createServer(koa.callback());
  server.keepAliveTimeout = 5_000;
  // A request that hasn't arrived whole within this time is cut off (Node's default is 300 s):
  // a slow trickle of bytes can't hold a connection and its socket for minutes. Deliveries are
  // a few KB, a sign-in return a URL; RingCentral itself waits a few seconds for our answer.
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const boundHost = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
  const boundUrl = `http://${boundHost}:${port}`;
  if (!baseUrl || webhookBase === 'bound') baseUrl = boundUrl;
  redirectUri = `${baseUrl}/oauth/user`;
  if (!config.publicUrl && config.mode !== 'demo') {
    logger.warn({ redirectUri }, 'no PUBLIC_URL: sign-in links come back to this address, which only a browser on this machine can reach');
  }
  logger.info({ url: boundUrl, baseUrl, delivery: webhookBase ? 'webhook' : 'websocket', mode: config.mode }, 'listening');

  // install the known token (stored, else RINGCENTRAL_BOT_TOKEN)
  const token = await knownBotToken(store, cipher, config.ringcentral?.botToken, logger);
  let cancelInstallRetry = () => {};
  if (token) {
    cancelInstallRetry = await installKnownToken({ token, installBot, platform, store, isClosing, logger });
  } else {
    logger.info(`no bot installed yet: install it so RingCentral posts its token to ${baseUrl}/oauth`);
  }
  // Only now: events left in the inbox by the last run need the bot's token to be handled.
  await dispatcher.start();

  // schedule: housekeeping and the audit
  const stopHousekeeping = startHousekeeping(store, now, logger);
  // Several instances share one store: an install, a rotated token or a removal made through
  // another instance reaches this one within BOT_TOKEN_CHECK_SECONDS.
  const stopBotTokenSync = botTokenSync.start(config.botTokenCheckSeconds * 1000);
  audit.startSchedule();

  let closed: Promise<void> | undefined;
  return {
    url: boundUrl,
    port,
    store,
    platform,
    dispatcher,
    verificationToken,
    audit,
    close() {
      closed ??= (async () => {
        const began = Date.now();
        const left = (untilMs: number) => Math.max(0, began + untilMs - Date.now());
        closing = true;
        stopHousekeeping();
        stopBotTokenSync();
        cancelInstallRetry();
        // No new catch-up or audit from now on; those running end meanwhile (awaited below).
        const catchUpStopped = catchUp.stop().catch((e: unknown) => logger.error({ err: e }, 'catch-up stop failed'));
        const auditStopped = audit.stop().catch((e: unknown) => logger.error({ err: e }, 'audit stop failed'));
        // Stop intake: no new connections; idle keep-alive ones close now, busy ones after their
        // answer (bounded), so every delivery we answered 200 is in the inbox before the drain.
        const serverClosed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        await Promise.race([serverClosed, new Promise((r) => setTimeout(r, SERVER_CLOSE_WAIT_MS).unref())]);
        server.closeAllConnections();
        // Drain what was accepted, until the deadline. Work that can't be done by then (a call
        // held back by RingCentral's rate limits past it) is handed back at once, not waited for.
        platform.finishBy(began + DRAIN_UNTIL_MS);
        const drained = await dispatcher.finish(left(DRAIN_UNTIL_MS));
        if (!drained) logger.warn({ inFlight: dispatcher.inFlight(), drainMs: DRAIN_UNTIL_MS }, 'the inbox was not drained in time; what is left goes to another instance or the next start');
        await dispatcher.stop(left(STOP_UNTIL_MS));
        // Nothing reaches RingCentral after this, so an event handed back below can't be acted
        // on twice (here and by whoever takes it); its handler's later result is ignored.
        await platform.close().catch((e: unknown) => logger.error({ err: e }, 'platform close failed'));
        const handedBack = await dispatcher.handBack();
        if (handedBack > 0) logger.warn({ handedBack }, 'events still running at the stop were handed back to the inbox');
        await catchUpStopped;
        await auditStopped;
        await delivery.stop();
        await serverClosed;
        await store.close();
        loopDelay.stop();
        logger.info('stopped');
      })();
      return closed;
    },
  };
}
