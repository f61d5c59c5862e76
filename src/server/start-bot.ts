/**
 * Assembles and starts the bot: store (migrations), sealed secrets, platform, dispatcher over the
 * inbox, the HTTP server, the bot install (stored token or RINGCENTRAL_BOT_TOKEN) and event
 * delivery (WebHook to `<base>/webhook` when a public URL is known, else WebSocket).
 * `close()` is the graceful shutdown: stop taking work, drain, close platform and store.
 */
import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Config } from '../config.ts';
import type { Logger } from '../logger.ts';
import type { NotificationEnvelope, RingCentralPlatform, UserTokenVault } from '../platform/ringcentral-client.ts';
import { PlatformError } from '../platform/platform-errors.ts';
import { openStore } from '../store/sqlite-store.ts';
import type { Store } from '../store/store.ts';
import { createTokenCipher, type TokenCipher } from '../users/token-cipher.ts';
import { createEncryptedTokenVault } from '../users/encrypted-token-vault.ts';
import { createUserAuthorization } from '../users/user-authorization.ts';
import { createDispatcher, type Dispatcher } from '../events/create-dispatcher.ts';
import { handleEvent } from '../events/handle-event.ts';
import { toNotificationEnvelope } from '../events/parse-notification.ts';
import { laneOf } from '../events/lane-of.ts';
import { createCommandRegistry } from '../commands/command-registry.ts';
import { createCommands } from '../commands/index.ts';
import type { Command } from '../commands/command-registry.ts';
import type { BotServices, ProcessAvatar } from '../commands/command-context.ts';
import { createAuditCommands } from '../commands/audit-commands.ts';
import { createBotAudit, type BotAudit } from '../audit/bot-audit.ts';
import { createApp } from './create-app.ts';
import { createEventLoopMonitor } from './event-loop-monitor.ts';

/** Options of `createRingCentralPlatform` (src/platform) that the bot passes. */
export interface PlatformFactoryOptions {
  serverUrl: string;
  clientId: string;
  clientSecret: string;
  userRedirectUri?: string;
  vault: UserTokenVault;
  logger: Logger;
  onBotRemoved?: () => void;
}

export type PlatformFactory = (options: PlatformFactoryOptions) => RingCentralPlatform;

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

/** Store setting that holds the bot's own token, sealed with TOKEN_ENCRYPTION_KEY (purpose `bot-token`). */
export const SETTING_BOT_TOKEN = 'bot.token';
const SETTING_VERIFICATION_TOKEN = 'webhook.verification-token';
/** `{id, tokenHash}`: the WebHook subscription we created, and the SHA-256 (hex) of the verification token it carries. */
const SETTING_WEBHOOK_SUBSCRIPTION = 'webhook.subscription';

