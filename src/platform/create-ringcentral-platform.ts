/**
 * `createRingCentralPlatform(options)`: the bot's one door to RingCentral (contract in
 * ringcentral-client.ts), built on @ringcentral/sdk 5 and @ringcentral/subscriptions 5.
 *
 * - One SDK instance per identity (the bot; each person; one for the WebSocket), each with its
 *   own cache prefix and in-memory storage (docs/ringcentral-notes.md §7.5).
 * - The bot token is installed with `auth().setData({..., expires_in: '2147483647'})` so the SDK
 *   never tries to refresh it (docs/ringcentral-notes.md §7.3).
 * - Pacing per (identity, usage plan group), 429/503 retries and error mapping: platform-http.ts.
 * - People's tokens, refresh and revoke: user-client.ts. Event delivery: webhook-subscription.ts
 *   (WebHook, when a public URL is given) and websocket-delivery.ts (WebSocket otherwise).
 */
import type {
  BotClient,
  EventDeliveryStatus,
  NotificationEnvelope,
  RingCentralPlatform,
  UserClient,
  UserTokenVault,
  UserTokens,
} from './ringcentral-client.ts';
import type { GetExtensionInfoResponse } from './ringcentral-types.ts';
import { PlatformError } from './platform-errors.ts';
import type { PlatformLogger } from './platform-logger.ts';
import { PlatformHttp, type CallTimeouts, type IdentitySession, type RetryPolicy } from './platform-http.ts';
import type { SharedRateBudget } from './usage-plan-pacer.ts';
import { RingCentralBotClient } from './bot-client.ts';
import { RingCentralUserClient, UserSession, userTokensFromResponse } from './user-client.ts';
import { WebhookSubscriptionKeeper } from './webhook-subscription.ts';
import { WebSocketDelivery } from './websocket-delivery.ts';
import { WEBSOCKET_EVENT_FILTERS, isBotExtensionDeleted, isRenewalReminder, webhookEventFilters } from './event-filters.ts';

/** Options of `createRingCentralPlatform`. Times in ms unless the name ends in `S` (seconds). */
export interface RingCentralPlatformOptions {
  /** e.g. `https://platform.ringcentral.com`, or the emulator's URL. */
  serverUrl: string;
  clientId: string;
  clientSecret: string;
  /** Default redirect URI for people's authorization (`<PUBLIC_URL>/oauth/user`). */
  userRedirectUri?: string;
  /** Where people's tokens live (encrypted by the bot's store). */
  vault: UserTokenVault;
  /** A pino logger or anything with the same methods. */
  logger: PlatformLogger;
  /** 429/503 retries: attempts, total wait budget, wait when `Retry-After` is absent. */
  retry?: Partial<RetryPolicy>;
  /** How often the subscription is checked (one Light call: the subscription list); default 60 000 (SUBSCRIPTION_CHECK_SECONDS). */
  subscriptionCheckIntervalMs?: number;
  /** The delivery mode `startEventDelivery` will be given, for the status reported before it starts (before the install); default 'websocket'. */
  deliveryMode?: 'webhook' | 'websocket';
  /** Renew a WebHook subscription when fewer seconds than this are left; also the renewal reminder threshold. Default 172 800 (2 days). */
  subscriptionRenewThresholdS?: number;
  /** Requested WebHook subscription lifetime, s; default 315 360 000 (10 years, the spec's maximum; docs/ringcentral-notes.md §2.6). */
  subscriptionExpiresInS?: number;
  /** First delay before retrying a failed subscription setup (e.g. SUB-406 right after install); doubles up to `subscriptionRetryMaxMs`. Defaults 2000 / 60 000. */
  subscriptionRetryBaseMs?: number;
  subscriptionRetryMaxMs?: number;
  /** WebSocket mode: re-register when no socket has been open this long; default 60 000. */
  webSocketStaleAfterMs?: number;
  /** WebSocket mode: re-register after this many failed recovery attempts in a row; default 3. */
  webSocketMaxRecoverErrors?: number;
  /** Wall clock (ms since epoch) used for token expiry; default `Date.now`. */
  clock?: () => number;
  /** Media entry point for scaled profile images; default derived from `serverUrl` (platform.* → media.*), else `serverUrl`. */
  mediaServerUrl?: string;
  /** Extra https host names attachments may be downloaded from (no token is sent to them). */
  attachmentHosts?: string[];
  /**
   * Path prefixes of file links on the server and media origins; default `/web/customer_files/`
   * (RingCentral's). The emulator serves files elsewhere, so the demo names its prefix here.
   */
  attachmentFilePaths?: string[];
  /** Per-attempt timeouts, ms, by kind (`api`, `download`, `upload`); defaults 20 000 / 60 000 / 120 000. */
  timeouts?: Partial<CallTimeouts>;
  /** People whose SDK session and pacers are kept in memory (least recently used are dropped); default 1000. Tokens stay in the vault. */
  maxUserSessions?: number;
  /** Requests in flight per (identity, usage plan group); default 4. */
  concurrency?: number;
  /** Paces every instance of the deployment together per (identity, usage plan group) (usage-plan-pacer.ts, gate 3). */
  sharedRateBudget?: SharedRateBudget;
  /** Waits `ms` (pacing and retries); default a real timer. Tests pass one that moves a fake `clock`. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Called once when RingCentral says the bot is gone (OAU-232 / CMN-405 on its token, or its extension's Delete event); the platform has already forgotten the token. */
  onBotRemoved?: (error: PlatformError) => void;
}

