/**
 * Step "delivery": event delivery from RingCentral once the bot is installed — WebHook to
 * `<base>/webhook` when a base URL is known, else WebSocket (whose notifications are put in the
 * inbox here; WebHook deliveries arrive through the server's route).
 * Several instances: only the holder of the store lease `subscription-keeper` changes the WebHook
 * subscription (renewed at every check, valid for two check periods; another instance takes
 * over when it expires). Every gap in delivery the platform reports starts a catch-up
 * (events/catch-up.ts), which itself runs on one instance at a time.
 */
import crypto from 'node:crypto';
import type { Logger } from '../logger.ts';
import type { DeliveryGapReason, NotificationEnvelope, RingCentralPlatform } from '../platform/ringcentral-client.ts';
import type { Store } from '../store/store.ts';
import { SETTING_WEBHOOK_SUBSCRIPTION } from '../store/setting-keys.ts';
import type { Dispatcher } from '../events/create-dispatcher.ts';
import { toNotificationEnvelope } from '../events/parse-notification.ts';
import { notificationDelivery } from '../events/inbox-delivery.ts';

export interface EventDelivery {
  /** Starts delivery unless it runs or we are stopping; failures are logged (see /health). */
  start(): void;
  /** Gives the keeper lease back (shutdown), so another instance takes over at its next check. */
  stop(): Promise<void>;
}

/** The store lease whose holder keeps the WebHook subscription. */
export const SUBSCRIPTION_KEEPER_LEASE = 'subscription-keeper';

function parseOwnSubscription(value: string | undefined): { id: string; tokenHash: string } | undefined {
  if (!value) return undefined;
  try {
    const v = JSON.parse(value) as { id?: unknown; tokenHash?: unknown };
    return typeof v.id === 'string' && typeof v.tokenHash === 'string' ? { id: v.id, tokenHash: v.tokenHash } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Prepares event delivery. `publicUrl()` is the base URL for WebHook delivery, or undefined for
 * WebSocket. Reads the subscription we made earlier from the store.
 */
export async function prepareEventDelivery(p: {
  platform: RingCentralPlatform;
  store: Store;
  dispatcher: Dispatcher;
  verificationToken: string;
  publicUrl: () => string | undefined;
  isClosing: () => boolean;
  logger: Logger;
  now: () => number;
  /** SUBSCRIPTION_CHECK_SECONDS in ms: the keeper lease lasts two of these. */
  checkIntervalMs: number;
  /** Called for every reported gap (catch-up). */
  onDeliveryGap: (reason: DeliveryGapReason) => void;
  /** Told of every WebSocket notification stored or recognised as a duplicate (health: the last notification time). */
  onNotification?: () => void;
}): Promise<EventDelivery> {
  const { platform, store, dispatcher, logger } = p;
  const tokenHash = crypto.createHash('sha256').update(p.verificationToken).digest('hex');
  let ownSubscription = parseOwnSubscription(await store.getSetting(SETTING_WEBHOOK_SUBSCRIPTION));
  // With several instances the keeper (whoever holds the lease) records the subscription it made;
  // the others read it again now and then, so they recognise it as ours (and report it active).
  const rereadOwnSubscription = setInterval(() => {
    store.getSetting(SETTING_WEBHOOK_SUBSCRIPTION).then(
      (v) => {
        const read = parseOwnSubscription(v);
        if (read) ownSubscription = read;
      },
      (e: unknown) => logger.debug({ err: e }, 'could not read the recorded subscription id'),
    );
  }, Math.max(1000, Math.floor(p.checkIntervalMs / 2)));
  rereadOwnSubscription.unref();
  let started = false;

  async function acceptNotification(raw: unknown) {
    const envelope = toNotificationEnvelope(raw);
    const outcome = await store.inbox.accept(notificationDelivery('websocket', envelope), p.now());
    p.onNotification?.();
    if (outcome === 'accepted') dispatcher.notify();
  }

  const leaseMs = 2 * p.checkIntervalMs;
  let keeper = false;
  const mayKeepSubscription = async () => {
    try {
      const held = await store.leases.acquire(SUBSCRIPTION_KEEPER_LEASE, store.instanceId, p.now(), leaseMs);
      if (held !== keeper) logger.info({ instanceId: store.instanceId }, held ? 'this instance keeps the subscription' : 'another instance keeps the subscription');
      keeper = held;
    } catch (e) {
      logger.warn({ err: e }, 'could not take the subscription keeper lease');
      keeper = false;
    }
    return keeper;
  };

  return {
    async stop() {
      if (keeper) await store.leases.release(SUBSCRIPTION_KEEPER_LEASE, store.instanceId).catch(() => undefined);
    },
    start() {
      if (started || p.isClosing()) return;
      started = true;
      const onNotification = (raw: NotificationEnvelope) => {
        void acceptNotification(raw).catch((e: unknown) => logger.error({ err: e }, 'could not store a WebSocket notification'));
      };
      const publicUrl = p.publicUrl();
      platform
        .startEventDelivery({
          ...(publicUrl ? { publicUrl } : {}),
          verificationToken: p.verificationToken,
          onNotification,
          // RingCentral never shows a subscription's verification token again: only the one we made
          // with the current token may be kept; one made with an older token would be refused (401)
          // at every delivery until RingCentral blacklists the webhook.
          isCurrentSubscription: (id) => ownSubscription?.id === id && ownSubscription.tokenHash === tokenHash,
          // The one we recorded, now at another address: PUBLIC_URL changed since it was made.
          isFormerSubscription: (id) => ownSubscription?.id === id,
          mayKeepSubscription,
          onDeliveryGap: p.onDeliveryGap,
          onSubscriptionCreated: (id) => {
            ownSubscription = { id, tokenHash };
            void store.setSetting(SETTING_WEBHOOK_SUBSCRIPTION, JSON.stringify(ownSubscription)).catch((e: unknown) => logger.error({ err: e }, 'could not remember the subscription id'));
          },
        })
        .then(() => logger.info({ delivery: platform.eventDeliveryStatus() }, 'event delivery started'))
        .catch((e: unknown) => {
          started = false;
          logger.error({ err: e }, 'event delivery could not start; /health shows the state');
        });
    },
  };
}
