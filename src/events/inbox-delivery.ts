/**
 * What the inbox is asked to keep for one notification: its uuid, lane, identity key (the
 * same event under another uuid is a duplicate) and fair key (round-robin across senders).
 */
import type { NotificationEnvelope } from '../platform/ringcentral-client.ts';
import type { InboxDelivery } from '../store/store.ts';
import { laneOf } from './lane-of.ts';
import { fairKeyOf, identityKeyOf, isRecord } from './parse-notification.ts';

/**
 * The inbox delivery for a notification from WebHook or WebSocket; `needsNoWork` true keeps it
 * for deduplication only (events/needs-no-work.ts). Pure.
 */
export function notificationDelivery(source: 'webhook' | 'websocket', envelope: NotificationEnvelope, needsNoWork = false): InboxDelivery {
  return {
    ...(needsNoWork ? { needsNoWork } : {}),
    uuid: envelope.uuid,
    source,
    payload: envelope,
    lane: laneOf(source, envelope),
    identityKey: identityKeyOf(envelope),
    fairKey: fairKeyOf(envelope),
  };
}

/**
 * The fair key of a card submission: `<chat id>:<extension id>` from `conversation.id` and
 * `user.extId` (RingCentral's interactive message payload), '' when absent.
 */
export function submissionFairKey(payload: unknown): string {
  if (!isRecord(payload)) return '';
  const chat = isRecord(payload.conversation) ? payload.conversation.id : undefined;
  const user = isRecord(payload.user) ? payload.user.extId : undefined;
  const str = (v: unknown) => (typeof v === 'string' || typeof v === 'number' ? String(v) : '');
  return str(chat) || str(user) ? `${str(chat)}:${str(user)}` : '';
}