/**
 * The media entry point for a server URL: `https://platform.ringcentral.com` →
 * `https://media.ringcentral.com` (also for `platform.devtest.…`); any other server (the emulator)
 * serves media itself (docs/ringcentral-notes.md §1 servers, §2.3 "must be called via media API entry point").
 */
export function mediaServerUrlFor(serverUrl: string): string {
  const u = new URL(serverUrl);
  if (/^platform\.([a-z0-9-]+\.)*ringcentral\.(com|biz)$/i.test(u.hostname)) {
    u.hostname = u.hostname.replace(/^platform\./i, 'media.');
  }
  return u.origin;
}

interface InstalledBot {
  extensionId: string;
  token: string;
  session: IdentitySession;
  client: RingCentralBotClient;
}

class RingCentralPlatformImpl implements RingCentralPlatform {
  readonly #o: RingCentralPlatformOptions;
  readonly #http: PlatformHttp;
  readonly #now: () => number;
  readonly #log: PlatformLogger;
  readonly #serverUrl: string;
  readonly #mediaUrl: string;
  readonly #appSession: IdentitySession;
  readonly #users = new Map<string, UserSession>();
  #bot: InstalledBot | undefined;
  #delivery: WebhookSubscriptionKeeper | WebSocketDelivery | undefined;
  #deliveryParams: Parameters<RingCentralPlatform['startEventDelivery']>[0] | undefined;
  /** Restarts of event delivery run one after another (install/uninstall may overlap). */
  #restarts: Promise<void> = Promise.resolve();
  #closed = false;

