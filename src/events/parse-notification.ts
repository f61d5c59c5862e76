/**
 * A delivery body becomes a NotificationEnvelope (platform contract) or a WebhookPayloadError.
 * Envelope shape: ../shared/docs/ringcentral-api.md §3 ("Notification request format") and the
 * samples in ../shared/ringcentral/samples/.
 */
import type { NotificationEnvelope } from '../platform/ringcentral-client.ts';
import { WebhookPayloadError } from '../errors.ts';
import { MAX_NOTIFICATION_DEPTH, jsonDepthExceeds } from './json-depth.ts';

/**
 * Parses raw body text (UTF-8 JSON) into an envelope. Throws WebhookPayloadError (400) for
 * malformed JSON, a non-object, or a missing/empty `uuid`, or a `body` that is not an object.
 * Unknown event types pass through untouched.
 */
export function parseNotification(raw: string): NotificationEnvelope {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (e) {
    throw new WebhookPayloadError('Body is not valid JSON', e);
  }
  return toNotificationEnvelope(value);
}

/**
 * Validates an already-parsed value (WebSocket deliveries); same errors as parseNotification,
 * plus WebhookPayloadError for a value nested deeper than MAX_NOTIFICATION_DEPTH (it could not
 * be stored: serializing it would overflow the stack).
 */
export function toNotificationEnvelope(value: unknown): NotificationEnvelope {
  if (!isRecord(value)) throw new WebhookPayloadError('Notification must be a JSON object');
  if (jsonDepthExceeds(value, MAX_NOTIFICATION_DEPTH)) throw new WebhookPayloadError(`Notification is nested deeper than ${MAX_NOTIFICATION_DEPTH} levels`);
  const uuid = value.uuid;
  if (typeof uuid !== 'string' || uuid.length === 0 || uuid.length > 200) throw new WebhookPayloadError('Notification has no uuid');
  const body = value.body;
  if (!isRecord(body)) throw new WebhookPayloadError('Notification has no body object');
  return {
    uuid,
    event: typeof value.event === 'string' ? value.event : '',
    timestamp: typeof value.timestamp === 'string' ? value.timestamp : '',
    subscriptionId: typeof value.subscriptionId === 'string' ? value.subscriptionId : '',
    ...(typeof value.ownerId === 'string' || typeof value.ownerId === 'number' ? { ownerId: String(value.ownerId) } : {}),
    body,
  };
}

/** True for plain JSON objects (not arrays, not null). */
export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
