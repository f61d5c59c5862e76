/**
 * Event delivery over WebSocket with @ringcentral/subscriptions 5 (used when the bot has no
 * public URL). Behaviour of the library, from docs/ringcentral-notes.md §8:
 * - `createSubscription().setEventFilters([...]).register()` opens one socket and creates the
 *   subscription over it; the library's auto-recover reconnects after drops (re-using the session
 *   with `wsc`, or creating a new subscription when recovery fails) (§8.1, §8.4);
 * - the library listens for no `error` on its sockets, so a refused reconnect would crash Node
 *   (§8.6). Every socket gets an `error` listener here, attached from the `newWebSocketObject`
 *   event, which fires right after the socket is created and before it can fail;
 * - a `RestException` inside the library's recover timer would become an unhandled rejection and
 *   stop recovery for good; the subscription's re-subscribe is wrapped so such failures surface
 *   as ordinary recover errors;
 * - when recovery keeps failing (`maxRecoverErrors` in a row, or no open socket for
 *   `staleAfterMs`) everything is torn down and registered afresh, with backoff;
 * - teardown: `subscriptions.rc.revoke()` (DELETE over the socket, stops the recover timer,
 *   closes the socket) bounded by a timeout, then a forced stop of timers and socket, so the
 *   process neither hangs nor crashes (§8.2 "Teardown", §8.6).
 * WebSocket calls go through a dedicated SDK session holding the bot token, so the library's own
 * 401 handling can't disturb the bot's main session.
 */
import { EventEmitter } from 'node:events';
import type { Subscriptions } from '@ringcentral/subscriptions';
import type { DeliveryGapReason, EventDeliveryStatus, NotificationEnvelope } from './ringcentral-client.ts';
import type { IdentitySession, PlatformHttp } from './platform-http.ts';
import type { PlatformLogger } from './platform-logger.ts';

/** Settings of WebSocket delivery; times in ms. */
export interface WebSocketDeliveryOptions {
  http: PlatformHttp;
  /** The bot token, or undefined while no bot is installed. */
  botToken: () => string | undefined;
  eventFilters: readonly string[];
  onNotification: (envelope: NotificationEnvelope) => void;
  /** Supervisor period, ms (timer unref'd). */
  checkIntervalMs: number;
  /** Re-register after this many recover errors in a row; default 3. */
  maxRecoverErrors?: number;
  /** Re-register when no socket has been open for this long, ms; default 60 000. */
  staleAfterMs?: number;
  retryBaseMs: number;
  retryMaxMs: number;
  /** How long a graceful teardown may take before it is forced, ms; default 3000. */
  teardownTimeoutMs?: number;
  logger: PlatformLogger;
  /**
   * Called when notifications may have been missed: the first registration ('start'), and a new
   * subscription after a session that could not be recovered ('websocket-not-recovered'; a
   * recovered session replays what it buffered, docs/ringcentral-notes.md §8).
   */
  onGap?: (reason: DeliveryGapReason) => void;
}

/** The parts of @rc-ex/ws's WebSocketExtension this module touches (all public JS fields). */
interface WsExtensionLike {
  eventEmitter: EventEmitter;
  ws?: WsLike;
  intervalHandle?: NodeJS.Timeout;
  pingServerHandle?: NodeJS.Timeout;
  subscription?: { subscriptionInfo?: { id?: string; expirationTime?: string }; subscribe: () => Promise<void>; remove?: () => void };
  enabled?: boolean;
  disable?: () => void;
  connect?: unknown;
}
interface WsLike {
  readyState: number;
  on?: (event: string, listener: (...args: unknown[]) => void) => void;
  addEventListener?: (event: string, listener: (...args: unknown[]) => void) => void;
  close: () => void;
  terminate?: () => void;
}
interface RcLike {
  installExtension: (ext: unknown) => Promise<void>;
  revoke: () => Promise<void>;
}

const OPEN = 1;

function isWsExtension(ext: unknown): ext is WsExtensionLike {
  return typeof ext === 'object' && ext !== null && (ext as WsExtensionLike).eventEmitter instanceof EventEmitter && typeof (ext as WsExtensionLike).connect === 'function';
}