  constructor(options: RingCentralPlatformOptions) {
    this.#o = options;
    this.#serverUrl = new URL(options.serverUrl).origin;
    this.#mediaUrl = options.mediaServerUrl ? new URL(options.mediaServerUrl).origin : mediaServerUrlFor(options.serverUrl);
    this.#now = options.clock ?? Date.now;
    this.#log = options.logger;
    this.#http = new PlatformHttp({
      serverUrl: this.#serverUrl,
      clientId: options.clientId,
      clientSecret: options.clientSecret,
      ...(options.userRedirectUri ? { redirectUri: options.userRedirectUri } : {}),
      logger: options.logger,
      ...(options.retry ? { retry: options.retry } : {}),
      ...(options.timeouts ? { timeouts: options.timeouts } : {}),
      ...(options.concurrency ? { concurrency: options.concurrency } : {}),
      ...(options.sharedRateBudget ? { sharedRateBudget: options.sharedRateBudget } : {}),
      now: this.#now,
      ...(options.sleep ? { sleep: options.sleep } : {}),
    });
    this.#appSession = this.#http.createSession('app', false);
  }

  bot(): BotClient {
    if (!this.#bot) throw new PlatformError('unauthorized', 'no bot token is installed');
    return this.#bot.client;
  }

  hasBot(): boolean {
    return this.#bot !== undefined;
  }

  async installBotToken(accessToken: string): Promise<{ extensionId: string }> {
    // The token is checked under an identity of its own: anyone can post tokens to the install
    // address, and those calls must not use up the installed bot's pacing budget.
    const probe = this.#http.createSession('bot-install', false);
    await probe.platform.auth().setData({ token_type: 'bearer', access_token: accessToken, expires_in: '2147483647' });
    const me = await this.#http.json<GetExtensionInfoResponse>(probe, { method: 'GET', url: '/restapi/v1.0/account/~/extension/~', what: 'getBotExtension' });
    if (me.id === undefined || me.id === null) throw new PlatformError('unavailable', 'getBotExtension: the answer has no id');
    // Anyone can POST a token to the install address; only a bot extension's token may become ours
    // (a person's token would make the bot act with that person's rights).
    if (typeof me.type === 'string' && me.type !== 'Bot') {
      throw new PlatformError('forbidden', `getBotExtension: the token belongs to a ${me.type} extension, not to a bot`);
    }
    const extensionId = String(me.id);
    const current = this.#bot;
    if (current && current.extensionId !== extensionId && (await this.#stillWorks(current))) {
      throw new PlatformError('forbidden', `getBotExtension: another bot (extension ${extensionId}) while the installed one still works`);
    }
    const session = this.#http.createSession('bot', true);
    await session.platform.auth().setData({ token_type: 'bearer', access_token: accessToken, expires_in: '2147483647' });
    const installed: InstalledBot = {
      extensionId,
      token: accessToken,
      session,
      client: undefined as unknown as RingCentralBotClient,
    };
    installed.client = new RingCentralBotClient(extensionId, {
      http: this.#http,
      session,
      mediaServerUrl: this.#mediaUrl,
      attachmentPolicy: {
        trustedOrigins: [this.#serverUrl, this.#mediaUrl],
        extraHosts: this.#o.attachmentHosts ?? [],
        ...(this.#o.attachmentFilePaths ? { filePathPrefixes: this.#o.attachmentFilePaths } : {}),
      },
      downloadTimeoutMs: this.#http.timeouts.download,
      onBotRemoved: (e) => this.#botRemoved(installed, e),
    });
    const replaced = this.#bot !== undefined;
    this.#bot = installed;
    this.#log.info({ extensionId, replaced }, 'bot token installed');
    if (this.#deliveryParams && !this.#closed) {
      if (replaced || this.#delivery instanceof WebSocketDelivery) await this.#restartDelivery();
      else void this.#delivery?.check();
    }
    return { extensionId };
  }

  async exchangeBotInstallCode(code: string, redirectUri: string): Promise<{ accessToken: string }> {
    const json = await this.#http.tokenRequest(this.#appSession, { grant_type: 'authorization_code', code, redirect_uri: redirectUri }, 'exchangeBotInstallCode', { unpaced: true });
    return { accessToken: json.access_token };
  }

  uninstallBot(): void {
    if (!this.#bot) return;
    this.#log.info({ extensionId: this.#bot.extensionId }, 'bot token forgotten');
    this.#bot = undefined;
    this.#http.dropPacers('bot');
    if (this.#delivery instanceof WebSocketDelivery) void this.#restartDelivery();
    else void this.#delivery?.check();
  }

  userAuthorizeUrl(params: { state: string; codeChallenge: string; redirectUri: string }): string {
    const url = new URL('/restapi/oauth/authorize', this.#serverUrl);
    url.search = new URLSearchParams({
      response_type: 'code',
      client_id: this.#o.clientId,
      redirect_uri: params.redirectUri,
      state: params.state,
      code_challenge: params.codeChallenge,
      code_challenge_method: 'S256',
    }).toString();
    return url.toString();
  }

  async exchangeUserCode(params: { code: string; codeVerifier: string; redirectUri: string }): Promise<{ extensionId: string; tokens: UserTokens }> {
    const json = await this.#http.tokenRequest(
      this.#appSession,
      { grant_type: 'authorization_code', code: params.code, redirect_uri: params.redirectUri, code_verifier: params.codeVerifier },
      'exchangeUserCode',
      { unpaced: true },
    );
    const tokens = userTokensFromResponse(json, this.#now());
    let extensionId = json.owner_id !== undefined && json.owner_id !== null && String(json.owner_id) !== '' ? String(json.owner_id) : undefined;
    if (!extensionId) {
      const session = this.#http.createSession('app-whoami', false);
      await session.platform.auth().setData({ token_type: 'bearer', access_token: tokens.accessToken, expires_in: '3600' });
      const me = await this.#http.json<GetExtensionInfoResponse>(session, { method: 'GET', url: '/restapi/v1.0/account/~/extension/~', what: 'whoAmI', unpaced: true });
      extensionId = String(me.id);
    }
    return { extensionId, tokens };
  }

  async revokeUserToken(token: string): Promise<void> {
    try {
      await this.#http.send(this.#appSession, {
        method: 'POST',
        url: '/restapi/oauth/revoke',
        body: { token },
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', Authorization: this.#http.basicAuthHeader() },
        skipAuthCheck: true,
        noRetry: true,
        unpaced: true,
        what: 'revokeUserToken',
      });
    } catch (e) {
      this.#log.warn({ err: (e as Error).message }, 'could not revoke a token that is not kept');
    }
  }

  user(extensionId: string): UserClient {
    let session = this.#users.get(extensionId);
    if (session) {
      this.#users.delete(extensionId); // re-inserted below: the map is kept in least-recently-used order
    } else {
      session = new UserSession(extensionId, { http: this.#http, vault: this.#o.vault, now: this.#now, logger: this.#log });
    }
    this.#users.set(extensionId, session);
    const max = this.#o.maxUserSessions ?? 1000;
    for (const [id, idle] of this.#users) {
      if (this.#users.size <= max) break;
      if (idle.busy) continue; // never drop a session in the middle of a refresh
      this.#users.delete(id);
      this.#http.dropPacers(idle.session.identity);
    }
    return new RingCentralUserClient(session, this.#http);
  }

  async startEventDelivery(params: Parameters<RingCentralPlatform['startEventDelivery']>[0]): Promise<void> {
    if (this.#closed) return;
    this.#deliveryParams = params;
    await this.#restartDelivery();
  }

  async checkSubscription(): Promise<void> {
    await this.#delivery?.check();
  }

  eventDeliveryStatus(): EventDeliveryStatus {
    if (this.#delivery) return this.#delivery.status();
    const mode = this.#deliveryParams ? (this.#deliveryParams.publicUrl ? 'webhook' : 'websocket') : (this.#o.deliveryMode ?? 'websocket');
    if (this.#closed) return { mode, state: 'stopped' };
    return { mode, state: this.#bot ? 'stopped' : 'waiting-for-bot' };
  }

  handleNotification(envelope: NotificationEnvelope): boolean {
    if (isRenewalReminder(envelope)) {
      this.#log.info({ subscriptionId: envelope.subscriptionId }, 'subscription renewal reminder; checking the subscription');
      void this.checkSubscription();
      return true;
    }
    const bot = this.#bot;
    if (bot && isBotExtensionDeleted(envelope, bot.extensionId)) {
      this.#botRemoved(bot, new PlatformError('bot-removed', 'the bot extension was deleted (extension Delete event)'));
      return true;
    }
    return false;
  }

  finishBy(deadline: number): void {
    this.#http.finishBy(deadline);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#http.close();
    const delivery = this.#delivery;
    await delivery?.close();
    await this.#restarts; // a restart that was under way closes what it started (see below)
    if (this.#delivery && this.#delivery !== delivery) await this.#delivery.close();
  }

  /** Whether the installed bot's token is still accepted (a replacement is refused while it is). */
  async #stillWorks(installed: InstalledBot): Promise<boolean> {
    try {
      await this.#http.json<GetExtensionInfoResponse>(installed.session, { method: 'GET', url: '/restapi/v1.0/account/~/extension/~', what: 'checkBotExtension' });
      return true;
    } catch (e) {
      if (e instanceof PlatformError && (e.kind === 'bot-removed' || e.kind === 'unauthorized' || e.kind === 'not-found')) return false;
      throw e;
    }
  }

  #botRemoved(installed: InstalledBot, error: PlatformError): void {
    if (this.#bot !== installed) return; // already handled, or a newer install
    this.#log.warn({ extensionId: installed.extensionId, errorCode: error.details.errorCode }, 'RingCentral says the bot was removed');
    this.uninstallBot();
    try {
      this.#o.onBotRemoved?.(error);
    } catch (e) {
      this.#log.error({ err: (e as Error).message }, 'onBotRemoved threw');
    }
  }

  #restartDelivery(): Promise<void> {
    const next = this.#restarts.then(() => this.#restartDeliveryNow());
    this.#restarts = next.catch((e: unknown) => this.#log.error({ err: (e as Error).message }, 'event delivery restart failed'));
    return next;
  }

  async #restartDeliveryNow(): Promise<void> {
    const params = this.#deliveryParams;
    if (!params || this.#closed) return;
    const previous = this.#delivery;
    this.#delivery = undefined;
    await previous?.close();
    const checkIntervalMs = this.#o.subscriptionCheckIntervalMs ?? 60_000;
    const retryBaseMs = this.#o.subscriptionRetryBaseMs ?? 2000;
    const retryMaxMs = this.#o.subscriptionRetryMaxMs ?? 60_000;
    if (params.publicUrl) {
      const thresholdS = this.#o.subscriptionRenewThresholdS ?? 172_800;
      const keeper = new WebhookSubscriptionKeeper({
        http: this.#http,
        botSession: () => this.#bot?.session,
        address: `${params.publicUrl.replace(/\/+$/, '')}/webhook`,
        verificationToken: params.verificationToken,
        eventFilters: webhookEventFilters(thresholdS, Math.max(60, Math.min(21_600, Math.floor(thresholdS / 4)))),
        expiresInS: this.#o.subscriptionExpiresInS ?? 315_360_000,
        renewThresholdS: thresholdS,
        checkIntervalMs,
        retryBaseMs,
        retryMaxMs,
        now: this.#now,
        logger: this.#log.child({ delivery: 'webhook' }),
        onBotRemoved: (e) => {
          const bot = this.#bot;
          if (bot) this.#botRemoved(bot, e);
        },
        ...(params.isCurrentSubscription ? { isCurrentSubscription: params.isCurrentSubscription } : {}),
        ...(params.isFormerSubscription ? { isFormerSubscription: params.isFormerSubscription } : {}),
        ...(params.onSubscriptionCreated ? { onSubscriptionCreated: params.onSubscriptionCreated } : {}),
        ...(params.mayKeepSubscription ? { mayKeep: params.mayKeepSubscription } : {}),
        ...(params.onDeliveryGap ? { onGap: params.onDeliveryGap } : {}),
      });
      this.#delivery = keeper;
      await keeper.start();
      if (this.#closed) keeper.close();
    } else {
      const ws = new WebSocketDelivery({
        http: this.#http,
        botToken: () => this.#bot?.token,
        eventFilters: WEBSOCKET_EVENT_FILTERS,
        onNotification: (envelope) => {
          if (this.handleNotification(envelope)) return;
          params.onNotification(envelope);
        },
        checkIntervalMs: Math.min(checkIntervalMs, 15_000),
        staleAfterMs: this.#o.webSocketStaleAfterMs ?? 60_000,
        maxRecoverErrors: this.#o.webSocketMaxRecoverErrors ?? 3,
        retryBaseMs,
        retryMaxMs,
        logger: this.#log.child({ delivery: 'websocket' }),
        ...(params.onDeliveryGap ? { onGap: params.onDeliveryGap } : {}),
      });
      this.#delivery = ws;
      await ws.start();
      if (this.#closed) await ws.close();
    }
  }
}

/**
 * Creates the platform. Nothing is sent until a method is called. Throws `TypeError` for a
 * `serverUrl` that is not a URL.
 */
export function createRingCentralPlatform(options: RingCentralPlatformOptions): RingCentralPlatform & {
  /** See `RingCentralPlatform.handleNotification`. */
  handleNotification(envelope: NotificationEnvelope): boolean;
} {
  return new RingCentralPlatformImpl(options);
}