function parseOwnSubscription(value: string | undefined): { id: string; tokenHash: string } | undefined {
  if (!value) return undefined;
  try {
    const v = JSON.parse(value) as { id?: unknown; tokenHash?: unknown };
    return typeof v.id === 'string' && typeof v.tokenHash === 'string' ? { id: v.id, tokenHash: v.tokenHash } : undefined;
  } catch {
    return undefined;
  }
}
const SETTING_ENCRYPTION_KEY = 'demo.token-encryption-key';

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
  const store = openStore(config.databaseUrl);

  const cipher = await tokenCipherFor(config, store, logger);
  const vault = createEncryptedTokenVault(store, cipher, now);
  const verificationToken = await verificationTokenFor(config, store, cipher);

  let baseUrl = config.publicUrl ?? '';
  const webhookBase = opts.webhookBase ?? (config.publicUrl ? 'public' : undefined);

  const platform = opts.createPlatform({
    serverUrl: app.serverUrl,
    clientId: app.clientId,
    clientSecret: app.clientSecret,
    vault,
    logger: logger.child({ module: 'platform' }),
    onBotRemoved: () => {
      logger.warn('the bot was removed from RingCentral; its stored token is deleted');
      void store.deleteSetting(SETTING_BOT_TOKEN).catch((e: unknown) => logger.error({ err: e }, 'could not delete the bot token'));
    },
  });

  let redirectUri = '';
  const auth = createUserAuthorization({ platform, vault, store, cipher, redirectUri: () => redirectUri, now });

  if (!store.sqlite) throw new Error('the audit needs the SQLite store (DATABASE_URL=file:…)');
  const audit = createBotAudit({
    db: store.sqlite,
    platform,
    logger: logger.child({ module: 'audit' }),
    settings: {
      cron: config.auditCron,
      timeZone: config.auditTimezone,
      adminChatIds: config.adminChatIds,
      filter: config.auditFilter,
      reminderIntervalDays: config.reminderIntervalDays,
      remindersPerMinute: config.remindersPerMinute,
      progressIntervalMs: config.auditProgressIntervalMs,
      cardButtons: Boolean(config.sharedSecret),
    },
    now,
  });
  const registry = createCommandRegistry(createCommands([...createAuditCommands(audit), ...(opts.extraCommands ?? [])]));
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
    },
    now,
  };

  const dispatcher = createDispatcher({
    inbox: store.inbox,
    handle: (event, log) => handleEvent(event, log, services),
    logger: logger.child({ module: 'dispatcher' }),
    concurrency: config.dispatcherConcurrency,
    heavyConcurrency: config.heavyConcurrency,
    now,
  });

  const installBot = async (accessToken: string) => {
    const r = await platform.installBotToken(accessToken);
    await store.setSetting(SETTING_BOT_TOKEN, cipher.seal(accessToken, 'bot-token'));
    startDelivery();
    return r;
  };

  const loopDelay = createEventLoopMonitor();
  const koa = createApp({
    eventLoopDelay: () => loopDelay.snapshot(),
    logger,
    store,
    dispatcher,
    platform,
    auth,
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

  const tokenHash = crypto.createHash('sha256').update(verificationToken).digest('hex');
  let ownSubscription = parseOwnSubscription(await store.getSetting(SETTING_WEBHOOK_SUBSCRIPTION));
  let deliveryStarted = false;
  function startDelivery() {
    if (deliveryStarted || closing) return;
    deliveryStarted = true;
    const onNotification = (raw: NotificationEnvelope) => {
      void acceptNotification(raw).catch((e: unknown) => logger.error({ err: e }, 'could not store a WebSocket notification'));
    };
    platform
      .startEventDelivery({
        ...(webhookBase ? { publicUrl: baseUrl } : {}),
        verificationToken,
        onNotification,
        // RingCentral never shows a subscription's verification token again: only the one we made
        // with the current token may be kept; one made with an older token would be refused (401)
        // at every delivery until RingCentral blacklists the webhook.
        isCurrentSubscription: (id) => ownSubscription?.id === id && ownSubscription.tokenHash === tokenHash,
        onSubscriptionCreated: (id) => {
          ownSubscription = { id, tokenHash };
          void store.setSetting(SETTING_WEBHOOK_SUBSCRIPTION, JSON.stringify(ownSubscription)).catch((e: unknown) => logger.error({ err: e }, 'could not remember the subscription id'));
        },
      })
      .then(() => logger.info({ delivery: platform.eventDeliveryStatus() }, 'event delivery started'))
      .catch((e: unknown) => {
        deliveryStarted = false;
        logger.error({ err: e }, 'event delivery could not start; /health shows the state');
      });
  }
  async function acceptNotification(raw: unknown) {
    const envelope = toNotificationEnvelope(raw);
    const outcome = await store.inbox.accept({ uuid: envelope.uuid, source: 'websocket', payload: envelope, lane: laneOf('websocket', envelope) }, now());
    if (outcome === 'accepted') dispatcher.notify();
  }

  let closing = false;
  logger.info({ url: boundUrl, baseUrl, delivery: webhookBase ? 'webhook' : 'websocket', mode: config.mode }, 'listening');

  // The bot's own token: stored from an earlier install, else RINGCENTRAL_BOT_TOKEN.
  const sealed = await store.getSetting(SETTING_BOT_TOKEN);
  let token: string | undefined;
  if (sealed) {
    try {
      token = cipher.open(sealed, 'bot-token');
    } catch (e) {
      logger.warn({ err: e }, 'stored bot token could not be decrypted (key changed?); waiting for a new install');
    }
  }
  token ??= config.ringcentral?.botToken;
  let installRetry: NodeJS.Timeout | undefined;
  // RingCentral unreachable or busy at start: try again with backoff (2 s doubling up to 1 min)
  // until it works, an install arrives through /oauth, or we stop. Without this the bot would
  // stay uninstalled after a network outage at boot.
  const installKnownToken = async (known: string, attempt: number): Promise<void> => {
    try {
      const { extensionId } = await installBot(known);
      logger.info({ botExtensionId: extensionId }, 'bot token installed');
    } catch (e) {
      if (e instanceof PlatformError && (e.kind === 'bot-removed' || e.kind === 'unauthorized')) {
        await store.deleteSetting(SETTING_BOT_TOKEN);
        logger.warn({ err: e }, 'the stored bot token is no longer valid; install the bot again');
        return;
      }
      const transient = !(e instanceof PlatformError) || e.kind === 'unavailable' || e.kind === 'rate-limited';
      if (!transient || closing) {
        logger.error({ err: e }, 'could not install the bot token; will wait for an install');
        return;
      }
      const retryInMs = Math.min(60_000, 2000 * 2 ** (attempt - 1));
      logger.warn({ err: e, retryInMs }, 'could not install the bot token (RingCentral unreachable or busy); will try again');
      installRetry = setTimeout(() => {
        installRetry = undefined;
        if (!closing && !platform.hasBot()) void installKnownToken(known, attempt + 1).catch((err: unknown) => logger.error({ err }, 'bot token install retry failed'));
      }, retryInMs);
      installRetry.unref();
    }
  };
  if (token) {
    await installKnownToken(token, 1);
  } else {
    logger.info(`no bot installed yet: install it so RingCentral posts its token to ${baseUrl}/oauth`);
  }
  // Only now: events left in the inbox by the last run need the bot's token to be handled.
  await dispatcher.start();
  const housekeeping = setInterval(() => void tidyStore(store, now(), logger), HOUSEKEEPING_EVERY_MS);
  housekeeping.unref();
  void tidyStore(store, now(), logger);
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
        closing = true;
        clearInterval(housekeeping);
        if (installRetry) clearTimeout(installRetry);
        const serverClosed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        await audit.stop().catch((e: unknown) => logger.error({ err: e }, 'audit stop failed'));
        await dispatcher.stop(10_000);
        await platform.close().catch((e: unknown) => logger.error({ err: e }, 'platform close failed'));
        server.closeAllConnections();
        await serverClosed;
        await store.close();
        loopDelay.stop();
        logger.info('stopped');
      })();
      return closed;
    },
  };
}

