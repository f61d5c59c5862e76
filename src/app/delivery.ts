/**
 * Step "delivery": event delivery from RingCentral once the bot is installed — WebHook to
 * `<base>/webhook` when a base URL is known, else WebSocket (whose notifications are put in the
 * inbox here; WebHook deliveries arrive through the server's route).
 */
import crypto from 'node:crypto';
import type { Logger } from '../logger.ts';
import type { NotificationEnvelope, RingCentralPlatform } from '../platform/ringcentral-client.ts';
import type { Store } from '../store/store.ts';
import { SETTING_WEBHOOK_SUBSCRIPTION } from '../store/setting-keys.ts';
import type { Dispatcher } from '../events/create-dispatcher.ts';
import { toNotificationEnvelope } from '../events/parse-notification.ts';
import { notificationDelivery } from '../events/inbox-delivery.ts';

export interface EventDelivery {
  /** Starts delivery unless it runs or we are stopping; failures are logged (see /health). */
  start(): void;
}

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
}): Promise<EventDelivery> {
  const { platform, store, dispatcher, logger } = p;
  const tokenHash = crypto.createHash('sha256').update(p.verificationToken).digest('hex');
  let ownSubscription = parseOwnSubscription(await store.getSetting(SETTING_WEBHOOK_SUBSCRIPTION));
  let started = false;

  async function acceptNotification(raw: unknown) {
    const envelope = toNotificationEnvelope(raw);
    const outcome = await store.inbox.accept(notificationDelivery('websocket', envelope), p.now());
    if (outcome === 'accepted') dispatcher.notify();
  }

  return {
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
