/**
 * Keeps exactly one Active WebHook subscription for the bot's address
 * (docs/ringcentral-notes.md §2.6, §3; docs/ringcentral-notes.md §9.15):
 * - lists the bot's subscriptions; ours are the WebHook ones whose `deliveryMode.address` is our
 *   address; keeps the Active one that lives longest (among those `isCurrentSubscription` accepts:
 *   one made with an older verification token must go, since RingCentral would keep delivering
 *   that token); deletes the rest (duplicates, Blacklisted, expired or any other status);
 * - updates the kept one in place (`PUT /subscription/{id}` with our event filters) when its
 *   filters don't cover ours, e.g. after an upgrade;
 * - renews the kept one (`POST /subscription/{id}/renew`) when it expires within the renewal
 *   threshold; if renewal fails it is replaced;
 * - deletes a subscription of ours at a former address (`isFormerSubscription`: PUBLIC_URL changed);
 * - creates one when none is left, with `expiresIn` at the top level (not inside `deliveryMode`,
 *   which made RingCentral fall back to 7 days) and `deliveryMode.verificationToken`;
 * - runs on start, every `checkIntervalMs` (timer unref'd), on renewal reminders, and after a
 *   failure with exponential backoff (SUB-406 right after a bot install means "bot not ready yet";
 *   the status then says 'waiting-for-bot').
 * Expiry is judged against the server's own clock (the `Date` header of the list answer) when it
 * sends one, so a skewed local clock does not matter, and by the record's `expiresIn` when present.
 */
import type { DeliveryGapReason, EventDeliveryStatus } from './ringcentral-client.ts';
import type { SubscriptionInfo } from './ringcentral-types.ts';
import { PlatformError } from './platform-errors.ts';
import type { IdentitySession, PlatformHttp } from './platform-http.ts';
import type { PlatformLogger } from './platform-logger.ts';

/** Settings of the WebHook keeper; times in ms unless the name ends in `S` (seconds). */
export interface WebhookKeeperOptions {
  http: PlatformHttp;
  /** The bot's session, or undefined while no bot is installed. */
  botSession: () => IdentitySession | undefined;
  /** Full address, e.g. `https://bot.example.com/webhook`. */
  address: string;
  verificationToken: string;
  eventFilters: string[];
  /** Requested lifetime, s (RingCentral's WebHook maximum is 315 360 000 = 10 years; docs/ringcentral-notes.md §2.6). */
  expiresInS: number;
  /** Renew when fewer than this many seconds are left. */
  renewThresholdS: number;
  checkIntervalMs: number;
  /** First retry delay after a failure, ms; doubles up to `retryMaxMs`. */
  retryBaseMs: number;
  retryMaxMs: number;
  now: () => number;
  logger: PlatformLogger;
  /** Bot-removed errors are passed here (the platform then uninstalls the bot). */
  onBotRemoved: (error: PlatformError) => void;
  /** Whether an Active subscription may be kept (false: made with another verification token); default yes. */
  isCurrentSubscription?: (subscriptionId: string) => boolean;
  /** Whether a subscription at another address is ours from before an address change (deleted); default no. */
  isFormerSubscription?: (subscriptionId: string) => boolean;
  /** Called with the id of each subscription created here. */
  onSubscriptionCreated?: (subscriptionId: string) => void;
  /**
   * Asked at each check: only when it resolves true does this keeper create, update, renew or
   * delete subscriptions (one keeper across instances); otherwise it only reads. Default: always.
   */
  mayKeep?: () => Promise<boolean>;
  /** Called when delivery may have missed notifications (first success, created, Blacklisted or expired seen). */
  onGap?: (reason: DeliveryGapReason) => void;
}

const enc = encodeURIComponent;

/** Keeps the bot's WebHook subscription (see the module comment); `start`, `check`, `status`, `close`. */
export class WebhookSubscriptionKeeper {
  readonly #o: WebhookKeeperOptions;
  #status: EventDeliveryStatus = { mode: 'webhook', state: 'starting' };
  #checking: Promise<void> | undefined;
  #interval: NodeJS.Timeout | undefined;
  #retryTimer: NodeJS.Timeout | undefined;
  #failures = 0;
  #closed = false;
  #everActive = false;
  /** Subscription ids already reported as a gap (Blacklisted or expired), so each is reported once. */
  readonly #gapsSeen = new Set<string>();

  constructor(options: WebhookKeeperOptions) {
    this.#o = options;
  }

  /** A copy of the current state. */
  status(): EventDeliveryStatus {
    return { ...this.#status };
  }

  /** First check, then the periodic timer. Never throws for RingCentral failures (see status). */
  async start(): Promise<void> {
    await this.check();
    if (!this.#closed && !this.#interval) {
      this.#interval = setInterval(() => void this.check(), this.#o.checkIntervalMs);
      this.#interval.unref();
    }
  }

  /**
   * Runs one check now, or joins the one already running. Never rejects; failures land in
   * `status()` and schedule a retry.
   */
  check(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    if (this.#checking) return this.#checking;
    this.#checking = (async () => {
      try {
        await this.#checkOnce();
      } finally {
        this.#checking = undefined;
      }
    })();
    return this.#checking;
  }