/** How long finished inbox events are kept (their uuids deduplicate redeliveries), ms. */
export const INBOX_RETENTION_MS = 7 * 24 * 3600 * 1000;
const HOUSEKEEPING_EVERY_MS = 3600 * 1000;

/** Deletes finished inbox events past the retention and expired sign-in requests. Never throws. */
async function tidyStore(store: Store, now: number, logger: Logger): Promise<void> {
  try {
    const events = await store.inbox.prune(now - INBOX_RETENTION_MS);
    const authorizations = await store.pruneExpiredAuthorizations(now);
    if (events + authorizations > 0) logger.info({ events, authorizations }, 'store tidied');
  } catch (e) {
    logger.error({ err: e }, 'store housekeeping failed');
  }
}

async function tokenCipherFor(config: Config, store: Store, logger: Logger): Promise<TokenCipher> {
  if (config.tokenEncryptionKey) return createTokenCipher(config.tokenEncryptionKey);
  if (config.mode !== 'demo') throw new Error('TOKEN_ENCRYPTION_KEY is required outside demo mode');
  let b64 = await store.getSetting(SETTING_ENCRYPTION_KEY);
  if (!b64) {
    b64 = crypto.randomBytes(32).toString('base64');
    await store.setSetting(SETTING_ENCRYPTION_KEY, b64);
    logger.info('demo mode: generated a token encryption key and kept it in the store');
  }
  return createTokenCipher(Buffer.from(b64, 'base64'));
}

/**
 * WEBHOOK_VERIFICATION_TOKEN, else the one generated on an earlier start (kept sealed: whoever
 * reads it could forge deliveries), else a new one. A value stored in plain text by an older
 * version is sealed now.
 */
async function verificationTokenFor(config: Config, store: Store, cipher: TokenCipher): Promise<string> {
  if (config.webhookVerificationToken) return config.webhookVerificationToken;
  const stored = await store.getSetting(SETTING_VERIFICATION_TOKEN);
  if (stored?.startsWith('v1.')) {
    try {
      return cipher.open(stored, 'webhook-verification-token');
    } catch {
      // the key changed: a new token below (the subscription made with the old one is replaced)
    }
  }
  const token = stored && !stored.startsWith('v1.') ? stored : crypto.randomBytes(24).toString('base64url');
  await store.setSetting(SETTING_VERIFICATION_TOKEN, cipher.seal(token, 'webhook-verification-token'));
  return token;
}
