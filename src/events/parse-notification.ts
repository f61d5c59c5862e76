/**
 * A delivery body becomes a NotificationEnvelope (platform contract) or a WebhookPayloadError.
 * Envelope shape: docs/ringcentral-notes.md §3 ("Notification request format") and the
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

/** The seconds-wide bucket of an ISO timestamp ('' when unparseable). */
function secondOf(timestamp: string): string {
  const t = Date.parse(timestamp);
  return Number.isFinite(t) ? String(Math.floor(t / 1000)) : '';
}

/**
 * What a notification is, whatever envelope it came in: RingCentral gives every delivery a
 * fresh `uuid` per subscription, so the same post through two subscriptions has two uuids
 * but one identity (docs/ringcentral-notes.md §3; samples tm-v1-post-added.json,
 * tm-v1-chat-group-joined.json, extension-info-update-event.json). Keys:
 * - post events: `post:<eventType>:<post id>`, plus `lastModifiedTime` for edits (PostChanged);
 * - chat events (GroupJoined, GroupLeft, …): `chat:<eventType>:<chat id>:<owner id>:<lastModifiedTime>`
 *   (a leave and a later re-join are different events);
 * - extension events: `extension:<extension id>:<eventType>:<hints>:<second of timestamp>`.
 * Undefined when the body carries no id to go by (the uuid alone then deduplicates).
 */
export function identityKeyOf(envelope: NotificationEnvelope): string | undefined {
  const body = envelope.body;
  const eventType = typeof body.eventType === 'string' ? body.eventType : '';
  const id = typeof body.id === 'string' || typeof body.id === 'number' ? String(body.id) : '';
  const modified = typeof body.lastModifiedTime === 'string' ? body.lastModifiedTime : '';
  // Legacy Glip subscriptions deliver chat events (GroupJoined, GroupLeft, …) on /glip/posts too.
  if ((/\/(chats|groups|teams)$/.test(envelope.event) || /^Group/.test(eventType)) && id && eventType) {
    return `chat:${eventType}:${id}:${envelope.ownerId ?? ''}:${modified}`;
  }
  if (/\/posts$/.test(envelope.event) && id && eventType) {
    return eventType === 'PostAdded' ? `post:PostAdded:${id}` : `post:${eventType}:${id}:${modified}`;
  }
  if (/\/extension\/[^/]+$/.test(envelope.event) || /\/extension$/.test(envelope.event)) {
    const extensionId = typeof body.extensionId === 'string' || typeof body.extensionId === 'number' ? String(body.extensionId) : '';
    const hints = Array.isArray(body.hints) ? body.hints.filter((h) => typeof h === 'string').sort().join(',') : '';
    if (extensionId) return `extension:${extensionId}:${eventType}:${hints}:${secondOf(envelope.timestamp)}`;
  }
  return undefined;
}

/**
 * Whose work a delivery is, for fair order: `<chat id>:<sender id>` for posts (chat id from
 * `groupId`, sender from `creatorId`), `<chat id>:` for other chat events, the extension id for
 * extension events, '' otherwise.
 */
export function fairKeyOf(envelope: NotificationEnvelope): string {
  const body = envelope.body;
  const str = (v: unknown) => (typeof v === 'string' || typeof v === 'number' ? String(v) : '');
  if (str(body.groupId)) return `${str(body.groupId)}:${str(body.creatorId)}`;
  if (str(body.extensionId)) return `extension:${str(body.extensionId)}`;
  if (str(body.id)) return `${str(body.id)}:`;
  return '';
}