/** One WebSocket delivery; `start()` once, `close()` at the end. */
export class WebSocketDelivery {
  readonly #o: WebSocketDeliveryOptions;
  #status: EventDeliveryStatus = { mode: 'websocket', state: 'starting' };
  #subscriptions: Subscriptions | undefined;
  #session: IdentitySession | undefined;
  #wse: WsExtensionLike | undefined;
  /** Every WebSocketExtension the library created and we have not stopped yet. */
  readonly #allWse = new Set<WsExtensionLike>();
  #recoverErrors = 0;
  #lastOpenAt = Date.now();
  #failures = 0;
  #registering: Promise<void> | undefined;
  #supervisor: NodeJS.Timeout | undefined;
  #retryTimer: NodeJS.Timeout | undefined;
  #closed = false;
  #everActive = false;

  constructor(options: WebSocketDeliveryOptions) {
    this.#o = options;
  }

  status(): EventDeliveryStatus {
    return { ...this.#status };
  }

  /** Registers (failures are retried with backoff and shown in `status()`), then supervises. */
  async start(): Promise<void> {
    await this.#registerSafely();
    if (!this.#closed && !this.#supervisor) {
      this.#supervisor = setInterval(() => this.#supervise(), this.#o.checkIntervalMs);
      this.#supervisor.unref();
    }
  }

  /** Re-checks now: registers if nothing is registered or the socket has been down too long. */
  async check(): Promise<void> {
    if (this.#closed) return;
    if (!this.#wse || !this.#subscriptions) {
      await this.#registerSafely();
      return;
    }
    this.#supervise();
    await this.#registering;
  }

  /** Revokes the subscription and closes the socket; safe to call twice. */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#supervisor) clearInterval(this.#supervisor);
    if (this.#retryTimer) clearTimeout(this.#retryTimer);
    this.#supervisor = undefined;
    this.#retryTimer = undefined;
    if (this.#registering) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        this.#registering.catch(() => undefined),
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, this.#o.teardownTimeoutMs ?? 3000);
        }),
      ]);
      if (timer) clearTimeout(timer);
    }
    await this.#teardown();
    this.#stopAll();
    this.#status = { mode: 'websocket', state: 'stopped' };
  }

  #supervise(): void {
    if (this.#closed || this.#registering) return;
    const ws = this.#wse?.ws;
    if (ws?.readyState === OPEN) {
      this.#lastOpenAt = Date.now();
      return;
    }
    const stale = Date.now() - this.#lastOpenAt > (this.#o.staleAfterMs ?? 60_000);
    if (stale || !this.#wse) {
      this.#o.logger.warn({ stale, recoverErrors: this.#recoverErrors }, 'WebSocket delivery not recovering; registering again');
      void this.#reregister();
    }
  }

  async #reregister(): Promise<void> {
    if (this.#registering || this.#closed) return;
    this.#o.logger.info({ recoverErrors: this.#recoverErrors }, 'registering the WebSocket subscription again');
    this.#status = { ...this.#status, state: 'repairing' };
    await this.#teardown();
    await this.#registerSafely();
  }

  #registerSafely(): Promise<void> {
    if (this.#registering) return this.#registering;
    this.#registering = (async () => {
      try {
        await this.#register();
        this.#failures = 0;
      } catch (e) {
        await this.#teardown();
        this.#onRegisterFailure(e);
      } finally {
        this.#registering = undefined;
        // close() may have given up waiting for us; stop whatever the library set up meanwhile.
        if (this.#closed) this.#stopAll();
      }
    })();
    return this.#registering;
  }

  async #register(): Promise<void> {
    const token = this.#o.botToken();
    if (!token) {
      this.#status = { mode: 'websocket', state: 'waiting-for-bot' };
      return;
    }
    const session = this.#o.http.createSession('bot-ws', true);
    await session.platform.auth().setData({ token_type: 'bearer', access_token: token, expires_in: '2147483647' });
    // Loaded here, not at start: the library and @rc-ex/* (some 350 modules, ~10 MB of the
    // process's memory) are needed only in WebSocket mode (docs/performance.md).
    const { Subscriptions } = await import('@ringcentral/subscriptions');
    const subscriptions = new Subscriptions({ sdk: session.sdk });
    const rc = subscriptions.rc as unknown as RcLike;
    const install = rc.installExtension.bind(rc);
    rc.installExtension = async (ext: unknown) => {
      if (isWsExtension(ext)) this.#watch(ext);
      return install(ext);
    };
    this.#session = session;
    this.#subscriptions = subscriptions;
    this.#recoverErrors = 0;
    const subscription = subscriptions.createSubscription();
    subscription.on(subscription.events.notification, (evt: unknown) => this.#deliver(evt));
    const wsSubscription = await subscription.setEventFilters([...this.#o.eventFilters]).register();
    if (this.#closed) {
      // close() ran while we were registering: undo what the library just set up.
      await this.#teardown();
      return;
    }
    this.#wrapResubscribe();
    this.#lastOpenAt = Date.now();
    const wasActive = this.#everActive;
    this.#everActive = true;
    this.#gap(wasActive ? 'websocket-not-recovered' : 'start');
    const info = wsSubscription.subscriptionInfo as { id?: string; expirationTime?: string } | undefined;
    this.#setActive(info);
    this.#o.logger.info({ subscriptionId: info?.id }, 'WebSocket subscription registered');
  }

  #stopAll(): void {
    for (const wse of this.#allWse) forceStop(wse);
    this.#allWse.clear();
  }

  #watch(wse: WsExtensionLike): void {
    this.#wse = wse;
    this.#allWse.add(wse);
    const log = this.#o.logger;
    wse.eventEmitter.on('newWebSocketObject', (ws: WsLike) => {
      const onError = (err: unknown) => {
        const message = err instanceof Error ? err.message : (err as { message?: string })?.message ?? 'WebSocket error';
        log.warn({ err: message }, 'WebSocket error');
      };
      if (typeof ws.on === 'function') ws.on('error', onError);
      else ws.addEventListener?.('error', onError);
      const onClose = () => {
        if (!this.#closed && this.#wse === wse) this.#status = { ...this.#status, state: 'repairing' };
      };
      if (typeof ws.on === 'function') ws.on('close', onClose);
      else ws.addEventListener?.('close', onClose);
    });
    const current = () => this.#wse === wse && !this.#closed; // ignore a replaced extension's late events
    wse.eventEmitter.on('autoRecoverSuccess', () => {
      if (!current()) return;
      this.#recoverErrors = 0;
      this.#lastOpenAt = Date.now();
      log.info({}, 'WebSocket session recovered');
      this.#setActive(wse.subscription?.subscriptionInfo);
    });
    wse.eventEmitter.on('autoRecoverFailed', () => {
      if (!current()) return;
      // The session could not be resumed; the library created a new subscription on the new socket.
      this.#recoverErrors = 0;
      this.#lastOpenAt = Date.now();
      this.#wrapResubscribe();
      log.info({ subscriptionId: wse.subscription?.subscriptionInfo?.id }, 'WebSocket reconnected with a new subscription');
      this.#setActive(wse.subscription?.subscriptionInfo);
      this.#gap('websocket-not-recovered');
    });
    wse.eventEmitter.on('autoRecoverError', (err: unknown) => {
      if (!current()) return;
      this.#recoverErrors += 1;
      const message = err instanceof Error ? err.message : String(err);
      this.#status = { ...this.#status, state: 'repairing', lastError: message };
      log.warn({ err: message, recoverErrors: this.#recoverErrors }, 'WebSocket recovery attempt failed');
      if (this.#recoverErrors >= (this.#o.maxRecoverErrors ?? 3) && this.#everActive) void this.#reregister();
    });
  }

  /** Makes a failed re-subscribe inside the library's recover timer an ordinary recover error. */
  #wrapResubscribe(): void {
    const sub = this.#wse?.subscription as (WsExtensionLike['subscription'] & { __wrapped?: boolean }) | undefined;
    if (!sub || sub.__wrapped) return;
    const original = sub.subscribe.bind(sub);
    sub.subscribe = async () => {
      try {
        await original();
      } catch (e) {
        throw new Error(`re-subscribe failed: ${e instanceof Error ? e.message : String(e)}`);
      }
    };
    sub.__wrapped = true;
  }

  #gap(reason: DeliveryGapReason): void {
    this.#o.logger.info({ reason }, 'event delivery may have had a gap');
    try {
      this.#o.onGap?.(reason);
    } catch (e) {
      this.#o.logger.error({ err: (e as Error).message }, 'onGap threw');
    }
  }

  #setActive(info: { id?: string; expirationTime?: string } | undefined): void {
    const status: EventDeliveryStatus = { mode: 'websocket', state: 'active', platformStatus: 'Active', platformCheckedAt: new Date().toISOString() };
    if (info?.id) status.subscriptionId = info.id;
    if (info?.expirationTime) status.expiresAt = info.expirationTime;
    this.#status = status;
  }

  #deliver(evt: unknown): void {
    if (typeof evt !== 'object' || evt === null) return;
    const e = evt as Partial<NotificationEnvelope>;
    if (typeof e.uuid !== 'string' || typeof e.event !== 'string' || typeof e.body !== 'object' || e.body === null) {
      this.#o.logger.warn({}, 'ignoring a WebSocket notification without uuid/event/body');
      return;
    }
    try {
      this.#o.onNotification(evt as NotificationEnvelope);
    } catch (err) {
      this.#o.logger.error({ err: (err as Error).message, uuid: e.uuid }, 'notification handler threw');
    }
  }

  #onRegisterFailure(e: unknown): void {
    this.#failures += 1;
    const message = e instanceof Error ? e.message : String(e);
    const delay = Math.min(this.#o.retryMaxMs, this.#o.retryBaseMs * 2 ** (this.#failures - 1));
    this.#status = { mode: 'websocket', state: this.#everActive ? 'repairing' : 'failed', lastError: message };
    this.#o.logger.warn({ err: message, retryInMs: delay }, 'WebSocket registration failed; will retry');
    if (this.#closed) return;
    if (this.#retryTimer) clearTimeout(this.#retryTimer);
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      void this.#registerSafely();
    }, delay);
    this.#retryTimer.unref();
  }

  /** Graceful revoke with a time limit, then a forced stop of timers and socket. */
  async #teardown(): Promise<void> {
    const subscriptions = this.#subscriptions;
    const wse = this.#wse;
    this.#subscriptions = undefined;
    this.#wse = undefined;
    this.#session = undefined;
    if (!subscriptions) return;
    if (wse?.ws?.readyState === OPEN) {
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          (subscriptions.rc as unknown as RcLike).revoke(),
          new Promise<void>((resolve) => {
            timer = setTimeout(resolve, this.#o.teardownTimeoutMs ?? 3000);
          }),
        ]);
      } catch (e) {
        this.#o.logger.debug({ err: (e as Error).message }, 'WebSocket revoke failed; forcing teardown');
      } finally {
        if (timer) clearTimeout(timer);
      }
    }
    if (wse) {
      forceStop(wse);
      this.#allWse.delete(wse);
    }
  }
}

