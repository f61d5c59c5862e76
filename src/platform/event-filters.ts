/**
 * Event filters the bot subscribes to (docs/ringcentral-notes.md §2.6 "Event filters a bot uses") and
 * helpers to recognise the notifications the platform handles itself.
 */
import type { NotificationEnvelope } from './ringcentral-client.ts';

/** Posts in every chat the bot is in (PostAdded, PostChanged, PostRemoved). */
export const POSTS_FILTER = '/team-messaging/v1/posts';
/** Chats the bot joins or leaves. */
export const CHATS_FILTER = '/team-messaging/v1/chats';
/** The bot's own extension: `eventType: 'Delete'` means the bot was removed (docs/ringcentral-notes.md §4). */
export const BOT_EXTENSION_FILTER = '/restapi/v1.0/account/~/extension/~';

/**
 * Renewal reminder filter: RingCentral notifies from `thresholdS` seconds before expiry, every
 * `intervalS` seconds (docs/ringcentral-notes.md §2.6).
 */
export function renewalReminderFilter(thresholdS: number, intervalS: number): string {
  return `/restapi/v1.0/subscription/~?threshold=${Math.max(1, Math.floor(thresholdS))}&interval=${Math.max(1, Math.floor(intervalS))}`;
}

/** Filters of the WebHook subscription. */
export function webhookEventFilters(reminderThresholdS: number, reminderIntervalS: number): string[] {
  return [POSTS_FILTER, CHATS_FILTER, BOT_EXTENSION_FILTER, renewalReminderFilter(reminderThresholdS, reminderIntervalS)];
}

/** Filters of the WebSocket subscription (WebSocket subscriptions are not renewed over HTTP). */
export const WEBSOCKET_EVENT_FILTERS: readonly string[] = [POSTS_FILTER, CHATS_FILTER, BOT_EXTENSION_FILTER];

/** Whether a notification is a subscription renewal reminder (`event` is `/restapi/v1.0/subscription/…`). */
export function isRenewalReminder(envelope: Pick<NotificationEnvelope, 'event'>): boolean {
  return /^\/restapi\/v1\.0\/subscription(\/|\?|$)/.test(envelope.event);
}

/** Whether a notification says the bot's own extension was deleted (the bot was removed). */
export function isBotExtensionDeleted(envelope: Pick<NotificationEnvelope, 'event' | 'body' | 'ownerId'>, botExtensionId: string | undefined): boolean {
  if (!/^\/restapi\/v1\.0\/account\/[^/]+\/extension\/[^/?]+$/.test(envelope.event.split('?')[0] ?? '')) return false;
  if (envelope.body.eventType !== 'Delete') return false;
  const subject = envelope.body.extensionId ?? envelope.ownerId;
  return botExtensionId !== undefined && subject !== undefined && String(subject) === botExtensionId;
}