  /** Stops timers. The subscription itself stays (a restart finds and keeps it). */
  close(): void {
    this.#closed = true;
    if (this.#interval) clearInterval(this.#interval);
    if (this.#retryTimer) clearTimeout(this.#retryTimer);
    this.#interval = undefined;
    this.#retryTimer = undefined;
    this.#status = { ...this.#status, state: 'stopped' };
  }

  async #checkOnce(): Promise<void> {
    const session = this.#o.botSession();
    if (!session) {
      this.#status = { mode: 'webhook', state: 'waiting-for-bot' };
      return;
    }
    try {
      const first = !this.#everActive;
      await this.#reconcile(session);
      this.#failures = 0;
      this.#everActive = true;
      if (first && this.#status.state === 'active') this.#gap('start');
    } catch (e) {
      this.#onFailure(e);
    }
  }

  async #reconcile(session: IdentitySession): Promise<void> {
    const { http, address, logger: log } = this.#o;
    const response = await http.send(session, { method: 'GET', url: '/restapi/v1.0/subscription', what: 'listSubscriptions' });
    const serverDate = Date.parse(response.headers.get('date') ?? '');
    const now = Number.isFinite(serverDate) ? serverDate : this.#o.now();
    const list = (await response.json()) as { records?: SubscriptionInfo[] };
    const ours = (list.records ?? []).filter(
      (r) => r.deliveryMode?.transportType === 'WebHook' && r.deliveryMode?.address === address,
    );
    // Time left: by `expirationTime` against the server's clock, and by `expiresIn` when the
    // record carries it (whichever is shorter, so either reading of that field is safe).
    const leftMs = (r: SubscriptionInfo) => {
      const byTime = (Date.parse(r.expirationTime ?? '') || 0) - now;
      return typeof r.expiresIn === 'number' ? Math.min(byTime, r.expiresIn * 1000) : byTime;
    };
    const current = this.#o.isCurrentSubscription ?? (() => true);
    const candidates = ours
      .filter((r) => r.status === 'Active' && leftMs(r) > 0 && r.id !== undefined && current(r.id))
      .sort((a, b) => leftMs(b) - leftMs(a));
    let keep: SubscriptionInfo | undefined = candidates[0];
    const checkedAt = new Date(this.#o.now()).toISOString();
    const seen = keep ?? ours[0];
    const platformSaid = { platformStatus: seen ? (leftMs(seen) > 0 ? (seen.status ?? 'Unknown') : 'Expired') : 'None', platformCheckedAt: checkedAt };
    // Kept if the repair below fails, so /health shows what RingCentral said.
    this.#status = { ...this.#status, ...platformSaid };
    for (const r of ours) {
      if (!r.id || this.#gapsSeen.has(r.id)) continue;
      if (r.status === 'Blacklisted') this.#gap('blacklisted', r.id);
      else if (leftMs(r) <= 0) this.#gap('expired', r.id);
    }
    const mayKeep = this.#o.mayKeep ? await this.#o.mayKeep() : true;
    if (!mayKeep) {
      // Another instance keeps the subscription: report what the platform said, change nothing.
      const status: EventDeliveryStatus = { mode: 'webhook', state: keep ? 'active' : 'repairing', keeper: false, ...platformSaid };
      if (keep?.id) status.subscriptionId = keep.id;
      if (keep?.expirationTime) status.expiresAt = keep.expirationTime;
      this.#status = status;
      // Broken and not ours to repair: look again soon (backoff), the keeper may be gone.
      if (!keep) throw new Error('no Active subscription; another instance keeps it (waiting for it or for its lease to expire)');
      return;
    }
    for (const r of ours) {
      if (r === keep || !r.id) continue;
      log.info({ subscriptionId: r.id, status: r.status, expirationTime: r.expirationTime }, 'deleting a stale or duplicate subscription');
      await this.#delete(session, r.id);
    }
    const former = this.#o.isFormerSubscription;
    for (const r of list.records ?? []) {
      if (!former || !r.id || r.deliveryMode?.transportType !== 'WebHook' || r.deliveryMode.address === address || !former(r.id)) continue;
      log.info({ subscriptionId: r.id, formerAddress: r.deliveryMode.address }, 'deleting our subscription at a former address (PUBLIC_URL changed)');
      await this.#delete(session, r.id);
    }
    const keptId = keep?.id;
    if (keep && keptId && !filtersCover(keep.eventFilters ?? [], this.#o.eventFilters)) {
      // Kept from an older setup with other event filters: update it in place (PUT also renews).
      try {
        keep = await http.json<SubscriptionInfo>(session, {
          method: 'PUT',
          url: `/restapi/v1.0/subscription/${enc(keptId)}`,
          body: { eventFilters: this.#o.eventFilters, expiresIn: this.#o.expiresInS },
          what: 'updateSubscription',
        });
        log.info({ subscriptionId: keptId }, 'subscription event filters updated');
      } catch (e) {
        if (e instanceof PlatformError && (e.kind === 'bot-removed' || e.kind === 'rate-limited' || e.kind === 'unavailable')) throw e;
        log.warn({ subscriptionId: keptId, err: (e as Error).message }, 'could not update the event filters; replacing the subscription');
        await this.#delete(session, keptId);
        keep = undefined;
      }
    }
    if (keep && keptId && leftMs(keep) < this.#o.renewThresholdS * 1000) {
      try {
        keep = await http.json<SubscriptionInfo>(session, { method: 'POST', url: `/restapi/v1.0/subscription/${enc(keptId)}/renew`, what: 'renewSubscription' });
        log.info({ subscriptionId: keep.id, expirationTime: keep.expirationTime }, 'subscription renewed');
      } catch (e) {
        if (e instanceof PlatformError && (e.kind === 'bot-removed' || e.kind === 'rate-limited' || e.kind === 'unavailable')) throw e;
        log.warn({ subscriptionId: keptId, err: (e as Error).message }, 'renewal failed; replacing the subscription');
        await this.#delete(session, keptId);
        keep = undefined;
      }
    }
    if (!keep) {
      this.#status = { ...this.#status, state: this.#everActive ? 'repairing' : 'starting' };
      keep = await http.json<SubscriptionInfo>(session, {
        method: 'POST',
        url: '/restapi/v1.0/subscription',
        body: {
          eventFilters: this.#o.eventFilters,
          expiresIn: this.#o.expiresInS,
          deliveryMode: { transportType: 'WebHook', address, verificationToken: this.#o.verificationToken },
        },
        what: 'createSubscription',
      });
      log.info({ subscriptionId: keep.id, expirationTime: keep.expirationTime }, 'WebHook subscription created');
      if (keep.id) this.#o.onSubscriptionCreated?.(keep.id);
      // Whatever was sent while there was no Active subscription is lost unless caught up
      // (RingCentral does not redeliver; docs/ringcentral-notes.md §3).
      if (this.#everActive) this.#gap('subscription-created');
      platformSaid.platformStatus = keep.status ?? 'Active';
    }
    const status: EventDeliveryStatus = { mode: 'webhook', state: 'active', keeper: true, ...platformSaid };
    if (keep.id) status.subscriptionId = keep.id;
    if (keep.expirationTime) status.expiresAt = keep.expirationTime;
    this.#status = status;
  }

  #gap(reason: DeliveryGapReason, subscriptionId?: string): void {
    if (subscriptionId) this.#gapsSeen.add(subscriptionId);
    this.#o.logger.info({ reason, subscriptionId }, 'event delivery may have had a gap');
    try {
      this.#o.onGap?.(reason);
    } catch (e) {
      this.#o.logger.error({ err: (e as Error).message }, 'onGap threw');
    }
  }

  async #delete(session: IdentitySession, id: string): Promise<void> {
    try {
      await this.#o.http.send(session, { method: 'DELETE', url: `/restapi/v1.0/subscription/${enc(id)}`, what: 'deleteSubscription' });
    } catch (e) {
      if (e instanceof PlatformError && e.kind === 'not-found') return;
      throw e;
    }
  }

  #onFailure(e: unknown): void {
    const err = e instanceof Error ? e : new Error(String(e));
    const code = e instanceof PlatformError ? e.details.errorCode : undefined;
    if (e instanceof PlatformError && e.kind === 'bot-removed') {
      this.#status = { mode: 'webhook', state: 'waiting-for-bot', lastError: err.message };
      this.#o.onBotRemoved(e);
      return;
    }
    this.#failures += 1;
    const waitingForKeeper = !(e instanceof PlatformError) && this.#status.keeper === false;
    // Waiting for another instance's lease to expire: look again at least every check period.
    const delay = Math.min(waitingForKeeper ? this.#o.checkIntervalMs : this.#o.retryMaxMs, this.#o.retryBaseMs * 2 ** (this.#failures - 1));
    const state: EventDeliveryStatus['state'] = code === 'SUB-406' ? 'waiting-for-bot' : this.#everActive ? 'repairing' : 'failed';
    this.#status = { ...this.#status, mode: 'webhook', state, lastError: err.message };
    if (waitingForKeeper) this.#status.state = 'repairing';
    this.#o.logger.warn({ errorCode: code, err: err.message, retryInMs: delay, failures: this.#failures }, 'WebHook subscription check failed; will retry');
    if (this.#closed) return;
    if (this.#retryTimer) clearTimeout(this.#retryTimer);
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      void this.check();
    }, delay);
    this.#retryTimer.unref();
  }
}

/**
 * Whether a subscription's event filters (as RingCentral returns them, `~` replaced by real ids)
 * include every filter we ask for (written with `~`). `~` in ours matches any one path segment.
 */
export function filtersCover(theirs: readonly string[], ours: readonly string[]): boolean {
  return ours.every((filter) => {
    const pattern = new RegExp(`^${filter.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/~/g, '[^/?&]+')}$`);
    return theirs.some((t) => pattern.test(t));
  });
}