/**
 * Stops one WebSocketExtension for good: its timers, its subscription listener and its socket.
 * - A recover attempt still in flight re-arms the library's check interval (and a message re-arms
 *   its ping timer) when it settles; the instance's `intervalHandle` / `pingServerHandle` fields are
 *   therefore turned into setters that clear whatever is assigned from now on.
 * - A connect attempt waiting for ConnectionDetails keeps a 60 s timer (ws:utils.js
 *   waitForWebSocketMessage) until a matching frame arrives; a local `Error` frame is emitted on
 *   the dead socket so that waiter settles at once and the process can exit.
 */
function forceStop(wse: WsExtensionLike): void {
  neutralizeTimerField(wse, 'intervalHandle', clearInterval);
  neutralizeTimerField(wse, 'pingServerHandle', clearTimeout);
  try {
    wse.subscription?.remove?.();
  } catch {
    // nothing left to remove
  }
  try {
    wse.disable?.();
  } catch {
    wse.enabled = false;
  }
  const ws = wse.ws;
  if (!ws) return;
  if (ws.readyState !== 3) {
    try {
      if (typeof ws.terminate === 'function') ws.terminate();
      else ws.close();
    } catch {
      // already closing
    }
  }
  const emit = (ws as { emit?: (event: string, ...args: unknown[]) => boolean }).emit;
  if (typeof emit === 'function') {
    const frame = JSON.stringify([{ type: 'Error', messageId: 'local-teardown', status: 499, headers: {} }, { errorCode: 'LOCAL-CLOSED', message: 'closed by the bot' }]);
    try {
      emit.call(ws, 'message', Buffer.from(frame), false);
    } catch {
      // a listener threw; the socket is gone anyway
    }
  }
}

function neutralizeTimerField(target: object, field: 'intervalHandle' | 'pingServerHandle', clear: (h: NodeJS.Timeout) => void): void {
  const current = (target as Record<string, unknown>)[field] as NodeJS.Timeout | undefined;
  if (current) clear(current);
  try {
    Object.defineProperty(target, field, {
      configurable: true,
      enumerable: true,
      get: () => undefined,
      set: (h: NodeJS.Timeout | undefined) => {
        if (h) clear(h);
      },
    });
  } catch {
    // not configurable: the cleared handle above is the best we can do
  }
}
